"""An ``LlmArch`` and a scenario (prefill, decode, generate) lowered to one hwsim ``Workload``.

Per block: norms, Q/K/V projections (K/V sized by the KV heads; their outputs are written in the
KV format), rotary embedding, attention (Q.K^T and P.V with the query heads of one KV group
stacked along M, so each K/V head is read once per group, as ``frontends/transformer.py`` does),
the output projection, the FFN (gated, plain or mixture-of-experts) and residual adds; then the
final norm and the LM head. Vector ops are left out with ``gemm_only``.

Layer names carry the phase: ``prefill/q_proj``, ``decode/q_proj``, and the attention layers of a
decode step carry its KV length: ``decode@L=1234/attn_qk`` (``decode@L=4095-4999/attn_qk`` when
a sliding window makes several steps' attention identical). A ``generate`` workload is the
prefill, then the layers every decode step shares once with ``count = steps x blocks``, then one
set of attention layers per distinct attention context: one ``simulate`` call covers the whole
generation and equals the sum of its steps simulated one by one (tests/test_llm_frontend.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hwsim.errors import HwsimInputError, require_flag
from hwsim.workload import mla, moe_routing
from hwsim.workload.layer import Layer, Workload
from hwsim.workload.llm_arch import LlmArch
from hwsim.workload.llm_piece import Piece
from hwsim.workload.ops import Gemm, MatMul, VectorOp

PHASES = ("prefill", "decode", "generate")

# a generate run builds one decode step per new token: at most the longest published context
# (Llama 4 Scout: 10M tokens, Meta 2025)
MAX_NEW_TOKENS = 10_000_000


@dataclass(frozen=True)
class Scenario:
    phase: str
    batch: int = 1
    seq_len: int | None = None     # prefill: tokens per sequence
    kv_len: int | None = None      # decode: tokens already in the KV cache
    prompt: int | None = None      # generate: prompt tokens (prefilled)
    new_tokens: int | None = None  # generate: decode steps
    gemm_only: bool = False
    allow_long_context: bool = False  # run beyond the context limit a rotary config states
    moe_routing: str | None = None    # MoE models: upper (default), expected, or a routing-histogram JSON path
    mla_form: str | None = None       # MLA models' decode: absorbed (default) or naive (mla.py)


def _check_int(value, field: str, source: str, minimum: int = 1) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise HwsimInputError(f"must be an integer >= {minimum}, got {value!r}", source=source, field=field)


def check_scenario(arch: LlmArch, sc: Scenario, source: str) -> Scenario:
    """The scenario, checked against the model: one error naming the argument otherwise."""
    # numpy's integers are integers (a batch taken from an array); flags are booleans, never text
    counts = {name: int(getattr(sc, name)) for name in ("batch", "seq_len", "kv_len", "prompt", "new_tokens")
              if isinstance(getattr(sc, name), np.integer)}
    if counts:
        sc = replace(sc, **counts)
    for flag in ("gemm_only", "allow_long_context"):
        require_flag(getattr(sc, flag), flag, source)
    if sc.phase not in PHASES:
        raise HwsimInputError(f"unknown phase {sc.phase!r}", source=source, field="phase", allowed=", ".join(PHASES))
    if not arch.decoder and sc.phase != "prefill":
        raise HwsimInputError(f"{arch.family} is an encoder: it has no phase '{sc.phase}'", source=source,
                              field="phase", allowed="prefill (one pass over the sequence)")
    _check_int(sc.batch, "batch", source)
    wanted = {"prefill": ("seq_len",), "decode": ("kv_len",), "generate": ("prompt", "new_tokens")}[sc.phase]
    for field in ("seq_len", "kv_len", "prompt", "new_tokens"):
        if field not in wanted and getattr(sc, field) is not None:
            raise HwsimInputError(f"{field} does not apply to phase '{sc.phase}'", source=source, field=field,
                                  allowed=f"{', '.join(wanted)} for phase '{sc.phase}'")
    for field in wanted:
        value = getattr(sc, field)
        if value is None and not (field == "seq_len" and arch.vision):
            raise HwsimInputError(f"phase '{sc.phase}' needs {field}", source=source, field=field)
        if value is not None:
            _check_int(value, field, source)
    if arch.vision and sc.seq_len is not None and sc.seq_len != arch.vision.patches + 1:
        raise HwsimInputError(f"a ViT's sequence is its patches + the class token = {arch.vision.patches + 1}, "
                              f"got {sc.seq_len}", source=source, field="seq_len",
                              allowed=f"{arch.vision.patches + 1} or omitted")
    if sc.phase == "generate" and sc.new_tokens > MAX_NEW_TOKENS:   # one decode step each is built
        raise HwsimInputError(f"{sc.new_tokens} new tokens are more decode steps than any model's context",
                              source=source, field="new_tokens",
                              allowed=f"1..{MAX_NEW_TOKENS:,} (the longest published context, Llama 4 Scout's "
                                      "10M tokens, Meta 2025)")
    longest = {"prefill": sc.seq_len or 0, "decode": (sc.kv_len or 0) + 1,
               "generate": (sc.prompt or 0) + (sc.new_tokens or 0)}[sc.phase]
    length_field = {"prefill": "seq_len", "decode": "kv_len", "generate": "prompt + new_tokens"}[sc.phase]
    if arch.max_positions and longest > arch.max_positions:
        raise HwsimInputError(f"{longest} tokens of context exceed the {arch.max_positions} learned positions "
                              f"of {arch.family}", source=source, field=length_field,
                              allowed=f"<= {arch.max_positions} tokens")
    if not isinstance(sc.allow_long_context, bool):
        raise HwsimInputError(f"must be true or false, got {sc.allow_long_context!r}", source=source,
                              field="allow_long_context")
    if arch.context_limit and longest > arch.context_limit and not sc.allow_long_context:
        raise HwsimInputError(f"{longest} tokens of context exceed the model's limit of {arch.context_limit} "
                              f"({arch.context_limit_from})", source=source, field=length_field,
                              allowed=f"<= {arch.context_limit} tokens, or allow_long_context "
                                      "(--allow-long-context) to run beyond it")
    if sc.moe_routing is not None:
        if not arch.moe:
            raise HwsimInputError(f"{arch.name} has no mixture of experts", source=source, field="moe_routing",
                                  allowed="moe_routing only for MoE models")
        if not isinstance(sc.moe_routing, str) or not sc.moe_routing:
            raise HwsimInputError(f"must be a routing model or a file, got {sc.moe_routing!r}", source=source,
                                  field="moe_routing", allowed=", ".join(moe_routing.MODELS) + " or a histogram .json")
        if sc.moe_routing not in moe_routing.MODELS:
            if not sc.moe_routing.lower().endswith(".json"):
                raise HwsimInputError(f"unknown routing model {sc.moe_routing!r}", source=source, field="moe_routing",
                                      allowed=", ".join(moe_routing.MODELS) + " or a routing histogram .json file")
            _histogram(arch, sc)  # read and checked now: one line naming the file otherwise
    if sc.mla_form is not None:
        if not arch.mla:
            raise HwsimInputError(f"{arch.name} has no multi-head latent attention", source=source, field="mla_form",
                                  allowed="mla_form only for MLA models (DeepSeek-V2/V3)")
        if sc.mla_form not in mla.FORMS:
            raise HwsimInputError(f"unknown MLA form {sc.mla_form!r}", source=source, field="mla_form",
                                  allowed=", ".join(mla.FORMS))
        if sc.phase == "prefill":   # prefill expands the latent whatever the form (mla.py): it would be ignored
            raise HwsimInputError("prefill always expands the latent (naive); the form is decode's choice",
                                  source=source, field="mla_form", allowed="mla_form with phase decode or generate")
    return sc


def _histogram(arch: LlmArch, sc: Scenario):
    m = arch.moe
    return moe_routing.read_histogram(sc.moe_routing, m.experts, m.top_k, m.moe_blocks)


def _context(window: int, tokens: int) -> int:
    """Keys one query attends to: all of them, or the sliding window (Mistral: Jiang et al. 2023, Sec. 2)."""
    return min(tokens, window) if window else tokens


def _window_tag(arch: LlmArch, window: int) -> str:
    """Layer-name suffix of a block group: none when every block attends alike, ``.w<W>`` for the
    sliding-window blocks of a model that alternates local and global layers."""
    return f".w{window}" if window and len(arch.attention_groups) > 1 else ""


def _pre_attention(arch: LlmArch, batch: int, tokens: int, vec: bool, absorbed: bool = False) -> list[Piece]:
    rows, h, blocks = batch * tokens, arch.hidden, arch.blocks
    out: list[Piece] = []
    if arch.vision:
        v = arch.vision
        # the patch projection is a conv with kernel = stride = patch: one GEMM over the patches
        out.append(Piece("patch_embed", Gemm(batch * v.patches, v.patch_size ** 2 * v.channels, h), 1))
    adds = int(bool(arch.learned_positions or arch.vision)) + int(bool(arch.token_types))
    if vec and adds:
        out.append(Piece("embed_add", VectorOp("add", rows * h * adds), 1))
    if vec and arch.embed_scale:  # Gemma: embeddings x sqrt(hidden)
        out.append(Piece("embed_scale", VectorOp("mul", rows * h), 1))
    if vec and arch.embed_norm:
        out.append(Piece("embed_norm", VectorOp(arch.norm, rows * h), 1))
    if vec:
        out.append(Piece("attn_norm", VectorOp(arch.norm, rows * h), blocks))
    if arch.mla:
        return out + mla.pre_attention(arch, rows, vec, absorbed)
    # Phi-3's fused qkv_proj is lowered as its three column blocks (the same weights and MACs):
    # the K and V columns are the new cache entries, written in the KV format
    out.append(Piece("q_proj", Gemm(rows, h, arch.q_width), blocks))
    out.append(Piece("k_proj", Gemm(rows, h, arch.kv_width), blocks, writes_kv=arch.decoder))
    out.append(Piece("v_proj", Gemm(rows, h, arch.kv_width), blocks, writes_kv=arch.decoder))
    if vec and arch.qk_norm:  # Qwen3 / Gemma-3: RMSNorm over head_dim on every query and key head
        out.append(Piece("qk_norm", VectorOp("rmsnorm", rows * (arch.heads + arch.kv_heads) * arch.head_dim), blocks))
    if vec and arch.rotary_dims:
        out.append(Piece("rope", VectorOp("rope", rows * (arch.heads + arch.kv_heads) * arch.rotary_dims), blocks))
    return out


def _attention(arch: LlmArch, batch: int, tokens: int, context: int, vec: bool, count: int,
               absorbed: bool = False) -> list[Piece]:
    """``count`` = the blocks that attend over ``context`` keys x the steps that share it. gpt-oss's
    attention sink is one more logit in every softmax row (its value is dropped after the softmax)."""
    sink = 1 if arch.attn_sinks else 0
    if arch.mla:
        return mla.attention(arch, batch, tokens, context, vec, count, absorbed, sink)
    m, instances = tokens * arch.group, batch * arch.kv_heads
    out = [Piece("attn_qk", MatMul(m, arch.head_dim, context, instances), count)]
    if vec:
        out.append(Piece("softmax", VectorOp("softmax", batch * arch.heads * tokens * (context + sink)), count))
    out.append(Piece("attn_pv", MatMul(m, context, arch.head_dim, instances), count))
    return out


def _gated_mlp(prefix: str, rows: int, h: int, width: int, act: str, count: int, vec: bool,
               fused: bool = False) -> list[Piece]:
    if fused:  # Phi-3's gate_up_proj: one GEMM of width 2 x ffn
        out = [Piece(f"{prefix}_gate_up", Gemm(rows, h, 2 * width), count)]
    else:
        out = [Piece(f"{prefix}_gate", Gemm(rows, h, width), count), Piece(f"{prefix}_up", Gemm(rows, h, width), count)]
    if vec:
        out += [Piece(f"{prefix}_act", VectorOp(act, rows * width), count),
                Piece(f"{prefix}_gate_mul", VectorOp("mul", rows * width), count)]
    return out + [Piece(f"{prefix}_down", Gemm(rows, width, h), count)]


def expert_split(routed: int, experts: int) -> list[tuple[int, int]]:
    """(rows per expert, experts) for ``routed`` token-expert assignments spread as evenly as possible
    over the min(E, routed) experts they can touch: the MACs are exactly routed x expert MACs and
    every touched expert's weights are read once (two shapes when ``routed`` does not divide)."""
    return moe_routing.even_split(routed, min(experts, routed))


