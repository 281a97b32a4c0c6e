"""Per-layer precision files: a CSV that maps layer names or globs to operand formats.

    layer,weights,activations,outputs,kv
    *,int8,int8,,
    res5*,int4,,,
    fc1000,int8,int16,,

Rules (stated in docs/user-guide.md):

* ``layer`` is a layer name or an ``fnmatch`` glob (``*``, ``?``, ``[...]``), case-sensitive;
* the other columns, all optional, are operand formats (any name ``parse_format`` accepts,
  e.g. int4, fp8_e4m3, mxfp4, int4@g128, 5.25); an empty cell leaves the operand as it was;
* rows apply in file order and a later matching row wins, operand by operand;
* a row whose pattern matches no layer is an error (a typo must not silently do nothing);
* the file's formats override the trace's; whole-run CLI overrides (--weights ...) win over both.
"""

from __future__ import annotations

import csv
import fnmatch
import io
from dataclasses import dataclass, replace
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.formats import NumberFormat, parse_format
from hwsim.inputs import is_path, read_text
from hwsim.workload.layer import OPERANDS, Precision, Workload

PLAN_COLUMNS = ("layer", *OPERANDS)


@dataclass(frozen=True)
class PrecisionRule:
    pattern: str
    precision: Precision
    line: int


@dataclass(frozen=True)
class PrecisionPlan:
    rules: tuple[PrecisionRule, ...]
    source: str = "<precision plan>"

    def apply(self, workload: Workload) -> Workload:
        layers = list(workload.layers)
        for rule in self.rules:
            matched = [i for i, layer in enumerate(layers) if fnmatch.fnmatchcase(layer.name, rule.pattern)]
            if not matched:
                raise HwsimInputError(f"line {rule.line}: pattern '{rule.pattern}' matches no layer of "
                                      f"workload '{workload.name}'", source=self.source, field="layer",
                                      allowed=_some_names(workload))
            only_kv = all(getattr(rule.precision, op) is None for op in OPERANDS if op != "kv")
            if only_kv and not any(_uses_kv(layers[i]) for i in matched):
                # the KV format applies to attention's K/V operand and to new K/V: on other layers
                # the row would set nothing (the trace reader refuses kv on a GEMM likewise)
                raise HwsimInputError(f"line {rule.line}: sets only kv, and no layer '{rule.pattern}' matches reads or "
                                      "writes the KV cache", source=self.source, field="kv",
                                      allowed="kv on attention matmuls and the layers writing new K/V; weights, "
                                              "activations or outputs on other layers")
            for i in matched:
                layers[i] = replace(layers[i], precision=layers[i].precision.overridden_by(rule.precision))
        return replace(workload, layers=tuple(layers))


def _uses_kv(layer) -> bool:
    view = layer.op.gemm_view()
    return layer.writes_kv or (view is not None and view.b_operand == "kv")


def _some_names(workload: Workload, limit: int = 8) -> str:
    names = [layer.name for layer in workload.layers]
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} layers)" if len(names) > limit else "")


def parse_precision_plan(text: str, source: str = "<precision plan>") -> PrecisionPlan:
    if not isinstance(text, str):
        raise HwsimInputError(f"{type(text).__name__} is not the text of a plan", source=source,
                              allowed="a str (read_precision_plan reads a file)")
    # as read_text reads a file: a leading BOM dropped; lines ending in CR alone are lines too
    text = text.removeprefix("\ufeff")
    try:
        reader = list(csv.reader(io.StringIO(text, newline=None)))
    except csv.Error as exc:
        raise HwsimInputError(f"not a CSV: {exc}", source=source) from None
    rows = [(n, row) for n, row in enumerate(reader, start=1) if row and not row[0].lstrip().startswith("#")]
    if not rows:
        raise HwsimInputError("empty precision file", source=source, allowed="a header: " + ",".join(PLAN_COLUMNS))
    header_line, header = rows[0]
    header = [h.strip().lower() for h in header]
    unknown = [h for h in header if h not in PLAN_COLUMNS]
    if unknown or "layer" not in header or len(set(header)) != len(header):
        bad = unknown[0] if unknown else ("layer (missing)" if "layer" not in header else "a repeated column")
        raise HwsimInputError(f"line {header_line}: bad column '{bad}'", source=source, field="header",
                              allowed=", ".join(PLAN_COLUMNS))
    rules = []
    for line, cells in rows[1:]:
        if len(cells) != len(header):
            raise HwsimInputError(f"line {line}: {len(cells)} cells, the header has {len(header)}", source=source)
        record = dict(zip(header, (c.strip() for c in cells)))
        if not record["layer"]:
            raise HwsimInputError(f"line {line}: empty layer pattern", source=source, field="layer")
        formats: dict[str, NumberFormat] = {}
        for operand in OPERANDS:
            value = record.get(operand, "")
            if value:
                try:
                    formats[operand] = parse_format(value)
                except HwsimInputError as exc:
                    raise HwsimInputError(f"line {line}: {exc.args[0]}", source=source, field=operand) from None
        if not formats:   # a row that sets nothing is a slip (a missing comma, a column too few)
            raise HwsimInputError(f"line {line}: sets no operand for '{record['layer']}'", source=source,
                                  field=",".join(h for h in header if h != "layer") or "header",
                                  allowed="a format in at least one operand column")
        rules.append(PrecisionRule(record["layer"], Precision(**formats), line))
    if not rules:
        raise HwsimInputError("the precision file has a header and no rows", source=source,
                              allowed="rows of layer patterns and formats after the header")
    return PrecisionPlan(tuple(rules), source)


def read_precision_plan(path: str | Path) -> PrecisionPlan:
    if not is_path(path):
        raise HwsimInputError(f"{type(path).__name__} {path!r} is not a path", field="path",
                              allowed="a precision plan CSV's path")
    return parse_precision_plan(read_text(path, "precision file"), str(path))
