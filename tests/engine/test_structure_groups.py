"""The fused pass's structure groups (hwsim/engine/fused.py): points of one structure are one run,
runs never mix structures. Checked against a plain dictionary of the keys."""

from __future__ import annotations

import numpy as np

from hwsim.arch.fabrics.base import D_GROUP, DESIGN_INPUTS, PRECISION_INPUTS
from hwsim.engine.fused import STRUCTURE_ROWS, structure_groups


def _runs(design, prec):
    order, starts = structure_groups(design, prec)
    assert sorted(order.tolist()) == list(range(design.shape[1]))      # a permutation of the points
    return [order[starts[i]:starts[i + 1]] for i in range(len(starts) - 1)]


def test_each_structure_is_one_run():
    rng = np.random.default_rng(0)
    size, groups, layers = 5000, 3, 4
    design = rng.normal(size=(len(DESIGN_INPUTS), size))                # every non-key row differs per point
    for row in STRUCTURE_ROWS:
        design[row] = rng.choice([0.0, 1.0, 2.5, 1e6, -3.0], size)    # few values per key row
    design[D_GROUP] = rng.integers(0, groups, size)
    prec = rng.integers(1, 4, size=(len(PRECISION_INPUTS), groups, layers)).astype(np.float64)
    prec[:, 2] = prec[:, 0]          # groups 0 and 2 have the same bits: one structure between them
    bits_of = {0: 0, 1: 1, 2: 0}
    key = lambda p: (tuple(design[list(STRUCTURE_ROWS), p]), bits_of[int(design[D_GROUP, p])])  # noqa: E731
    runs = _runs(design, prec)
    keys = [{key(p) for p in run} for run in runs]
    assert all(len(k) == 1 for k in keys)                               # a run holds one structure
    assert len(runs) == len({key(p) for p in range(size)})              # and each structure one run


def test_keys_differing_only_in_a_floats_top_bits_are_told_apart():
    # 2^40, 2^41 and 2^42 differ in their exponent bits only: three structures, three runs
    design = np.zeros((len(DESIGN_INPUTS), 6))
    design[STRUCTURE_ROWS[3]] = [2.0 ** 40, 2.0 ** 41, 2.0 ** 40, 2.0 ** 41, 2.0 ** 42, 2.0 ** 40]
    prec = np.ones((len(PRECISION_INPUTS), 1, 2))
    runs = _runs(design, prec)
    assert sorted(sorted(run.tolist()) for run in runs) == [[0, 2, 5], [1, 3], [4]]