def _expert_split(arch: LlmArch, rows: int, sc: Scenario) -> list[tuple[int, int]]:
    """(rows per expert, count over all MoE blocks) under the scenario's routing model."""
    m, routing = arch.moe, sc.moe_routing or "upper"
    if routing == "upper":
        return moe_routing.upper_split(rows * m.top_k, m.experts, m.moe_blocks)
    if routing == "expected":
        return moe_routing.expected_split(rows, m.top_k, m.experts, m.moe_blocks)
    return moe_routing.histogram_split(_histogram(arch, sc), rows, m.top_k, m.moe_blocks)


def _moe(arch: LlmArch, rows: int, vec: bool, sc: Scenario) -> list[Piece]:
    moe, h, blocks = arch.moe, arch.hidden, arch.moe_blocks
    out = [Piece("router", Gemm(rows, h, moe.experts), blocks)]
    if vec:  # top-k selection over the router's softmax (the compares are not counted)
        out.append(Piece("router_softmax", VectorOp("softmax", rows * moe.experts), blocks))
    routed = rows * moe.top_k
    split = _expert_split(arch, rows, sc)
    for m, count in split:
        tag = f".m{m}" if len(split) > 1 else ""
        out += [Piece(f"expert_gate{tag}", Gemm(m, h, moe.expert_ffn), count),
                Piece(f"expert_up{tag}", Gemm(m, h, moe.expert_ffn), count),
                Piece(f"expert_down{tag}", Gemm(m, moe.expert_ffn, h), count)]
    if vec:
        out += [Piece("expert_act", VectorOp(moe.act, routed * moe.expert_ffn), blocks),
                Piece("expert_gate_mul", VectorOp("mul", routed * moe.expert_ffn), blocks),
                Piece("expert_scale", VectorOp("mul", routed * h), blocks),   # x routing weight
                Piece("expert_sum", VectorOp("add", routed * h), blocks)]     # sum over the k experts
    if moe.shared_ffn:  # always-on experts: Qwen-MoE's scaled by sigmoid(x . w), DeepSeek's not
        out += _gated_mlp("shared", rows, h, moe.shared_ffn, "silu", blocks, vec)
        if moe.shared_gate:
            out.append(Piece("shared_score", Gemm(rows, h, 1), blocks))
        if vec:
            if moe.shared_gate:
                out += [Piece("shared_sigmoid", VectorOp("sigmoid", rows), blocks),
                        Piece("shared_scale", VectorOp("mul", rows * h), blocks)]
            out.append(Piece("shared_add", VectorOp("add", rows * h), blocks))
    return out


