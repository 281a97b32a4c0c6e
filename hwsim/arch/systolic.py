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


def _ceil_div(a: np.ndarray, b: int) -> np.ndarray:
    return -(-a // b)


def systolic_timing(m: np.ndarray, k: np.ndarray, n: np.ndarray, rows: int, cols: int, dataflow: str) -> SystolicTiming:
    m, k, n = (np.asarray(x, dtype=np.int64) for x in (m, k, n))
    if dataflow == "os":
        sr, sc, t = m, n, k
        cycles_per_fold = t + rows + cols - 2
        util_cycles = cycles_per_fold
    elif dataflow == "ws":
        sr, sc, t = k, n, m
        cycles_per_fold = 2 * rows + cols + t - 2
        util_cycles = cycles_per_fold + cols - 1
    elif dataflow == "is":
        sr, sc, t = k, m, n
        cycles_per_fold = 2 * rows + cols + t - 2
        util_cycles = cycles_per_fold + cols - 1
    else:
        raise ValueError(f"unknown dataflow {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")
    row_folds = _ceil_div(sr, rows)
    col_folds = _ceil_div(sc, cols)
    folds = row_folds * col_folds
    used = (sr * sc).astype(np.float64)
    pes = float(rows * cols)
    mapping_efficiency = used / (pes * folds)
    compute_utilization = used * t / (pes * util_cycles * folds)

    mk, kn, mn = m * k, k * n, m * n
    if dataflow == "os":
        ifmap = mk * col_folds
        filt = kn * row_folds
        ofmap = mn + folds * (rows + cols)  # SCALE-Sim v3 OS counts R + C extra words per fold
    elif dataflow == "ws":
        ifmap = mk * col_folds
        filt = kn
        ofmap = mn * row_folds
    else:
        ifmap = mk
        filt = kn * col_folds
        ofmap = mn * row_folds
    return SystolicTiming(sr, sc, t, row_folds, col_folds, cycles_per_fold,
                          folds * cycles_per_fold - 1, mapping_efficiency, compute_utilization,
                          ifmap, filt, ofmap)
