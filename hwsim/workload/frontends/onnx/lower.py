"""ONNX nodes lowered to hwsim layers: convolutions and matrix products to GEMM-shaped ops with
their MACs exact, element-wise work to vector ops, data movement free (docs/onnx.md)."""

from __future__ import annotations

import math
import re
from typing import Any

from hwsim.errors import HwsimInputError
from hwsim.formats import NumberFormat, Precision
from hwsim.workload.frontends.onnx.graph import OnnxGraph, node_label
from hwsim.workload.frontends.onnx.quant import operand_format, output_format
from hwsim.workload.ops import Conv2d, Gemm, MatMul, Op, VectorOp

# no work of their own: views, copies, casts, shape arithmetic, (de)quantisation markers whose
# formats the layers around them carry, and inference no-ops
FREE_OPS = frozenset({
    "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Identity", "Dropout", "Cast", "CastLike",
    "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "Expand", "Tile", "Pad", "Shape",
    "Size", "Constant", "ConstantOfShape", "Range", "DepthToSpace", "SpaceToDepth", "QuantizeLinear",
    "DequantizeLinear", "DynamicQuantizeLinear", "EyeLike", "Trilu", "OneHot", "SequenceConstruct",
    "ScatterND", "ScatterElements", "Scatter", "ReverseSequence", "Optional", "OptionalGetElement",
})

# element-wise ONNX op -> hwsim vector op (hwsim/workload/ops.py VECTOR_OPS_PER_ELEMENT), counted
# over the output's elements
VECTOR_MAP: dict[str, str] = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Gelu": "gelu", "FastGelu": "gelu",
    "Softmax": "softmax", "LogSoftmax": "softmax", "Clip": "clip", "LeakyRelu": "leakyrelu",
    "PRelu": "leakyrelu", "HardSigmoid": "clip", "BatchNormalization": "batchnorm",
    "LayerNormalization": "layernorm", "InstanceNormalization": "layernorm",
    "GroupNormalization": "layernorm", "RMSNormalization": "rmsnorm",
    "SimplifiedLayerNormalization": "rmsnorm", "LRN": "lrn",
    "Add": "add", "Sub": "add", "Sum": "add", "Max": "add", "Min": "add", "Mean": "add",
    "Mul": "mul", "Div": "mul", "Pow": "mul", "Mod": "mul",
    "Where": "add", "Equal": "add", "Less": "add", "LessOrEqual": "add", "Greater": "add",
    "GreaterOrEqual": "add", "And": "add", "Or": "add", "Xor": "add",
    "Exp": "unary", "Log": "unary", "Sqrt": "unary", "Reciprocal": "unary", "Erf": "unary",
    "Abs": "unary", "Neg": "unary", "Floor": "unary", "Ceil": "unary", "Round": "unary", "Sign": "unary",
    "Sin": "unary", "Cos": "unary", "Not": "unary", "Softsign": "unary", "IsNaN": "unary", "IsInf": "unary",
    "Elu": "leakyrelu", "Selu": "leakyrelu", "Celu": "leakyrelu", "ThresholdedRelu": "relu",
    "Softplus": "unary", "HardSwish": "silu", "Mish": "silu", "CumSum": "add", "RotaryEmbedding": "rope",
}
# reductions: one op per input element read
REDUCE_MAP: dict[str, str] = {
    "GlobalAveragePool": "avgpool", "GlobalMaxPool": "maxpool", "ReduceMean": "avgpool",
    "ReduceSum": "avgpool", "ReduceMax": "maxpool", "ReduceMin": "maxpool", "ReduceProd": "avgpool",
    "ReduceL2": "avgpool", "ReduceL1": "avgpool", "ReduceSumSquare": "avgpool", "ReduceLogSumExp": "avgpool",
    "ArgMax": "maxpool", "ArgMin": "maxpool",
}
POOL_MAP: dict[str, str] = {"MaxPool": "maxpool", "AveragePool": "avgpool", "LpPool": "avgpool"}


