"""The live explorer's model side: knob values -> one design's ``--set`` line -> its results.

No Dash and no plotly here: the page's callbacks (serve_app.py) call ``simulate_design`` and draw
what it returns, and tests call it as plain Python. A knob holds text as typed; a knob left at its
base accelerator's value is not part of the ``--set`` line, so the line shown is the shortest one
that rebuilds the design with ``hwsim run BASE WORKLOAD --set ...``.

Every change goes through ``hwsim.load_accelerator`` (the spec's own validation: bad values give
its one-line error) and ``hwsim.evaluate`` (one point, ``per_layer=True``). Accelerators and
workloads are cached by their knob values, so flipping between two designs costs one evaluation.
"""

from __future__ import annotations

import functools
import math
import typing
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from hwsim.arch.spec import ComputeSpec
from hwsim.errors import HwsimInputError
from hwsim.pe import PE_TYPES as PE_SECTIONS

# where a knob's error points: the page, not a file
KNOB_SOURCE = "live explorer"


@dataclass(frozen=True)
class Knob:
    """One design knob: the dotted spec key it sets and how its text is read."""

    key: str
    label: str
    kind: str                 # "int", "float", "bandwidth", "choice"
    choices: tuple[str, ...] = ()


# the PE types hwsim models (a type's spec section in hwsim/pe/ adds it here too) and the systolic
# fabric's dataflows, both as the spec defines them
PE_TYPES = tuple(PE_SECTIONS)
DATAFLOWS = typing.get_args(ComputeSpec.model_fields["dataflow"].annotation)
# a DRAM standard knob set to this leaves the spec without one (bandwidth and pJ/bit given instead)
NO_STANDARD = "none"

DESIGN_KNOBS: tuple[Knob, ...] = (
    Knob("compute.rows", "array rows", "int"),
    Knob("compute.cols", "array cols", "int"),
    Knob("compute.dataflow", "dataflow", "choice", DATAFLOWS),
    Knob("compute.pe.type", "PE type", "choice", PE_TYPES),
    Knob("buffers.ifmap.size_kib", "ifmap buffer (KiB)", "float"),
    Knob("buffers.filter.size_kib", "filter buffer (KiB)", "float"),
    Knob("buffers.ofmap.size_kib", "ofmap buffer (KiB)", "float"),
    Knob("dram.bandwidth_gb_s", "DRAM bandwidth (GB/s)", "bandwidth"),
    Knob("dram.standard", "DRAM standard", "choice"),   # choices: dram_standards()
    Knob("clock_mhz", "clock (MHz)", "float"),
    Knob("tech_node_nm", "node (nm)", "float"),
)
KNOB_KEYS = tuple(k.key for k in DESIGN_KNOBS)
PRECISION_KNOB = "precision"
# mixes offered in the page's list (any name of hwsim.precision_mix's grammar may be typed)
SUGGESTED_MIXES = ("w8a8", "w4a8", "w4a4", "w2a8", "w4a16@g128", "w8a8kv4", "fp16", "bf16", "fp8", "mxfp4", "nvfp4")
# LLM scenarios the page offers (docs/workloads-llm.md); 'generate' is a run of many steps, not one point
LLM_PHASES = ("decode", "prefill")


def dram_standards() -> tuple[str, ...]:
    from hwsim.memory.dram import DRAM_PRESETS   # the names the spec's dram.standard accepts

    return (NO_STANDARD, *DRAM_PRESETS)


@dataclass(frozen=True)
class Scenario:
    """The workload knobs. ``phase``, ``kv_len``, ``seq_len`` and ``batch`` apply to a model
    config.json (an ``llm/...`` preset) only; other workloads take none of them."""

    name: str
    phase: str | None = None
    kv_len: int | None = None
    seq_len: int | None = None
    batch: int = 1

    @property
    def is_llm(self) -> bool:
        return is_llm_workload(self.name)

    def label(self) -> str:
        if not self.is_llm:
            return self.name
        length = f"KV {self.kv_len}" if self.phase == "decode" else f"seq {self.seq_len}"
        return f"{self.name} {self.phase} ({length}, batch {self.batch})"

    def cli_flags(self) -> str:
        if not self.is_llm:
            return ""
        length = f"--kv-len {self.kv_len}" if self.phase == "decode" else f"--seq-len {self.seq_len}"
        return f" --phase {self.phase} {length} --batch {self.batch}"


