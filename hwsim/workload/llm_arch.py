"""The architecture of a transformer LLM / encoder as hwsim lowers it: one record per model.

Filled by a frontend (``hwsim/workload/frontends/hf_config.py`` reads HuggingFace
``config.json``), lowered by ``hwsim/workload/llm.py``. Parameter counts follow the modules of
the HuggingFace ``transformers`` implementations (``modeling_llama.py``, ``modeling_mixtral.py``,
``modeling_qwen2(_moe).py``, ``modeling_opt.py``, ``modeling_gpt2.py``, ``modeling_phi.py``,
``modeling_bert.py``, ``modeling_vit.py``, ``modeling_gemma(2,3).py``, ``modeling_phi3.py``,
``modeling_qwen3(_moe).py``, ``modeling_deepseek_v2/v3.py``, ``modeling_gpt_oss.py``): weights,
biases, norm scales/shifts, attention sinks and router score biases.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MoE:
    """Mixture-of-experts feed-forward: ``experts`` gated FFNs of width ``expert_ffn``, each token
    routed to ``top_k`` of them by a linear router; optionally always-on shared experts of total
    width ``shared_ffn``: Qwen-MoE's one expert scaled by a sigmoid gate (a hidden -> 1 linear,
    ``shared_gate``), DeepSeek's ``n_shared_experts`` x ``moe_intermediate_size`` unscaled."""

    experts: int
    top_k: int
    expert_ffn: int
    shared_ffn: int = 0
    moe_blocks: int = 0  # blocks whose FFN is the MoE (the rest use the dense FFN)
    shared_gate: bool = True   # Qwen2-MoE's sigmoid gate on the shared expert (DeepSeek: none)
    expert_bias: bool = False  # gpt-oss: gate_up and down projections with biases
    router_bias: bool = False  # gpt-oss: the router linear has a bias
    score_bias: bool = False   # DeepSeek-V3: e_score_correction_bias, one per expert (selection only)
    act: str = "silu"          # the experts' gate activation


@dataclass(frozen=True)
class Mla:
    """Multi-head latent attention (DeepSeek-V2, Sec. 2.1; DeepSeek-V3, Sec. 2.1.1): queries through an
    optional low-rank ``q_lora_rank`` (0: one q_proj), keys and values compressed into one latent
    of ``kv_lora_rank`` per token plus a ``qk_rope_head_dim`` rotary key shared by all heads; that
    latent and the rotary key are what the KV cache stores."""

    q_lora_rank: int       # 0: no query compression (DeepSeek-V2-Lite)
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim

    @property
    def cache_width(self) -> int:
        """Elements cached per token and block: the latent c_KV and the shared rotary key k_R."""
        return self.kv_lora_rank + self.qk_rope_head_dim


@dataclass(frozen=True)
class Vision:
    """ViT input: square images cut into square patches (Dosovitskiy et al., ICLR 2021, Eq. 1)."""

    image_size: int
    patch_size: int
    channels: int

    @property
    def patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2


