"""The 2024-26 LLM families (docs/workloads-llm.md, "Families"): parameter counts of the shipped configs
against the published ones, KV bytes per token by closed form, and the shapes each family adds (GeGLU,
fixed head_dim, local/global windows, fused projections, q/k norms, MLA in both forms, shared + routed
experts, attention sinks), all written by hand from the model papers and cards."""

import json

import pytest

import hwsim
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from hwsim.workload.frontends.hf_config import read_hf_config

from _llm_configs import LLM, edited_config, gemm_macs, layer_named  # noqa: E402  (tests/workload/_llm_configs.py)



def _names(work):
    return [layer.name for layer in work.layers]




# --- published parameter counts ---------------------------------------------------------------------

# total parameters as each model's paper or card publishes them (sources in each config's _hwsim_source)
PUBLISHED_TOTAL = {
    "gemma-7b": 8.54e9,           # Gemma report: 786,432,000 embedding + 7,751,248,896 non-embedding
    "gemma-2-9b": 9.24e9,         # Gemma 2 report: 917,504,000 + 8,324,201,984
    "gemma-3-1b": 1.0e9,          # Gemma 3 report Table 1: 302 M embedding + 698 M non-embedding
    "gemma-3-4b": 4.3e9,          # Gemma 3 report Table 1: 417 M vision + 675 M embedding + 3,209 M non-embedding
    "phi-3-mini-4k": 3.8e9,       # Phi-3 report Sec. 2: phi-3-mini, 3.8 B
    "qwen3-8b": 8.2e9,            # Qwen3-8B model card
    "qwen3-30b-a3b": 30.5e9,      # Qwen3-30B-A3B model card
    "deepseek-v2-lite": 15.7e9,   # DeepSeek-V2 paper, Appendix B
    "deepseek-v2": 236e9,         # DeepSeek-V2 paper, Sec. 3.1.2
    "deepseek-v3": 671e9,         # DeepSeek-V3 report, Sec. 4.2 (main model; the 14 B MTP module apart)
    "gpt-oss-20b": 20.91e9,       # gpt-oss model card, Table 1
    "gpt-oss-120b": 116.83e9,     # gpt-oss model card, Table 1
}


@pytest.mark.parametrize("model", sorted(PUBLISHED_TOTAL))
def test_total_parameters_within_1_percent_of_published(model):
    assert hwsim.model_parameters(f"llm/{model}").total == pytest.approx(PUBLISHED_TOTAL[model], rel=0.01)


def test_exact_totals_where_the_publisher_gives_every_digit():
    # Gemma report / Gemma 2 report: embedding + non-embedding parameters
    assert hwsim.model_parameters("llm/gemma-7b").total == 786_432_000 + 7_751_248_896
    assert hwsim.model_parameters("llm/gemma-2-9b").total == 917_504_000 + 8_324_201_984
    # Gemma 3 1B by hand: 262144 x 1152 embedding (tied) + 26 blocks of q (1152 x 1024), k and v
    # (1152 x 256 each), o (1024 x 1152), GeGLU (3 x 1152 x 6912), 4 norms of 1152, q/k norms of 256
    block = 1152 * 1024 + 2 * 1152 * 256 + 1024 * 1152 + 3 * 1152 * 6912 + 4 * 1152 + 2 * 256
    assert hwsim.model_parameters("llm/gemma-3-1b").total == 262144 * 1152 + 26 * block + 1152 == 999_885_952
    # Phi-3-mini by hand: untied 32064 x 3072 embedding and head; fused qkv 3072 x 9216, o, gate_up 3072 x 16384,
    # down 8192 x 3072, 2 norms
    block = 3072 * 9216 + 3072 * 3072 + 3072 * 16384 + 8192 * 3072 + 2 * 3072
    assert hwsim.model_parameters("llm/phi-3-mini-4k").total == 2 * 32064 * 3072 + 32 * block + 3072


# active parameters per token: the gpt-oss card counts every weight a token multiplies and not the
# embedding table it only gathers a row of (Table 1: 3.61 B and 5.13 B); DeepSeek-V2 (21 B) agrees
PUBLISHED_ACTIVE = {"gpt-oss-20b": 3.61e9, "gpt-oss-120b": 5.13e9, "deepseek-v2": 21e9}


