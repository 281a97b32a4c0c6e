"""The fused pass: for every design point, every layer placed, counted and priced by the
compiled fabrics' cells, and only the point's totals kept.

This is ``evaluate``'s default path when no per-layer rows are asked for and every layer runs
on a compiled fabric (the systolic array in SCALE-Sim's order or the mapper's, and the vector
unit). Nothing of size points x layers is ever allocated: memory is the design matrix and the
totals. Layers on other fabrics (PIM, roofline), SCALE-Sim's USER-bandwidth mode and BitMoD's
mapping take the general path (hwsim/engine/evaluate.py), which gives the same numbers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hwsim.arch.fabrics.base import (
    D_ASSUMED_DENSITY, D_CLOCK_HZ, D_COLS, D_DATAFLOW, D_DBUF, D_GROUP, D_KEEP_ACT, D_LEAKAGE_UW, D_MAPPING,
    D_RLC, D_ROWS, D_RS_FILTER, D_RS_IFMAP, D_RS_PSUM, D_SHARED, D_SIZE_A, D_SIZE_B, D_SIZE_C, D_USER, L_IS_GEMM,
    L_REPEATS, N_BITMOD_INPUTS, N_OUT, N_USER_INPUTS, O_COMPUTE, O_DRAM_A, O_DRAM_B, O_DRAM_PSUM, O_DRAM_W,
    O_MACS, O_STALL, Q_A_BITS, Q_ACC_BITS, Q_B_BITS, Q_CPS, Q_E_CONV_A, Q_E_CONV_W, Q_E_GROUP, Q_E_MAC, Q_E_TABLE,
    Q_E_VOP, Q_GROUP_SIZE, Q_OUT_BITS, Q_PACK, Q_PREV_A_BITS, Q_PREV_OUT_BITS, Q_TABLE_ENTRIES, Q_TABLE_GROUP)
from hwsim.arch.fabrics.systolic.cell import CELL_FIELDS, MAPPING_BITMOD, systolic_point, systolic_static
from hwsim.arch.fabrics.systolic.mapper import FIELDS, KERNEL_OUTPUTS, N_CANDIDATES
from hwsim.arch.fabrics.threads import in_threads
from hwsim.arch.fabrics.unowned import hold, unowned
from hwsim.arch.fabrics.vector import vector_cell
from hwsim.engine.pricing import cell_energy

# the fabrics whose cells the fused pass runs, by the placement's names
FUSED_FABRICS = frozenset({"systolic", "vector"})


def fusable(design) -> bool:
    """Every (point, layer) of the batch runs on a fabric with a compiled cell, in a mode the cell
    covers: the systolic array in SCALE-Sim's order or the mapper's (not BitMoD's mapping nor
    SCALE-Sim's USER-bandwidth mode, which are numpy passes over the cells), or the vector unit."""
    from hwsim.engine.placement import host_gemm_fabric

    for accel in design.accelerators:
        spec = accel.spec
        if spec.pim is not None or host_gemm_fabric(spec) not in FUSED_FABRICS:
            return False
        if spec.dram.operand_bandwidth_gb_s is not None:
            return False
    return not (design.mapping == MAPPING_BITMOD).any()


# per-point totals the fused pass keeps (rows of its (N_TOTALS, P) output)
TOTALS = ("compute_cycles", "stall_cycles", "total_cycles", "latency_s", "energy_compute_pj", "energy_sram_pj",
          "energy_dram_pj", "energy_leakage_pj", "energy_pj", "macs", "dram_bits")
(T_COMPUTE, T_STALL, T_TOTAL, T_LATENCY, T_E_COMPUTE, T_E_SRAM, T_E_DRAM, T_E_LEAK, T_ENERGY, T_MACS,
 T_DRAM_BITS) = range(len(TOTALS))


def fused_totals(design, layer, prec, order, starts, totals, table_rows):
    """``totals`` (len(TOTALS), P) from ``design`` (N_DESIGN_INPUTS, P), ``layer``
    (N_LAYER_INPUTS, L) and ``prec`` (N_PRECISION_INPUTS, G, L). Points come in structure groups:
    ``order[starts[s]:starts[s + 1]]`` share everything the systolic cell's structure part reads
    (STRUCTURE_ROWS and STRUCTURE_PRECISION_ROWS), so each layer's structure part (its record, its
    structure-only counts, the mapper's tilings) is done once per group, and only the point's part
    (timing, the mapper's choice) and the pricing per point. The groups run on numba's thread count
    (hwsim/arch/fabrics/threads.py)."""
    user = np.zeros((N_USER_INPUTS, 1, 1))      # no USER-mode or BitMoD points take this pass
    bitmod = np.zeros((N_BITMOD_INPUTS, 1, 1))
    in_threads(lambda g0, g1: fused_groups(design, layer, prec, order, starts, totals, table_rows, user, bitmod,
                                           g0, g1), len(starts) - 1)


@njit(cache=True, nogil=True)
def fused_groups(design, layer, prec, order, starts, totals, table_rows, user, bitmod, g0, g1):
    """fused_totals' groups ``g0``..``g1 - 1``, one after the other."""
    for s in range(g0, g1):
        best = np.empty(len(KERNEL_OUTPUTS))
        cand = np.empty((N_CANDIDATES, 4))
        records = np.empty((layer.shape[1], len(CELL_FIELDS)))
        outs = np.empty((N_OUT, 1, layer.shape[1]))     # the counts of the group's current point
        tables = np.empty((layer.shape[1], table_rows, len(FIELDS)))
        prepared = np.full((layer.shape[1], 2), -1, dtype=np.int64)
        # the group's design columns side by side: one tight gather (its cache misses overlap) instead
        # of each point's ~40 rows missing one by one inside its first layer
        first, size = starts[s], starts[s + 1] - starts[s]
        group = np.empty((design.shape[0], size))
        for row in range(design.shape[0]):
            for j in range(size):
                group[row, j] = design[row, order[first + j]]
        group_totals = np.empty((len(TOTALS), size))
        # unowned views: the per-cell code binds them without reference counts (unowned.py)
        u_design, u_layer, u_prec, u_totals = unowned(group), unowned(layer), unowned(prec), unowned(group_totals)
        u_user, u_bitmod, u_outs, u_best = unowned(user), unowned(bitmod), unowned(outs), unowned(best)
        u_cand, u_tables, u_prepared, u_records = unowned(cand), unowned(tables), unowned(prepared), unowned(records)
        for j in range(size):
            _point_totals(u_design, j, j == 0, size > 1, u_layer, u_prec, u_user, u_bitmod, u_outs, u_best, u_cand,
                          u_tables, u_prepared, u_records, u_totals)
        for row in range(len(TOTALS)):
            for j in range(size):
                totals[row, order[first + j]] = group_totals[row, j]
        hold(group, user, bitmod, outs, best, cand, tables, prepared, records)   # alive under the views


@njit(cache=True)
def _point_totals(design, p, first, reused, layer, prec, user, bitmod, outs, best, cand, tables, prepared, records,
                  totals):
    """Point ``p``'s totals; ``first``: the first point of its structure group, which does the
    structure part of every systolic layer for the group; ``reused``: the group has other points."""
    g = int(design[D_GROUP, p])
    q = np.int64(0)   # the cells' output slot, typed (a literal 0 compiled each cell once more than fabric.py's)
    compute = stall = e_compute = e_sram = e_dram = macs = dram_bits = 0.0
    for i in range(layer.shape[1]):
        if layer[L_IS_GEMM, i] > 0:
            if first:
                systolic_static(design, p, layer, i, prec, records, outs, q)
            systolic_point(design, p, i, user, bitmod, records, outs, q, best, cand, tables, prepared, reused)
        else:
            vector_cell(design, p, layer, i, prec, outs, q)
        c, s, d = cell_energy(outs, q, i, design, p, prec[Q_E_MAC, g, i], prec[Q_E_GROUP, g, i], prec[Q_E_TABLE, g, i],
                              prec[Q_E_CONV_W, g, i], prec[Q_E_CONV_A, g, i], prec[Q_E_VOP, g, i])
        repeats = layer[L_REPEATS, i]
        compute += outs[O_COMPUTE, q, i] * repeats
        stall += outs[O_STALL, q, i] * repeats
        e_compute += c * repeats
        e_sram += s * repeats
        e_dram += d * repeats
        macs += outs[O_MACS, q, i] * repeats
        dram_bits += (outs[O_DRAM_A, q, i] + outs[O_DRAM_B, q, i] + outs[O_DRAM_PSUM, q, i]
                      + outs[O_DRAM_W, q, i]) * repeats
    total = compute + stall
    latency = total / design[D_CLOCK_HZ, p]
    leakage = design[D_LEAKAGE_UW, p] * 1e-6 * latency * 1e12   # derived: uW x s -> pJ
    totals[T_COMPUTE, p] = compute
    totals[T_STALL, p] = stall
    totals[T_TOTAL, p] = total
    totals[T_LATENCY, p] = latency
    totals[T_E_COMPUTE, p] = e_compute
    totals[T_E_SRAM, p] = e_sram
    totals[T_E_DRAM, p] = e_dram
    totals[T_E_LEAK, p] = leakage
    totals[T_ENERGY, p] = e_compute + e_sram + e_dram + leakage
    totals[T_MACS, p] = macs
    totals[T_DRAM_BITS, p] = dram_bits


# the design rows the systolic cell's structure part reads (cell.systolic_static: its record, its
# structure-only counts and the mapper's prepared tilings; fused_totals groups points by them), and
# the precision rows it reads (per structural group: bits, the PE's packing and groups, not its
# energies)
STRUCTURE_ROWS = (D_ROWS, D_COLS, D_DATAFLOW, D_SIZE_A, D_SIZE_B, D_SIZE_C, D_DBUF, D_MAPPING, D_KEEP_ACT, D_RS_FILTER,
                  D_RS_IFMAP, D_RS_PSUM, D_SHARED, D_RLC, D_ASSUMED_DENSITY, D_USER)
STRUCTURE_PRECISION_ROWS = (Q_A_BITS, Q_B_BITS, Q_OUT_BITS, Q_ACC_BITS, Q_PACK, Q_CPS, Q_PREV_A_BITS, Q_PREV_OUT_BITS,
                            Q_GROUP_SIZE, Q_TABLE_ENTRIES, Q_TABLE_GROUP)


def structure_groups(design: np.ndarray, prec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): the points sorted so that points of one structure are adjacent, and where
    each structure's run starts (plus the end). Structural groups that differ only in energies
    (node, supply) share a structure."""
    per_group = prec[list(STRUCTURE_PRECISION_ROWS)].transpose(1, 0, 2).reshape(prec.shape[1], -1)
    _, bits_id = np.unique(per_group, axis=0, return_inverse=True)
    point_bits = bits_id.reshape(-1).astype(np.float64)[design[D_GROUP].astype(np.int64)]
    design = np.ascontiguousarray(design)
    rows = np.array(STRUCTURE_ROWS, dtype=np.int64)
    # numpy sorts the hashes: numba's compiled argsort was 1.8 s of the first run's compilation
    order = np.argsort(_key_hashes(design, rows, point_bits)).astype(np.int64)
    return order, _cut_runs(design, rows, point_bits, order)


@njit(cache=True)
def _key_hashes(design, rows, point_bits):
    """A 64-bit hash per point of its key, its STRUCTURE_ROWS and its group's bits id
    (``point_bits``): points are sorted by it (a numpy lexsort over the key rows took ~0.4 s per
    2^19 points) and _cut_runs cuts runs wherever the whole key changes, so a hash collision can
    only split a structure's run, never join two."""
    size = design.shape[1]
    mixed = np.zeros(size, dtype=np.uint64)
    for k in range(len(rows) + 1):
        # key row by key row: each is contiguous in the design matrix
        words = (design[rows[k]] if k < len(rows) else point_bits).view(np.uint64)
        for p in range(size):
            # MurmurHash3's 64-bit finaliser on the word, then boost's hash_combine: a plain
            # FNV-style multiply per word let this workload's structured keys collide by the
            # thousand (416,430 runs for 19,440 structures in a measured 2^19-point chunk)
            x = words[p]
            x ^= x >> np.uint64(33)
            x *= np.uint64(0xFF51AFD7ED558CCD)
            x ^= x >> np.uint64(33)
            x *= np.uint64(0xC4CEB9FE1A85EC53)
            x ^= x >> np.uint64(33)
            h = mixed[p]
            mixed[p] = h ^ (x + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2)))
    return mixed


@njit(cache=True)
def _cut_runs(design, rows, point_bits, order):
    """Where each run of equal keys starts in ``order`` (plus the end)."""
    size = design.shape[1]
    starts = np.empty(size + 1, dtype=np.int64)
    starts[0] = 0
    count = 1 if size > 0 else 0
    for j in range(1, size):
        a, b = order[j - 1], order[j]
        differ = point_bits[a] != point_bits[b]
        for k in range(len(rows)):
            if differ:
                break
            differ = design[rows[k], a] != design[rows[k], b]
        if differ:
            starts[count] = j
            count += 1
    starts[count] = size
    return starts[:count + 1].copy()
