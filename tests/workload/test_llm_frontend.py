"""The HuggingFace config.json frontend (docs/workloads-llm.md): first-principles shapes, parameter
counts against the published ones, KV bytes, MoE routing, sliding windows, generate = sum of its
steps, and bad configs refused with one line."""

import json
from pathlib import Path

import pytest

import hwsim
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from hwsim.workload.frontends.hf_config import read_hf_config
from hwsim.workload.llm import expert_split
from hwsim.workload.trace import format_trace, parse_trace

from _llm_configs import LLM, edited_config, gemm_macs, layer_named  # noqa: E402  (tests/workload/_llm_configs.py)
ACCEL = "tpu-v1-like"





# --- shapes from first principles -------------------------------------------------------------------

def test_llama2_7b_linear_macs_per_token_closed_form():
    work = hwsim.load_workload(str(LLM / "llama-2-7b.json"), phase="decode", kv_len=2048)
    blocks = 32 * (4 * 4096 ** 2 + 3 * 4096 * 11008)  # q, k, v, o + gate, up, down
    lm_head = 4096 * 32000
    assert gemm_macs(work) == blocks + lm_head == 6_607_077_376  # ~6.5 G + the LM head
    # attention: one token against 2049 keys, 32 heads of 128
    assert work.macs - gemm_macs(work) == 32 * 2 * 32 * 128 * 2049
    # batch 8: eight times the rows, same shapes otherwise
    work8 = hwsim.load_workload(str(LLM / "llama-2-7b.json"), phase="decode", kv_len=2048, batch=8)
    assert gemm_macs(work8) == 8 * (blocks + lm_head)


def test_prefill_shapes_and_lm_head_on_the_last_position():
    work = hwsim.load_workload("llm/llama-2-7b", phase="prefill", seq_len=256, batch=2)
    assert layer_named(work, "prefill/q_proj").op.m == 512
    assert layer_named(work, "prefill/lm_head").op.m == 2  # logits of the last prompt token only
    qk = layer_named(work, "prefill/attn_qk").op
    assert (qk.m, qk.k, qk.n, qk.batch) == (256, 128, 256, 2 * 32)


def test_gqa_kv_projection_sizes_and_group_stacking():
    work = hwsim.load_workload("llm/llama-3-8b", phase="decode", kv_len=100, batch=3)
    k = layer_named(work, "decode/k_proj")
    assert (k.op.m, k.op.k, k.op.n, k.writes_kv) == (3, 4096, 8 * 128, True)
    assert layer_named(work, "decode/v_proj").writes_kv and not layer_named(work, "decode/q_proj").writes_kv
    qk = layer_named(work, "decode@L=100/attn_qk").op
    pv = layer_named(work, "decode@L=100/attn_pv").op
    # 4 query heads per KV head stacked along M; one instance per (sequence, KV head)
    assert (qk.m, qk.k, qk.n, qk.batch) == (4, 128, 101, 3 * 8)
    assert (pv.m, pv.k, pv.n, pv.batch) == (4, 101, 128, 3 * 8)
    rope = layer_named(work, "decode/rope").op
    assert (rope.op, rope.elements) == ("rope", 3 * (32 + 8) * 128)


def test_kv_bytes_per_token_llama3_8b_at_16_bits():
    arch = read_hf_config(LLM / "llama-3-8b.json")
    assert arch.kv_bytes_per_token(16) == 2 * 32 * 8 * 128 * 16 / 8 == 131072
    accel = hwsim.load_accelerator(ACCEL, ["compute.pe.weights=[int8, int16]"])  # a 16-bit KV operand
    run = hwsim.generate(accel, "llm/llama-3-8b", prompt=32, new_tokens=4, batch=2,
                         precision=hwsim.Precision(kv="int16"))
    assert run.kv_bits == 16
    assert run.peak_kv_bytes == 131072 * (32 + 4) * 2


