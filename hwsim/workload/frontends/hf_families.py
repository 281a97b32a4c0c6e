"""The config.json readers of the 2024-26 LLM families: Gemma / Gemma-2 / Gemma-3, Phi-3 / Phi-3.5,
DeepSeek-V2 / V2-Lite / V3 (multi-head latent attention, shared + routed experts) and gpt-oss;
plus what every rotary family shares: the context limit a config states and per-layer sliding
windows. Qwen3 and Qwen3-MoE are LLaMA-like and read in ``hf_config._llama_like``.

Defaults are those of the ``transformers`` config class of each family (``GemmaConfig``,
``Gemma2Config``, ``Gemma3TextConfig``, ``Phi3Config``, ``DeepseekV2Config``, ``DeepseekV3Config``,
``GptOssConfig``); docs/workloads-llm.md lists the keys read per family.
"""

from __future__ import annotations

from hwsim.workload.frontends.hf_reader import _Keys, _heads, top_k
from hwsim.workload.llm_arch import LlmArch, Mla, MoE

# the largest RoPE context-extension factor taken (derived: 100x YaRN's 32x, Peng et al. arXiv 2309.00071)
MAX_ROPE_FACTOR = 3200.0

# rope_scaling kinds transformers knows (ROPE_INIT_FUNCTIONS; "type" is the old spelling of "rope_type")
_ROPE_KINDS = ("default", "linear", "dynamic", "yarn", "longrope", "su", "llama3", "mrope")
_LAYER_TYPES = ("sliding_attention", "full_attention")


def context_limit(c: _Keys) -> tuple[int, str]:
    """The longest context a rotary config states, and the keys that say so (0: none stated).

    ``max_position_embeddings`` is the limit; a ``rope_scaling`` with a ``factor`` and an original
    length (``original_max_position_embeddings`` inside it, or at the top level as Phi-3 has it)
    raises it to factor x original when that is larger (YaRN: Peng et al. 2023, Sec. 3; DeepSeek-V3
    160 K = 40 x 4 K); ``dynamic`` NTK scaling without an original length stretches
    max_position_embeddings by its factor (it rescales at run time beyond the trained length).
    ``linear`` and ``llama3`` without an original length leave max_position_embeddings as the limit:
    the published configs (Gemma-3: linear x 8, 131072) already state the scaled length there.
    """
    limit = c.int("max_position_embeddings", None)
    top_original = c.int("original_max_position_embeddings", None)
    scaling = c.get("rope_scaling", None)
    if limit is None:
        return 0, ""
    why = f"max_position_embeddings = {limit}"
    if scaling is None:
        return limit, why
    if not isinstance(scaling, dict):
        raise c.error("rope_scaling", f"must be an object or null, got {scaling!r}")
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind not in _ROPE_KINDS:
        raise c.error("rope_scaling", f"rope type {kind!r} is not known", ", ".join(_ROPE_KINDS))
    factor = scaling.get("factor")
    if factor is None:
        return limit, why
    if not isinstance(factor, (int, float)) or isinstance(factor, bool) or not 0 < factor <= MAX_ROPE_FACTOR:
        raise c.error("rope_scaling", f"factor {factor!r} is not a usable context-extension factor",
                      f"(0, {MAX_ROPE_FACTOR:g}] (derived: 100x the 32x of YaRN-extended models, Peng et al. 2023)")
    original = scaling.get("original_max_position_embeddings", top_original)
    if original is not None and (not isinstance(original, int) or isinstance(original, bool) or original < 1):
        raise c.error("rope_scaling", f"original_max_position_embeddings must be an integer >= 1, got {original!r}")
    if original is not None and int(factor * original) > limit:
        return int(factor * original), f"rope_scaling {kind}: factor {factor:g} x original_max_position_embeddings {original}"
    if original is None and kind == "dynamic":
        return int(factor * limit), f"rope_scaling dynamic: factor {factor:g} x max_position_embeddings {limit}"
    return limit, why