@functools.lru_cache(maxsize=256)
def is_llm_workload(name: str) -> bool:
    """A model config.json (an ``llm/...`` preset or a .json file). Cached: listing the presets
    reads a folder, a few ms that every knob change would pay."""
    from hwsim import presets

    return name in presets.llm_config_presets() or str(name).lower().endswith(".json")


@dataclass(frozen=True)
class Design:
    """One design as the page holds it: a base accelerator, knob texts (key -> text; absent or
    equal to the base's value = the base's), a precision mix (blank = the base's formats) and a
    workload scenario."""

    base: str
    knobs: tuple[tuple[str, str], ...]
    precision: str
    scenario: Scenario

    @classmethod
    def of(cls, base: str, knobs: Mapping[str, object], precision: str | None, scenario: Scenario) -> "Design":
        return cls(base, tuple((k, "" if knobs.get(k) is None else str(knobs.get(k)).strip()) for k in KNOB_KEYS),
                   (precision or "").strip(), scenario)


@dataclass(eq=False)
class DesignView:
    """What the page draws for one design."""

    design: Design
    set_lines: tuple[str, ...]
    layers: pd.DataFrame                  # hwsim.evaluate(..., per_layer=True), one point
    area_breakdown_mm2: dict[str, float]
    area_mm2: float
    peak_ops_s: float                     # derived: 2 ops per MAC x peak MACs/cycle x clock
    dram_bandwidth_bytes_s: float         # inf for 'unlimited'
    freq_mhz: float
    summary: dict[str, float] = field(default_factory=dict)

    def command(self) -> str:
        sets = "".join(f" --set {line}" for line in self.set_lines)
        return f"hwsim run {self.design.base} {self.design.scenario.name}{self.design.scenario.cli_flags()}{sets}"


# ---- reading knob text ---------------------------------------------------------------------------

def _bad(key: str, text: str, allowed: str) -> HwsimInputError:
    return HwsimInputError(f"{text!r} is not a value for this knob", source=KNOB_SOURCE, field=key, allowed=allowed)