def test_gpt2_tied_head_phi2_parallel_and_vit_patches():
    gpt2 = hwsim.load_workload("llm/gpt2", phase="decode", kv_len=10)
    assert layer_named(gpt2, "decode/lm_head").op.n == 50257  # tied: still a GEMM
    assert layer_named(gpt2, "decode/ffn_up").op.n == 4 * 768  # n_inner null = 4 x n_embd
    phi = hwsim.load_workload("llm/phi-2", phase="decode", kv_len=10)
    names = [layer.name for layer in phi.layers]
    assert "decode/ffn_norm" not in names and "decode/attn_residual" not in names  # one norm, parallel MLP
    assert layer_named(phi, "decode/rope").op.elements == (32 + 32) * int(0.4 * 80)
    assert layer_named(phi, "decode/ffn_residual").op.elements == 2 * 2560
    vit = hwsim.load_workload("llm/vit-b-16", phase="prefill", batch=2)
    patch = layer_named(vit, "prefill/patch_embed").op
    assert (patch.m, patch.k, patch.n) == (2 * 196, 16 * 16 * 3, 768)
    assert layer_named(vit, "prefill/q_proj").op.m == 2 * 197  # 14^2 patches + the class token
    bert = hwsim.load_workload("llm/bert-base", phase="prefill", seq_len=128, gemm_only=True)
    assert all(layer.op.kind != "vector" for layer in bert.layers)
    assert gemm_macs(bert) == 12 * 128 * (4 * 768 ** 2 + 2 * 768 * 3072) + 768 ** 2  # + the pooler


# --- parameter counts -------------------------------------------------------------------------------

# published figures (embeddings included in every one of them; BERT-base with its pooler, ViT-B/16
# the backbone without the classifier); Phi-2's headline "2.7B" truncates the 2,779,683,840 tensors
# of the released checkpoint (2.95% above 2.7B), so the checkpoint's 2.78B is the reference here
PUBLISHED = {
    "llama-2-7b": 6.74e9, "llama-3-8b": 8.03e9, "mistral-7b": 7.24e9, "mixtral-8x7b": 46.7e9, "qwen2-7b": 7.6e9,
    "opt-6.7b": 6.7e9, "opt-1.3b": 1.3e9, "gpt2": 124e6, "phi-2": 2.78e9, "bert-base": 110e6, "vit-b-16": 86e6,
}


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_parameter_counts_within_2_percent_of_published(model):
    assert hwsim.model_parameters(f"llm/{model}").total == pytest.approx(PUBLISHED[model], rel=0.02)


def test_exact_parameter_counts_and_mixtral_active():
    # ViT-B/16 without a classifier head or pooler: 85,798,656 (timm vit_base_patch16_224 with
    # num_classes=0; by hand: patch conv 16 x 16 x 3 x 768 + 768, class token 768, 197 positions
    # x 768, 12 blocks of 4 biased 768 x 768 + 768 x 3072 + 3072 x 768 with biases + 2 LayerNorms,
    # a final LayerNorm)
    exact = {"llama-2-7b": 6_738_415_616, "gpt2": 124_439_808, "phi-2": 2_779_683_840, "bert-base": 109_482_240,
             "vit-b-16": 85_798_656}
    for model, count in exact.items():
        assert hwsim.model_parameters(f"llm/{model}").total == count, model
    mixtral = hwsim.model_parameters("llm/mixtral-8x7b")
    assert mixtral.active == pytest.approx(12.9e9, rel=0.02) and mixtral.total == 46_702_792_704


def test_every_shipped_config_runs_and_lists(capsys):
    for path in sorted(LLM.glob("*.json")):
        arch = read_hf_config(path)
        phase = {"phase": "decode", "kv_len": 64} if arch.decoder else {"phase": "prefill", "seq_len": 64}
        if arch.vision:
            phase = {"phase": "prefill"}
        result = hwsim.simulate(ACCEL, hwsim.load_workload(str(path), **phase))
        assert result.summary()["total_cycles"] > 0
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "llm/llama-2-7b" in out and "Touvron" in out


# --- mixture of experts -----------------------------------------------------------------------------

EXPERT = 3 * 4096 * 14336  # gate, up, down of one Mixtral expert


def _expert_rows(result):
    rows = result.layers
    return rows[rows["layer"].str.contains(r"/expert_(?:gate|up|down)", regex=True)]


