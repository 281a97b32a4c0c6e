"""Workload IR: ops lowered to GEMMs, layers with per-operand formats, traces and frontends."""

from hwsim.workload.layer import Layer, Precision, Workload
from hwsim.workload.ops import Conv2d, Gemm, GemmView, MatMul, VectorOp

__all__ = ["Conv2d", "Gemm", "GemmView", "Layer", "MatMul", "Precision", "VectorOp", "Workload"]
