"""hwsim's mapper (``mapping: auto``): per layer and design point, the buffer-level loop order and
tile sizes of a GEMM C[M,N] = A[M,K] . B[K,N] over three buffers (ifmap holds A tiles, filter
B tiles, ofmap C tiles as partial sums), in closed form over a small candidate set, vectorised.

The model (docs/models/mapper.md). Tiles Mt, Nt, Kt; trips Tm = ceil(M/Mt) etc. A loop nest over
tiles keeps an operand's tile resident while the loops inside its innermost relevant loop run,
so with the innermost loop over dimension Z the operand that does not use Z is fetched once
and the other two are fetched once per trip of the loop they do not use:

=============  ================  ==================  ====================================
innermost Z    A (M x K) bits    B (K x N) bits      C (M x N)
=============  ================  ==================  ====================================
k (C-resident) A * Tn            B * Tm              written once
n (A-resident) A                 B * Tm              psums spill: (Tk-1) x (write + read) if Tn > 1
m (B-resident) A * Tn            B                   psums spill: (Tk-1) x (write + read) if Tm > 1
=============  ================  ==================  ====================================

(the other order of the two outer loops gives the same traffic). Every tile must fit its
buffer's working part: Mt*Kt*rho*a <= W_A, Kt*Nt*b <= W_B, Mt*Nt*acc <= W_C, with rho the
fraction of A's M x K elements that are distinct (a convolution's input reuse). Spatial
dimensions of the array are tiled in whole array units. For each innermost loop four to six
tile choices are made in closed form (fill the resident tile along one dimension, the other, or at
the balance point of the two refetch terms, sqrt(beta M S / (alpha N)) for the C-resident case)
and SCALE-Sim's fixed order is the tenth candidate; the objective (latency, energy, EDP) picks
among them, never taking more DRAM traffic than SCALE-Sim's order.

The candidates are evaluated by one numba kernel per (design point, layer): ten candidates of a
few dozen flops each, no temporaries, so a sweep of 10^4 designs x a whole network maps in tens
of milliseconds (benchmarks/bench_evaluate.py). It is compiled once and cached on disk.
"""

from __future__ import annotations

import math

from numba import njit

SCHEMES = ("scalesim", "k-inner", "n-inner", "m-inner")
LOOP_ORDERS = ("scalesim: n>k folds", "m>n>k", "m>k>n", "n>k>m")

# The best candidate's figures, slots of ``best`` written by map_one.
KERNEL_OUTPUTS = ("scheme", "mt", "nt", "kt", "compute", "total", "a_read", "b_read", "out_write", "psum_read",
                  "spill_words", "k_passes", "overlap")
N_CANDIDATES = 14


@njit(cache=True)
def _round_tile(x, unit, full):
    """A tile of at most ``x`` elements in whole ``unit``s, or the full dimension; 0 = infeasible."""
    if x >= full:
        return full
    if unit == 1.0:  # the dimension the array does not tile: no division on the hot path
        return math.floor(x)
    return math.floor(x / unit) * unit


@njit(cache=True)
def _even_tile(tile, unit, full):
    """The smallest whole-unit tile with the same trip count: ceil(D / ceil(D / tile)) rounded up to
    a unit, so the freed buffer space can grow the other tile (0 stays infeasible)."""
    if tile <= 0 or tile >= full:
        return tile
    even = math.ceil(full / math.ceil(full / tile))
    if unit != 1.0:
        even = math.ceil(even / unit) * unit
    return min(even, tile)


@njit(cache=True)
def scalesim_order(df, m, k, n, a_words, row_folds, col_folds, cols, a_bits, b_bits, acc_bits, out_bits,
                    w_a, w_b, w_c):
    """SCALE-Sim's fold order (the one copy: cell.py runs it for `mapping: scalesim`, the mapper for its own candidate and cap):
    (A bits, B bits, output+spill write bits, spill read bits, spill words)."""
    kn, mn = k * n, m * n
    if df == 0:
        a = a_words if a_words * a_bits <= w_a else a_words * col_folds
        b = kn if k * min(n, cols) * b_bits <= w_b else kn * row_folds
        return a * a_bits, b * b_bits, mn * out_bits, 0.0, 0.0
    if df == 1:
        a = a_words if a_words * a_bits <= w_a else a_words * col_folds
        b = kn
        tile = m * min(n, cols)
    else:
        a = a_words
        b = kn if kn * b_bits <= w_b else kn * col_folds
        tile = min(m, cols) * n
    spill = 0.0 if tile * acc_bits <= w_c else mn * (row_folds - 1)
    return a * a_bits, b * b_bits, mn * out_bits + spill * acc_bits, spill * acc_bits, spill


