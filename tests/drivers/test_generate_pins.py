"""Pins on sliding-window generation (docs/workloads-llm.md, "Sliding window (Mistral)" and the
generate scenario): decode step i of a generate run has KV length P + i and attends to
min(P + i + 1, W) keys; steps whose context is capped at W share one attention layer with
count = blocks x steps; prefill attends to min(P, W) keys per query; the rolling KV cache holds
min(P + N, W) tokens, peak_kv_bytes = 2 x blocks x kv_heads x head_dim x tokens x B x kv_bits / 8.

A tiny Mistral (hidden 64, 4 heads, 2 KV heads, head_dim 16, 2 blocks, window 8) keeps every
number small; attention layers are MatMul(M = new tokens x heads / kv_heads, K, N) with
instances = B x kv_heads (docs/workloads-llm.md, "The lowering").
"""

from __future__ import annotations

import json

import pytest

import hwsim

ACCEL = "scalesim-default"
BLOCKS, HEADS, KV_HEADS, HEAD_DIM, WINDOW = 2, 4, 2, 16, 8
GROUP = HEADS // KV_HEADS        # query heads per KV head: 2


@pytest.fixture
def tiny_mistral(tmp_path):
    config = {"model_type": "mistral", "hidden_size": HEADS * HEAD_DIM, "intermediate_size": 128,
              "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "num_hidden_layers": BLOCKS,
              "vocab_size": 100, "hidden_act": "silu", "sliding_window": WINDOW}
    path = tmp_path / "tiny-mistral.json"
    path.write_text(json.dumps(config))
    return str(path)


def _rows(run, suffix):
    layers = run.result.layers
    return layers[layers["layer"].str.endswith(suffix)].set_index("layer")


def test_decode_steps_past_the_window_share_one_capped_attention_layer(tiny_mistral):
    # P = 5, N = 6, B = 2: KV lengths 5..10, contexts min(L + 1, 8) = 6, 7, 8, 8, 8, 8
    run = hwsim.generate(ACCEL, tiny_mistral, prompt=5, new_tokens=6, batch=2, precision=hwsim.Precision(kv="int8"))
    qk = _rows(run, "/attn_qk")
    assert list(qk.index) == ["prefill/attn_qk", "decode@L=5/attn_qk", "decode@L=6/attn_qk", "decode@L=7-10/attn_qk"]
    steps = {"decode@L=5/attn_qk": (1, 6), "decode@L=6/attn_qk": (1, 7), "decode@L=7-10/attn_qk": (4, 8)}
    for name, (n_steps, context) in steps.items():
        row = qk.loc[name]
        assert row["count"] == BLOCKS * n_steps, name
        assert (row["m"], row["k"], row["n"], row["instances"]) == (1 * GROUP, HEAD_DIM, context, 2 * KV_HEADS)
        assert row["macs"] == GROUP * HEAD_DIM * context * 2 * KV_HEADS * BLOCKS * n_steps
    # the windowed group: 2 x 16 x 8 x 4 instances x 8 repeats = 8192 MACs; its K cache read once
    # per repeat at 8 bits: 16 x 8 x 8 x 4 x 8 = 32768 bits
    capped = qk.loc["decode@L=7-10/attn_qk"]
    assert capped["macs"] == 8192
    assert capped["dram_filter_reads_bits"] == HEAD_DIM * WINDOW * 8 * 2 * KV_HEADS * BLOCKS * 4 == 32768
    # P.V over the same contexts; softmax over B x heads x 1 x context scores per repeat
    pv = _rows(run, "/attn_pv").loc["decode@L=7-10/attn_pv"]
    assert (pv["m"], pv["k"], pv["n"], pv["count"]) == (GROUP, WINDOW, HEAD_DIM, BLOCKS * 4)
    softmax = _rows(run, "/softmax").loc["decode@L=7-10/softmax"]
    assert softmax["sram_ifmap_reads_words"] == 2 * HEADS * 1 * WINDOW * BLOCKS * 4 == 512
    # decode attention MACs over all steps: sum over contexts 6, 7, 8, 8, 8, 8 of QK and PV
    decode_qk_pv = sum(2 * GROUP * HEAD_DIM * c * 2 * KV_HEADS * BLOCKS for c in (6, 7, 8, 8, 8, 8))
    decode_attn = run.result.layers[run.result.layers["layer"].str.match(r"decode@.*/attn_(qk|pv)$")]
    assert decode_attn["macs"].sum() == decode_qk_pv == 2 * 256 * 45
    # the rolling cache: min(5 + 6, 8) = 8 tokens, 2 x 2 x 2 x 16 x 8 x 2 x 8 / 8 bytes
    assert run.peak_kv_tokens == 8
    assert run.peak_kv_bytes == 2 * BLOCKS * KV_HEADS * HEAD_DIM * 8 * 2 * 8 / 8 == 2048


def test_prefill_longer_than_the_window_and_every_decode_step_capped(tiny_mistral):
    # P = 12 > W: prefill attends to 8 keys per query; N = 3: KV lengths 12, 13, 14, all capped
    run = hwsim.generate(ACCEL, tiny_mistral, prompt=12, new_tokens=3, batch=1, precision=hwsim.Precision(kv="int8"))
    qk = _rows(run, "/attn_qk")
    assert list(qk.index) == ["prefill/attn_qk", "decode@L=12-14/attn_qk"]
    prefill = qk.loc["prefill/attn_qk"]
    assert (prefill["m"], prefill["k"], prefill["n"], prefill["count"]) == (12 * GROUP, HEAD_DIM, WINDOW, BLOCKS)
    assert qk.loc["decode@L=12-14/attn_qk", "count"] == BLOCKS * 3
    assert qk.loc["decode@L=12-14/attn_qk", "n"] == WINDOW
    # shared decode layers: once, repeated N x blocks
    assert _rows(run, "/q_proj").loc["decode/q_proj", "count"] == 3 * BLOCKS
    assert run.peak_kv_tokens == 8
    assert run.peak_kv_bytes == 2 * BLOCKS * KV_HEADS * HEAD_DIM * 8 * 1 * 8 / 8 == 1024


def test_window_generation_equals_its_steps_one_by_one(tiny_mistral):
    run = hwsim.generate(ACCEL, tiny_mistral, prompt=6, new_tokens=4)
    steps = [hwsim.simulate(ACCEL, hwsim.load_workload(tiny_mistral, phase="prefill", seq_len=6))]
    steps += [hwsim.simulate(ACCEL, hwsim.load_workload(tiny_mistral, phase="decode", kv_len=6 + i)) for i in range(4)]
    whole = run.result.summary()
    for key in ("macs", "total_cycles", "energy_pj"):
        assert whole[key] == pytest.approx(sum(s.summary()[key] for s in steps), rel=1e-9), key