def test_moe_batch1_reads_k_experts_not_all():
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=128, batch=1)
    result = hwsim.simulate(ACCEL, work, hwsim.Precision(weights="int8"))
    experts = _expert_rows(result)
    assert experts["dram_filter_reads_bits"].sum() == 2 * EXPERT * 32 * 8  # k = 2 experts x 32 blocks, int8
    assert experts["macs"].sum() == 1 * 2 * EXPERT * 32                    # routed tokens x k x expert MACs
    router = layer_named(work, "decode/router").op
    assert (router.m, router.k, router.n) == (1, 4096, 8)


def test_moe_batch64_touches_all_8_experts():
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=128, batch=64)
    result = hwsim.simulate(ACCEL, work, hwsim.Precision(weights="int8"))
    experts = _expert_rows(result)
    assert experts["dram_filter_reads_bits"].sum() == 8 * EXPERT * 32 * 8  # min(8, 64 x 2) = 8 experts
    assert experts["macs"].sum() == 64 * 2 * EXPERT * 32
    assert layer_named(work, "decode/expert_up").op.m == 64 * 2 // 8


def test_expert_split_is_exact_when_routed_does_not_divide():
    assert expert_split(2, 8) == [(1, 2)]
    assert expert_split(128, 8) == [(16, 8)]
    assert expert_split(10, 8) == [(2, 2), (1, 6)]  # 10 assignments on 8 experts: 2 get 2 rows, 6 get 1
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=8, batch=5)
    assert sum(layer.op.m * layer.count for layer in work.layers if "/expert_down" in layer.name) == 5 * 2 * 32
    assert gemm_macs(work, contains="/expert_") == 5 * 2 * EXPERT * 32


def test_qwen2_moe_shared_expert_and_sparse_step(tmp_path):
    config = {"model_type": "qwen2_moe", "architectures": ["Qwen2MoeForCausalLM"], "hidden_size": 64,
              "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 4, "intermediate_size": 96,
              "vocab_size": 100, "num_experts": 6, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
              "shared_expert_intermediate_size": 48, "decoder_sparse_step": 2, "mlp_only_layers": [3],
              "norm_topk_prob": False, "use_sliding_window": False, "sliding_window": 4096,
              "max_window_layers": 4, "rope_theta": 1e6, "torch_dtype": "bfloat16"}
    path = tmp_path / "qwen-moe.json"
    path.write_text(json.dumps(config))
    work = hwsim.load_workload(str(path), phase="decode", kv_len=4, batch=1)
    # blocks 1 and 3 are sparse by the step; 3 is listed dense: one MoE block, three dense
    assert layer_named(work, "decode/ffn_up").count == 3 and layer_named(work, "decode/router").count == 1
    assert layer_named(work, "decode/shared_up").op.n == 48 and layer_named(work, "decode/shared_score").op.n == 1
    assert layer_named(work, "decode/q_proj").count == 4
    params = hwsim.model_parameters(path)
    attn = (64 * 64 + 64) + 2 * (64 * 32 + 32) + 64 * 64
    dense = 3 * 64 * 96
    expert, shared = 3 * 64 * 32, 3 * 64 * 48 + 64
    moe_total = 6 * expert + shared + 64 * 6
    common = 2 * 100 * 64 + 64  # untied embedding and head, final norm
    assert params.total == 4 * (attn + 2 * 64) + 3 * dense + moe_total + common
    # active: a token gathers 1 of the 100 embedding rows; with the tables whole, only the 4 idle experts drop
    assert params.active == params.total - 4 * expert - 99 * 64
    assert params.active_with_embeddings == params.total - 4 * expert


# --- sliding window ---------------------------------------------------------------------------------

def test_mistral_sliding_window_caps_attention_context():
    long = hwsim.load_workload("llm/mistral-7b", phase="decode", kv_len=10000)
    qk = layer_named(long, "decode@L=10000/attn_qk").op
    assert qk.n == 4096  # the window, not 10001
    short = hwsim.load_workload("llm/mistral-7b", phase="decode", kv_len=1000)
    assert layer_named(short, "decode@L=1000/attn_qk").op.n == 1001
    prefill = hwsim.load_workload("llm/mistral-7b", phase="prefill", seq_len=8192)
    assert layer_named(prefill, "prefill/attn_qk").op.n == 4096
    # generate: steps past the window share one attention layer, the rolling cache holds the window
    run = hwsim.generate(ACCEL, "llm/mistral-7b", prompt=4094, new_tokens=6)
    names = [name for name in run.result.layers["layer"] if name.endswith("/attn_qk")]
    assert names == ["prefill/attn_qk", "decode@L=4094/attn_qk", "decode@L=4095-4099/attn_qk"]
    assert run.peak_kv_tokens == 4096


