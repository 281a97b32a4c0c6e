"""The sweep spec: a YAML file (or the same mapping in Python) describing a design space.

    accelerator, workloads, aggregate, axes, constraints, derived, objectives, sampler, chunk_points

Every key is documented in docs/sweep-spec.md. Validation is as strict as an accelerator spec's:
an unknown key, a wrong type or an impossible range is one HwsimInputError naming the file and
the key and listing what is allowed. Axis *values* are checked by the engine itself, on probe
points, before a sweep starts (hwsim.dse.sweep.prepare).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwsim.dse import expr
from hwsim.dse import precision as precision_axis
from hwsim.dse import precision_search_axis as search_axis
from hwsim.dse.samplers import MAX_POINTS, SAMPLERS, SamplerSpec, sampler_spec, size as sampler_size
from hwsim.errors import HwsimInputError
from hwsim.inputs import is_path

TOP_KEYS = ("accelerator", "workloads", "aggregate", "axes", "constraints", "derived", "objectives", "sampler",
            "chunk_points")
REQUIRED_KEYS = ("accelerator", "workloads", "axes", "sampler")
# load_workload's LLM scenario arguments (docs/workloads-llm.md)
SCENARIO_KEYS = ("phase", "seq_len", "kv_len", "batch", "prompt", "new_tokens", "gemm_only", "allow_long_context",
                 "moe_routing", "mla_form")
WORKLOAD_KEYS = ("name", "label", "weight") + SCENARIO_KEYS
# scenario keys that are not integers: (type, what it is, what is allowed)
_SCENARIO_TYPES = {"phase": (str, "text", "prefill, decode, generate"),
                   "gemm_only": (bool, "true or false", "true, false"),
                   "allow_long_context": (bool, "true or false", "true, false"),
                   "moe_routing": (str, "text", "upper, expected, or a routing histogram .json (relative paths are "
                                                "read from the spec's folder)"),
                   "mla_form": (str, "text", "absorbed, naive")}
AGGREGATES = ("sum", "weighted_sum", "max")
RANGE_KEYS = ("range", "scale", "step", "count")
SCALES = ("linear", "log2")
CONSTRAINT_KEYS = ("before", "after")
OBJECTIVE_SENSES = ("min", "max")

# How a summary column combines across workloads. "design": a property of the design, the same
# for every workload (reported once); "additive": combined by the spec's aggregate (sum,
# weighted_sum or max). A summary column not listed here is reported per workload only.
COLUMN_KINDS = {"area_mm2": "design", "exceeds_reticle": "design",
                **{c: "additive" for c in ("total_cycles", "compute_cycles", "stall_cycles", "latency_s", "energy_pj",
                                           "energy_compute_pj", "energy_sram_pj", "energy_dram_pj",
                                           "energy_leakage_pj", "macs", "dram_bits")}}
# flags every row carries (docs/sweep-spec.md, "Output")
FLAG_COLUMNS = ("simulated", "feasible")

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# significant digits kept of a generated range value: 0.1 + 0.2 is written 0.3 (derived: float64
# holds 15-17; 12 leaves headroom for the arithmetic of a step)
RANGE_DIGITS = 12
# values one range may expand to (derived: 10^7 float64 = 80 MB, already a space no grid finishes)
MAX_RANGE_VALUES = 10 ** 7


@dataclass(frozen=True)
class Axis:
    """One swept spec key: its values in order, or the free axis it is tied to."""

    key: str
    values: tuple = ()
    tie: str | None = None


@dataclass(frozen=True)
class WorkloadEntry:
    name: str            # as written in the spec
    label: str           # column prefix of its results
    path: str            # the resolved file
    weight: float | None
    scenario: tuple[tuple[str, Any], ...]
    sha256: str          # of the file's bytes


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec. Build it with ``load_sweep_spec(path)`` or
    ``SweepSpec.from_mapping(data, source=..., base_dir=...)``."""

    source: str
    accelerator: str
    accelerator_path: str
    accelerator_sha256: str
    workloads: tuple[WorkloadEntry, ...]
    aggregate: str
    axes: tuple[Axis, ...]
    before: tuple[expr.Expression, ...]
    after: tuple[expr.Expression, ...]
    derived: tuple[tuple[str, expr.Expression], ...]
    objectives: tuple[tuple[str, str], ...]
    sampler: SamplerSpec
    chunk_points: int
    # the precision axis's plan files: (value as written, resolved path, sha256 of the file)
    precision_plans: tuple[tuple[str, str, str], ...] = ()
    # the precision axis as a search (hwsim/dse/precision_search_axis.py), or None
    precision_search: search_axis.SearchAxis | None = None
    _hash: str = field(default="", compare=False, repr=False)

    @classmethod
    def from_mapping(cls, data: Any, *, source: str = "<sweep spec>", base_dir: str | Path = ".") -> "SweepSpec":
        if not isinstance(source, str):
            raise HwsimInputError(f"{source!r} is not text", field="source", allowed="the spec's name, for messages")
        if not is_path(base_dir):
            raise HwsimInputError(f"{base_dir!r} is not a folder", field="base_dir",
                                  allowed="a path: relative workload and accelerator files are read from it")
        return _build(_python_values(data), source, Path(base_dir))

    @property
    def free_axes(self) -> tuple[Axis, ...]:
        return tuple(a for a in self.axes if a.tie is None)

    @property
    def lengths(self) -> tuple[int, ...]:
        return tuple(len(a.values) for a in self.free_axes)

    @property
    def points(self) -> int:
        """Point ids 0 .. points - 1 (the sampler's size)."""
        return sampler_size(self.sampler, self.lengths)

    @property
    def chunks(self) -> int:
        return -(-self.points // self.chunk_points)

    @property
    def axis_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.axes)

    @property
    def result_columns(self) -> tuple[str, ...]:
        return result_columns(self.workloads)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of a sweep's rows, in order."""
        search = search_axis.SEARCH_COLUMNS if self.precision_search is not None else ()
        return ("point_id", *self.axis_keys, *self.result_columns, *(n for n, _ in self.derived), *search,
                *FLAG_COLUMNS)

    def canonical(self) -> dict:
        """What determines the rows, in a form that serialises the same way every time."""
        return {
            "accelerator": {"name": self.accelerator, "sha256": self.accelerator_sha256},
            "workloads": [{"name": w.name, "label": w.label, "weight": w.weight, **dict(w.scenario),
                           "sha256": w.sha256} for w in self.workloads],
            "aggregate": self.aggregate,
            "axes": [[a.key, {"tie": a.tie} if a.tie else {"values": list(a.values)}] for a in self.axes],
            "constraints": {"before": [e.text for e in self.before], "after": [e.text for e in self.after]},
            "derived": [[n, e.text] for n, e in self.derived],
            "objectives": [list(o) for o in self.objectives],
            "sampler": {"kind": self.sampler.kind, "count": self.sampler.count, "seed": self.sampler.seed,
                        **({"population": self.sampler.population} if self.sampler.population is not None else {})},
            "chunk_points": self.chunk_points,
            # a plan file's content decides rows as much as a workload's (absent: hashes unchanged)
            **({"precision_plans": [list(p) for p in self.precision_plans]} if self.precision_plans else {}),
            **({"precision_search": self.precision_search.canonical()} if self.precision_search else {}),
        }

    def sha256(self) -> str:
        if not self._hash:
            text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), allow_nan=False)
            object.__setattr__(self, "_hash", hashlib.sha256(text.encode()).hexdigest())
        return self._hash