@dataclass(frozen=True)
class LlmArch:
    family: str                 # llama, mistral, mixtral, qwen2(_moe), qwen3(_moe), opt, gpt2, phi, phi3, bert,
                                # vit, gemma, gemma2, gemma3, deepseek_v2, deepseek_v3, gpt_oss
    name: str
    source: str
    decoder: bool               # causal LM with a KV cache (False: encoder, one pass)
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    blocks: int
    ffn: int                    # dense FFN inner width (0 if every block is MoE)
    gated: bool                 # gate/up/down (SwiGLU) vs up/down
    act: str                    # silu | gelu | relu (a VectorOp name)
    norm: str                   # rmsnorm | layernorm
    vocab: int = 0              # 0: no token embedding / LM head (ViT)
    tied: bool = False          # lm_head shares the token embedding's weights
    parallel: bool = False      # attention and MLP read the same normed input (Phi-2)
    rotary_dims: int = 0        # rotated dims per head (0: no rotary embedding)
    sliding_window: int = 0     # 0: full causal attention
    learned_positions: int = 0  # rows of a learned position table (0: none)
    token_types: int = 0        # BERT segment embeddings
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    lm_head_bias: bool = False
    norm_bias: bool = False     # LayerNorm with a shift (beta) as well as a scale
    final_norm: bool = True
    embed_norm: bool = False    # BERT: LayerNorm after the embeddings
    pooler: bool = False        # BERT: tanh(dense(CLS))
    moe: MoE | None = None
    vision: Vision | None = None
    max_positions: int = 0      # context limit of learned positions (0: not enforced)
    # per-block sliding window (0: full attention), for families that alternate local and global
    # layers (Gemma-2/3, gpt-oss); empty: every block uses ``sliding_window``
    layer_windows: tuple[int, ...] = ()
    qk_norm: bool = False       # RMSNorm over head_dim on queries and keys (Qwen3, Gemma-3)
    post_norms: bool = False    # RMSNorm after attention and after the FFN too (Gemma-2/3): 4 per block
    attn_sinks: bool = False    # one learned logit per head in every softmax denominator (gpt-oss)
    fused_gate_up: bool = False  # one gate_up GEMM of width 2 x ffn (Phi-3)
    embed_scale: bool = False   # embeddings multiplied by sqrt(hidden) (Gemma)
    mla: Mla | None = None      # DeepSeek-V2/V3 multi-head latent attention
    context_limit: int = 0      # rotary families: longest context the config states (0: none)
    context_limit_from: str = ""  # which keys gave context_limit (for the refusal line)
    notes: tuple[str, ...] = ()  # what the config has that hwsim leaves out (e.g. MTP heads)
    # parameters stored but not lowered (Gemma-3's SigLIP vision tower and projector): in total, not active
    unlowered_params: int = 0

    @property
    def group(self) -> int:
        return self.heads // self.kv_heads

    @property
    def q_width(self) -> int:
        return self.heads * self.head_dim

    @property
    def kv_width(self) -> int:
        return self.kv_heads * self.head_dim

    @property
    def windows(self) -> tuple[int, ...]:
        """The sliding window of every block (0: full attention)."""
        return self.layer_windows or (self.sliding_window,) * self.blocks

    @property
    def attention_groups(self) -> list[tuple[int, int]]:
        """(window, blocks) per distinct window, full attention (0) first."""
        found: dict[int, int] = {}
        for window in self.windows:
            found[window] = found.get(window, 0) + 1
        return sorted(found.items())

    @property
    def moe_blocks(self) -> int:
        return self.moe.moe_blocks if self.moe else 0

    @property
    def dense_blocks(self) -> int:
        return self.blocks - self.moe_blocks

    @property
    def kv_elements_per_token_block(self) -> int:
        """Cached elements per token in one block: K and V of every KV head, or MLA's latent +
        rotary key (kv_lora_rank + qk_rope_head_dim, DeepSeek-V2 Sec. 2.1.2 / Table 1)."""
        return self.mla.cache_width if self.mla else 2 * self.kv_heads * self.head_dim

    def kv_bytes_per_token(self, kv_bits: float) -> float:
        """KV cache of one token in every block: 2 x blocks x kv_heads x head_dim x bits / 8, or
        blocks x (kv_lora_rank + qk_rope_head_dim) x bits / 8 with MLA."""
        return self.blocks * self.kv_elements_per_token_block * kv_bits / 8

    def kv_cache_elements(self, tokens: int) -> int:
        """Elements the cache holds for one sequence of ``tokens``: a block with a sliding window W
        keeps a rolling buffer of min(tokens, W) tokens (Jiang et al. 2023, Sec. 2)."""
        return sum(min(tokens, w) if w else tokens for w in self.windows) * self.kv_elements_per_token_block


@dataclass(frozen=True)
class Parameters:
    total: int   # every stored parameter, tied weights once
    # read per token: the k routed experts only, and of each embedding table (tokens, learned
    # positions, token types) the one row a token gathers; a tied table counts whole, since the LM
    # head multiplies by all of it. The convention of the gpt-oss model card (Table 1: 3.61 B
    # active of 20.91 B = total - experts not routed - the embedding table).
    active: int
    # the same with the embedding tables counted whole (Mixtral's 12.9 B, Qwen3-30B-A3B's 3.3 B)
    active_with_embeddings: int = 0


