"""An ONNX model read for its shapes: inputs bound, shapes inferred, constants known.

The ``onnx`` package is imported here only, and only when a model is read (the ``onnx`` extra).
Weights are never loaded (``load_external_data=False``): hwsim needs their shapes and element
types, which every initializer carries even when its bytes live in an external file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hwsim.errors import HwsimInputError
from hwsim.inputs import too_many_digits

# ONNX ops whose output is a pure function of their inputs: with every input constant, the
# output is constant too (an exporter's shape arithmetic, weights reshaped or dequantised).
_NONDETERMINISTIC = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                               "Multinomial", "Bernoulli"})


def import_onnx() -> Any:
    try:
        import onnx  # the onnx extra (pyproject.toml)
    except ImportError:
        raise HwsimInputError("reading an .onnx model needs the onnx package",
                              allowed="pip install 'hwsim[onnx]'") from None
    return onnx


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """``NAME=1x3x224x224`` -> (NAME, (1, 3, 224, 224)); the name may itself hold '='."""
    name, sep, dims = text.rpartition("=")
    parts = dims.lower().split("x")
    if not sep or not name or not all(p.isascii() and p.isdigit() and not too_many_digits(p) and int(p) > 0
                                          for p in parts):
        raise HwsimInputError(f"'{text}' is not NAME=D1xD2x...", field="--input-shape",
                              allowed="an input name, '=', positive dimensions joined by 'x', e.g. images=1x3x224x224")
    return name, tuple(int(p) for p in parts)


@dataclass
class OnnxGraph:
    """The inferred graph: nodes in topological order and what is known about each tensor."""

    source: str
    name: str
    nodes: list[Any]
    elem_types: dict[str, int] = field(default_factory=dict)    # tensor -> TensorProto data type
    shapes: dict[str, tuple[int | None, ...]] = field(default_factory=dict)  # None = unknown dim
    constants: set[str] = field(default_factory=set)           # known before the model runs
    producer: dict[str, Any] = field(default_factory=dict)      # tensor -> node writing it
    consumers: dict[str, list[Any]] = field(default_factory=dict)
    opset: int = 0

    def static_shape(self, tensor: str, node: Any, role: str) -> tuple[int, ...]:
        shape = self.shapes.get(tensor)
        if shape is None or any(d is None for d in shape):
            found = "no shape" if shape is None else "shape " + "x".join("?" if d is None else str(d) for d in shape)
            raise HwsimInputError(f"node '{node_label(node)}' ({node.op_type}): shape inference left its {role} "
                                  f"'{tensor}' with {found}; bind the model's dynamic inputs with "
                                  "--input-shape NAME=D1xD2x...", source=self.source)
        return shape  # type: ignore[return-value]

    def elements(self, tensor: str, node: Any, role: str = "output") -> int:
        return math.prod(self.static_shape(tensor, node, role))

    def is_constant(self, tensor: str) -> bool:
        return tensor in self.constants


def node_label(node: Any) -> str:
    return node.name or (node.output[0] if node.output else node.op_type)


def _shape_of(type_proto: Any) -> tuple[int | None, ...] | None:
    if not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                 for d in type_proto.tensor_type.shape.dim)


def load_model(path: Path) -> Any:
    if not path.is_file():
        raise HwsimInputError("no such ONNX model file", source=str(path))
    onnx = import_onnx()
    import onnx.inliner  # noqa: F401  (a submodule the package does not import itself)
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load(str(path), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise HwsimInputError(f"not a readable ONNX model ({reason[:120]})", source=str(path)) from None
    # protobuf accepts many byte strings as an (odd) message: a model names its IR and an opset
    if model.ir_version <= 0 or not model.opset_import or not model.graph.node:
        raise HwsimInputError("not an ONNX model (no IR version, opset or graph nodes)", source=str(path))
    known = onnx.defs.onnx_opset_version()
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx") and not 1 <= entry.version <= known:
            # a later opset may change an op's inputs or meaning: traced by the older schemas, it
            # would be counted as the op this onnx package knows, without a word
            raise HwsimInputError(f"opset {entry.version} of the default ONNX domain is not one the installed onnx "
                                  f"{onnx.__version__} knows", source=str(path), field="opset_import",
                                  allowed=f"1..{known} (a newer onnx package reads newer opsets)")
    if model.functions:
        # model-local functions (torch.onnx's dynamo exporter, onnxscript): their bodies are the ops
        # that run, so they are inlined and each of their nodes becomes a layer
        try:
            model = onnx.inliner.inline_local_functions(model)
        except Exception as exc:  # onnx raises RuntimeError / ValidationError by version
            raise HwsimInputError(f"cannot inline the model's local functions: {' '.join(str(exc).split())[:200]}",
                                  source=str(path)) from None
    return model


def _dim_params_bound(model: Any, input_shapes: dict[str, tuple[int, ...]], batch: int | None,
                      source: str) -> None:
    """Every graph input's dimensions made static, in place; a dimension nobody bound is refused."""
    graph = model.graph
    initialised = {i.name for i in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initialised]
    names = [i.name for i in inputs]
    unknown = [n for n in input_shapes if n not in names]
    if unknown:
        raise HwsimInputError(f"--input-shape names {', '.join(repr(n) for n in unknown)}, which the model "
                              "does not take as an input", source=source, field="--input-shape",
                              allowed=", ".join(names) or "none (the model has no runtime inputs)")
    by_param: dict[str, tuple[int, str]] = {}  # dim_param -> (value, who bound it)

    def bind_param(param: str, value: int, who: str) -> None:
        if param in by_param and by_param[param][0] != value:
            raise HwsimInputError(f"dimension '{param}' is bound to {by_param[param][0]} by {by_param[param][1]} "
                                  f"and to {value} by {who}", source=source, field="--input-shape")
        by_param.setdefault(param, (value, who))

    for inp in inputs:
        dims = inp.type.tensor_type.shape.dim if inp.type.HasField("tensor_type") else []
        if inp.name in input_shapes:
            given = input_shapes[inp.name]
            if len(given) != len(dims):
                raise HwsimInputError(f"input '{inp.name}' has {len(dims)} dimensions, --input-shape gives "
                                      f"{len(given)}", source=source, field="--input-shape")
            if batch is not None and given and given[0] != batch:
                # both bind the leading dimension: one of them would be ignored
                raise HwsimInputError(f"input '{inp.name}': --input-shape gives a leading (batch) dimension of "
                                      f"{given[0]}, --batch {batch}", source=source, field="--batch",
                                      allowed="one value: drop --batch or make them agree")
            for i, (dim, value) in enumerate(zip(dims, given)):
                if dim.HasField("dim_value") and dim.dim_value > 0 and dim.dim_value != value:
                    raise HwsimInputError(f"input '{inp.name}' dimension {i} is fixed at {dim.dim_value} in the "
                                          f"model, --input-shape gives {value}", source=source,
                                          field="--input-shape")
                if dim.HasField("dim_param") and dim.dim_param:
                    bind_param(dim.dim_param, value, f"--input-shape {inp.name}")
        elif batch is not None and dims:
            lead = dims[0]
            if lead.HasField("dim_value") and lead.dim_value > 0:
                if lead.dim_value != batch:
                    raise HwsimInputError(f"input '{inp.name}' has a fixed batch of {lead.dim_value}; --batch "
                                          f"{batch} binds only a dynamic leading dimension", source=source,
                                          field="--batch")
            elif lead.HasField("dim_param") and lead.dim_param:
                bind_param(lead.dim_param, batch, "--batch")
    for inp in inputs:
        if not inp.type.HasField("tensor_type"):
            raise HwsimInputError(f"input '{inp.name}' is not a tensor (sequences and maps are not modelled)",
                                  source=source)
        given = input_shapes.get(inp.name)
        for i, dim in enumerate(inp.type.tensor_type.shape.dim):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                continue
            if given is not None:
                value = given[i]
            elif dim.HasField("dim_param") and dim.dim_param in by_param:
                value = by_param[dim.dim_param][0]
            elif i == 0 and batch is not None:
                value = batch
            else:
                label = f"'{dim.dim_param}'" if dim.HasField("dim_param") and dim.dim_param else "unnamed"
                hint = "--batch B or " if i == 0 else ""
                raise HwsimInputError(f"input '{inp.name}' dimension {i} ({label}) is dynamic: bind it with {hint}"
                                      f"--input-shape {inp.name}=" + "x".join(
                                          str(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else "N"
                                          for d in inp.type.tensor_type.shape.dim),
                                      source=source, field="--input-shape")
            if value >= 2 ** 53:   # beyond what hwsim counts exactly (and ONNX's int64 at 2^63)
                flag = "--input-shape" if given is not None else "--batch"
                raise HwsimInputError(f"input '{inp.name}' dimension {i} = {value} is too large", source=source,
                                      field=flag, allowed="fewer than 2^53 elements along a dimension")
            dim.dim_value = value  # the oneof drops the dim_param


def read_graph(path: Path, input_shapes: dict[str, tuple[int, ...]] | None = None,
               batch: int | None = None, check_nodes: Callable[[list[Any]], None] | None = None) -> OnnxGraph:
    """The graph with its inputs bound and shapes inferred; ``check_nodes`` sees the nodes first (an
    unsupported op is reported as such, not as the shape-inference failure it may cause)."""
    onnx = import_onnx()
    source = str(path)
    model = load_model(path)
    if check_nodes is not None:
        check_nodes(list(model.graph.node))
    if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool) or batch < 1):
        raise HwsimInputError(f"must be an integer >= 1, got {batch!r}", source=source, field="--batch")
    _dim_params_bound(model, dict(input_shapes or {}), batch, source)
    graph = model.graph
    listed = list(graph.node)
    ordered = _topological(listed, source)
    if ordered is not listed:  # shape inference needs the order too
        copies = []
        for node in ordered:
            copy = type(node)()
            copy.CopyFrom(node)
            copies.append(copy)
        del graph.node[:]
        graph.node.extend(copies)
    # shapes an exporter wrote for the unbound model would keep their symbolic dimensions
    del graph.value_info[:]
    for out in graph.output:
        if out.type.HasField("tensor_type"):
            out.type.tensor_type.ClearField("shape")
    inferred = _inferred_with_contrib_shapes(onnx, model, source)
    g = inferred.graph
    opset = next((o.version for o in inferred.opset_import if o.domain in ("", "ai.onnx")), 0)
    # the file names the workload: exporters name most graphs "main_graph" or "torch_jit"
    out = OnnxGraph(source=source, name=path.stem, nodes=list(g.node), opset=opset)
    for info in [*g.input, *g.value_info, *g.output]:
        if info.type.HasField("tensor_type"):
            out.elem_types[info.name] = info.type.tensor_type.elem_type
            shape = _shape_of(info.type)
            if shape is not None:
                out.shapes[info.name] = shape
    for init in g.initializer:
        out.elem_types[init.name] = init.data_type
        out.shapes[init.name] = tuple(int(d) for d in init.dims)
        out.constants.add(init.name)
    for init in g.sparse_initializer:
        out.elem_types[init.values.name] = init.values.data_type
        out.shapes[init.values.name] = tuple(int(d) for d in init.dims)
        out.constants.add(init.values.name)
    for node in g.node:
        for name in node.output:
            if name:
                out.producer[name] = node
        for name in node.input:
            if name:
                out.consumers.setdefault(name, []).append(node)
        present = [i for i in node.input if i]
        if node.op_type == "Constant" or node.op_type == "Shape" and present and \
                all(d is not None for d in out.shapes.get(present[0], (None,))):
            out.constants.update(o for o in node.output if o)
        elif present and node.op_type not in _NONDETERMINISTIC and all(i in out.constants for i in present):
            out.constants.update(o for o in node.output if o)
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value" and node.output:
                    out.elem_types[node.output[0]] = attr.t.data_type
                    out.shapes[node.output[0]] = tuple(int(d) for d in attr.t.dims)
    return out