@njit(cache=True)
def _traffic(scheme, mt, nt, kt, m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits):
    """(A bits, B bits, output+spill write bits, spill read bits, spill words, tile iterations)."""
    tm, tn, tk = math.ceil(m / mt), math.ceil(n / nt), math.ceil(k / kt)
    a_all, b_all, mn = a_distinct * a_bits, k * n * b_bits, m * n
    a = a_all if scheme == 2 else a_all * tn
    b = b_all if scheme == 3 else b_all * tm
    revisits = tn if scheme == 2 else tm
    spill = (tk - 1.0) * mn if scheme != 1 and revisits > 1 else 0.0
    return a, b, mn * out_bits + spill * acc_bits, spill * acc_bits, spill, tm * tn * tk


@njit(cache=True)
def _timing(passes, dram_bits, n_tiles, stream, fill_drain, rows, bw, overlap, sdb, port_cycles):
    """(array compute cycles, total cycles): the array waits for SRAM ports (busy = the longer of
    compute and port cycles), and DRAM overlaps it tile by tile when ``overlap``."""
    if sdb:
        compute = max(stream, passes * rows) + fill_drain
    else:
        compute = stream + passes * fill_drain
    busy = max(compute, port_cycles)
    dram = 0.0 if math.isinf(bw) else dram_bits / bw
    if overlap:
        return compute, max(busy, dram) + min(busy, dram) / n_tiles
    return compute, busy + dram


@njit(cache=True)
def _total_lb(compute_lb, dram_bits, n_tiles, bw, overlap):
    """_timing's total with the array busy for ``compute_lb`` cycles, a lower bound on its busy
    cycles: a lower bound (max and min both grow with the array's busy cycles)."""
    dram = 0.0 if math.isinf(bw) else dram_bits / bw
    if overlap:
        return max(compute_lb, dram) + min(compute_lb, dram) / n_tiles
    return compute_lb + dram


@njit(cache=True)
def _cost(dram, total, cap, e_dram, e_sram, leak, objective):
    if not dram <= cap:
        return math.inf
    if objective == 0:
        return total
    energy = dram * (e_dram + e_sram) + leak * total
    return energy if objective == 1 else energy * total