def _linear(k: int, n: int, bias: bool) -> int:
    return k * n + (n if bias else 0)


def parameters(arch: LlmArch) -> Parameters:
    """Parameter counts, embeddings included (tied LM head counted once)."""
    h = arch.hidden
    norm = h * (2 if arch.norm_bias else 1)
    if arch.mla:
        attn = _mla_parameters(arch)
    else:
        attn = (_linear(h, arch.q_width, arch.qkv_bias) + 2 * _linear(h, arch.kv_width, arch.qkv_bias)
                + _linear(arch.q_width, h, arch.o_bias))
    norms_per_block = 1 if arch.parallel else 4 if arch.post_norms else 2
    if arch.qk_norm:  # q_norm and k_norm: one RMSNorm scale of head_dim each (Qwen3Attention)
        attn += 2 * arch.head_dim
    if arch.attn_sinks:  # GptOssAttention.sinks: one logit per query head
        attn += arch.heads

    def mlp(width: int, gated: bool, bias: bool) -> int:
        return (2 if gated else 1) * _linear(h, width, bias) + _linear(width, h, bias)

    dense_ffn = mlp(arch.ffn, arch.gated, arch.mlp_bias) if arch.ffn else 0
    block = attn + norms_per_block * norm
    total = arch.blocks * block + arch.dense_blocks * dense_ffn
    active = total
    if arch.moe:
        m = arch.moe
        expert = mlp(m.expert_ffn, True, m.expert_bias)
        shared = 0
        if m.shared_ffn:  # + Qwen-MoE's sigmoid gate h -> 1
            shared = mlp(m.shared_ffn, True, False) + (h if m.shared_gate else 0)
        router = _linear(h, m.experts, m.router_bias) + (m.experts if m.score_bias else 0)
        total += m.moe_blocks * (m.experts * expert + shared + router)
        active += m.moe_blocks * (m.top_k * expert + shared + router)
    embed = arch.vocab * h + arch.learned_positions * h + arch.token_types * h
    # a token gathers one row of each table; the LM head reads a tied token table whole
    tables = [arch.vocab, arch.learned_positions, arch.token_types]
    gathered = sum((t - 1) * h for i, t in enumerate(tables) if t and not (i == 0 and arch.tied and arch.decoder))
    if arch.embed_norm:
        embed += norm
    if arch.vision:
        v = arch.vision
        # patch projection (a conv with bias), class token, one position per patch + the class token
        embed += _linear(v.patch_size ** 2 * v.channels, h, True) + h + (v.patches + 1) * h
    head = 0
    if arch.decoder and arch.vocab:
        head = (0 if arch.tied else arch.vocab * h) + (arch.vocab if arch.lm_head_bias else 0)
    extra = (norm if arch.final_norm else 0) + (_linear(h, h, True) if arch.pooler else 0)
    common = embed + head + extra
    return Parameters(total + common + arch.unlowered_params, active + common - gathered, active + common)


def _mla_parameters(arch: LlmArch) -> int:
    """DeepseekV2Attention / DeepseekV3Attention: q_a_proj + q_a_layernorm + q_b_proj (or q_proj),
    kv_a_proj_with_mqa (hidden -> latent + rotary key), kv_a_layernorm, kv_b_proj (latent -> per-head
    no-rope key and value), o_proj; no biases (attention_bias false in every published config)."""
    a, h, heads = arch.mla, arch.hidden, arch.heads
    if a.q_lora_rank:
        q = h * a.q_lora_rank + a.q_lora_rank + a.q_lora_rank * heads * a.qk_head_dim
    else:
        q = h * heads * a.qk_head_dim
    kv = h * a.cache_width + a.kv_lora_rank + a.kv_lora_rank * heads * (a.qk_nope_head_dim + a.v_head_dim)
    return q + kv + heads * a.v_head_dim * h

