"""The systolic MAC array fabric: folds and timing, the mapping (SCALE-Sim's fixed order or the
mapper), DRAM and SRAM traffic, stalls, and the PE work counts the pricing step needs.

Per design point and layer, one vectorised pass. The PE's datapath record enters in two places:
``k_per_step`` packs the reduction dimension (the array sees ceil(K / k_per_step) words of
k_per_step elements), and ``cycles_per_step`` stretches the streamed dimension.

Timing:

* ``scalesim``: SCALE-Sim's F * P - 1 cycles (hwsim/arch/fabrics/systolic/timing.py), its SRAM counts, its
  loop order's DRAM traffic; with a finite bandwidth a double-buffered fold pipeline (the first
  fold's load exposed, later loads hidden behind the previous fold's compute), or every load
  exposed when single-buffered.
* ``auto``: the mapper's tiles. Each pass of a fold over a tile of the streamed dimension pays
  the fold's fill and drain (R + C - 2, plus R to load the stationary operand for WS/IS); with
  ``stationary_double_buffered`` PEs the next pass's stationary operand loads while the current
  one streams, so passes overlap: max(stream, passes x R) + one fill and drain. DRAM transfers
  overlap compute tile by tile when double-buffered: total = max(compute, DRAM) + min(compute,
  DRAM) / tiles (the first load and the last compute cannot overlap); single-buffered every
  load is exposed: compute + DRAM.
* SRAM ports: a buffer delivers banks x port width bits per cycle; a layer that needs more of
  a buffer than that in its compute time stalls until it has them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hwsim.arch.fabrics.base import (
    D_USER, L_K, L_M, L_N, N_BITMOD_INPUTS, N_OUT, N_USER_INPUTS, Q_PACK, COMMON_REPEAT_SCALED, COMMON_REPORT,
    Counts, Fabric, FabricJob, array_peak, cells_to_counts)
from hwsim.arch.fabrics.systolic.cell import CELL_FIELDS, MAPPING_BITMOD, systolic_cell
from hwsim.arch.fabrics.systolic.mapper import FIELDS, KERNEL_OUTPUTS, N_CANDIDATES, SCHEMES, table_rows
from hwsim.arch.fabrics.systolic.scalesim_user import scalesim_user_memory
from hwsim.arch.fabrics.threads import in_threads
from hwsim.arch.fabrics.unowned import hold, unowned


@njit(cache=True, nogil=True)
def _systolic_cells(design, layer, prec, user, bitmod, out, table_rows, p0, p1):
    """Every layer's counts of points ``p0``..``p1 - 1``, with one set of scratch arrays (a layer's
    tables are ~100 KB)."""
    best = np.empty(len(KERNEL_OUTPUTS))
    cand = np.empty((N_CANDIDATES, 4))
    tables = np.empty((layer.shape[1], table_rows, len(FIELDS)))
    prepared = np.empty((layer.shape[1], 2), dtype=np.int64)
    records = np.empty((layer.shape[1], len(CELL_FIELDS)))
    # unowned views: the cells bind them without reference counts (hwsim/arch/fabrics/unowned.py)
    u_design, u_layer, u_prec, u_user, u_bitmod = (unowned(design), unowned(layer), unowned(prec), unowned(user),
                                                   unowned(bitmod))
    u_out, u_best, u_cand, u_tables, u_prepared, u_records = (unowned(out), unowned(best), unowned(cand),
                                                              unowned(tables), unowned(prepared), unowned(records))
    for p in range(p0, p1):
        u_prepared[:] = -1
        for i in range(layer.shape[1]):
            systolic_cell(u_design, p, u_layer, i, u_prec, u_user, u_bitmod, u_out, p, u_best, u_cand, u_tables,
                          u_prepared, u_records)
    hold(best, cand, tables, prepared, records)   # alive under the views


def count_systolic(job: FabricJob) -> Counts:
    cells = job.cells
    d = job.design
    user = _user_mode(job) if cells.design[D_USER].any() else np.zeros((N_USER_INPUTS, 1, 1))
    bitmod_mode = d.mapping == MAPPING_BITMOD
    bitmod, bitmod_report = _bitmod_inputs(job, bitmod_mode) if bitmod_mode.any() else (
        np.zeros((N_BITMOD_INPUTS, 1, 1)), {})
    out = np.empty((N_OUT, d.size, cells.layer.shape[1]))
    rows = table_rows(cells.design)
    in_threads(lambda p0, p1: _systolic_cells(cells.design, cells.layer, cells.precision, user, bitmod, out, rows,
                                              p0, p1), d.size)
    counts = cells_to_counts(out, idle=True)
    counts.report.update(bitmod_report)
    return counts


def _user_mode(job: FabricJob) -> np.ndarray:
    """SCALE-Sim USER mode's stalls and prefetch counts (scalesim_user.py) for every cell, (4, P, L).
    Its buffers and channels count 1-byte words."""
    cells, d = job.cells, job.design
    pack = cells.precision[Q_PACK][d.group]                  # (P, L)
    m, n = cells.layer[L_M][None, :], cells.layer[L_N][None, :]
    k = np.ceil(cells.layer[L_K][None, :] / pack)
    operand_bpc = d.operand_bits_per_cycle()
    words = d.buffer_kib * 1024
    col = lambda x: np.asarray(x)[:, None]  # noqa: E731
    mem = scalesim_user_memory(m, k, n, col(d.rows), col(d.cols), col(d.dataflow), col(words[0]), col(words[1]),
                               col(words[2]), col(operand_bpc[0] / 8), col(operand_bpc[1] / 8),
                               col(operand_bpc[2] / 8))
    shape = (d.size, cells.layer.shape[1])
    return np.stack([np.broadcast_to(x, shape).astype(np.float64) for x in (
        mem.stall_cycles, mem.dram_ifmap_reads_words, mem.dram_filter_reads_words, mem.dram_ofmap_writes_words)])


def _bitmod_inputs(job: FabricJob, rows_mask: np.ndarray) -> tuple[np.ndarray, dict]:
    """BitMoD's simulator for every cell (_bitmod) as the cell's B_* rows, (7, P, L), and its own
    report columns (NaN on points of other mappings)."""
    bm = _bitmod(job)
    shape = (job.design.size, job.cells.layer.shape[1])
    inputs = np.stack([np.broadcast_to(bm[key], shape).astype(np.float64) for key in (
        "compute", "stall", "a_read", "b_read", "out_write", "sram_a_reads", "sram_b_reads")])
    sel = rows_mask[:, None]
    return inputs, {f"bitmod_{key}": np.where(sel, bm[key], np.nan) for key in ("refetch_a", "refetch_b", "dram_cycles")}


def _bitmod(job: FabricJob) -> dict:
    """BitMoD's simulator as a named mapping (HPCA 2025, arXiv 2411.11745; bitmod_sim @e445a5f,
    accelerator.py; ../shared/reference/README.md). Array rows take output channels N, columns
    take tokens M, each PE reduces dot_product_width elements of K per step:

    * tiles = ceil(K/dp) ceil(N/rows) ceil(M/cols) per instance (BitMoD multiplies by its batch
      dimension, which for attention is the KV heads: hwsim's instances); compute cycles = tiles
      x PE latency (the record's cycles per step);
    * bytes per matrix, whole layer (all instances): each row of K elements rounded up to whole
      bytes: B = ceil(K b/8) N, A = ceil(K a/8) M, C = ceil(N c/8) M (x instances);
    * refetch, decided on the whole layer: only if both B > filter buffer and A > ifmap buffer;
      then either B is fetched ceil(A / ifmap buffer) times (A chunked) or A ceil(B / filter
      buffer) times (B chunked), whichever moves fewer bytes, a tie refetching A; outputs once;
    * DRAM cycles = floor(bits / DRAM bits per cycle) per layer (BitMoD's int()); layer cycles =
      max(compute, DRAM) (whole buffers, no double buffering);
    * SRAM: one access of each input buffer's port per tile (BitMoD's read count), fills and
      output writes as moved.

    Per-instance figures are the whole layer's / instances (the engine multiplies back)."""
    d, col = job.design, job.col
    rows, cols, bw = col(d.rows), col(d.cols), col(d.dram_bits_per_cycle)
    m, n, out_bits = job.m, job.n, job.out_bits
    k = -(-job.k // job.k_per_step)                        # K packed by dot_product_width
    shape = np.broadcast_shapes(np.shape(m), np.shape(job.k_per_step), (d.size, 1))
    inst = np.ones_like(m, dtype=np.float64) if job.instances is None else job.instances.astype(np.float64)
    mf, nf, kf = m.astype(np.float64), n.astype(np.float64), job.k.astype(np.float64)
    kp = k.astype(np.float64)                              # K packed by dot_product_width
    tiles = kp * np.ceil(nf / rows) * np.ceil(mf / cols)
    compute = tiles * job.cycles_per_step
    a_bytes = np.ceil(kf * job.a_bits / 8.0 - 1e-9) * mf * inst
    b_bytes = np.ceil(kf * job.b_bits / 8.0 - 1e-9) * nf * inst
    o_bytes = np.ceil(nf * out_bits / 8.0 - 1e-9) * mf * inst
    size_a = col(d.buffer_kib[0] * 1024.0)
    size_b = col(d.buffer_kib[1] * 1024.0)
    both = (a_bytes > size_a) & (b_bytes > size_b)
    fetch_b_if_a_chunked = np.ceil(a_bytes / size_a)       # B refetched per A chunk
    fetch_a_if_b_chunked = np.ceil(b_bytes / size_b)
    refetch_b = both & (fetch_b_if_a_chunked * b_bytes + a_bytes < fetch_a_if_b_chunked * a_bytes + b_bytes)
    fetch_b = np.where(refetch_b, fetch_b_if_a_chunked, 1.0)
    fetch_a = np.where(both & ~refetch_b, fetch_a_if_b_chunked, 1.0)
    a_read = a_bytes * fetch_a * 8.0
    b_read = b_bytes * fetch_b * 8.0
    out_write = o_bytes * 8.0
    dram_cycles = np.where(np.isinf(bw), 0.0, np.floor((a_read + b_read + out_write) / bw + 1e-9))
    total = np.maximum(compute * inst, dram_cycles) / inst
    nan = np.full(shape, np.nan)
    z = np.zeros(shape)
    return {
        "compute": compute + z, "stall": total - compute + z,
        "a_read": a_read / inst + z, "b_read": b_read / inst + z,
        "out_write": out_write / inst + z, "psum_read": z, "spill_words": z,
        "k_passes": np.ones(shape), "scheme": nan, "mt": nan, "nt": nan, "kt": nan, "overlap": z,
        "sram_a_reads": tiles * col(d.buffer_port_bits[0]) + z,
        "sram_b_reads": tiles * col(d.buffer_port_bits[1]) + z,
        "refetch_a": fetch_a + z, "refetch_b": fetch_b + z, "dram_cycles": dram_cycles / inst + z,
    }


BITMOD_REPORT = ("bitmod_refetch_a", "bitmod_refetch_b", "bitmod_dram_cycles")
FABRIC = Fabric(name="systolic", count=count_systolic, peak_per_cycle=array_peak, work="macs",
                report_columns=COMMON_REPORT + BITMOD_REPORT, repeat_scaled=COMMON_REPEAT_SCALED,
                kernels=(_systolic_cells,))

__all__ = ["FABRIC", "SCHEMES", "count_systolic"]