@njit(cache=True)
def map_one(m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits, cps, folds, row_folds, col_folds, ss_cap,
            sram_a, sram_b, size_a, size_b, size_c, rows, cols, df, bw, dbuf, sdb, leak, e_dram, e_sram, objective,
            port_a, port_b, port_c, cand, out):
    """One (design point, layer): write the best candidate's KERNEL_OUTPUTS into ``out`` (``cand``
    is an (N_CANDIDATES, 4) scratch). ``ss_cap``: the DRAM bits of SCALE-Sim's order, which no
    choice may exceed; ``sram_a``/``sram_b``: the array's own operand reads from the buffers (bits).
    A double-buffered design also tries each layer with its whole buffers and no overlap (a
    designer's double buffer can hold one tile that does not fit half of it)."""
    os_, ws = df == 0, df == 1
    is_ = not (os_ or ws)
    array_k_folds = 1.0 if os_ else row_folds
    share = 0.5 if dbuf > 0 else 1.0
    ss_a, ss_b, ss_w, ss_pr, ss_spill = scalesim_order(df, m, k, n, a_distinct, row_folds, col_folds, cols, a_bits,
                                                        b_bits, acc_bits, out_bits, size_a * share,
                                                        size_b * share, size_c * share)
    t_dim = k if os_ else (m if ws else n)
    stream = folds * t_dim * cps
    fill_drain = rows + cols - 2 if os_ else 2 * rows + cols - 2
    cap = ss_cap * (1 + 1e-12) + 1e-9
    mn = m * n

    # SCALE-Sim's order (its traffic computed for the design's own buffering): whole streamed
    # dimension per fold pass
    ss_bits = ss_a + ss_b + ss_w + ss_pr
    psum = mn * (array_k_folds - 1)
    ports = max((sram_a + ss_a) / port_a, (sram_b + ss_b) / port_b,
                (mn * out_bits + 2 * psum * acc_bits + ss_pr + ss_w) / port_c)
    compute, total = _timing(folds, ss_bits, folds, stream, fill_drain, rows, bw, dbuf > 0, sdb > 0, ports)
    best = _cost(ss_bits, total, cap, e_dram, e_sram, leak, objective)
    out[0], out[1], out[2], out[3] = 0.0, math.nan, math.nan, math.nan
    out[4], out[5], out[6], out[7] = compute, total, ss_a, ss_b
    out[8], out[9], out[10], out[11] = ss_w, ss_pr, ss_spill, 1.0
    out[12] = dbuf

    compulsory = a_distinct * a_bits + k * n * b_bits + mn * out_bits
    # no choice computes faster than every fold passing once (passes >= folds): the lower bound
    # that prunes candidates which cannot beat the best found (the cost grows with time and traffic)
    compute_lb = (max(stream, folds * rows) + fill_drain) if sdb > 0 else stream + folds * fill_drain
    # ... nor waits less for the SRAM ports than with each operand fetched once and partial sums
    # through the array's K folds only (a >= A, b >= B, psum >= M N (K folds - 1), writes >= M N out)
    compute_lb = max(compute_lb, (sram_a + a_distinct * a_bits) / port_a, (sram_b + k * n * b_bits) / port_b,
                     (2 * mn * out_bits + 2 * mn * (array_k_folds - 1) * acc_bits) / port_c)
    for variant in range(2 if dbuf > 0 else 1):
        overlap = dbuf > 0 and variant == 0
        if variant == 1:
            # whole buffers, exposed loads: at best the stream plus the compulsory traffic's time;
            # skip the search when even that cannot beat what the halves gave
            floor = compute_lb + (0.0 if math.isinf(bw) else compulsory / bw)
            if _cost(compulsory, floor, cap, e_dram, e_sram, leak, objective) >= best:
                break
            # SCALE-Sim's order in the whole buffers
            ss1_a, ss1_b, ss1_w, ss1_pr, ss1_spill = scalesim_order(df, m, k, n, a_distinct, row_folds, col_folds,
                                                                     cols, a_bits, b_bits, acc_bits, out_bits,
                                                                     size_a, size_b, size_c)
            ss1_bits = ss1_a + ss1_b + ss1_w + ss1_pr
            ports = max((sram_a + ss1_a) / port_a, (sram_b + ss1_b) / port_b,
                        (mn * out_bits + 2 * mn * (array_k_folds - 1) * acc_bits + ss1_pr + ss1_w) / port_c)
            compute, total = _timing(folds, ss1_bits, folds, stream, fill_drain, rows, bw, False, sdb > 0, ports)
            value = _cost(ss1_bits, total, cap, e_dram, e_sram, leak, objective)
            if value < best:
                best = value
                out[0], out[1], out[2], out[3] = 0.0, math.nan, math.nan, math.nan
                out[4], out[5], out[6], out[7] = compute, total, ss1_a, ss1_b
                out[8], out[9], out[10], out[11] = ss1_w, ss1_pr, ss1_spill, 1.0
                out[12] = 0.0
        share = 0.5 if overlap else 1.0
        w_a, w_b, w_c = size_a * share, size_b * share, size_c * share
        rho = a_distinct / (m * k)
        # the C-resident family first (usually the best), then each other family only when its
        # traffic floor can beat the best found
        for family in range(1, 4):
            floor_bits = _family_floor_bits(family, m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits, rows,
                                            cols, os_, is_, w_a, w_b, w_c)
            if _cost(floor_bits, _total_lb(compute_lb, floor_bits, math.inf, bw, overlap), cap, e_dram, e_sram,
                     leak, objective) >= best:
                continue
            if family == 1:
                _k_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b,
                                    w_c, cand)
                lo, hi = 0, 6
            elif family == 2:
                _n_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b,
                                    w_c, cand)
                lo, hi = 6, 10
            else:
                _m_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b,
                                    w_c, cand)
                lo, hi = 10, 14
            for j in range(lo, hi):
                scheme, mt, nt, kt = cand[j, 0], cand[j, 1], cand[j, 2], cand[j, 3]
                if not (mt > 0 and nt > 0 and kt > 0 and mt * kt * rho * a_bits <= w_a
                        and kt * nt * b_bits <= w_b and mt * nt * acc_bits <= w_c):
                    continue
                seen = False  # small layers round many choices to the same tiles: evaluate each once
                for i in range(lo, j):
                    if cand[i, 0] == scheme and cand[i, 1] == mt and cand[i, 2] == nt and cand[i, 3] == kt:
                        seen = True
                        break
                if seen:
                    continue
                a, b, w, pr, spill, n_tiles = _traffic(scheme, mt, nt, kt, m, k, n, a_distinct, a_bits, b_bits,
                                                       acc_bits, out_bits)
                dram = a + b + w + pr
                if _cost(dram, _total_lb(compute_lb, dram, n_tiles, bw, overlap), cap, e_dram, e_sram, leak,
                         objective) >= best:
                    continue
                t_tile = kt if os_ else (mt if ws else nt)
                if (scheme == 2 and is_) or (scheme == 3 and ws):
                    t_tile = t_dim  # the innermost loop is the streamed one: it streams whole
                passes = folds * math.ceil(t_dim / t_tile)
                k_passes = math.ceil(k / kt)
                # K chunks a partial sum goes through: the array's K folds (WS/IS), or the buffer's K
                # passes (OS keeps partial sums in the PEs within a pass); buffer K tiles hold whole folds
                psum = mn * (max(array_k_folds, k_passes) - 1)
                ports = max((sram_a + a) / port_a, (sram_b + b) / port_b,
                            (mn * out_bits + 2 * psum * acc_bits + pr + w) / port_c)
                compute, total = _timing(passes, dram, n_tiles, stream, fill_drain, rows, bw, overlap, sdb > 0, ports)
                value = _cost(dram, total, cap, e_dram, e_sram, leak, objective)
                if value < best:
                    best = value
                    out[0], out[1], out[2], out[3] = scheme, mt, nt, kt
                    out[4], out[5], out[6], out[7] = compute, total, a, b
                    out[8], out[9], out[10], out[11] = w, pr, spill, k_passes
                    out[12] = 1.0 if overlap else 0.0


