"""A workload compiled once into a struct of arrays: one entry per layer, no Python per layer
after this point. The engine gathers these columns against a design batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hwsim.errors import HwsimInputError
from hwsim.formats import Precision
from hwsim.workload.layer import Workload

# Largest MAC count per layer (all repeats) hwsim computes exactly: float64 holds every integer
# below 2^53, and energies and bits are float64 (derived); larger layers are refused, never wrapped.
MAX_EXACT = 2 ** 53


@dataclass(frozen=True, eq=False)
class LayerBatch:
    names: tuple[str, ...]
    kinds: tuple[str, ...]            # op kind per layer: gemm, matmul, conv2d, vector
    precisions: tuple[Precision, ...]  # as the workload gives them (unset operands: the design's default)
    count: np.ndarray                 # identical repeats
    is_gemm: np.ndarray               # bool: runs on the compute fabric
    b_is_kv: np.ndarray               # bool: the B operand is the KV cache (attention)
    writes_kv: np.ndarray             # bool: the output is new K/V, stored in the KV format
    vector_op: tuple[str, ...]        # element-wise op name ('' for GEMM-like layers)
    m: np.ndarray
    k: np.ndarray
    n: np.ndarray
    instances: np.ndarray
    a_unique_words: np.ndarray        # per instance: inputs some window reads (compulsory)
    a_input_words: np.ndarray         # per instance: the whole input (SCALE-Sim fetches it all)
    vector_elements: np.ndarray
    vector_ops: np.ndarray
    # per instance: a convolution's kernel and output rows x columns (1 for a GEMM)
    kernel_h: np.ndarray = None
    kernel_w: np.ndarray = None
    out_h: np.ndarray = None
    out_w: np.ndarray = None
    activation_density: np.ndarray = None   # nonzero fraction of the input activations (NaN when not given)
    llm: tuple | None = None          # the workload's (LlmArch, Scenario), for hwsim/workload/footprint.py

    @property
    def size(self) -> int:
        return len(self.names)


@lru_cache(maxsize=64)  # a workload is compiled once, however many design points or calls use it
def layer_batch(workload: Workload) -> LayerBatch:
    rows = []
    for layer in workload.layers:
        view = layer.op.gemm_view()
        if view is not None:
            macs = view.m * view.k * view.n * view.instances * layer.count
            if macs >= MAX_EXACT or view.a_input_words * layer.count >= MAX_EXACT:
                raise HwsimInputError(f"layer '{layer.name}': {macs:.3g} MACs is beyond what hwsim computes exactly",
                                      source=f"workload '{workload.name}'", field="m, k, n",
                                      allowed=f"fewer than 2^53 = {MAX_EXACT:.3g} MACs per layer")
            rows.append((True, view.b_operand == "kv", view.m, view.k, view.n, view.instances,
                         view.a_unique_words, view.a_input_words, 0, 0,
                         view.kernel_h, view.kernel_w, view.out_h, view.out_w))
        else:
            if layer.op.ops * layer.count >= MAX_EXACT:
                raise HwsimInputError(f"layer '{layer.name}': {layer.op.ops:.3g} element ops is beyond what hwsim "
                                      "computes exactly", source=f"workload '{workload.name}'", field="elements")
            rows.append((False, False, 0, 0, 0, 1, 0, 0, layer.op.elements, layer.op.ops, 1, 1, 1, 1))
    if not rows:
        raise HwsimInputError("the workload has no layers", source=workload.source or workload.name)
    cols = list(zip(*rows))
    i64 = lambda values: np.array(values, dtype=np.int64)  # noqa: E731
    return LayerBatch(
        names=tuple(layer.name for layer in workload.layers),
        kinds=tuple(layer.op.kind for layer in workload.layers),
        precisions=tuple(layer.precision for layer in workload.layers),
        count=i64([layer.count for layer in workload.layers]),
        is_gemm=np.array(cols[0], dtype=bool), b_is_kv=np.array(cols[1], dtype=bool),
        writes_kv=np.array([layer.writes_kv for layer in workload.layers], dtype=bool),
        vector_op=tuple(getattr(layer.op, "op", "") if layer.op.gemm_view() is None else ""
                        for layer in workload.layers),
        m=i64(cols[2]), k=i64(cols[3]), n=i64(cols[4]), instances=i64(cols[5]),
        a_unique_words=i64(cols[6]), a_input_words=i64(cols[7]),
        vector_elements=i64(cols[8]), vector_ops=i64(cols[9]),
        kernel_h=i64(cols[10]), kernel_w=i64(cols[11]), out_h=i64(cols[12]), out_w=i64(cols[13]),
        activation_density=np.array([np.nan if layer.activation_density is None else layer.activation_density
                                     for layer in workload.layers]), llm=workload.llm,
    )
