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

import numpy as np
from numba import njit

from hwsim.arch.fabrics.base import (
    B_COMPUTE, B_DRAM_A, B_DRAM_B, B_DRAM_OUT, B_SRAM_A, B_SRAM_B, B_STALL, D_ASSUMED_DENSITY, D_BW, D_COLS,
    D_DATAFLOW, D_DBUF, D_E_DRAM, D_E_SRAM, D_GROUP, D_KEEP_ACT, D_LEAK_PJ_PER_CYCLE, D_MAPPING, D_OBJECTIVE,
    D_PORT_A, D_PORT_B,
    D_PORT_C, D_RLC, D_ROWS, D_RS_FILTER, D_RS_IFMAP, D_RS_PSUM, D_SDB, D_SHARED, D_SIZE_A, D_SIZE_B, D_SIZE_C,
    D_USER, L_A_INPUT, L_A_UNIQUE, L_DENSITY_IN, L_DENSITY_OUT, L_HANDED_IN, L_HANDS_ON, L_INSTANCES, L_K,
    L_KERNEL_H, L_KERNEL_W, L_M, L_N, L_OUT_H, L_OUT_W, L_PREV_IN_WORDS, L_PREV_OUT_WORDS, L_SHAPE_FIRST, O_CODEC,
    O_COMPULSORY, O_COMPUTE, O_COMP_UTIL, O_CONV_A, O_CONV_W, O_DRAM_A, O_DRAM_B, O_DRAM_CYCLES,
    O_DRAM_FILTER_WORDS, O_DRAM_IFMAP_WORDS, O_DRAM_OFMAP_WORDS, O_DRAM_PSUM, O_DRAM_W, O_FOLDS, O_GROUPS,
    O_IDLE, O_KT, O_MACS, O_MAP_EFF, O_MT, O_NT, O_OVERLAP, O_PORT_CYCLES, O_SCHEME, O_SPAD, O_SPILL_BITS,
    O_SRAM_FILTER_WORDS, O_SRAM_IFMAP_WORDS, O_SRAM_OFMAP_WORDS, O_SRAM_RD_A, O_SRAM_RD_B, O_SRAM_RD_C,
    O_SRAM_WR_A, O_SRAM_WR_B, O_SRAM_WR_C, O_STALL, O_TABLES, O_VOPS, Q_ACC_BITS, Q_A_BITS, Q_B_BITS, Q_CPS,
    Q_GROUP_SIZE, Q_OUT_BITS, Q_PACK, Q_PREV_A_BITS, Q_PREV_OUT_BITS, Q_TABLE_ENTRIES, Q_TABLE_GROUP, U_FILTER,
    U_IFMAP, U_OFMAP, U_STALL)
from hwsim.arch.fabrics.systolic.mapper import (
    DF_ROW_STATIONARY, K_A_READ, K_B_READ, K_COMPUTE, K_KT, K_K_PASSES, K_MT, K_NT, K_OUT_WRITE, K_OVERLAP,
    K_PSUM_READ, K_SCHEME, K_SPILL, K_TOTAL, S_ACC_BITS, S_ARRAY_CYCLES, S_ARRAY_K_FOLDS, S_A_BITS, S_A_DISTINCT,
    S_B_BITS, S_COLS, S_COL_FOLDS, S_COMPULSORY, S_CPS, S_DBUF, S_DF, S_FOLDS, S_K, S_M, S_N, S_OUT_BITS, S_RES_IN,
    S_RES_OUT, S_RLC_IN, S_RLC_OUT, S_ROWS, S_ROW_FOLDS, S_SHARED, S_SIZE_A, S_SIZE_B, S_SIZE_C, S_SRAM_A,
    S_SRAM_B, S_SS_CAP, STRUCTURE_INPUTS, choose, resident_traffic, scalesim_order, structure_bounds)
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


# The cell's record of one (structure, layer): the mapper's structure (STRUCTURE_INPUTS, which
# mapper.choose reads) followed by the cell's own structure-only figures. systolic_static fills it
# once; systolic_point reads it for every point that shares the structure.
CELL_FIELDS = STRUCTURE_INPUTS + ("mapping", "per_fold", "ss_a", "ss_b", "ss_w", "ss_pr", "ss_spill", "pack",
                                  "a_raw", "b_raw", "pes", "table")
(C_MAPPING, C_PER_FOLD, C_SS_A, C_SS_B, C_SS_W, C_SS_PR, C_SS_SPILL, C_PACK, C_A_RAW, C_B_RAW,
 C_PES, C_TABLE) = range(len(STRUCTURE_INPUTS), len(CELL_FIELDS))


