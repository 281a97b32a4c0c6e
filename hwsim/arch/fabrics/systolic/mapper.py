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
dimensions of the array are tiled in whole array units. For each innermost loop there are four
tilings: three in closed form (fill the resident tile along one dimension, along the other, or at
the balance point of the two refetch terms, sqrt(beta M S / (alpha N)) for the C-resident case)
and the loop order's least-traffic tiling, searched exactly over trip counts (_lattice_best).
SCALE-Sim's fixed order is one more candidate; the objective (latency, energy, EDP) picks among
them, never taking more DRAM traffic than SCALE-Sim's order.

Why an exact least-traffic tiling: closed-form choices move with the buffer sizes (a balance point
rounds to other tiles), so a larger buffer could lose a tiling that still fits it and take one with
more traffic (+10-25% in the reproducers of tests/arch/test_mapper.py). Every tiling that fits a buffer
fits a larger one, so the least traffic among the candidates never rises with any buffer. The
objective may still trade: a larger buffer can admit a faster tiling with slightly more traffic,
taken when the leakage it saves outweighs the extra DRAM energy (tested by hand).

The candidates are evaluated by one numba kernel per (design point, layer): a dozen candidates of
a few dozen flops each, no temporaries, so a sweep of 10^4 designs x a whole network maps in tens
of milliseconds (benchmarks/bench_evaluate.py). It is compiled once and cached on disk.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from hwsim.arch.objectives import ENERGY, LATENCY

SCHEMES = ("scalesim", "k-inner", "n-inner", "m-inner")
LOOP_ORDERS = ("scalesim: n>k folds", "m>n>k", "m>k>n", "n>k>m")

# The best candidate's figures, slots of ``best`` written by map_one.
KERNEL_OUTPUTS = ("scheme", "mt", "nt", "kt", "compute", "total", "a_read", "b_read", "out_write", "psum_read",
                  "spill_words", "k_passes", "overlap")
(K_SCHEME, K_MT, K_NT, K_KT, K_COMPUTE, K_TOTAL, K_A_READ, K_B_READ, K_OUT_WRITE, K_PSUM_READ, K_SPILL, K_K_PASSES,
 K_OVERLAP) = range(len(KERNEL_OUTPUTS))
N_CANDIDATES = 12


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
    if df == 1 or df == 3:   # row stationary (3): the same order with its filter groups as column folds
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
def _timing(passes, dram_bits, inv_tiles, stream, fill_drain, rows, inv_bw, overlap, sdb, port_cycles):
    """(array compute cycles, total cycles): the array waits for SRAM ports (busy = the longer of
    compute and port cycles), and DRAM overlaps it tile by tile when ``overlap`` (the first tile's
    share exposed). ``inv_tiles`` = 1 / tiles, ``inv_bw`` = 1 / bits per cycle (0: unlimited)."""
    if sdb:
        compute = max(stream, passes * rows) + fill_drain
    else:
        compute = stream + passes * fill_drain
    busy = max(compute, port_cycles)
    dram = dram_bits * inv_bw
    if overlap:
        return compute, max(busy, dram) + min(busy, dram) * inv_tiles
    return compute, busy + dram


@njit(cache=True)
def _total_lb(compute_lb, dram_bits, inv_tiles, inv_bw, overlap):
    """_timing's total with the array busy for ``compute_lb`` cycles, a lower bound on its busy
    cycles: a lower bound (max and min both grow with the array's busy cycles)."""
    dram = dram_bits * inv_bw
    if overlap:
        return max(compute_lb, dram) + min(compute_lb, dram) * inv_tiles
    return compute_lb + dram


@njit(cache=True)
def _cost(dram, total, cap, e_dram, e_sram, leak, objective):
    """The objective's value (hwsim/arch/objectives.py); inf above the cap (SCALE-Sim's traffic)."""
    if not dram <= cap:
        return math.inf
    if objective == LATENCY:
        return total
    energy = dram * (e_dram + e_sram) + leak * total
    return energy if objective == ENERGY else energy * total


