"""Number formats read from a quantised ONNX graph, per operand of each layer.

A QDQ graph marks a quantised operand with a DequantizeLinear whose input is the stored integer
(or FP8/FP4) tensor: its element type is the operand's format, its ``block_size`` (opset 21) makes
it group-scaled (``int4@g128``, with the scale's own type when that is not uint8), and a per-channel
scale (a 1-D scale with ``axis``) stays the plain element format, as hwsim has no per-channel
format (one scale per output channel is K elements, applied after the accumulation).
QLinearConv / QLinearMatMul / ConvInteger / MatMulInteger carry the types on their own inputs.
A float tensor says nothing about the deployment precision: it is left to the accelerator's
default (``None``).
"""

from __future__ import annotations

from typing import Any

from hwsim.formats import NumberFormat, parse_format
from hwsim.workload.frontends.onnx.graph import OnnxGraph

# TensorProto data types (onnx.proto3 enum TensorProto.DataType) -> hwsim format names. FNUZ FP8
# variants store the same 1+E+M bits (they differ in NaN/zero encoding only).
_ELEMENT_NAMES: dict[int, str] = {
    2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 12: "uint32",
    17: "fp8_e4m3", 18: "fp8_e4m3", 19: "fp8_e5m2", 20: "fp8_e5m2",
    21: "uint4", 22: "int4", 23: "fp4_e2m1", 25: "uint2", 26: "int2",
}
_FLOAT_NAMES: dict[int, str] = {1: "fp32", 10: "fp16", 16: "bf16", 11: "fp64"}
_SCALE_NAMES: dict[int, str] = {**_FLOAT_NAMES, 24: "e8m0"}
QUANTISED_ELEMENT_TYPES = frozenset(_ELEMENT_NAMES)

# ops that move or view a tensor without changing its values' format: a weight reshaped or
# transposed after its DequantizeLinear keeps that format
_LAYOUT_OPS = frozenset({"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Identity"})
# ops between a layer and the QuantizeLinear of its output that keep the output's scale (a fused
# activation in a QDQ graph)
_PASS_TO_QUANT = _LAYOUT_OPS | {"Relu", "Clip"}


def scale_name(graph: OnnxGraph, tensor: str) -> str:
    """The hwsim name of a scale tensor's type (fp32 when unknown, the ONNX default)."""
    return _SCALE_NAMES.get(graph.elem_types.get(tensor, 1), "fp32")


def element_format(graph: OnnxGraph, tensor: str) -> NumberFormat | None:
    """The integer / low-bit float format a tensor is stored in, None for a float tensor."""
    name = _ELEMENT_NAMES.get(graph.elem_types.get(tensor, 0))
    return parse_format(name) if name else None


def _attr(node: Any, name: str, default: int) -> int:
    for attr in node.attribute:
        if attr.name == name:
            return int(attr.i)
    return default


def dequantized_format(graph: OnnxGraph, dq: Any) -> NumberFormat | None:
    """The format a DequantizeLinear reads: element type, grouped when it has a block_size."""
    element = _ELEMENT_NAMES.get(graph.elem_types.get(dq.input[0], 0))
    if element is None:
        return None
    block = _attr(dq, "block_size", 0)
    if block > 0:
        scale = scale_name(graph, dq.input[1])
        return parse_format(f"{element}@g{block}" + ("" if scale == "uint8" else f":{scale}"))
    return parse_format(element)


def operand_format(graph: OnnxGraph, tensor: str) -> NumberFormat | None:
    """The format of a layer's operand: a quantised type on the tensor itself (QLinear*, *Integer),
    or the DequantizeLinear that produced it, looked for through layout-only ops."""
    seen = 0
    while seen < 64:  # a chain of views, never a cycle in a valid graph; bounded all the same
        direct = element_format(graph, tensor)
        if direct is not None:
            return direct
        node = graph.producer.get(tensor)
        if node is None:
            return None
        if node.op_type == "DequantizeLinear":
            return dequantized_format(graph, node)
        if node.op_type not in _LAYOUT_OPS:
            return None
        tensor = node.input[0]
        seen += 1
    return None


def output_format(graph: OnnxGraph, tensor: str) -> NumberFormat | None:
    """The format a layer's result is stored in: its own quantised type (QLinear*, int32 of the
    *Integer ops), or the QuantizeLinear every consumer path reaches through fused activations."""
    direct = element_format(graph, tensor)
    if direct is not None:
        return direct
    found: set[str] = set()
    frontier, steps = [tensor], 0
    while frontier and steps < 256:
        steps += 1
        current = frontier.pop()
        consumers = graph.consumers.get(current, [])
        if not consumers:
            return None  # a graph output or a dead end: stored as it is
        for node in consumers:
            if node.op_type == "QuantizeLinear":
                fmt = element_format(graph, node.output[0])
                if fmt is None:
                    return None
                found.add(fmt.name)
            elif node.op_type in _PASS_TO_QUANT and node.input and node.input[0] == current:
                frontier.extend(o for o in node.output if o)
            else:
                return None
    return parse_format(found.pop()) if len(found) == 1 else None
