"""The ONNX frontend: ``hwsim.load_workload("model.onnx", input_shapes=..., batch=...)``.

Shapes come from ONNX shape inference after the model's dynamic input dimensions are bound;
every node becomes one hwsim layer named after it (convolutions and matrix products with exact
MACs, element-wise work as vector ops) or is free (views, copies, casts); quantised operands take
the formats their quantisation nodes declare. docs/onnx.md is the user's reference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwsim.errors import HwsimInputError
from hwsim.workload.frontends.onnx.graph import OnnxGraph, node_label, parse_input_shape, read_graph
from hwsim.workload.frontends.onnx.lower import (
    FREE_OPS, POOL_MAP, RECURRENT_GATES, REDUCE_MAP, VECTOR_MAP, lower_conv, lower_einsum, lower_gemm,
    lower_attention, lower_contrib, lower_matmul, lower_quantised, lower_recurrent, lower_resize, lower_vector)
from hwsim.workload.frontends.onnx import contrib
from hwsim.workload.frontends.onnx.merge import merge_repeats
from hwsim.workload.frontends.onnx.quant import operand_format, output_format
from hwsim.workload.layer import Layer, Precision, Workload

__all__ = ["OnnxReport", "load_onnx_workload", "parse_input_shape", "read_onnx", "refuse_scenario", "supported_op_types"]

_QUANTISED_OPS = frozenset({"QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"})
_LAYER_OPS = frozenset({"Conv", "ConvTranspose", "Gemm", "MatMul", "Einsum", "Resize", "Upsample", "Attention",
                        *RECURRENT_GATES, *_QUANTISED_OPS})


def supported_op_types() -> list[str]:
    """Every ONNX op type the frontend places (free ones included)."""
    return sorted({*_LAYER_OPS, *FREE_OPS, *VECTOR_MAP, *REDUCE_MAP, *POOL_MAP,
                   *(f"{contrib.DOMAIN}.{op}" for op in contrib.CONTRIB_OPS)})


@dataclass(frozen=True)
class OnnxReport:
    """What reading a model did besides its layers: nodes skipped (--skip-unsupported), folded."""

    workload: Workload
    skipped: dict[str, int]     # unsupported op type -> nodes skipped
    folded_nodes: int           # nodes whose inputs are all constants (computed once, at export)
    free_nodes: int             # views, copies, casts, (de)quantisation markers


def node_names(nodes: list[Any]) -> list[str]:
    """Every node's layer name, in graph order: the node's name, else ``<op type lowercased>_<index>``;
    a name met again (among all nodes, free ones too) gets ``#2``, ``#3``, ... (hwsim/dse/sensitivity.py
    names ONNX weights the same way). A trace cell holds one line and is read stripped, and '#'
    starts a comment line there: whitespace runs become one space, a leading '#' is dropped."""
    taken: set[str] = set()
    out = []
    for index, node in enumerate(nodes):
        name = _unique(" ".join(node.name.split()).lstrip("#") or f"{node.op_type.lower()}_{index}", taken)
        taken.add(name)
        out.append(name)
    return out


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    i = 2
    while f"{name}#{i}" in taken:
        i += 1
    return f"{name}#{i}"


def _layer_of(graph: OnnxGraph, node: Any) -> tuple[Any, Precision] | None | str:
    """(op, precision) for a node that does work; None when it folds to nothing; 'free'."""
    op = node.op_type
    if node.domain == contrib.DOMAIN:
        return lower_contrib(graph, node)
    if op in ("Conv", "ConvTranspose"):
        x, w = node.input[0], node.input[1]
        precision = Precision(weights=operand_format(graph, w), activations=operand_format(graph, x),
                              outputs=output_format(graph, node.output[0]))
        return lower_conv(graph, node, x=x, w=w, transpose=op == "ConvTranspose"), precision
    if op == "Gemm":
        return lower_gemm(graph, node)
    if op == "MatMul":
        return lower_matmul(graph, node, node.input[0], node.input[1])
    if op == "Einsum":
        return lower_einsum(graph, node)
    if op in _QUANTISED_OPS:
        return lower_quantised(graph, node)
    if op in ("Resize", "Upsample"):
        resized = lower_resize(graph, node)
        return resized if resized == "free" else (resized, Precision())
    if op in VECTOR_MAP or op in REDUCE_MAP or op in POOL_MAP:
        activations = operand_format(graph, node.input[0]) if node.input else None
        return lower_vector(graph, node), Precision(activations=activations,
                                                    outputs=output_format(graph, node.output[0]))
    raise AssertionError(op)


def _supported(node: Any) -> bool:
    if node.domain == contrib.DOMAIN:
        return node.op_type in contrib.CONTRIB_OPS
    if node.domain not in ("", "ai.onnx"):
        return False
    op = node.op_type
    return op in _LAYER_OPS or op in FREE_OPS or op in VECTOR_MAP or op in REDUCE_MAP or op in POOL_MAP


def read_onnx(path: str | Path, input_shapes: dict[str, Any] | None = None, batch: int | None = None,
              skip_unsupported: bool = False, merge: bool = False) -> OnnxReport:
    """The model at ``path`` as a hwsim workload, with what was skipped or folded."""
    path = Path(path)
    shapes = _shapes_argument(input_shapes, str(path))
    unsupported: Counter[str] = Counter()

    def check(nodes: list[Any]) -> None:
        unsupported.update(f"{n.domain}.{n.op_type}" if n.domain not in ("", "ai.onnx") else n.op_type
                           for n in nodes if not _supported(n))
        if unsupported and not skip_unsupported:
            listed = ", ".join(f"{op} (x{count})" if count > 1 else op for op, count in sorted(unsupported.items()))
            raise HwsimInputError(f"unsupported ONNX op type(s): {listed}; --skip-unsupported leaves them out "
                                  "and reports them", source=str(path), allowed="docs/onnx.md lists the supported ops")

    graph = read_graph(path, shapes, batch, check)
    names = node_names(graph.nodes)
    layers: list[Layer] = []
    taken: set[str] = set(names)
    folded = free = 0
    for index, node in enumerate(graph.nodes):
        if not _supported(node):
            continue
        present = [i for i in node.input if i]
        if present and all(graph.is_constant(i) for i in present) or node.op_type in ("Constant", "Shape"):
            folded += 1
            continue
        if node.op_type in FREE_OPS and node.domain in ("", "ai.onnx"):
            free += 1
            continue
        base = names[index]
        try:
            if node.op_type in RECURRENT_GATES or node.op_type == "Attention":
                lower_many = lower_attention if node.op_type == "Attention" else lower_recurrent
                for suffix, op, count, precision in lower_many(graph, node):
                    name = _unique(f"{base}/{suffix}", taken - {base})
                    taken.add(name)
                    layers.append(Layer(name, op, precision, count))
                continue
            lowered = _layer_of(graph, node)
        except HwsimInputError as exc:
            if exc.source:
                raise
            # an op's own check (a zero-sized dimension, a kernel larger than its input): name the node
            raise HwsimInputError(f"node '{node_label(node)}' ({node.op_type}): {exc.message}", source=str(path),
                                  field=exc.field, allowed=exc.allowed) from None
        if lowered is None:
            folded += 1
            continue
        if lowered == "free":
            free += 1
            continue
        op, precision = lowered
        layers.append(Layer(base, op, precision))
    if not layers:
        raise HwsimInputError("the model has no layer hwsim can run (every node is free, folded or skipped)",
                              source=str(path))
    if merge:
        layers = merge_repeats(layers)
    note = ""
    if unsupported:
        note = "; skipped unsupported: " + ", ".join(f"{op} x{c}" for op, c in sorted(unsupported.items()))
    workload = Workload(graph.name, tuple(layers), f"{path} (onnx{note})")
    return OnnxReport(workload, dict(unsupported), folded, free)


def _shapes_argument(input_shapes: dict[str, Any] | None, source: str) -> dict[str, tuple[int, ...]]:
    out: dict[str, tuple[int, ...]] = {}
    for name, dims in (input_shapes or {}).items():
        if isinstance(dims, str):
            dims = parse_input_shape(f"{name}={dims}")[1]
        try:
            dims = tuple(dims)
        except TypeError:
            raise HwsimInputError(f"input '{name}': {dims!r} is not a shape", source=source,
                                  field="input_shapes", allowed="a sequence of positive integers") from None
        if not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in dims):
            raise HwsimInputError(f"input '{name}': {dims!r} is not a shape", source=source,
                                  field="input_shapes", allowed="a sequence of positive integers")
        out[str(name)] = dims
    return out


def load_onnx_workload(path: str | Path, input_shapes: dict[str, Any] | None = None, batch: int | None = None,
                       skip_unsupported: bool = False, merge: bool = False) -> Workload:
    """The workload of an ONNX model (see ``read_onnx``; skipped op types are named in its source)."""
    return read_onnx(path, input_shapes, batch, skip_unsupported, merge).workload


def refuse_scenario(path: Path, phase: Any, seq_len: Any, kv_len: Any, prompt: Any, new_tokens: Any,
                    gemm_only: bool) -> None:
    """An ONNX model fixes its own run: the LLM scenario arguments do not apply."""
    named = {"phase": phase, "seq_len": seq_len, "kv_len": kv_len, "prompt": prompt, "new_tokens": new_tokens}
    given = [k for k, v in named.items() if v is not None] + (["gemm_only"] if gemm_only else [])
    if given:
        verb = "applies" if len(given) == 1 else "apply"
        raise HwsimInputError(f"{', '.join(given)} {verb} only to a model config.json; an ONNX model's shapes come "
                              "from its inputs", source=str(path), field=given[0],
                              allowed="input_shapes (--input-shape NAME=D1xD2x...), batch (--batch), "
                                      "skip_unsupported (--skip-unsupported)")
