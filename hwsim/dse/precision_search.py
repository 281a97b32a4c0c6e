"""Precision search: the per-layer precision mix that minimises the sensitivity Omega under
hardware budgets (docs/precision-search.md), as ``hwsim.precision_search`` and
``hwsim precision-search``.

Flow: the sensitivity file names the searched layers and their Omega per candidate mix; costs per
(layer, candidate) come from one uniform evaluation per candidate (every searched layer at the
candidate, the PE native for the formats, as ``--native-pe`` makes it) or from a cost table;
budgets become rows of the exact integer program in ``precision_ilp``; the chosen plan is
re-simulated as one run and any cost that the per-layer sums miss is reported and charged.
"""

from __future__ import annotations

import csv
import fnmatch
import glob
import io
import math
import re
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from hwsim.dse.precision import Mix, parse_mix, pe_context, plan_columns
from hwsim.dse.precision_ilp import IlpRow, Infeasible, row_value, solve_choice
from hwsim.errors import HwsimInputError, require_flag
from hwsim.formats import Precision, parse_format
from hwsim.inputs import CLI_REAL, is_path, read_text
from hwsim.workload.precision_plan import PrecisionPlan, PrecisionRule

OMEGA = "omega"
# the costs hwsim computes per (layer, candidate) (docs/precision-search.md, "Costs")
SIMULATED_METRICS = ("latency_s", "energy_pj", "dram_bits", "model_bytes", "bops")
SENSITIVITY_COLUMNS = ("layer", "candidate", "omega", "hessian_trace", "delta_w2", "group")
# what `hwsim sensitivity` writes besides, read and ignored here (information for the reader)
SENSITIVITY_INFO_COLUMNS = ("sqnr_db", "n_params", "weights_format")
# re-simulation rounds: a budget the re-simulated plan overshoots is tightened by the overshoot
MAX_CHECK_ROUNDS = 4
# budgets a front is solved at, at most: each is one exact solve (and one re-simulation), ~10 ms to
# seconds; 1,000 points draw a front finer than any figure shows (10^8 ran for hours)
MAX_FRONT_POINTS = 1000
_BUDGET = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*<=\s*(?P<value>\S+)\s*$")
_FRACTION = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>\S+)\s*$")


# ---- inputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Budget:
    """``metric <= limit`` (absolute), or ``fraction`` of the way from the all-cheapest plan's cost
    to the all-dearest plan's (HAWQ-V3's way of stating a budget)."""

    metric: str
    limit: float | None = None
    fraction: float | None = None

    def __post_init__(self) -> None:
        # metric names are case-insensitive (a cost table's header is read lowercased)
        object.__setattr__(self, "metric", self.metric.strip().lower())
        if (self.limit is None) == (self.fraction is None):
            raise HwsimInputError(f"budget on '{self.metric}': give a limit or a fraction, not both or neither",
                                  field="budget")
        if self.fraction is not None and not 0.0 <= self.fraction <= 1.0:
            raise HwsimInputError(f"budget fraction {self.fraction} for '{self.metric}' is outside [0, 1]",
                                  field="--budget-fraction", allowed="0 (all cheapest) .. 1 (all dearest)")

    @property
    def text(self) -> str:
        return f"{self.metric}<={self.limit:g}" if self.limit is not None else f"{self.metric}={self.fraction:g}"


def _number(text: str, flag: str, whole: str) -> float:
    # ASCII decimals, as the other flags and the files read them (float() also takes 1_000 and
    # other scripts' digits)
    if not CLI_REAL.fullmatch(text.strip()):
        raise HwsimInputError(f"'{whole}': '{text}' is not a number", field=flag,
                              allowed="a decimal number, e.g. 1e9 or 0.5")
    value = float(text)
    if not np.isfinite(value):
        raise HwsimInputError(f"'{whole}': the value must be finite", field=flag)
    return value


def parse_budget(text: str) -> Budget:
    """``METRIC<=VALUE`` (``--budget``)."""
    match = _BUDGET.match(text)
    if not match:
        raise HwsimInputError(f"'{text}' is not a budget", field="--budget", allowed="METRIC<=VALUE, e.g. energy_pj<=1e9")
    return Budget(match["metric"], limit=_number(match["value"], "--budget", text))


def parse_budget_fraction(text: str) -> Budget:
    """``METRIC=F`` (``--budget-fraction``), F in [0, 1]."""
    match = _FRACTION.match(text)
    if not match:
        raise HwsimInputError(f"'{text}' is not a budget fraction", field="--budget-fraction",
                              allowed="METRIC=F with F in [0, 1], e.g. latency_s=0.5")
    return Budget(match["metric"], fraction=_number(match["value"], "--budget-fraction", text))


