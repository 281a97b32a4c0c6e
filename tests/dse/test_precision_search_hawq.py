"""The search on a peer's published ILP inputs: HAWQ-V3's ResNet18 (Zhen-Dong/HAWQ, ILP.ipynb,
"ResNet18": 19 layers, Hutchinson traces per parameter, ||W - Q(W)||^2 at INT4 and INT8, parameter
counts, BOPs and T4 latencies, downsample layers tied to their main path, budgets as fractions
from all-INT4 to all-INT8), against brute force over all 2^16 plans of the tied groups."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hwsim.dse.precision_search import precision_search

# Zhen-Dong/HAWQ ILP.ipynb, ResNet18 cell (values as published)
TRACE = np.array([0.06857826, 0.03162379, 0.03298575, 0.01205663, 0.02222431, 0.00596336, 0.06931772, 0.00807129,
                  0.00372905, 0.00530698, 0.00209011, 0.00737569, 0.00210454, 0.00151197, 0.00158041, 0.00078146,
                  0.00451841, 0.00098745, 0.00072944])
DELTA8 = np.array([0.0235, 0.0125, 0.0102, 0.0082, 0.0145, 0.0344, 0.0023, 0.0287, 0.0148, 0.0333, 0.0682, 0.0027,
                   0.0448, 0.0336, 0.0576, 0.1130, 0.0102, 0.0947, 0.0532])
DELTA4 = np.array([6.7430, 3.9691, 3.3281, 2.6796, 4.7277, 10.5966, 0.6827, 9.0942, 4.8857, 10.7599, 21.7546, 0.8603,
                   14.5324, 10.9651, 18.7706, 36.4044, 3.1572, 29.6994, 17.4016])
PARAMETERS = np.array([36864, 36864, 36864, 36864, 73728, 147456, 8192, 147456, 147456, 294912, 589824, 32768, 589824,
                       589824, 1179648, 2359296, 131072, 2359296, 2359296])
BOPS = np.array([115605504, 115605504, 115605504, 115605504, 57802752, 115605504, 6422528, 115605504, 115605504,
                 57802752, 115605504, 6422528, 115605504, 115605504, 57802752, 115605504, 6422528, 115605504,
                 115605504]) / 1e6
LAT4 = np.array([0.21094404, 0.21092674, 0.21104113, 0.21086851, 0.13642465, 0.19167506, 0.02532183, 0.19148203,
                 0.19142914, 0.11395316, 0.20556011, 0.01917474, 0.20566918, 0.20566509, 0.13185102, 0.22287786,
                 0.01790088, 0.22304611, 0.22286099])
LAT8 = np.array([0.36189111, 0.36211718, 0.31141909, 0.30454471, 0.19184896, 0.38948934, 0.0334169, 0.38904905,
                 0.3892859, 0.19134735, 0.34307431, 0.02802354, 0.34313329, 0.34310756, 0.21117103, 0.37376585,
                 0.02896843, 0.37398187, 0.37405185])
TIES = {4: "d1", 6: "d1", 9: "d2", 11: "d2", 14: "d3", 16: "d3"}   # x4 == x6, x9 == x11, x14 == x16
COSTS = {"model_bytes": (PARAMETERS * 4 / 8, PARAMETERS * 8 / 8),
         "bops": (BOPS / 64, BOPS / 16),            # the notebook's bops_4bit = bops/8/8, bops_8bit = bops/4/4
         "latency_s": (LAT4, LAT8)}
NAMES = [f"layer{i}" for i in range(19)]


@pytest.fixture(scope="module")
def inputs():
    sens = pd.DataFrame([{"layer": NAMES[i], "candidate": c, "hessian_trace": TRACE[i], "delta_w2": d[i],
                          "group": TIES.get(i, "")} for i in range(19) for c, d in (("w4a4", DELTA4), ("w8a8", DELTA8))])
    table = pd.DataFrame([{"layer": NAMES[i], "candidate": c, **{m: v[k][i] for m, v in COSTS.items()}}
                          for i in range(19) for k, c in enumerate(("w4a4", "w8a8"))])
    return sens, table


def _all_plans():
    """Every plan of the 16 groups (3 tied pairs), as 0/1 (INT4/INT8) per layer: (65536, 19)."""
    groups = sorted(set(range(19)) - {6, 11, 16})
    picks = np.array(list(itertools.product((0, 1), repeat=len(groups))), dtype=np.int64)
    plans = np.zeros((len(picks), 19), dtype=np.int64)
    plans[:, groups] = picks
    plans[:, 6], plans[:, 11], plans[:, 16] = plans[:, 4], plans[:, 9], plans[:, 14]
    return plans


PLANS = _all_plans()


@pytest.mark.parametrize("metric", sorted(COSTS))
@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75])
def test_hawq_resnet18_budgets_against_brute_force(inputs, metric, fraction):
    sens, table = inputs
    omega = np.where(PLANS == 1, TRACE * DELTA8, TRACE * DELTA4).sum(axis=1)
    low, high = COSTS[metric]
    cost = np.where(PLANS == 1, high, low).sum(axis=1)
    limit = low.sum() + fraction * (high.sum() - low.sum())   # the notebook's limit
    feasible = cost <= limit + 1e-9 * limit
    best = omega[feasible].min()
    result = precision_search(sensitivity=sens, cost_table=table, candidates=["w4a4", "w8a8"],
                              budget_fractions={metric: fraction})
    assert result.budgets.loc[0, "limit"] == pytest.approx(limit, rel=1e-12)
    assert result.omega_total == pytest.approx(best, rel=1e-12)
    chosen = (result.plan["candidate"] == "w8a8").to_numpy().astype(np.int64)
    assert chosen[4] == chosen[6] and chosen[9] == chosen[11] and chosen[14] == chosen[16]
    assert np.where(chosen == 1, high, low).sum() <= limit * (1 + 1e-9)
