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
Ofmap writes go to a write buffer that starts draining half its size once more than half is
filled: a drain of ``n = ceil(half/bw)`` lines ends ``n - 1`` cycles after it starts
(``write_buffer.empty_drain_buf`` issues a line a cycle through a ``write_port`` of latency 0);
the array stalls (not doubled) only when the buffer is full
while a drain is in progress.

The model
=========

The window start only ever moves forward by ``Pn <= A`` sets, so the number of slides needed to
bring set ``x`` into the window ``[s, s+A)`` is ``max(0, ceil(((x - s) mod NL - A + 1) / Pn))``:
small when ``x`` is just ahead, about ``(NL - A)/Pn`` (a trip round the circle) when ``x`` is just
behind. The demand of each read operand is a sequence of ``folds = fr*fc`` segments, one per fold:

* streams (OS/WS ifmap, OS/IS filter): the prefetch list is the operand's fold blocks stacked and
  flattened along anti-diagonals; a fold demands its block forward from its first word (first
  anti-diagonal of the block) to its last. Consecutive blocks share ``width-1`` anti-diagonals,
  so a fold's first word usually lies *behind* the previous fold's last word (fold seams); the OS
  filter block is re-entered at its start for every row fold. Positions come from counting cells
  on anti-diagonals (padding of the last block excluded).
* stationary row blocks (WS filter, IS ifmap): row-major list; a fold demands ``R`` rows of its
  column block from the highest row down; going below the window start costs a trip round.

