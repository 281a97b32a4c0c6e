"""Precision as one sweep axis: named mixes and per-layer plan files, each with a PE native for it.

A mix name stands for one precision per operand (docs/sweep-spec.md, "Precision"):

    w<W>a<A>[@g<G>[:<scale>]][kv<K>]   INT weights and activations: W, A, K in 1..8 (int<bits>) or
                                       16 (fp16); @g<G>: the weights scaled per group of G (the
                                       group scale hwsim's default, or the one after ':')
    <named>[kv<K>]                     fp32, fp16, bf16, fp8 (= fp8_e4m3), fp8_e4m3, fp8_e5m2,
                                       mxfp8, mxfp6, mxfp4, nvfp4, mxint8 on every operand;
                                       int8 (= w8a8), int4 (= w4a4)
    kv<K>                              the KV-cache format: K in 1..8, 16, or fp8, fp16, bf16;
                                       without it the KV cache is kept in the activation format

Outputs are written in the activation format (the next layer reads them as its activations).

A mix becomes the point columns ``hwsim.evaluate`` takes: ``default_precision.*`` and the PE's
``compute.pe.weights`` / ``activations`` / ``accumulator`` (plus, for a MAC PE, no conversions
and no Bit Fusion decomposition for non-INT formats), so that the PE runs every format the
workloads use natively, exactly as ``hwsim run --native-pe`` makes it (``native_pe_settings``
is that rule, shared with the CLI). A plan file (hwsim's per-layer precision CSV) is applied to
each workload instead, and the PE is made native for the formats that result.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from hwsim.errors import HwsimInputError
from hwsim.formats import MAX_INT_BITS, BlockFormat, IntFormat, NumberFormat, Precision, parse_format
from hwsim.tech.arith import is_integer_like

PRECISION_AXIS = "precision"
PLAN_SUFFIX = ".csv"

# the spec keys a precision value sets on every point (a sweep refuses them as axes beside it)
PE_KEYS = ("compute.pe.weights", "compute.pe.activations", "compute.pe.accumulator")
MAC_ONLY_KEYS = ("compute.pe.conversions", "compute.pe.decomposable")
DEFAULT_KEYS = tuple(f"default_precision.{op}" for op in ("weights", "activations", "outputs", "kv"))
SET_KEYS = (*PE_KEYS, *MAC_ONLY_KEYS, *DEFAULT_KEYS)

GRAMMAR = ("a mix w<W>a<A>[@g<G>][kv<K>] (bits 1..8 = INT, 16 = fp16; e.g. w8a8, w4a8, w4a4, w4a16@g128, "
           "w4a8kv8), a named mix (fp32, fp16, bf16, fp8, fp8_e4m3, fp8_e5m2, mxfp8, mxfp6, mxfp4, nvfp4, "
           "mxint8, int8, int4; each may end in kv<K>, e.g. fp16kv8), or a precision plan file (.csv)")

# the smallest INT accumulator a native PE gets (derived: an 8 x 8-bit product summed over up to
# 2^16 terms fits in 16 + 16 = 32 bits, the width every INT8 accelerator preset uses)
MIN_INT_ACCUMULATOR_BITS = 32
# every FP or block format is accumulated in fp32 (derived: fp32 holds the exponent range and
# significand of every FP operand format hwsim names, fp32 itself included: check_accumulator_width)
FP_ACCUMULATOR = "fp32"

_NAMED = {"fp32": "fp32", "fp16": "fp16", "bf16": "bf16", "fp8": "fp8_e4m3", "fp8_e4m3": "fp8_e4m3",
          "fp8_e5m2": "fp8_e5m2", "mxfp8": "mxfp8", "mxfp6": "mxfp6", "mxfp4": "mxfp4", "nvfp4": "nvfp4",
          "mxint8": "mxint8", "int8": "int8", "int4": "int4"}
_KV = r"(?:kv(?P<kv>\d+|fp8|fp16|bf16))?"
_INT_MIX = re.compile(r"^w(?P<w>\d+)a(?P<a>\d+)(?:@g(?P<group>\d+)(?::(?P<scale>[a-z0-9_]+?))?)?" + _KV + "$")
_NAMED_MIX = re.compile(r"^(?P<named>" + "|".join(sorted(_NAMED, key=len, reverse=True)) + ")" + _KV + "$")
_FP_BITS = {16: "fp16"}   # 16 in a mix name is the fp16 baseline (w4a16 = INT4 weights, FP16 activations)
_KV_NAMED = {"fp8": "fp8_e4m3", "fp16": "fp16", "bf16": "bf16"}


@dataclass(frozen=True)
class Mix:
    """One precision per operand, as a mix name spells it."""

    name: str
    weights: NumberFormat
    activations: NumberFormat
    outputs: NumberFormat
    kv: NumberFormat

    @property
    def precision(self) -> Precision:
        return Precision(self.weights, self.activations, self.outputs, self.kv)


def _bad(name: Any, why: str = "") -> HwsimInputError:
    return HwsimInputError(f"{name!r} is not a precision mix{': ' + why if why else ''}", field=PRECISION_AXIS,
                           allowed=GRAMMAR)


def _bits_format(bits: str, name: str) -> str:
    value = int(bits)
    if value in _FP_BITS:
        return _FP_BITS[value]
    if 1 <= value <= 8:
        return f"int{value}"
    raise _bad(name, f"{value} bits (1..8 for INT, 16 for fp16)")


def parse_mix(name: Any) -> Mix:
    """A mix name (module docstring) as one format per operand; anything else is one error line
    listing the grammar."""
    if not isinstance(name, str):
        raise _bad(name)
    text = name.strip().lower()
    match = _INT_MIX.match(text)
    if match:
        weights = _bits_format(match["w"], name)
        activations = _bits_format(match["a"], name)
        if match["group"] is not None:
            if not weights.startswith("int"):
                raise _bad(name, "a group scale (@g) is for INT weights")
            weights += f"@g{match['group']}" + (f":{match['scale']}" if match["scale"] else "")
    else:
        match = _NAMED_MIX.match(text)
        if not match:
            raise _bad(name)
        weights = activations = _NAMED[match["named"]]
    kv = match["kv"]
    kv_name = activations if kv is None else (_KV_NAMED[kv] if kv in _KV_NAMED else _bits_format(kv, name))
    try:
        w, a, k = parse_format(weights), parse_format(activations), parse_format(kv_name)
    except HwsimInputError as exc:
        raise _bad(name, exc.message) from None
    return Mix(name, w, a, a, k)


def is_plan(value: Any) -> bool:
    return isinstance(value, str) and value.lower().endswith(PLAN_SUFFIX)


def read_plan(value: str, base_dir: Path) -> tuple[str, str, str]:
    """A plan file named on a precision axis (relative: from the spec's folder), parsed to check
    it: (the value as written, its path, the sha256 of its bytes)."""
    from hwsim.workload.precision_plan import read_precision_plan

    path = Path(value) if Path(value).is_absolute() else base_dir / value
    if not path.is_file():
        raise HwsimInputError(f"precision plan {value!r}: no such file (relative paths are read from the spec's "
                              "folder)", field=PRECISION_AXIS, allowed=GRAMMAR)
    try:
        read_precision_plan(path)
    except HwsimInputError as exc:
        where = f" field '{exc.field}'" if exc.field else ""
        raise HwsimInputError(f"precision plan {value!r}{where}: {exc.message}", field=PRECISION_AXIS,
                              allowed=exc.allowed) from None
    return value, str(path), hashlib.sha256(path.read_bytes()).hexdigest()


# ---- the native PE (shared with `hwsim run --native-pe`) ------------------------------------------

def native_formats(workloads: Iterable, default: Precision, override: Precision | None = None
                   ) -> tuple[dict[str, NumberFormat], dict[str, NumberFormat]]:
    """The formats each GEMM of ``workloads`` runs at, as the engine resolves them (the layer's
    own, then ``override``, then ``default``): B operands (weights, or the KV cache for attention
    matmuls) and activations, by name."""
    b_formats, a_formats = {}, {}
    for workload in workloads:
        for layer in workload.layers:
            view = layer.op.gemm_view()
            if view is None:
                continue
            p = layer.precision.overridden_by(override) if override is not None else layer.precision
            p = p.filled_from(default)
            b = p.kv if view.b_operand == "kv" else p.weights
            b_formats[b.name] = b
            a_formats[p.activations.name] = p.activations
    return b_formats, a_formats


def _group_scaled_int(fmt: NumberFormat) -> bool:
    return isinstance(fmt, BlockFormat) and isinstance(fmt.element, IntFormat) and fmt.alias is None


def _integer_element(fmt: NumberFormat) -> bool:
    if _group_scaled_int(fmt):
        return is_integer_like(fmt.scale)
    return is_integer_like(fmt)


def native_pe_settings(pe_type: str, b_formats: Iterable[NumberFormat], a_formats: Iterable[NumberFormat], *,
                       table_format: NumberFormat | None = None, decomposable: bool = False) -> dict[str, Any]:
    """The ``compute.pe`` keys of a ``pe_type`` PE that runs ``b_formats`` (weights and KV) x
    ``a_formats`` natively, as typed values (lists of names, a name, a bool):

    * weights and activations: the formats themselves; a MAC PE declares a group-scaled INT
      weight by its element (it strips the group and charges the scale per group), the other PE
      types declare the group format (it sizes their dequantisation unit);
    * accumulator: INT when every element is INT (and every group scale integer), int32 or the
      widest need if wider (a MAC: W + A product bits; shift-add: + log2 of the group; LUT:
      table + W - 1 bits); fp32 otherwise. A LUT PE accumulates its table entries, so its
      accumulator follows ``table_format`` (its ``lut_table_format``), not the activations;
    * a MAC PE: no conversions, and no Bit Fusion decomposition unless every format is INT (then
      ``decomposable`` is kept).
    """
    b_list, a_list = list(b_formats), list(a_formats)
    if not b_list or not a_list:
        raise HwsimInputError("no GEMM to make the PE native for", field="compute.pe",
                              allowed="workloads with at least one GEMM, conv or matmul")
    if pe_type == "mac":
        fp_scaled = [f for f in b_list if _group_scaled_int(f) and not is_integer_like(f.scale)]
        int_a = [f for f in a_list if is_integer_like(f)]
        if fp_scaled and int_a:
            # the MAC PE sums INT x INT products in an INT accumulator and applies group scales on
            # the accumulator (hwsim/pe/mac.py): an FP scale needs an FP one, which INT products never get
            raise HwsimInputError(f"{fp_scaled[0].name} weights with {int_a[0].name} activations: a MAC PE sums "
                                  "INT x INT products in an INT accumulator, on which hwsim applies no FP group "
                                  "scale", field="compute.pe",
                                  allowed=f"an integer group scale ({fp_scaled[0].element.name}@g"
                                          f"{fp_scaled[0].block_size}:uint8), FP activations (e.g. fp16), or a "
                                          "dequantising compute.pe.conversions entry on the preset")
        declared_b = {(f.element if _group_scaled_int(f) else f).name: f for f in b_list}
    else:
        declared_b = {f.name: f for f in b_list}
    all_int = all(_integer_element(f) for f in (*b_list, *a_list))
    widest_b = max(f.element_bits for f in b_list)
    widest_a = max(f.element_bits for f in a_list)
    if pe_type == "lut":
        if table_format is None:
            raise HwsimInputError("a LUT PE needs its lut_table_format to pick an accumulator", field="compute.pe")
        int_acc = is_integer_like(table_format)
        need = table_format.bits + widest_b - 1 if int_acc else 0
    else:
        int_acc = all_int
        need = widest_b + widest_a
        if pe_type == "shiftadd":
            groups = [f.block_size for f in b_list if isinstance(f, BlockFormat)]
            need += math.ceil(math.log2(max(groups))) if groups else 0
    if int_acc and math.ceil(need) > MAX_INT_BITS:
        # the widest INT accumulator hwsim has is int32 (hwsim/formats.py): a wider sum has no format
        raise HwsimInputError(f"{widest_b:g}-bit weights with {widest_a:g}-bit activations need a "
                              f"{math.ceil(need)}-bit INT accumulator, wider than int{MAX_INT_BITS}",
                              field="compute.pe",
                              allowed=f"formats whose exact sum fits int{MAX_INT_BITS} (e.g. int16 x int16), or FP")
    accumulator = f"int{max(MIN_INT_ACCUMULATOR_BITS, math.ceil(need))}" if int_acc else FP_ACCUMULATOR
    settings: dict[str, Any] = {"compute.pe.weights": sorted(declared_b),
                                "compute.pe.activations": sorted({f.name for f in a_list}),
                                "compute.pe.accumulator": accumulator}
    if pe_type == "mac":  # MAC-only keys: another PE type refuses them
        settings["compute.pe.conversions"] = []
        settings["compute.pe.decomposable"] = bool(decomposable) and all_int
    return settings


def as_set_arguments(settings: Mapping[str, Any]) -> list[str]:
    """``--set KEY=VALUE`` texts of typed settings (lists as [a, b], booleans as true/false)."""
    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(str(v) for v in value) + "]"
        return str(value)

    return [f"{key}={text(value)}" for key, value in settings.items()]


def default_settings(precision: Precision) -> dict[str, str]:
    return {f"default_precision.{op}": getattr(precision, op).name
            for op in ("weights", "activations", "outputs", "kv") if getattr(precision, op) is not None}


# ---- one accelerator's view ------------------------------------------------------------------

@dataclass(frozen=True)
class PEContext:
    """What a native PE depends on besides the formats: its type, a LUT's table format, and a
    MAC's decomposable flag as the base design has it."""

    pe_type: str
    table_format: NumberFormat | None = None
    decomposable: bool = False


def _pe_section_default(pe_type: str, key: str) -> Any:
    from hwsim.pe.lut_spec import LutSection
    from hwsim.pe.mac_spec import MacSection

    section = {"lut": LutSection, "mac": MacSection}[pe_type]
    return section.model_fields[key].default


def pe_context(accelerator, pe_type: str | None = None, table_format: str | None = None) -> PEContext:
    """The context of ``accelerator``'s PE, or of a ``pe_type`` PE put in its place (a sweep that
    sweeps compute.pe.type): a key the base's PE does not have takes that type's default."""
    pe = accelerator.spec.compute.pe
    pe_type = pe_type or pe.type
    table = None
    if pe_type == "lut":
        table = parse_format(table_format or (pe.lut_table_format if pe.type == "lut"
                                              else _pe_section_default("lut", "lut_table_format")))
    decomposable = bool(pe.decomposable) if pe.type == "mac" and pe_type == "mac" else (
        bool(_pe_section_default("mac", "decomposable")) if pe_type == "mac" else False)
    return PEContext(pe_type, table, decomposable)


def mix_columns(mix: Mix, context: PEContext, workloads: Iterable | None = None) -> dict[str, Any]:
    """The point columns of ``mix`` on a PE of ``context``: native for the formats the workloads
    run at under the mix (every GEMM's weights or KV format x its activations), or, with no
    workloads, for every operand of the mix (weights and KV x activations)."""
    if workloads is None:
        b_formats = {mix.weights.name: mix.weights, mix.kv.name: mix.kv}
        a_formats = {mix.activations.name: mix.activations}
    else:
        b_formats, a_formats = native_formats(workloads, mix.precision)
    settings = native_pe_settings(context.pe_type, b_formats.values(), a_formats.values(),
                                  table_format=context.table_format, decomposable=context.decomposable)
    return {**settings, **default_settings(mix.precision)}


def plan_columns(planned_workloads: Iterable, default: Precision, context: PEContext) -> dict[str, Any]:
    """The PE columns for workloads a precision plan was applied to (the rest of each layer's
    formats from ``default``, the base design's default precision), and the default precision
    columns where the plan leaves an operand of ``default`` unread (plan_default)."""
    planned_workloads = list(planned_workloads)
    b_formats, a_formats = native_formats(planned_workloads, default)
    columns = native_pe_settings(context.pe_type, b_formats.values(), a_formats.values(),
                                 table_format=context.table_format, decomposable=context.decomposable)
    kept = plan_default(planned_workloads, default)
    if kept != default:
        columns.update(default_settings(kept))
    return columns


def plan_default(planned_workloads: Iterable, default: Precision) -> Precision:
    """``default`` with each operand that no GEMM layer of the workloads reads from it (every one
    sets its own: a plan pinned it) replaced by the first GEMM layer's format: the spec must still
    declare a default its PE runs, and the native PE runs only the formats the GEMM layers use (a
    plan of INT4 weights on an INT8 preset left the default at int8, which that PE refused)."""
    gemms = [layer for work in planned_workloads for layer in work.layers if layer.op.gemm_view() is not None]
    if not gemms:
        return default
    values = {}
    for op in ("weights", "activations", "outputs", "kv"):
        pinned = all(getattr(layer.precision, op) is not None for layer in gemms)
        values[op] = getattr(gemms[0].precision, op) if pinned else getattr(default, op)
    return Precision(**values)


def precision_mix(name: str, workloads: Iterable | str | None = None, accelerator=None) -> dict[str, Any]:
    """The point columns a precision mix stands for, for ``hwsim.evaluate``.

        >>> hwsim.precision_mix("w4a8")
        {'compute.pe.weights': ['int4', 'int8'], 'compute.pe.activations': ['int8'],
         'compute.pe.accumulator': 'int32', 'compute.pe.conversions': [], 'compute.pe.decomposable': False,
         'default_precision.weights': 'int4', 'default_precision.activations': 'int8',
         'default_precision.outputs': 'int8', 'default_precision.kv': 'int8'}

    ``workloads`` (workloads or preset names): make the PE native for the formats they run at
    (what ``hwsim run --native-pe`` and a sweep's precision axis do); without them, for every
    operand of the mix. ``accelerator`` (a preset, spec file or Accelerator): whose PE type (and a
    LUT's table format, a MAC's decomposable flag) to use; default a MAC PE."""
    mix = parse_mix(name)
    if accelerator is None:
        context = PEContext("mac", None, bool(_pe_section_default("mac", "decomposable")))
    else:
        from hwsim.engine.evaluate import resolve_accelerator

        context = pe_context(resolve_accelerator(accelerator))
    if workloads is not None:
        from hwsim.engine.evaluate import resolve_workload

        if not (isinstance(workloads, str) or hasattr(workloads, "layers") or hasattr(workloads, "__iter__")):
            raise HwsimInputError(f"{type(workloads).__name__} {workloads!r} is not a workload", field="workloads",
                                  allowed="a workload, its preset name or file, or a list of them")
        items = [workloads] if isinstance(workloads, str) or hasattr(workloads, "layers") else list(workloads)
        workloads = [resolve_workload(w) for w in items]
    return mix_columns(mix, context, workloads)


# ---- a sweep's precision axis ------------------------------------------------------------------

# one sweep's expansions per process: (what, value, PE context) -> columns or planned workloads
_EXPANDED: dict[tuple, Any] = {}
_EXPANDED_SPEC: list[str] = [""]


def _memo(spec, key: tuple, make):
    if _EXPANDED_SPEC[0] != spec.sha256():  # one sweep at a time per process (as its loaded inputs)
        _EXPANDED.clear()
        _EXPANDED_SPEC[0] = spec.sha256()
    if key not in _EXPANDED:
        _EXPANDED[key] = make()
    return _EXPANDED[key]


def _planned(spec, workloads: tuple, value: str) -> tuple:
    from hwsim.workload.precision_plan import read_precision_plan

    def make():
        path = {v: p for v, p, _ in spec.precision_plans}[value]
        plan = read_precision_plan(path)
        try:
            return tuple(plan.apply(w) for w in workloads)
        except HwsimInputError as exc:
            raise HwsimInputError(f"precision plan {value!r}: {exc.message}", field=PRECISION_AXIS,
                                  allowed=exc.allowed) from None
    return _memo(spec, ("plan", value), make)


def _renumbered(exc: HwsimInputError, rows: list[int]) -> HwsimInputError:
    """An engine error on a group of rows, its row number turned back into the caller's and a
    key the precision axis set blamed on the axis."""
    text, source, field = exc.message, exc.source, exc.field
    # a design the points table builds names its row as the error's source and the spec key in
    # its text: both moved where the sweep looks for them (the row in the text, the key as field)
    if source and re.fullmatch(r"points row \d+", source):
        text, source = f"{source}: {text}", None
    inner = re.search(r"field '([^']+)': ", text)
    if field is None and inner and inner.group(1) in SET_KEYS:
        text, field = text.replace(inner.group(0), "", 1), inner.group(1)
    text = re.sub(r"points row (\d+)", lambda m: f"points row {rows[int(m.group(1))]}", text)
    field = PRECISION_AXIS if field in SET_KEYS else field
    return HwsimInputError(text, source=source, field=field, allowed=exc.allowed)


def evaluate_precision(spec, accelerator, workloads: tuple, index: int, points):
    """``hwsim.evaluate`` of workload ``index`` on ``points`` whose ``precision`` column holds mix
    names and plan files: mix rows get their columns (native for every workload of the sweep,
    since one design runs them all), plan rows the planned workloads and their PE columns."""
    import pandas as pd

    from hwsim.engine.evaluate import evaluate

    values = points[PRECISION_AXIS].to_numpy(dtype=object)
    pe_types = points["compute.pe.type"].to_numpy(dtype=object) if "compute.pe.type" in points else None
    tables = (points["compute.pe.lut_table_format"].to_numpy(dtype=object)
              if "compute.pe.lut_table_format" in points else None)
    rest = points.drop(columns=[PRECISION_AXIS])
    plans = {v for v, _, _ in spec.precision_plans}
    groups: dict[str | None, list[int]] = {}
    for row, value in enumerate(values):
        groups.setdefault(value if value in plans else None, []).append(row)
    parts = []
    for plan, rows in groups.items():
        planned = workloads if plan is None else _planned(spec, workloads, plan)
        per_row = []
        for row in rows:
            pe_type = pe_types[row] if pe_types is not None else None
            table = tables[row] if tables is not None and pe_type == "lut" else None
            key = ("columns", values[row], pe_type, table)
            context = _memo(spec, ("context", pe_type, table), lambda: pe_context(accelerator, pe_type, table))
            if plan is None:
                per_row.append(_memo(spec, key, lambda: mix_columns(parse_mix(values[row]), context, workloads)))
            else:
                per_row.append(_memo(spec, key, lambda: plan_columns(planned, accelerator.default_precision,
                                                                      context)))
        sub = rest.iloc[rows].reset_index(drop=True)
        for column in dict.fromkeys(k for columns in per_row for k in columns):
            sub[column] = pd.Series([columns.get(column) for columns in per_row], index=sub.index, dtype=object)
        try:
            frame = evaluate(accelerator, planned[index], sub)
        except HwsimInputError as exc:
            raise _renumbered(exc, rows) from None
        frame.index = rows
        parts.append(frame)
    return pd.concat(parts).sort_index().reset_index(drop=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
