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

Everything is vectorised over layers: no per-cycle or per-fold arrays exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DATAFLOWS = ("os", "ws", "is")


@dataclass(frozen=True)
class SystolicTiming:
    """Per-GEMM-instance figures (arrays, one entry per GEMM)."""

    sr: np.ndarray
    sc: np.ndarray
    t: np.ndarray
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


def _ceil_div(a, b):
    return -(-a // b)


def fold_timing(m, k, n, rows, cols, dataflow, cycles_per_step=1) -> SystolicTiming:
    """SCALE-Sim's fold timing, broadcast over any shapes: ``dataflow`` is a code array
    (0 os, 1 ws, 2 is) or a name. ``cycles_per_step`` stretches the streamed dimension (a
    bit-serial PE spends that many cycles per streamed element); 1 is SCALE-Sim."""
    if isinstance(dataflow, str):
        if dataflow not in DATAFLOWS:
            raise ValueError(f"unknown dataflow {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")
        dataflow = DATAFLOWS.index(dataflow)
    m, k, n, rows, cols, dataflow = (np.asarray(x, dtype=np.int64) for x in (m, k, n, rows, cols, dataflow))
    os_, ws = dataflow == 0, dataflow == 1
    is_ = ~(os_ | ws)
    sr = np.where(os_, m, k)
    sc = np.where(is_, m, n)
    t = np.where(os_, k, np.where(ws, m, n))
    t_cycles = t * np.asarray(cycles_per_step, dtype=np.int64)
    cycles_per_fold = np.where(os_, t_cycles + rows + cols - 2, 2 * rows + cols + t_cycles - 2)
    util_cycles = np.where(os_, cycles_per_fold, cycles_per_fold + cols - 1)
    row_folds = _ceil_div(sr, rows)
    col_folds = _ceil_div(sc, cols)
    folds = row_folds * col_folds
    used = (sr * sc).astype(np.float64)
    pes = (rows * cols).astype(np.float64)
    mapping_efficiency = used / (pes * folds)
    compute_utilization = used * t_cycles / (pes * util_cycles * folds)
    mk, kn, mn = m * k, k * n, m * n
    ifmap = np.where(is_, mk, mk * col_folds)
    filt = np.where(os_, kn * row_folds, np.where(ws, kn, kn * col_folds))
    # SCALE-Sim v3 OS counts R + C extra ofmap words per fold (systolic_compute_os.py)
    ofmap = np.where(os_, mn + folds * (rows + cols), mn * row_folds)
    return SystolicTiming(sr, sc, t, row_folds, col_folds, cycles_per_fold,
                          folds * cycles_per_fold - 1, mapping_efficiency, compute_utilization,
                          ifmap, filt, ofmap)


def systolic_timing(m, k, n, rows: int, cols: int, dataflow: str) -> SystolicTiming:
    return fold_timing(m, k, n, rows, cols, dataflow)
