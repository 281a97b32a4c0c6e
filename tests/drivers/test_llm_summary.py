"""`hwsim run ... --phase prefill|decode|generate`: the serving summary and the per-layer-kind
digest (hwsim/drivers/llm_summary.py; formulas in docs/workloads-llm.md, "What `hwsim run` prints
for an LLM").

A tiny Llama (hidden 64, 4 heads, 2 KV heads, head_dim 16, 2 blocks, FFN 128, vocab 100) on
scalesim-default, whose default precision is int8 everywhere (KV cache included), so the KV cache
is 2 x blocks x KV heads x head_dim x tokens x batch x 8 bits / 8 = 128 bytes per token and
sequence, written out below.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from hwsim.cli import main
from hwsim.drivers.llm_summary import KINDS, kind_digest, layer_kind

ACCEL = "scalesim-default"
DDR4_8GIB = str(Path(__file__).resolve().parents[1] / "specs" / "ddr4_8gib.yaml")
KV_BYTES_PER_TOKEN = 2 * 2 * 2 * 16 * 8 // 8      # 2 (K, V) x blocks x KV heads x head_dim x int8 / 8 = 128


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("llm") / "tiny-llama.json"
    path.write_text(json.dumps({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
                                "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2,
                                "vocab_size": 100, "hidden_act": "silu"}))
    return str(path)


def _run_json(capsys, *argv) -> dict:
    assert main(["run", *argv, "--format", "json", "--out", ""]) == 0
    return json.loads(capsys.readouterr().out)


def _layers(doc_dir: Path) -> pd.DataFrame:
    return pd.read_csv(doc_dir / "layers.csv")


def test_decode_summary_by_hand(tiny, capsys, tmp_path):
    out = tmp_path / "dec"
    assert main(["run", ACCEL, tiny, "--phase", "decode", "--kv-len", "31", "--batch", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    doc = json.loads((out / "summary.json").read_text())
    layers = _layers(out)
    latency, energy_pj = layers["latency_s"].sum(), layers["energy_pj"].sum()
    llm = doc["llm"]
    assert doc["accelerator"] == ACCEL and doc["workload"] == "tiny-llama decode L=31 B=2"
    assert llm["phase"] == "decode" and llm["batch"] == 2 and llm["kv_len"] == 31
    assert llm["time_per_output_token_s"] == pytest.approx(latency, rel=1e-9)         # one step
    assert llm["tokens_per_s"] == pytest.approx(2 / latency, rel=1e-9)                # batch / latency
    assert llm["energy_per_token_j"] == pytest.approx(energy_pj * 1e-12 / 2, rel=1e-9)  # J, not pJ
    assert llm["average_power_w"] == pytest.approx(energy_pj * 1e-12 / latency, rel=1e-9)
    # the cache after this step: L + 1 = 32 tokens x 2 sequences
    assert llm["kv_cache_bytes"] == KV_BYTES_PER_TOKEN * 32 * 2 == 8192
    assert llm["fits_memory"] is True and llm["dram_capacity_bytes"] is None    # no capacity declared
    assert "time_to_first_token_s" not in llm


def test_prefill_summary_by_hand(tiny, capsys):
    doc = _run_json(capsys, ACCEL, tiny, "--phase", "prefill", "--seq-len", "16", "--batch", "2")
    llm, latency, energy_pj = doc["llm"], doc["latency_s"], doc["energy_pj"]
    assert llm["time_to_first_token_s"] == pytest.approx(latency, rel=1e-9)
    assert llm["tokens_per_s"] == pytest.approx(2 * 16 / latency, rel=1e-9)           # batch x seq / latency
    assert llm["energy_per_token_j"] == pytest.approx(energy_pj * 1e-12 / 32, rel=1e-9)
    assert llm["kv_cache_bytes"] == KV_BYTES_PER_TOKEN * 16 * 2 == 4096
    assert "time_per_output_token_s" not in llm


def test_generate_summary_by_hand(tiny, capsys, tmp_path):
    out = tmp_path / "gen"
    assert main(["run", ACCEL, tiny, "--phase", "generate", "--prompt", "8", "--new-tokens", "4",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    doc = json.loads((out / "summary.json").read_text())
    layers = _layers(out)
    prefill = layers[layers["layer"].str.startswith("prefill/")]
    decode = layers[~layers["layer"].str.startswith("prefill/")]
    llm = doc["llm"]
    assert llm["time_to_first_token_s"] == pytest.approx(prefill["latency_s"].sum(), rel=1e-9)
    assert llm["time_per_output_token_s"] == pytest.approx(decode["latency_s"].sum() / 4, rel=1e-9)
    assert llm["tokens_per_s"] == pytest.approx(4 / decode["latency_s"].sum(), rel=1e-9)
    assert llm["energy_per_token_j"] == pytest.approx(layers["energy_pj"].sum() * 1e-12 / 4, rel=1e-9)
    assert llm["decode_energy_per_token_j"] == pytest.approx(decode["energy_pj"].sum() * 1e-12 / 4, rel=1e-9)
    assert llm["kv_cache_bytes"] == KV_BYTES_PER_TOKEN * (8 + 4) == 1536              # prompt + new tokens
    assert doc["generate"]["peak_kv_bytes"] == 1536                                   # hwsim.generate's figure
    for name in ("layers.csv", "summary.json", "layer_kinds.csv", "generate.json", "generate.csv"):
        assert (out / name).is_file(), name
    phases = {row["phase"] for row in csv.DictReader((out / "layer_kinds.csv").open())}
    assert phases == {"prefill", "decode"}


def test_fits_memory_against_the_declared_capacity(tiny, capsys):
    doc = _run_json(capsys, DDR4_8GIB, tiny, "--phase", "decode", "--kv-len", "31")
    assert doc["llm"]["fits_memory"] is True and doc["llm"]["dram_capacity_bytes"] == 8 * 2 ** 30
    # 1 KiB of DRAM cannot hold the tiny model's ~113k int8 parameters
    assert main(["run", ACCEL, tiny, "--phase", "decode", "--kv-len", "31", "--set", "dram.capacity_gib=0.000001",
                 "--format", "json", "--out", ""]) == 0
    captured = capsys.readouterr()
    llm = json.loads(captured.out)["llm"]
    assert llm["fits_memory"] is False and llm["dram_footprint_bytes"] > llm["dram_capacity_bytes"]
    assert "does not fit" in captured.err


def test_default_text_is_the_summary_and_digest_and_layers_prints_every_row(tiny, capsys, tmp_path):
    out = tmp_path / "txt"
    argv = ["run", ACCEL, tiny, "--phase", "decode", "--kv-len", "31", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    for word in ("time_per_output_token_s", "tokens_per_s", "energy_per_token_j", "average_power_w",
                 "kv_cache_bytes", "fits_memory", "per layer kind", "qkv_proj", "lm_head", "bound"):
        assert word in text, word
    assert "decode/q_proj" not in text                      # no per-layer rows by default
    assert len(_layers(out)) == 19                          # ... but layers.csv has every one
    assert main(argv + ["--layers"]) == 0
    assert "decode/q_proj" in capsys.readouterr().out


def test_non_llm_run_keeps_its_per_layer_table(capsys):
    assert main(["run", ACCEL, "resnet50", "--out", ""]) == 0
    text = capsys.readouterr().out
    assert "conv1" in text and "fc1000" in text and "per layer kind" not in text
    doc = _run_json(capsys, ACCEL, "resnet50")
    assert "llm" not in doc and doc["accelerator"] == ACCEL and doc["workload"] == "resnet50"


@pytest.mark.parametrize("name, op, kind", [
    ("decode/q_proj", "gemm", "qkv_proj"), ("prefill/v_proj", "gemm", "qkv_proj"),
    ("decode@L=1234/attn_qk", "matmul", "attention"), ("decode@L=4095-4999/attn_pv", "matmul", "attention"),
    ("decode@L=12/softmax", "vector", "vector_ops"), ("decode/o_proj", "gemm", "o_proj"),
    ("decode/ffn_gate", "gemm", "mlp"), ("prefill/expert_up.m3", "gemm", "mlp"), ("decode/router", "gemm", "mlp"),
    ("decode/attn_norm", "vector", "vector_ops"), ("decode/rope", "vector", "vector_ops"),
    ("decode/lm_head", "gemm", "lm_head"), ("prefill/pooler", "gemm", "other"),
    ("decode/shared_up", "gemm", "mlp"), ("decode/shared_score", "gemm", "mlp"),
    ("decode/q_a_proj", "gemm", "qkv_proj"), ("decode/kv_b_proj", "gemm", "qkv_proj"),
    ("decode@L=7/q_absorb", "matmul", "attention"), ("decode/q_proj#1", "gemm", "qkv_proj"),
])
def test_layer_kinds(name, op, kind):
    assert layer_kind(name, op) == kind


def test_kind_digest_shares_and_bound_by_hand():
    layers = pd.DataFrame({
        "layer": ["decode/q_proj", "decode/k_proj", "decode@L=3/attn_qk", "decode/attn_norm"],
        "op": ["gemm", "gemm", "matmul", "vector"],
        "latency_s": [3.0, 1.0, 4.0, 2.0], "energy_pj": [10.0, 30.0, 50.0, 10.0],
        "bound": ["dram_bandwidth", "compute", "compute", "vector_unit"],
    })
    digest = kind_digest(layers).set_index("kind")
    assert list(digest.index) == [k for k in KINDS if k in ("qkv_proj", "attention", "vector_ops")]
    qkv = digest.loc["qkv_proj"]
    assert qkv["layers"] == 2 and qkv["latency_s"] == 4.0
    assert qkv["latency_share"] == pytest.approx(4.0 / 10.0) and qkv["energy_share"] == pytest.approx(40 / 100)
    assert qkv["energy_j"] == pytest.approx(40e-12)
    # 3 of the kind's 4 s are DRAM-bound
    assert qkv["bound"] == "dram_bandwidth" and qkv["bound_share"] == pytest.approx(0.75)
    assert digest["latency_share"].sum() == pytest.approx(1.0) and digest["energy_share"].sum() == pytest.approx(1.0)
    assert not math.isnan(digest.loc["vector_ops", "bound_share"])
