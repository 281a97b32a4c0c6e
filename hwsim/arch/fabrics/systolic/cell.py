"""One (design point, layer) on the systolic array, compiled: SCALE-Sim's fold timing, the
mapping (SCALE-Sim's order or the mapper), stalls, and every count the pricing step needs.

This is the only copy of the array's arithmetic: the fabric (fabric.py) runs it over a job's
cells for per-layer tables, and the engine's fused pass (hwsim/engine/fused.py) runs it inside
its reduction. Inputs are read by named row from three float64 matrices:

* ``design`` (N_DESIGN_INPUTS, P): one column per design point (``D_*`` rows);
* ``layer`` (N_LAYER_INPUTS, L): one column per layer (``L_*`` rows);
* ``prec`` (N_PRECISION_INPUTS, G, L): the PE's datapath record and the resolved formats per
  structural group and layer (``Q_*`` rows); a point reads its group ``D_GROUP``.

Outputs go to a vector of ``N_OUT`` slots (``O_*``), per instance of the layer (the engine
multiplies by instances x count). The formulas are the module docstrings' of timing.py (SCALE-
Sim's folds), mapper.py (the mapper and SCALE-Sim's loop order) and fabric.py (timing rules).
"""

from __future__ import annotations

import math

from numba import njit

from hwsim.arch.fabrics.base import (
    B_COMPUTE, B_DRAM_A, B_DRAM_B, B_DRAM_OUT, B_SRAM_A, B_SRAM_B, B_STALL, D_ASSUMED_DENSITY, D_BW, D_COLS,
    D_DATAFLOW, D_DBUF, D_E_DRAM, D_E_SRAM, D_GROUP, D_KEEP_ACT, D_LEAK_PJ_PER_CYCLE, D_MAPPING, D_OBJECTIVE,
    D_PORT_A, D_PORT_B,
    D_PORT_C, D_RLC, D_ROWS, D_RS_FILTER, D_RS_IFMAP, D_RS_PSUM, D_SDB, D_SHARED, D_SIZE_A, D_SIZE_B, D_SIZE_C,
    D_USER, L_A_INPUT, L_A_UNIQUE, L_DENSITY_IN, L_DENSITY_OUT, L_HANDED_IN, L_HANDS_ON, L_INSTANCES, L_K,
    L_KERNEL_H, L_KERNEL_W, L_M, L_N, L_OUT_H, L_OUT_W, L_PREV_IN_WORDS, L_PREV_OUT_WORDS, O_CODEC,
    O_COMPULSORY, O_COMPUTE, O_COMP_UTIL, O_CONV_A, O_CONV_W, O_DRAM_A, O_DRAM_B, O_DRAM_CYCLES,
    O_DRAM_FILTER_WORDS, O_DRAM_IFMAP_WORDS, O_DRAM_OFMAP_WORDS, O_DRAM_PSUM, O_DRAM_W, O_FOLDS, O_GROUPS,
    O_IDLE, O_KT, O_MACS, O_MAP_EFF, O_MT, O_NT, O_OVERLAP, O_PORT_CYCLES, O_SCHEME, O_SPAD, O_SPILL_BITS,
    O_SRAM_FILTER_WORDS, O_SRAM_IFMAP_WORDS, O_SRAM_OFMAP_WORDS, O_SRAM_RD_A, O_SRAM_RD_B, O_SRAM_RD_C,
    O_SRAM_WR_A, O_SRAM_WR_B, O_SRAM_WR_C, O_STALL, O_TABLES, O_VOPS, Q_ACC_BITS, Q_A_BITS, Q_B_BITS, Q_CPS,
    Q_GROUP_SIZE, Q_OUT_BITS, Q_PACK, Q_PREV_A_BITS, Q_PREV_OUT_BITS, Q_TABLE_ENTRIES, Q_TABLE_GROUP, U_FILTER,
    U_IFMAP, U_OFMAP, U_STALL)