def result_columns(workloads: tuple[WorkloadEntry, ...]) -> tuple[str, ...]:
    """One workload: the engine's summary columns. Several: each workload's results as
    ``<label>.<column>``, then design columns once and the aggregate under the plain names."""
    from hwsim.engine.evaluate import SUMMARY_COLUMNS

    if len(workloads) == 1:
        return tuple(SUMMARY_COLUMNS)
    per = [f"{w.label}.{c}" for w in workloads for c in SUMMARY_COLUMNS if COLUMN_KINDS.get(c) != "design"]
    return (*per, *(c for c in SUMMARY_COLUMNS if c in COLUMN_KINDS))


def _python_values(data: Any) -> Any:
    """A mapping built in Python with numpy's scalars (np.int64(8) from an array) read as the
    Python numbers they hold, as a YAML file would give them."""
    if isinstance(data, dict):
        return {key: _python_values(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_python_values(value) for value in data]
    if type(data).__module__ == "numpy" and hasattr(data, "item") and getattr(data, "ndim", None) == 0:
        return data.item()
    return data


def load_sweep_spec(path: str | Path) -> SweepSpec:
    """A sweep spec file; relative paths inside it are read from its folder."""
    from hwsim.inputs import read_text
    from hwsim.yamlio import load_yaml_text

    if not is_path(path):
        raise HwsimInputError(f"{type(path).__name__} {path!r} is not a sweep spec file's path", field="spec",
                              allowed="a path to a sweep spec YAML")
    data = load_yaml_text(read_text(path, "the sweep spec"), str(path))
    return _build(data, str(path), Path(path).parent)


# ---- building -------------------------------------------------------------------------------------

def _fail(message: str, source: str, field: str | None = None, allowed: str | None = None) -> HwsimInputError:
    return HwsimInputError(message, source=source, field=field, allowed=allowed)


def _mapping(value: Any, source: str, field: str, allowed_keys: tuple[str, ...], hint: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(f"{_shown(value)} is not a mapping", source, field, hint)
    for key in value:
        if key not in allowed_keys:
            raise _fail(f"unknown key '{key}'", source, field, ", ".join(allowed_keys))
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _build(data: Any, source: str, base_dir: Path) -> SweepSpec:
    if not isinstance(data, dict):
        raise _fail(f"a sweep spec is a mapping of keys, not {_shown(data)}", source, allowed=", ".join(TOP_KEYS))
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(f"unknown key '{key}'", source, allowed=", ".join(TOP_KEYS))
    for key in REQUIRED_KEYS:
        if key not in data:
            raise _fail(f"no '{key}'", source, allowed=f"a sweep spec needs {', '.join(REQUIRED_KEYS)}")
    aggregate = data.get("aggregate", "sum")
    if aggregate not in AGGREGATES:
        raise _fail(f"{_shown(aggregate)} is not allowed", source, "aggregate", ", ".join(AGGREGATES))
    accelerator, accel_path, accel_hash = _accelerator(data["accelerator"], source, base_dir)
    workloads = _workloads(data["workloads"], aggregate, source, base_dir)
    axes = _axes(data["axes"], source)
    planned = None  # the precision axis as a search
    if search_axis.is_search(data["axes"].get(precision_axis.PRECISION_AXIS)):
        planned = search_axis.parse_search_axis(data["axes"][precision_axis.PRECISION_AXIS], source, base_dir)
        if len(workloads) != 1:
            raise _fail("a precision search axis plans the layers of one workload", source, "workloads",
                        "one workload with a precision search axis")
        for axis in axes:
            if axis.key in precision_axis.SET_KEYS or axis.tie == precision_axis.PRECISION_AXIS:
                raise _fail("the precision search sets this key on every point", source, f"axes.{axis.key}",
                            "either the precision axis or axes on " + ", ".join(precision_axis.SET_KEYS))
    plans = _precision_axis(axes, source, base_dir) if planned is None else ()
    sampler = sampler_spec(data["sampler"], source)
    lengths = tuple(len(a.values) for a in axes if a.tie is None)
    search = SAMPLERS[sampler.kind].search
    if sampler.kind == "grid" or search:  # a search's point ids are grid ids
        total = math.prod(lengths)
        if total > MAX_POINTS:
            raise _fail(f"the grid has {total:.3g} points", source, "axes", "at most 2^62 (point ids are int64)")
        if search and sampler.count > total:
            raise _fail(f"count {sampler.count} is more than the {total} designs of the space (a search evaluates "
                        "distinct designs)", source, "sampler.count", f"at most {total}, or kind: grid")
    if search and "chunk_points" in data:
        raise _fail("a search evaluates one generation per chunk", source, "chunk_points",
                    "no chunk_points with a search sampler; sampler.population sets a generation's size")
    chunk_points = sampler.population if search else _chunk_points(data.get("chunk_points"), source)
    axis_keys = tuple(a.key for a in axes)
    before, after = _constraints(data.get("constraints", {}), axis_keys, workloads, source)
    derived = _derived(data.get("derived", {}), axis_keys, workloads, source)
    known = {*axis_keys, *result_columns(workloads), *(n for n, _ in derived),
             *(search_axis.SEARCH_COLUMNS if planned is not None else ())}
    after = tuple(_parse(text, f"constraints.after[{i}]", True, known, source) for i, text in enumerate(after))
    text_axes = {a.key for a in axes if any(isinstance(v, str) for v in a.values)}
    objectives = _objectives(data.get("objectives", {}), known, text_axes, source)
    if search and not objectives:
        raise _fail(f"a {sampler.kind} search needs objectives to optimise", source, "objectives",
                    "result columns mapped to min or max, e.g. {latency_s: min, energy_pj: min}")
    return SweepSpec(source, accelerator, accel_path, accel_hash, workloads, aggregate, axes, before, after,
                     derived, objectives, sampler, chunk_points, plans, planned)


def _resolve(name: str, base_dir: Path, found: dict[str, Path], what: str, source: str, field: str) -> Path:
    """A spec-relative file first, then a preset of that name (then the error presets.resolve gives)."""
    from hwsim import presets

    beside = base_dir / name
    if beside.is_file():
        return beside
    try:
        return presets.resolve(str(beside) if Path(name).suffix else name, found, what)
    except HwsimInputError as exc:
        raise _fail(exc.message + (" (relative paths are read from the spec's folder)" if Path(name).suffix else ""),
                    source, field, exc.allowed) from None


def _accelerator(value: Any, source: str, base_dir: Path) -> tuple[str, str, str]:
    from hwsim import presets
    from hwsim.arch.accelerator import load_accelerator

    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{_shown(value)} is not an accelerator", source, "accelerator",
                    "a preset name (hwsim list) or a spec file path")
    path = _resolve(value, base_dir, presets.accelerator_presets(), "accelerator", source, "accelerator")
    try:
        spec = load_accelerator(str(path)).spec
    except HwsimInputError as exc:
        raise _fail(f"{exc}", source, "accelerator") from None
    dumped = json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True, default=str)
    return value, str(path), hashlib.sha256(dumped.encode()).hexdigest()


