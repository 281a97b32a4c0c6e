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

from hwsim.arch.fabrics.base import Counts, FabricJob
from hwsim.arch.fabrics.systolic.mapper import SCHEMES, map_auto
from hwsim.arch.fabrics.systolic.scalesim_user import scalesim_user_memory
from hwsim.arch.fabrics.systolic.timing import fold_timing

_INF = np.inf


def _scalesim_traffic(df, m, k, n, a_words, rf, cf, cols, a_bits, b_bits, acc_bits, out_bits, w_a, w_b, w_c):
    """SCALE-Sim's fold order (column folds outer, row folds inner): an operand is fetched once
    if its footprint fits its working buffer, else once per pass of the loop that does not reuse
    it; WS/IS partial sums accumulate in the ofmap buffer when the live tile fits, else spill.
    (The mapper's kernel applies the same rule per element: mapper._scalesim_order.)"""
    os_, ws = df == 0, df == 1
    kn, mn = k * n, m * n
    a_fits = a_words * a_bits <= w_a
    b_fits = kn * b_bits <= w_b
    os_tile_fits = k * np.minimum(n, cols) * b_bits <= w_b
    dram_a = np.where(os_ | ws, np.where(a_fits, a_words, a_words * cf), a_words)
    dram_b = np.where(os_, np.where(os_tile_fits, kn, kn * rf), np.where(ws, kn, np.where(b_fits, kn, kn * cf)))
    k_folds = np.where(os_, 1, rf)
    psum_tile = np.where(os_, 0, np.where(ws, m * np.minimum(n, cols), np.minimum(m, cols) * n))
    spill = np.where(psum_tile * acc_bits <= w_c, 0, mn * (k_folds - 1))
    return dram_a * a_bits, dram_b * b_bits, mn * out_bits + spill * acc_bits, spill * acc_bits, spill