from hwsim.arch.fabrics.systolic.mapper import (
    DF_ROW_STATIONARY, K_A_READ, K_B_READ, K_COMPUTE, K_KT, K_K_PASSES, K_MT, K_NT, K_OUT_WRITE, K_OVERLAP,
    K_PSUM_READ, K_SCHEME, K_SPILL, K_TOTAL, S_ACC_BITS, S_ARRAY_CYCLES, S_A_BITS, S_A_DISTINCT, S_B_BITS,
    S_COLS, S_COL_FOLDS, S_CPS, S_DBUF, S_DF, S_FOLDS, S_K, S_M, S_N, S_OUT_BITS, S_RES_IN, S_RES_OUT, S_RLC_IN,
    S_RLC_OUT, S_ROWS, S_ROW_FOLDS, S_SHARED, S_SIZE_A, S_SIZE_B, S_SIZE_C, S_SRAM_A, S_SRAM_B, S_SS_CAP,
    choose, resident_traffic, scalesim_order)
from hwsim.arch.fabrics.systolic.compression import rlc_ratio
from hwsim.arch.fabrics.systolic.row_stationary import rs_array
from hwsim.arch.fabrics.systolic.timing import cdiv, fold_cell

MAPPING_SCALESIM, MAPPING_AUTO, MAPPING_BITMOD = 0, 1, 2


@njit(cache=True)
def counts_own_traffic(design, p):
    """Point ``p`` runs SCALE-Sim's USER mode or BitMoD's rule, which model their own DRAM traffic:
    neither residency nor compression applies to it."""
    return design[D_USER, p] > 0 or int(design[D_MAPPING, p]) == MAPPING_BITMOD


@njit(cache=True)
def compression_ratios(design, p, layer, i, a_bits, out_bits):
    """(input, output) fractions of their bits that activations cross DRAM with under
    buffers.activation_compression (compression.py); (1, 1) without it. A previous layer's output
    of no stated density (NaN in the layer matrix) is at the design's assumed density (0: none)."""
    if design[D_RLC, p] <= 0 or counts_own_traffic(design, p):
        return 1.0, 1.0
    assumed = design[D_ASSUMED_DENSITY, p]
    assumed = 1.0 if assumed <= 0.0 else assumed
    density_in, density_out = layer[L_DENSITY_IN, i], layer[L_DENSITY_OUT, i]
    return (rlc_ratio(assumed if math.isnan(density_in) else density_in, a_bits),
            rlc_ratio(assumed if math.isnan(density_out) else density_out, out_bits))


@njit(cache=True)
def residency(design, p, layer, i, prec, g):
    """(input already in the ifmap buffer, output kept there for the next layer) under
    ``buffers.keep_activations``: a layer hands its output on when the next layer is a GEMM that
    reads no more than it wrote (L_HANDS_ON) and the ifmap buffer, whole, holds the layer's input
    and output at once (the next layer's input then sits where it will be read); SCALE-Sim's order
    and the mapper only (not USER mode nor BitMoD's rule, which model their own traffic)."""
    if design[D_KEEP_ACT, p] <= 0 or counts_own_traffic(design, p):
        return 0.0, 0.0
    size = design[D_SIZE_A, p]
    instances = layer[L_INSTANCES, i]
    own = (layer[L_A_UNIQUE, i] * prec[Q_A_BITS, g, i] + layer[L_M, i] * layer[L_N, i] * prec[Q_OUT_BITS, g, i]) \
        * instances
    prev = layer[L_PREV_IN_WORDS, i] * prec[Q_PREV_A_BITS, g, i] + layer[L_PREV_OUT_WORDS, i] * prec[Q_PREV_OUT_BITS, g, i]
    res_in = 1.0 if layer[L_HANDED_IN, i] > 0 and prev <= size else 0.0
    res_out = 1.0 if layer[L_HANDS_ON, i] > 0 and own <= size else 0.0
    return res_in, res_out


