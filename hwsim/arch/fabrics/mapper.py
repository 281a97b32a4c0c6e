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
dimensions of the array are tiled in whole array units. For each innermost loop three tile
choices are made in closed form (fill the resident tile along one dimension, the other, or at
the balance point of the two refetch terms, sqrt(beta M S / (alpha N)) for the C-resident case)
and SCALE-Sim's fixed order is the tenth candidate; the objective (latency, energy, EDP) picks
among them, never taking more DRAM traffic than SCALE-Sim's order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCHEMES = ("scalesim", "k-inner", "n-inner", "m-inner")
LOOP_ORDERS = ("scalesim: n>k folds", "m>n>k", "m>k>n", "n>k>m")


@dataclass(frozen=True, eq=False)
class Candidate:
    scheme: int
    mt: np.ndarray
    nt: np.ndarray
    kt: np.ndarray


@dataclass(frozen=True, eq=False)
class Traffic:
    """Bits moved between DRAM and the buffers, per GEMM instance, (P, L)."""

    a_read: np.ndarray
    b_read: np.ndarray
    out_write: np.ndarray     # final outputs + spilled partial sums
    psum_read: np.ndarray     # spilled partial sums read back
    psum_spill_words: np.ndarray
    n_tiles: np.ndarray       # buffer-tile iterations (for the exposed first load)

    @property
    def read(self) -> np.ndarray:
        return self.a_read + self.b_read + self.psum_read

    @property
    def total(self) -> np.ndarray:
        return self.read + self.out_write


def _ceil_div(a, b):
    return np.ceil(a / b)


def round_tile(x, unit, full):
    """A tile of at most ``x`` elements in whole ``unit``s, or the full dimension; 0 if even one
    unit is too many."""
    x = np.minimum(x, full)
    tile = np.where(x >= full, full, np.floor(x / unit) * unit)
    return np.where(tile >= unit, tile, np.where(full < unit, full, 0.0))


def tile_traffic(scheme: int, mt, nt, kt, m, k, n, a_distinct, a_bits, b_bits, acc_bits, out_bits) -> Traffic:
    tm, tn, tk = _ceil_div(m, mt), _ceil_div(n, nt), _ceil_div(k, kt)
    a_all = a_distinct * a_bits
    b_all = k * n * b_bits
    mn = m * n
    if scheme == 1:
        a, b, spill = a_all * tn, b_all * tm, np.zeros_like(tm)
    elif scheme == 2:
        a, b, spill = a_all + 0 * tn, b_all * tm, np.where(tn > 1, tk - 1, 0.0)
    else:
        a, b, spill = a_all * tn, b_all + 0 * tm, np.where(tm > 1, tk - 1, 0.0)
    spill_words = spill * mn
    return Traffic(a, b, mn * out_bits + spill_words * acc_bits, spill_words * acc_bits, spill_words,
                   tm * tn * tk)


def fits(mt, nt, kt, rho, a_bits, b_bits, acc_bits, w_a, w_b, w_c):
    return ((mt * kt * rho * a_bits <= w_a) & (kt * nt * b_bits <= w_b) & (mt * nt * acc_bits <= w_c)
            & (mt > 0) & (nt > 0) & (kt > 0))


def candidates(m, k, n, u_m, u_n, u_k, rho, a_distinct, a_bits, b_bits, acc_bits, w_a, w_b, w_c) -> list[Candidate]:
    """Three closed-form tile choices per innermost loop (see the module docstring)."""
    tiny = 1e-30
    ra = np.maximum(rho * a_bits, tiny)
    alpha = a_distinct * a_bits          # A traffic per refetch
    beta = k * n * b_bits                # B traffic per refetch
    gamma = 2.0 * m * n * acc_bits       # spill traffic per extra K pass
    out: list[Candidate] = []

    def kin(mt_raw, nt_raw):
        mt = round_tile(mt_raw, u_m, m)
        nt = round_tile(np.minimum(nt_raw, w_c / (np.maximum(mt, 1) * acc_bits)), u_n, n)
        kt = round_tile(np.minimum(w_a / (np.maximum(mt, 1) * ra), w_b / (np.maximum(nt, 1) * b_bits)), u_k, k)
        return Candidate(1, mt, nt, kt)

    cap_m = np.minimum(m, w_a / (u_k * ra))
    cap_n = np.minimum(n, w_b / (u_k * b_bits))
    s_c = w_c / acc_bits
    out.append(kin(cap_m, cap_n))
    mt2 = np.minimum(cap_m, s_c / np.maximum(round_tile(cap_n, u_n, n), 1))
    out.append(kin(mt2, cap_n))
    bal = np.sqrt(beta * m * s_c / np.maximum(alpha * n, tiny))
    out.append(kin(np.clip(bal, u_m, np.maximum(cap_m, u_m)), cap_n))

    # n innermost: A tile Mt x Kt resident, Nt = one array unit
    nt_u = np.minimum(u_n, n)
    cap_m = np.minimum(m, w_c / (nt_u * acc_bits))
    cap_k = np.minimum(k, w_b / (nt_u * b_bits))
    s_a = w_a / ra

    def nin(mt_raw, kt_raw):
        kt = round_tile(kt_raw, u_k, k)
        mt = round_tile(np.minimum(mt_raw, s_a / np.maximum(kt, 1)), u_m, m)
        return Candidate(2, mt, nt_u + 0 * mt, kt)

    out.append(nin(cap_m, cap_k))
    kt_first = round_tile(np.minimum(cap_k, s_a / np.maximum(round_tile(cap_m, u_m, m), 1)), u_k, k)
    out.append(nin(cap_m, kt_first))
    bal = np.sqrt(beta * m * s_a / np.maximum(gamma * k, tiny))
    mt_b = round_tile(np.clip(bal, u_m, np.maximum(cap_m, u_m)), u_m, m)
    out.append(nin(mt_b, np.minimum(cap_k, s_a / np.maximum(mt_b, 1))))

    # m innermost: B tile Kt x Nt resident, Mt = one array unit
    mt_u = np.minimum(u_m, m)
    cap_k = np.minimum(k, w_a / (mt_u * ra))
    cap_n = np.minimum(n, w_c / (mt_u * acc_bits))
    s_b = w_b / b_bits

    def min_(nt_raw, kt_raw):
        kt = round_tile(kt_raw, u_k, k)
        nt = round_tile(np.minimum(nt_raw, s_b / np.maximum(kt, 1)), u_n, n)
        return Candidate(3, mt_u + 0 * nt, nt, kt)

    out.append(min_(cap_n, cap_k))
    kt_first = round_tile(np.minimum(cap_k, s_b / np.maximum(round_tile(cap_n, u_n, n), 1)), u_k, k)
    out.append(min_(cap_n, kt_first))
    bal = np.sqrt(alpha * n * s_b / np.maximum(gamma * k, tiny))
    nt_b = round_tile(np.clip(bal, u_n, np.maximum(cap_n, u_n)), u_n, n)
    out.append(min_(nt_b, np.minimum(cap_k, s_b / np.maximum(nt_b, 1))))
    return out