def _default_label(name: str, phase: Any) -> str:
    stem = Path(name).stem if Path(name).suffix else name.rsplit("/", 1)[-1]
    label = re.sub(r"[^A-Za-z0-9_]", "_", stem) + (f"_{phase}" if isinstance(phase, str) else "")
    return label if _LABEL.match(label) else f"w_{label}"


def _workloads(value: Any, aggregate: str, source: str, base_dir: Path) -> tuple[WorkloadEntry, ...]:
    from hwsim import presets
    from hwsim.workload.load import load_workload

    if not isinstance(value, list) or not value:
        raise _fail(f"{_shown(value)} is not a list of workloads", source, "workloads",
                    "a list of {name: ...} entries (or names)")
    found = presets.all_workload_presets()
    entries, labels = [], {}
    for i, item in enumerate(value):
        where = f"workloads[{i}]"
        if isinstance(item, str):
            item = {"name": item}
        item = _mapping(item, source, where, WORKLOAD_KEYS, "a preset name or {name: ..., phase: ..., ...}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail("no name" if name is None else f"{_shown(name)} is not a workload name", source,
                        f"{where}.name", "a preset name (hwsim list), a trace or model file, or llm/<model>")
        weight = item.get("weight")
        if aggregate == "weighted_sum":
            if not _is_number(weight) or not math.isfinite(weight) or weight <= 0:
                raise _fail("no weight" if weight is None else f"{_shown(weight)} is not a weight", source,
                            f"{where}.weight", "a number > 0 on every workload (aggregate: weighted_sum)")
            weight = float(weight)
        elif weight is not None:
            raise _fail(f"a weight is used only by aggregate: weighted_sum (this spec aggregates by {aggregate})",
                        source, f"{where}.weight", "no weight, or aggregate: weighted_sum")
        scenario = tuple((k, item[k]) for k in SCENARIO_KEYS if k in item)
        for key, given in scenario:
            # the loader reads truthiness and integers loosely; YAML's yes/1/true must not blur
            wanted, kind, allowed = _SCENARIO_TYPES.get(key, (int, "an integer", "an integer >= 1"))
            if type(given) is not wanted:
                raise _fail(f"{_shown(given)} is not {kind}", source, f"{where}.{key}", allowed)
        path = _resolve(name, base_dir, found, "workload", source, f"{where}.name")
        routing = _routing_file(dict(scenario).get("moe_routing"), base_dir)
        if routing is not None:
            # the histogram is read where the spec is, and is part of the workload's identity
            scenario = tuple((k, str(routing) if k == "moe_routing" else v) for k, v in scenario)
        try:
            load_workload(str(path), **dict(scenario))
        except HwsimInputError as exc:
            field = f"{where}.{exc.field}" if exc.field in SCENARIO_KEYS else f"{where}"
            message = exc.message
            given = dict(scenario).get("moe_routing")
            if exc.field == "moe_routing" and routing is None and isinstance(given, str) and Path(given).suffix:
                message += f" ({given}: relative paths are read from the spec's folder)"
            raise _fail(message, source, field, exc.allowed) from None
        except TypeError:
            raise _fail("a scenario value has the wrong type", source, where,
                        "phase: prefill|decode|generate; seq_len, kv_len, batch, prompt, new_tokens: integers; "
                        "gemm_only, allow_long_context: true|false; moe_routing, mla_form: text") from None
        label = item.get("label", _default_label(name, item.get("phase")))
        if not isinstance(label, str) or not _LABEL.match(label):
            raise _fail(f"{_shown(label)} is not a label", source, f"{where}.label",
                        "letters, digits and _ (not first a digit): it prefixes the workload's result columns")
        if label in labels:
            raise _fail(f"label '{label}' is also workloads[{labels[label]}]'s", source, f"{where}.label",
                        "a distinct label per workload (set label: ...)")
        labels[label] = i
        content = Path(path).read_bytes() + (routing.read_bytes() if routing is not None else b"")
        digest = hashlib.sha256(content).hexdigest()
        entries.append(WorkloadEntry(name, label, str(path), weight, scenario, digest))
    return tuple(entries)