def _csv_records(text: str, source: str, what: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    rows = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
            if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")]
    if not rows:
        raise HwsimInputError(f"empty {what}", source=source, allowed="a header line and one row per layer and candidate")
    header = [h.strip().lower() for h in rows[0][1]]
    if len(set(header)) != len(header):
        raise HwsimInputError(f"line {rows[0][0]}: a column is named twice", source=source, field="header")
    records = []
    for line, cells in rows[1:]:
        if len(cells) != len(header):
            raise HwsimInputError(f"line {line}: {len(cells)} cells, the header has {len(header)}", source=source)
        records.append((line, dict(zip(header, (c.strip() for c in cells)))))
    return header, records


def _frame_records(frame: pd.DataFrame, what: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    header = [str(c).strip().lower() for c in frame.columns]
    if len(set(header)) != len(header):
        raise HwsimInputError("a column is named twice", source=f"<{what}>", field="header")
    records = []
    for line, values in enumerate(frame.itertuples(index=False), start=2):
        records.append((line, {h: ("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
                               for h, v in zip(header, values)}))
    return header, records


def _records(source: Any, what: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], str]:
    if isinstance(source, pd.DataFrame):
        header, records = _frame_records(source, what)
        where = f"<{what}>"
    elif is_path(source):
        header, records = _csv_records(read_text(source, what), str(source), what)
        where = str(source)
    else:
        raise HwsimInputError(f"{type(source).__name__} is not a {what}", field=what.replace(" ", "_"),
                              allowed="a CSV path or a pandas DataFrame")
    if not records:   # a header alone searches nothing
        raise HwsimInputError(f"the {what} has a header and no rows", source=where,
                              allowed="one row per layer (or layer pattern) and candidate")
    return header, records, where


def _matches(pattern: str, names: Sequence[str]) -> list[int]:
    return [i for i, name in enumerate(names) if fnmatch.fnmatchcase(name, pattern)]


def _candidate_key(name: str) -> str:
    return name.strip().lower()


@dataclass(frozen=True)
class Sensitivity:
    """Omega per searched layer and candidate, and the tie group of each searched layer."""

    layers: tuple[int, ...]          # indices into the layer list, in workload order
    candidates: tuple[str, ...]
    omega: np.ndarray                # (len(layers), len(candidates))
    groups: tuple[str, ...]          # per searched layer: its group name (its own name when untied)


def read_sensitivity(source: Any, layer_names: Sequence[str], candidates: Sequence[str] | None = None) -> Sensitivity:
    """``SENS.csv`` (path or DataFrame): ``layer,candidate,omega`` or ``layer,candidate,hessian_trace,
    delta_w2`` (Omega = hessian_trace x delta_w2), optional ``group``; layer names or fnmatch globs
    against ``layer_names``; rows apply in file order and a later row wins for a (layer, candidate)
    pair. Every searched layer (any layer a row matches) needs a value for every candidate."""
    header, records, where = _records(source, "sensitivity file")
    unknown = [h for h in header if h not in SENSITIVITY_COLUMNS + SENSITIVITY_INFO_COLUMNS]
    if unknown or "layer" not in header or "candidate" not in header:
        bad = unknown[0] if unknown else ("layer" if "layer" not in header else "candidate") + " (missing)"
        raise HwsimInputError(f"bad column '{bad}'", source=where, field="header",
                              allowed=", ".join(SENSITIVITY_COLUMNS + SENSITIVITY_INFO_COLUMNS))
    if "omega" not in header and not {"hessian_trace", "delta_w2"} <= set(header):
        raise HwsimInputError("needs an omega column, or hessian_trace and delta_w2", source=where, field="header",
                              allowed="layer,candidate,omega[,group] or layer,candidate,hessian_trace,delta_w2[,group]")
    values: dict[tuple[int, str], float] = {}
    rows_seen: dict[tuple[str, str], int] = {}
    group_of: dict[int, str] = {}
    seen_candidates: dict[str, str] = {}
    for line, record in records:
        pattern, candidate = record["layer"], record["candidate"]
        if not pattern or not candidate:
            raise HwsimInputError(f"line {line}: empty layer or candidate", source=where, field="layer")
        try:
            parse_mix(candidate)
        except HwsimInputError as exc:
            raise HwsimInputError(f"line {line}: {exc.message}", source=where, field="candidate",
                                  allowed=exc.allowed) from None
        omega = _omega(record, line, where)
        matched = _matches(pattern, layer_names)
        if not matched:
            raise HwsimInputError(f"line {line}: pattern '{pattern}' matches no layer", source=where, field="layer",
                                  allowed=_some(layer_names))
        key = _candidate_key(candidate)
        if (pattern, key) in rows_seen:   # the same row twice: later-wins is for a pattern and a narrower one
            raise HwsimInputError(f"line {line}: layer '{pattern}' and candidate '{candidate}' again (line "
                                  f"{rows_seen[(pattern, key)]})", source=where, field="layer",
                                  allowed="one row per layer pattern and candidate")
        rows_seen[(pattern, key)] = line
        seen_candidates.setdefault(key, candidate)
        for i in matched:
            values[(i, key)] = omega
            group = record.get("group")
            if group:
                # one group per layer, whatever the candidate: a second name would leave the layer in
                # whichever row came last (an empty cell states no group)
                if i in group_of and group_of[i][0] != group:
                    raise HwsimInputError(f"line {line}: layer '{layer_names[i]}' in group '{group}', but in "
                                          f"'{group_of[i][0]}' on line {group_of[i][1]}", source=where,
                                          field="group", allowed="one group per layer on every row that names one")
                group_of[i] = (group, line)
    chosen = list(candidates) if candidates else list(seen_candidates.values())
    if not chosen:
        raise HwsimInputError("no candidates", source=where, field="candidate")
    keys = [_candidate_key(c) for c in chosen]
    if len(set(keys)) != len(keys):
        raise HwsimInputError("a candidate is named twice", field="--candidates", allowed="distinct mix names")
    layers = tuple(sorted({i for i, _ in values}))
    omega = np.empty((len(layers), len(chosen)))
    for row, i in enumerate(layers):
        for col, key in enumerate(keys):
            if (i, key) not in values:
                raise HwsimInputError(f"layer '{layer_names[i]}' has no sensitivity for candidate '{chosen[col]}'",
                                      source=where, field="candidate",
                                      allowed="a row for every searched layer and every candidate")
            omega[row, col] = values[(i, key)]
    groups = tuple(group_of[i][0] if i in group_of else f"\0{layer_names[i]}" for i in layers)
    return Sensitivity(layers, tuple(chosen), omega, groups)


def _omega(record: Mapping[str, str], line: int, where: str) -> float:
    """Omega of a row: its omega cell, else hessian_trace x delta_w2; with both (as hwsim sensitivity
    writes them) they must agree. Every factor is >= 0: a squared perturbation times a positive
    semi-definite curvature (HAWQ-V3, eq. 3); a negative one would reward the larger error."""
    product = None
    if record.get("hessian_trace") or record.get("delta_w2"):
        if not record.get("hessian_trace") or not record.get("delta_w2"):
            missing = "delta_w2" if record.get("hessian_trace") else "hessian_trace"
            raise HwsimInputError(f"line {line}: hessian_trace without delta_w2 or the other way", source=where,
                                  field=missing, allowed="both, or omega alone")
        product = (_cell_number(record["hessian_trace"], line, where, "hessian_trace", minimum=0.0)
                   * _cell_number(record["delta_w2"], line, where, "delta_w2", minimum=0.0))
    if record.get("omega"):
        value = _cell_number(record["omega"], line, where, "omega", minimum=0.0)
        if product is not None and not math.isclose(value, product, rel_tol=1e-6, abs_tol=0.0):
            raise HwsimInputError(f"line {line}: omega {value:g} is not hessian_trace x delta_w2 = {product:g}",
                                  source=where, field="omega", allowed="omega = hessian_trace x delta_w2, or one of them")
        return value
    if product is None:
        raise HwsimInputError(f"line {line}: no omega and no hessian_trace x delta_w2", source=where, field="omega")
    return product


def _cell_number(text: str, line: int, where: str, name: str, minimum: float | None = None) -> float:
    try:
        value = float(text)
    except ValueError:
        raise HwsimInputError(f"line {line}: '{text}' is not a number", source=where, field=name) from None
    if not np.isfinite(value):
        raise HwsimInputError(f"line {line}: '{text}' is not finite", source=where, field=name)
    if minimum is not None and value < minimum:
        raise HwsimInputError(f"line {line}: {value:g} is below {minimum:g}", source=where, field=name,
                              allowed=f"a number >= {minimum:g}")
    return value


def _some(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} layers)" if len(names) > limit else "")


@dataclass(frozen=True)
class CostTable:
    """Costs measured elsewhere: per layer (of the layer list) and candidate key, per metric."""

    metrics: tuple[str, ...]
    values: dict[tuple[int, str], dict[str, float]]
    layer_names: tuple[str, ...]     # the table's own literal names, in order (its layer list alone)
    source: str


def read_cost_table(source: Any, layer_names: Sequence[str] | None = None) -> CostTable:
    """``COSTS.csv`` (path or DataFrame): ``layer,candidate,<metric>...``, any metric names. With
    ``layer_names`` (a workload's) the layer cells are names or globs against them; without, the
    table's own names are the layer list (literal, in order of first appearance)."""
    header, records, where = _records(source, "cost table")
    if header[:2] != ["layer", "candidate"] or len(header) < 3:
        raise HwsimInputError("the header must be layer,candidate,<metric>... with at least one metric",
                              source=where, field="header", allowed="layer,candidate,latency_s,energy_pj,...")
    metrics = tuple(header[2:])
    if OMEGA in metrics:
        raise HwsimInputError("'omega' comes from the sensitivity file, not the cost table", source=where,
                              field="header")
    rows_seen: dict[tuple[str, str], int] = {}
    own = list(dict.fromkeys(r["layer"] for _, r in records)) if layer_names is None else None
    names = own if own is not None else list(layer_names)
    values: dict[tuple[int, str], dict[str, float]] = {}
    for line, record in records:
        try:
            parse_mix(record["candidate"])
        except HwsimInputError as exc:
            raise HwsimInputError(f"line {line}: {exc.message}", source=where, field="candidate",
                                  allowed=exc.allowed) from None
        matched = [names.index(record["layer"])] if own is not None else _matches(record["layer"], names)
        if not matched:
            raise HwsimInputError(f"line {line}: pattern '{record['layer']}' matches no layer", source=where,
                                  field="layer", allowed=_some(names))
        # a cost is an amount (seconds, pJ, bytes, mm^2): a negative one makes every budget's
        # all-cheapest and all-dearest ends meaningless
        numbers = {m: _cell_number(record[m], line, where, m, minimum=0.0) for m in metrics}
        row_key = (record["layer"], _candidate_key(record["candidate"]))
        if row_key in rows_seen:
            raise HwsimInputError(f"line {line}: layer '{record['layer']}' and candidate '{record['candidate']}' again "
                                  f"(line {rows_seen[row_key]})", source=where, field="layer",
                                  allowed="one row per layer pattern and candidate")
        rows_seen[row_key] = line
        for i in matched:
            values[(i, _candidate_key(record["candidate"]))] = numbers
    return CostTable(metrics, values, tuple(names), where)


# ---- costs from hwsim --------------------------------------------------------------------------

def _plan_for(layer_names: Sequence[str], precisions: Sequence[Precision], source: str) -> PrecisionPlan:
    """A precision plan setting every operand of every layer (names escaped: a layer name is
    matched literally, whatever characters it holds)."""
    rules = tuple(PrecisionRule(glob.escape(name), precision, line)
                  for line, (name, precision) in enumerate(zip(layer_names, precisions), start=2))
    return PrecisionPlan(rules, source)


def full_default(accelerator) -> Precision:
    """The accelerator's default precision with every operand resolved (KV as the activations)."""
    return accelerator.default_precision.filled_from(accelerator.default_precision)


def _pinned(workload, searched: Sequence[int], chosen: Sequence[Precision], default: Precision) -> list[Precision]:
    """Every layer's four formats: a searched layer's from its choice, any other layer's own
    formats filled from the accelerator default (so no layer is left to the default precision)."""
    out = [layer.precision.filled_from(default) for layer in workload.layers]
    for i, precision in zip(searched, chosen):
        out[i] = precision
    return out


def _layer_metrics(workload, table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-layer metrics of one evaluation (rows in workload order): the engine's latency, energy
    and DRAM bits, and model bytes and BOPs from the formats the table reports."""
    formats: dict[str, Any] = {}

    def fmt(name: str):
        if name not in formats:
            formats[name] = parse_format(name)
        return formats[name]

    model_bytes = np.zeros(len(table))
    bops = np.zeros(len(table))
    w_names, a_names = table["weight_format"].to_numpy(), table["activation_format"].to_numpy()
    kv_names, macs = table["kv_format"].to_numpy(), table["macs"].to_numpy(dtype=np.float64)
    for i, layer in enumerate(workload.layers):
        view = layer.op.gemm_view()
        if view is None:
            continue
        b_name = {"weights": w_names[i], "kv": kv_names[i], "activations": a_names[i]}[view.b_operand]
        # BOPs (HAWQ-V3 Sec. 4): MACs x the two operands' bits (element bits: a group's scale is not
        # multiplied per MAC)
        bops[i] = macs[i] * fmt(b_name).element_bits * fmt(a_names[i]).element_bits
        # model bytes: weight elements at their storage bits, scales included; K x N x instances x
        # count elements, the rule of hwsim/workload/footprint.py
        if view.b_operand == "weights" and layer.op.kind != "matmul":
            model_bytes[i] = view.k * view.n * view.instances * layer.count * fmt(w_names[i]).bits_per_element / 8.0
    return {"latency_s": table["latency_s"].to_numpy(dtype=np.float64),
            "energy_pj": table["energy_pj"].to_numpy(dtype=np.float64),
            "dram_bits": (table["dram_reads_bits"] + table["dram_writes_bits"]).to_numpy(dtype=np.float64),
            "model_bytes": model_bytes, "bops": bops}


def unused_default(workload, default: Precision) -> Precision:
    """plan_default for one workload (hwsim/dse/precision.py)."""
    from hwsim.dse.precision import plan_default

    return plan_default([workload], default)


def plan_point_columns(accelerator, planned, context) -> dict[str, Any]:
    """The point columns that run ``planned`` (a workload a plan was applied to) on a PE of
    ``context`` natively (``hwsim run --precision plan.csv --native-pe``)."""
    return plan_columns([planned], accelerator.default_precision, context)


def evaluate_plan(accelerator, workload, plan: PrecisionPlan) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``workload`` with ``plan`` applied, on ``accelerator`` with its PE native for the formats that
    result (``hwsim run --precision plan.csv --native-pe``): the per-layer table and metrics."""
    from hwsim.engine.evaluate import evaluate

    planned = plan.apply(workload)
    columns = plan_point_columns(accelerator, planned, pe_context(accelerator))
    points = pd.DataFrame({key: pd.Series([value], dtype=object) for key, value in columns.items()})
    table = evaluate(accelerator, planned, points, per_layer=True)
    if len(table) != len(workload.layers):
        raise RuntimeError(f"evaluate returned {len(table)} layer rows for {len(workload.layers)} layers")
    return table, _layer_metrics(planned, table)


# ---- the result --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PrecisionSearchResult:
    """A searched plan. ``plan``: one row per searched layer (layer, group, candidate, weights,
    activations, outputs, kv, omega, then each metric's per-layer cost at the chosen candidate);
    ``costs``: each metric's total as the search counts it (the chosen layers' costs plus the
    fixed layers'); ``budgets``: one row per budget (metric, stated as, limit, cost, resimulated,
    met); ``check``: the re-simulation (metric, per_layer_sum, resimulated, difference), None
    without a simulator; ``front``: the Omega-versus-cost front when asked for."""

    plan: pd.DataFrame
    omega_total: float
    objective: str
    costs: dict[str, float]
    budgets: pd.DataFrame
    check: pd.DataFrame | None
    layer_check: pd.DataFrame | None
    fixed_layers: tuple[str, ...]
    candidates: tuple[str, ...]
    plan_file: pd.DataFrame          # layer, weights, activations, outputs, kv: what plan_csv writes
    rounds: int = 1
    front: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def plan_csv(self, header_lines: Iterable[str] = ()) -> str:
        """The plan in hwsim's ``--precision`` file format; totals as # comment lines."""
        lines = [f"# {line}" for line in header_lines]
        lines.append(f"# total {self.objective}: {self.objective_total:.9g}"
                     + (f" (omega {self.omega_total:.9g})" if self.objective != OMEGA else ""))
        for row in self.budgets.itertuples(index=False):
            lines.append(f"# budget {row.metric} <= {row.limit:.9g} ({row.stated_as}): cost {row.cost:.9g}"
                         + ("" if pd.isna(row.resimulated) else f", re-simulated {row.resimulated:.9g}")
                         + ("" if row.met else " NOT MET"))
        buffer = io.StringIO()
        buffer.write("\n".join(lines) + "\n")
        self.plan_file.assign(layer=[glob.escape(name) for name in self.plan_file["layer"]]).to_csv(
            buffer, index=False, lineterminator="\n")
        return buffer.getvalue()

    @property
    def objective_total(self) -> float:
        return self.omega_total if self.objective == OMEGA else self.costs[self.objective]

    @property
    def met(self) -> bool:
        return bool(self.budgets["met"].all()) if len(self.budgets) else True


# ---- the search --------------------------------------------------------------------------------

@dataclass
class _Problem:
    layer_names: tuple[str, ...]
    searched: tuple[int, ...]
    candidates: tuple[str, ...]
    mixes: tuple[Mix, ...]
    group_names: tuple[str, ...]     # per group
    group_index: np.ndarray          # per searched layer: its group
    values: dict[str, np.ndarray]    # metric (and omega) -> (searched, candidates)
    fixed: dict[str, float]          # metric -> the unsearched layers' cost (counted in every total)
    simulated: tuple[str, ...] = SIMULATED_METRICS   # the metrics whose values are hwsim's (re-simulated)

    def grouped(self, metric: str) -> np.ndarray:
        table = self.values[metric]
        out = np.zeros((len(self.group_names), table.shape[1]))
        np.add.at(out, self.group_index, table)
        return out

    def total(self, metric: str, group_choice: np.ndarray) -> float:
        return row_value(IlpRow(metric, self.grouped(metric), 0.0), group_choice) + self.fixed.get(metric, 0.0)

    def limit(self, budget: Budget) -> float:
        grouped = self.grouped(budget.metric)
        if budget.limit is not None:
            return budget.limit
        cheapest, dearest = grouped.min(axis=1).sum(), grouped.max(axis=1).sum()
        return float(self.fixed.get(budget.metric, 0.0) + cheapest + budget.fraction * (dearest - cheapest))


def _resolve_inputs(accelerator, workload, expand_repeats: bool):
    from hwsim.engine.evaluate import resolve_accelerator, resolve_workload

    accel = resolve_accelerator(accelerator) if accelerator is not None else None
    work = None
    if workload is not None:
        if isinstance(workload, (str, Path)):
            from hwsim.workload.load import load_workload

            work = load_workload(str(workload), expand_repeats=expand_repeats)
        else:
            work = resolve_workload(workload)
            if expand_repeats:
                from hwsim.workload.expand import expand_repeats as expand

                work = expand(work)
    return accel, work


def _problem(accel, work, sensitivity, candidates, cost_table) -> tuple[_Problem, list[str], Any]:
    notes: list[str] = []
    table = None
    if work is not None:
        layer_names = tuple(layer.name for layer in work.layers)
        if cost_table is not None:
            table = read_cost_table(cost_table, layer_names)
    elif cost_table is not None:
        table = read_cost_table(cost_table)
        layer_names = table.layer_names
    else:
        raise HwsimInputError("nothing to cost the plans with", field="WORKLOAD",
                              allowed="an accelerator and a workload, or --cost-table COSTS.csv")
    sens = read_sensitivity(sensitivity, layer_names, candidates)
    searched = sens.layers
    duplicated = sorted({layer_names[i] for i in searched if layer_names.count(layer_names[i]) > 1})
    if duplicated:
        raise HwsimInputError(f"layer names {', '.join(duplicated)} occur more than once; a plan cannot tell them "
                              "apart", field="layer", allowed="distinct layer names (--expand-repeats names repeats)")
    mixes = tuple(parse_mix(c) for c in sens.candidates)
    keys = [_candidate_key(c) for c in sens.candidates]
    values: dict[str, np.ndarray] = {OMEGA: sens.omega}
    fixed: dict[str, float] = {}
    if work is not None and accel is not None:
        names = list(layer_names)
        per_candidate = []
        default = full_default(accel)
        for mix in mixes:
            plan = _plan_for(names, _pinned(work, searched, [mix.precision] * len(searched), default),
                             f"<candidate {mix.name}>")
            per_candidate.append(evaluate_plan(accel, work, plan)[1])
        rows = np.array(searched, dtype=np.int64)
        others = np.setdiff1d(np.arange(len(names)), rows)
        for metric in SIMULATED_METRICS:
            values[metric] = np.stack([m[metric][rows] for m in per_candidate], axis=1)
            # the unsearched layers run at the accelerator's default precision in every candidate's
            # run; their cost still moves with the PE (native for the candidate's formats): the
            # dearest is counted, so a plan that meets a budget here meets it re-simulated unless the
            # plan's own mixed PE costs more (the re-simulation check)
            fixed[metric] = float(max(m[metric][others].sum() for m in per_candidate))
        fixed_names = [names[i] for i in others if work.layers[i].op.gemm_view() is not None]
        if fixed_names:
            notes.append(f"{len(fixed_names)} GEMM layers are not in the sensitivity file and keep the "
                         f"accelerator's default precision: {_some(fixed_names)}")
    elif work is not None and table is None:
        raise HwsimInputError("a workload without an accelerator has no costs", field="ACCEL",
                              allowed="an accelerator, or --cost-table COSTS.csv")
    if table is not None:
        for metric in table.metrics:
            grid = np.empty((len(searched), len(keys)))
            for r, i in enumerate(searched):
                for c, key in enumerate(keys):
                    if (i, key) not in table.values:
                        raise HwsimInputError(f"no cost for layer '{layer_names[i]}' and candidate "
                                              f"'{sens.candidates[c]}'", source=table.source, field="layer",
                                              allowed="a row for every searched layer and every candidate")
                    grid[r, c] = table.values[(i, key)][metric]
            if metric in values:
                notes.append(f"{metric}: the cost table's values replace hwsim's")
            values[metric] = grid
            fixed[metric] = 0.0
    group_names = tuple(dict.fromkeys(sens.groups))
    position = {g: k for k, g in enumerate(group_names)}
    group_index = np.array([position[g] for g in sens.groups], dtype=np.int64)
    table_metrics = set(table.metrics) if table is not None else set()
    simulated = tuple(m for m in SIMULATED_METRICS if m in values and m not in table_metrics)
    problem = _Problem(layer_names, searched, sens.candidates, mixes, group_names, group_index, values, fixed,
                       simulated)
    return problem, notes, table


def _check_metric(problem: _Problem, name: str, flag: str) -> None:
    if name not in problem.values:
        raise HwsimInputError(f"unknown metric '{name}'", field=flag, allowed=", ".join(sorted(problem.values)))


def _solve(problem: _Problem, objective: str, limits: Sequence[tuple[str, float]]) -> np.ndarray:
    rows = [IlpRow(metric, problem.grouped(metric), limit - problem.fixed.get(metric, 0.0))
            for metric, limit in limits]
    return solve_choice(problem.grouped(objective), rows)


def precision_search(accelerator=None, workload=None, *, sensitivity, candidates: Sequence[str] | None = None,
                     budgets: Iterable[Budget | str] = (), budget_fractions: Mapping[str, float] | None = None,
                     objective: str = OMEGA, cost_table=None, front: int | None = None,
                     front_metric: str | None = None, expand_repeats: bool = False,
                     check: bool = True) -> PrecisionSearchResult:
    """The per-layer precision plan minimising ``objective`` (Omega by default) under the budgets.

        >>> result = hwsim.precision_search("tpu-v1-like", "resnet50", sensitivity="sens.csv",
        ...                                 candidates=["w4a4", "w8a8"], budget_fractions={"latency_s": 0.5})
        >>> result.plan          # layer, candidate, formats, omega and costs per searched layer
        >>> open("plan.csv", "w").write(result.plan_csv())   # for hwsim run --precision plan.csv

    ``accelerator``/``workload``: presets, files or objects (costs from one uniform evaluation per
    candidate); ``cost_table``: costs measured elsewhere (path or DataFrame), alone or beside them.
    ``budgets``: ``Budget`` objects or ``"METRIC<=VALUE"`` texts; ``budget_fractions``: metric ->
    F in [0, 1]. ``front``: also solve N budgets of ``front_metric`` (default: the first
    budget's metric) from the all-cheapest to the all-dearest plan. Infeasible budgets raise
    ``HwsimInputError`` (one line). docs/precision-search.md has the formulation.
    """
    if front is not None and (isinstance(front, bool) or not isinstance(front, (int, np.integer))
                              or not 2 <= front <= MAX_FRONT_POINTS):
        raise HwsimInputError(f"--front {front!r}: not a count of budgets from 2 to {MAX_FRONT_POINTS}", field="--front",
                              allowed=f"an integer from 2 to {MAX_FRONT_POINTS} (one exact solve each)")
    if budget_fractions is not None and not isinstance(budget_fractions, Mapping):
        raise HwsimInputError(f"{type(budget_fractions).__name__} is not a mapping of metrics to fractions",
                              field="budget_fractions", allowed="{metric: F in [0, 1]}, e.g. {'latency_s': 0.5}")
    if isinstance(budgets, (str, Budget)):
        budgets = [budgets]     # one budget given alone, not iterated character by character
    for name, value in (("objective", objective), ("front_metric", front_metric)):
        if value is not None and not isinstance(value, str) or (name == "objective" and value is None):
            raise HwsimInputError(f"{value!r} is not a metric name", field=name, allowed="omega or a cost metric")
    require_flag(check, "check")
    require_flag(expand_repeats, "expand_repeats")
    objective = objective.strip().lower()
    front_metric = front_metric.strip().lower() if front_metric else None
    accel, work = _resolve_inputs(accelerator, workload, expand_repeats)
    if isinstance(candidates, str):   # iterated, 'w4a8' would be the candidates 'w', '4', 'a', '8'
        raise HwsimInputError(f"'{candidates}' is text, not a list of candidates", field="candidates",
                              allowed=f"a list of mixes, e.g. ['{candidates}']")
    problem, notes, _ = _problem(accel, work, sensitivity, candidates, cost_table)
    all_budgets = [parse_budget(b) if isinstance(b, str) else b for b in budgets]
    for metric, fraction in (budget_fractions or {}).items():
        if not isinstance(metric, str) or isinstance(fraction, (bool, np.bool_)) or not isinstance(fraction, Real):
            raise HwsimInputError(f"{metric!r}: {fraction!r}", field="budget_fractions",
                                  allowed="a metric name and a number F in [0, 1]")
    all_budgets += [Budget(m, fraction=float(f)) for m, f in (budget_fractions or {}).items()]
    for budget in all_budgets:
        if not isinstance(budget, Budget):
            raise HwsimInputError(f"{budget!r} is not a budget", field="budgets",
                                  allowed="'METRIC<=VALUE' texts or hwsim Budget objects")
    _check_metric(problem, objective, "--objective")
    metrics = [b.metric for b in all_budgets]
    twice = sorted({m for m in metrics if metrics.count(m) > 1})
    if twice:   # two limits on one metric: only the tighter would bind
        raise HwsimInputError(f"two budgets on '{twice[0]}'", field="budget", allowed="one budget per metric")
    if front_metric is not None and front is None:
        raise HwsimInputError("--front-metric names the metric of a front, and no --front is asked for",
                              field="--front-metric", allowed="--front N with --front-metric, or neither")
    for budget in all_budgets:
        _check_metric(problem, budget.metric, "--budget-fraction" if budget.fraction is not None else "--budget")
    limits = [(b.metric, problem.limit(b)) for b in all_budgets]
    simulate = check and accel is not None and work is not None

    try:
        choice, resim, rounds = _solve_checked(problem, objective, limits, accel if simulate else None, work)
    except Infeasible as exc:
        raise HwsimInputError(f"infeasible: {exc}", field="budget",
                              allowed="budgets the cheapest plan meets (a larger limit or fraction)") from None
    result = _result(problem, objective, choice, all_budgets, limits, resim, accel, work, rounds, notes)
    if front is not None:
        metric = front_metric or (all_budgets[0].metric if all_budgets else None)
        if metric is None:
            raise HwsimInputError("--front needs a metric: give --front-metric or a budget", field="--front")
        _check_metric(problem, metric, "--front-metric")
        others = [(m, lim) for m, lim in limits if m != metric]
        result = _with_front(result, _front(problem, objective, metric, int(front), others,
                                            accel if simulate else None, work))
    return result


def _solve_checked(problem: _Problem, objective: str, limits: Sequence[tuple[str, float]], accel, work
                   ) -> tuple[np.ndarray, "_Resimulated | None", int]:
    """The exact optimum of the additive program; with a simulator, re-simulated, and a budget the
    plan overshoots (its cost beyond the per-layer sums) tightened by the overshoot and solved
    again, up to MAX_CHECK_ROUNDS times: (choice per group, re-simulated totals, rounds)."""
    solver_limits = list(limits)
    resim = None
    for rounds in range(1, MAX_CHECK_ROUNDS + 1):
        choice = _solve(problem, objective, solver_limits)
        if accel is None:
            return choice, None, rounds
        resim = _resimulate(problem, accel, work, choice)
        over = [(k, resim.totals[metric] - limit) for k, (metric, limit) in enumerate(limits)
                if metric in resim.totals and not _within(resim.totals[metric], limit)]
        if not over:
            break
        for k, excess in over:  # the plan's own cost beyond the per-layer sums, charged to its budget
            metric, limit = solver_limits[k]
            solver_limits[k] = (metric, limit - excess)
    return choice, resim, rounds


def _within(value: float, limit: float) -> bool:
    return value <= limit + 1e-9 * max(abs(limit), abs(value), 1e-300)


def _layer_choice(problem: _Problem, group_choice: np.ndarray) -> np.ndarray:
    return group_choice[problem.group_index]


def _chosen_plan(problem: _Problem, group_choice: np.ndarray, work, default: Precision) -> PrecisionPlan:
    layer_choice = _layer_choice(problem, group_choice)
    chosen = [problem.mixes[c].precision for c in layer_choice]
    return _plan_for(problem.layer_names, _pinned(work, problem.searched, chosen, default), "<plan>")


@dataclass(frozen=True)
class _Resimulated:
    totals: dict[str, float]
    table: pd.DataFrame
    metrics: dict[str, np.ndarray]


def _resimulate(problem: _Problem, accel, work, group_choice: np.ndarray) -> _Resimulated:
    table, metrics = evaluate_plan(accel, work, _chosen_plan(problem, group_choice, work, full_default(accel)))
    # a metric the cost table gave is the table's: the re-simulation checks hwsim's own metrics only
    totals = {metric: float(metrics[metric].sum()) for metric in problem.simulated}
    return _Resimulated(totals, table, metrics)


def _result(problem: _Problem, objective: str, group_choice: np.ndarray, budgets: Sequence[Budget],
            limits: Sequence[tuple[str, float]], resimulated: "_Resimulated | None", accel, work, rounds: int,
            notes: list[str]) -> PrecisionSearchResult:
    layer_choice = _layer_choice(problem, group_choice)
    resim = resimulated.totals if resimulated is not None else None
    rows = np.arange(len(problem.searched))
    plan = pd.DataFrame({
        "layer": [problem.layer_names[i] for i in problem.searched],
        "group": [g if not g.startswith("\0") else "" for g in (problem.group_names[k] for k in problem.group_index)],
        "candidate": [problem.candidates[c] for c in layer_choice],
        "weights": [problem.mixes[c].weights.name for c in layer_choice],
        "activations": [problem.mixes[c].activations.name for c in layer_choice],
        "outputs": [problem.mixes[c].outputs.name for c in layer_choice],
        "kv": [problem.mixes[c].kv.name for c in layer_choice],
    })
    for metric, table in problem.values.items():
        plan[metric] = table[rows, layer_choice]
    costs = {m: problem.total(m, group_choice) for m in problem.values if m != OMEGA}
    budget_rows = []
    for budget, (metric, limit) in zip(budgets, limits):
        value = costs[metric] if metric != OMEGA else float(plan[OMEGA].sum())
        again = resim.get(metric) if resim else None
        met = _within(value, limit) and (again is None or _within(again, limit))
        budget_rows.append({"metric": metric, "stated_as": budget.text, "limit": limit, "cost": value,
                            "resimulated": np.nan if again is None else again, "met": met})
    budgets_frame = pd.DataFrame(budget_rows, columns=["metric", "stated_as", "limit", "cost", "resimulated", "met"])
    check = layer_check = None
    if resim is not None:
        table, metrics = resimulated.table, resimulated.metrics
        predicted = {m: costs[m] for m in resim}
        check = pd.DataFrame({"metric": list(resim), "per_layer_sum": [predicted[m] for m in resim],
                              "resimulated": [resim[m] for m in resim]})
        check["difference"] = check["resimulated"] - check["per_layer_sum"]
        check["relative"] = check["difference"] / check["per_layer_sum"].where(check["per_layer_sum"] != 0, np.nan)
        searched = np.array(problem.searched)
        layer_check = pd.DataFrame({"layer": plan["layer"], "candidate": plan["candidate"]})
        for metric in resim:
            layer_check[f"{metric}_candidate_run"] = plan[metric].to_numpy()
            layer_check[f"{metric}_plan_run"] = metrics[metric][searched]
        layer_check["boundary"] = _boundaries(table, searched)
        differing = [m for m in resim if abs(resim[m] - predicted[m]) > 1e-9 * abs(predicted[m])]
        if differing:
            notes.append("re-simulated plan differs from the per-layer sums in "
                         + ", ".join(f"{m} by {resim[m] - predicted[m]:+.4g}" for m in differing)
                         + " (the plan's PE is native for all its formats at once"
                         + ("; unsearched layers' cost counted at their dearest" if len(problem.searched) <
                            len(problem.layer_names) else "") + "; see the check table)")
        for metric, value in resim.items():  # the totals the plan really has: what its budgets meet
            costs[metric] = value
    if rounds > 1:
        notes.append(f"the re-simulated plan overshot a budget; solved {rounds} times with that budget "
                     "tightened by the overshoot")
    operands = ["weights", "activations", "outputs", "kv"]
    if work is not None and accel is not None:  # every layer pinned: the plan runs the same anywhere
        pinned = _pinned(work, problem.searched, [problem.mixes[c].precision for c in layer_choice],
                         full_default(accel))
        plan_file = pd.DataFrame({"layer": list(problem.layer_names),
                                  **{op: [getattr(p, op).name for p in pinned] for op in operands}})
    else:
        plan_file = plan[["layer", *operands]].copy()
    searched = set(problem.searched)
    return PrecisionSearchResult(plan, float(plan[OMEGA].sum()), objective, costs, budgets_frame, check, layer_check,
                                 tuple(n for i, n in enumerate(problem.layer_names) if i not in searched),
                                 problem.candidates, plan_file, rounds, None, tuple(notes))


def _boundaries(table: pd.DataFrame, searched: np.ndarray) -> list[str]:
    """Per searched layer: 'in' when the previous layer writes its output in another format than
    this layer reads its activations (a conversion at the boundary), '' otherwise."""
    outputs = table["output_format"].to_numpy(dtype=object)
    inputs = table["activation_format"].to_numpy(dtype=object)
    return ["in" if i > 0 and outputs[i - 1] != inputs[i] else "" for i in searched]


def _front(problem: _Problem, objective: str, metric: str, points: int, others: Sequence[tuple[str, float]],
           accel, work) -> pd.DataFrame:
    """The optimum at ``points`` budgets of ``metric`` from the all-cheapest to the all-dearest plan
    (the other budgets kept). With a simulator each plan is re-simulated and checked as the main
    plan is; a plan found at a smaller budget that beats a larger budget's (possible only through
    that check's tightening) is carried forward: it meets the larger budget too."""
    if points < 2:
        raise HwsimInputError(f"--front {points}: needs at least 2 budgets", field="--front", allowed="an integer >= 2")
    rows, best = [], None
    for fraction in np.linspace(0.0, 1.0, points):
        limit = problem.limit(Budget(metric, fraction=float(fraction)))
        row: dict[str, Any] = {"fraction": float(fraction), "budget_metric": metric, "limit": limit}
        try:
            choice, resim, _ = _solve_checked(problem, objective, [(metric, limit), *others], accel, work)
        except Infeasible:
            row["feasible"] = False
            rows.append(row)
            continue
        value = problem.total(objective, choice)
        carried = best is not None and best[0] < value
        if carried:
            value, choice, resim = best
        best = (value, choice, resim)
        row["feasible"] = True
        row[OMEGA] = problem.total(OMEGA, choice)
        for m in problem.values:
            if m != OMEGA:
                row[m] = problem.total(m, choice)
        for m, total in (resim.totals if resim else {}).items():
            row[f"{m}_resimulated"] = total
        row["carried_forward"] = carried
        row["plan"] = " ".join(problem.candidates[c] for c in _layer_choice(problem, choice))
        rows.append(row)
    return pd.DataFrame(rows)


def front_is_monotone(front: pd.DataFrame, objective: str = OMEGA) -> bool:
    """The optimum never gets worse as the budget grows (exact solves guarantee it)."""
    values = front.loc[front["feasible"], objective].to_numpy(dtype=np.float64)
    return bool(np.all(np.diff(values) <= 1e-9 * np.maximum(np.abs(values[:-1]), 1e-300)))


def _with_front(result: PrecisionSearchResult, front: pd.DataFrame) -> PrecisionSearchResult:
    from dataclasses import replace

    return replace(result, front=front)


def front_figure(front: pd.DataFrame, objective: str = OMEGA, title: str = "precision search front"):
    """Omega (the objective) against the budgeted cost, one marker per solved budget (plotly)."""
    from hwsim.plots import plotly_modules

    go, _ = plotly_modules()
    feasible = front[front["feasible"]]
    metric = str(front["budget_metric"].iloc[0])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=feasible[metric], y=feasible[objective], mode="lines+markers", name="search optimum",
                             text=[f"fraction {f:.3g}<br>{p}" for f, p in zip(feasible["fraction"], feasible["plan"])],
                             hovertemplate="%{x:.4g}, %{y:.4g}<br>%{text}<extra></extra>", line={"shape": "hv"}))
    if f"{metric}_resimulated" in feasible:
        fig.add_trace(go.Scatter(x=feasible[f"{metric}_resimulated"], y=feasible[objective], mode="markers",
                                 name="re-simulated plan", marker={"symbol": "x"}))
    fig.update_layout(title=title, xaxis_title=metric, yaxis_title=objective, template="plotly_white")
    return fig


