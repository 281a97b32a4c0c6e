"""Round-4 mutation pins on the LLM frontend (hwsim/workload/llm.py, llm_arch.py, mla.py,
moe_routing.py): layer shapes, counts and parameter totals by hand from the published configs
(workloads/llm/*.json) and the formulas in the modules' docstrings."""

from __future__ import annotations

import hwsim
from hwsim.workload.frontends.hf_config import read_hf_config

from _llm_configs import edited_config  # noqa: E402  (tests/workload/_llm_configs.py)


def _ops(preset, **scenario):
    return {layer.name.split("/", 1)[1]: (layer.op, layer.count)
            for layer in hwsim.load_workload(preset, **scenario).layers}


def test_gqa_output_projection_reads_every_query_head():
    """Llama 3 8B (hidden 4096, 32 query heads, 8 KV heads, head_dim 128, FFN 14336, 32 blocks),
    decode at batch 3: o_proj maps the 32 x 128 = 4096 concatenated query-head outputs to hidden
    (K = heads x head_dim, not the 8 x 128 = 1024 KV width); the K and V projections are 1024 wide."""
    ops = _ops("llm/llama-3-8b", phase="decode", kv_len=16, batch=3)
    assert ops["o_proj"] == (hwsim.Gemm(3, 32 * 128, 4096), 32)
    assert ops["k_proj"] == (hwsim.Gemm(3, 4096, 8 * 128), 32)
    assert ops["q_proj"] == (hwsim.Gemm(3, 4096, 32 * 128), 32)


def test_gated_mlp_shapes_and_gate_product_width():
    """Llama 2 7B (hidden 4096, FFN 11008, 32 blocks), decode at batch 3: gate and up map hidden ->
    FFN, down maps FFN -> hidden (Gemm(M, K, N): K = 11008, N = 4096); the SiLU and the gate x up
    product run over every row's FFN width, 3 x 11008 elements, not its hidden width."""
    ops = _ops("llm/llama-2-7b", phase="decode", kv_len=16, batch=3)
    assert ops["ffn_gate"] == (hwsim.Gemm(3, 4096, 11008), 32)
    assert ops["ffn_up"] == (hwsim.Gemm(3, 4096, 11008), 32)
    assert ops["ffn_down"] == (hwsim.Gemm(3, 11008, 4096), 32)
    assert ops["ffn_act"] == (hwsim.VectorOp("silu", 3 * 11008), 32)
    assert ops["ffn_gate_mul"] == (hwsim.VectorOp("mul", 3 * 11008), 32)


def test_gemma_embedding_scale_runs_once_and_the_head_sees_the_last_positions_only():
    """Gemma 7B (hidden 3072, vocab 256000, 28 blocks), prefill of 2 sequences x 4 tokens: the
    embeddings are multiplied by sqrt(hidden) once, before the first block (2 x 4 x 3072 elements,
    count 1, not once per block); a decoder needs the logits of the last position only, so the final
    norm and the LM head see batch = 2 rows, not 2 x 4."""
    ops = _ops("llm/gemma-7b", phase="prefill", seq_len=4, batch=2)
    assert ops["embed_scale"] == (hwsim.VectorOp("mul", 2 * 4 * 3072), 1)
    assert ops["final_norm"] == (hwsim.VectorOp("rmsnorm", 2 * 3072), 1)
    assert ops["lm_head"] == (hwsim.Gemm(2, 3072, 256000), 1)


def test_bert_pooler_is_one_dense_and_tanh_per_sequence():
    """BERT base (hidden 768), prefill of 2 sequences x 16 tokens: the pooler runs dense + tanh on
    each sequence's [CLS] vector: Gemm(2, 768, 768) and 2 x 768 tanh elements."""
    ops = _ops("llm/bert-base", phase="prefill", seq_len=16, batch=2)
    assert ops["pooler"] == (hwsim.Gemm(2, 768, 768), 1)
    assert ops["pooler_act"] == (hwsim.VectorOp("tanh", 2 * 768), 1)


# DeepSeek-V2 (workloads/llm/deepseek-v2.json): hidden 5120, 128 heads, q_lora_rank 1536, kv_lora_rank
# 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, 60 blocks (first_k_dense_replace 1:
# 59 MoE blocks), 160 routed experts, top-6, moe_intermediate_size 1536, 2 shared experts.