@njit(cache=True)
def systolic_cell(design, p, layer, i, prec, user, bitmod, out, best, cand, table, prepared, structure):
    """Every count of layer ``i`` on design point ``p`` into ``out`` (``O_*`` slots).

    ``user`` and ``bitmod`` hold the named mappings computed ahead in numpy (SCALE-Sim's USER
    mode, BitMoD's simulator: U_* and B_* rows), read only for points in those modes.
    ``best``, ``cand``, ``structure`` are scratch; ``table`` and ``prepared`` hold the mapper's
    prepared rows for this layer and the point's structure (mapper.choose): the caller resets
    ``prepared`` to -1 whenever the structure changes, and keeps it across points that share it."""
    g = int(design[D_GROUP, p])
    rows, cols = int(design[D_ROWS, p]), int(design[D_COLS, p])
    df = int(design[D_DATAFLOW, p])
    mapping = int(design[D_MAPPING, p])
    dbuf = design[D_DBUF, p] > 0
    bw = design[D_BW, p]
    pack = int(prec[Q_PACK, g, i])
    cps = int(prec[Q_CPS, g, i])
    m, k_elems, n = int(layer[L_M, i]), int(layer[L_K, i]), int(layer[L_N, i])
    k = cdiv(k_elems, pack)                               # reduction words the array sees
    a_unique = math.ceil(layer[L_A_UNIQUE, i] / pack)
    a_input = math.ceil(layer[L_A_INPUT, i] / pack)
    a_raw, b_raw = prec[Q_A_BITS, g, i], prec[Q_B_BITS, g, i]
    a_bits, b_bits = a_raw * pack, b_raw * pack            # bits per packed word
    acc_bits, out_bits = prec[Q_ACC_BITS, g, i], prec[Q_OUT_BITS, g, i]
    share = 0.5 if dbuf else 1.0
    w_a, w_b, w_c = design[D_SIZE_A, p] * share, design[D_SIZE_B, p] * share, design[D_SIZE_C, p] * share

    if df == DF_ROW_STATIONARY:
        # the array half of row stationary (row_stationary.py): its K chunks play the WS row folds'
        # part (partial-sum visits to the ofmap buffer), its filter groups the column folds'
        (row_folds, col_folds, passes, per_fold, ss_compute, efficiency, utilization, ifmap_w, filt_w, ofmap_w,
         map_rows, map_cols) = rs_array(m, k, n, int(layer[L_KERNEL_H, i]), int(layer[L_KERNEL_W, i]),
                                        int(layer[L_OUT_H, i]), int(layer[L_OUT_W, i]), a_unique, rows, cols,
                                        int(design[D_RS_FILTER, p]), int(design[D_RS_IFMAP, p]),
                                        int(design[D_RS_PSUM, p]), cps)
        folds = float(passes)
    else:
        row_folds, col_folds, per_fold, ss_compute, efficiency, utilization, ifmap_w, filt_w, ofmap_w = fold_cell(
            m, k, n, rows, cols, df, cps)
        folds = float(row_folds * col_folds)
        map_rows, map_cols = rows, cols
    mn = float(m) * float(n)
    sram_a_array = ifmap_w * a_bits
    sram_b_array = filt_w * b_bits

    # SCALE-Sim's loop order: its traffic, and its stall pipeline (double-buffered: the first fold's
    # load exposed, later loads hidden behind the previous fold's compute; single: all exposed)
    ss_a, ss_b, ss_w, ss_pr, ss_spill = scalesim_order(df, float(m), float(k), float(n), float(a_input),
                                                       float(row_folds), float(col_folds), float(map_cols), a_bits,
                                                       b_bits, acc_bits, out_bits, w_a, w_b, w_c)
    res_in, res_out = residency(design, p, layer, i, prec, g)
    rlc_in, rlc_out = compression_ratios(design, p, layer, i, a_raw, out_bits)
    ss_a, ss_w, _ = resident_traffic(ss_a, ss_w, mn, out_bits, res_in, res_out, rlc_in, rlc_out)
    ss_dram = ss_a + ss_b + ss_pr + ss_w
    if math.isinf(bw):
        ss_stall = 0.0
    else:
        if dbuf:
            load_per_fold = ss_dram / (folds * bw)
            exposed = load_per_fold + (folds - 1) * max(0.0, load_per_fold - per_fold)
        else:
            exposed = ss_dram / bw
        ss_stall = math.ceil(exposed - 1e-9)
    if mapping == MAPPING_SCALESIM and design[D_USER, p] > 0:
        # SCALE-Sim's USER mode, computed ahead in numpy (scalesim_user.py): its stalls and
        # prefetch counts as operand elements moved at the operands' real widths (its ofmap count
        # includes WS/IS partial sums: accumulator bits)
        ss_stall = user[U_STALL, p, i]
        partial = max(0.0, user[U_OFMAP, p, i] - mn)
        ss_a = user[U_IFMAP, p, i] * a_bits
        ss_b = user[U_FILTER, p, i] * b_bits
        ss_w = mn * out_bits + partial * acc_bits
        ss_pr = 0.0
        ss_spill = partial

    if mapping == MAPPING_AUTO:
        structure[S_M], structure[S_K], structure[S_N] = m, k, n
        structure[S_A_DISTINCT], structure[S_A_BITS], structure[S_B_BITS] = a_unique, a_bits, b_bits
        structure[S_ACC_BITS], structure[S_OUT_BITS], structure[S_CPS] = acc_bits, out_bits, cps
        structure[S_FOLDS], structure[S_ROW_FOLDS], structure[S_COL_FOLDS] = folds, row_folds, col_folds
        structure[S_SS_CAP], structure[S_SRAM_A], structure[S_SRAM_B] = ss_dram, sram_a_array, sram_b_array
        structure[S_SIZE_A], structure[S_SIZE_B] = design[D_SIZE_A, p], design[D_SIZE_B, p]
        structure[S_SIZE_C], structure[S_ROWS], structure[S_COLS] = design[D_SIZE_C, p], map_rows, map_cols
        structure[S_DF], structure[S_DBUF] = df, design[D_DBUF, p]
        structure[S_ARRAY_CYCLES] = ss_compute
        structure[S_SHARED] = design[D_SHARED, p]
        structure[S_RLC_IN], structure[S_RLC_OUT] = rlc_in, rlc_out
        structure[S_RES_IN], structure[S_RES_OUT] = res_in, res_out
        choose(structure, table, prepared, cand, bw, design[D_SDB, p], design[D_LEAK_PJ_PER_CYCLE, p],
               design[D_E_DRAM, p], design[D_E_SRAM, p], design[D_OBJECTIVE, p], design[D_PORT_A, p],
               design[D_PORT_B, p], design[D_PORT_C, p], best)
        compute = math.ceil(best[K_COMPUTE] - 1e-9)
        stall = max(0.0, math.ceil(best[K_TOTAL] - 1e-9) - compute)
        a_read, b_read, out_write, psum_read = best[K_A_READ], best[K_B_READ], best[K_OUT_WRITE], best[K_PSUM_READ]
        spill, k_passes = best[K_SPILL], best[K_K_PASSES]
        scheme, mt, nt, kt, overlap = best[K_SCHEME], best[K_MT], best[K_NT], best[K_KT], best[K_OVERLAP]
    elif mapping == MAPPING_BITMOD:
        # BitMoD's simulator, computed ahead (fabric.py _bitmod): whole buffers, no partial sums
        # on chip, its own per-tile buffer reads
        compute, stall = bitmod[B_COMPUTE, p, i], bitmod[B_STALL, p, i]
        a_read, b_read, out_write = bitmod[B_DRAM_A, p, i], bitmod[B_DRAM_B, p, i], bitmod[B_DRAM_OUT, p, i]
        psum_read, spill, k_passes = 0.0, 0.0, 1.0
        scheme, mt, nt, kt, overlap = math.nan, math.nan, math.nan, math.nan, 0.0
        sram_a_array, sram_b_array = bitmod[B_SRAM_A, p, i], bitmod[B_SRAM_B, p, i]
    else:
        compute = float(ss_compute)
        stall = ss_stall
        a_read, b_read, out_write, psum_read, spill, k_passes = ss_a, ss_b, ss_w, ss_pr, ss_spill, 1.0
        scheme, mt, nt, kt = 0.0, math.nan, math.nan, math.nan
        overlap = 1.0 if dbuf else 0.0

    # partial sums accumulated on chip: one read-modify-write per K chunk after the first, the
    # chunks being the array's K folds (WS/IS; buffer K tiles hold whole folds) or the buffer's K
    # passes (OS keeps partial sums in the PEs within a pass); spilled ones come back from DRAM first
    array_k_folds = 1.0 if df == 0 else float(row_folds)
    onchip_psum = 0.0 if mapping == MAPPING_BITMOD else mn * (max(array_k_folds, k_passes) - 1.0)
    macs = float(m) * float(k_elems) * float(n)
    group = prec[Q_GROUP_SIZE, g, i]
    out[O_COMPUTE] = compute
    out[O_STALL] = stall
    out[O_MACS] = macs
    out[O_GROUPS] = mn * math.ceil(k_elems / group) if group > 1 else 0.0
    # LUT PEs: one table per (row of A, group of K activations), precomputed once per column fold
    # and shared by the output columns of that fold (N on the array's columns for OS/WS; IS streams
    # N through one fold)
    if prec[Q_TABLE_ENTRIES, g, i] > 0:
        out[O_TABLES] = m * math.ceil(k_elems / prec[Q_TABLE_GROUP, g, i]) * (1.0 if df == 2 else float(col_folds))
    else:
        out[O_TABLES] = 0.0
    out[O_CONV_W] = float(filt_w) * pack
    out[O_CONV_A] = float(ifmap_w) * pack
    out[O_VOPS] = 0.0
    out[O_SRAM_RD_A] = sram_a_array
    out[O_SRAM_RD_B] = sram_b_array
    kept = mn * out_bits if res_out > 0 else 0.0                   # outputs staying for the next layer
    out[O_SRAM_RD_C] = onchip_psum * acc_bits + out_write + kept   # accumulate, and drain (DRAM or ifmap)
    out[O_SRAM_WR_A] = a_read / rlc_in + kept                      # fills from DRAM (decoded), kept outputs
    out[O_SRAM_WR_B] = b_read
    out[O_SRAM_WR_C] = mn * out_bits + onchip_psum * acc_bits + psum_read
    out[O_DRAM_A] = a_read
    out[O_DRAM_B] = b_read
    out[O_DRAM_W] = out_write
    out[O_DRAM_PSUM] = psum_read
    # PE-cycles with no product (partial folds, fill and drain), as MAC slots: priced only when the
    # design's idle PEs are not clock-gated (compute.idle_pe_energy_fraction > 0)
    out[O_IDLE] = max(0.0, float(rows) * float(cols) * compute * pack / cps - macs)
    # row stationary: each product reads its weight and input from the PE's pads and reads and writes
    # its partial sum in the psum pad (4 accesses; derived from the RS PE, ISCA 2016 Sec. IV-A)
    out[O_SPAD] = 4.0 * macs if df == DF_ROW_STATIONARY else 0.0
    # the codec writes every compressed bit once into its pair registers (compression.py); a stream
    # that would not shrink bypasses it
    out[O_CODEC] = ((a_read if rlc_in < 1.0 else 0.0)
                    + (mn * out_bits * rlc_out if rlc_out < 1.0 and res_out <= 0 else 0.0))
    out[O_FOLDS] = folds
    out[O_MAP_EFF] = efficiency
    out[O_COMP_UTIL] = utilization
    out[O_SRAM_IFMAP_WORDS] = ifmap_w
    out[O_SRAM_FILTER_WORDS] = filt_w
    out[O_SRAM_OFMAP_WORDS] = ofmap_w
    out[O_DRAM_IFMAP_WORDS] = a_read / a_raw                        # operand elements, not packed words
    out[O_DRAM_FILTER_WORDS] = b_read / b_raw
    out[O_DRAM_OFMAP_WORDS] = (0.0 if res_out > 0 else mn) + spill
    a_min, w_min, _ = resident_traffic(a_unique * a_bits, mn * out_bits, mn, out_bits, res_in, res_out, rlc_in,
                                       rlc_out)
    out[O_COMPULSORY] = a_min + float(k) * n * b_bits + w_min
    # outputs written to DRAM only for the next layer to read back: what keep_activations saves
    out[O_SPILL_BITS] = mn * out_bits if layer[L_HANDS_ON, i] > 0 and res_out <= 0 else 0.0
    out[O_SCHEME] = scheme
    out[O_MT] = mt
    out[O_NT] = nt
    out[O_KT] = kt
    out[O_OVERLAP] = overlap
    # the timing components the layer's time is made of (docs/columns.md, `bound`): the DRAM
    # transfer at the design's bandwidth, and the SRAM ports' cycles where the timing waits for
    # them (the mapper: mapper._put_row's port bits over each buffer's bits per cycle; SCALE-Sim's
    # order and BitMoD's rule have no port term: NaN)
    out[O_DRAM_CYCLES] = 0.0 if math.isinf(bw) else (a_read + b_read + out_write + psum_read) / bw
    if mapping == MAPPING_AUTO:
        out[O_PORT_CYCLES] = max((sram_a_array + a_read) / design[D_PORT_A, p],
                                 (sram_b_array + b_read) / design[D_PORT_B, p],
                                 (mn * out_bits + 2.0 * onchip_psum * acc_bits + psum_read + out_write)
                                 / design[D_PORT_C, p])
    else:
        out[O_PORT_CYCLES] = math.nan