@njit(cache=True)
def _units(rows, cols, os_, is_):
    """The array units tiles come in along M, N and K (1: a dimension the array does not tile)."""
    return (rows if os_ else (cols if is_ else 1.0)), (1.0 if is_ else cols), (1.0 if os_ else rows)


@njit(cache=True)
def _k_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """k innermost (C tile Mt x Nt resident; Kt as large as the A and B tiles allow): rows 0-5 of
    ``cand`` (scheme, Mt, Nt, Kt)."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    rho = a_distinct / (m * k)
    ra = max(rho * a_bits, 1e-30)
    alpha, beta = a_distinct * a_bits, k * n * b_bits
    cap_m = min(m, w_a / (u_k * ra))
    cap_n = min(n, w_b / (u_k * b_bits))
    s_c = w_c / acc_bits
    nt_full = _round_tile(cap_n, u_n, n)
    balance = math.sqrt(beta * m * s_c / max(alpha * n, 1e-30))
    mt_opts = (cap_m, min(cap_m, s_c / max(nt_full, 1.0)), min(max(balance, u_m), max(cap_m, u_m)),
               min(math.ceil(balance / u_m) * u_m, max(cap_m, u_m)))  # the balance point rounded up, too
    for j in range(4):
        mt = _even_tile(_round_tile(mt_opts[j], u_m, m), u_m, m)
        nt = _even_tile(_round_tile(min(cap_n, w_c / (max(mt, 1.0) * acc_bits)), u_n, n), u_n, n)
        kt = _round_tile(min(w_a / (max(mt, 1.0) * ra), w_b / (max(nt, 1.0) * b_bits)), u_k, k)
        cand[j, 0], cand[j, 1], cand[j, 2], cand[j, 3] = 1.0, mt, nt, kt
    # ... and from the other side: Nt at the balance point (rounded down and up), Mt filling the rest
    balance_n = s_c / max(balance, 1e-30)
    for j in range(2):
        nt_raw = math.floor(balance_n / u_n) * u_n if j == 0 else math.ceil(balance_n / u_n) * u_n
        nt = _even_tile(_round_tile(min(max(nt_raw, u_n), max(cap_n, u_n)), u_n, n), u_n, n)
        mt = _even_tile(_round_tile(min(cap_m, s_c / max(nt, 1.0)), u_m, m), u_m, m)
        kt = _round_tile(min(w_a / (max(mt, 1.0) * ra), w_b / (max(nt, 1.0) * b_bits)), u_k, k)
        cand[4 + j, 0], cand[4 + j, 1], cand[4 + j, 2], cand[4 + j, 3] = 1.0, mt, nt, kt


@njit(cache=True)
def _n_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """n innermost (A tile Mt x Kt resident, Nt one array unit): rows 6-9 of ``cand``."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    ra = max(a_distinct / (m * k) * a_bits, 1e-30)
    beta, gamma = k * n * b_bits, 2.0 * m * n * acc_bits
    nt_u = min(u_n, n)
    cap_m = min(m, w_c / (nt_u * acc_bits))
    cap_k = min(k, w_b / (nt_u * b_bits))
    s_a = w_a / ra
    mt_full = _round_tile(cap_m, u_m, m)
    balance = math.sqrt(beta * m * s_a / max(gamma * k, 1e-30))
    mt_b = _round_tile(min(max(balance, u_m), max(cap_m, u_m)), u_m, m)
    mt_up = _round_tile(min(max(math.ceil(balance / u_m) * u_m, u_m), max(cap_m, u_m)), u_m, m)
    kt_opts = (cap_k, min(cap_k, s_a / max(mt_full, 1.0)), min(cap_k, s_a / max(mt_b, 1.0)),
               min(cap_k, s_a / max(mt_up, 1.0)))
    for j in range(4):
        kt = _even_tile(_round_tile(kt_opts[j], u_k, k), u_k, k)
        mt = _round_tile(min(cap_m, s_a / max(kt, 1.0)), u_m, m)  # then the resident tile as tall as fits
        cand[6 + j, 0], cand[6 + j, 1], cand[6 + j, 2], cand[6 + j, 3] = 2.0, mt, nt_u, kt