def layer_windows(c: _Keys, blocks: int, window: int | None, sliding) -> tuple[int, ...]:
    """The window of every block: ``layer_types`` when the config lists them, else ``sliding(i)``
    (the family's fixed pattern) tells which blocks slide. ``window`` None: no block may slide."""
    types = c.get("layer_types", None)
    if types is None:
        flags = [sliding(i) for i in range(blocks)]
    else:
        if not isinstance(types, list) or len(types) != blocks or any(t not in _LAYER_TYPES for t in types):
            raise c.error("layer_types", f"must list one of {', '.join(_LAYER_TYPES)} for each of the {blocks} "
                          f"layers, got {types!r}")
        flags = [t == "sliding_attention" for t in types]
    if any(flags) and not window:
        raise c.error("layer_types", "sliding_attention layers need a sliding_window",
                      "full_attention only, or a sliding_window >= 1")
    return tuple(window if f else 0 for f in flags)


def _gelu_act(c: _Keys) -> str:
    # GemmaMLP uses hidden_activation (gelu_pytorch_tanh when null); Gemma-1 configs also carry hidden_act
    act = c.act("hidden_act", "gelu_pytorch_tanh")
    return c.act("hidden_activation", act)


# GemmaConfig, Gemma2Config, Gemma3TextConfig defaults (transformers): the published multimodal
# Gemma-3 configs leave most text keys to them
_GEMMA_DEFAULTS = {
    "gemma": dict(hidden=3072, ffn=24576, blocks=28, heads=16, kv_heads=16, vocab=256000, positions=8192),
    "gemma2": dict(hidden=2304, ffn=9216, blocks=26, heads=8, kv_heads=4, vocab=256000, positions=8192),
    "gemma3": dict(hidden=2304, ffn=9216, blocks=26, heads=8, kv_heads=4, vocab=262208, positions=131072),
}


def gemma(c: _Keys, family: str, name: str, source: str) -> LlmArch:
    """Gemma (modeling_gemma.py), Gemma-2 (modeling_gemma2.py), Gemma-3 text (modeling_gemma3.py):
    GeGLU FFN, head_dim fixed by the config (not hidden / heads), embeddings scaled by sqrt(hidden),
    tied LM head. Gemma-2/3: RMSNorm before and after attention and FFN, local (sliding-window) and
    global layers alternating (Gemma-2: even layers local; Gemma-3: 5 local to 1 global,
    ``sliding_window_pattern``). Gemma-3: RMSNorm on queries and keys. Logit soft-capping is
    ignored: its tanh per score is not counted, as softmax's 1/sqrt(d) scaling is not."""
    d = _GEMMA_DEFAULTS[family]
    h, heads, blocks = c.int("hidden_size", d["hidden"]), c.int("num_attention_heads", d["heads"]), \
        c.int("num_hidden_layers", d["blocks"])
    kv_heads = c.int("num_key_value_heads", d["kv_heads"])
    head_dim = _heads(c, h, heads, kv_heads, c.int("head_dim", 256))
    bias = c.bool("attention_bias", False)
    c.must_be("use_bidirectional_attention", False, (False,))  # EmbeddingGemma: an encoder, not modelled
    if "max_position_embeddings" not in c.data:  # the config class's default is the limit then
        c.data = {**c.data, "max_position_embeddings": d["positions"]}
    limit, why = context_limit(c)
    windows: tuple[int, ...] = ()
    if family == "gemma2":
        window = c.int("sliding_window", 4096)
        if c.int("sliding_window_size", window) != window:  # an older spelling the 2024 configs also carry
            raise c.error("sliding_window_size", f"{c.data['sliding_window_size']} != sliding_window {window}",
                          f"{window}")
        windows = layer_windows(c, blocks, window, lambda i: i % 2 == 0)  # Gemma2DecoderLayer: is_sliding
    elif family == "gemma3":
        window = c.int("sliding_window", 4096)
        pattern = c.int("sliding_window_pattern", None)
        pattern = c.int("_sliding_window_pattern", 6) if pattern is None else pattern
        windows = layer_windows(c, blocks, window, lambda i: (i + 1) % pattern != 0)
    return LlmArch(family, name, source, True, h, heads, kv_heads, head_dim, blocks,
                   c.int("intermediate_size", d["ffn"]), True, _gelu_act(c), "rmsnorm",
                   vocab=c.int("vocab_size", d["vocab"]), tied=c.bool("tie_word_embeddings", True),
                   rotary_dims=head_dim, qkv_bias=bias, o_bias=bias, layer_windows=windows,
                   qk_norm=family == "gemma3", post_norms=family != "gemma", embed_scale=True,
                   context_limit=limit, context_limit_from=why)


