"""ONNX Runtime's ``com.microsoft`` ops that quantised models carry: their output shapes (ONNX's
shape inference has no schema for them) and what each becomes.

ONNX Runtime's QOperator quantisation writes QLinearAdd / QLinearMul / QLinearConcat /
QLinearGlobalAveragePool / QLinearSigmoid / QLinearLeakyRelu / QLinearSoftmax / QGemm around the
standard QLinearConv and QLinearMatMul; its 4-bit LLM exports use MatMulNBits. Shapes follow the
operator definitions in ONNX Runtime's docs/ContribOperators.md.
"""

from __future__ import annotations

from typing import Any

DOMAIN = "com.microsoft"

# element-wise contrib op -> (hwsim vector op, index of the first data input)
CONTRIB_VECTOR: dict[str, str] = {
    "QLinearAdd": "add", "QLinearMul": "mul", "QLinearSigmoid": "sigmoid", "QLinearLeakyRelu": "leakyrelu",
    "QLinearSoftmax": "softmax", "Gelu": "gelu", "FastGelu": "gelu", "QuickGelu": "silu", "BiasGelu": "gelu",
    "RotaryEmbedding": "rope",
}
CONTRIB_OPS = frozenset({*CONTRIB_VECTOR, "QLinearGlobalAveragePool", "QLinearConcat", "QGemm", "MatMulNBits"})


def _attrs(node: Any) -> dict[str, Any]:
    return {a.name: (list(a.ints) if a.ints else a.i) for a in node.attribute}


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    rank = max(len(a), len(b))
    a, b = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(out)


def output_shape(node: Any, shape: Any, elem_type: Any) -> tuple[int, tuple[int, ...]] | None:
    """(element type, shape) of the node's first output, or None while an input is unknown.
    ``shape(name)`` and ``elem_type(name)`` look tensors up (None when unknown)."""
    op, ins = node.op_type, list(node.input)
    attrs = _attrs(node)
    if op in ("QLinearAdd", "QLinearMul"):
        a, b = shape(ins[0]), shape(ins[3])
        if a is None or b is None:
            return None
        out = _broadcast(a, b)
        return None if out is None else (elem_type(ins[0]), out)
    if op in ("QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", "Gelu", "FastGelu", "QuickGelu", "BiasGelu",
              "RotaryEmbedding"):
        x = shape(ins[0])
        return None if x is None else (elem_type(ins[0]), x)
    if op == "QLinearGlobalAveragePool":
        x = shape(ins[0])
        if x is None:
            return None
        out = (x[0], *[1] * (len(x) - 2), x[-1]) if attrs.get("channels_last", 0) else (x[0], x[1], *[1] * (len(x) - 2))
        return elem_type(ins[0]), out
    if op == "QLinearConcat":  # Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per input
        xs = [shape(ins[i]) for i in range(2, len(ins), 3)]
        if any(x is None for x in xs) or not xs:
            return None
        axis = attrs.get("axis", 0) % len(xs[0])
        out = list(xs[0])
        out[axis] = sum(x[axis] for x in xs)
        return elem_type(ins[2]), tuple(out)
    if op == "QGemm":  # A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp
        a, b = shape(ins[0]), shape(ins[3])
        if a is None or b is None:
            return None
        m = a[1] if attrs.get("transA", 0) else a[0]
        n = b[0] if attrs.get("transB", 0) else b[1]
        quantised_out = len(ins) > 8 and ins[8]
        return (elem_type(ins[8]) if quantised_out else 1), (m, n)
    if op == "MatMulNBits":  # A [..., K] x packed B -> [..., N]
        a = shape(ins[0])
        if a is None or "N" not in attrs:
            return None
        return elem_type(ins[0]), (*a[:-1], int(attrs["N"]))
    return None
