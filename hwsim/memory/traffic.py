"""Off-chip traffic and on-chip partial-sum traffic of a tiled GEMM on a systolic array.

The fold loop order is SCALE-Sim's: the outer loop walks column folds (over Sc), the inner loop
row folds (over Sr). An operand is fetched from DRAM once if its whole footprint fits in its
buffer's working half (all of it when not double-buffered); otherwise it is fetched again on
every pass of the loop that does not reuse it:

* OS: A (ifmap) is re-read once per column fold unless it fits; a B tile (K x C) stays resident
  across the inner loop, so B is read once if that tile fits, else once per row fold.
* WS: B is read exactly once (each weight tile is used by one fold); A as in OS.
* IS: A is read exactly once; B is re-read once per column fold unless it fits.

Outputs: OS keeps partial sums inside the PEs and writes each output once. WS and IS produce
partial sums per row fold (over K); they accumulate in the ofmap buffer (a read-modify-write per
extra fold) when the live output tile fits, and otherwise spill to DRAM and come back.

DRAM word counts are hwsim's model, not SCALE-Sim's (whose counts follow its buffer
replacement); they agree wherever an operand fits (tests/test_traffic.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.arch.systolic import SystolicTiming


@dataclass(frozen=True)
class Traffic:
    dram_ifmap_reads_words: np.ndarray
    dram_filter_reads_words: np.ndarray
    dram_ofmap_writes_words: np.ndarray   # final outputs + spilled partial sums
    psum_spill_words: np.ndarray          # of the ofmap writes, how many are partial sums
    psum_writes_words: np.ndarray         # partial sums produced before the last K fold (WS/IS)
    sram_psum_reads_words: np.ndarray     # on-chip read-modify-write of partial sums

    @property
    def dram_psum_reads_words(self) -> np.ndarray:
        """Every spilled partial sum comes back once, for the next K fold's accumulation."""
        return self.psum_spill_words


def gemm_traffic(timing: SystolicTiming, m, k, n, a_unique_words, dataflow: str, cols: int,
                 a_bits, b_bits, acc_bits, ifmap_half_bits: float, filter_half_bits: float,
                 ofmap_half_bits: float) -> Traffic:
    m, k, n, a_unique = (np.asarray(x, dtype=np.int64) for x in (m, k, n, a_unique_words))
    a_fits = a_unique * a_bits <= ifmap_half_bits
    b_fits = k * n * b_bits <= filter_half_bits
    kn, mn = k * n, m * n
    zeros = np.zeros_like(m)
    if dataflow == "os":
        tile_fits = k * np.minimum(n, cols) * b_bits <= filter_half_bits
        dram_a = np.where(a_fits, a_unique, a_unique * timing.col_folds)
        dram_b = np.where(tile_fits, kn, kn * timing.row_folds)
        k_folds = np.ones_like(m)
        psum_tile = zeros
    elif dataflow == "ws":
        dram_a = np.where(a_fits, a_unique, a_unique * timing.col_folds)
        dram_b = kn
        k_folds = timing.row_folds
        psum_tile = m * np.minimum(n, cols)
    else:
        dram_a = a_unique
        dram_b = np.where(b_fits, kn, kn * timing.col_folds)
        k_folds = timing.row_folds
        psum_tile = np.minimum(m, cols) * n
    extra = mn * (k_folds - 1)
    psum_fits = psum_tile * acc_bits <= ofmap_half_bits
    spill = np.where(psum_fits, 0, extra)
    return Traffic(dram_a, dram_b, mn + spill, spill, extra, np.where(psum_fits, extra, 0))
