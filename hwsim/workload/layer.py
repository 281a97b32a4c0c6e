"""Layers (an op, its per-operand formats and a repeat count) and workloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

from hwsim.formats import OPERANDS, Precision  # noqa: F401  (re-exported: Precision and OPERANDS live with the formats)
from hwsim.workload.ops import Op


@dataclass(frozen=True)
class Layer:
    name: str
    op: Op
    precision: Precision = field(default_factory=Precision)
    count: int = 1  # identical repeats, e.g. 12 encoder blocks; a result row covers all of them
    # the layer's output is new K or V for the cache: written in the KV format, not the output one
    writes_kv: bool = False
    # fraction of the layer's input activations that are nonzero (e.g. after a ReLU), for activation
    # compression (buffers.activation_compression); None = not given: treated as dense (1.0)
    activation_density: float | None = None

    def __post_init__(self) -> None:
        from hwsim.errors import HwsimInputError, require_flag

        if not isinstance(self.name, str) or not self.name:
            raise HwsimInputError(f"{self.name!r} is not a layer name", field="name",
                                  allowed="non-empty text (results and precision plans address layers by name)")
        from hwsim.inputs import name_problem

        problem = name_problem(self.name)
        if problem:
            raise HwsimInputError(f"{problem}: not a layer name", field="name",
                                  allowed="printable text on one line (results and precision plans address layers "
                                          "by name)")
        if not isinstance(self.op, Op):
            raise HwsimInputError(f"layer '{self.name}': {self.op!r} is not an op", field="op",
                                  allowed="hwsim.Gemm, MatMul, Conv2d or VectorOp")
        if not isinstance(self.precision, Precision):
            raise HwsimInputError(f"layer '{self.name}': {self.precision!r} is not a Precision", field="precision",
                                  allowed="hwsim.Precision(weights=..., activations=..., ...)")
        # numpy integers are integers; a repeat count of 0 would divide per-repeat figures by zero
        if isinstance(self.count, bool) or not isinstance(self.count, Integral) or self.count < 1:
            raise HwsimInputError(f"layer '{self.name}': count {self.count!r}", field="count",
                                  allowed="an integer >= 1 (identical repeats)")
        object.__setattr__(self, "count", int(self.count))
        require_flag(self.writes_kv, "writes_kv", source=f"layer '{self.name}'")
        d = self.activation_density
        if d is not None and (isinstance(d, bool) or not isinstance(d, Real) or not 0.0 < d <= 1.0):
            raise HwsimInputError(f"layer '{self.name}': {d!r} is not a fraction of nonzero activations",
                                  field="activation_density", allowed="a number in (0, 1], or None")


@dataclass(frozen=True)
class Workload:
    name: str
    layers: tuple[Layer, ...]
    source: str = ""
    # an LLM workload's (LlmArch, Scenario) (hwsim/workload/llm.py): what it stores beyond the layers
    # it runs (every expert, the embeddings, the KV cache at its longest context), for
    # hwsim/workload/footprint.py
    llm: tuple | None = None

    def __post_init__(self) -> None:
        from hwsim.errors import HwsimInputError

        if not isinstance(self.name, str):
            raise HwsimInputError(f"{self.name!r} is not a workload name", field="name", allowed="text")
        if isinstance(self.layers, list):   # a list reads as the tuple it holds (the dataclass stays hashable)
            object.__setattr__(self, "layers", tuple(self.layers))
        if not isinstance(self.layers, tuple) or not all(isinstance(layer, Layer) for layer in self.layers):
            raise HwsimInputError(f"workload '{self.name}': layers must be hwsim.Layer objects", field="layers",
                                  allowed="a tuple or list of hwsim.Layer")
        # results and precision plans address layers by name: two of one name would be one row
        seen = set()
        for layer in self.layers:
            if layer.name in seen:
                raise HwsimInputError(f"two layers are named '{layer.name}'", source=self.name or None,
                                      field="layers", allowed="a distinct name per layer")
            seen.add(layer.name)

    @property
    def macs(self) -> int:
        total = 0
        for layer in self.layers:
            view = layer.op.gemm_view()
            if view is not None:
                total += view.macs * layer.count
        return total