def _routing_file(value: Any, base_dir: Path) -> Path | None:
    """A workload's moe_routing histogram file, read from the spec's folder (None: a routing model
    such as 'upper', or no routing given; the loader refuses what is neither)."""
    from hwsim.workload.moe_routing import MODELS

    if not isinstance(value, str) or value in MODELS:
        return None
    beside = base_dir / value
    return beside.resolve() if beside.is_file() else None


def _axes(value: Any, source: str) -> tuple[Axis, ...]:
    from hwsim.arch.loader import spec_key_exists

    if not isinstance(value, dict) or not value:
        raise _fail(f"{_shown(value)} is not a mapping of axes", source, "axes",
                    "spec keys (as --set takes them) mapped to a list, {range: ...} or {tie: KEY}")
    axes = []
    for key, spec in value.items():
        where = f"axes.{key}"
        if key == precision_axis.PRECISION_AXIS:
            if search_axis.is_search(spec):  # checked by _build: one value, the search
                axes.append(Axis(key, (search_axis.SEARCH_VALUE,)))
                continue
            if not isinstance(spec, list):
                raise _fail(f"{_shown(spec)} is not a list of precisions", source, where, precision_axis.GRAMMAR)
            axes.append(Axis(key, _list_values(spec, source, where)))
            continue
        if not isinstance(key, str) or not spec_key_exists(key):
            raise _fail(f"no spec field '{key}'", source, where,
                        "dotted spec keys as --set takes them, e.g. compute.rows, buffers.ifmap.size_kib")
        if isinstance(spec, list):
            axes.append(Axis(key, _list_values(spec, source, where)))
        elif isinstance(spec, dict) and "tie" in spec:
            _mapping(spec, source, where, ("tie",), "{tie: KEY}")
            axes.append(Axis(key, tie=spec["tie"]))
        elif isinstance(spec, dict) and "range" in spec:
            axes.append(Axis(key, _range_values(key, _mapping(spec, source, where, RANGE_KEYS, ""), source, where)))
        else:
            raise _fail(f"{_shown(spec)} is not an axis", source, where,
                        "a list of values, {range: [low, high], scale: linear|log2, step|count: ...} or {tie: KEY}")
    free = {a.key for a in axes if a.tie is None}
    for axis in axes:
        if axis.tie is not None and axis.tie not in free:
            why = "itself" if axis.tie == axis.key else (
                "a tied axis" if axis.tie in {a.key for a in axes} else "not an axis of this spec")
            raise _fail(f"tie to {_shown(axis.tie)}: {why}", source, f"axes.{axis.key}",
                        f"a swept (untied) axis: {', '.join(sorted(free)) or 'none'}")
    return tuple(axes)


