"""Multi-head latent attention (DeepSeek-V2, Sec. 2.1; DeepSeek-V3, Sec. 2.1.1) lowered to layers.

Per token and block, the KV cache stores the compressed latent c_KV (``kv_lora_rank``) and one
rotary key k_R (``qk_rope_head_dim``) shared by all heads: the output of ``kv_a_proj``
(``writes_kv``). Queries come through ``q_a_proj`` -> RMSNorm -> ``q_b_proj`` (or one ``q_proj``
without query compression). Two ways to attend, a scenario choice (``mla_form``):

* ``absorbed`` (decode default; DeepSeek-V2 Sec. 2.1.2: W_UK is absorbed into the queries and W_UV
  into the output): per head the no-rope query is mapped into the latent space (``q_absorb``:
  nope -> kv_lora, one GEMM per head), every head attends directly to the cached latent + rotary key
  (``attn_qk``: M = heads x new tokens, K = kv_lora + rope, N = context, one instance per
  sequence: all heads share the one latent, like multi-query attention), ``attn_pv`` gathers
  latent values (N = kv_lora), and ``v_absorb`` maps each head's latent output to v_head_dim.
* ``naive`` (prefill always; decode on request): the latent of every context token is expanded by
  ``kv_b_proj`` into per-head no-rope keys and values (kv_lora -> heads x (nope + v)), then
  ordinary multi-head attention with qk head dim nope + rope and v head dim ``v_head_dim``. In
  decode the expansion runs over the whole context each step (the cache stays compressed).

The output projection ``o_proj`` maps heads x v_head_dim to hidden.
"""

from __future__ import annotations

from hwsim.workload.llm_arch import LlmArch
from hwsim.workload.llm_piece import Piece
from hwsim.workload.ops import Gemm, MatMul, VectorOp

FORMS = ("absorbed", "naive")


def pre_attention(arch: LlmArch, rows: int, vec: bool, absorbed: bool) -> list[Piece]:
    a, h, heads, blocks = arch.mla, arch.hidden, arch.heads, arch.blocks
    out: list[Piece] = []
    if a.q_lora_rank:
        out.append(Piece("q_a_proj", Gemm(rows, h, a.q_lora_rank), blocks))
        if vec:
            out.append(Piece("q_a_norm", VectorOp("rmsnorm", rows * a.q_lora_rank), blocks))
        out.append(Piece("q_b_proj", Gemm(rows, a.q_lora_rank, heads * a.qk_head_dim), blocks))
    else:
        out.append(Piece("q_proj", Gemm(rows, h, heads * a.qk_head_dim), blocks))
    out.append(Piece("kv_a_proj", Gemm(rows, h, a.cache_width), blocks, writes_kv=True))
    if vec:
        out.append(Piece("kv_a_norm", VectorOp("rmsnorm", rows * a.kv_lora_rank), blocks))
        # the queries' rope dims per head and the one shared rotary key
        out.append(Piece("rope", VectorOp("rope", rows * (heads + 1) * a.qk_rope_head_dim), blocks))
    if absorbed:  # W_UK per head: the no-rope query into the latent space
        out.append(Piece("q_absorb", Gemm(rows, a.qk_nope_head_dim, a.kv_lora_rank), blocks * heads))
    return out


def attention(arch: LlmArch, batch: int, tokens: int, context: int, vec: bool, count: int, absorbed: bool,
              softmax_extra: int = 0) -> list[Piece]:
    a, heads = arch.mla, arch.heads
    out: list[Piece] = []
    if absorbed:
        out.append(Piece("attn_qk", MatMul(tokens * heads, a.cache_width, context, batch), count))
    else:
        # the cached latents of the whole context expanded to per-head keys (no rope) and values
        out.append(Piece("kv_b_proj", Gemm(batch * context, a.kv_lora_rank,
                                           heads * (a.qk_nope_head_dim + a.v_head_dim)), count))
        out.append(Piece("attn_qk", MatMul(tokens, a.qk_head_dim, context, batch * heads), count))
    if vec:
        out.append(Piece("softmax", VectorOp("softmax", batch * heads * tokens * (context + softmax_extra)), count))
    if absorbed:
        out.append(Piece("attn_pv", MatMul(tokens * heads, context, a.kv_lora_rank, batch), count))
    else:
        out.append(Piece("attn_pv", MatMul(tokens, context, a.v_head_dim, batch * heads), count))
    return out


def post_attention(arch: LlmArch, rows: int, absorbed: bool) -> list[Piece]:
    a, blocks = arch.mla, arch.blocks
    out = []
    if absorbed:  # W_UV per head: the latent output to v_head_dim
        out.append(Piece("v_absorb", Gemm(rows, a.kv_lora_rank, a.v_head_dim), blocks * arch.heads))
    return out + [Piece("o_proj", Gemm(rows, arch.heads * a.v_head_dim, arch.hidden), blocks)]
