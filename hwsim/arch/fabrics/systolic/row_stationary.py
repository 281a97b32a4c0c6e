"""The row-stationary dataflow (Eyeriss: Chen et al., ISCA 2016 Sec. IV-V; JSSC 52(1) 2017 Sec.
III) on the PE array, in closed form: the array-level half of ``dataflow: rs``. The buffer-level
tiling (what crosses DRAM) is the mapper's, as for every dataflow (mapper.py); the systolic cell
(cell.py) joins the two. docs/models/row-stationary.md has the derivation.

A convolution (R x S filters, E x F outputs, C channels, M filters, N images) runs as 1-D row
primitives: a PE convolves one filter row (S weights) with one input row and produces a row of F
partial sums. A *PE set* of h = min(R, rows) x e = min(E, cols) PEs computes e output rows: filter
rows go down the set's columns, output rows across, and each column adds its h partial sums up
the column, so the R x S part of the reduction never leaves the array. Sets tile the array: r =
floor(rows / h) sets stacked vertically take different channels (their sums add up the same
columns), t = floor(cols / e) side by side take different filters. Inside a PE, the scratchpads
hold q channels (q x S input words in the ifmap pad) and p filters (p x q x S weights in the filter
pad, p partial sums in the psum pad):

    q = min(C, floor(ifmap_pad / S)),  p = min(M, psum_pad, floor(filter_pad / (q S)))   (each >= 1)

One *processing pass* runs p t filters x q r channels on one image's e output rows: every PE does
p q S F products, one per cycle (x the PE's cycles per step), and the set's column sums leave
h - 1 cycles after the last products (derived: one adder per PE up the column). Passes:

    passes = N x ceil(M / (p t)) x ceil(C / (q r)) x ceil(E / e) x ceil(R / rows)

with p and q evened out over their groups (the same group count, the least per-pass work). A
partial sum leaves the array once per channel group and filter-row fold: ``k_chunks`` =
ceil(C / (q r)) x ceil(R / rows) visits to the ofmap buffer per output, of which all but the first
are read-modify-writes. Buffer reads (words): each pass's filters are loaded into the pads once
and stay while the images stream through (ISCA 2016 Sec. V-A), so the filter buffer is read
K x N x ceil(E / e) words; each pass reads its input rows once and the array passes them on
diagonally, again for every filter group: ifmap reads = distinct inputs x ceil(M / (p t)).

A GEMM is a 1 x 1 convolution of 1 x 1 outputs (R = S = E = F = 1, one "image" per row of M):
one PE is a set, q channels and p filters in its pads.
"""

from __future__ import annotations

from numba import njit

from hwsim.arch.fabrics.systolic.timing import cdiv


@njit(cache=True)
def rs_array(m, k, n, kernel_h, kernel_w, out_h, out_w, a_distinct, rows, cols, filter_pad, ifmap_pad, psum_pad,
             cps):
    """One convolution (GEMM view m = N E F, k = C R S, n = M) on an array in row-stationary
    passes: (k_chunks, filter groups, passes, cycles per pass, compute cycles, mapping efficiency,
    compute utilisation, ifmap / filter / ofmap buffer words, K per chunk, filters per pass)."""
    r_, s_, e_, f_ = kernel_h, kernel_w, out_h, out_w
    images = cdiv(m, e_ * f_)
    channels = cdiv(k, r_ * s_)
    h = min(r_, rows)
    r_folds = cdiv(r_, rows)
    e = min(e_, cols)
    e_folds = cdiv(e_, e)
    channel_sets = rows // h
    filter_sets = cols // e
    q = max(1, min(channels, ifmap_pad // s_))
    p = max(1, min(n, psum_pad, filter_pad // (q * s_)))
    c_groups = cdiv(channels, q * channel_sets)
    m_groups = cdiv(n, p * filter_sets)
    q = cdiv(channels, c_groups * channel_sets)   # evened: the same groups, the least work per pass
    p = cdiv(n, m_groups * filter_sets)
    passes = images * m_groups * c_groups * e_folds * r_folds
    products = p * q * s_ * f_                      # per PE per pass
    per_pass = products * cps + h - 1
    compute = passes * per_pass
    macs = float(m) * float(k) * float(n)
    pes = float(rows) * float(cols)
    efficiency = macs / (pes * float(passes) * float(products))
    utilization = macs * cps / (pes * float(compute))
    k_chunks = c_groups * r_folds
    ifmap = float(a_distinct) * m_groups
    filt = float(k) * float(n) * e_folds
    ofmap = float(m) * float(n) * k_chunks
    return (k_chunks, m_groups, passes, per_pass, compute, efficiency, utilization, ifmap, filt, ofmap,
            cdiv(k, k_chunks), p * filter_sets)