# --- generate ---------------------------------------------------------------------------------------

def _tiny(tmp_path) -> Path:
    config = {"model_type": "llama", "hidden_size": 256, "intermediate_size": 688, "num_attention_heads": 8,
              "num_key_value_heads": 2, "num_hidden_layers": 3, "vocab_size": 1000, "hidden_act": "silu"}
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize("config, batch", [("tiny", 2), ("llm/llama-3-8b", 1)])
def test_generate_equals_the_sum_of_its_steps(tmp_path, config, batch):
    path = str(_tiny(tmp_path)) if config == "tiny" else config
    prompt, new = 48, 7
    run = hwsim.generate(ACCEL, path, prompt=prompt, new_tokens=new, batch=batch)
    steps = [hwsim.simulate(ACCEL, hwsim.load_workload(path, phase="prefill", seq_len=prompt, batch=batch))]
    steps += [hwsim.simulate(ACCEL, hwsim.load_workload(path, phase="decode", kv_len=prompt + i, batch=batch))
              for i in range(new)]
    whole = run.result.summary()
    for key in ("total_cycles", "compute_cycles", "stall_cycles", "energy_pj", "latency_s", "macs"):
        assert whole[key] == pytest.approx(sum(s.summary()[key] for s in steps), rel=1e-9), key
    assert run.time_to_first_token_s == pytest.approx(steps[0].summary()["latency_s"], rel=1e-9)
    decode = sum(s.summary()["latency_s"] for s in steps[1:])
    assert run.time_per_output_token_s == pytest.approx(decode / new, rel=1e-9)
    assert run.tokens_per_s == pytest.approx(batch * new / decode, rel=1e-9)
    energy = sum(s.summary()["energy_pj"] for s in steps)
    assert run.energy_per_token_pj == pytest.approx(energy / (batch * new), rel=1e-9)
    # the summary's per-token figures: decode's energy alone over the B x N tokens, in pJ and J
    decode_energy = sum(s.summary()["energy_pj"] for s in steps[1:])
    summary = run.summary()
    assert summary["decode_energy_per_token_pj"] == pytest.approx(decode_energy / (batch * new), rel=1e-9)
    assert summary["decode_energy_per_token_j"] == pytest.approx(decode_energy * 1e-12 / (batch * new), rel=1e-9)
    assert summary["energy_per_token_j"] == pytest.approx(energy * 1e-12 / (batch * new), rel=1e-9)
    # the shared decode layers appear once, repeated steps x blocks
    blocks = read_hf_config(path if config == "tiny" else LLM / "llama-3-8b.json").blocks
    rows = run.result.layers.set_index("layer")
    assert rows.loc["decode/q_proj", "count"] == new * blocks
    assert sum(name.endswith("/attn_qk") and name.startswith("decode@") for name in rows.index) == new


def test_generate_summary_and_writers(tmp_path):
    run = hwsim.generate(ACCEL, _tiny(tmp_path), prompt=16, new_tokens=4)
    summary = run.summary()
    for key in ("time_to_first_token_s", "time_per_output_token_s", "tokens_per_s", "energy_per_token_pj",
                "peak_kv_bytes"):
        assert summary[key] > 0
    out = run.write(tmp_path / "out")
    assert json.loads((out / "generate.json").read_text())["generate"]["peak_kv_bytes"] == summary["peak_kv_bytes"]
    header, row = (out / "generate.csv").read_text().splitlines()
    assert "time_to_first_token_s" in header.split(",") and len(row.split(",")) == len(header.split(","))
    assert (out / "layers.csv").is_file() and (out / "summary.json").is_file()


# --- CLI and traces ---------------------------------------------------------------------------------