@pytest.mark.parametrize("model", sorted(PUBLISHED_ACTIVE))
def test_active_parameters_within_1_percent_of_published(model):
    assert hwsim.model_parameters(f"llm/{model}").active == pytest.approx(PUBLISHED_ACTIVE[model], rel=0.01)


def test_active_parameters_of_the_models_whose_figure_is_rounded_to_two_digits():
    # Qwen3-30B-A3B's card counts the embeddings whole (30.5 B total, 29.9 B non-embedding = total - 2 x
    # 151936 x 2048) and says 3.3 B activated; DeepSeek-V3 says 37 B and V2-Lite 2.4 B. hwsim's exact
    # counts sit within the rounding of those figures plus the embedding convention (docs/workloads-llm.md)
    qwen = hwsim.model_parameters("llm/qwen3-30b-a3b")
    assert qwen.total - 2 * 151936 * 2048 == pytest.approx(29.9e9, rel=0.01)
    assert qwen.active_with_embeddings == pytest.approx(3.3e9, rel=0.02)
    assert hwsim.model_parameters("llm/deepseek-v3").active == pytest.approx(37e9, rel=0.02)
    assert hwsim.model_parameters("llm/deepseek-v2-lite").active == pytest.approx(2.4e9, rel=0.025)


def test_deepseek_v2_lite_active_parameters_by_hand():
    h, heads, nope, rope, v, c = 2048, 16, 128, 64, 128, 512
    attn = h * heads * (nope + rope) + h * (c + rope) + c + c * heads * (nope + v) + heads * v * h  # no q LoRA
    dense = 3 * h * 10944
    expert, shared, router = 3 * h * 1408, 2 * 3 * h * 1408, h * 64
    norms = 2 * h
    blocks = 27 * (attn + norms) + dense + 26 * (6 * expert + shared + router)
    head = 102400 * h
    params = hwsim.model_parameters("llm/deepseek-v2-lite")
    assert params.active == blocks + h + head + h  # + final norm, the LM head, the one gathered embedding row
    assert params.total == blocks + 26 * 58 * expert + h + 2 * head


# --- KV bytes per token -----------------------------------------------------------------------------

@pytest.mark.parametrize("model, bytes_at_16_bits", [
    ("gemma-7b", 2 * 28 * 16 * 256 * 2),        # MHA, head_dim 256 (not 3072 / 16)
    ("gemma-2-9b", 2 * 42 * 8 * 256 * 2),       # every layer caches; local ones only their window
    ("gemma-3-1b", 2 * 26 * 1 * 256 * 2),       # MQA
    ("gemma-3-4b", 2 * 34 * 4 * 256 * 2),       # text model of the multimodal wrapper (defaults: 4 KV heads)
    ("phi-3-mini-4k", 2 * 32 * 32 * 96 * 2),
    ("qwen3-8b", 2 * 36 * 8 * 128 * 2),
    ("qwen3-30b-a3b", 2 * 48 * 4 * 128 * 2),
    ("deepseek-v2-lite", 27 * (512 + 64) * 2),  # MLA: the latent c_KV and the shared rotary key
    ("deepseek-v2", 60 * (512 + 64) * 2),
    ("deepseek-v3", 61 * (512 + 64) * 2),
    ("gpt-oss-20b", 2 * 24 * 8 * 64 * 2),
    ("gpt-oss-120b", 2 * 36 * 8 * 64 * 2),
])
def test_kv_bytes_per_token_closed_form(model, bytes_at_16_bits):
    assert read_hf_config(LLM / f"{model}.json").kv_bytes_per_token(16) == bytes_at_16_bits


def test_kv_cache_of_windowed_layers_holds_only_the_window():
    # Gemma-3 1B: layers 5, 11, 17, 23 global (every 6th), the other 22 keep 512 tokens; 2 x 1 x 256 per token
    arch = read_hf_config(LLM / "gemma-3-1b.json")
    assert arch.attention_groups == [(0, 4), (512, 22)]
    assert arch.kv_cache_elements(2000) == (4 * 2000 + 22 * 512) * 512
    assert arch.kv_cache_elements(300) == 26 * 300 * 512  # shorter than the window: all layers alike



