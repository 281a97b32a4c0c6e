"""A design's ``hwsim run`` line and its breakdowns, re-simulated for the designs the file embeds.

A row of a sweep is a point: its swept keys are ``--set KEY=VALUE`` settings of the base
accelerator, except ``precision``, which stands for the PE and default-precision keys
``hwsim.precision_mix`` gives (native for every workload of the sweep, as the sweep's precision
axis does). Those settings are the one source of both the run line a user copies and the
re-simulation (the public functions, imported from their modules: this floor sits below the
``hwsim`` facade): ``hwsim.load_accelerator(base, settings)`` gives the area by component and the
peaks, and one ``hwsim.evaluate(base, workload, points, per_layer=True)`` per workload gives
every embedded design's per-layer latency, energy and DRAM traffic.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.explore.data import PRECISION_AXIS, ExplorerData, SweepOrigin, plain, set_text

from hwsim.explore.limits import BREAKDOWNS as DEFAULT_BREAKDOWNS, LAYER_ROW_BUDGET
# per-layer figures kept to 6 significant digits in the file (they are drawn, not summed; the
# totals are embedded at full precision)
LAYER_DIGITS = 6
# energy parts of a result (docs/columns.md), in the order the bar draws them
ENERGY_PARTS = ("compute", "sram", "dram", "leakage")
# keys a precision mix sets on a PE that is not the base's (docs/sweep-spec.md, "Precision")
_PE_CONTEXT_KEYS = ("compute.pe.type", "compute.pe.lut_table_format")


@dataclass
class DesignSettings:
    """One row's ``--set`` settings (typed), or why it has none."""

    settings: dict[str, Any]
    extra_args: list[str]      # run flags other than --set (a precision plan: --precision FILE)
    problem: str | None = None
    plan: str | None = None    # the precision plan file the row's workloads run with