Each segment applies the rule above exactly at its entry word and its last word (the grid of
window positions ``(A + j*Pn) mod NL`` is carried along by the state ``s``). The first
``_SEG_CAP`` segments are walked (a loop over segments, vectorised over all layers/designs); the
rest are extrapolated at the rate of the second half of the walked ones. Stalls replay SCALE-Sim's
recursion on the same events: prefetches of one row (a wrap) follow the per-row offset rule
(excess ``e <- max(0, per - e)``), forward slides within a segment have deficits linear in the
slide index and use the closed-form reflection ``S <- max(S, 2d - S)`` from the current stall.
Ofmap: a fluid model of the write buffer (capacity, one drain of half the buffer per
``max(ceil(half/bw) - 1, 1)`` cycles: SCALE-Sim's n - 1, at least one cycle in the fluid model).
The layer's stall is the largest of the three.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_SEG_CAP = 96


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


def _tri(y, w):
    """sum_{c=0}^{w-1} max(0, y - c): cells (row >= 0, 0 <= col < w) with row + col < y."""
    n = np.clip(y, 0, w)
    return n * y - n * (n - 1) // 2


def _diag_count(x, rows, w):
    """Cells of a rows x w rectangle on anti-diagonals < x."""
    return _tri(x, w) - _tri(x - rows, w)


def _reflect_from(s0, d1, g, j_count):
    """Accumulated stall after events with deficits d_j = d1 + (j-1) g (j = 1..J) under
    S <- max(S, 2 d_j - S), starting from S = s0 (SCALE-Sim's doubled read stall)."""
    s0 = np.asarray(s0, dtype=np.float64)
    d1 = np.asarray(d1, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    jc = np.asarray(j_count, dtype=np.float64)
    s_dec = np.maximum(s0, 2.0 * d1 - s0)
    gpos = np.where(g > 0, g, 1.0)
    j0 = np.where(d1 > s0, 1.0, np.floor((s0 - d1) / gpos) + 2.0)
    e0 = d1 + (j0 - 1) * gpos - s0  # excess S - d right after the first growing event
    steps = jc - j0
    q = np.floor(e0 / gpos)
    r = e0 - q * gpos
    e_final = np.where(steps <= q, e0 - steps * gpos, np.where(np.mod(steps - q, 2) == 0, r, gpos - r))
    s_inc = np.where(j0 <= jc, d1 + (jc - 1) * gpos + e_final, s0)
    s = np.where(g > 0, s_inc, s_dec)
    return np.where(jc >= 1, np.maximum(s, s0), s0)


def _window(nu, words, bw):
    """A read buffer's set window (the module docstring): (words per set e, active words, sets NL,
    window sets A, whether the operand fits the window with no slide, slide Pn in sets, prefetch
    lines per slide at ``bw`` words a cycle, cycles per slide as float)."""
    e = _cdiv(words, 100)
    act = _cdiv(words, 2)
    pre = words - act
    nl = nu // e + 1
    a_sets = np.minimum(_cdiv(act, e), nl)
    pn_raw = np.minimum(_cdiv(pre, e), nl - a_sets)
    n_lines = _cdiv(pre, bw)
    return e, act, nl, a_sets, pn_raw <= 0, np.maximum(pn_raw, 1), n_lines, (n_lines + 1).astype(np.float64)


def _stream_operand(nu, npad, words, bw, rows_blk, width, nb, w_last, rep, nseg, t0, period_f, span):
    """Prefetch count, DRAM words and stall of a read buffer fed by an anti-diagonal stream.

    The prefetch list is nb blocks of rows_blk x width words (the last one only w_last wide, the
    rest padding) stacked and flattened along anti-diagonals. Segment i (i < nseg) demands block
    (i // rep) mod nb, monotonically forward in the list from its first word (anti-diagonal
    b*rows_blk, first column) to its last, over `span` cycles starting at stall-free cycle
    t0 + i*period_f. Consecutive blocks overlap on width-1 anti-diagonals, so a segment's first
    word usually lies behind the last word of the previous one.

    The window rule is applied exactly per segment: entering it, the first word's set must be in
    the window [s, s+A) (mod NL), else the window slides by Pn until it is (going round the circle
    when the word is behind); walking to the last word slides it forward. The first _SEG_CAP
    segments are walked explicitly (vectorised), the rest extrapolated at the rate of the second
    half of the walked ones."""
    e, act, nl, a_sets, fits, pn, n_lines, per = _window(nu, words, bw)
    m_tot = nb * rows_blk
    wpad = width - w_last

    def nonpad_before(x):
        return _diag_count(x, m_tot, width) - _diag_count(x - (nb - 1) * rows_blk - w_last, rows_blk, wpad)

    shape = np.broadcast(nu, words, bw, rows_blk, width, nb, w_last, rep, nseg, t0, period_f, span).shape
    s = np.zeros(shape, dtype=np.int64)
    j = np.zeros(shape, dtype=np.int64)
    stall = np.zeros(shape, dtype=np.float64)
    cap = int(min(_SEG_CAP, max(int(np.max(nseg)), 1)))
    half = cap // 2
    j_half = j.copy()
    s_half = stall.copy()
    for i in range(cap):
        active = (i < nseg) & ~fits
        b = np.mod(i // rep, nb)
        wb = np.where(b == nb - 1, w_last, width)
        lo_pos = nonpad_before(b * rows_blk)
        d_hi = b * rows_blk + rows_blk - 1 + wb - 1
        hi_pos = nonpad_before(d_hi) + (wb - 1) - np.maximum(0, d_hi - (m_tot - 1))
        lo = lo_pos // e
        hi = hi_pos // e
        t_i = t0 + i * period_f
        # entering the segment
        d0 = np.mod(lo - s, nl)
        m1 = np.where(active, np.maximum(0, _cdiv(d0 - a_sets + 1, pn)), 0)
        s = np.mod(s + m1 * pn, nl)
        lj1 = -1.0 + (j + 1) * per
        ljm = -1.0 + (j + m1) * per
        e1 = np.maximum(0.0, lj1 - t_i - 1.0 - stall)
        em = np.where(m1 == 1, e1, np.where(e1 <= per, np.where(np.mod(m1, 2) == 1, e1, per - e1),
                                            np.where(np.mod(m1, 2) == 1, per, 0.0)))
        stall = np.where(m1 > 0, np.maximum(stall, ljm - t_i - 1.0 + em), stall)
        j = j + m1
        # walking forward to the last word
        off = np.mod(lo - s, nl)
        dist = off + (hi - lo)
        m2 = np.where(active, np.maximum(0, _cdiv(dist - a_sets + 1, pn)), 0)
        cyc_per_set = span * e / np.maximum(hi_pos - lo_pos + 1, 1)
        t_first = t_i + (a_sets - off) * cyc_per_set
        d1 = -1.0 + (j + 1) * per - 1.0 - t_first
        g = per - pn * cyc_per_set
        stall = _reflect_from(stall, d1, g, m2)
        s = np.mod(s + m2 * pn, nl)
        j = j + m2
        if i + 1 == half:
            j_half = j.copy()
            s_half = stall.copy()
    return _extrapolate(j, stall, j_half, s_half, nseg, cap, half, fits, act, npad, bw, n_lines)


def _extrapolate(j, stall, j_half, s_half, nseg, cap, half, fits, act, npad, bw, n_lines):
    """Prefetches and stall of a walk simulated over its first ``cap`` folds, extended to all
    ``nseg`` at the per-fold rate of the second half of the simulated folds; a fitting operand
    has none. Returns (prefetches, DRAM words, stall)."""
    rest = np.maximum(nseg - cap, 0)
    n2 = max(cap - half, 1)
    j_tot = j + np.floor(rest * (j - j_half) / n2 + 0.5).astype(np.int64)
    stall_tot = stall + rest * (stall - s_half) / n2
    j_tot = np.where(fits, 0, j_tot)
    stall_tot = np.where(fits, 0.0, stall_tot)
    first_fill = np.minimum(_cdiv(act, bw), _cdiv(npad, bw)) * bw
    return j_tot, first_fill + j_tot * n_lines * bw, stall_tot


def _rows_operand(nu, npad, words, bw, krows, width, w_last, R, fr, nseg, t0, period_f):
    """Prefetch count, DRAM words and stall of a stationary read buffer (WS filter, IS ifmap).

    The prefetch list is nb = nseg // fr blocks of krows rows x width words, row-major (the last
    block only w_last words wide). Segment i demands rows g*R .. g*R+R-1 (g = i mod fr) of block
    i // fr one row per cycle from the highest row down (each row's words ascending), starting at
    stall-free cycle t0 + i*period_f. Window rule applied exactly per segment: the first row is
    brought in by sliding forward; descending below the window start costs a trip round the circle
    (the window only moves forward). First _SEG_CAP segments walked, the rest extrapolated."""
    e, act, nl, a_sets, fits, pn, n_lines, per = _window(nu, words, bw)
    nb = _cdiv(nseg, fr)
    shape = np.broadcast(nu, words, bw, krows, width, w_last, R, fr, nseg, t0, period_f).shape
    s = np.zeros(shape, dtype=np.int64)
    j = np.zeros(shape, dtype=np.int64)
    stall = np.zeros(shape, dtype=np.float64)
    cap = int(min(_SEG_CAP, max(int(np.max(nseg)), 1)))
    half = cap // 2
    j_half = j.copy()
    s_half = stall.copy()

    def row_event(stall, j, m, t):
        lj1 = -1.0 + (j + 1) * per
        ljm = -1.0 + (j + m) * per
        e1 = np.maximum(0.0, lj1 - t - 1.0 - stall)
        em = np.where(m == 1, e1, np.where(e1 <= per, np.where(np.mod(m, 2) == 1, e1, per - e1),
                                           np.where(np.mod(m, 2) == 1, per, 0.0)))
        return np.where(m > 0, np.maximum(stall, ljm - t - 1.0 + em), stall)

    for i in range(cap):
        active = (i < nseg) & ~fits
        b = i // fr
        g = np.mod(i, fr)
        wb = np.where(b == nb - 1, w_last, width)
        base = b * krows * width
        k_hi = np.minimum(g * R + R, krows) - 1
        k_lo = g * R
        p_first = base + k_hi * wb
        first = p_first // e
        top = (p_first + wb - 1) // e
        lo = (base + k_lo * wb) // e
        t_i = t0 + i * period_f + (R - 1 - (k_hi - k_lo))  # flipped padding rows come first
        d0 = np.mod(first - s, nl)
        dist = d0 + (top - first)
        m1 = np.where(active, np.maximum(0, _cdiv(dist - a_sets + 1, pn)), 0)
        stall = row_event(stall, j, m1, t_i)
        j = j + m1
        s = np.mod(s + m1 * pn, nl)
        for _ in range(3):
            below = active & (np.mod(lo - s, nl) > np.mod(top - s, nl))
            m = np.where(below, _cdiv(nl - a_sets, pn), 0)
            t_w = t_i + np.maximum(p_first - s * e, 0) // np.maximum(wb, 1) + 1
            stall = row_event(stall, j, m, t_w)
            j = j + m
            s = np.mod(s + m * pn, nl)
        if i + 1 == half:
            j_half = j.copy()
            s_half = stall.copy()
    return _extrapolate(j, stall, j_half, s_half, nseg, cap, half, fits, act, npad, bw, n_lines)


def scalesim_user_memory(m, k, n, rows, cols, dataflow_code, ifmap_words, filter_words, ofmap_words,
                         bw_ifmap_words, bw_filter_words, bw_ofmap_words) -> ScaleSimMemory:
    """SCALE-Sim 3.0.0 USER-mode stall cycles and DRAM prefetch counts for GEMMs C[M,N] = A[M,K] B[K,N].

    All arguments broadcast against each other (e.g. layers x design points). ``dataflow_code``:
    0 = os, 1 = ws, 2 = is. ``*_words``: SRAM sizes in SCALE-Sim words (KB * 1024). ``bw_*``: words
    per cycle of each operand's DRAM channel (see :func:`parse_scalesim_bandwidths`). Total cycles
    as SCALE-Sim reports them = compute cycles (``hwsim.arch.fabrics.systolic.timing``) + ``stall_cycles``.
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
    zeros = np.zeros_like(m)
    ones = np.ones_like(m)

    # ---- read operands. Streams (anti-diagonal prefetch order): OS/WS ifmap, OS/IS filter.
    # Stationary row blocks demanded backwards: IS ifmap, WS filter (same shape: K rows x Sc).
    nseg = fr * fc
    nu_i, nu_f = m * k, k * n
    npad_i = np.where(os_, fr * R * k, np.where(ws_, fr * R * m, fc * C * k))
    npad_f = np.where(is_, fr * R * n, fc * C * k)
    rf = np.where(os_, ones, R.astype(np.float64))  # WS ifmap / IS filter: R idle rows before each fold
    st = [np.stack(np.broadcast_arrays(a_i, a_f)) for a_i, a_f in (
        (nu_i, nu_f), (npad_i, npad_f), (wi, wf), (bi, bf), (np.where(os_, k, m), np.where(os_, k, n)),
        (R, np.where(os_, C, R)), (fr, np.where(os_, fc, fr)), (r_last, np.where(os_, c_last, r_last)),
        (ones, np.where(os_, fr, ones)), (np.where(is_, 0, nseg), np.where(ws_, 0, nseg)),
        (np.where(os_, 0.0, rf), np.where(is_, rf, 0.0)), (p, p),
        (np.where(os_, k, m) + R - 1, np.where(os_, k + C - 1, n + R - 1)))]
    _, sdram, sstall = _stream_operand(*st)
    _, rdram, rstall = _rows_operand(k * sc, fc * C * k, np.where(is_, wi, wf), np.where(is_, bi, bf), k, C, c_last,
                                     R, fr, np.where(os_, 0, nseg), zeros, p)
    dram_i = np.where(is_, rdram, sdram[0])
    stall_i = np.where(is_, rstall, sstall[0])
    dram_f = np.where(ws_, rdram, sdram[1])
    stall_f = np.where(ws_, rstall, sstall[1])

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