def test_generate_peak_kv_counts_each_layer_at_its_window(tmp_path):
    # a small gpt-oss (4 layers alternating sliding 16 / full, 2 KV heads of 8): quick to simulate
    tiny = dict(hidden_size=64, num_attention_heads=8, num_key_value_heads=2, head_dim=8, num_hidden_layers=4,
                layer_types=["sliding_attention", "full_attention"] * 2, num_local_experts=4, num_experts_per_tok=2,
                experts_per_token=2, intermediate_size=32, vocab_size=100, sliding_window=16)
    path = edited_config(tmp_path, "gpt-oss-20b", **tiny)
    accel = hwsim.load_accelerator("tpu-v1-like", ["compute.pe.weights=[int8, int16]"])
    run = hwsim.generate(accel, path, prompt=40, new_tokens=2, batch=3, precision=hwsim.Precision(kv="int16"))
    # 2 full layers hold 42 tokens, 2 sliding ones 16; K and V of 2 heads of 8 at 2 bytes; 3 sequences
    assert run.peak_kv_bytes == (2 * 42 + 2 * 16) * 2 * 2 * 8 * 2 * 3


# --- what each family adds to the lowering ----------------------------------------------------------

def test_gemma_geglu_fixed_head_dim_and_embedding_scale():
    work = hwsim.load_workload("llm/gemma-7b", phase="decode", kv_len=99, batch=2)
    q = layer_named(work, "decode/q_proj").op
    assert (q.m, q.k, q.n) == (2, 3072, 16 * 256)  # head_dim 256: 4096 wide, wider than hidden
    assert layer_named(work, "decode/o_proj").op.k == 4096
    assert layer_named(work, "decode/ffn_act").op.op == "gelu" and layer_named(work, "decode/ffn_gate").op.n == 24576
    assert layer_named(work, "decode/embed_scale").op.elements == 2 * 3072
    assert layer_named(work, "decode@L=99/attn_qk").op.k == 256


def test_gemma2_local_and_global_layers_and_sandwich_norms():
    work = hwsim.load_workload("llm/gemma-2-9b", phase="decode", kv_len=5000)
    full, local = layer_named(work, "decode@L=5000/attn_qk"), layer_named(work, "decode@L=5000/attn_qk.w4096")
    assert (full.op.n, full.count) == (5001, 21) and (local.op.n, local.count) == (4096, 21)
    assert layer_named(work, "decode/attn_post_norm").count == 42 and layer_named(work, "decode/ffn_post_norm").count == 42
    prefill = hwsim.load_workload("llm/gemma-2-9b", phase="prefill", seq_len=8192)
    assert layer_named(prefill, "prefill/attn_qk.w4096").op.n == 4096 and layer_named(prefill, "prefill/attn_qk").op.n == 8192
    # below the window both groups attend alike
    short = hwsim.load_workload("llm/gemma-2-9b", phase="decode", kv_len=10)
    assert layer_named(short, "decode@L=10/attn_qk.w4096").op.n == 11


def test_gemma3_pattern_qk_norm_and_layer_types(tmp_path):
    work = hwsim.load_workload("llm/gemma-3-1b", phase="decode", kv_len=1000, batch=2)
    assert layer_named(work, "decode@L=1000/attn_qk").count == 4 and layer_named(work, "decode@L=1000/attn_qk.w512").count == 22
    assert layer_named(work, "decode/qk_norm").op.elements == 2 * (4 + 1) * 256
    # an explicit layer_types list wins over the pattern
    path = edited_config(tmp_path, "gemma-3-1b", layer_types=["full_attention"] * 26)
    assert read_hf_config(path).attention_groups == [(0, 26)]


def test_phi3_fused_gate_up_and_window():
    work = hwsim.load_workload("llm/phi-3-mini-4k", phase="decode", kv_len=3000)
    gate_up = layer_named(work, "decode/ffn_gate_up").op
    assert (gate_up.k, gate_up.n) == (3072, 2 * 8192) and "decode/ffn_gate" not in _names(work)
    assert layer_named(work, "decode@L=3000/attn_qk").op.n == 2047  # sliding_window 2047 on every layer
    # one MAC per weight at batch 1 (the fused qkv is lowered as its q, k and v column blocks)
    block = 3 * 3072 * 3072 + 3072 * 3072 + 3072 * 16384 + 8192 * 3072
    assert gemm_macs(work) == 32 * block + 3072 * 32064