def _precision_axis(axes: tuple[Axis, ...], source: str, base_dir: Path) -> tuple[tuple[str, str, str], ...]:
    """The precision axis's values checked (mix names parsed, plan files read) and its plan
    files; the keys it sets are refused as axes beside it, and nothing ties to it."""
    name = precision_axis.PRECISION_AXIS
    keys = {a.key: a for a in axes}
    if name not in keys:
        return ()
    for axis in axes:
        if axis.tie == name:
            raise _fail("tie to precision: its values are mix names, which no spec key takes", source,
                        f"axes.{axis.key}", "a tie to a spec key's axis")
        if axis.key in precision_axis.SET_KEYS:
            raise _fail("the precision axis sets this key on every point", source, f"axes.{axis.key}",
                        "either the precision axis or axes on " + ", ".join(precision_axis.SET_KEYS))
    plans = []
    mixes: dict[str, str] = {}
    for value in keys[name].values:
        try:
            if precision_axis.is_plan(value):
                plans.append(precision_axis.read_plan(value, base_dir))
            else:
                canonical = precision_axis.parse_mix(value).name.strip().lower()   # names are case-blind
                if canonical in mixes:   # W8A8 and w8a8 are one mix: the same points twice
                    raise _fail(f"{_shown(value)} is the mix {_shown(mixes[canonical])} again", source,
                                f"axes.{name}", "distinct mixes")
                mixes[canonical] = value
        except HwsimInputError as exc:
            raise _fail(exc.message, source, f"axes.{name}", exc.allowed) from None
    return tuple(plans)


