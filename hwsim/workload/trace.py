"""The native trace: a CSV with one row per layer. Reads and writes round-trip exactly.

Columns (docs/trace-format.md has the full table):
``name, op, count, m, k, n, batch, in_h, in_w, in_c, out_c, kernel_h, kernel_w, stride,
padding, groups, ceil_mode, vector_op, elements, weights, activations, outputs, kv, writes_kv``.
``op`` is gemm | matmul | conv2d | vector. A cell that does not apply to the row's op must be
empty; a cell left empty that has a documented default (batch, stride, padding, groups,
ceil_mode = 1, 1, 0, 1, 0; count = 1) takes it; format cells left empty take the accelerator's declared default precision.
``writes_kv`` (gemm only, 0/1, default 0) marks a K/V projection whose output is written in the KV
format. ``activation_density`` (gemm, matmul, conv2d; a number in (0, 1], default empty = dense) is
the fraction of the layer's input activations that are nonzero, read by activation compression. Lines starting with ``#`` are comments; ``# name: X`` and ``# source: Y`` set the workload's
name and source.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.formats import parse_format
from hwsim.inputs import DIGITS_ALLOWED, digit_count, read_text, too_many_digits
from hwsim.workload.layer import Layer, Precision, Workload
from hwsim.workload.ops import Conv2d, Gemm, MatMul, VectorOp

COLUMNS = ("name", "op", "count", "m", "k", "n", "batch", "in_h", "in_w", "in_c", "out_c",
           "kernel_h", "kernel_w", "stride", "padding", "groups", "ceil_mode", "vector_op", "elements",
           "weights", "activations", "outputs", "kv", "writes_kv", "activation_density")
FORMAT_COLUMNS = ("weights", "activations", "outputs", "kv")

_SHAPE_COLUMNS = {
    "gemm": {"required": ("m", "k", "n"), "optional": {"batch": 1}},
    "matmul": {"required": ("m", "k", "n"), "optional": {"batch": 1}},
    "conv2d": {"required": ("in_h", "in_w", "in_c", "out_c", "kernel_h", "kernel_w"),
               "optional": {"stride": 1, "padding": 0, "groups": 1, "batch": 1, "ceil_mode": 0}},
    "vector": {"required": ("vector_op", "elements"), "optional": {}},
}
_NUMERIC = {"count", "m", "k", "n", "batch", "in_h", "in_w", "in_c", "out_c", "kernel_h",
            "kernel_w", "stride", "padding", "groups", "ceil_mode", "elements"}


def is_native_header(header: list[str]) -> bool:
    return [h.strip().lower() for h in header[:2]] == ["name", "op"]


def read_trace(path: str | Path) -> Workload:
    path = Path(path)
    return parse_trace(read_text(path, "trace"), source=str(path), default_name=path.stem)


_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_trace(text: str, source: str = "<trace>", default_name: str = "trace") -> Workload:
    meta: dict[str, str] = {}
    lines: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            key, sep, value = stripped[1:].partition(":")
            if sep and key.strip() in ("name", "source"):
                if key.strip() in meta:   # the later one would win silently
                    raise HwsimInputError(f"line {lineno}: a second '# {key.strip()}:' line", source=source,
                                          field=key.strip(), allowed="one # name: and one # source: line")
                if key.strip() == "name" and not value.strip():   # a workload named '' names no results
                    raise HwsimInputError(f"line {lineno}: '# name:' with no name", source=source, field="name",
                                          allowed="# name: <the workload's name>, or no # name: line (the file's)")
                meta[key.strip()] = value.strip()
            continue
        if stripped:
            lines.append((lineno, line))
    if not lines:
        raise HwsimInputError("trace has no header row", source=source)
    header_lineno, header_line = lines[0]
    header = [h.strip().lower() for h in next(csv.reader([header_line]))]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise HwsimInputError(f"unknown column(s) {', '.join(unknown)} in header (line {header_lineno})",
                              source=source, allowed=", ".join(COLUMNS))
    missing = [c for c in ("name", "op") if c not in header]
    if missing:
        raise HwsimInputError(f"header lacks column(s) {', '.join(missing)}", source=source)
    if len(set(header)) != len(header):
        raise HwsimInputError("duplicate column in header", source=source)
    layers = []
    seen_names: set[str] = set()
    for lineno, line in lines[1:]:
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            raise HwsimInputError(f"line {lineno}: {len(cells)} cells, header has {len(header)}", source=source)
        row = {h: c.strip() for h, c in zip(header, cells)}
        try:
            layer = _row_to_layer(row)
        except HwsimInputError as exc:
            raise HwsimInputError(f"line {lineno}: {exc.args[0]}", source=source) from None
        if layer.name in seen_names:
            raise HwsimInputError(f"line {lineno}: duplicate layer name '{layer.name}'", source=source)
        seen_names.add(layer.name)
        layers.append(layer)
    if not layers:
        raise HwsimInputError("trace has no layers", source=source)
    return Workload(meta.get("name", default_name), tuple(layers), meta.get("source", ""))


def _int_cell(row: dict[str, str], column: str) -> int:
    value = row[column]
    # decimal digits only: Python's int() also reads 1_000 and other scripts' digits
    if not _INTEGER.fullmatch(value):
        raise HwsimInputError(f"'{value}' is not an integer", field=column)
    if too_many_digits(value):
        raise HwsimInputError(digit_count(value), field=column, allowed=f"{DIGITS_ALLOWED} (and a count below 2^53)")
    return int(value)


def _row_to_layer(row: dict[str, str]) -> Layer:
    name = row.get("name", "")
    if not name:
        raise HwsimInputError("empty layer name", field="name")
    op = row.get("op", "").lower()
    if op not in _SHAPE_COLUMNS:
        raise HwsimInputError(f"unknown op '{op}'", field="op", allowed=", ".join(_SHAPE_COLUMNS))
    spec = _SHAPE_COLUMNS[op]
    relevant = set(spec["required"]) | set(spec["optional"]) | {"name", "op", "count"} | set(FORMAT_COLUMNS)
    if op == "gemm":  # only a projection writes new K/V
        relevant.add("writes_kv")
    if op != "vector":
        relevant.add("activation_density")
    for column, value in row.items():
        if value and column not in relevant:
            raise HwsimInputError(f"'{column}' does not apply to op '{op}' (leave it empty)", field=column)
    args: dict[str, object] = {}
    for column in spec["required"]:
        if not row.get(column):
            raise HwsimInputError(f"required for op '{op}' but empty or missing", field=column)
        args[column] = _int_cell(row, column) if column in _NUMERIC else row[column]
    for column, default in spec["optional"].items():
        args[column] = _int_cell(row, column) if row.get(column) else default
    count = _int_cell(row, "count") if row.get("count") else 1
    if count < 1:
        raise HwsimInputError(f"must be >= 1, got {count}", field="count")
    if op == "gemm":
        operator = Gemm(args["m"], args["k"], args["n"], args["batch"])
    elif op == "matmul":
        operator = MatMul(args["m"], args["k"], args["n"], args["batch"])
    elif op == "conv2d":
        if args["ceil_mode"] not in (0, 1):
            raise HwsimInputError(f"must be 0 or 1, got {args['ceil_mode']}", field="ceil_mode")
        operator = Conv2d(**{**args, "ceil_mode": bool(args["ceil_mode"])})
    else:
        operator = VectorOp(str(args["vector_op"]).lower(), args["elements"])
    formats = {}
    for column in FORMAT_COLUMNS:
        if row.get(column):
            try:
                formats[column] = parse_format(row[column])
            except HwsimInputError as exc:
                raise HwsimInputError(exc.args[0], field=column) from None
    if op != "matmul" and "kv" in formats:
        raise HwsimInputError("only matmul (attention) layers read a KV cache", field="kv")
    writes_kv = row.get("writes_kv", "")
    if writes_kv not in ("", "0", "1"):
        raise HwsimInputError(f"must be 0 or 1, got {writes_kv}", field="writes_kv")
    return Layer(name, operator, Precision(**formats), count, writes_kv == "1", _density(row.get("activation_density", "")))


def _density(value: str) -> float | None:
    if not value:
        return None
    try:
        density = float(value)
    except ValueError:
        raise HwsimInputError(f"'{value}' is not a number", field="activation_density",
                              allowed="a fraction in (0, 1]") from None
    if not 0.0 < density <= 1.0:  # also refuses nan
        raise HwsimInputError(f"{value} is not a fraction of nonzero activations", field="activation_density",
                              allowed="a number in (0, 1]")
    return density


def _layer_cells(layer: Layer) -> dict[str, object]:
    op = layer.op
    cells: dict[str, object] = {"name": layer.name, "op": op.kind, "count": layer.count}
    if op.kind in ("gemm", "matmul"):
        cells.update(m=op.m, k=op.k, n=op.n, batch=op.batch)
    elif op.kind == "conv2d":
        cells.update(in_h=op.in_h, in_w=op.in_w, in_c=op.in_c, out_c=op.out_c, kernel_h=op.kernel_h,
                     kernel_w=op.kernel_w, stride=op.stride, padding=op.padding, groups=op.groups,
                     batch=op.batch, ceil_mode=int(op.ceil_mode))
    else:
        cells.update(vector_op=op.op, elements=op.elements)
    for column in FORMAT_COLUMNS:
        fmt = getattr(layer.precision, column)
        if fmt is not None:
            cells[column] = fmt.name
    if layer.writes_kv:
        cells["writes_kv"] = 1
    if layer.activation_density is not None:
        cells["activation_density"] = repr(layer.activation_density)
    return cells


def format_trace(workload: Workload) -> str:
    out = io.StringIO()
    out.write(f"# name: {workload.name}\n")
    if workload.source:
        out.write(f"# source: {workload.source}\n")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for layer in workload.layers:
        writer.writerow(_layer_cells(layer))
    return out.getvalue()


def write_trace(workload: Workload, output: str | Path | None) -> str | Path | None:
    """``hwsim trace``'s output: the trace CSV on stdout (``output`` None or '-') or in the file
    ``output`` (one HwsimInputError naming -o when it cannot be written). Returns the written
    path, or None for stdout."""
    import sys

    text = format_trace(workload)
    if output in (None, "-"):
        sys.stdout.write(text)
        return None
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HwsimInputError(f"cannot write the trace: {exc.strerror or exc}", source=output, field="-o") from None
    return output