def _infer(onnx: Any, model: Any, source: str) -> Any:
    try:
        return onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=True, data_prop=True)
    except Exception as exc:  # onnx raises InferenceError, ValidationError or RuntimeError by version
        reason = " ".join(str(exc).split())
        raise HwsimInputError(f"ONNX shape inference failed: {reason[:300]}", source=source) from None


def _inferred_with_contrib_shapes(onnx: Any, model: Any, source: str) -> Any:
    """ONNX's shape inference, with the outputs of ONNX Runtime's contrib ops (which it cannot see)
    filled in from their definitions (contrib.py) and inference run again past them, until no new
    shape appears (at most once per contrib node)."""
    from hwsim.workload.frontends.onnx.contrib import CONTRIB_OPS, DOMAIN, output_shape

    contrib = [n for n in model.graph.node if n.domain == DOMAIN and n.op_type in CONTRIB_OPS]
    inferred = _infer(onnx, model, source)
    for _ in range(len(contrib)):
        g = inferred.graph
        known: dict[str, tuple[int, tuple[int | None, ...] | None]] = {}
        for info in [*g.input, *g.value_info, *g.output]:
            if info.type.HasField("tensor_type"):
                known[info.name] = (info.type.tensor_type.elem_type, _shape_of(info.type))
        for init in g.initializer:
            known[init.name] = (init.data_type, tuple(int(d) for d in init.dims))
        shape = lambda name: (known.get(name, (0, None))[1] if name in known  # noqa: E731
                              and None not in (known[name][1] or (None,)) else None)
        elem_type = lambda name: known.get(name, (1, None))[0]  # noqa: E731
        added = 0
        for node in contrib:
            out = node.output[0] if node.output else ""
            if not out or shape(out) is not None:
                continue
            found = output_shape(node, shape, elem_type)
            if found is not None:
                model.graph.value_info.append(onnx.helper.make_tensor_value_info(out, found[0], list(found[1])))
                added += 1
        if not added:
            break
        inferred = _infer(onnx, model, source)
    return inferred


def _topological(nodes: list[Any], source: str) -> list[Any]:
    """The nodes in an order where every input is written before it is read (ONNX requires it; a
    hand-edited graph may break it, and constants are found in one pass in this order). Stable:
    a graph already in order is returned as it is; a cycle is refused."""
    written_by = {out: i for i, node in enumerate(nodes) for out in node.output if out}
    needs = [{written_by[name] for name in node.input if name in written_by} - {i} for i, node in enumerate(nodes)]
    if all(all(j < i for j in deps) for i, deps in enumerate(needs)):
        return nodes
    readers: dict[int, list[int]] = {}
    for i, deps in enumerate(needs):
        for j in deps:
            readers.setdefault(j, []).append(i)
    import heapq

    waiting = [len(deps) for deps in needs]
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for r in readers.get(i, []):
            waiting[r] -= 1
            if waiting[r] == 0:
                heapq.heappush(ready, r)
    if len(order) != len(nodes):
        raise HwsimInputError("the graph has a cycle (a node reads its own output through others)", source=source)
    return [nodes[i] for i in order]