def _list_values(values: list, source: str, where: str) -> tuple:
    if not values:
        raise _fail("an axis with no values", source, where, "a list of at least one value")
    kinds = set()
    for v in values:
        if isinstance(v, bool):
            kinds.add("boolean")
        elif _is_number(v):
            if not math.isfinite(v):
                raise _fail(f"{v} is not a finite number", source, where, "finite numbers, text or booleans")
            kinds.add("number")
        elif isinstance(v, str):
            kinds.add("text")
        else:
            raise _fail(f"{_shown(v)} is not an axis value", source, where,
                        "numbers, text or booleans (one kind per axis)")
    if len(kinds) > 1:
        raise _fail(f"values of mixed kinds ({', '.join(sorted(kinds))})", source, where,
                    "one kind per axis: numbers, text or booleans")
    seen = set()
    for v in values:
        if v in seen:
            raise _fail(f"{_shown(v)} is listed twice", source, where, "distinct values")
        seen.add(v)
    return tuple(values)


def _range_values(key: str, spec: dict, source: str, where: str) -> tuple:
    from hwsim.arch.loader import field_range

    bounds, scale = spec["range"], spec.get("scale", "linear")
    if not isinstance(bounds, list) or len(bounds) != 2 or not all(_is_number(b) and math.isfinite(b)
                                                                   for b in bounds):
        raise _fail(f"range {_shown(bounds)} is not [low, high]", source, f"{where}.range", "two finite numbers")
    low, high = float(bounds[0]), float(bounds[1])
    if low > high:
        raise _fail(f"range [{bounds[0]}, {bounds[1]}] runs backwards", source, f"{where}.range", "low <= high")
    if scale not in SCALES:
        raise _fail(f"{_shown(scale)} is not a scale", source, f"{where}.scale", ", ".join(SCALES))
    step, count = spec.get("step"), spec.get("count")
    if step is not None and count is not None:
        raise _fail("both step and count", source, where, "one of step or count")
    if scale == "log2" and low <= 0:
        raise _fail(f"a log2 range starts at {bounds[0]}", source, f"{where}.range", "low > 0 on a log2 scale")
    if step is not None and (not _is_number(step) or not math.isfinite(step) or step <= 0):
        raise _fail(f"{_shown(step)} is not a step", source, f"{where}.step",
                    "a number > 0" + (" (doublings per step)" if scale == "log2" else ""))
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1
                              or (count == 1 and low != high)):
        raise _fail(f"{_shown(count)} is not a count", source, f"{where}.count",
                    "an integer >= 2 (1 when low == high)")
    if scale == "linear" and step is None and count is None:
        raise _fail("a linear range needs step or count", source, where,
                    "step (a number > 0) or count (values from low to high, ends included)")
    if count is not None and count > MAX_RANGE_VALUES:
        raise _fail(f"count {count}", source, f"{where}.count", "at most 10^7 values per axis")
    if count is not None:
        if count == 1:
            raw = [low]
        elif scale == "linear":
            raw = [low + (high - low) * i / (count - 1) for i in range(count)]
        else:
            ratio = math.log2(high / low)
            raw = [low * 2 ** (ratio * i / (count - 1)) for i in range(count)]
    else:
        step = 1.0 if step is None else float(step)
        span = (high - low) / step if scale == "linear" else math.log2(high / low) / step
        n = round(span)
        if abs(span - n) > 1e-9 * max(1.0, abs(span)):
            unit = f"step {step:g}" if scale == "linear" else f"{step:g} doubling(s) per step"
            raise _fail(f"range [{bounds[0]}, {bounds[1]}] does not end on a step ({unit} from {bounds[0]})", source,
                        where, "a high end a whole number of steps from the low end, or count")
        if n + 1 > MAX_RANGE_VALUES:
            raise _fail(f"the range has {n + 1} values", source, where, "at most 10^7 values per axis")
        raw = [low + step * i if scale == "linear" else low * 2 ** (step * i) for i in range(n + 1)]
    values = [float(f"{v:.{RANGE_DIGITS}g}") for v in raw]
    try:
        limits = field_range(key)
    except KeyError:
        limits = None
    if limits is not None and limits.integer:
        bad = [v for v in values if v != int(v)]
        if bad:
            raise _fail(f"the range gives {bad[0]:g}, not an integer, for an integer key", source, where,
                        "integer values: a step, a count that lands on integers, or a list")
        values = [int(v) for v in values]
    if len(set(values)) != len(values):
        raise _fail("the range repeats values", source, where, "distinct values")
    return tuple(values)


