"""The precision search's integer program, with costs from a table (no simulator): against brute
force on random problems, uniform budgets, a hand-solved example, near ties, and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.dse.precision_search import precision_search
from hwsim.errors import HwsimInputError

CANDIDATES = ["w4a4", "w4a8", "w8a8", "fp8"]


def _frames(omega: np.ndarray, costs: dict[str, np.ndarray], groups: list[str] | None = None):
    layers, cands = omega.shape
    names = [f"l{i}" for i in range(layers)]
    sens = pd.DataFrame([{"layer": names[i], "candidate": CANDIDATES[c], "omega": omega[i, c],
                          "group": (groups[i] if groups else "")} for i in range(layers) for c in range(cands)])
    table = pd.DataFrame([{"layer": names[i], "candidate": CANDIDATES[c], **{m: v[i, c] for m, v in costs.items()}}
                          for i in range(layers) for c in range(cands)])
    return names, sens, table


def _brute_force(omega, costs, limits, groups):
    """min total omega over every plan (tied layers share a choice) meeting every limit, or None."""
    layers, cands = omega.shape
    group_ids = list(dict.fromkeys(groups))
    best = None
    for pick in itertools.product(range(cands), repeat=len(group_ids)):
        choice = [pick[group_ids.index(g)] for g in groups]
        ok = all(sum(costs[m][i, choice[i]] for i in range(layers)) <= lim + 1e-9 * abs(lim)
                 for m, lim in limits.items())
        if ok:
            total = sum(omega[i, choice[i]] for i in range(layers))
            best = total if best is None or total < best else best
    return best


@pytest.mark.parametrize("seed", range(40))
def test_optimum_equals_brute_force_on_random_problems(seed):
    rng = np.random.default_rng(seed)
    layers, cands = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    omega = rng.uniform(0, 1, (layers, cands)) ** 3
    costs = {"latency_s": rng.uniform(1e-6, 1e-3, (layers, cands)), "energy_pj": rng.uniform(1e6, 1e9, (layers, cands))}
    groups = [f"g{int(rng.integers(0, layers))}" if rng.random() < 0.4 else f"own{i}" for i in range(layers)]
    limits = {m: float(np.quantile(v.sum(axis=0), rng.uniform(0.0, 1.0))) * rng.uniform(0.6, 1.05)
              for m, v in costs.items() if rng.random() < 0.8}
    _, sens, table = _frames(omega, costs, groups)
    expected = _brute_force(omega, costs, limits, groups)
    budgets = [f"{m}<={lim!r}" for m, lim in limits.items()]
    if expected is None:
        with pytest.raises(HwsimInputError, match="infeasible"):
            precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:cands], budgets=budgets)
        return
    result = precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:cands], budgets=budgets)
    assert result.omega_total == pytest.approx(expected, rel=1e-12, abs=1e-15)
    for m, lim in limits.items():
        assert result.costs[m] <= lim + 1e-9 * abs(lim)
    tied = result.plan.groupby("group")["candidate"].nunique()
    assert (tied[tied.index != ""] == 1).all()


def test_uniform_budgets_give_uniform_plans():
    # omega falls and latency rises with precision in every layer (w4a4 < w4a8 < w8a8)
    omega = np.array([[3.0, 2.0, 0.5], [8.0, 1.0, 0.2], [1.0, 0.9, 0.1]])
    latency = np.array([[1.0, 1.5, 2.0], [4.0, 5.0, 8.0], [2.0, 2.5, 3.0]])
    _, sens, table = _frames(omega, {"latency_s": latency})
    cands = CANDIDATES[:3]
    cheapest = precision_search(sensitivity=sens, cost_table=table, candidates=cands,
                                budget_fractions={"latency_s": 0.0})
    assert list(cheapest.plan["candidate"]) == ["w4a4"] * 3
    assert cheapest.costs["latency_s"] == 7.0 and cheapest.omega_total == 12.0
    dearest = precision_search(sensitivity=sens, cost_table=table, candidates=cands,
                               budget_fractions={"latency_s": 1.0})
    assert list(dearest.plan["candidate"]) == ["w8a8"] * 3
    assert dearest.costs["latency_s"] == 13.0 and dearest.omega_total == pytest.approx(0.8)


def test_hand_solved_half_budget():
    # budget 7 + 0.5 x (13 - 7) = 10. Spending per layer over w4a4 (extra latency -> omega saved):
    # l0: w4a8 +0.5 -> 1.0, w8a8 +1.0 -> 2.5; l1: w4a8 +1 -> 7.0, w8a8 +4 -> 7.8; l2: w4a8 +0.5 -> 0.1,
    # w8a8 +1 -> 0.9. With 3 to spend: l1 w4a8 (1, saves 7) + l0 w8a8 (1, saves 2.5) + l2 w8a8
    # (1, saves 0.9) = 3, saves 10.4: omega 12 - 10.4 = 1.6; no other plan within 3 saves more
    # (l1 w8a8 alone costs 4).
    omega = np.array([[3.0, 2.0, 0.5], [8.0, 1.0, 0.2], [1.0, 0.9, 0.1]])
    latency = np.array([[1.0, 1.5, 2.0], [4.0, 5.0, 8.0], [2.0, 2.5, 3.0]])
    _, sens, table = _frames(omega, {"latency_s": latency})
    result = precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:3],
                              budget_fractions={"latency_s": 0.5})
    assert list(result.plan["candidate"]) == ["w8a8", "w4a8", "w8a8"]
    assert result.omega_total == pytest.approx(1.6)
    assert result.budgets.loc[0, "limit"] == 10.0 and result.costs["latency_s"] == 10.0


def test_second_best_within_1e5_is_not_taken():
    # two layers, the best plan beats the runner-up by 1e-5 out of ~1e3
    omega = np.array([[1000.0, 999.99999], [500.0, 500.00001]])
    size = np.array([[1.0, 2.0], [1.0, 2.0]])
    _, sens, table = _frames(omega, {"model_bytes": size})
    result = precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:2],
                              budgets=["model_bytes<=3"])
    assert list(result.plan["candidate"]) == ["w4a8", "w4a4"]
    assert result.omega_total == pytest.approx(1499.99999, abs=1e-9)


def test_ties_take_one_choice_and_hessian_columns_make_omega():
    sens = pd.DataFrame({"layer": ["q", "q", "k", "k", "o", "o"], "candidate": ["w4a4", "w8a8"] * 3,
                         "hessian_trace": [2.0, 2.0, 1.0, 1.0, 1.0, 1.0], "delta_w2": [1.0, 0.1, 1.0, 0.1, 5.0, 0.1],
                         "group": ["qk", "qk", "qk", "qk", "", ""]})
    table = pd.DataFrame({"layer": ["q", "q", "k", "k", "o", "o"], "candidate": ["w4a4", "w8a8"] * 3,
                          "bops": [1.0, 4.0, 1.0, 4.0, 1.0, 4.0]})
    # budget 6: the qk group upgraded costs 6 extra (two layers), o alone 3: o is upgraded
    # (omega 2 + 1 + 0.1 = 3.1 < tying qk up which does not fit)
    result = precision_search(sensitivity=sens, cost_table=table, budgets=["bops<=6"])
    assert list(result.plan["candidate"]) == ["w4a4", "w4a4", "w8a8"]
    assert result.omega_total == pytest.approx(3.1)
    # plans (qk, o): (4, 4) bops 3 omega 8; (4, 8) bops 6 omega 3.1; (8, 4) bops 9 omega 5.3;
    # (8, 8) bops 12 omega 0.4. At 9 the tie keeps q and k together: (8, 4) fits but 3.1 is better
    at_nine = precision_search(sensitivity=sens, cost_table=table, budgets=["bops<=9"])
    assert list(at_nine.plan["candidate"]) == ["w4a4", "w4a4", "w8a8"]
    at_twelve = precision_search(sensitivity=sens, cost_table=table, budgets=["bops<=12"])
    assert list(at_twelve.plan["candidate"]) == ["w8a8", "w8a8", "w8a8"]
    assert at_twelve.omega_total == pytest.approx(0.4)
    assert set(at_twelve.plan["group"]) == {"qk", ""}


def test_front_is_monotone_and_spans_the_extremes():
    rng = np.random.default_rng(7)
    omega = np.sort(rng.uniform(0, 1, (8, 3)), axis=1)[:, ::-1]
    latency = np.sort(rng.uniform(1, 2, (8, 3)), axis=1)
    _, sens, table = _frames(omega, {"latency_s": latency})
    result = precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:3],
                              budget_fractions={"latency_s": 0.3}, front=9)
    front = result.front
    assert front["feasible"].all() and len(front) == 9
    assert np.all(np.diff(front["omega"]) <= 1e-12)
    assert np.all(np.diff(front["limit"]) > 0)
    assert front["omega"].iloc[0] == pytest.approx(omega[:, 0].sum())
    assert front["omega"].iloc[-1] == pytest.approx(omega[:, 2].sum())
    assert (front["latency_s"] <= front["limit"] * (1 + 1e-9)).all()


def test_bad_inputs_are_one_line_errors():
    omega = np.array([[1.0, 0.5]])
    _, sens, table = _frames(omega, {"latency_s": np.array([[1.0, 2.0]])})
    with pytest.raises(HwsimInputError, match="unknown metric 'energy_pj'"):
        precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:2], budgets=["energy_pj<=1"])
    with pytest.raises(HwsimInputError, match="is not a budget"):
        precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:2], budgets=["latency_s<1"])
    with pytest.raises(HwsimInputError, match="outside"):
        precision_search(sensitivity=sens, cost_table=table, candidates=CANDIDATES[:2],
                         budget_fractions={"latency_s": 1.5})
    with pytest.raises(HwsimInputError, match="no sensitivity for candidate 'fp8'"):
        precision_search(sensitivity=sens, cost_table=table, candidates=["w4a4", "fp8"])
    with pytest.raises(HwsimInputError, match="matches no layer"):
        precision_search(sensitivity=pd.concat([sens, sens.assign(layer="nope*")]), cost_table=table,
                         candidates=CANDIDATES[:2])
    with pytest.raises(HwsimInputError, match="not a precision mix"):
        precision_search(sensitivity=sens.assign(candidate="w3x"), cost_table=table)


def test_exported_from_the_package():
    assert hwsim.precision_search is precision_search


def test_a_layer_in_two_groups_is_refused():
    # q tied to k on its w4a4 row and to v on its w8a8 row: whichever row came last would decide
    sens = pd.DataFrame({"layer": ["q", "q", "k", "k"], "candidate": ["w4a4", "w8a8"] * 2,
                         "omega": [1.0, 0.1, 1.0, 0.1], "group": ["qk", "qv", "qk", "qk"]})
    table = pd.DataFrame({"layer": ["q", "q", "k", "k"], "candidate": ["w4a4", "w8a8"] * 2,
                          "bops": [1.0, 4.0, 1.0, 4.0]})
    with pytest.raises(HwsimInputError, match=r"line 3: layer 'q' in group 'qv', but in 'qk' on line 2"):
        precision_search(sensitivity=sens, cost_table=table, budgets=["bops<=6"])