def count_systolic(job: FabricJob) -> Counts:
    d = job.design
    col = job.col
    rows, cols, df = col(d.rows), col(d.cols), col(d.dataflow)
    pack, cps = job.k_per_step, job.cycles_per_step
    m, n = job.m, job.n
    k = -(-job.k // pack)                      # reduction words the array sees
    a_unique = np.ceil(job.a_unique_words / pack)
    a_input = np.ceil(job.a_input_words / pack)
    a_bits, b_bits = job.a_bits * pack, job.b_bits * pack  # bits per packed word
    acc_bits, out_bits = job.acc_bits, job.out_bits
    w_a, w_b, w_c = (col(w) for w in d.working_bits)
    bw = col(d.dram_bits_per_cycle)
    double_buffered = col(d.double_buffered)
    scalesim = col(d.mapping) == 0

    t = fold_timing(m, k, n, rows, cols, df, cps)
    folds = t.folds.astype(np.float64)
    mn = (m * n).astype(np.float64)

    # -- SCALE-Sim's order: exact compute cycles, its traffic, its stall pipeline -------------
    ss = _scalesim_traffic(df, m, k, n, a_input, t.row_folds, t.col_folds, cols, a_bits, b_bits, acc_bits,
                           out_bits, w_a, w_b, w_c)
    ss_a, ss_b, ss_w, ss_pr, ss_spill = ss
    ss_dram = ss_a + ss_b + ss_pr + ss_w
    load_per_fold = ss_dram / (folds * bw)
    ss_exposed = np.where(double_buffered,
                          load_per_fold + (folds - 1) * np.maximum(0.0, load_per_fold - t.cycles_per_fold),
                          ss_dram / bw)
    ss_stall = np.where(np.isinf(bw), 0.0, np.ceil(ss_exposed - 1e-9))
    operand_bpc = d.operand_bits_per_cycle()
    user = scalesim & double_buffered & (operand_bpc is not None) & ~np.isinf(bw)
    if np.any(user):
        # SCALE-Sim's USER mode: its prefetch counts and stalls (hwsim/arch/fabrics/systolic/scalesim_user.py).
        # Its buffers and channels count 1-byte words; the counts are operand elements, moved at
        # the operands' real widths (its ofmap count includes WS/IS partial sums: accumulator bits)
        words = d.buffer_kib * 1024
        mem = scalesim_user_memory(m, k, n, rows, cols, df, col(words[0]), col(words[1]), col(words[2]),
                                   col(operand_bpc[0] / 8), col(operand_bpc[1] / 8), col(operand_bpc[2] / 8))
        ss_stall = np.where(user, mem.stall_cycles, ss_stall)
        partial = np.maximum(0.0, mem.dram_ofmap_writes_words - (m * n))
        ss_a = np.where(user, mem.dram_ifmap_reads_words * a_bits, ss_a)
        ss_b = np.where(user, mem.dram_filter_reads_words * b_bits, ss_b)
        ss_w = np.where(user, (m * n) * out_bits + partial * acc_bits, ss_w)
        ss_pr = np.where(user, 0.0, ss_pr)
        ss_spill = np.where(user, partial, ss_spill)

    # -- the mapper --------------------------------------------------------------------------
    shape = np.broadcast_shapes(folds.shape, ss_dram.shape, (d.size, 1))
    if not (col(d.mapping) == 1).any():
        nan = np.full(shape, np.nan)
        auto = dict.fromkeys(("compute", "stall", "a_read", "b_read", "out_write", "psum_read", "k_passes",
                              "spill_words", "scheme", "mt", "nt", "kt", "overlap"), nan)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            auto = _auto(job, d, rows, cols, df, m, k, n, a_unique, a_bits, b_bits, acc_bits, out_bits,
                         w_a, w_b, w_c, bw, double_buffered, t, folds, ss_dram, shape)

    bitmod_mode = col(d.mapping) == 2
    bitmod_report = {}
    if bitmod_mode.any():
        bm = _bitmod(d, col, rows, cols, m, k, n, job, a_bits, b_bits, out_bits, bw, shape)
        for key in ("refetch_a", "refetch_b", "dram_cycles"):
            bitmod_report[f"bitmod_{key}"] = np.where(bitmod_mode, bm.pop(key), np.nan)
        for key, value in bm.items():
            auto[key] = np.where(bitmod_mode, value, auto.get(key, 0.0))

    def pick(ss_value, auto_value):
        return np.where(scalesim, ss_value, auto_value)

    compute = pick(t.compute_cycles.astype(np.float64), auto["compute"])
    sram_a_reads = np.where(bitmod_mode, auto.get("sram_a_reads", 0.0), t.sram_ifmap_reads_words * a_bits)
    sram_b_reads = np.where(bitmod_mode, auto.get("sram_b_reads", 0.0), t.sram_filter_reads_words * b_bits)
    stall = pick(ss_stall, auto["stall"])
    a_read = pick(ss_a, auto["a_read"])
    b_read = pick(ss_b, auto["b_read"])
    out_write = pick(ss_w, auto["out_write"])
    psum_read = pick(ss_pr, auto["psum_read"])
    # partial sums accumulated on chip: one read-modify-write per K chunk after the first, the
    # chunks being the array's K folds (WS/IS; buffer K tiles hold whole folds) or the buffer's K
    # passes (OS keeps partial sums in the PEs within a pass); spilled ones come back from DRAM first
    k_passes = pick(np.ones_like(folds), auto["k_passes"])
    zeros_pl = np.zeros(shape)
    onchip_psum_words = np.where(bitmod_mode, 0.0, mn * (np.maximum(np.where(df == 0, 1, t.row_folds), k_passes) - 1))

    sram_read = np.stack([
        sram_a_reads + zeros_pl,
        sram_b_reads + zeros_pl,
        onchip_psum_words * acc_bits + out_write,          # accumulate, and drain to DRAM
    ])
    sram_write = np.stack([
        a_read,                                            # fills from DRAM
        b_read,
        mn * out_bits + onchip_psum_words * acc_bits + psum_read,
    ])
    # SRAM ports: SCALE-Sim has none (its counts stay exact); the mapper's timing waits for them
    # (mapper.py), with the same bits as counted here

    macs = (m * job.k * n).astype(np.float64)
    group = job.group_size
    groups = np.where(group > 1, mn * np.ceil(job.k / group), 0.0)
    # LUT PEs: one table per (row of A, group of K activations), precomputed once per column fold
    # and shared by the output columns of that fold (N on the array's columns for OS/WS; IS
    # streams N through one fold)
    if job.table_entries is not None and np.any(job.table_entries > 0):
        share = np.where(df == 2, 1.0, t.col_folds)
        tables = np.where(job.table_entries > 0, m * np.ceil(job.k / job.table_group) * share, 0.0)
    else:
        tables = 0.0
    zeros = np.zeros_like(compute)
    report = {
        "folds": folds + zeros,
        "mapping_efficiency": t.mapping_efficiency + zeros,
        "compute_utilization": t.compute_utilization + zeros,
        "sram_ifmap_reads_words": t.sram_ifmap_reads_words + zeros,
        "sram_filter_reads_words": t.sram_filter_reads_words + zeros,
        "sram_ofmap_writes_words": t.sram_ofmap_writes_words + zeros,
        "dram_ifmap_reads_words": a_read / job.a_bits,    # operand elements, not packed words
        "dram_filter_reads_words": b_read / job.b_bits,
        "dram_ofmap_writes_words": mn + pick(ss_spill, auto["spill_words"]),
        "dram_ifmap_reads_bits": a_read,
        "dram_filter_reads_bits": b_read,
        "dram_ofmap_writes_bits": out_write,
        "dram_psum_reads_bits": psum_read,
        "compulsory_dram_bits": a_unique * a_bits + k * n * b_bits + mn * out_bits + zeros,
        "map_scheme": pick(0, auto["scheme"]) + zeros,
        "tile_m": pick(np.nan, auto["mt"]), "tile_n": pick(np.nan, auto["nt"]), "tile_k": pick(np.nan, auto["kt"]),
        # 1: tiles in half of each buffer, loads overlapped; 0: whole buffers, loads exposed
        "tiles_double_buffered": pick(double_buffered.astype(np.float64), auto["overlap"]) + zeros,
        **bitmod_report,
    }
    # PE-cycles with no product (partial folds, fill and drain), as MAC slots: priced only when the
    # design's idle PEs are not clock-gated (compute.idle_pe_energy_fraction > 0)
    slots = rows * cols * compute * pack / cps
    idle = np.maximum(0.0, slots - macs)
    return Counts(
        compute_cycles=compute, stall_cycles=stall, macs=macs + zeros, groups=groups + zeros, tables=tables + zeros,
        converted_weights=t.sram_filter_reads_words * pack + zeros,
        converted_activations=t.sram_ifmap_reads_words * pack + zeros,
        vector_ops=zeros, sram_read_bits=sram_read, sram_write_bits=sram_write,
        dram_read_bits=a_read + b_read + psum_read, dram_write_bits=out_write, report=report,
        idle_mac_slots=idle + zeros)


def _bitmod(d, col, rows, cols, m, k, n, job, a_bits, b_bits, out_bits, bw, shape):
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


def _auto(job, d, rows, cols, df, m, k, n, a_unique, a_bits, b_bits, acc_bits, out_bits, w_a, w_b, w_c, bw,
          double_buffered, t, folds, ss_dram, shape):
    """The mapper's candidates and SCALE-Sim's order, the best by the objective (mapper.py)."""
    size_bits = d.buffer_kib * 8192.0
    columns = dict(
        m=m, k=k, n=n, a_distinct=a_unique, a_bits=a_bits, b_bits=b_bits, acc_bits=acc_bits, out_bits=out_bits,
        size_a_bits=size_bits[0], size_b_bits=size_bits[1], size_c_bits=size_bits[2], rows=rows, cols=cols,
        dataflow=df, cycles_per_step=job.cycles_per_step,
        folds=folds, dram_bits_per_cycle=bw, double_buffered=double_buffered,
        sram_a_array_bits=t.sram_ifmap_reads_words * a_bits, sram_b_array_bits=t.sram_filter_reads_words * b_bits,
        array_k_folds=np.where(df == 0, 1, t.row_folds),
        port_a_bits=d.sram_bits_per_cycle[0], port_b_bits=d.sram_bits_per_cycle[1],
        port_c_bits=d.sram_bits_per_cycle[2],
        stationary_double_buffered=job.col(d.stationary_double_buffered),
        leak_pj_per_cycle=job.col(d.leakage_uw / d.clock_mhz), e_dram=job.col(d.dram_pj_per_bit),
        e_sram=job.col(d.sram_pj_per_bit.mean(axis=0)), objective=job.col(d.objective),
        row_folds=t.row_folds, col_folds=t.col_folds, ss_cap=ss_dram)
    chosen = map_auto(columns, shape)
    chosen["compute"] = np.ceil(chosen["compute"] - 1e-9)
    chosen["stall"] = np.maximum(0.0, np.ceil(chosen["total"] - 1e-9) - chosen["compute"])
    return chosen


__all__ = ["SCHEMES", "count_systolic"]