# A prepared choice: one row of a (N_TABLE_ROWS, len(FIELDS)) table per (structure, layer). The
# rows depend only on the layer and the design's structure (array, dataflow, buffers, formats), so
# points that share a structure share the table; the timing and the objective are per point.
FIELDS = ("variant", "scheme", "mt", "nt", "kt", "a", "b", "w", "pr", "spill", "n_tiles", "passes", "k_passes",
          "dram", "port_a_bits", "port_b_bits", "port_c_bits", "inv_tiles")
(F_VARIANT, F_SCHEME, F_MT, F_NT, F_KT, F_A, F_B, F_W, F_PR, F_SPILL, F_NTILES, F_PASSES, F_KPASSES, F_DRAM, F_PA,
 F_PB, F_PC, F_INV_TILES) = range(len(FIELDS))
# A design whose ifmap and ofmap buffers are one SRAM (buffers.shared_ifmap_ofmap: Eyeriss's global
# buffer) has its candidates generated at N_SPLITS splits of their joint capacity, the ifmap share
# 1/(N_SPLITS+1) .. N_SPLITS/(N_SPLITS+1) of it (derived: eighths, a split a layer's mapping can set)
N_SPLITS = 7
N_TABLE_ROWS = 2 * (1 + N_CANDIDATES)   # per variant: SCALE-Sim's order and the candidates
N_TABLE_ROWS_SHARED = 2 * (1 + N_CANDIDATES * N_SPLITS)


def table_rows(design) -> int:
    """Rows of a prepared table for a design matrix (N_DESIGN_INPUTS, P): room for the splits only
    when some point shares its ifmap and ofmap buffers."""
    from hwsim.arch.fabrics.base import D_SHARED

    return N_TABLE_ROWS_SHARED if design[D_SHARED].any() else N_TABLE_ROWS


STRUCTURE_INPUTS = ("m", "k", "n", "a_distinct", "a_bits", "b_bits", "acc_bits", "out_bits", "cps", "folds",
                    "row_folds", "col_folds", "ss_cap", "sram_a", "sram_b", "size_a", "size_b", "size_c", "rows",
                    "cols", "df", "dbuf", "resident_in", "resident_out", "array_cycles", "shared_a_c", "rlc_in",
                    "rlc_out",
                    # derived by structure_bounds from the inputs above, once per structure:
                    "array_k_folds", "stream", "fill_drain", "timing_rows", "compulsory", "port_a_min", "port_b_min",
                    "port_c_min")
(S_M, S_K, S_N, S_A_DISTINCT, S_A_BITS, S_B_BITS, S_ACC_BITS, S_OUT_BITS, S_CPS, S_FOLDS, S_ROW_FOLDS, S_COL_FOLDS,
 S_SS_CAP, S_SRAM_A, S_SRAM_B, S_SIZE_A, S_SIZE_B, S_SIZE_C, S_ROWS, S_COLS, S_DF, S_DBUF, S_RES_IN,
 S_RES_OUT, S_ARRAY_CYCLES, S_SHARED, S_RLC_IN, S_RLC_OUT, S_ARRAY_K_FOLDS, S_STREAM, S_FILL_DRAIN, S_TIMING_ROWS,
 S_COMPULSORY, S_PORT_A_MIN, S_PORT_B_MIN, S_PORT_C_MIN) = range(len(STRUCTURE_INPUTS))
# Row stationary (df 3) reaches the mapper as a weight-stationary-like array whose "rows" are the K
# a pass reduces in the array and whose "cols" are the filters a pass runs (row_stationary.py), with
# its own array cycles (S_ARRAY_CYCLES: buffer tiles in those units add no passes) and no fold
# fill or drain beyond them.
DF_ROW_STATIONARY = 3


@njit(cache=True)
def resident_traffic(a, w, mn, out_bits, res_in, res_out, rlc_in, rlc_out):
    """(A bits from DRAM, output bits to DRAM, output bits landing in the ifmap buffer) when the
    layer's input is already in the ifmap buffer (``res_in``: every fetch of A is an SRAM read)
    and its output stays there for the next layer (``res_out``: spilled partial sums still go);
    activations that do cross DRAM shrink to ``rlc_in`` and ``rlc_out`` of their bits (activation
    compression, compression.py; 1.0 without), partial sums never."""
    kept = mn * out_bits if res_out > 0 else 0.0
    saved = 0.0 if res_out > 0 else mn * out_bits * (1.0 - rlc_out)
    return (0.0 if res_in > 0 else a * rlc_in), w - kept - saved, kept