@njit(cache=True)
def systolic_cell(design, p, layer, i, prec, user, bitmod, out, q, best, cand, tables, prepared, records):
    """Every count of layer ``i`` on design point ``p`` into ``out`` (``O_*`` slots): the
    structure's part (systolic_static) then the point's (systolic_point).

    ``user`` and ``bitmod`` hold the named mappings computed ahead in numpy (SCALE-Sim's USER
    mode, BitMoD's simulator: U_* and B_* rows), read only for points in those modes.
    The counts go to ``out[:, q, i]``. ``best``, ``cand`` are scratch; ``records`` (layers,
    CELL_FIELDS) hold each layer's structure record, ``tables`` and ``prepared`` the mapper's
    prepared rows per layer for the point's structure (mapper.choose): the caller resets
    ``prepared`` to -1 whenever the structure changes. Every array is indexed by layer, never
    sliced per cell (a slice costs numba two atomic reference counts)."""
    systolic_static(design, p, layer, i, prec, records, out, q)
    # np.bool_: a literal False would compile the mapper's preparation once more than the fused pass's
    systolic_point(design, p, i, user, bitmod, records, out, q, best, cand, tables, prepared, np.bool_(False))


@njit(cache=True)
def systolic_static(design, p, layer, i, prec, c, out, q):
    """The part of layer ``i``'s counts that depends only on point ``p``'s structure (the design
    rows and precision rows hwsim/engine/fused.py groups points by): the record ``c[i]``
    (CELL_FIELDS) and the structure-only slots of ``out[:, q, i]``. A point sharing the structure reuses
    both: systolic_point writes every other slot and never these."""
    g = int(design[D_GROUP, p])
    rows, cols = int(design[D_ROWS, p]), int(design[D_COLS, p])
    df = int(design[D_DATAFLOW, p])
    dbuf = design[D_DBUF, p] > 0
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

    # SCALE-Sim's loop order and its traffic (its stalls are the point's: they need the bandwidth)
    ss_a, ss_b, ss_w, ss_pr, ss_spill = scalesim_order(float(df), float(m), float(k), float(n), float(a_input),
                                                       float(row_folds), float(col_folds), float(map_cols), a_bits,
                                                       b_bits, acc_bits, out_bits, w_a, w_b, w_c)
    res_in, res_out = residency(design, p, layer, i, prec, g)
    rlc_in, rlc_out = compression_ratios(design, p, layer, i, a_raw, out_bits)
    ss_a, ss_w, _ = resident_traffic(ss_a, ss_w, mn, out_bits, res_in, res_out, rlc_in, rlc_out)

    c[i, S_M], c[i, S_K], c[i, S_N] = m, k, n
    c[i, S_A_DISTINCT], c[i, S_A_BITS], c[i, S_B_BITS] = a_unique, a_bits, b_bits
    c[i, S_ACC_BITS], c[i, S_OUT_BITS], c[i, S_CPS] = acc_bits, out_bits, cps
    c[i, S_FOLDS], c[i, S_ROW_FOLDS], c[i, S_COL_FOLDS] = folds, row_folds, col_folds
    c[i, S_SS_CAP], c[i, S_SRAM_A], c[i, S_SRAM_B] = ss_a + ss_b + ss_pr + ss_w, sram_a_array, sram_b_array
    c[i, S_SIZE_A], c[i, S_SIZE_B] = design[D_SIZE_A, p], design[D_SIZE_B, p]
    c[i, S_SIZE_C], c[i, S_ROWS], c[i, S_COLS] = design[D_SIZE_C, p], map_rows, map_cols
    c[i, S_DF], c[i, S_DBUF] = df, design[D_DBUF, p]
    c[i, S_ARRAY_CYCLES] = ss_compute
    c[i, S_SHARED] = design[D_SHARED, p]
    c[i, S_RLC_IN], c[i, S_RLC_OUT] = rlc_in, rlc_out
    c[i, S_RES_IN], c[i, S_RES_OUT] = res_in, res_out
    structure_bounds(c[i])
    c[i, C_TABLE] = _shared_table(layer, i, c)
    c[i, C_MAPPING], c[i, C_PER_FOLD] = design[D_MAPPING, p], per_fold
    c[i, C_SS_A], c[i, C_SS_B], c[i, C_SS_W], c[i, C_SS_PR], c[i, C_SS_SPILL] = ss_a, ss_b, ss_w, ss_pr, ss_spill
    c[i, C_PACK], c[i, C_A_RAW], c[i, C_B_RAW], c[i, C_PES] = pack, a_raw, b_raw, float(rows) * float(cols)

    macs = float(m) * float(k_elems) * float(n)
    group = prec[Q_GROUP_SIZE, g, i]
    out[O_MACS, q, i] = macs
    out[O_GROUPS, q, i] = mn * math.ceil(k_elems / group) if group > 1 else 0.0
    # LUT PEs: one table per (row of A, group of K activations), precomputed once per column fold
    # and shared by the output columns of that fold (N on the array's columns for OS/WS; IS streams
    # N through one fold)
    if prec[Q_TABLE_ENTRIES, g, i] > 0:
        out[O_TABLES, q, i] = (m * math.ceil(k_elems / prec[Q_TABLE_GROUP, g, i])
                               * (1.0 if df == 2 else float(col_folds)))
    else:
        out[O_TABLES, q, i] = 0.0
    out[O_CONV_W, q, i] = float(filt_w) * pack
    out[O_CONV_A, q, i] = float(ifmap_w) * pack
    out[O_VOPS, q, i] = 0.0
    # row stationary: each product reads its weight and input from the PE's pads and reads and writes
    # its partial sum in the psum pad (4 accesses; derived from the RS PE, ISCA 2016 Sec. IV-A)
    out[O_SPAD, q, i] = 4.0 * macs if df == DF_ROW_STATIONARY else 0.0
    out[O_FOLDS, q, i] = folds
    out[O_MAP_EFF, q, i] = efficiency
    out[O_COMP_UTIL, q, i] = utilization
    out[O_SRAM_IFMAP_WORDS, q, i] = ifmap_w
    out[O_SRAM_FILTER_WORDS, q, i] = filt_w
    out[O_SRAM_OFMAP_WORDS, q, i] = ofmap_w
    out[O_COMPULSORY, q, i] = c[i, S_COMPULSORY]
    # outputs written to DRAM only for the next layer to read back: what keep_activations saves
    out[O_SPILL_BITS, q, i] = mn * out_bits if layer[L_HANDS_ON, i] > 0 and res_out <= 0 else 0.0


