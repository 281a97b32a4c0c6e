"""What a workload keeps in DRAM, in bits: weights at their formats, the KV cache at its length and
format, and the peak activations; to set against a design's DRAM capacity
(``DesignBatch.dram_capacity_bits``).

Rules (docs/model-assumptions.md, "Memory footprint"):

* **Weights**: every weight GEMM's K x N x instances x count elements at the layer's weight bits
  (a repeat is a separate layer: the blocks of a trace hold their own weights). An LLM workload
  (``Workload.llm``) stores every parameter of its model, not only the layers a step runs:
  ``hwsim.workload.llm_arch.parameters(arch).total`` (every expert, the embeddings, norms and
  biases; a tied LM head once) at the mean weight bits of its weight layers (weighted by their
  elements), since untouched experts and embeddings are no layer of the step.
* **KV cache**: an LLM decoder caches K and V of every token of its longest context:
  2 x blocks x KV heads x head dim x batch x tokens (prefill: the sequence; decode: the KV length
  plus the new token; generate: prompt + new tokens; a sliding window caps it) at the widest KV
  format of its attention layers. Other workloads: every layer whose B operand is the KV cache
  holds K x N x instances x count elements of it, at the layer's KV bits.
* **Activations**: the largest layer's input plus output (its A operand, an activation B operand,
  and its result), for one repeat: layers run back to back, so a layer's tensors are freed before
  the next; element-wise layers hold one input and one output tensor.

The bit arrays are a design's resolved per-layer bits, as the engine's precision tables hold them
(hwsim/engine/precisions.py: ``a_bits``, ``b_bits`` (the KV format where B is the cache),
``out_bits`` (the KV format where the output is new K/V)), shaped (L,) or (G, L) for G designs;
``resolved_bits`` makes them from per-layer ``Precision`` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hwsim.formats import Precision
from hwsim.workload.batch import LayerBatch, layer_batch
from hwsim.workload.layer import Workload


@dataclass(frozen=True)
class Footprint:
    """Bits in DRAM by kind; arrays shaped like the bit arrays without their layer axis."""

    weights_bits: np.ndarray
    kv_bits: np.ndarray
    activations_bits: np.ndarray

    @property
    def total_bits(self) -> np.ndarray:
        return self.weights_bits + self.kv_bits + self.activations_bits


def resolved_bits(layers: LayerBatch, resolved: Sequence[Precision]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a_bits, b_bits, out_bits) per layer from fully resolved precisions, as the engine's precision
    table sets them: B is the KV format where it is the cache, 0 for element-wise layers; the output
    is the KV format where it is new K/V."""
    a = np.array([p.activations.bits_per_element for p in resolved], dtype=np.float64)
    b = np.array([(p.kv if kv else p.weights).bits_per_element if gemm else 0.0
                  for p, kv, gemm in zip(resolved, layers.b_is_kv, layers.is_gemm)], dtype=np.float64)
    out = np.array([(p.kv if new_kv else p.outputs).bits_per_element
                    for p, new_kv in zip(resolved, layers.writes_kv)], dtype=np.float64)
    return a, b, out


def footprint(layers: LayerBatch, a_bits, b_bits, out_bits) -> Footprint:
    """The workload's DRAM footprint at the given per-layer bits ((L,) or (G, L) arrays); an LLM
    workload's batch carries its model (``LayerBatch.llm``)."""
    a_bits, b_bits, out_bits = (np.asarray(x, dtype=np.float64) for x in (a_bits, b_bits, out_bits))
    kinds = np.array(layers.kinds)
    weight_layer = layers.is_gemm & ~layers.b_is_kv & (kinds != "matmul")
    b_words = (layers.k * layers.n * layers.instances * layers.count).astype(np.float64)
    weight_words = np.where(weight_layer, b_words, 0.0)
    kv_layer = layers.is_gemm & layers.b_is_kv
    if layers.llm is not None:
        weights, kv = _llm_stored(layers, weight_words, kv_layer, b_bits, out_bits)
    else:
        weights = (weight_words * b_bits).sum(axis=-1)
        kv = (np.where(kv_layer, b_words, 0.0) * b_bits).sum(axis=-1)
    return Footprint(weights, kv, _peak_activations(layers, a_bits, out_bits))


def workload_footprint(workload: Workload, default: Precision, override: Precision | None = None) -> Footprint:
    """``footprint`` with each layer's formats resolved as a run resolves them: the layer's own, the
    run's ``override`` on top, the design's ``default`` precision for what is still unset."""
    layers = layer_batch(workload)
    resolved = [(p.overridden_by(override) if override is not None else p).filled_from(default)
                for p in layers.precisions]
    return footprint(layers, *resolved_bits(layers, resolved))


def _peak_activations(layers: LayerBatch, a_bits: np.ndarray, out_bits: np.ndarray) -> np.ndarray:
    """The largest layer's input + output bits, one repeat (docstring of the module)."""
    gemm = layers.is_gemm
    inputs = np.where(gemm, layers.a_input_words * layers.instances, layers.vector_elements).astype(np.float64)
    activation_b = gemm & ~layers.b_is_kv & (np.array(layers.kinds) == "matmul")
    inputs = inputs + np.where(activation_b, layers.k * layers.n * layers.instances, 0).astype(np.float64)
    outputs = np.where(gemm, layers.m * layers.n * layers.instances, layers.vector_elements).astype(np.float64)
    return (inputs * a_bits + outputs * out_bits).max(axis=-1)


def _llm_stored(layers: LayerBatch, weight_words: np.ndarray, kv_layer: np.ndarray, b_bits: np.ndarray,
                out_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An LLM's weights (every parameter at its weight layers' mean bits) and KV cache (K and V of
    every token of the longest context, at the widest KV format of its attention layers)."""
    from hwsim.workload.llm_arch import parameters

    arch, scenario = layers.llm
    mean_bits = (weight_words * b_bits).sum(axis=-1) / weight_words.sum()
    weights = parameters(arch).total * mean_bits
    if not arch.decoder:
        return weights, np.zeros_like(weights)
    tokens = {"prefill": scenario.seq_len, "decode": (scenario.kv_len or 0) + 1,
              "generate": (scenario.prompt or 0) + (scenario.new_tokens or 0)}[scenario.phase]
    # per block min(tokens, window) tokens; K and V of every KV head, or MLA's latent + rotary key
    words = arch.kv_cache_elements(tokens) * scenario.batch
    kv_bits = np.concatenate([np.where(kv_layer, b_bits, 0.0), np.where(layers.writes_kv, out_bits, 0.0)], axis=-1)
    return weights, words * kv_bits.max(axis=-1)