def _post_attention(arch: LlmArch, batch: int, tokens: int, vec: bool, sc: Scenario,
                    absorbed: bool = False) -> list[Piece]:
    rows, h, blocks = batch * tokens, arch.hidden, arch.blocks
    if arch.mla:
        out = mla.post_attention(arch, rows, absorbed)
    else:
        out = [Piece("o_proj", Gemm(rows, arch.q_width, h), blocks)]
    if vec and arch.post_norms:  # Gemma-2/3: RMSNorm on the attention output before the residual add
        out.append(Piece("attn_post_norm", VectorOp(arch.norm, rows * h), blocks))
    if vec and not arch.parallel:
        out += [Piece("attn_residual", VectorOp("add", rows * h), blocks),
                Piece("ffn_norm", VectorOp(arch.norm, rows * h), blocks)]
    if arch.dense_blocks:
        if arch.gated:
            out += _gated_mlp("ffn", rows, h, arch.ffn, arch.act, arch.dense_blocks, vec, arch.fused_gate_up)
        else:
            out.append(Piece("ffn_up", Gemm(rows, h, arch.ffn), arch.dense_blocks))
            if vec:
                out.append(Piece("ffn_act", VectorOp(arch.act, rows * arch.ffn), arch.dense_blocks))
            out.append(Piece("ffn_down", Gemm(rows, arch.ffn, h), arch.dense_blocks))
    if arch.moe_blocks:
        out += _moe(arch, rows, vec, sc)
    if vec and arch.post_norms:
        out.append(Piece("ffn_post_norm", VectorOp(arch.norm, rows * h), blocks))
    if vec:  # Phi-2's parallel block adds attention and MLP outputs to the residual: 2 adds
        out.append(Piece("ffn_residual", VectorOp("add", rows * h * (2 if arch.parallel else 1)), blocks))
    # a decoder needs logits of the last position only (prefill) or of the new token (decode)
    head_rows = batch if arch.decoder else rows
    if vec and arch.final_norm:
        out.append(Piece("final_norm", VectorOp(arch.norm, head_rows * h), 1))
    if arch.decoder and arch.vocab:
        out.append(Piece("lm_head", Gemm(head_rows, h, arch.vocab), 1))
    if arch.pooler:
        out.append(Piece("pooler", Gemm(batch, h, h), 1))
        if vec:
            out.append(Piece("pooler_act", VectorOp("tanh", batch * h), 1))
    return out