@njit(cache=True)
def _shared_table(layer, i, c):
    """The layer whose mapper tables layer ``i`` uses: an earlier layer of the same GEMM shape
    (L_SHAPE_FIRST) whose structure record is equal in every input the tables are made from
    (STRUCTURE_INPUTS up to S_RLC_OUT), else ``i`` itself. Equal inputs give equal tables, so the
    choice is the same; ResNet-50's 30 layers make 24 tables."""
    j = int(layer[L_SHAPE_FIRST, i])
    if j >= i:
        return float(i)
    for f in range(S_RLC_OUT + 1):
        if c[i, f] != c[j, f]:
            return float(i)
    return c[j, C_TABLE]


@njit(cache=True, inline="always")
def systolic_point(design, p, i, user, bitmod, c, out, q, best, cand, table, prepared, reused):
    """The point's part of layer ``i``'s counts, from the structure's record ``c``: the mapping's
    choice under the point's bandwidth, energies and objective, its stalls, and every slot of
    ``out`` that systolic_static does not write."""
    mapping = int(c[i, C_MAPPING])
    dbuf = c[i, S_DBUF] > 0
    bw = design[D_BW, p]
    folds, per_fold, mn = c[i, S_FOLDS], c[i, C_PER_FOLD], c[i, S_M] * c[i, S_N]
    a_bits, b_bits, acc_bits, out_bits = c[i, S_A_BITS], c[i, S_B_BITS], c[i, S_ACC_BITS], c[i, S_OUT_BITS]
    pack, a_raw = c[i, C_PACK], c[i, C_A_RAW]
    res_out, rlc_in, rlc_out = c[i, S_RES_OUT], c[i, S_RLC_IN], c[i, S_RLC_OUT]
    sram_a_array, sram_b_array = c[i, S_SRAM_A], c[i, S_SRAM_B]
    ss_a, ss_b, ss_w, ss_pr, ss_spill = c[i, C_SS_A], c[i, C_SS_B], c[i, C_SS_W], c[i, C_SS_PR], c[i, C_SS_SPILL]

    # SCALE-Sim's stall pipeline (double-buffered: the first fold's load exposed, later loads hidden
    # behind the previous fold's compute; single: all exposed)
    if math.isinf(bw):
        ss_stall = 0.0
    else:
        ss_dram = c[i, S_SS_CAP]
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
        choose(c, i, int(c[i, C_TABLE]), table, prepared, reused, cand, bw, design[D_SDB, p],
               design[D_LEAK_PJ_PER_CYCLE, p], design[D_E_DRAM, p], design[D_E_SRAM, p], design[D_OBJECTIVE, p],
               design[D_PORT_A, p], design[D_PORT_B, p], design[D_PORT_C, p], best)
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
        compute = float(c[i, S_ARRAY_CYCLES])
        stall = ss_stall
        a_read, b_read, out_write, psum_read, spill, k_passes = ss_a, ss_b, ss_w, ss_pr, ss_spill, 1.0
        scheme, mt, nt, kt = 0.0, math.nan, math.nan, math.nan
        overlap = 1.0 if dbuf else 0.0

    # partial sums accumulated on chip: one read-modify-write per K chunk after the first, the
    # chunks being the array's K folds (WS/IS; buffer K tiles hold whole folds) or the buffer's K
    # passes (OS keeps partial sums in the PEs within a pass); spilled ones come back from DRAM first
    onchip_psum = 0.0 if mapping == MAPPING_BITMOD else mn * (max(c[i, S_ARRAY_K_FOLDS], k_passes) - 1.0)
    out[O_COMPUTE, q, i] = compute
    out[O_STALL, q, i] = stall
    out[O_SRAM_RD_A, q, i] = sram_a_array
    out[O_SRAM_RD_B, q, i] = sram_b_array
    kept = mn * out_bits if res_out > 0 else 0.0                   # outputs staying for the next layer
    out[O_SRAM_RD_C, q, i] = onchip_psum * acc_bits + out_write + kept   # accumulate, and drain (DRAM or ifmap)
    out[O_SRAM_WR_A, q, i] = a_read / rlc_in + kept                      # fills from DRAM (decoded), kept outputs
    out[O_SRAM_WR_B, q, i] = b_read
    out[O_SRAM_WR_C, q, i] = mn * out_bits + onchip_psum * acc_bits + psum_read
    out[O_DRAM_A, q, i] = a_read
    out[O_DRAM_B, q, i] = b_read
    out[O_DRAM_W, q, i] = out_write
    out[O_DRAM_PSUM, q, i] = psum_read
    # PE-cycles with no product (partial folds, fill and drain), as MAC slots: priced only when the
    # design's idle PEs are not clock-gated (compute.idle_pe_energy_fraction > 0)
    out[O_IDLE, q, i] = max(0.0, c[i, C_PES] * compute * pack / c[i, S_CPS] - out[O_MACS, q, i])
    # the codec writes every compressed bit once into its pair registers (compression.py); a stream
    # that would not shrink bypasses it
    out[O_CODEC, q, i] = ((a_read if rlc_in < 1.0 else 0.0)
                    + (mn * out_bits * rlc_out if rlc_out < 1.0 and res_out <= 0 else 0.0))
    out[O_DRAM_IFMAP_WORDS, q, i] = a_read / a_raw                        # operand elements, not packed words
    out[O_DRAM_FILTER_WORDS, q, i] = b_read / c[i, C_B_RAW]
    out[O_DRAM_OFMAP_WORDS, q, i] = (0.0 if res_out > 0 else mn) + spill
    out[O_SCHEME, q, i] = scheme
    out[O_MT, q, i] = mt
    out[O_NT, q, i] = nt
    out[O_KT, q, i] = kt
    out[O_OVERLAP, q, i] = overlap
    # the timing components the layer's time is made of (docs/columns.md, `bound`): the DRAM
    # transfer at the design's bandwidth, and the SRAM ports' cycles where the timing waits for
    # them (the mapper: mapper._put_row's port bits over each buffer's bits per cycle; SCALE-Sim's
    # order and BitMoD's rule have no port term: NaN)
    out[O_DRAM_CYCLES, q, i] = 0.0 if math.isinf(bw) else (a_read + b_read + out_write + psum_read) / bw
    if mapping == MAPPING_AUTO:
        out[O_PORT_CYCLES, q, i] = max((sram_a_array + a_read) / design[D_PORT_A, p],
                                 (sram_b_array + b_read) / design[D_PORT_B, p],
                                 (mn * out_bits + 2.0 * onchip_psum * acc_bits + psum_read + out_write)
                                 / design[D_PORT_C, p])
    else:
        out[O_PORT_CYCLES, q, i] = math.nan