def test_qwen3_qk_norms_and_moe_without_shared_expert():
    work = hwsim.load_workload("llm/qwen3-8b", phase="decode", kv_len=10, batch=3)
    assert layer_named(work, "decode/qk_norm").op.elements == 3 * (32 + 8) * 128
    moe = hwsim.load_workload("llm/qwen3-30b-a3b", phase="decode", kv_len=10)
    names = _names(moe)
    assert not any("shared" in n for n in names) and "decode/ffn_gate" not in names  # every block is MoE
    gate = layer_named(moe, "decode/expert_gate").op
    assert (gate.m, gate.n, layer_named(moe, "decode/expert_gate").count) == (1, 768, 8 * 48)  # top-8 of 128


def test_deepseek_dense_first_layers_shared_experts_and_mtp_note():
    arch = read_hf_config(LLM / "deepseek-v3.json")
    assert arch.dense_blocks == 3 and arch.moe_blocks == 58
    assert "multi-token-prediction" in arch.notes[0]
    work = hwsim.load_workload("llm/deepseek-v3", phase="decode", kv_len=10)
    assert layer_named(work, "decode/ffn_gate").count == 3 and layer_named(work, "decode/ffn_gate").op.n == 18432
    assert layer_named(work, "decode/shared_gate").op.n == 2048 and layer_named(work, "decode/shared_gate").count == 58
    assert "decode/shared_score" not in _names(work)  # no sigmoid gate on DeepSeek's shared expert
    assert layer_named(work, "decode/expert_gate").count == 8 * 58


def test_mla_absorbed_and_naive_decode_shapes_and_macs():
    """DeepSeek-V2-Lite, B sequences, KV length L: both forms read the compressed cache (latent 512 +
    rotary key 64); absorbed attends in the latent space, naive expands the context's latents."""
    b, L, heads, nope, rope, v, c = 2, 999, 16, 128, 64, 128, 512
    ctx = L + 1
    absorbed = hwsim.load_workload("llm/deepseek-v2-lite", phase="decode", kv_len=L, batch=b)
    naive = hwsim.load_workload("llm/deepseek-v2-lite", phase="decode", kv_len=L, batch=b, mla_form="naive")
    kv_a = layer_named(absorbed, "decode/kv_a_proj")
    assert (kv_a.op.n, kv_a.writes_kv) == (c + rope, True)
    qk = layer_named(absorbed, f"decode@L={L}/attn_qk").op
    assert (qk.m, qk.k, qk.n, qk.batch) == (heads, c + rope, ctx, b)  # all heads on the one latent
    pv = layer_named(absorbed, f"decode@L={L}/attn_pv").op
    assert (pv.m, pv.k, pv.n, pv.batch) == (heads, ctx, c, b)
    assert layer_named(absorbed, "decode/q_absorb").count == 27 * heads
    expand = layer_named(naive, f"decode@L={L}/kv_b_proj").op
    assert (expand.m, expand.k, expand.n) == (b * ctx, c, heads * (nope + v))
    qk = layer_named(naive, f"decode@L={L}/attn_qk").op
    assert (qk.m, qk.k, qk.n, qk.batch) == (1, nope + rope, ctx, b * heads)
    per_block_absorbed = b * heads * (nope * c + c * v + (c + rope) * ctx + ctx * c)
    per_block_naive = b * (ctx * c * heads * (nope + v) + heads * ((nope + rope) * ctx + ctx * v))
    assert naive.macs - absorbed.macs == 27 * (per_block_naive - per_block_absorbed)
    # vector work per new token (b rows): the latent's RMSNorm over c, rotary on every query head's
    # rope dims and on the one shared rotary key; the softmax over the context per head
    assert layer_named(absorbed, "decode/kv_a_norm").op == hwsim.VectorOp("rmsnorm", b * c)
    assert layer_named(absorbed, "decode/rope").op == hwsim.VectorOp("rope", b * (heads + 1) * rope)
    assert layer_named(absorbed, f"decode@L={L}/softmax").op == hwsim.VectorOp("softmax", b * heads * ctx)


