"""A sweep's precision axis as a search (docs/sweep-spec.md, docs/precision-search.md):

    axes:
      compute.rows: [16, 32]
      precision:
        search:
          sensitivity: sens.csv            # relative to the spec's folder
          candidates: [w4a4, w4a8, w8a8]
          budget_fraction: {latency_s: 0.5}  # and/or budget: {energy_pj: 2.0e9}
          objective: omega                 # optional

Every design point gets the plan that minimises the objective under the budgets on that design
(costs from that design's own uniform runs), and its row is that plan's simulation, with the
columns ``precision_omega``, ``precision_plan`` (the candidate of each searched layer, in layer
order) and ``precision_met`` (the simulated plan meets every budget). Light: no numpy here (the
spec is validated before anything heavy loads).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwsim.errors import HwsimInputError

SEARCH_KEY = "search"
SEARCH_VALUE = "search"  # the precision axis's one value when it is a search
SEARCH_KEYS = ("sensitivity", "candidates", "budget_fraction", "budget", "objective")
SEARCH_COLUMNS = ("precision_omega", "precision_plan", "precision_met")
_WHERE = "axes.precision.search"


@dataclass(frozen=True)
class SearchAxis:
    sensitivity: str                 # as written
    sensitivity_path: str            # resolved
    sensitivity_sha256: str
    candidates: tuple[str, ...]
    budget_fractions: tuple[tuple[str, float], ...]
    budgets: tuple[tuple[str, float], ...]
    objective: str

    def canonical(self) -> dict:
        return {"sensitivity": self.sensitivity, "sha256": self.sensitivity_sha256, "candidates": list(self.candidates),
                "budget_fraction": [list(b) for b in self.budget_fractions], "budget": [list(b) for b in self.budgets],
                "objective": self.objective}


def is_search(value: Any) -> bool:
    return isinstance(value, dict) and SEARCH_KEY in value


def _fail(message: str, source: str, field: str, allowed: str | None = None) -> HwsimInputError:
    return HwsimInputError(message, source=source, field=field, allowed=allowed)


def _metric_numbers(value: Any, source: str, key: str, fraction: bool) -> tuple[tuple[str, float], ...]:
    where = f"{_WHERE}.{key}"
    if not isinstance(value, dict) or not value:
        raise _fail(f"{value!r} is not a mapping of metrics to numbers", source, where,
                    "e.g. {latency_s: 0.5}" if fraction else "e.g. {energy_pj: 2.0e9}")
    out = []
    for metric, number in value.items():
        if not isinstance(metric, str) or isinstance(number, bool) or not isinstance(number, (int, float)) \
                or not math.isfinite(number) or (fraction and not 0 <= number <= 1):
            raise _fail(f"{metric!r}: {number!r}", source, where,
                        "metric: F with F in [0, 1]" if fraction else "metric: a finite number")
        out.append((metric, float(number)))
    return tuple(out)


def parse_search_axis(value: Any, source: str, base_dir: Path) -> SearchAxis:
    """``{search: {...}}`` checked; the sensitivity file's names and values are checked against the
    workload when the sweep loads it."""
    from hwsim.dse.precision import parse_mix

    if set(value) != {SEARCH_KEY} or not isinstance(value[SEARCH_KEY], dict):
        raise _fail("a precision search axis is {search: {...}}", source, "axes.precision", ", ".join(SEARCH_KEYS))
    body = value[SEARCH_KEY]
    unknown = [k for k in body if k not in SEARCH_KEYS]
    if unknown:
        raise _fail(f"unknown key '{unknown[0]}'", source, _WHERE, ", ".join(SEARCH_KEYS))
    for key in ("sensitivity", "candidates"):
        if key not in body:
            raise _fail(f"no '{key}'", source, _WHERE, "sensitivity, candidates and a budget or budget_fraction")
    if "budget" not in body and "budget_fraction" not in body:
        raise _fail("no budget", source, _WHERE, "budget: {METRIC: VALUE} and/or budget_fraction: {METRIC: F}")
    name = body["sensitivity"]
    if not isinstance(name, str):
        raise _fail(f"{name!r} is not a file name", source, f"{_WHERE}.sensitivity", "a CSV path")
    path = Path(name) if Path(name).is_absolute() else base_dir / name
    if not path.is_file():
        raise _fail(f"{name!r}: no such file (relative paths are read from the spec's folder)", source,
                    f"{_WHERE}.sensitivity")
    candidates = body["candidates"]
    if not isinstance(candidates, list) or not candidates or not all(isinstance(c, str) for c in candidates):
        raise _fail(f"{candidates!r} is not a list of mix names", source, f"{_WHERE}.candidates", "e.g. [w4a4, w8a8]")
    for candidate in candidates:
        try:
            parse_mix(candidate)
        except HwsimInputError as exc:
            raise _fail(exc.message, source, f"{_WHERE}.candidates", exc.allowed) from None
    fractions = _metric_numbers(body["budget_fraction"], source, "budget_fraction", True) \
        if "budget_fraction" in body else ()
    budgets = _metric_numbers(body["budget"], source, "budget", False) if "budget" in body else ()
    objective = body.get("objective", "omega")
    if not isinstance(objective, str):
        raise _fail(f"{objective!r} is not a metric name", source, f"{_WHERE}.objective")
    return SearchAxis(name, str(path), hashlib.sha256(path.read_bytes()).hexdigest(), tuple(candidates),
                      fractions, budgets, objective)
