"""Transformer model configs (YAML) lowered to per-block GEMMs, attention matmuls and vector ops.

Encoder (BERT-style): Q/K/V/O projections, per-head Q.K^T and P.V, softmax, two LayerNorms,
a GELU feed-forward. Decoder (Llama-style): the same attention with an optional grouped-query
KV (``kv_heads``), RMSNorm, a SwiGLU feed-forward (gate, up, down) and the LM head; ``phase``
is ``prefill`` (``seq_len`` tokens) or ``decode`` (one new token attending to ``kv_len``).
Shapes follow the model papers: BERT (Devlin et al., NAACL 2019, Sec. 3) and Llama 2
(Touvron et al., 2023, Sec. 2.2 / Table 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from hwsim.errors import HwsimInputError
from hwsim.formats import parse_format
from hwsim.specmodel import Refused, Strict, refusal_of
from hwsim.workload.frontends.hf_reader import MAX_BLOCKS, MAX_BLOCKS_WHY
from hwsim.workload.layer import Layer, Precision, Workload
from hwsim.workload.ops import Gemm, MatMul, VectorOp
from hwsim.yamlio import load_yaml_file


class TransformerConfig(Strict):
    model_config = ConfigDict(extra="forbid")  # not frozen: the loader reads it once

    kind: Literal["transformer_encoder", "transformer_decoder"] = Field(description="model family")
    name: str = Field(min_length=1, description="workload name")
    source: str = Field(description="where the model dimensions come from")
    hidden: int = Field(gt=0, description="model width d_model")
    heads: int = Field(gt=0, description="attention heads")
    kv_heads: int | None = Field(default=None, gt=0, description="KV heads (GQA); default = heads")
    head_dim: int | None = Field(default=None, gt=0, description="per-head width; default = hidden / heads")
    blocks: int = Field(gt=0, description="transformer blocks (at most hf_reader.MAX_BLOCKS)")
    ffn: int = Field(gt=0, description="feed-forward inner width")
    seq_len: int = Field(gt=0, description="tokens processed (prefill / encoder)")
    batch: int = Field(default=1, gt=0, description="sequences processed together")
    phase: Literal["prefill", "decode"] = Field(default="prefill", description="decoder phase")
    kv_len: int | None = Field(default=None, gt=0, description="decode: tokens already in the KV cache")
    vocab: int | None = Field(default=None, gt=0, description="decoder: LM-head vocabulary")
    include_vector_ops: bool = Field(default=True, description="emit softmax/norm/activation ops")
    precision: dict[str, str] = Field(default_factory=dict, description="operand -> format for all layers")

    @model_validator(mode="after")
    def _consistent(self) -> "TransformerConfig":
        if self.blocks > MAX_BLOCKS:   # the ceiling a config.json's num_hidden_layers has
            raise Refused(f"{self.blocks} blocks are more than any model has", field="blocks",
                          allowed=f"1..{MAX_BLOCKS} ({MAX_BLOCKS_WHY})")
        if self.head_dim is None and self.hidden % self.heads:
            raise Refused(f"hidden={self.hidden} is not divisible by heads={self.heads}; give head_dim",
                          field="heads", allowed="a divisor of hidden, or head_dim given")
        kv_heads = self.kv_heads or self.heads
        if self.heads % kv_heads:
            raise Refused(f"heads={self.heads} is not divisible by kv_heads={kv_heads}", field="kv_heads",
                          allowed=f"a divisor of heads={self.heads}")
        if self.phase == "decode" and self.kv_len is None:
            raise Refused("phase 'decode' needs kv_len", field="kv_len", allowed="the tokens already in the KV cache")
        if self.kind == "transformer_encoder" and self.phase != "prefill":
            raise Refused("an encoder has no decode phase", field="phase", allowed="prefill")
        # keys the lowering would not read: refused rather than dropped
        if self.phase == "prefill" and self.kv_len is not None:
            raise Refused("kv_len is read only in phase 'decode' (a prefill's context is seq_len)", field="kv_len",
                          allowed="unset, or phase: decode")
        if self.kind == "transformer_encoder" and self.vocab is not None:
            raise Refused("an encoder has no LM head to size by vocab", field="vocab",
                          allowed="unset, or kind: transformer_decoder")
        unknown = sorted(set(self.precision) - {"weights", "activations", "outputs", "kv"})
        if unknown:
            raise Refused(f"unknown operand {unknown[0]!r}", field=f"precision.{unknown[0]}",
                          allowed="weights, activations, outputs, kv")
        return self


def load_transformer(path: str | Path, data: dict | None = None) -> Workload:
    path = Path(path)
    data = load_yaml_file(path) if data is None else data
    try:
        cfg = TransformerConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        refused = refusal_of(err)
        field = ".".join([str(p) for p in err["loc"]] + ([refused.field] if refused and refused.field else []))
        message = refused.message if refused else err["msg"]
        raise HwsimInputError(message, source=str(path), field=field or None,
                              allowed=refused.allowed if refused else None) from None
    formats = {}
    for operand, name in cfg.precision.items():
        try:
            formats[operand] = parse_format(name)
        except HwsimInputError as exc:
            raise HwsimInputError(exc.message, source=str(path), field=f"precision.{operand}",
                                  allowed=exc.allowed) from None
    precision = Precision(**formats)
    return build_transformer(cfg, precision)


def build_transformer(cfg: TransformerConfig, precision: Precision = Precision()) -> Workload:
    head_dim = cfg.head_dim or cfg.hidden // cfg.heads
    kv_heads = cfg.kv_heads or cfg.heads
    group = cfg.heads // kv_heads  # query heads sharing one K/V head (GQA)
    decode = cfg.phase == "decode"
    new_tokens = 1 if decode else cfg.seq_len
    context = (cfg.kv_len + 1) if decode else cfg.seq_len
    rows = cfg.batch * new_tokens
    n = cfg.blocks
    kv_width = kv_heads * head_dim
    layers: list[Layer] = []

    def add(name: str, op, count: int = n, writes_kv: bool = False) -> None:
        layers.append(Layer(name, op, precision, count, writes_kv))

    is_decoder = cfg.kind == "transformer_decoder"
    norm = "rmsnorm" if is_decoder else "layernorm"
    if cfg.include_vector_ops and is_decoder:
        add("attn_norm", VectorOp(norm, rows * cfg.hidden))
    q_width = cfg.heads * head_dim
    add("q_proj", Gemm(rows, cfg.hidden, q_width))
    # a decoder's new K and V go to the KV cache, written in the KV format
    add("k_proj", Gemm(rows, cfg.hidden, kv_width), writes_kv=is_decoder)
    add("v_proj", Gemm(rows, cfg.hidden, kv_width), writes_kv=is_decoder)
    # GQA: the query heads of one group are stacked along M, so each K/V head is read once per
    # group, not once per query head (MACs unchanged: m x k x n x instances)
    kv_groups = cfg.batch * kv_heads
    add("attn_qk", MatMul(new_tokens * group, head_dim, context, kv_groups))
    if cfg.include_vector_ops:
        add("softmax", VectorOp("softmax", cfg.batch * cfg.heads * new_tokens * context))
    add("attn_pv", MatMul(new_tokens * group, context, head_dim, kv_groups))
    add("o_proj", Gemm(rows, q_width, cfg.hidden))
    if cfg.include_vector_ops:
        add("attn_residual", VectorOp("add", rows * cfg.hidden))
        add("ffn_norm" if is_decoder else "attn_norm", VectorOp(norm, rows * cfg.hidden))
    if is_decoder:
        add("ffn_gate", Gemm(rows, cfg.hidden, cfg.ffn))
        add("ffn_up", Gemm(rows, cfg.hidden, cfg.ffn))
        if cfg.include_vector_ops:
            add("ffn_act", VectorOp("silu", rows * cfg.ffn))
            add("ffn_gate_mul", VectorOp("mul", rows * cfg.ffn))
    else:
        add("ffn_up", Gemm(rows, cfg.hidden, cfg.ffn))
        if cfg.include_vector_ops:
            add("ffn_act", VectorOp("gelu", rows * cfg.ffn))
    add("ffn_down", Gemm(rows, cfg.ffn, cfg.hidden))
    if cfg.include_vector_ops:
        add("ffn_residual", VectorOp("add", rows * cfg.hidden))
        if not is_decoder:
            add("ffn_norm", VectorOp(norm, rows * cfg.hidden))
    if is_decoder and cfg.vocab:
        if cfg.include_vector_ops:
            add("final_norm", VectorOp(norm, rows * cfg.hidden), count=1)
        add("lm_head", Gemm(rows, cfg.hidden, cfg.vocab), count=1)
    return Workload(cfg.name, tuple(layers), cfg.source)