@njit(cache=True)
def _put_row(table, r, variant, scheme, mt, nt, kt, a, b, w, pr, spill, n_tiles, passes, k_passes, sram_a, sram_b,
             mn, out_bits, acc_bits, array_k_folds, res_in, res_out, rlc_in, rlc_out):
    # K chunks a partial sum goes through: the array's K folds (WS/IS), or the buffer's K passes
    # (OS keeps partial sums in the PEs within a pass); buffer K tiles hold whole folds
    psum = mn * (max(array_k_folds, k_passes) - 1)
    a_dram, w_dram, kept = resident_traffic(a, w, mn, out_bits, res_in, res_out, rlc_in, rlc_out)
    table[r, F_VARIANT], table[r, F_SCHEME] = variant, scheme
    table[r, F_MT], table[r, F_NT], table[r, F_KT] = mt, nt, kt
    table[r, F_A], table[r, F_B], table[r, F_W], table[r, F_PR], table[r, F_SPILL] = a_dram, b, w_dram, pr, spill
    table[r, F_NTILES], table[r, F_PASSES], table[r, F_KPASSES] = n_tiles, passes, k_passes
    table[r, F_DRAM] = a_dram + b + w_dram + pr
    table[r, F_INV_TILES] = 1.0 / n_tiles   # choose multiplies: no division per row and point
    # ports: the ifmap buffer takes DRAM fills and the outputs kept for the next layer; the ofmap
    # buffer drains every output, to DRAM or to the ifmap buffer
    table[r, F_PA] = sram_a + a_dram / rlc_in + kept     # DRAM fills arrive decoded
    table[r, F_PB], table[r, F_PC] = sram_b + b, mn * out_bits + 2 * psum * acc_bits + pr + w