@njit(cache=True)
def _m_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """m innermost (B tile Kt x Nt resident, Mt one array unit): rows 10-13 of ``cand``."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    ra = max(a_distinct / (m * k) * a_bits, 1e-30)
    alpha, gamma = a_distinct * a_bits, 2.0 * m * n * acc_bits
    mt_u = min(u_m, m)
    cap_k = min(k, w_a / (mt_u * ra))
    cap_n = min(n, w_c / (mt_u * acc_bits))
    s_b = w_b / b_bits
    nt_full = _round_tile(cap_n, u_n, n)
    balance = math.sqrt(alpha * n * s_b / max(gamma * k, 1e-30))
    nt_b = _round_tile(min(max(balance, u_n), max(cap_n, u_n)), u_n, n)
    nt_up = _round_tile(min(max(math.ceil(balance / u_n) * u_n, u_n), max(cap_n, u_n)), u_n, n)
    kt_opts = (cap_k, min(cap_k, s_b / max(nt_full, 1.0)), min(cap_k, s_b / max(nt_b, 1.0)),
               min(cap_k, s_b / max(nt_up, 1.0)))
    for j in range(4):
        kt = _even_tile(_round_tile(kt_opts[j], u_k, k), u_k, k)
        nt = _round_tile(min(cap_n, s_b / max(kt, 1.0)), u_n, n)  # then the resident tile as wide as fits
        cand[10 + j, 0], cand[10 + j, 1], cand[10 + j, 2], cand[10 + j, 3] = 3.0, mt_u, nt, kt


@njit(cache=True)
def _family_floor_bits(scheme, m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits, rows, cols, os_, is_,
                       w_a, w_b, w_c):
    """A lower bound on the DRAM bits of every feasible tiling of a loop-order family (the traffic
    table of the module docstring with each trip count at its smallest under the buffer bounds);
    inf if none fits. Kt is at least one K unit (or all of K), so Mt <= W_A / (Kt rho a) etc.
    Caps are widened by a relative 1e-9 so that rounding never lifts the bound above a real tiling."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    slack = 1.0 + 1e-9
    kt_min = min(u_k, k)
    ra = a_distinct / (m * k) * a_bits
    a_all, b_all, out = a_distinct * a_bits, k * n * b_bits, m * n * out_bits
    if scheme == 1:
        cap_m = min(m, w_a / (kt_min * ra)) * slack
        cap_n = min(n, w_b / (kt_min * b_bits)) * slack
        s_c = w_c / acc_bits * slack
        if cap_m < 1.0 or cap_n < 1.0 or s_c < 1.0:
            return math.inf
        # A x Tn + B x Tm with Tm >= M / Mt, Tn >= N / Nt, Mt Nt <= S_C: at least the AM-GM bound
        spread = a_all * max(1.0, n / cap_n) + b_all * max(1.0, m / cap_m)
        return max(spread, 2.0 * math.sqrt(a_all * n * b_all * m / s_c)) + out
    if scheme == 2:
        nt_u = min(u_n, n)
        cap_m = min(m, w_c / (nt_u * acc_bits), w_a / (kt_min * ra)) * slack
        if cap_m < 1.0 or kt_min * nt_u * b_bits > w_b * slack:
            return math.inf
        return a_all + b_all * math.ceil(m / cap_m) + out
    mt_u = min(u_m, m)
    cap_n = min(n, w_c / (mt_u * acc_bits), w_b / (kt_min * b_bits)) * slack
    if cap_n < 1.0 or mt_u * kt_min * ra > w_a * slack:
        return math.inf
    return a_all * math.ceil(n / cap_n) + b_all + out