def siglip_parameters(c: _Keys) -> int:
    """A SigLIP vision tower (modeling_siglip.py, SiglipVisionTransformer without the pooling head, as
    Gemma-3 uses it): patch conv with bias, one position per patch, pre-norm blocks of biased q/k/v/o
    and a biased fc1/fc2 MLP with two LayerNorms, a final LayerNorm."""
    # SiglipVisionConfig defaults
    h, ffn, blocks = c.int("hidden_size", 768), c.int("intermediate_size", 3072), c.int("num_hidden_layers", 12)
    c.int("num_attention_heads", 12)
    image, patch, channels = c.int("image_size", 224), c.int("patch_size", 16), c.int("num_channels", 3)
    if image % patch:
        raise c.error("patch_size", f"{patch} does not divide image_size {image}", f"a divisor of {image}")
    c.must_be("vision_use_head", False, (False,))
    c.must_be("model_type", "siglip_vision_model", ("siglip_vision_model",))
    c.act("hidden_act", "gelu_pytorch_tanh")
    embed = patch * patch * channels * h + h + (image // patch) ** 2 * h
    block = 4 * (h * h + h) + (h * ffn + ffn) + (ffn * h + h) + 2 * 2 * h
    return embed + blocks * block + 2 * h


def gemma3_multimodal(c: _Keys, name: str, source: str, nested) -> LlmArch:
    """Gemma-3 4B / 12B / 27B (modeling_gemma3.py, Gemma3ForConditionalGeneration): the language model
    of ``text_config`` is lowered; the SigLIP vision tower of ``vision_config`` and the projector
    (an RMSNorm and a vision -> text matrix) are counted in the parameters, not lowered (a text
    scenario runs no image), with a note."""
    text, vision = nested("text_config"), nested("vision_config")
    arch = gemma(text, "gemma3", name, source)
    tower = siglip_parameters(vision)
    vision_hidden = vision.int("hidden_size", 768)
    projector = vision_hidden + vision_hidden * arch.hidden  # mm_soft_emb_norm + mm_input_projection_weight
    c.int("mm_tokens_per_image", 256)
    note = (f"the SigLIP vision tower and projector ({tower + projector:,} parameters) are counted, not "
            "lowered: the scenario is text only",)
    from dataclasses import replace

    return replace(arch, unlowered_params=tower + projector, notes=arch.notes + note)


def phi3(c: _Keys, name: str, source: str) -> LlmArch:
    """Phi-3 / Phi-3.5 (modeling_phi3.py): LLaMA-like with one fused qkv_proj and one fused gate_up_proj
    (same weights as separate q/k/v and gate/up), partial rotary (``partial_rotary_factor``), a
    sliding window over every layer."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    kv_heads = c.int("num_key_value_heads", heads)
    head_dim = _heads(c, h, heads, kv_heads, c.int("head_dim", None))
    bias = c.bool("attention_bias", False)
    limit, why = context_limit(c)
    window = c.int("sliding_window", None)
    # a window at least as long as the context limit never binds (Phi-3.5-mini: 262144 > 131072)
    window = window if window and (not limit or window < limit) else 0
    return LlmArch("phi3", name, source, True, h, heads, kv_heads, head_dim, blocks, c.int("intermediate_size"),
                   True, c.act("hidden_act", "silu"), "rmsnorm", vocab=c.int("vocab_size"),
                   tied=c.bool("tie_word_embeddings", False),
                   rotary_dims=int(c.fraction("partial_rotary_factor", 1.0) * head_dim), sliding_window=window,
                   qkv_bias=bias, o_bias=bias, fused_gate_up=True, context_limit=limit, context_limit_from=why)


def deepseek(c: _Keys, family: str, name: str, source: str) -> LlmArch:
    """DeepSeek-V2 / V2-Lite / V3 (modeling_deepseek_v2.py, modeling_deepseek_v3.py): multi-head latent
    attention, fine-grained routed experts plus shared experts, the first ``first_k_dense_replace``
    blocks dense, then an MoE block every ``moe_layer_freq`` blocks. V3's router has a per-expert
    score-correction bias. Multi-token-prediction modules (``num_nextn_predict_layers``) are not
    part of the model that decodes and are left out, with a note."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    c.int("num_key_value_heads", heads)  # MLA: every head reads the one latent (the key is informative only)
    c.must_be("attention_bias", False, (False,))
    # null (or absent): no query compression (V2-Lite); a rank given is at least 1 (0 would be a
    # projection to nothing)
    mla = Mla(c.int("q_lora_rank", None) or 0, c.int("kv_lora_rank"), c.int("qk_nope_head_dim"),
              c.int("qk_rope_head_dim"), c.int("v_head_dim"))
    # transformers' DeepseekV3Config writes head_dim = qk_rope_head_dim (the rotary width)
    if c.int("head_dim", mla.qk_rope_head_dim) != mla.qk_rope_head_dim:
        raise c.error("head_dim", f"{c.data['head_dim']} != qk_rope_head_dim {mla.qk_rope_head_dim}",
                      f"{mla.qk_rope_head_dim} or absent")
    if c.int("qk_head_dim", mla.qk_head_dim) != mla.qk_head_dim:  # written out by DeepseekV3Config
        raise c.error("qk_head_dim", f"{c.data['qk_head_dim']} != qk_nope_head_dim + qk_rope_head_dim "
                      f"= {mla.qk_head_dim}", f"{mla.qk_head_dim} or absent")
    c.bool("rope_interleave", True)  # rotary pairs interleaved or split in halves: the same ops
    experts = c.int("n_routed_experts")
    first_dense = c.int("first_k_dense_replace", 0, minimum=0)
    freq = c.int("moe_layer_freq", 1)
    if first_dense > blocks:
        raise c.error("first_k_dense_replace", f"{first_dense} is more than the {blocks} layers", f"0..{blocks}")
    # DeepseekV2DecoderLayer: MoE when layer_idx >= first_k_dense_replace and layer_idx % moe_layer_freq == 0
    sparse = sum(1 for i in range(blocks) if i >= first_dense and i % freq == 0)
    expert_ffn = c.int("moe_intermediate_size")
    shared = c.int("n_shared_experts", 0, minimum=0)
    moe = MoE(experts, top_k(c, experts), expert_ffn, shared * expert_ffn, sparse, shared_gate=False,
              score_bias=family == "deepseek_v3")
    mtp = c.int("num_nextn_predict_layers", 0, minimum=0)
    notes = (f"{mtp} multi-token-prediction module(s) (num_nextn_predict_layers) left out: they train and "
             "draft, the model decodes without them",) if mtp else ()
    limit, why = context_limit(c)
    return LlmArch(family, name, source, True, h, heads, heads, mla.qk_head_dim, blocks,
                   c.int("intermediate_size") if blocks > sparse else 0, True, c.act("hidden_act", "silu"),
                   "rmsnorm", vocab=c.int("vocab_size"), tied=c.bool("tie_word_embeddings", False),
                   rotary_dims=mla.qk_rope_head_dim, moe=moe, mla=mla, context_limit=limit,
                   context_limit_from=why, notes=notes)


def gpt_oss(c: _Keys, name: str, source: str) -> LlmArch:
    """gpt-oss (modeling_gpt_oss.py; OpenAI 2025, gpt-oss model card Sec. 2): biased q/k/v/o, one
    learned attention-sink logit per head, sliding-window (128) and full layers alternating, a
    mixture of biased gated experts behind a biased router."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    kv_heads = c.int("num_key_value_heads", heads)
    head_dim = _heads(c, h, heads, kv_heads, c.int("head_dim", None))
    bias = c.bool("attention_bias", True)
    experts = c.int("num_local_experts")
    k = top_k(c, experts)
    alias = c.int("experts_per_token", k)
    if alias != k:
        raise c.error("experts_per_token", f"{alias} != num_experts_per_tok {k}", f"{k}")
    window = c.int("sliding_window", 128)
    windows = layer_windows(c, blocks, window, lambda i: i % 2 == 0)  # GptOssConfig: even layers slide
    limit, why = context_limit(c)
    moe = MoE(experts, k, c.int("intermediate_size"), 0, blocks, expert_bias=True, router_bias=True,
              act=c.act("hidden_act", "silu"))
    return LlmArch("gpt_oss", name, source, True, h, heads, kv_heads, head_dim, blocks, 0, True, "silu",
                   "rmsnorm", vocab=c.int("vocab_size"), tied=c.bool("tie_word_embeddings", False),
                   rotary_dims=head_dim, qkv_bias=bias, o_bias=bias, moe=moe, layer_windows=windows,
                   attn_sinks=True, context_limit=limit, context_limit_from=why)