@njit(cache=True)
def prepare_variant(variant, s, table, cand, reused):
    """The rows of one variant (0: tiles in the working halves, overlapped when double-buffered;
    1: a double-buffered design's whole buffers, loads exposed) from the structure ``s``
    (STRUCTURE_INPUTS order): SCALE-Sim's order, then every feasible, distinct candidate tiling.
    Returns the number of rows written after row ``variant * (len(table) // 2)``. A shared ifmap/ofmap
    buffer (S_SHARED) gets every candidate at N_SPLITS splits of its joint capacity. Rows another
    row dominates are dropped when the table is ``reused`` by more than one point (the filter costs
    about as much as one choice over the rows it drops: ~9% of a sweep whose points each have their
    own structure, benchmarks/bench_evaluate.py)."""
    m, k, n, a_distinct = s[S_M], s[S_K], s[S_N], s[S_A_DISTINCT]
    a_bits, b_bits, acc_bits, out_bits = s[S_A_BITS], s[S_B_BITS], s[S_ACC_BITS], s[S_OUT_BITS]
    folds, row_folds, col_folds = s[S_FOLDS], s[S_ROW_FOLDS], s[S_COL_FOLDS]
    sram_a, sram_b, size_a, size_b, size_c = s[S_SRAM_A], s[S_SRAM_B], s[S_SIZE_A], s[S_SIZE_B], s[S_SIZE_C]
    rows, cols, df, dbuf = s[S_ROWS], s[S_COLS], s[S_DF], s[S_DBUF]
    os_, ws = df == 0, df == 1 or df == DF_ROW_STATIONARY
    is_ = not (os_ or ws)
    array_k_folds = s[S_ARRAY_K_FOLDS]
    mn = m * n
    share = 0.5 if (dbuf > 0 and variant == 0) else 1.0
    w_a, w_b, w_c = size_a * share, size_b * share, size_c * share
    r = variant * (table.shape[0] // 2)
    # SCALE-Sim's order (its traffic for these buffers): whole streamed dimension per fold pass
    ss_a, ss_b, ss_w, ss_pr, ss_spill = scalesim_order(df, m, k, n, a_distinct, row_folds, col_folds, cols, a_bits,
                                                        b_bits, acc_bits, out_bits, w_a, w_b, w_c)
    _put_row(table, r, variant, 0.0, math.nan, math.nan, math.nan, ss_a, ss_b, ss_w, ss_pr, ss_spill, folds, folds,
             1.0, sram_a, sram_b, mn, out_bits, acc_bits, array_k_folds, s[S_RES_IN], s[S_RES_OUT], s[S_RLC_IN],
             s[S_RLC_OUT])
    # typed arguments, not literals: a literal argument compiles its callee once more (np.int64, float)
    count = np.int64(1)
    t_dim = k if os_ else (m if ws else n)
    rho = a_distinct / (m * k)
    splits = N_SPLITS if s[S_SHARED] > 0 else 1
    joint = w_a + w_c
    for split in range(splits):
        if splits > 1:
            w_a = joint * (split + 1) / (N_SPLITS + 1)
            w_c = joint - w_a
        count = _add_candidates(table, r, count, variant, m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits,
                                rows, cols, os_, ws, is_, w_a, w_b, w_c, rho, t_dim, folds, sram_a, sram_b, mn,
                                array_k_folds, s[S_RES_IN], s[S_RES_OUT], s[S_RLC_IN], s[S_RLC_OUT], cand)
    return _drop_dominated(table, r, count) if reused else count


@njit(cache=True)
def _drop_dominated(table, r, count):
    """Keep, in order, the rows no earlier kept row dominates; returns how many. A row with no more
    DRAM bits, passes or port bits and no fewer tiles than a later one costs no more than it under
    every objective, bandwidth and energy (choose's cost only grows with DRAM bits and the total,
    which only grows with passes and port bits and shrinks with tiles), and, coming first, wins
    their tie: the later row could never be chosen, so dropping it never changes a choice."""
    # rows by index, never as views: a view per comparison costs two atomic reference counts
    kept = 0
    for j in range(r, r + count):
        dominated = False
        for q in range(r, r + kept):
            if (table[q, F_DRAM] <= table[j, F_DRAM] and table[q, F_PASSES] <= table[j, F_PASSES]
                    and table[q, F_NTILES] >= table[j, F_NTILES] and table[q, F_PA] <= table[j, F_PA]
                    and table[q, F_PB] <= table[j, F_PB] and table[q, F_PC] <= table[j, F_PC]):
                dominated = True
                break
        if not dominated:
            if r + kept != j:
                for f in range(table.shape[1]):
                    table[r + kept, f] = table[j, f]
            kept += 1
    return kept


@njit(cache=True)
def _add_candidates(table, r, count, variant, m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits, rows, cols,
                    os_, ws, is_, w_a, w_b, w_c, rho, t_dim, folds, sram_a, sram_b, mn, array_k_folds, res_in,
                    res_out, rlc_in, rlc_out, cand):
    """Every feasible, distinct candidate tiling for buffers of w_a, w_b, w_c bits, as rows from
    ``r + count``; returns the new count."""
    _k_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand)
    _n_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand)
    _m_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand)
    _lattice_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand)
    for j in range(N_CANDIDATES):
        scheme, mt, nt, kt = cand[j, 0], cand[j, 1], cand[j, 2], cand[j, 3]
        if not (mt > 0 and nt > 0 and kt > 0 and mt * kt * rho * a_bits <= w_a
                and kt * nt * b_bits <= w_b and mt * nt * acc_bits <= w_c):
            continue
        seen = False  # small layers round many choices to the same tiles: keep each once
        for i in range(j):
            if cand[i, 0] == scheme and cand[i, 1] == mt and cand[i, 2] == nt and cand[i, 3] == kt:
                seen = True
                break
        if seen:
            continue
        a, b, w, pr, spill, n_tiles = _traffic(scheme, mt, nt, kt, m, k, n, a_distinct, a_bits, b_bits, acc_bits,
                                               out_bits)
        t_tile = kt if os_ else (mt if ws else nt)
        if (scheme == 2 and is_) or (scheme == 3 and ws):
            t_tile = t_dim  # the innermost loop is the streamed one: it streams whole
        _put_row(table, r + count, variant, scheme, mt, nt, kt, a, b, w, pr, spill, float(n_tiles),
                 folds * math.ceil(t_dim / t_tile), float(math.ceil(k / kt)), sram_a, sram_b, mn, out_bits, acc_bits,
                 array_k_folds, res_in, res_out, rlc_in, rlc_out)
        count += 1
    return count