def test_cli_decode_and_generate(tmp_path, capsys):
    assert main(["run", ACCEL, str(LLM / "llama-2-7b.json"), "--phase", "decode", "--kv-len", "2048",
                 "--batch", "8", "--format", "json", "--out", ""]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["workload"] == "llama-2-7b decode L=2048 B=8"
    out = tmp_path / "gen"
    assert main(["run", ACCEL, str(_tiny(tmp_path)), "--phase", "generate", "--prompt", "32", "--new-tokens", "8",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    # the LLM summary hwsim run prints (docs/workloads-llm.md): J per token, the KV cache in bytes
    for word in ("time_to_first_token_s", "time_per_output_token_s", "tokens_per_s", "energy_per_token_j",
                 "kv_cache_bytes"):
        assert word in text
    assert json.loads((out / "generate.json").read_text())["generate"]["new_tokens"] == 8


def test_trace_llm_round_trips_with_writes_kv(tmp_path, capsys):
    trace = tmp_path / "trace.csv"
    assert main(["trace", "llm", str(LLM / "llama-3-8b.json"), "--phase", "prefill", "--seq-len", "256",
                 "-o", str(trace)]) == 0
    capsys.readouterr()
    again = hwsim.load_workload(str(trace))
    direct = hwsim.load_workload("llm/llama-3-8b", phase="prefill", seq_len=256)
    assert again.layers == direct.layers
    assert layer_named(again, "prefill/k_proj").writes_kv
    assert format_trace(parse_trace(trace.read_text())) == trace.read_text()


def _cli_error(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwsim: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("changes, words", [
    ({"kv_lora_rank": 512, "q_lora_rank": 1536}, ["kv_lora_rank", "latent attention", "deepseek_v2"]),
    ({"hidden_size": ...}, ["hidden_size", "missing"]),
    ({"hidden_size": "4096"}, ["hidden_size", "integer"]),
    ({"intermediate_size": -11008}, ["intermediate_size", ">= 1"]),
    ({"num_key_value_heads": 5}, ["num_key_value_heads", "divide"]),
    ({"hidden_act": "quick_gelu"}, ["hidden_act", "allowed"]),
    ({"model_type": "jamba"}, ["model_type", "allowed"]),
    ({"alibi": True}, ["alibi"]),
    ({"add_cross_attention": True}, ["cross-attention"]),
    ({"shiny_new_key": 1}, ["shiny_new_key", "unknown"]),
])
def test_bad_configs_are_one_line_exit_2(tmp_path, capsys, changes, words):
    path = edited_config(tmp_path, "llama-2-7b", **changes)
    err = _cli_error(["run", ACCEL, str(path), "--phase", "decode", "--kv-len", "8", "--out", ""], capsys)
    assert str(path) in err
    for word in words:
        assert word in err, err


def test_ignorable_and_switched_off_keys_are_accepted(tmp_path):
    path = edited_config(tmp_path, "llama-2-7b", kv_lora_rank=None, alibi=False, rope_theta=1e4, torch_dtype="bfloat16",
                  _attn_implementation="sdpa", bos_token_id=1)
    assert hwsim.load_workload(str(path), phase="decode", kv_len=8).macs > 0


@pytest.mark.parametrize("argv, words", [
    (["llm/llama-2-7b", "--kv-len", "5"], ["--phase", "needs a phase"]),
    (["llm/llama-2-7b", "--phase", "prefill", "--kv-len", "5"], ["--kv-len", "does not apply"]),
    (["llm/llama-2-7b", "--phase", "decode"], ["--kv-len"]),
    (["llm/bert-base", "--phase", "decode", "--kv-len", "5"], ["--phase", "encoder"]),
    (["llm/vit-b-16", "--phase", "generate", "--prompt", "5", "--new-tokens", "2"], ["--phase", "encoder"]),
    (["llm/gpt2", "--phase", "generate", "--prompt", "1000", "--new-tokens", "100"], ["1024"]),
    (["llm/gpt2", "--phase", "decode", "--kv-len", "5", "--batch", "0"], ["--batch"]),
    (["resnet50", "--phase", "decode", "--kv-len", "5"], ["config.json"]),
])
def test_bad_scenario_flags_are_one_line_exit_2(capsys, argv, words):
    err = _cli_error(["run", ACCEL, *argv, "--out", ""], capsys)
    for word in words:
        assert word in err, err


def test_load_workload_rejects_scenario_arguments_for_other_files():
    with pytest.raises(HwsimInputError, match="config.json"):
        hwsim.load_workload("resnet50", batch=4)
    with pytest.raises(HwsimInputError, match="needs a phase"):
        hwsim.load_workload("llm/llama-2-7b")


@pytest.mark.parametrize("base, changes, fragments", [
    ("llama-2-7b", {"num_hidden_layers": 10 ** 30}, ["'num_hidden_layers'", "more than any model has", "1..12600"]),
    ("llama-2-7b", {"num_hidden_layers": 10 ** 12}, ["'num_hidden_layers'", "Llama 3.1 405B"]),
    ("llama-2-7b", {"hidden_size": 10 ** 30}, ["'hidden_size'", "more than any model has"]),
    ("mixtral-8x7b", {"num_local_experts": 10 ** 30}, ["'num_local_experts'", "DeepSeek-V3"]),
    ("llama-3-8b", {"rope_scaling": {"rope_type": "yarn", "factor": 1e308, "original_max_position_embeddings": 8192}},
     ["'rope_scaling'", "not a usable context-extension factor", "(0, 3200]"]),
])
def test_a_config_count_beyond_any_model_is_one_line(tmp_path, capsys, base, changes, fragments):
    # each was a MemoryError, an OverflowError or a ZeroDivisionError traceback, or a long hang
    path = edited_config(tmp_path, base, **changes)
    assert main(["trace", "llm", str(path), "--phase", "decode", "--kv-len", "16", "--batch", "4"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_a_config_nested_beyond_the_json_reader_is_one_line(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert main(["trace", "llm", str(path), "--phase", "decode", "--kv-len", "16"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nested deeper" in err, err


def test_generate_with_more_new_tokens_than_any_context_is_refused_at_once(capsys):
    # with --allow-long-context this built one decode step per token, without end
    assert main(["run", "tpu-v1-like", "llm/llama-2-7b", "--phase", "generate", "--prompt", "1",
                 "--new-tokens", str(10 ** 30), "--allow-long-context", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'--new-tokens'" in err and "10,000,000" in err, err


def test_trace_llm_never_writes_over_its_config(tmp_path, capsys):
    path = edited_config(tmp_path, "gpt2")
    before = path.read_text()
    assert main(["trace", "llm", str(path), "--phase", "decode", "--kv-len", "4", "-o", str(path)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert path.read_text() == before


def test_moe_and_embedding_vector_ops_by_hand():
    # Mixtral decode, batch 3: rows 3, routed = rows x top-k 2 = 6 token-expert assignments per MoE
    # block (32 blocks; hidden 4096, expert FFN 14336, 8 experts): the activation and gate product
    # over every routed row's FFN width, the routing-weight scale and the sum over the k experts
    # over every routed row's hidden vector, the router's softmax over rows x experts
    ops = {layer.name.split("/")[1]: (layer.op, layer.count) for layer in
           hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=16, batch=3).layers}
    assert ops["router_softmax"] == (hwsim.VectorOp("softmax", 3 * 8), 32)
    assert ops["expert_act"] == (hwsim.VectorOp("silu", 6 * 14336), 32)
    assert ops["expert_gate_mul"] == (hwsim.VectorOp("mul", 6 * 14336), 32)
    assert ops["expert_scale"] == (hwsim.VectorOp("mul", 6 * 4096), 32)
    assert ops["expert_sum"] == (hwsim.VectorOp("add", 6 * 4096), 32)
    # BERT prefill, batch 2 x 16 tokens: word + position + token-type embeddings are two adds per
    # element of the 32 x 768 embedding output
    bert = {layer.name.split("/")[1]: layer.op for layer in
            hwsim.load_workload("llm/bert-base", phase="prefill", seq_len=16, batch=2).layers}
    assert bert["embed_add"] == hwsim.VectorOp("add", 2 * 32 * 768)


def test_an_integer_beyond_pythons_digit_limit_is_one_line(tmp_path, capsys):
    # json.loads raised ValueError (4,300 digits) out of the reader
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "llama", "hidden_size": ' + "9" * 5000 + "}")
    assert main(["trace", "llm", str(path), "--phase", "decode", "--kv-len", "8"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "more than 4,300 digits" in err