class SettingsMaker:
    """Row -> settings, with the precision axis expanded once per (mix, PE type)."""

    def __init__(self, data: ExplorerData):
        self.data = data
        self.origin: SweepOrigin = data.origin
        self._mixes: dict[tuple, dict[str, Any]] = {}
        self._workloads = None
        self._plans = dict(self.origin.precision_plans)
        self._planned: dict[str, list] = {}
        self._base = None

    def _loaded_workloads(self):
        from hwsim.workload.load import load_workload

        if self._workloads is None:
            self._workloads = [load_workload(w.path, **dict(w.scenario)) for w in self.origin.workloads]
        return self._workloads

    def _mix(self, name: str, context: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
        from hwsim.arch.accelerator import load_accelerator
        from hwsim.dse.precision import precision_mix

        key = (name, context)
        if key not in self._mixes:
            sets = [f"{k}={set_text(v)}" for k, v in context if v is not None]
            accelerator = load_accelerator(self.origin.accelerator_path, sets)
            self._mixes[key] = precision_mix(name, workloads=self._loaded_workloads(), accelerator=accelerator)
        return self._mixes[key]

    def planned_workloads(self, plan: str | None) -> list:
        """The sweep's workloads, with precision plan file ``plan`` applied (None: as they are)."""
        if plan is None:
            return self._loaded_workloads()
        if plan not in self._planned:
            from hwsim.workload.precision_plan import read_precision_plan

            rules = read_precision_plan(plan)
            self._planned[plan] = [rules.apply(w) for w in self._loaded_workloads()]
        return self._planned[plan]

    def _plan_columns(self, plan: str, context: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
        """The PE columns a sweep's precision axis gives a plan file's rows (hwsim/dse/precision.py
        evaluate_precision: plan_columns over every planned workload, the base's default precision)."""
        from hwsim.arch.accelerator import load_accelerator
        from hwsim.dse.precision import pe_context, plan_columns

        key = ("plan", plan, context)
        if key not in self._mixes:
            if self._base is None:
                self._base = load_accelerator(self.origin.accelerator_path)
            values = dict(context)
            pe_type = values.get("compute.pe.type")
            table = values.get("compute.pe.lut_table_format") if pe_type == "lut" else None
            self._mixes[key] = plan_columns(self.planned_workloads(plan), self._base.default_precision,
                                            pe_context(self._base, pe_type, table))
        return self._mixes[key]

    def settings(self, row: pd.Series) -> DesignSettings:
        settings: dict[str, Any] = {}
        extra: list[str] = []
        for key in self.data.keys:
            value = plain(row[key])
            if key != PRECISION_AXIS:
                if value is not None:
                    settings[key] = value
                continue
            context = tuple((k, plain(row[k])) for k in _PE_CONTEXT_KEYS if k in row.index)
            try:
                if value in self._plans:
                    plan = self._plans[value]
                    extra = ["--precision", plan]
                    settings.update(self._plan_columns(plan, context))
                else:
                    settings.update(self._mix(str(value), context))
            except HwsimInputError as exc:
                return DesignSettings(settings, extra, f"precision {value!r}: {exc}")
        plan = extra[1] if extra else None
        return DesignSettings(settings, extra, plan=plan)


def set_arguments(settings: dict[str, Any]) -> list[str]:
    return [f"{key}={set_text(value)}" for key, value in settings.items()]


def run_line(origin: SweepOrigin, workload_index: int, design: DesignSettings) -> str:
    """``hwsim run BASE WORKLOAD [scenario flags] [--precision PLAN --native-pe] --set k=v ...``,
    quoted for a POSIX shell."""
    words = ["hwsim", "run", origin.accelerator or "BASE"]
    words += origin.workloads[workload_index].run_arguments() if origin.workloads else ["WORKLOAD"]
    words += design.extra_args
    for argument in set_arguments(design.settings):
        words += ["--set", argument]
    return shlex.join(words)


def chosen_designs(data: ExplorerData, cap: int, layers: int) -> tuple[np.ndarray, str | None]:
    """Kept rows to re-simulate: the front first, then a seeded sample of the other simulated
    rows, up to ``cap`` and the layer-row budget; and the sentence saying what was kept."""
    from hwsim.explore.data import SAMPLE_SEED

    limit = min(cap, max(1, LAYER_ROW_BUDGET // max(layers, 1))) if cap > 0 else 0
    table = data.table
    simulated = np.ones(len(table), dtype=bool)
    for flag in ("simulated",):
        if flag in table.columns:
            simulated &= table[flag].fillna(False).to_numpy(dtype=bool)
    front = np.flatnonzero(data.front & simulated)
    others = np.flatnonzero(~data.front & simulated)
    rng = np.random.default_rng(SAMPLE_SEED)
    if len(front) >= limit:
        chosen = np.sort(rng.choice(front, size=limit, replace=False)) if len(front) > limit else front
    else:
        take = min(limit - len(front), len(others))
        chosen = np.sort(np.concatenate([front, rng.choice(others, size=take, replace=False)]))
    candidates = len(front) + len(others)
    if len(chosen) == candidates:
        return chosen, None
    why = (f"the limit is {limit:,} designs" + (f" ({LAYER_ROW_BUDGET:,} layer rows at {layers:,} layers per design)"
                                               if limit < cap else "") + "; --breakdowns changes it")
    kept_front = int(data.front[chosen].sum()) if len(chosen) else 0
    return chosen, (f"Breakdowns are embedded for {len(chosen):,} of the {candidates:,} simulated designs shown: "
                    f"{kept_front:,} of the {len(front):,} front designs and a random sample (seed {SAMPLE_SEED}) "
                    f"of the others ({why}). Any other design's run line is shown when it is clicked.")


def _rounded(values: np.ndarray) -> list:
    out = []
    for v in np.asarray(values, dtype=np.float64):
        out.append(float(f"{v:.{LAYER_DIGITS}g}") if np.isfinite(v) else None)
    return out


def breakdowns(data: ExplorerData, maker: SettingsMaker, cap: int = DEFAULT_BREAKDOWNS) -> tuple[dict, list[str]]:
    """{"layers": {workload label: [layer names]}, "designs": {kept row: breakdown}} and the notes."""
    from hwsim.arch.accelerator import load_accelerator
    from hwsim.engine.evaluate import evaluate

    notes: list[str] = []
    origin = data.origin
    if cap <= 0:
        return {"layers": {}, "designs": {}}, ["No breakdowns are embedded (--breakdowns 0)."]
    if not origin.accelerator_path or not origin.workloads:
        return {"layers": {}, "designs": {}}, [
            "No breakdowns are embedded: the table does not say which accelerator and workloads made it "
            "(a sweep folder does; write_explorer(..., accelerator=, workloads=) for a DataFrame)."]
    workloads = maker._loaded_workloads()
    layer_counts = [len(w.layers) if hasattr(w, "layers") else 0 for w in workloads]
    chosen, note = chosen_designs(data, cap, sum(layer_counts) or 1)
    if note:
        notes.append(note)
    rows, settings = [], []
    skipped = 0
    for index in chosen:
        design = maker.settings(data.table.iloc[index])
        if design.problem:
            skipped += 1
            continue
        rows.append(int(index))
        settings.append(design)
    if skipped:
        notes.append(f"{skipped:,} designs have no embedded breakdown (a precision mix that could not be expanded "
                     "for their PE).")
    designs: dict[str, dict] = {}
    layer_names: dict[str, list[str]] = {}
    if not rows:
        return {"layers": layer_names, "designs": designs}, notes
    for row, design in zip(rows, settings):
        accel = load_accelerator(origin.accelerator_path, set_arguments(design.settings))
        bandwidth = accel.dram_bandwidth_gb_s
        designs[str(row)] = {
            "area_mm2": {k: float(v) for k, v in accel.area_breakdown_mm2.items()},
            "peak_ops_s": float(accel.peak_tops) * 1e12,
            "dram_bytes_s": float(bandwidth) * 1e9 if np.isfinite(bandwidth) else None,
            "workloads": {},
        }
    groups: dict[str | None, list[int]] = {}   # designs by the precision plan their workloads run with
    for position, design in enumerate(settings):
        groups.setdefault(design.plan, []).append(position)
    for (index, entry), (plan, members) in ((e, g) for e in enumerate(origin.workloads) for g in groups.items()):
        workload = maker.planned_workloads(plan)[index]
        points = _points_frame([settings[m].settings for m in members])
        long = evaluate(origin.accelerator_path, workload, points, per_layer=True)
        for p, part in long.groupby("point", sort=True):
            position = members[int(p)]
            row = rows[position]
            names = [str(n) for n in part["layer"]]
            layer_names.setdefault(entry.label, names)
            macs = part["macs"].to_numpy(dtype=np.float64)
            dram_bytes = (part["dram_reads_bits"].to_numpy(dtype=np.float64)
                          + part["dram_writes_bits"].to_numpy(dtype=np.float64)) / 8
            latency = part["latency_s"].to_numpy(dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                intensity = np.where(dram_bytes > 0, 2 * macs / dram_bytes, np.nan)
                performance = np.where(latency > 0, 2 * macs / latency, np.nan)
            record = {
                "run": run_line(origin, index, settings[position]),
                "latency_s": float(latency.sum()),
                "energy_pj": float(part["energy_pj"].sum()),
                "energy_parts_pj": {k: float(part[f"energy_{k}_pj"].sum()) for k in ENERGY_PARTS},
                "layer_latency_s": _rounded(latency),
                "layer_energy_pj": _rounded(part["energy_pj"].to_numpy()),
                "layer_intensity_ops_per_byte": _rounded(intensity),
                "layer_performance_ops_s": _rounded(performance),
            }
            if "bound" in part.columns:   # the per-layer limit, where the engine reports it
                record["layer_bound"] = [str(b) for b in part["bound"]]
            if names != layer_names[entry.label]:
                record["layer_names"] = names
            designs[str(row)]["workloads"][entry.label] = record
    return {"layers": layer_names, "designs": designs}, notes


def _points_frame(settings: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per design, one column per key any design sets (None where a design does not, as
    a sweep's precision axis fills them); list values kept whole."""
    columns = list(dict.fromkeys(k for s in settings for k in s))
    data = {}
    for column in columns:
        values = [s.get(column) for s in settings]
        if any(isinstance(v, (list, tuple)) or v is None for v in values) or \
                len({type(v) for v in values}) > 1:
            series = pd.Series(values, dtype=object)
        else:
            series = pd.Series(values)
        data[column] = series
    return pd.DataFrame(data)