def _layers(prefix: str, pieces: list[Piece], steps: int = 1) -> list[Layer]:
    return [Layer(f"{prefix}/{p.name}", p.op, count=p.count * steps, writes_kv=p.writes_kv) for p in pieces]


def _renamed(pieces: list[Piece], tag: str) -> list[Piece]:
    return [Piece(p.name + tag, p.op, p.count, p.writes_kv) for p in pieces] if tag else pieces


def _prefill(arch: LlmArch, batch: int, seq: int, vec: bool, sc: Scenario) -> list[Layer]:
    """Prefill: MLA attends in the naive (expanded) form, as prefill kernels do (mla.py)."""
    attention: list[Piece] = []
    for window, blocks in arch.attention_groups:
        attention += _renamed(_attention(arch, batch, seq, _context(window, seq), vec, blocks),
                              _window_tag(arch, window))
    pieces = _pre_attention(arch, batch, seq, vec) + attention + _post_attention(arch, batch, seq, vec, sc)
    return _layers("prefill", pieces)


def _decode(arch: LlmArch, batch: int, kv_lens: list[int], vec: bool, sc: Scenario) -> list[Layer]:
    """Decode steps at the given KV lengths: shared layers once (count x steps), attention per
    context, for each group of blocks with the same window."""
    steps = len(kv_lens)
    absorbed = bool(arch.mla) and (sc.mla_form or "absorbed") == "absorbed"
    attention: list[Layer] = []
    for window, blocks in arch.attention_groups:
        groups: dict[int, list[int]] = {}
        for kv in kv_lens:
            groups.setdefault(_context(window, kv + 1), []).append(kv)
        for context, lens in groups.items():
            tag = f"L={lens[0]}" if len(lens) == 1 else f"L={lens[0]}-{lens[-1]}"
            pieces = _attention(arch, batch, 1, context, vec, blocks * len(lens), absorbed)
            attention += _layers(f"decode@{tag}", _renamed(pieces, _window_tag(arch, window)))
    return (_layers("decode", _pre_attention(arch, batch, 1, vec, absorbed), steps) + attention
            + _layers("decode", _post_attention(arch, batch, 1, vec, sc, absorbed), steps))


def build_llm(arch: LlmArch, sc: Scenario) -> Workload:
    """The scenario's workload (``sc`` checked with ``check_scenario`` first)."""
    vec, b = not sc.gemm_only, sc.batch
    if sc.phase == "prefill":
        seq = arch.vision.patches + 1 if arch.vision else sc.seq_len
        layers, what = _prefill(arch, b, seq, vec, sc), f"prefill S={seq}"
    elif sc.phase == "decode":
        layers, what = _decode(arch, b, [sc.kv_len], vec, sc), f"decode L={sc.kv_len}"
    else:
        kv_lens = [sc.prompt + i for i in range(sc.new_tokens)]
        layers = _prefill(arch, b, sc.prompt, vec, sc) + _decode(arch, b, kv_lens, vec, sc)
        what = f"generate P={sc.prompt} N={sc.new_tokens}"
    return Workload(f"{arch.name} {what} B={b}", tuple(layers), arch.source, llm=(arch, sc))
