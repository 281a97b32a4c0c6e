"""The architecture of a transformer LLM / encoder as hwsim lowers it: one record per model.

Filled by a frontend (``hwsim/workload/frontends/hf_config.py`` reads HuggingFace
``config.json``), lowered by ``hwsim/workload/llm.py``. Parameter counts follow the modules of
the HuggingFace ``transformers`` implementations (``modeling_llama.py``, ``modeling_mixtral.py``,
``modeling_qwen2(_moe).py``, ``modeling_opt.py``, ``modeling_gpt2.py``, ``modeling_phi.py``,
``modeling_bert.py``, ``modeling_vit.py``): weights, biases and norm scales/shifts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MoE:
    """Mixture-of-experts feed-forward: ``experts`` gated FFNs of width ``expert_ffn``, each token
    routed to ``top_k`` of them by a linear router; optionally one always-on shared expert
    (Qwen-MoE) of width ``shared_ffn`` scaled by a sigmoid gate (a hidden -> 1 linear)."""

    experts: int
    top_k: int
    expert_ffn: int
    shared_ffn: int = 0
    moe_blocks: int = 0  # blocks whose FFN is the MoE (the rest use the dense FFN)


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
    family: str                 # llama, mistral, mixtral, qwen2, qwen2_moe, opt, gpt2, phi, bert, vit
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
    def moe_blocks(self) -> int:
        return self.moe.moe_blocks if self.moe else 0

    @property
    def dense_blocks(self) -> int:
        return self.blocks - self.moe_blocks

    def kv_bytes_per_token(self, kv_bits: float) -> float:
        """K and V of one token in every block: 2 x blocks x kv_heads x head_dim x bits / 8."""
        return 2 * self.blocks * self.kv_heads * self.head_dim * kv_bits / 8


@dataclass(frozen=True)
class Parameters:
    total: int   # every stored parameter, tied weights once
    active: int  # read per token: routed experts only (equal to total for a dense model)


def _linear(k: int, n: int, bias: bool) -> int:
    return k * n + (n if bias else 0)


def parameters(arch: LlmArch) -> Parameters:
    """Parameter counts, embeddings included (tied LM head counted once)."""
    h = arch.hidden
    norm = h * (2 if arch.norm_bias else 1)
    attn = (_linear(h, arch.q_width, arch.qkv_bias) + 2 * _linear(h, arch.kv_width, arch.qkv_bias)
            + _linear(arch.q_width, h, arch.o_bias))
    norms_per_block = 1 if arch.parallel else 2

    def mlp(width: int, gated: bool, bias: bool) -> int:
        return (2 if gated else 1) * _linear(h, width, bias) + _linear(width, h, bias)

    dense_ffn = mlp(arch.ffn, arch.gated, arch.mlp_bias) if arch.ffn else 0
    block = attn + norms_per_block * norm
    total = arch.blocks * block + arch.dense_blocks * dense_ffn
    active = total
    if arch.moe:
        m = arch.moe
        expert = mlp(m.expert_ffn, True, False)
        shared = (mlp(m.shared_ffn, True, False) + h) if m.shared_ffn else 0  # + the sigmoid gate h -> 1
        router = h * m.experts
        total += m.moe_blocks * (m.experts * expert + shared + router)
        active += m.moe_blocks * (m.top_k * expert + shared + router)
    embed = arch.vocab * h + arch.learned_positions * h + arch.token_types * h
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
    return Parameters(total + common, active + common)