def _chunk_points(value: Any, source: str) -> int:
    if value is None:
        from hwsim.engine.evaluate import SUMMARY_CHUNK_POINTS

        return SUMMARY_CHUNK_POINTS
    # a chunk is at most the largest space (MAX_POINTS, the grid's 2^62 ids: point ids are int64)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS:
        raise _fail(f"{_shown(value)} is not allowed", source, "chunk_points",
                    "an integer >= 1 and <= 2^62 (no space holds more points: point ids are int64)")
    return value


def _constraints(value: Any, axis_keys: tuple[str, ...], workloads, source: str):
    value = _mapping(value, source, "constraints", CONSTRAINT_KEYS, "{before: [...], after: [...]}")
    lists = {}
    for part in CONSTRAINT_KEYS:
        items = value.get(part, [])
        if not isinstance(items, list):
            raise _fail(f"{_shown(items)} is not a list", source, f"constraints.{part}",
                        "a list of comparisons, e.g. [\"compute.rows * compute.cols <= 16384\"]")
        lists[part] = items
    before = []
    for i, text in enumerate(lists["before"]):
        before.append(_parse(text, f"constraints.before[{i}]", True, set(axis_keys), source,
                             f"the axes' keys ({', '.join(axis_keys)}); before simulation nothing else is known"))
    # parsed once the derived columns are known (_build)
    return tuple(before), tuple(lists["after"])


