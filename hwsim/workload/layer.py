"""Layers (an op, its per-operand formats and a repeat count) and workloads."""

from __future__ import annotations

from dataclasses import dataclass, field

from hwsim.formats import NumberFormat
from hwsim.workload.ops import Op

OPERANDS = ("weights", "activations", "outputs", "kv")


@dataclass(frozen=True)
class Precision:
    """Per-operand formats of one layer. ``None`` means: the accelerator's declared default."""

    weights: NumberFormat | None = None
    activations: NumberFormat | None = None
    outputs: NumberFormat | None = None
    kv: NumberFormat | None = None

    def filled_from(self, default: "Precision") -> "Precision":
        """This precision with every unset operand taken from ``default``; kv falls back to activations."""
        weights = self.weights or default.weights
        activations = self.activations or default.activations
        outputs = self.outputs or default.outputs
        kv = self.kv or default.kv or activations
        return Precision(weights, activations, outputs, kv)

    def overridden_by(self, other: "Precision") -> "Precision":
        """``other``'s set operands win (CLI --weights/--activations/... on a whole run)."""
        return Precision(other.weights or self.weights, other.activations or self.activations,
                         other.outputs or self.outputs, other.kv or self.kv)


@dataclass(frozen=True)
class Layer:
    name: str
    op: Op
    precision: Precision = field(default_factory=Precision)
    count: int = 1  # identical repeats, e.g. 12 encoder blocks; a result row covers all of them


@dataclass(frozen=True)
class Workload:
    name: str
    layers: tuple[Layer, ...]
    source: str = ""

    @property
    def macs(self) -> int:
        total = 0
        for layer in self.layers:
            view = layer.op.gemm_view()
            if view is not None:
                total += view.macs * layer.count
        return total