def _number(key: str, text: str, whole: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(key, text, "a whole number" if whole else "a number") from None
    if not math.isfinite(value) or (whole and value != int(value)):
        raise _bad(key, text, "a whole number" if whole else "a finite number")
    return value


def _yaml_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def knob_value(knob: Knob, text: str) -> str:
    """The knob's text as the YAML value of a ``--set`` line; bad text is one HwsimInputError."""
    if knob.kind in ("int", "float"):
        if text == "":
            raise _bad(knob.key, text, "a whole number" if knob.kind == "int" else "a number")
        return _yaml_number(_number(knob.key, text, knob.kind == "int"))
    if knob.kind == "bandwidth":
        if text == "":
            return "null"         # derived from dram.standard (the spec's rule)
        if text.lower() == "unlimited":
            return "unlimited"
        return _yaml_number(_number(knob.key, text, False))
    choices = dram_standards() if knob.key == "dram.standard" else knob.choices
    if text not in choices:
        raise _bad(knob.key, text, ", ".join(choices))
    return "null" if (knob.key == "dram.standard" and text == NO_STANDARD) else text


def base_values(base: str) -> dict[str, str]:
    """The base accelerator's value of every knob, as the page shows it."""
    spec = _accelerator(base, ()).spec
    bandwidth = spec.dram.bandwidth_gb_s
    return {
        "compute.rows": knob_text(spec.compute.rows), "compute.cols": knob_text(spec.compute.cols),
        "compute.dataflow": str(spec.compute.dataflow), "compute.pe.type": str(spec.compute.pe.type),
        "buffers.ifmap.size_kib": knob_text(spec.buffers.ifmap.size_kib),
        "buffers.filter.size_kib": knob_text(spec.buffers.filter.size_kib),
        "buffers.ofmap.size_kib": knob_text(spec.buffers.ofmap.size_kib),
        "dram.bandwidth_gb_s": "" if bandwidth is None else knob_text(bandwidth),
        "dram.standard": spec.dram.standard or NO_STANDARD,
        "clock_mhz": knob_text(spec.clock_mhz), "tech_node_nm": knob_text(spec.tech_node_nm),
    }


def knob_text(value) -> str:
    """A spec or sweep value as a knob shows it (64.0 -> "64")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _yaml_number(float(value))


def design_set_lines(design: Design) -> tuple[str, ...]:
    """The ``--set KEY=VALUE`` lines of the design's knobs that differ from the base (the
    precision mix's columns last, as hwsim.precision_mix gives them)."""
    base = base_values(design.base)
    lines = []
    for knob, (key, text) in zip(DESIGN_KNOBS, design.knobs):
        value = knob_value(knob, text)
        if base[key] == "" and value == "null":
            continue
        if value == knob_value(knob, base[key]):
            continue
        lines.append(f"{key}={value}")
    if design.precision:
        # the mix makes the PE native for its formats on the PE the other knobs chose
        context = _accelerator(design.base, tuple(lines))
        columns = _mix_columns(design.precision, design.scenario, context)
        lines.extend(f"{key}={_yaml(value)}" for key, value in columns.items())
    return tuple(lines)


def _yaml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return str(value)


# ---- simulating --------------------------------------------------------------------------------

_CACHE_MAX = 32
_ACCELERATORS: dict[tuple, object] = {}
_WORKLOADS: dict[Scenario, object] = {}
_MIXES: dict[tuple, dict] = {}
_VIEWS: dict[Design, DesignView] = {}


def _bounded(cache: dict, key, make):
    if key not in cache:
        if len(cache) >= _CACHE_MAX:
            cache.pop(next(iter(cache)))
        cache[key] = make()
    return cache[key]


_DOCUMENTS: dict[str, tuple] = {}


def _accelerator(base: str, set_lines: tuple[str, ...]):
    """``hwsim.load_accelerator(base, set_lines)``, with the base's YAML parsed once per session.

    Why not the public call each time: it parses the base file anew, and hwsim's duplicate-key
    checking YAML loader is pure Python: 8-27 ms of the 100 ms a knob change has (profiled on the
    shared 2-core machine). The steps after the parse are load_spec's own (the same override and
    validation functions), and tests/explore/test_serve_model.py checks the results equal
    hwsim.simulate on hwsim.load_accelerator with the same --set line."""
    from hwsim.arch.accelerator import load_accelerator   # hwsim.load_accelerator (the facade is a floor up)

    def make():
        document = _base_document(base)
        if document is None:
            return load_accelerator(base, list(set_lines))
        import copy

        from hwsim.arch.accelerator import Accelerator
        from hwsim.arch.loader import apply_overrides, validate_spec

        data, source = document
        data = apply_overrides(copy.deepcopy(data), list(set_lines), source) if set_lines else copy.deepcopy(data)
        return Accelerator(validate_spec(data, source), source)

    return _bounded(_ACCELERATORS, (base, set_lines), make)


def _base_document(base: str):
    """The base spec file's parsed YAML and path; None for what load_accelerator treats specially
    (a SCALE-Sim .cfg, a file that is not a mapping)."""
    if base not in _DOCUMENTS:
        from hwsim import presets
        from hwsim.yamlio import load_yaml_file

        path = presets.resolve(base, presets.accelerator_presets(), "accelerator")
        data = load_yaml_file(path) if path.suffix.lower() in (".yaml", ".yml") else None
        _DOCUMENTS[base] = (data, str(path)) if isinstance(data, dict) else None
    return _DOCUMENTS[base]


def scenario_workload(scenario: Scenario):
    """The scenario's workload (hwsim.load_workload); LLM knobs on a non-LLM workload are refused
    by load_workload itself, so the page sends them only for config.json workloads."""
    from hwsim.workload.load import load_workload   # hwsim.load_workload

    def make():
        if not scenario.is_llm:
            return load_workload(scenario.name)
        length = {"kv_len": scenario.kv_len} if scenario.phase == "decode" else {"seq_len": scenario.seq_len}
        return load_workload(scenario.name, phase=scenario.phase, batch=scenario.batch, **length)

    return _bounded(_WORKLOADS, scenario, make)


def _mix_columns(mix: str, scenario: Scenario, accelerator) -> dict:
    from hwsim.dse.precision import precision_mix   # hwsim.precision_mix

    key = (mix, scenario, id(accelerator))
    return _bounded(_MIXES, key, lambda: precision_mix(mix, [scenario_workload(scenario)], accelerator))


def parse_scenario(name: str | None, phase: str | None, kv_len: str | None, seq_len: str | None,
                   batch: str | None) -> Scenario:
    """The workload knobs' texts as a Scenario; bad numbers are one HwsimInputError."""
    if not name:
        raise HwsimInputError("no workload chosen", source=KNOB_SOURCE, field="workload")
    if not is_llm_workload(name):
        return Scenario(name)
    if phase not in LLM_PHASES:
        raise HwsimInputError(f"{phase!r} is not an LLM phase", source=KNOB_SOURCE, field="phase",
                              allowed=", ".join(LLM_PHASES))

    def whole(field_name: str, text: str | None) -> int:
        value = _number(field_name, (text or "").strip(), True) if (text or "").strip() else None
        if value is None or value < 1:
            raise HwsimInputError(f"{text!r} is not a token count", source=KNOB_SOURCE, field=field_name,
                                  allowed="a whole number >= 1")
        return int(value)

    length = {"kv_len": whole("kv_len", kv_len)} if phase == "decode" else {"seq_len": whole("seq_len", seq_len)}
    return Scenario(name, phase, batch=whole("batch", batch), **length)


def simulate_design(design: Design) -> DesignView:
    """The design re-simulated: hwsim.evaluate on the accelerator its --set line builds, one point,
    per layer. Bad knobs raise HwsimInputError (one line) from the spec's validation or the knob's."""
    if design in _VIEWS:
        return _VIEWS[design]
    from hwsim.engine.evaluate import evaluate   # hwsim.evaluate

    lines = design_set_lines(design)
    accel = _accelerator(design.base, lines)
    layers = evaluate(accel, scenario_workload(design.scenario), per_layer=True)
    bandwidth_gb_s = float(accel.dram_bandwidth_gb_s)
    view = DesignView(design, lines, layers, dict(accel.area_breakdown_mm2), float(accel.area_mm2),
                      peak_ops_s=float(accel.peak_tops) * 1e12, dram_bandwidth_bytes_s=bandwidth_gb_s * 1e9,
                      freq_mhz=float(accel.freq_mhz))
    view.summary = _summary(view)
    return _bounded(_VIEWS, design, lambda: view)


# the energy parts of the per-layer table (docs/columns.md)
ENERGY_PARTS = ("energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj")


def _summary(view: DesignView) -> dict[str, float]:
    """Totals over the layers (each row already covers its instances and repeats)."""
    t = view.layers
    total = {c: float(np.sum(t[c].to_numpy(dtype=float))) for c in ("latency_s", "energy_pj", "macs", *ENERGY_PARTS)}
    out = {"latency_s": total["latency_s"], "energy_pj": total["energy_pj"], "area_mm2": view.area_mm2,
           "macs": total["macs"]}
    out.update({part: total[part] for part in ENERGY_PARTS})
    out["power_w"] = out["energy_pj"] * 1e-12 / out["latency_s"] if out["latency_s"] > 0 else math.nan
    out["edp_pj_s"] = out["energy_pj"] * out["latency_s"]
    return out