def _parse(text: Any, where: str, comparison: bool, names: set[str] | None, source: str, hint: str = ""):
    try:
        return expr.parse(text, where, comparison=comparison, names=names, allowed_hint=hint)
    except HwsimInputError as exc:
        raise exc.with_source(source) from None


def _derived(value: Any, axis_keys, workloads, source: str) -> tuple[tuple[str, expr.Expression], ...]:
    if not isinstance(value, dict):
        raise _fail(f"{_shown(value)} is not a mapping", source, "derived",
                    "column names mapped to expressions, e.g. {edp_pj_s: \"energy_pj * latency_s\"}")
    known = {*axis_keys, *result_columns(workloads)}
    out = []
    for name, text in value.items():
        where = f"derived.{name}"
        # every column a row has is taken: the point's id, its flags, a precision search's columns
        if (not isinstance(name, str) or not _LABEL.match(name) or name in known or name in FLAG_COLUMNS
                or name in ("point_id", "precision_omega", "precision_plan", "precision_met")):
            raise _fail(f"{_shown(name)} cannot name a derived column", source, where,
                        "a new name of letters, digits and _ (with its unit, e.g. edp_pj_s)")
        out.append((name, _parse(text, where, False, set(known), source)))
        known.add(name)
    return tuple(out)


def _objectives(value: Any, known: set[str], text_axes: set[str], source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise _fail(f"{_shown(value)} is not a mapping", source, "objectives",
                    "result columns mapped to min or max, e.g. {latency_s: min, energy_pj: min}")
    out = []
    for column, sense in value.items():
        if column not in known:
            raise _fail(f"no column '{column}'", source, f"objectives.{column}", ", ".join(sorted(known)))
        if column in text_axes:   # a front needs an order: text values have none
            raise _fail(f"'{column}' takes text values, which cannot be minimised or maximised", source,
                        f"objectives.{column}", ", ".join(sorted(known - text_axes)))
        if sense not in OBJECTIVE_SENSES:
            raise _fail(f"{_shown(sense)} is not allowed", source, f"objectives.{column}", "min, max")
        out.append((column, sense))
    return tuple(out)