@njit(cache=True)
def structure_bounds(s):
    """The structure's derived slots (S_ARRAY_K_FOLDS .. S_PORT_C_MIN), from its inputs: the
    array's K folds, its stream and fill/drain cycles, the traffic that must cross DRAM at least and
    the bits each SRAM port moves at least. They depend on the structure only, so a point that
    shares it reuses them (and prepare_variant and the cell read them, never derive them again)."""
    m, k, n, a_distinct = s[S_M], s[S_K], s[S_N], s[S_A_DISTINCT]
    b_bits, acc_bits, out_bits = s[S_B_BITS], s[S_ACC_BITS], s[S_OUT_BITS]
    rows, cols, df = s[S_ROWS], s[S_COLS], s[S_DF]
    os_, ws = df == 0, df == 1 or df == DF_ROW_STATIONARY
    # the K chunks a partial sum goes through in the array: its K folds (WS/IS; OS reduces K in the PEs)
    array_k_folds = 1.0 if os_ else s[S_ROW_FOLDS]
    s[S_ARRAY_K_FOLDS] = array_k_folds
    t_dim = k if os_ else (m if ws else n)
    stream = s[S_FOLDS] * t_dim * s[S_CPS]
    fill_drain = rows + cols - 2 if os_ else 2 * rows + cols - 2
    if df == DF_ROW_STATIONARY:
        stream, fill_drain, rows = s[S_ARRAY_CYCLES], 0.0, 0.0
    s[S_STREAM], s[S_FILL_DRAIN], s[S_TIMING_ROWS] = stream, fill_drain, rows
    mn = m * n
    # what must cross DRAM at least (less what stays on chip between layers: resident_traffic)
    a_min, w_min, kept = resident_traffic(a_distinct * s[S_A_BITS], mn * out_bits, mn, out_bits, s[S_RES_IN],
                                          s[S_RES_OUT], s[S_RLC_IN], s[S_RLC_OUT])
    s[S_COMPULSORY] = a_min + k * n * b_bits + w_min
    # each operand fetched once and partial sums through the array's K folds only (a >= A, b >= B,
    # psum >= M N (K folds - 1), writes >= M N out)
    s[S_PORT_A_MIN] = s[S_SRAM_A] + a_min + kept
    s[S_PORT_B_MIN] = s[S_SRAM_B] + k * n * b_bits
    s[S_PORT_C_MIN] = 2 * mn * out_bits + 2 * mn * (array_k_folds - 1) * acc_bits