def test_gpt_oss_sinks_windows_and_biased_experts():
    work = hwsim.load_workload("llm/gpt-oss-20b", phase="decode", kv_len=500, batch=2)
    full, local = layer_named(work, "decode@L=500/softmax"), layer_named(work, "decode@L=500/softmax.w128")
    assert full.op.elements == 2 * 64 * (501 + 1) and local.op.elements == 2 * 64 * (128 + 1)  # + the sink logit
    assert full.count == 12 and local.count == 12
    qk = layer_named(work, "decode@L=500/attn_qk").op
    assert (qk.m, qk.k, qk.n, qk.batch) == (8, 64, 501, 2 * 8)  # 64 query heads on 8 KV heads
    assert layer_named(work, "decode/expert_gate").count == 2 * 4 * 24  # 2 rows x top-4 on 32 experts
    arch = read_hf_config(LLM / "gpt-oss-20b.json")
    # sinks (64 per layer), router and expert biases are parameters
    assert arch.attn_sinks and arch.moe.expert_bias and arch.moe.router_bias


# --- bad family configs: one line, exit 2 ------------------------------------------------------------

@pytest.mark.parametrize("base, changes, words", [
    ("gemma-2-9b", {"sliding_window_size": 2048}, ["sliding_window_size", "4096"]),
    ("gemma-3-1b", {"layer_types": ["full_attention"] * 3}, ["layer_types", "26"]),
    ("gemma-3-1b", {"use_bidirectional_attention": True}, ["use_bidirectional_attention"]),
    ("gpt-oss-20b", {"experts_per_token": 2}, ["experts_per_token", "num_experts_per_tok"]),
    ("gpt-oss-20b", {"num_experts_per_tok": 64}, ["num_experts_per_tok", "32 experts"]),
    ("deepseek-v3", {"first_k_dense_replace": 70}, ["first_k_dense_replace", "61 layers"]),
    ("deepseek-v3", {"kv_lora_rank": ...}, ["kv_lora_rank", "missing"]),
    ("deepseek-v3", {"attention_bias": True}, ["attention_bias"]),
    ("deepseek-v3", {"qk_head_dim": 128}, ["qk_head_dim", "192"]),
    ("deepseek-v3", {"head_dim": 128}, ["head_dim", "qk_rope_head_dim"]),
    # null is no query compression; 0 would be a projection to nothing
    ("deepseek-v3", {"q_lora_rank": 0}, ["q_lora_rank", "an integer >= 1, got 0"]),
    ("qwen3-8b", {"layer_types": ["sliding_attention"] * 36}, ["layer_types", "sliding_window"]),
    ("qwen3-8b", {"rope_scaling": {"rope_type": "ntk-by-parts", "factor": 2}}, ["rope_scaling", "ntk-by-parts"]),
    ("phi-3-mini-4k", {"n_routed_experts": 8}, ["n_routed_experts", "deepseek"]),
])
def test_bad_family_configs_are_one_line_exit_2(tmp_path, capsys, base, changes, words):
    path = edited_config(tmp_path, base, **changes)
    assert main(["run", "tpu-v1-like", str(path), "--phase", "decode", "--kv-len", "8", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwsim: error: ") and err.count("\n") == 1 and str(path) in err, err
    for word in words:
        assert word in err, err


def test_deepseek_v3_as_transformers_writes_it_is_the_same_model(tmp_path):
    # DeepseekV3Config (transformers) also writes head_dim (= qk_rope_head_dim), qk_head_dim and rope_interleave
    path = edited_config(tmp_path, "deepseek-v3", head_dim=64, qk_head_dim=192, rope_interleave=True)
    assert hwsim.model_parameters(str(path)) == hwsim.model_parameters("llm/deepseek-v3")


def test_mla_form_only_for_mla_models(capsys):
    with pytest.raises(HwsimInputError, match="mla_form"):
        hwsim.load_workload("llm/qwen3-8b", phase="decode", kv_len=8, mla_form="naive")
    with pytest.raises(SystemExit) as stop:  # argparse's choices: one line, exit 2
        main(["run", "tpu-v1-like", "llm/deepseek-v2-lite", "--phase", "decode", "--kv-len", "8",
              "--mla-form", "sideways", "--out", ""])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--mla-form" in err and err.count("\n") == 1, err
    # prefill expands the latent whatever the form: a form there would be ignored
    assert main(["run", "tpu-v1-like", "llm/deepseek-v2-lite", "--phase", "prefill", "--seq-len", "8",
                 "--mla-form", "naive", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert "'--mla-form'" in err and "decode's choice" in err and err.count("\n") == 1, err


def test_gemma3_multimodal_wrapper_counts_the_vision_tower_and_lowers_the_text_model():
    """Gemma-3 4B (Gemma 3 report, Table 1: 417 M vision encoder, 675 M embedding, 3,209 M non-embedding)."""
    params = hwsim.model_parameters("llm/gemma-3-4b")
    # SigLIP by hand: patch conv 14 x 14 x 3 x 1152 + bias, 64 x 64 positions, 27 blocks of biased q/k/v/o,
    # fc1 1152 -> 4304, fc2 back, 2 LayerNorms; a final LayerNorm
    tower = (14 * 14 * 3 * 1152 + 1152 + 64 * 64 * 1152
             + 27 * (4 * (1152 * 1152 + 1152) + (1152 * 4304 + 4304) + (4304 * 1152 + 1152) + 4 * 1152) + 2 * 1152)
    assert tower == pytest.approx(417e6, rel=0.001)
    projector = 1152 + 1152 * 2560
    text = 262208 * 2560 + 34 * (2560 * 2048 + 2 * 2560 * 1024 + 2048 * 2560 + 3 * 2560 * 10240 + 4 * 2560
                                 + 2 * 256) + 2560
    assert params.total == text + tower + projector == pytest.approx(4.3e9, rel=0.01)
    assert params.active == text  # the tied table is read whole by the LM head; no image in a text scenario
    arch = read_hf_config(LLM / "gemma-3-4b.json")
    assert arch.attention_groups == [(0, 5), (1024, 29)] and arch.context_limit == 131072
    assert "vision tower" in arch.notes[0]
    work = hwsim.load_workload("llm/gemma-3-4b", phase="decode", kv_len=2000)
    assert layer_named(work, "decode@L=2000/attn_qk.w1024").op.n == 1024


@pytest.mark.parametrize("part, changes, words", [
    ("text_config", {"shiny_new_key": 1}, ["text_config.shiny_new_key", "unknown"]),
    ("text_config", {"model_type": "gemma2"}, ["text_config.model_type", "gemma3_text"]),
    ("vision_config", {"patch_size": 15}, ["vision_config.patch_size", "896"]),
    ("vision_config", {"vision_use_head": True}, ["vision_config.vision_use_head"]),
])
def test_bad_nested_gemma3_configs_name_the_nested_key(tmp_path, capsys, part, changes, words):
    data = json.loads((LLM / "gemma-3-4b.json").read_text())
    data[part].update(changes)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    assert main(["run", "tpu-v1-like", str(path), "--phase", "decode", "--kv-len", "8", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err, err
    for word in words:
        assert word in err, err


def test_small_parameter_terms_by_hand():
    """Terms too small for a published total's rounding to show, each by its documented rule."""
    import dataclasses

    from hwsim.workload.llm_arch import _mla_parameters, parameters

    # gpt-oss: one sink logit per query head and block (GptOssAttention.sinks): 24 blocks x 64 heads
    oss = read_hf_config(LLM / "gpt-oss-20b.json")
    assert parameters(oss).total - parameters(dataclasses.replace(oss, attn_sinks=False)).total == 24 * 64
    # DeepSeek-V3: the router's score-correction bias, one per expert, in each of 58 MoE blocks
    v3 = read_hf_config(LLM / "deepseek-v3.json")
    plain = dataclasses.replace(v3, moe=dataclasses.replace(v3.moe, score_bias=False))
    assert parameters(v3).total - parameters(plain).total == 58 * 256
    # DeepSeek-V3's MLA per block: q_a_proj 7168 x 1536, its RMSNorm 1536, q_b_proj 1536 x 128 x 192;
    # kv_a_proj 7168 x (512 + 64), its RMSNorm 512, kv_b_proj 512 x 128 x (128 + 128); o_proj 128 x 128 x 7168
    q = 7168 * 1536 + 1536 + 1536 * 128 * 192
    kv = 7168 * (512 + 64) + 512 + 512 * 128 * (128 + 128)
    assert _mla_parameters(v3) == q + kv + 128 * 128 * 7168
