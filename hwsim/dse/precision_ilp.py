"""The precision-search integer program (HAWQ-V3, Yao et al., ICML 2021, Sec. 3.4, Eq. 9), exact.

Choose one candidate c(g) per tie group g (a layer is its own group unless tied) to

    minimise   sum_g  O[g, c(g)]                       (O: the objective per group and candidate,
                                                        Omega summed over the group's layers)
    subject to sum_g  A_m[g, c(g)] <= limit_m          for every budgeted metric m

as a binary program over x[g, c] (sum_c x[g, c] = 1), solved by HiGHS through
``scipy.optimize.milp`` with a zero relative optimality gap. Two numerical choices keep it exact
in practice (docs/precision-search.md, "Exactness"):

* the objective is scaled so that its largest possible total is 1e6: HiGHS still stops at an
  absolute gap of 1e-6 (its ``mip_abs_gap`` default, which scipy does not expose), which is then
  1e-12 of the objective, far below the 1e-5 that separates a best and a second-best plan;
* each budget row is divided by its largest magnitude, so HiGHS's feasibility tolerance (1e-6)
  is relative; a plan HiGHS accepts is then checked in float64, a budget being met when
  cost <= limit + 1e-9 * max(|limit|, largest |cost| of the row) (``FEASIBILITY_REL_TOL``), and a
  row it overshoots is tightened by the overshoot and solved again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.errors import HwsimInputError

# a budget is met when cost <= limit + this x max(|limit|, the row's largest |cost|) (module docstring)
FEASIBILITY_REL_TOL = 1e-9
# the objective's largest possible total after scaling (module docstring)
OBJECTIVE_SCALE = 1e6
# tightenings of an overshot budget row before giving up (each removes the plan that overshot)
MAX_TIGHTENINGS = 20


@dataclass(frozen=True)
class IlpRow:
    """One budget: ``coefficients`` (G, C) summed over the chosen cell per group, <= ``limit``."""

    name: str
    coefficients: np.ndarray
    limit: float


class Infeasible(Exception):
    """No choice meets every budget (the message names the budgets and their reachable minima)."""


def _tolerance(row: IlpRow) -> float:
    return FEASIBILITY_REL_TOL * max(abs(row.limit), float(np.abs(row.coefficients).max(initial=0.0)), 1e-300)


def row_value(row: IlpRow, choice: np.ndarray) -> float:
    return float(row.coefficients[np.arange(len(choice)), choice].sum())


def meets(row: IlpRow, choice: np.ndarray) -> bool:
    return row_value(row, choice) <= row.limit + _tolerance(row)


def _reachable_minimum(row: IlpRow) -> float:
    return float(row.coefficients.min(axis=1).sum())


def _dominated(objective: np.ndarray, rows: list[IlpRow]) -> np.ndarray:
    """(G, C) True where another candidate of the group is no worse in the objective and every
    budget and better in one (or equal in all and listed first): swapping it in keeps any plan
    feasible and no worse, so dropping the dominated one loses no optimum and shrinks the search."""
    stacked = np.stack([objective, *(r.coefficients for r in rows)])      # (K, G, C)
    groups, candidates = objective.shape
    out = np.zeros((groups, candidates), dtype=bool)
    for c in range(candidates):
        for d in range(candidates):
            if d == c:
                continue
            no_worse = np.all(stacked[:, :, d] <= stacked[:, :, c], axis=0)
            better = np.any(stacked[:, :, d] < stacked[:, :, c], axis=0)
            out[:, c] |= no_worse & (better | (d < c))
    return out


def solve_choice(objective: np.ndarray, rows: list[IlpRow]) -> np.ndarray:
    """The candidate index per group that minimises ``objective`` (G, C) under ``rows``, exact (the
    module docstring); raises ``Infeasible`` when no choice meets them."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    objective = np.asarray(objective, dtype=np.float64)
    groups, candidates = objective.shape
    if groups == 0:
        return np.zeros(0, dtype=np.int64)
    for row in rows:
        if _reachable_minimum(row) > row.limit + _tolerance(row):
            raise Infeasible(f"budget {row.name} <= {row.limit:.6g} cannot be met: the cheapest plan costs "
                             f"{_reachable_minimum(row):.6g}")
    if not np.all(np.isfinite(objective)) or any(not np.all(np.isfinite(r.coefficients)) for r in rows):
        raise HwsimInputError("a sensitivity or cost is not a finite number", allowed="finite numbers")
    # shifting each group's objective by its minimum changes no choice and keeps the scale honest
    shifted = objective - objective.min(axis=1, keepdims=True)
    span = float(shifted.max(axis=1).sum())
    scale = OBJECTIVE_SCALE / span if span > 0 else 1.0
    c = (shifted * scale).ravel()
    upper = 1.0 - _dominated(objective, rows).ravel()  # a dominated candidate is never needed
    # row g sums x[g, :] (sparse: G x G*C with G*C ones, hundreds of layers stay small)
    one_each = csr_array((np.ones(groups * candidates), np.arange(groups * candidates),
                          np.arange(0, groups * candidates + 1, candidates)), shape=(groups, groups * candidates))
    limits = [row.limit for row in rows]
    for _ in range(MAX_TIGHTENINGS):
        constraints = [LinearConstraint(one_each, 1.0, 1.0)]
        for row, limit in zip(rows, limits):
            norm = max(float(np.abs(row.coefficients).max(initial=0.0)), abs(limit), 1e-300)
            constraints.append(LinearConstraint(row.coefficients.ravel()[None, :] / norm, -np.inf, limit / norm))
        result = milp(c, constraints=constraints, integrality=np.ones_like(c), bounds=Bounds(0.0, upper),
                      options={"mip_rel_gap": 0.0, "presolve": True})
        if result.status == 2 or result.x is None:  # 2: infeasible
            raise Infeasible("no plan meets " + " and ".join(f"{r.name} <= {r.limit:.6g}" for r in rows))
        if result.status != 0:
            raise RuntimeError(f"HiGHS stopped without an optimal plan: {result.message}")
        choice = result.x.reshape(groups, candidates).argmax(axis=1)
        over = [(i, row_value(row, choice) - row.limit) for i, row in enumerate(rows) if not meets(row, choice)]
        if not over:
            return choice
        for i, excess in over:  # HiGHS's tolerance let a plan overshoot: forbid that much more
            limits[i] -= 2.0 * excess
    raise Infeasible("no plan meets " + " and ".join(f"{r.name} <= {r.limit:.6g}" for r in rows)
                     + " within the float64 tolerance")