@njit(cache=True, inline="always")
def choose(s, i, t, table, prepared, reused, cand, bw, sdb, leak, e_dram, e_sram, objective, port_a, port_b, port_c,
           out):
    """The best prepared row of layer ``i`` for one design point by the objective, into ``out``
    (KERNEL_OUTPUTS). ``s`` (layers, STRUCTURE_INPUTS at least) holds each layer's structure with its
    derived slots (structure_bounds), ``table`` each layer's prepared rows; layer ``i`` reads the
    rows of layer ``t`` (itself, or an earlier layer of equal structure); ``reused``: other points
    will read the rows too (prepare_variant). ``prepared`` holds each
    variant's row count, -1 until prepared (variant 1 is prepared only when its floor can beat
    variant 0's best). Rows are tried in order and the first strictly better one is kept; a row
    whose lower bound (every fold once, ports at compulsory traffic) cannot beat the best found is
    skipped, which never changes the choice."""
    folds, dbuf = s[i, S_FOLDS], s[i, S_DBUF]
    stream, fill_drain, rows = s[i, S_STREAM], s[i, S_FILL_DRAIN], s[i, S_TIMING_ROWS]
    compulsory = s[i, S_COMPULSORY]
    cap = s[i, S_SS_CAP] * (1 + 1e-12) + 1e-9
    inv_a, inv_b, inv_c = 1.0 / port_a, 1.0 / port_b, 1.0 / port_c
    # no choice computes faster than every fold passing once (passes >= folds), nor waits less for
    # the SRAM ports than with their least traffic (structure_bounds)
    compute_lb = (max(stream, folds * rows) + fill_drain) if sdb > 0 else stream + folds * fill_drain
    compute_lb = max(compute_lb, s[i, S_PORT_A_MIN] * inv_a, s[i, S_PORT_B_MIN] * inv_b, s[i, S_PORT_C_MIN] * inv_c)
    inv_bw = 0.0 if math.isinf(bw) else 1.0 / bw
    best = math.inf
    for variant in range(2 if dbuf > 0 else 1):
        overlap = dbuf > 0 and variant == 0
        if variant == 1:
            # whole buffers, exposed loads: at best the stream plus the compulsory traffic's time;
            # skip the variant when even that cannot beat what the halves gave
            floor = compute_lb + (0.0 if math.isinf(bw) else compulsory / bw)
            if _cost(compulsory, floor, cap, e_dram, e_sram, leak, objective) >= best:
                break
        if prepared[t, variant] < 0:
            prepared[t, variant] = prepare_variant(variant, s[t], table[t], cand, reused)
        r0 = variant * (table.shape[1] // 2)
        for r in range(r0, r0 + prepared[t, variant]):
            # the table's rows by index, never as views (a view costs two atomic reference counts)
            dram, inv_tiles = table[t, r, F_DRAM], table[t, r, F_INV_TILES]
            if _cost(dram, _total_lb(compute_lb, dram, inv_tiles, inv_bw, overlap), cap, e_dram, e_sram, leak,
                     objective) >= best:
                continue
            ports = max(table[t, r, F_PA] * inv_a, table[t, r, F_PB] * inv_b, table[t, r, F_PC] * inv_c)
            compute, total = _timing(table[t, r, F_PASSES], dram, inv_tiles, stream, fill_drain, rows, inv_bw,
                                     overlap, sdb > 0, ports)
            value = _cost(dram, total, cap, e_dram, e_sram, leak, objective)
            if value < best:
                best = value
                for slot, field in ((K_SCHEME, F_SCHEME), (K_MT, F_MT), (K_NT, F_NT), (K_KT, F_KT), (K_A_READ, F_A),
                                    (K_B_READ, F_B), (K_OUT_WRITE, F_W), (K_PSUM_READ, F_PR), (K_SPILL, F_SPILL),
                                    (K_K_PASSES, F_KPASSES)):
                    out[slot] = table[t, r, field]
                out[K_COMPUTE], out[K_TOTAL] = compute, total
                out[K_OVERLAP] = 1.0 if overlap else 0.0


@njit(cache=True)
def _units(rows, cols, os_, is_):
    """The array units tiles come in along M, N and K (1: a dimension the array does not tile)."""
    return (rows if os_ else (cols if is_ else 1.0)), (1.0 if is_ else cols), (1.0 if os_ else rows)


@njit(cache=True)
def _c_resident_kt(mt, nt, k, u_k, ra, b_bits, w_a, w_b, os_):
    """Kt of a C-resident (k innermost) tiling: no traffic term depends on it. OS streams K, so
    its K tile is as large as the A and B tiles allow (fewer passes, each paying fill and drain).
    WS and IS tile K in array rows, one row fold per unit: a larger Kt changes neither the passes
    nor the partial sums (the array's K folds already go through the ofmap buffer), and fewer,
    larger tiles only lengthen the first tile's exposed load when loads overlap; so one unit,
    which also keeps the tiling the same in every larger buffer."""
    if not os_:
        return min(u_k, k)
    return _round_tile(min(w_a / (max(mt, 1.0) * ra), w_b / (max(nt, 1.0) * b_bits)), u_k, k)


@njit(cache=True)
def _k_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """k innermost (C tile Mt x Nt resident, Kt by _c_resident_kt): rows 0-2 of ``cand`` (scheme,
    Mt, Nt, Kt)."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    rho = a_distinct / (m * k)
    ra = max(rho * a_bits, 1e-30)
    alpha, beta = a_distinct * a_bits, k * n * b_bits
    cap_m = min(m, w_a / (u_k * ra))
    cap_n = min(n, w_b / (u_k * b_bits))
    s_c = w_c / acc_bits
    nt_full = _round_tile(cap_n, u_n, n)
    balance = math.sqrt(beta * m * s_c / max(alpha * n, 1e-30))
    mt_opts = (cap_m, min(cap_m, s_c / max(nt_full, 1.0)), min(max(balance, u_m), max(cap_m, u_m)))
    for j in range(3):
        mt = _even_tile(_round_tile(mt_opts[j], u_m, m), u_m, m)
        nt = _even_tile(_round_tile(min(cap_n, w_c / (max(mt, 1.0) * acc_bits)), u_n, n), u_n, n)
        kt = _c_resident_kt(mt, nt, k, u_k, ra, b_bits, w_a, w_b, os_)
        cand[j, 0], cand[j, 1], cand[j, 2], cand[j, 3] = 1.0, mt, nt, kt


@njit(cache=True)
def _resident_candidates(dx, ux, dy, uy, k, u_k, s_resident, refetch_bits, other_kt_cap, w_c, acc_bits, gamma, cand,
                         row0, scheme):
    """One operand's tile X x Kt resident while the innermost loop Y runs one array unit at a time
    (n innermost: A resident, X = M, Y = N; m innermost: B resident, X = N, Y = M): Kt at the
    full K, at what the full X leaves, and at the balance point of the other operand's refetches
    against the partial-sum spills, each then with the resident tile as large as fits; rows
    ``row0``..``row0 + 2`` of ``cand`` (scheme, Mt, Nt, Kt). ``s_resident``: resident elements the
    buffer holds; ``other_kt_cap``: the Kt the other operand's buffer allows with one Y unit;
    ``refetch_bits``: the other operand's bits (fetched once per X trip); X x one Y unit of partial
    sums must fit the ofmap buffer ``w_c``."""
    y_u = min(uy, dy)
    cap_x = min(dx, w_c / (y_u * acc_bits))
    cap_k = min(k, other_kt_cap)
    x_full = _round_tile(cap_x, ux, dx)
    balance = math.sqrt(refetch_bits * dx * s_resident / max(gamma * k, 1e-30))
    x_b = _round_tile(min(max(balance, ux), max(cap_x, ux)), ux, dx)
    kt_opts = (cap_k, min(cap_k, s_resident / max(x_full, 1.0)), min(cap_k, s_resident / max(x_b, 1.0)))
    for j in range(3):
        kt = _even_tile(_round_tile(kt_opts[j], u_k, k), u_k, k)
        x = _round_tile(min(cap_x, s_resident / max(kt, 1.0)), ux, dx)  # then the resident tile as large as fits
        mt, nt = (x, y_u) if scheme == 2.0 else (y_u, x)
        cand[row0 + j, 0], cand[row0 + j, 1], cand[row0 + j, 2], cand[row0 + j, 3] = scheme, mt, nt, kt


@njit(cache=True)
def _n_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """n innermost (A tile Mt x Kt resident, Nt one array unit): rows 3-5 of ``cand``."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    ra = max(a_distinct / (m * k) * a_bits, 1e-30)
    nt_u = min(u_n, n)
    _resident_candidates(m, u_m, n, u_n, k, u_k, w_a / ra, k * n * b_bits, w_b / (nt_u * b_bits), w_c, acc_bits,
                         2.0 * m * n * acc_bits, cand, np.int64(3), 2.0)


@njit(cache=True)
def _m_inner_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """m innermost (B tile Kt x Nt resident, Mt one array unit): rows 6-8 of ``cand``."""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    ra = max(a_distinct / (m * k) * a_bits, 1e-30)
    mt_u = min(u_m, m)
    _resident_candidates(n, u_n, m, u_m, k, u_k, w_b / b_bits, a_distinct * a_bits, w_a / (mt_u * ra), w_c,
                         acc_bits, 2.0 * m * n * acc_bits, cand, np.int64(6), 3.0)


@njit(cache=True)
def _lattice_best(dx, ux, cx, cap_x, dy, uy, cy, cap_y, s):
    """The tiles (tx, ty) minimising cx * ceil(dx / tx) + cy * ceil(dy / ty) subject to tx <= cap_x,
    ty <= cap_y, tx * ty <= s, each tile whole units (ux, uy) or its full dimension; (0, 0) if none
    fits. Exact: along the dimension with fewer units every trip count is tried, fewest first, with
    its smallest tile and the other tile as large as then fits (neither cost rises as a tile
    grows), until its own term plus the other's fewest trips cannot beat the best found. About 2-3
    steps per call on ResNet-50 design points (benchmarks/bench_evaluate.py's random points)."""
    swap = math.ceil(dx / ux) > math.ceil(dy / uy)
    if swap:
        dx, ux, cx, cap_x, dy, uy, cy, cap_y = dy, uy, cy, cap_y, dx, ux, cx, cap_x
    tx_max = _round_tile(min(cap_x, s / min(uy, dy)), ux, dx)
    ty_max = _round_tile(min(cap_y, s / min(ux, dx)), uy, dy)
    best, bx, by = math.inf, 0.0, 0.0
    if tx_max > 0 and ty_max > 0:
        q = math.ceil(dx / ux)
        ty_trips_min = math.ceil(dy / ty_max)
        j = q if tx_max >= dx else tx_max / ux
        while j >= 1:
            trips = math.ceil(q / j)
            if cx * trips + cy * ty_trips_min >= best:
                break
            j = math.ceil(q / trips)   # the smallest tile with these trips leaves the most room
            tx = min(j * ux, dx)
            ty = _round_tile(min(cap_y, s / tx), uy, dy)
            if ty > 0:
                cost = cx * trips + cy * math.ceil(dy / ty)
                if cost < best:
                    best, bx, by = cost, tx, ty
            j -= 1
        by = _even_tile(by, uy, dy)   # once, for the tiling kept (it changes no trip count)
    if swap:
        return by, bx
    return bx, by


@njit(cache=True)
def _lattice_candidates(m, k, n, a_distinct, a_bits, b_bits, acc_bits, rows, cols, os_, is_, w_a, w_b, w_c, cand):
    """Per innermost loop, its tiling of least DRAM traffic among all tilings: rows 9-11 of
    ``cand``. The innermost loop's own tile is one unit (no traffic term depends on it, so it only
    takes room; the k-innermost K tile then as _c_resident_kt says), the two others trade their
    refetch terms under the resident buffer's product bound and the other buffers' caps. A tiling
    that fits a buffer fits every larger one, so these candidates' traffic never rises with a
    buffer. (n innermost with one N tile is k innermost with Nt = N, m innermost with one M tile
    k innermost with Mt = M: row 9 covers both.)"""
    u_m, u_n, u_k = _units(rows, cols, os_, is_)
    ra = max(a_distinct / (m * k) * a_bits, 1e-30)
    alpha, beta, gamma = a_distinct * a_bits, k * n * b_bits, 2.0 * m * n * acc_bits
    mt0, nt0, kt0 = min(u_m, m), min(u_n, n), min(u_k, k)
    # k innermost: A * Tn + B * Tm, Mt x Nt in the ofmap buffer
    mt, nt = _lattice_best(m, u_m, beta, w_a / (kt0 * ra), n, u_n, alpha, w_b / (kt0 * b_bits), w_c / acc_bits)
    kt = _c_resident_kt(mt, nt, k, u_k, ra, b_bits, w_a, w_b, os_)
    cand[9, 0], cand[9, 1], cand[9, 2], cand[9, 3] = 1.0, mt, nt, kt
    # n innermost: B * Tm + spill (Tk - 1) if Tn > 1, Mt x Kt in the ifmap buffer
    spill = gamma if n > nt0 else 0.0
    mt, kt = _lattice_best(m, u_m, beta, w_c / (nt0 * acc_bits), k, u_k, spill, w_b / (nt0 * b_bits), w_a / ra)
    cand[10, 0], cand[10, 1], cand[10, 2], cand[10, 3] = 2.0, mt, nt0, kt
    # m innermost: A * Tn + spill (Tk - 1) if Tm > 1, Kt x Nt in the filter buffer
    spill = gamma if m > mt0 else 0.0
    nt, kt = _lattice_best(n, u_n, alpha, w_c / (mt0 * acc_bits), k, u_k, spill, w_a / (mt0 * ra), w_b / b_bits)
    cand[11, 0], cand[11, 1], cand[11, 2], cand[11, 3] = 3.0, mt0, nt, kt
