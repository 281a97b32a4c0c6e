"""Round-4 mutation pins on hwsim/drivers/llm_summary.py and generate.py (formulas in their module
docstrings and docs/workloads-llm.md, "What `hwsim run` prints for an LLM")."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import hwsim
from hwsim.cli import main
from hwsim.drivers.generate import GenerateResult
from hwsim.drivers.llm_summary import MemoryFit, kind_digest, layer_kind

# hidden 64, 4 heads of 16 (2 KV heads), FFN 128, 2 blocks, vocab 100
TINY = {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
        "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 100, "hidden_act": "silu"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("llm4") / "tiny-llama.json"
    path.write_text(json.dumps(TINY))
    return str(path)


def test_memory_fit_counts_weights_kv_and_activations():
    """fits_memory = weights + KV cache + peak activations <= capacity: 100 + 20 + 5 = 125 bits do
    not fit 110, nor 124; they fit 125."""
    assert MemoryFit(100.0, 20.0, 5.0, 110.0).total_bits == 125.0
    assert not MemoryFit(100.0, 20.0, 5.0, 110.0).fits
    assert not MemoryFit(100.0, 20.0, 5.0, 124.0).fits
    assert MemoryFit(100.0, 20.0, 5.0, 125.0).fits


def test_digest_phase_is_prefill_only_for_prefill_layers():
    """kind_digest: the phase is 'prefill' for prefill/... layers, 'decode' for the rest
    (decode/..., decode@L=.../...); rows come prefill first, each phase in KINDS order."""
    layers = pd.DataFrame({
        "layer": ["prefill/q_proj", "prefill/attn_qk", "decode/q_proj", "decode@L=3/attn_qk"],
        "op": ["gemm", "matmul", "gemm", "matmul"],
        "latency_s": [1.0, 2.0, 3.0, 4.0], "energy_pj": [1.0, 1.0, 1.0, 1.0],
        "bound": ["compute"] * 4,
    })
    digest = kind_digest(layers)
    assert list(zip(digest["phase"], digest["kind"], digest["latency_s"])) == [
        ("prefill", "qkv_proj", 1.0), ("prefill", "attention", 2.0),
        ("decode", "qkv_proj", 3.0), ("decode", "attention", 4.0)]


@pytest.mark.parametrize("name, op, kind", [
    ("prefill/lm_head.m1", "gemm", "lm_head"), ("decode/o_proj.w4096", "gemm", "o_proj"),
    ("decode/q_proj.m2", "gemm", "qkv_proj"),
])
def test_layer_kind_drops_the_split_tag_after_a_dot(name, op, kind):
    """layer_kind's docstring: the part after the phase, cut at its first '.' (expert_up.m3 ->
    expert_up) and '#', names the kind."""
    assert layer_kind(name, op) == kind


def test_generate_decode_energy_per_token_divides_by_batch_and_steps(tiny, capsys):
    """generate at batch 2, 3 new tokens: decode_energy_per_token_j = decode energy / (B x N) =
    decode_energy_pj x 1e-12 / 6 (hwsim run's llm figures and hwsim.generate's agree)."""
    assert main(["run", "scalesim-default", tiny, "--phase", "generate", "--prompt", "4", "--new-tokens", "3",
                 "--batch", "2", "--format", "json", "--out", ""]) == 0
    doc = json.loads(capsys.readouterr().out)
    decode_pj = doc["generate"]["decode_energy_pj"]
    assert doc["llm"]["decode_energy_per_token_j"] == pytest.approx(decode_pj * 1e-12 / (2 * 3), rel=1e-12)
    assert doc["generate"]["decode_energy_per_token_pj"] == pytest.approx(decode_pj / (2 * 3), rel=1e-12)


def test_generate_kv_format_is_the_attention_layers(tiny):
    """generate.py: peak_kv_bytes are at the KV format the attention layers read. A plan sets INT8 KV
    on the attention matmuls only (the A100 roofline's default is FP16, which q_proj keeps): the cache
    of prompt 3 + 2 new tokens is 2 blocks x 5 tokens x 2 x 2 KV heads x 16 = 640 elements of 1 byte."""
    work = hwsim.load_workload(tiny, phase="generate", prompt=3, new_tokens=2, gemm_only=True)
    work = hwsim.parse_precision_plan("layer,kv\n*attn_*,int8\n").apply(work)
    g = GenerateResult(*work.llm, hwsim.simulate("gpu-a100-roofline", work))
    assert g.kv_format == "int8" and g.kv_bits == 8
    assert g.peak_kv_bytes == 2 * 5 * 2 * 2 * 16 * 8 / 8 == 640