# ---- a sweep's precision axis as a search ---------------------------------------------------------

def _with_columns(rest: pd.DataFrame, per_row: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    sub = rest.reset_index(drop=True).copy()
    for column in dict.fromkeys(k for columns in per_row for k in columns):
        sub[column] = pd.Series([columns.get(column) for columns in per_row], index=sub.index, dtype=object)
    return sub


def evaluate_search(search, accelerator, workload, points: pd.DataFrame) -> pd.DataFrame:
    """A sweep's rows for ``points`` (spec columns and ``precision`` = 'search'; hwsim/dse/
    precision_search_axis.py): on each design, the plan that minimises the objective under the
    budgets with that design's own costs (one evaluation per candidate for all the points at
    once), then one evaluation per distinct plan. Returns the summary columns of each point's
    plan and precision_omega, precision_plan, precision_met."""
    from hwsim.dse.precision import PRECISION_AXIS
    from hwsim.engine.evaluate import evaluate

    names = [layer.name for layer in workload.layers]
    sens = read_sensitivity(search.sensitivity_path, names, search.candidates)
    mixes = tuple(parse_mix(c) for c in sens.candidates)
    default = full_default(accelerator)
    rest = points.drop(columns=[PRECISION_AXIS]).reset_index(drop=True)
    count = len(rest)
    pe_types = rest["compute.pe.type"].to_numpy(dtype=object) if "compute.pe.type" in rest else [None] * count
    tables = rest["compute.pe.lut_table_format"].to_numpy(dtype=object) \
        if "compute.pe.lut_table_format" in rest else [None] * count
    contexts: dict[tuple, Any] = {}

    def context(row: int):
        key = (pe_types[row], tables[row] if pe_types[row] == "lut" else None)
        if key not in contexts:
            contexts[key] = pe_context(accelerator, *key)
        return contexts[key]

    searched = np.array(sens.layers, dtype=np.int64)
    others = np.setdiff1d(np.arange(len(names)), searched)
    per_candidate = []  # per candidate: metric -> (points, layers)
    for mix in mixes:
        planned = _plan_for(names, _pinned(workload, sens.layers, [mix.precision] * len(searched), default),
                            f"<candidate {mix.name}>").apply(workload)
        sub = _with_columns(rest, [plan_point_columns(accelerator, planned, context(r)) for r in range(count)])
        long = evaluate(accelerator, planned, sub, per_layer=True)
        grids = {m: np.empty((count, len(names))) for m in SIMULATED_METRICS}
        for point, rows in long.groupby("point", sort=True):
            metrics = _layer_metrics(planned, rows.reset_index(drop=True))
            for m in SIMULATED_METRICS:
                grids[m][int(point)] = metrics[m]
        per_candidate.append(grids)
    group_names = tuple(dict.fromkeys(sens.groups))
    position = {g: k for k, g in enumerate(group_names)}
    group_index = np.array([position[g] for g in sens.groups], dtype=np.int64)
    budgets = [Budget(m, limit=v) for m, v in search.budgets] + [Budget(m, fraction=f) for m, f in search.budget_fractions]
    choices, omegas, limits_per_point = [], [], []
    for point in range(count):
        values = {OMEGA: sens.omega}
        fixed = {}
        for m in SIMULATED_METRICS:
            values[m] = np.stack([g[m][point, searched] for g in per_candidate], axis=1)
            fixed[m] = float(max(g[m][point, others].sum() for g in per_candidate))
        problem = _Problem(tuple(names), sens.layers, sens.candidates, mixes, group_names, group_index, values, fixed)
        for flag, name in (("objective", search.objective), *(("budget", b.metric) for b in budgets)):
            if name not in values:
                raise HwsimInputError(f"unknown metric '{name}'", field=f"precision.search.{flag}",
                                      allowed=", ".join(sorted(values)))
        limits = [(b.metric, problem.limit(b)) for b in budgets]
        try:
            choice = _solve(problem, search.objective, limits)
        except Infeasible as exc:
            raise HwsimInputError(f"points row {point}: infeasible: {exc}", field="precision") from None
        choices.append(tuple(int(c) for c in choice[group_index]))
        omegas.append(float(sens.omega[np.arange(len(searched)), choice[group_index]].sum()))
        limits_per_point.append(limits)
    frames = []
    by_plan: dict[tuple, list[int]] = {}
    for point, choice in enumerate(choices):
        by_plan.setdefault(choice, []).append(point)
    for choice, rows in by_plan.items():
        planned = _plan_for(names, _pinned(workload, sens.layers, [mixes[c].precision for c in choice], default),
                            "<plan>").apply(workload)
        sub = _with_columns(rest.iloc[rows], [plan_point_columns(accelerator, planned, context(r)) for r in rows])
        frame = evaluate(accelerator, planned, sub)
        frame.index = rows
        frames.append(frame)
    out = pd.concat(frames).sort_index()
    out["precision_omega"] = omegas
    out["precision_plan"] = [" ".join(sens.candidates[c] for c in choice) for choice in choices]
    met = []
    for point, limits in enumerate(limits_per_point):
        ok = True
        for metric, limit in limits:
            if metric in out.columns:
                ok &= _within(float(out[metric].iloc[point]), limit)
            elif metric == OMEGA:
                ok &= _within(omegas[point], limit)
        met.append(bool(ok))
    out["precision_met"] = met
    return out.reset_index(drop=True)