def test_mla_absorbed_decode_shapes_by_hand():
    """mla.py, absorbed form (the decode default), batch 2 at KV length 7 (context 7 + 1 = 8):
    q_b_proj: q_lora -> heads x (nope + rope) = 128 x 192 = 24576; kv_a_proj: hidden -> latent +
    rotary key = 512 + 64 = 576 (the cache entry); rope over (heads + 1 shared key) x 64 per row;
    q_absorb / v_absorb: one GEMM per head and block (60 x 128 = 7680); attention: all 128 heads
    of a sequence on M against the one latent (K = 576, N = context; P.V gathers 512-wide latents),
    one instance per sequence; o_proj: heads x v_head_dim = 16384 -> hidden."""
    ops = _ops("llm/deepseek-v2", phase="decode", kv_len=7, batch=2)
    assert ops["q_a_proj"] == (hwsim.Gemm(2, 5120, 1536), 60)
    assert ops["q_a_norm"] == (hwsim.VectorOp("rmsnorm", 2 * 1536), 60)
    assert ops["q_b_proj"] == (hwsim.Gemm(2, 1536, 128 * (128 + 64)), 60)
    assert ops["kv_a_proj"] == (hwsim.Gemm(2, 5120, 512 + 64), 60)
    assert ops["kv_a_norm"] == (hwsim.VectorOp("rmsnorm", 2 * 512), 60)
    assert ops["rope"] == (hwsim.VectorOp("rope", 2 * (128 + 1) * 64), 60)
    assert ops["q_absorb"] == (hwsim.Gemm(2, 128, 512), 60 * 128)
    assert ops["v_absorb"] == (hwsim.Gemm(2, 512, 128), 60 * 128)
    assert ops["o_proj"] == (hwsim.Gemm(2, 128 * 128, 5120), 60)
    assert ops["attn_qk"] == (hwsim.MatMul(128, 512 + 64, 8, 2), 60)
    assert ops["softmax"] == (hwsim.VectorOp("softmax", 2 * 128 * 8), 60)
    assert ops["attn_pv"] == (hwsim.MatMul(128, 8, 512, 2), 60)
    kv_a = next(layer for layer in hwsim.load_workload("llm/deepseek-v2", phase="decode", kv_len=7, batch=2).layers
                if layer.name == "decode/kv_a_proj")
    assert kv_a.writes_kv


def test_mla_naive_decode_expands_the_whole_context_each_step():
    """mla.py, naive form: the 8 cached latents of each of the 2 sequences are expanded by kv_b_proj
    (512 -> heads x (nope + v) = 128 x 256 = 32768) every step; then per-head attention with qk head
    dim 128 + 64 = 192 and v head dim 128, 2 x 128 instances of one query row; no absorbed GEMMs."""
    ops = _ops("llm/deepseek-v2", phase="decode", kv_len=7, batch=2, mla_form="naive")
    assert ops["kv_b_proj"] == (hwsim.Gemm(2 * 8, 512, 128 * (128 + 128)), 60)
    assert ops["attn_qk"] == (hwsim.MatMul(1, 128 + 64, 8, 2 * 128), 60)
    assert ops["attn_pv"] == (hwsim.MatMul(1, 8, 128, 2 * 128), 60)
    assert "q_absorb" not in ops and "v_absorb" not in ops


def test_deepseek_routed_and_shared_experts_by_hand():
    """Batch 2 decode: 2 rows x top-6 = 12 token-expert assignments per MoE block, at most one per
    expert under 'upper' routing (12 <= 160 experts): 12 experts of one row in each of the 59 MoE
    blocks (count 708); the shared experts are one gated FFN of 2 x 1536 = 3072 per block, ungated
    (DeepSeek: no shared_score); the one dense block runs the 12288-wide FFN."""
    ops = _ops("llm/deepseek-v2", phase="decode", kv_len=7, batch=2)
    assert ops["expert_gate"] == (hwsim.Gemm(1, 5120, 1536), 12 * 59)
    assert ops["expert_down"] == (hwsim.Gemm(1, 1536, 5120), 12 * 59)
    assert ops["expert_act"] == (hwsim.VectorOp("silu", 12 * 1536), 59)
    assert ops["expert_scale"] == (hwsim.VectorOp("mul", 12 * 5120), 59)
    assert ops["router"] == (hwsim.Gemm(2, 5120, 160), 59)
    assert ops["shared_gate"] == (hwsim.Gemm(2, 5120, 2 * 1536), 59)
    assert ops["shared_down"] == (hwsim.Gemm(2, 2 * 1536, 5120), 59)
    assert "shared_score" not in ops
    assert ops["ffn_gate"] == (hwsim.Gemm(2, 5120, 12288), 1)


def test_opt_1_3b_parameters_include_the_two_offset_positions():
    """OPT-1.3B (vocab 50272, hidden 2048, FFN 8192, 24 blocks, 2048 positions, tied head, biases
    and LayerNorm shifts everywhere): OPTLearnedPositionalEmbedding keeps 2048 + 2 rows. Per block
    4 x (2048^2 + 2048) + (2048 x 8192 + 8192) + (8192 x 2048 + 2048) + 2 x 2 x 2048 = 50,358,272;
    x 24 = 1,208,598,528; + tokens 50272 x 2048 + positions 2050 x 2048 + final norm 4096 =
    1,315,758,080 (the published facebook/opt-1.3b count)."""
    assert hwsim.model_parameters("llm/opt-1.3b").total == 1_315_758_080


def test_bert_without_type_vocab_size_has_two_segment_embeddings(tmp_path):
    """BertConfig's type_vocab_size defaults to 2: bert-base with the key removed still has 2 x 768
    segment embeddings. Embeddings 30522 x 768 + 512 x 768 + 2 x 768 + LayerNorm 2 x 768 =
    23,837,184; 12 blocks of 4 x (768^2 + 768) + (768 x 3072 + 3072) + (3072 x 768 + 768) + 2 x 1536 =
    7,087,872; pooler 768^2 + 768: 109,482,240 (bert-base-uncased's published count)."""

    path = edited_config(tmp_path, "bert-base", type_vocab_size=...)
    assert hwsim.model_parameters(str(path)).total == 109_482_240


def test_gemma2_slides_on_the_even_blocks(tmp_path):
    """Gemma2DecoderLayer: is_sliding = not bool(layer_idx % 2): blocks 0 and 2 of a 3-block Gemma-2
    slide (window 4096), block 1 attends to everything."""

    arch = read_hf_config(edited_config(tmp_path, "gemma-2-9b", num_hidden_layers=3))
    assert arch.windows == (4096, 0, 4096)
