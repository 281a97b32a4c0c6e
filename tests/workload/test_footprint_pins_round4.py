"""Round-4 mutation pins on hwsim/workload/footprint.py (rules in its module docstring and
docs/model-assumptions.md, "Memory footprint"), by hand on tiny layers and a tiny config."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import hwsim
from hwsim.formats import Precision
from hwsim.workload.footprint import workload_footprint

INT8 = Precision("int8", "int8", "int8")


def test_peak_activations_hold_the_whole_input_of_a_strided_convolution():
    """A 1 x 1 convolution, stride 2, of an 8 x 8 x 4 input to 2 channels (output 4 x 4 x 2): its
    windows read only 4 x 4 x 4 = 64 inputs, but the layer holds its whole 8 x 8 x 4 = 256-element
    input and its 32 outputs: (256 + 32) x 8 bits = 2304; weights 1 x 1 x 4 x 2 = 8 x 8 bits."""
    work = hwsim.Workload("c", (hwsim.Layer("conv", hwsim.Conv2d(8, 8, 4, 2, 1, 1, stride=2)),))
    fp = workload_footprint(work, INT8)
    assert fp.activations_bits == (8 * 8 * 4 + 4 * 4 * 2) * 8 == 2304
    assert fp.weights_bits == 1 * 1 * 4 * 2 * 8


def _tiny_llama(tmp_path):
    """hidden 8, 2 heads of 4 (2 KV heads), FFN 16, 1 block, vocab 10, untied."""
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 8,
              "intermediate_size": 16, "num_attention_heads": 2, "num_key_value_heads": 2,
              "num_hidden_layers": 1, "vocab_size": 10, "max_position_embeddings": 64,
              "tie_word_embeddings": False, "hidden_act": "silu"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return path


def test_llm_weights_are_every_parameter_at_the_element_weighted_mean_weight_bits(tmp_path):
    """Every parameter of the tiny Llama: q, k, v, o 4 x 8 x 8 = 256, two RMSNorm scales 2 x 8 = 16,
    gate/up/down 3 x 8 x 16 = 384, embeddings 10 x 8 = 80, LM head 80, final norm 8: 824. The decode
    step's weight layers hold q, k, v, o (64 elements each, INT8), gate, up, down (128 each, INT4 by
    the layers' own precision) and the LM head (80, INT8): mean bits (336 x 8 + 384 x 4) / 720 =
    4224 / 720, so the weights take 824 x 4224 / 720 bits (not the widest, 8 bits each)."""
    work = hwsim.load_workload(str(_tiny_llama(tmp_path)), phase="decode", kv_len=3, gemm_only=True)
    layers = tuple(replace(layer, precision=Precision(weights="int4")) if "/ffn_" in layer.name else layer
                   for layer in work.layers)
    fp = workload_footprint(replace(work, layers=layers), INT8)
    assert fp.weights_bits == pytest.approx(824 * 4224 / 720, rel=1e-12)
    # the KV cache: 1 block x (3 + 1) tokens x 2 x 2 KV heads x 4 = 64 elements of 8 bits
    assert fp.kv_bits == 64 * 8
