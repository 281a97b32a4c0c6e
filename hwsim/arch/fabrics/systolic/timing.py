"""Systolic MAC array timing in closed form, identical to SCALE-Sim v3 for OS, WS and IS.

For a GEMM C[M,N] = A[M,K] . B[K,N] on an R x C array, SCALE-Sim maps a spatial pair
(Sr, Sc) onto rows and columns and streams T in time:

=========  ======  ======  ======  ===============================
dataflow   Sr      Sc      T       cycles per fold P
=========  ======  ======  ======  ===============================
os         M       N       K       T + R + C - 2
ws         K       N       M       2R + C + T - 2
is         K       M       N       2R + C + T - 2
=========  ======  ======  ======  ===============================

Folds F = ceil(Sr/R) * ceil(Sc/C); every fold, edge folds included, takes P cycles (operands
fill, stream and drain before the next fold starts), and SCALE-Sim reports F*P - 1 (its last
cycle index). Mapping efficiency is the mean over folds of used PEs / (R*C) = Sr*Sc / (R*C*F);
compute utilisation is the mean of used*T / (R*C*P'), with P' the cycle count SCALE-Sim divides
by (P for OS, P + C - 1 for WS and IS). SRAM word counts are SCALE-Sim's too, including its OS
ofmap-write count that adds R + C words per fold (docs/model-assumptions.md).

``fold_cell`` is the one copy of this table, compiled: the systolic cell (cell.py) calls it per
(design point, layer), and ``fold_timing`` runs it over arrays for callers outside the engine
(tests against SCALE-Sim, benchmarks). No per-cycle or per-fold arrays exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

DATAFLOWS = ("os", "ws", "is")


@njit(cache=True, inline="always")
def cdiv(a, b):
    """ceil(a / b) of positive integers."""
    return -(-a // b)


@njit(cache=True)
def fold_cell(m, k, n, rows, cols, df, cps):
    """SCALE-Sim's fold timing for one GEMM (the module's table; integer arithmetic):
    (row folds, col folds, cycles per fold, compute cycles, mapping efficiency, compute
    utilisation, ifmap / filter / ofmap SRAM words)."""
    if df == 0:
        sr, sc, t = m, n, k
    elif df == 1:
        sr, sc, t = k, n, m
    else:
        sr, sc, t = k, m, n
    t_cycles = t * cps
    if df == 0:
        per_fold = t_cycles + rows + cols - 2
        util_cycles = per_fold
    else:
        per_fold = 2 * rows + cols + t_cycles - 2
        util_cycles = per_fold + cols - 1
    row_folds = cdiv(sr, rows)
    col_folds = cdiv(sc, cols)
    folds = row_folds * col_folds
    used = float(sr) * float(sc)
    pes = float(rows) * float(cols)
    efficiency = used / (pes * folds)
    utilization = used * t_cycles / (pes * util_cycles * folds)
    mk, kn, mn = m * k, k * n, m * n
    ifmap = mk if df == 2 else mk * col_folds
    filt = kn * row_folds if df == 0 else (kn if df == 1 else kn * col_folds)
    # SCALE-Sim v3 OS counts R + C extra ofmap words per fold (systolic_compute_os.py)
    ofmap = mn + folds * (rows + cols) if df == 0 else mn * row_folds
    return (row_folds, col_folds, per_fold, folds * per_fold - 1, efficiency, utilization, ifmap, filt, ofmap)


@njit(cache=True)
def _fold_cells(m, k, n, rows, cols, df, cps, ints, floats):
    for i in range(m.shape[0]):
        rf, cf, per_fold, compute, efficiency, utilization, ifmap, filt, ofmap = fold_cell(
            m[i], k[i], n[i], rows[i], cols[i], df[i], cps[i])
        ints[0, i], ints[1, i], ints[2, i], ints[3, i] = rf, cf, per_fold, compute
        ints[4, i], ints[5, i], ints[6, i] = ifmap, filt, ofmap
        floats[0, i], floats[1, i] = efficiency, utilization


@dataclass(frozen=True)
class SystolicTiming:
    """Per-GEMM-instance figures (arrays, one entry per GEMM)."""

    row_folds: np.ndarray  # folds over Sr
    col_folds: np.ndarray  # folds over Sc
    cycles_per_fold: np.ndarray
    compute_cycles: np.ndarray
    mapping_efficiency: np.ndarray
    compute_utilization: np.ndarray
    sram_ifmap_reads_words: np.ndarray
    sram_filter_reads_words: np.ndarray
    sram_ofmap_writes_words: np.ndarray

    @property
    def folds(self) -> np.ndarray:
        return self.row_folds * self.col_folds


def fold_timing(m, k, n, rows, cols, dataflow, cycles_per_step=1) -> SystolicTiming:
    """SCALE-Sim's fold timing, broadcast over any shapes: ``dataflow`` is a code array
    (0 os, 1 ws, 2 is) or a name. ``cycles_per_step`` stretches the streamed dimension (a
    bit-serial PE spends that many cycles per streamed element); 1 is SCALE-Sim."""
    if isinstance(dataflow, str):
        if dataflow not in DATAFLOWS:
            raise ValueError(f"unknown dataflow {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")
        dataflow = DATAFLOWS.index(dataflow)
    args = np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (m, k, n, rows, cols, dataflow,
                                                                          cycles_per_step)))
    shape = args[0].shape
    flat = [a.reshape(-1).copy() for a in args]   # broadcast views are read-only and may share memory
    ints = np.empty((7, flat[0].size), dtype=np.int64)
    floats = np.empty((2, flat[0].size))
    _fold_cells(*flat, ints, floats)
    i = [row.reshape(shape) for row in ints]
    f = [row.reshape(shape) for row in floats]
    return SystolicTiming(i[0], i[1], i[2], i[3], f[0], f[1], i[4], i[5], i[6])


def systolic_timing(m, k, n, rows: int, cols: int, dataflow: str) -> SystolicTiming:
    return fold_timing(m, k, n, rows, cols, dataflow)
