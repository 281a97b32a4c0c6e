"""SCALE-Sim v3.0.0's USER-bandwidth memory model (stall cycles, DRAM prefetch counts) in closed form.

What SCALE-Sim 3.0.0 does (read from the PyPI package, files under ``scalesim/``)
===================================================================================

*Which bandwidth feeds which SRAM.* ``single_layer_sim.run`` sets, when ``InterfaceBandwidth:
USER``, the ifmap read buffer's backing bandwidth to ``[layout] IfmapSRAMBankBandwidth``, the
filter's to ``[layout] FilterSRAMBankBandwidth`` and the ofmap write buffer's to the *first* entry
of ``Bandwidth`` (``scale_config.get_bandwidths_as_list()[0]``); further entries of a
``Bandwidth: a,b,c`` list are parsed but never used. ``[layout]`` is mandatory
(``scale_config.read_conf_file`` reads it unconditionally); ``...SRAMBankNum`` must divide the bank
bandwidth (assertion in ``read_buffer.set_params``) and, with ``...CustomLayout: False``, neither the
bank count nor ``...SRAMBankPort`` changes any result. Words are one byte (``word_size = 1``), so a
``N`` KB SRAM holds ``N*1024`` words, and both buffers are split half/half (``active_buf_frac =
0.5``). See :func:`parse_scalesim_bandwidths`.

*Read buffers* (``memory/read_buffer.py``). The compute model (``compute/systolic_compute_*.py``,
``create_*_prefetch_mat``) lists each operand once, fold by fold, with ``-1`` padding for partial
folds (for OS ifmap/filter, WS ifmap and IS filter the stacked folds are further flattened along
anti-diagonals). ``set_fetch_matrix`` cuts that list into lines of ``bw`` words and
``prepare_hashed_buffer`` groups the non-padding words into "sets" of ``e = ceil(words/100)``
words (so ``NL = floor(Nu/e) + 1`` sets for ``Nu`` operand words). The active buffer is a window of
``A = ceil((words/2)/e)`` consecutive sets (circular over the ``NL`` sets); every request that is
not in the window calls ``new_prefetch``, which slides the window forward by
``Pn = min(ceil((words/2)/e), NL - A)`` sets, and repeats until the address is in the window. The
window only moves forward, so an address *behind* it costs a trip around the whole circle: this
happens whenever the demand order runs backwards relative to the prefetch order across a window
boundary -- within every fold of the stationary operand (WS filter, IS ifmap: rows are demanded in
reverse, ``np.flip`` in ``create_*_demand_mat``), when the OS filter block is re-read for the next
row fold, and (rarely) at fold seams of the anti-diagonal streams.

*DRAM counts.* ``prefetch_active_buffer`` (first fill) adds ``min(ceil(act/bw), ceil(Npad/bw))*bw``
words (``Npad`` = prefetch list length including padding) and every ``new_prefetch`` adds
``ceil(pre/bw)*bw`` words, with ``act = pre = words/2``: whole half-buffer fills, padding and line
rounding included. The ofmap count (``write_buffer.empty_drain_buf``) is the number of output words
written (partial sums included for WS/IS), i.e. every element of the ofmap demand matrix.

*Timing.* The first fill is placed before cycle 0 (it ends at cycle -1; ``total_cycles_incl_prefetch``
= last ofmap DRAM write - first DRAM read, ``single_layer_sim.calc_report_data``), so it never
stalls. The k-th ``new_prefetch`` of an operand is issued right after the previous one *completed*
(not when it was needed) and completes at ``L_k = -1 + k*(ceil(pre/bw) + 1)``: the DRAM stream of
each operand runs back to back, independent of the array. ``double_buffered_scratchpad
.service_memory_requests`` walks the demand matrices one row (cycle) at a time; a row whose request
missed is served at ``c + 2*(L_k - c - 1)`` when ``L_k > c + 1`` (``read_buffer.service_reads``
adds the potential stall to its offset twice), else on time, and the array then stalls for the
largest of the ifmap, filter and ofmap delays of that row. So with accumulated stall ``S`` the
deficit ``d = L_k - 1 - t`` of an event at stall-free cycle ``t`` updates ``S <- max(S, 2d - S)``.
Ofmap writes go to a write buffer that starts draining half its size (``ceil(half/bw)`` cycles per
drain) once more than half is filled; the array stalls (not doubled) only when the buffer is full
while a drain is in progress.

The closed form
===============

Per read operand the demand walks its prefetch list ``passes`` times (OS ifmap, WS ifmap and IS
filter are streamed once per outer fold; WS filter and IS ifmap once; the OS filter's column block
is re-read for every row fold). Window crossings happen every ``Pn`` sets of walk, each costing one
prefetch; where the crossing falls inside a block that is then re-read backwards, the crossing costs
the ``m`` prefetches needed to go round the circle (``m`` solved from the window arithmetic above)
and advances the walk only ``m*Pn - NL`` sets. Crossing ``j`` happens at a stall-free cycle that is
linear in ``j`` and its data is ready at ``-1 + (cumulative prefetches)*(n+1)``, so the deficits are
linear in ``j`` and the doubling recursion ``S <- max(S, 2d - S)`` has a closed form (a reflection
that settles into a two-cycle). Ofmap: a fluid model of the write buffer (capacity, one drain of
half the buffer per ``ceil(half/bw)`` cycles). The layer's stall is the largest of the three.
Everything is elementwise numpy over broadcast arrays; the only loop is over at most
``_MAX_WRAP`` candidate wrap lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MAX_WRAP = 48
_SAMPLES = 64
_SEAM_WEIGHT = 0.0


@dataclass(frozen=True)
class ScaleSimMemory:
    """SCALE-Sim USER-mode memory figures, one entry per broadcast element."""

    stall_cycles: np.ndarray  # int64
    dram_ifmap_reads_words: np.ndarray
    dram_filter_reads_words: np.ndarray
    dram_ofmap_writes_words: np.ndarray


def parse_scalesim_bandwidths(bandwidth, ifmap_sram_bank_bandwidth=10, filter_sram_bank_bandwidth=10,
                              ifmap_sram_bank_num=1, filter_sram_bank_num=1) -> tuple[int, int, int]:
    """(bw_ifmap, bw_filter, bw_ofmap) in words/cycle, as SCALE-Sim 3.0.0 uses them in USER mode.

    ``bandwidth`` is the cfg's ``[architecture_presets] Bandwidth`` value (``"10"``, ``"8,4,2"``,
    an int or a sequence). Only its first entry is used, for the ofmap (DRAM write) channel. The
    ifmap and filter channels are the ``[layout]`` ``IfmapSRAMBankBandwidth`` and
    ``FilterSRAMBankBandwidth`` (SCALE-Sim's defaults are 10 if the attributes are never read, but
    its cfg reader requires the ``[layout]`` section). Bank counts must divide the bank bandwidth
    (SCALE-Sim asserts it) and otherwise do not matter without a custom layout.
    """
    if isinstance(bandwidth, str):
        values = [int(x.strip()) for x in bandwidth.strip().split(",") if x.strip()]
    elif np.ndim(bandwidth) == 0:
        values = [int(bandwidth)]
    else:
        values = [int(x) for x in bandwidth]
    if not values:
        raise ValueError("Bandwidth is empty")
    bw_i, bw_f, bw_o = int(ifmap_sram_bank_bandwidth), int(filter_sram_bank_bandwidth), values[0]
    for name, bw, banks in (("Ifmap", bw_i, ifmap_sram_bank_num), ("Filter", bw_f, filter_sram_bank_num)):
        if bw < 1 or banks < 1 or bw % int(banks):
            raise ValueError(f"{name}SRAMBankBandwidth {bw} must be a positive multiple of {name}SRAMBankNum {banks}")
    if bw_o < 1:
        raise ValueError(f"Bandwidth {bw_o} must be positive")
    return bw_i, bw_f, bw_o


def _cdiv(a, b):
    return -(-a // b)


def _wrap_length(a_sets, pn, nl, delta):
    """Smallest m >= 1 with the window after m slides covering the set ``delta`` sets behind the
    boundary it just crossed: (A - delta - m*Pn) mod NL < A.  Vectorised over a bounded m."""
    m_found = np.zeros(np.broadcast(a_sets, pn, nl, delta).shape, dtype=np.int64)
    target = a_sets - delta
    for m in range(1, _MAX_WRAP + 1):
        ok = (np.mod(target - m * pn, nl) < a_sets) & (m_found == 0)
        m_found = np.where(ok, m, m_found)
    fallback = 1 + _cdiv(np.maximum(nl - a_sets + delta, 0), np.maximum(pn, 1))
    return np.where(m_found == 0, fallback, m_found)


def _reflect_stall(d1, g, j_count):
    """Final accumulated stall after events with deficits d_j = d1 + (j-1) g, j = 1..J, under
    S <- max(S, 2 d_j - S) starting from S = 0 (SCALE-Sim's doubled read stall)."""
    d1 = d1.astype(np.float64)
    g = g.astype(np.float64)
    j_count = j_count.astype(np.float64)
    has = j_count >= 1
    d_last = d1 + (j_count - 1) * g
    # g <= 0: only the first positive event matters (deficits shrink afterwards).
    s_dec = 2.0 * np.maximum(d1, 0.0)
    # g > 0: first positive event j0, then the excess e = S - d reflects: e <- |e - g|.
    gpos = np.where(g > 0, g, 1.0)
    j0 = np.where(d1 > 0, 1.0, np.floor(-d1 / gpos) + 2.0)
    d_j0 = d1 + (j0 - 1) * gpos
    steps = j_count - j0
    q = np.floor(d_j0 / gpos)
    r = d_j0 - q * gpos
    mm = steps - q
    e_final = np.where(steps <= q, d_j0 - steps * gpos, np.where(np.mod(mm, 2) == 0, r, gpos - r))
    s_inc = np.where(j0 <= j_count, d_last + e_final, 0.0)
    s = np.where(g > 0, s_inc, s_dec)
    return np.where(has, np.maximum(s, 0.0), 0.0)


def _read_operand(nu, npad, words, bw, passes, blk, blk_rows, reversed_blocks, t0, cycles_per_elem, repeat,
                  seam_len, seam_width):
    """Prefetch count, DRAM words and stall of one read buffer.

    nu: operand words walked per pass; npad: prefetch-list length incl. padding; passes: number of
    times the whole list is walked; blk/blk_rows: words and rows of one demanded block; reversed_blocks:
    blocks are demanded backwards (wrap at every crossing inside a block); t0: stall-free cycle of the
    first demand; cycles_per_elem: stall-free cycles per walked word; repeat: times each block is
    re-read consecutively (OS filter)."""
    e = _cdiv(words, 100)
    act = _cdiv(words, 2)
    pre = words - act
    a_max = _cdiv(act, e)
    p_max = _cdiv(pre, e)
    nl = nu // e + 1
    fits = nl <= a_max
    a_sets = np.minimum(a_max, nl)
    pn = np.maximum(np.minimum(p_max, nl - a_sets), 1)
    n_lines = _cdiv(pre, bw)
    period = n_lines + 1

    # Plain forward walk: unwrapped set index of the last word walked.
    last_set = (passes - 1) * nl + (nu - 1) // e
    plain = np.where(last_set >= a_sets, (last_set - a_sets) // pn + 1, 0)

    # Crossings inside a block that is demanded backwards go around the circle.
    delta = 1 + (blk // (2 * e))
    m_wrap = _wrap_length(a_sets, pn, nl, delta)
    wraps = reversed_blocks & (blk_rows >= 2) & (blk > 0)
    g_net = m_wrap * pn - nl  # window progress of a wrapping crossing (<= 0: treated as no wrap)
    net = np.where(wraps & (g_net > 0), g_net, pn)
    m_per = np.where(wraps & (g_net > 0), m_wrap, 1)
    walk_sets = np.where(repeat > 1, (nu - 1) // e, last_set)
    crossings = np.where(walk_sets >= a_sets, (walk_sets - a_sets) // net + 1, 0)

    # OS filter: a column block straddling a window boundary is re-read `repeat` times, each re-read
    # wrapping back round the circle to the block start and crossing the boundary again.
    straddle_frac = np.minimum(1.0, (blk / e) / np.maximum(pn, 1))
    m_back = _wrap_length(a_sets, pn, nl, np.maximum(1, blk // e // 2 + 1))
    extra_repeat = np.where(repeat > 1, np.floor(crossings * straddle_frac * (repeat - 1) * (m_back + 1) + 0.5), 0)
    crossings_total_prefetch = np.where(repeat > 1, crossings + extra_repeat, crossings * m_per)
    # Streams (anti-diagonal order): a crossing whose boundary falls in the seam between two folds
    # (diagonals where the next fold's head precedes this fold's tail) wraps round the circle.
    # The boundaries lie on the lattice (A + k*Pn) mod NL; sample its first _SAMPLES points.
    ks = np.arange(_SAMPLES).reshape((_SAMPLES,) + (1,) * np.ndim(nu))
    bnd = np.mod(a_sets + ks * pn, np.maximum(nl, 1)) * e  # element position of the boundary
    diag = bnd // np.maximum(seam_width, 1)
    off = np.mod(diag, np.maximum(seam_len, 1))
    in_zone = (diag >= seam_len) & ((off <= seam_width - 2) | (seam_len < seam_width - 1)) & (bnd < nu) & (off * seam_width + 0 < bnd)
    valid = ks < np.maximum(plain, 1)
    phi = np.sum(in_zone & valid, axis=0) / np.maximum(np.sum(valid, axis=0), 1)
    dlt = 1 + (np.mod(bnd, np.maximum(seam_len * seam_width, 1)) // e)
    m_seam = _wrap_length(a_sets, pn, nl, dlt)
    m_avg = np.sum(np.where(in_zone & valid, m_seam, 0), axis=0) / np.maximum(np.sum(in_zone & valid, axis=0), 1)
    stream_per = np.where(seam_len > 0, 1.0 + _SEAM_WEIGHT * phi * m_avg, 1.0)
    plain_total = np.floor(plain * stream_per + 0.5)
    prefetches = np.where(fits, 0, np.where(reversed_blocks | (repeat > 1), crossings_total_prefetch, plain_total))
    events = np.where(fits, 0, np.where(reversed_blocks & (repeat <= 1), crossings,
                                        np.where(repeat > 1, prefetches, plain)))
    per_event = np.where(events > 0, prefetches / np.maximum(events, 1), 1.0)
    walk_per_event = np.where(reversed_blocks & (repeat <= 1), net, pn).astype(np.float64)
    if_repeat_walk = np.where(repeat > 1, np.maximum(walk_sets - a_sets + 1, 1) / np.maximum(events, 1), walk_per_event)
    walk_per_event = np.where(repeat > 1, if_repeat_walk, walk_per_event)

    first = np.minimum(_cdiv(act, bw), _cdiv(npad, bw)) * bw
    dram = first + prefetches * n_lines * bw

    # Deficit of event j: ready at -1 + j*per_event*period, needed at t0 + (A + (j-1)*walk)*e*cpe.
    t1 = t0 + a_sets * e * cycles_per_elem
    d1 = -1.0 + per_event * period - 1.0 - t1
    g = per_event * period - walk_per_event * e * cycles_per_elem
    stall = _reflect_stall(d1, g, events)
    return prefetches, dram, stall


def scalesim_user_memory(m, k, n, rows, cols, dataflow_code, ifmap_words, filter_words, ofmap_words,
                         bw_ifmap_words, bw_filter_words, bw_ofmap_words) -> ScaleSimMemory:
    """SCALE-Sim 3.0.0 USER-mode stall cycles and DRAM prefetch counts for GEMMs C[M,N] = A[M,K] B[K,N].

    All arguments broadcast against each other (e.g. layers x design points). ``dataflow_code``:
    0 = os, 1 = ws, 2 = is. ``*_words``: SRAM sizes in SCALE-Sim words (KB * 1024). ``bw_*``: words
    per cycle of each operand's DRAM channel (see :func:`parse_scalesim_bandwidths`). Total cycles
    as SCALE-Sim reports them = compute cycles (``hwsim.arch.systolic``) + ``stall_cycles``.
    """
    arrs = np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (
        m, k, n, rows, cols, dataflow_code, ifmap_words, filter_words, ofmap_words,
        bw_ifmap_words, bw_filter_words, bw_ofmap_words)))
    m, k, n, R, C, df, wi, wf, wo, bi, bf, bo = arrs
    if np.any((m < 1) | (k < 1) | (n < 1) | (R < 1) | (C < 1)):
        raise ValueError("GEMM dimensions and array sizes must be >= 1")
    if np.any((wi < 2) | (wf < 2) | (wo < 2) | (bi < 1) | (bf < 1) | (bo < 1)):
        raise ValueError("SRAM sizes must be >= 2 words and bandwidths >= 1 word/cycle")
    if np.any((df < 0) | (df > 2)):
        raise ValueError("dataflow_code must be 0 (os), 1 (ws) or 2 (is)")
    os_, ws_, is_ = df == 0, df == 1, df == 2

    sr = np.where(os_, m, k)
    sc = np.where(is_, m, n)
    t = np.where(os_, k, np.where(ws_, m, n))
    fr = _cdiv(sr, R)
    fc = _cdiv(sc, C)
    folds = fr * fc
    p = np.where(os_, t + R + C - 2, 2 * R + C + t - 2)
    compute = (folds * p).astype(np.float64)
    r_last = sr - (fr - 1) * R
    c_last = sc - (fc - 1) * C
    avg_rows = sr / fr
    avg_cols = sc / fc
    zeros = np.zeros_like(m)
    ones = np.ones_like(m)

    # ---- ifmap: OS/WS stream (once per column fold), IS stationary (reversed blocks).
    nu_i = m * k
    npad_i = np.where(os_, fr * R * k, np.where(ws_, fr * R * m, fc * C * k))
    passes_i = np.where(is_, ones, fc)
    blk_i = np.where(is_, np.rint(avg_rows * avg_cols).astype(np.int64), zeros)
    blk_rows_i = np.where(is_, np.where(fr > 1, R, r_last), zeros)
    t0_i = np.where(os_, 0.0, np.where(ws_, R.astype(np.float64), 0.0))
    cpe_i = np.where(is_, compute / nu_i, fr * p / nu_i)
    seam_len_i = np.where(is_, zeros, np.where(os_, k, m))
    _, dram_i, stall_i = _read_operand(nu_i, npad_i, wi, bi, passes_i, blk_i, blk_rows_i, is_, t0_i, cpe_i, ones,
                                       seam_len_i, np.where(fr > 1, R, r_last))

    # ---- filter: IS stream, WS stationary (reversed), OS column block re-read per row fold.
    nu_f = k * n
    npad_f = np.where(is_, fr * R * n, fc * C * k)
    passes_f = np.where(is_, fc, ones)
    blk_f = np.where(ws_, np.rint(avg_rows * avg_cols).astype(np.int64), np.where(os_, np.rint(k * avg_cols).astype(np.int64), zeros))
    blk_rows_f = np.where(ws_, np.where(fr > 1, R, r_last), np.where(os_, k, zeros))
    t0_f = np.where(is_, R.astype(np.float64), 0.0)
    cpe_f = np.where(is_, fr * p / nu_f, compute / nu_f)
    repeat_f = np.where(os_, fr, ones)
    seam_len_f = np.where(is_, n, zeros)
    _, dram_f, stall_f = _read_operand(nu_f, npad_f, wf, bf, passes_f, blk_f, blk_rows_f, ws_, t0_f, cpe_f, repeat_f,
                                       seam_len_f, np.where(fr > 1, R, r_last))

    # ---- ofmap write buffer (fluid model).
    writes = np.where(os_, m * n, m * n * fr)
    half = _cdiv(wo, 2)
    drain = wo - half
    drain_cycles = np.maximum(_cdiv(drain, bo) - 1, 1)
    rate = drain / drain_cycles
    first_write = np.where(os_, (t + R - 1).astype(np.float64), (2 * R - 1).astype(np.float64))
    span = compute - first_write
    stall_o = np.maximum(0.0, (writes - wo) / rate - span)

    stall = np.maximum(np.maximum(stall_i, stall_f), stall_o)
    return ScaleSimMemory(np.rint(stall).astype(np.int64), dram_i.astype(np.int64), dram_f.astype(np.int64),
                          writes.astype(np.int64))