def _attrs(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in node.attribute:
        if attr.type == attr.INT:
            out[attr.name] = int(attr.i)
        elif attr.type == attr.INTS:
            out[attr.name] = [int(v) for v in attr.ints]
        elif attr.type == attr.STRING:
            out[attr.name] = attr.s.decode("utf-8", "replace")
        elif attr.type == attr.FLOAT:
            out[attr.name] = float(attr.f)
    return out


def _bad(graph: OnnxGraph, node: Any, message: str) -> HwsimInputError:
    return HwsimInputError(f"node '{node_label(node)}' ({node.op_type}): {message}", source=graph.source)


def _precision(weights: NumberFormat | None = None, activations: NumberFormat | None = None,
               outputs: NumberFormat | None = None, kv: NumberFormat | None = None) -> Precision:
    return Precision(weights=weights, activations=activations, outputs=outputs, kv=kv)


# ---------------------------------------------------------------------------------- convolution

def _conv_pads(graph: OnnxGraph, node: Any, attrs: dict[str, Any], spatial: list[int], kernel: list[int],
               strides: list[int], dilations: list[int]) -> list[int]:
    """Begin pads then end pads per spatial axis (ONNX order), auto_pad resolved as ONNX does."""
    auto = attrs.get("auto_pad", "NOTSET")
    rank = len(spatial)
    if auto in ("NOTSET", ""):
        pads = attrs.get("pads", [0] * 2 * rank)
        if len(pads) != 2 * rank or any(p < 0 for p in pads):
            raise _bad(graph, node, f"pads {pads} do not give a begin and end pad >= 0 per spatial axis")
        return pads
    if auto == "VALID":
        return [0] * 2 * rank
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise _bad(graph, node, f"auto_pad '{auto}' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
    begin, end = [], []
    for size, k, s, d in zip(spatial, kernel, strides, dilations):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, large = total // 2, total - total // 2
        begin.append(small if auto == "SAME_UPPER" else large)
        end.append(large if auto == "SAME_UPPER" else small)
    return begin + end


def _conv2d_for(h: int, w: int, cin: int, cout: int, kh: int, kw: int, stride: int, pads: list[int],
                groups: int, batch: int, out_h: int, out_w: int) -> Conv2d | None:
    """hwsim's Conv2d (one stride, one symmetric pad) with exactly the ONNX conv's windows, if one
    exists: symmetric pads as they are; an end pad one larger as ``ceil_mode`` (a last partial
    window); otherwise the extra pad folded into the input size (its zeros then counted as input)."""
    top, left, bottom, right = pads
    p = min(pads)
    candidates = []
    if top == bottom == left == right:
        candidates.append(dict(in_h=h, in_w=w, padding=p, ceil_mode=False))
    candidates.append(dict(in_h=h, in_w=w, padding=p, ceil_mode=True))
    candidates.append(dict(in_h=h + top + bottom - 2 * p, in_w=w + left + right - 2 * p, padding=p, ceil_mode=False))
    for c in candidates:
        try:
            conv = Conv2d(c["in_h"], c["in_w"], cin, cout, kh, kw, stride=stride, padding=c["padding"],
                          groups=groups, batch=batch, ceil_mode=c["ceil_mode"])
        except HwsimInputError:
            continue
        if (conv.out_h, conv.out_w) == (out_h, out_w) and \
                (c["ceil_mode"] is False or _ceil_reads_only_pads(h, kh, stride, top, bottom, out_h)
                 and _ceil_reads_only_pads(w, kw, stride, left, right, out_w)):
            return conv
    return None


def _ceil_reads_only_pads(size: int, kernel: int, stride: int, begin: int, end: int, out: int) -> bool:
    """With ceil_mode, hwsim's last window may run past the symmetric pad: allowed only where the
    ONNX end pad covers it (derived: last window end = (out-1)*s + k <= begin + size + end)."""
    return (out - 1) * stride + kernel <= begin + size + end


def lower_conv(graph: OnnxGraph, node: Any, *, x: str, w: str, transpose: bool = False) -> Op:
    attrs = _attrs(node)
    x_shape = graph.static_shape(x, node, "input")
    w_shape = graph.static_shape(w, node, "weight")
    y_shape = graph.static_shape(node.output[0], node, "output")
    if len(x_shape) < 3 or len(w_shape) != len(x_shape):
        raise _bad(graph, node, f"input {x_shape} and weight {w_shape} are not N x C x spatial... and "
                                "M x C/group x kernel...")
    rank = len(x_shape) - 2
    batch, cin, spatial = x_shape[0], x_shape[1], list(x_shape[2:])
    kernel = list(w_shape[2:])
    groups = attrs.get("group", 1)
    strides = attrs.get("strides", [1] * rank)
    dilations = attrs.get("dilations", [1] * rank)
    if transpose:
        # ConvTranspose as the GEMM a deconvolution runs (Caffe's lowering): every input pixel times
        # its C/group channels gives kernel x M/group outputs, scattered (col2im) into the output;
        # derived MACs = N x spatial_in x C x (M/group) x kernel, no multiply by an inserted zero
        cout_per_group = w_shape[1]
        return Gemm(m=batch * math.prod(spatial), k=cin // groups, n=cout_per_group * math.prod(kernel),
                    batch=groups)
    cout = w_shape[0]
    if w_shape[1] * groups != cin:
        raise _bad(graph, node, f"weight {w_shape} x group {groups} does not match input channels {cin}")
    out_spatial = list(y_shape[2:])
    pads = _conv_pads(graph, node, attrs, spatial, kernel, strides, dilations)
    if all(d == 1 for d in dilations) and rank in (1, 2):
        if rank == 1:  # a 1-D conv is a 2-D one of height 1 with no vertical pad
            h, w_, kh, kw, sh, sw = 1, spatial[0], 1, kernel[0], strides[0], strides[0]
            pad4, oh, ow = [0, pads[0], 0, pads[1]], 1, out_spatial[0]
        else:
            h, w_, kh, kw, sh, sw = spatial[0], spatial[1], kernel[0], kernel[1], strides[0], strides[1]
            pad4, oh, ow = [pads[0], pads[1], pads[2], pads[3]], out_spatial[0], out_spatial[1]
        if sh == sw:
            conv = _conv2d_for(h, w_, cin, cout, kh, kw, sh, pad4, groups, batch, oh, ow)
            if conv is not None:
                return conv
    # dilated, 3-D or unequal-stride convs: the im2col GEMM, MACs exact (docs/onnx.md says what
    # its A traffic counts)
    return Gemm(m=batch * math.prod(out_spatial), k=(cin // groups) * math.prod(kernel), n=cout // groups,
                batch=groups)


# ------------------------------------------------------------------------------ matrix products

def _matrix_product(graph: OnnxGraph, node: Any, a: str, b: str, a_shape: tuple[int, ...],
                    b_shape: tuple[int, ...], a_fmt: NumberFormat | None, b_fmt: NumberFormat | None,
                    out_fmt: NumberFormat | None) -> tuple[Op, Precision] | None:
    """numpy.matmul semantics: 1-D operands promoted, batch dimensions broadcast."""
    a_shape = (1, *a_shape) if len(a_shape) == 1 else a_shape
    b_shape = (*b_shape, 1) if len(b_shape) == 1 else b_shape
    m, k, k2, n = a_shape[-2], a_shape[-1], b_shape[-2], b_shape[-1]
    if k != k2:
        raise _bad(graph, node, f"inner dimensions differ: {a_shape} x {b_shape}")
    a_batch, b_batch = a_shape[:-2], b_shape[:-2]
    rank = max(len(a_batch), len(b_batch))
    a_batch = (1,) * (rank - len(a_batch)) + tuple(a_batch)
    b_batch = (1,) * (rank - len(b_batch)) + tuple(b_batch)
    out_batch = []
    for da, db in zip(a_batch, b_batch):
        if da != db and 1 not in (da, db):
            raise _bad(graph, node, f"batch dimensions do not broadcast: {a_shape} x {b_shape}")
        out_batch.append(max(da, db))
    instances = math.prod(out_batch)
    a_const, b_const = graph.is_constant(a), graph.is_constant(b)
    if a_const and b_const:
        return None  # folded by any runtime: no work at inference
    if b_const or a_const:
        # weights x activations: weights shared by every instance that reads the same slice, so
        # those instances stack their rows into one GEMM (derived: the same MACs, the weights
        # fetched once per distinct slice)
        w_instances = math.prod(b_batch if b_const else a_batch)
        if b_const:
            op = Gemm(m=m * instances // w_instances, k=k, n=n, batch=w_instances)
            return op, _precision(weights=b_fmt, activations=a_fmt, outputs=out_fmt)
        # weight on the left: out^T = B^T . A^T, the activation's columns are the rows
        op = Gemm(m=n * instances // w_instances, k=k, n=m, batch=w_instances)
        return op, _precision(weights=a_fmt, activations=b_fmt, outputs=out_fmt)
    # activations x activations (attention's Q.K^T, P.V): no weights; B is what hwsim stores as the
    # KV operand; instances sharing one B slice stack their rows as above
    b_instances = math.prod(b_batch)
    op = MatMul(m=m * instances // b_instances, k=k, n=n, batch=b_instances)
    return op, _precision(activations=a_fmt, kv=b_fmt, outputs=out_fmt)


def lower_gemm(graph: OnnxGraph, node: Any) -> tuple[Op, Precision] | None:
    attrs = _attrs(node)
    a, b = node.input[0], node.input[1]
    a_shape = graph.static_shape(a, node, "input A")
    b_shape = graph.static_shape(b, node, "input B")
    if len(a_shape) != 2 or len(b_shape) != 2:
        raise _bad(graph, node, f"Gemm takes 2-D A and B, got {a_shape} and {b_shape}")
    if attrs.get("transA", 0):
        a_shape = (a_shape[1], a_shape[0])
    if attrs.get("transB", 0):
        b_shape = (b_shape[1], b_shape[0])
    return _matrix_product(graph, node, a, b, a_shape, b_shape, operand_format(graph, a),
                           operand_format(graph, b), output_format(graph, node.output[0]))


def lower_matmul(graph: OnnxGraph, node: Any, a: str, b: str) -> tuple[Op, Precision] | None:
    return _matrix_product(graph, node, a, b, graph.static_shape(a, node, "input A"),
                           graph.static_shape(b, node, "input B"), operand_format(graph, a),
                           operand_format(graph, b), output_format(graph, node.output[0]))


_EINSUM_TERM = re.compile(r"^[A-Za-z.]*$")


def lower_einsum(graph: OnnxGraph, node: Any) -> tuple[Op, Precision] | None | str:
    """An Einsum that is a (batched) matrix product: two operands, every index either batch (both
    inputs and the output), contracted (both inputs only) or free (one input and the output).
    Returns 'free' for a one-operand pure permutation, raises for any other equation."""
    equation = _attrs(node).get("equation", "").replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    inputs = [i for i in node.input]
    if not arrow or len(terms) != len(inputs) or not all(_EINSUM_TERM.match(t) for t in [*terms, rhs]):
        raise _bad(graph, node, f"equation '{equation}' is not an explicit 'inputs->output' einsum")
    shapes = [graph.static_shape(t, node, f"input {i}") for i, t in enumerate(inputs)]
    # '...' stands for the same trailing-aligned dimensions in every term (numpy broadcasting)
    letters = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation]
    extras = [len(shape) - (len(term) - 3) for term, shape in zip(terms, shapes) if "..." in term]
    if any(e < 0 for e in extras) or max(extras, default=0) > len(letters):
        raise _bad(graph, node, f"equation '{equation}' does not match the input ranks")
    ellipsis = "".join(letters[:max(extras, default=0)])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            extra = len(shape) - (len(term) - 3)
            term = term.replace("...", ellipsis[len(ellipsis) - extra:] if extra else "")
        if len(term) != len(shape):
            raise _bad(graph, node, f"term '{term}' does not match input shape {shape}")
        expanded.append(term)
    rhs = rhs.replace("...", ellipsis)
    sizes: dict[str, int] = {}
    for term, shape in zip(expanded, shapes):
        for letter, size in zip(term, shape):
            if sizes.get(letter, size) != size and 1 not in (size, sizes[letter]):
                raise _bad(graph, node, f"index '{letter}' has sizes {sizes[letter]} and {size}")
            sizes[letter] = max(size, sizes.get(letter, 1))
    if len(expanded) == 1:
        if sorted(expanded[0]) == sorted(rhs) and len(set(rhs)) == len(rhs):
            return "free"  # a transpose
        raise _bad(graph, node, f"one-operand einsum '{equation}' is not a transpose")
    if len(expanded) != 2:
        raise _bad(graph, node, f"einsum '{equation}' has {len(expanded)} operands; hwsim lowers two-operand "
                                "matrix products")
    ta, tb = expanded
    for letter in set(ta) | set(tb):
        if letter not in rhs and not (letter in ta and letter in tb):
            raise _bad(graph, node, f"einsum '{equation}' sums index '{letter}' over one operand only: "
                                    "not a matrix product")
    if any(letter not in ta and letter not in tb for letter in rhs) or len(set(ta)) != len(ta) \
            or len(set(tb)) != len(tb):
        raise _bad(graph, node, f"einsum '{equation}' repeats or invents an index: not a matrix product")
    batch = [c for c in rhs if c in ta and c in tb]
    contracted = [c for c in ta if c in tb and c not in rhs]
    a_free = [c for c in ta if c not in tb]
    b_free = [c for c in tb if c not in ta]
    if not contracted and (not a_free or not b_free):
        raise _bad(graph, node, f"einsum '{equation}' contracts no index and one operand has no free index: an "
                                "element-wise product, not a matrix product")
    prod = lambda idx: math.prod(sizes[c] for c in idx)  # noqa: E731
    a_shape = (prod(batch), prod(a_free), prod(contracted))
    b_shape = (prod(batch), prod(contracted), prod(b_free))
    # broadcast batch slices: an operand whose batch indices are all size 1 is shared by all
    if all(shapes[0][ta.index(c)] == 1 for c in batch):
        a_shape = (1, *a_shape[1:])
    if all(shapes[1][tb.index(c)] == 1 for c in batch):
        b_shape = (1, *b_shape[1:])
    return _matrix_product(graph, node, inputs[0], inputs[1], a_shape, b_shape,
                           operand_format(graph, inputs[0]), operand_format(graph, inputs[1]),
                           output_format(graph, node.output[0]))


# ------------------------------------------------------------------------------ quantised nodes

def lower_quantised(graph: OnnxGraph, node: Any) -> tuple[Op, Precision] | None:
    """QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger: the formats are their inputs' types."""
    ins = list(node.input)
    out = node.output[0]
    out_fmt = output_format(graph, out)
    if node.op_type in ("QLinearConv", "ConvInteger"):
        x, w = (ins[0], ins[3]) if node.op_type == "QLinearConv" else (ins[0], ins[1])
        precision = _precision(weights=operand_format(graph, w), activations=operand_format(graph, x),
                               outputs=out_fmt)
        return lower_conv(graph, node, x=x, w=w), precision
    a, b = (ins[0], ins[3]) if node.op_type == "QLinearMatMul" else (ins[0], ins[1])
    return _matrix_product(graph, node, a, b, graph.static_shape(a, node, "input A"),
                           graph.static_shape(b, node, "input B"), operand_format(graph, a),
                           operand_format(graph, b), out_fmt)


# ----------------------------------------------------------------------------------- vector ops

def lower_vector(graph: OnnxGraph, node: Any) -> VectorOp | None:
    op = node.op_type
    if op in POOL_MAP:
        attrs = _attrs(node)
        window = math.prod(attrs.get("kernel_shape", [1]))
        return VectorOp(POOL_MAP[op], graph.elements(node.output[0], node) * window)
    if op in REDUCE_MAP:
        return VectorOp(REDUCE_MAP[op], graph.elements(node.input[0], node, "input"))
    name = VECTOR_MAP[op]
    elements = graph.elements(node.output[0], node)
    if op in ("Sum", "Mean", "Max", "Min") and len([i for i in node.input if i]) > 2:
        elements *= len([i for i in node.input if i]) - 1  # n inputs: n-1 element ops per output
    return VectorOp(name, elements)



# ---------------------------------------------------------------------------- recurrent layers

# gates per cell and the element-wise work per hidden unit per step, beyond the two GEMMs
# (derived from the ONNX operator definitions of LSTM, GRU and RNN, default activations):
# LSTM: i, o, f sigmoid; g and the cell output tanh; C = f*C + i*g, H = o*tanh(C): 3 multiplies,
#       1 add; every gate's pre-activation adds the input and recurrent products: 4 adds
# GRU: z, r sigmoid; h~ tanh; h~ reads r*(H.R_h): 1 multiply; H = (1-z)*h~ + z*H: 2 multiplies,
#      2 adds; pre-activations: 3 adds
# RNN: one tanh; its pre-activation: 1 add
RECURRENT_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
RECURRENT_VECTOR_WORK = {
    "LSTM": (("sigmoid", 3), ("tanh", 2), ("mul", 3), ("add", 5)),
    "GRU": (("sigmoid", 2), ("tanh", 1), ("mul", 3), ("add", 5)),
    "RNN": (("tanh", 1), ("add", 1)),
}


def lower_recurrent(graph: OnnxGraph, node: Any) -> list[tuple[str, Op, int, Precision]]:
    """An ONNX LSTM / GRU / RNN as the GEMMs a runtime issues: the input projection of every step at
    once (weights shared by all steps), then one recurrent GEMM per step (each step needs the
    previous hidden state: ``count`` = sequence length), then the gates' element-wise work.
    Returns (name suffix, op, count, precision) per layer."""
    attrs = _attrs(node)
    x_shape = graph.static_shape(node.input[0], node, "input X")
    w_shape = graph.static_shape(node.input[1], node, "weight W")
    if len(x_shape) != 3 or len(w_shape) != 3:
        raise _bad(graph, node, f"X {x_shape} and W {w_shape} are not 3-D")
    seq, batch, inputs = (x_shape[1], x_shape[0], x_shape[2]) if attrs.get("layout", 0) else x_shape
    directions, gate_rows, _ = w_shape
    gates = RECURRENT_GATES[node.op_type]
    hidden = attrs.get("hidden_size", gate_rows // gates)
    precision = _precision(weights=operand_format(graph, node.input[1]),
                           activations=operand_format(graph, node.input[0]))
    layers: list[tuple[str, Op, int, Precision]] = [
        ("input", Gemm(m=seq * batch, k=inputs, n=gates * hidden, batch=directions), 1, precision),
        ("recurrent", Gemm(m=batch, k=hidden, n=gates * hidden, batch=directions), seq,
         _precision(weights=operand_format(graph, node.input[2]))),
    ]
    for op, per_hidden in RECURRENT_VECTOR_WORK[node.op_type]:
        layers.append((op, VectorOp(op, seq * batch * directions * hidden * per_hidden), 1, Precision()))
    return layers


# ----------------------------------------------------------------------------------- resizing

def lower_resize(graph: OnnxGraph, node: Any) -> VectorOp | str:
    """Resize / Upsample: nearest is a copy (free); linear reads 2 neighbours per resized axis and
    cubic 4, one multiply-add each: avgpool over outputs x neighbours (the window-read rule of
    pooling)."""
    mode = _attrs(node).get("mode", "nearest")
    if mode == "nearest":
        return "free"
    taps = {"linear": 2, "bilinear": 2, "cubic": 4}.get(mode)
    if taps is None:
        raise _bad(graph, node, f"mode '{mode}' is not nearest, linear or cubic")
    in_shape = graph.static_shape(node.input[0], node, "input")
    out_shape = graph.static_shape(node.output[0], node, "output")
    resized = sum(1 for a, b in zip(in_shape, out_shape) if a != b)
    return VectorOp("avgpool", math.prod(out_shape) * taps ** resized)


# ------------------------------------------------------------------ ONNX Runtime contrib ops

def lower_contrib(graph: OnnxGraph, node: Any) -> tuple[Op, Precision] | str | None:
    """com.microsoft ops (contrib.py): QLinear element-wise ops as vector ops with their quantised
    types, QLinearConcat free, QGemm as Gemm, MatMulNBits as a Gemm with group-quantised weights."""
    from hwsim.formats import parse_format
    from hwsim.workload.frontends.onnx.contrib import CONTRIB_VECTOR
    from hwsim.workload.frontends.onnx.quant import element_format

    op, ins, out = node.op_type, list(node.input), node.output[0]
    out_fmt = output_format(graph, out)
    if op == "QLinearConcat":
        return "free"
    if op == "QLinearGlobalAveragePool":
        return (VectorOp("avgpool", graph.elements(ins[0], node, "input")),
                _precision(activations=element_format(graph, ins[0]), outputs=out_fmt))
    if op in CONTRIB_VECTOR:
        return (VectorOp(CONTRIB_VECTOR[op], graph.elements(out, node)),
                _precision(activations=operand_format(graph, ins[0]), outputs=out_fmt))
    if op == "QGemm":
        attrs = _attrs(node)
        a_shape = graph.static_shape(ins[0], node, "input A")
        b_shape = graph.static_shape(ins[3], node, "input B")
        if attrs.get("transA", 0):
            a_shape = (a_shape[1], a_shape[0])
        if attrs.get("transB", 0):
            b_shape = (b_shape[1], b_shape[0])
        return _matrix_product(graph, node, ins[0], ins[3], a_shape, b_shape, operand_format(graph, ins[0]),
                               operand_format(graph, ins[3]), out_fmt)
    if op == "MatMulNBits":
        # B holds N x K unsigned `bits`-bit weights in blocks of `block_size` along K, one scale per
        # block (ONNX Runtime ContribOperators.md, MatMulNBits); zero points are not counted
        attrs = _attrs(node)
        a_shape = graph.static_shape(ins[0], node, "input A")
        k, n, bits, block = attrs.get("K"), attrs.get("N"), attrs.get("bits", 4), attrs.get("block_size")
        if not k or not n or not block or a_shape[-1] != k:
            raise _bad(graph, node, f"attributes K={k}, N={n}, block_size={block} do not fit input A {a_shape}")
        from hwsim.workload.frontends.onnx.quant import scale_name

        scale = scale_name(graph, ins[2])
        weights = parse_format(f"uint{bits}@g{block}" + ("" if scale == "uint8" else f":{scale}"))
        return (Gemm(m=math.prod(a_shape[:-1]), k=k, n=n),
                _precision(weights=weights, activations=operand_format(graph, ins[0]), outputs=out_fmt))
    raise _bad(graph, node, "not a supported com.microsoft op")


# ---------------------------------------------------------------------------------- attention

def lower_attention(graph: OnnxGraph, node: Any) -> list[tuple[str, Op, int, Precision]]:
    """ONNX Attention (opset 23+): Q.K^T, softmax and P.V as hwsim runs attention. Q is
    [B, q_heads, S, H] or [B, S, q_heads*H] (``q_num_heads``); K and V [B, kv_heads, L, H] or 3-D
    (``kv_num_heads``); a past_key adds its P positions (T = P + L). Grouped-query heads share one K/V
    head: the g = q_heads / kv_heads query heads of a group stack their rows (m = S*g). Causal and
    windowed masks are counted in full, as a dense kernel computes them."""
    attrs = _attrs(node)
    ins = list(node.input) + [""] * (6 - len(node.input))
    q = graph.static_shape(ins[0], node, "query Q")
    k = graph.static_shape(ins[1], node, "key K")
    v = graph.static_shape(ins[2], node, "value V")

    def heads_of(shape: tuple[int, ...], heads_attr: str, role: str) -> tuple[int, int, int, int]:
        if len(shape) == 4:
            return shape[0], shape[1], shape[2], shape[3]
        heads = attrs.get(heads_attr, 0)
        if len(shape) != 3 or not heads or shape[2] % heads:
            raise _bad(graph, node, f"{role} {shape} is not [B, heads, S, H], nor [B, S, heads*H] with {heads_attr}")
        return shape[0], heads, shape[1], shape[2] // heads

    batch, q_heads, s, h = heads_of(q, "q_num_heads", "Q")
    _, kv_heads, length, _ = heads_of(k, "kv_num_heads", "K")
    hv = heads_of(v, "kv_num_heads", "V")[3]
    past = graph.static_shape(ins[4], node, "past_key")[2] if ins[4] else 0
    total = past + length
    if q_heads % kv_heads:
        raise _bad(graph, node, f"{q_heads} query heads are not a multiple of {kv_heads} key/value heads")
    group = q_heads // kv_heads
    kv = operand_format(graph, ins[1])
    precision = _precision(activations=operand_format(graph, ins[0]), kv=kv)
    return [
        ("scores", MatMul(m=s * group, k=h, n=total, batch=batch * kv_heads), 1, precision),
        ("softmax", VectorOp("softmax", batch * q_heads * s * total), 1, Precision()),
        ("context", MatMul(m=s * group, k=total, n=hv, batch=batch * kv_heads), 1,
         _precision(kv=operand_format(graph, ins[2]))),
    ]
