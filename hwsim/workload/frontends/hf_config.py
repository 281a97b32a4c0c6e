"""HuggingFace ``config.json`` files read into an ``LlmArch`` (no network: the file is the input).

Families, recognised from ``model_type`` (or ``architectures``): LLaMA / Llama-2 / Llama-3 / Yi
(``llama``, ``yi``), Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE, OPT, GPT-2, Phi (Phi-2),
BERT, ViT, and in ``hf_families.py`` Gemma / Gemma-2 / Gemma-3, Phi-3, DeepSeek-V2 / V3, gpt-oss.
Each family's reader reads every key that changes the model, with the defaults of the
``transformers`` config class of that family; keys listed in ``hf_keys.IGNORABLE`` are accepted
and ignored, ``hf_keys.REFUSED`` keys and unknown keys are refused with one line naming the file
and the key. docs/workloads-llm.md lists the keys per family.
"""

from __future__ import annotations

import json
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.inputs import MAX_INT_DIGITS, read_text
from hwsim.workload.frontends import hf_families
from hwsim.workload.frontends.hf_families import context_limit, layer_windows
from hwsim.workload.frontends.hf_keys import FAMILY_ONLY, IGNORABLE, REFUSED, is_set
from hwsim.workload.frontends.hf_reader import ACTIVATIONS, _Keys, _heads, top_k as _top_k  # noqa: F401
from hwsim.workload.layer import Workload
from hwsim.workload.llm import Scenario, build_llm, check_scenario
from hwsim.workload.llm_arch import LlmArch, MoE, Parameters, Vision, parameters

# model_type -> family; ``architectures`` prefixes -> family (longest prefix first)
MODEL_TYPES = {"llama": "llama", "yi": "llama", "mistral": "mistral", "mixtral": "mixtral", "qwen2": "qwen2",
               "qwen2_moe": "qwen2_moe", "qwen3": "qwen3", "qwen3_moe": "qwen3_moe", "opt": "opt", "gpt2": "gpt2",
               "phi": "phi", "phi3": "phi3", "bert": "bert", "vit": "vit", "gemma": "gemma", "gemma2": "gemma2",
               "gemma3_text": "gemma3", "gemma3": "gemma3_mm", "deepseek_v2": "deepseek_v2", "deepseek_v3": "deepseek_v3",
               "gpt_oss": "gpt_oss"}
_ARCH_PREFIXES = (("Qwen2Moe", "qwen2_moe"), ("Qwen2", "qwen2"), ("Qwen3Moe", "qwen3_moe"), ("Qwen3", "qwen3"),
                  ("Llama", "llama"), ("Yi", "llama"), ("Mistral", "mistral"), ("Mixtral", "mixtral"),
                  ("OPT", "opt"), ("GPT2", "gpt2"), ("Phi3", "phi3"), ("Phi", "phi"), ("Bert", "bert"),
                  ("ViT", "vit"), ("Gemma3ForConditional", "gemma3_mm"), ("Gemma3", "gemma3"), ("Gemma2", "gemma2"), ("Gemma", "gemma"),
                  ("DeepseekV2", "deepseek_v2"), ("DeepseekV3", "deepseek_v3"), ("GptOss", "gpt_oss"))

def _llama_like(c: _Keys, family: str, name: str, source: str) -> LlmArch:
    """LLaMA, Yi, Mistral, Mixtral, Qwen2, Qwen2-MoE, Qwen3, Qwen3-MoE: RMSNorm, rotary, gated FFN
    (modeling_llama.py); Qwen3 adds RMSNorm on queries and keys per head (modeling_qwen3.py)."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    kv_heads = c.int("num_key_value_heads", heads)
    head_dim = _heads(c, h, heads, kv_heads, c.int("head_dim", None))
    ffn, vocab = c.int("intermediate_size"), c.int("vocab_size")
    act = c.act("hidden_act", "silu")
    tied = c.bool("tie_word_embeddings", False)
    limit, why = context_limit(c)
    qkv_bias = o_bias = mlp_bias = False
    if family == "llama":
        qkv_bias = o_bias = c.bool("attention_bias", False)
        mlp_bias = c.bool("mlp_bias", False)
    if family in ("qwen3", "qwen3_moe"):
        qkv_bias = o_bias = c.bool("attention_bias", False)  # Qwen3Attention: one switch for q/k/v/o
        layer_windows(c, blocks, None, lambda i: False)      # full attention only (no use_sliding_window)
    if family in ("qwen2", "qwen2_moe"):
        qkv_bias = True  # Qwen2Attention: q/k/v with bias, o without (modeling_qwen2.py)
    if family.startswith("qwen"):
        c.int("sliding_window", None)   # used only with use_sliding_window (refused when true)
        c.int("max_window_layers", None, minimum=0)
    window = c.int("sliding_window", None) if family in ("mistral", "mixtral") else None
    moe = None
    if family == "mixtral":
        experts = c.int("num_local_experts")
        moe = MoE(experts, _top_k(c, experts), ffn, 0, blocks)
        ffn = 0
    elif family in ("qwen2_moe", "qwen3_moe"):
        experts = c.int("num_experts")
        step = c.int("decoder_sparse_step", 1)
        dense = c.get("mlp_only_layers", [])
        if not isinstance(dense, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < blocks
                                                      for i in dense):
            raise c.error("mlp_only_layers", f"must be a list of block indices in [0, {blocks}), got {dense!r}")
        # Qwen2MoeDecoderLayer: sparse unless listed in mlp_only_layers, every decoder_sparse_step-th block
        sparse = sum(1 for i in range(blocks) if i not in dense and (i + 1) % step == 0)
        # Qwen3-MoE has no shared expert (Qwen3MoeSparseMoeBlock)
        shared = c.int("shared_expert_intermediate_size", 0, minimum=0) if family == "qwen2_moe" else 0
        moe = MoE(experts, _top_k(c, experts), c.int("moe_intermediate_size"), shared, sparse)
        # a model whose every block is MoE has no dense FFN (Qwen3-30B-A3B's intermediate_size is unused)
        ffn = ffn if sparse < blocks else 0
    return LlmArch(family, name, source, True, h, heads, kv_heads, head_dim, blocks, ffn, True, act, "rmsnorm",
                   vocab=vocab, tied=tied, rotary_dims=head_dim, sliding_window=window or 0,
                   qkv_bias=qkv_bias, o_bias=o_bias, mlp_bias=mlp_bias, moe=moe, qk_norm=family.startswith("qwen3"),
                   context_limit=limit, context_limit_from=why)


def _gpt2(c: _Keys, name: str, source: str) -> LlmArch:
    """GPT-2 (modeling_gpt2.py): LayerNorm, learned positions, biased Conv1D layers, tied LM head."""
    h, heads, blocks = c.int("n_embd"), c.int("n_head"), c.int("n_layer")
    positions = c.int("n_positions")
    ffn = c.int("n_inner", None) or 4 * h  # GPT2MLP: n_inner defaults to 4 x n_embd
    return LlmArch("gpt2", name, source, True, h, heads, heads, _heads(c, h, heads, heads, None, "n_head"), blocks,
                   ffn, False, c.act("activation_function", "gelu_new"), "layernorm", vocab=c.int("vocab_size"),
                   tied=c.bool("tie_word_embeddings", True), learned_positions=positions, qkv_bias=True,
                   o_bias=True, mlp_bias=True, norm_bias=True, max_positions=positions)


def _opt(c: _Keys, name: str, source: str) -> LlmArch:
    """OPT (modeling_opt.py): LayerNorm, learned positions with an offset of 2 rows, ReLU FFN."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    positions = c.int("max_position_embeddings")
    proj = c.int("word_embed_proj_dim", h)
    if proj != h:
        raise c.error("word_embed_proj_dim", f"{proj} != hidden_size {h}: OPT's project_in/out is not modelled",
                      f"{h} (the hidden size)")
    c.bool("do_layer_norm_before", True)  # pre- or post-norm: the same ops
    c.must_be("layer_norm_elementwise_affine", True, (True,))
    bias = c.bool("enable_bias", True)
    return LlmArch("opt", name, source, True, h, heads, heads, _heads(c, h, heads, heads, None), blocks,
                   c.int("ffn_dim"), False, c.act("activation_function", "relu"), "layernorm",
                   vocab=c.int("vocab_size"), tied=c.bool("tie_word_embeddings", True),
                   learned_positions=positions + 2,  # OPTLearnedPositionalEmbedding: offset = 2
                   qkv_bias=bias, o_bias=bias, mlp_bias=bias, norm_bias=True,
                   final_norm=not c.bool("_remove_final_layer_norm", False), max_positions=positions)


def _phi(c: _Keys, name: str, source: str) -> LlmArch:
    """Phi / Phi-2 (modeling_phi.py): one LayerNorm feeds attention and MLP in parallel, partial rotary."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    kv_heads = c.int("num_key_value_heads", heads)
    head_dim = _heads(c, h, heads, kv_heads, None)
    limit, why = context_limit(c)
    rotary = int(c.fraction("partial_rotary_factor", 0.5) * head_dim)  # PhiAttention.rotary_ndims
    return LlmArch("phi", name, source, True, h, heads, kv_heads, head_dim, blocks, c.int("intermediate_size"),
                   False, c.act("hidden_act", "gelu_new"), "layernorm", vocab=c.int("vocab_size"),
                   tied=c.bool("tie_word_embeddings", False), parallel=True, rotary_dims=rotary, qkv_bias=True,
                   o_bias=True, mlp_bias=True, lm_head_bias=True, norm_bias=True, context_limit=limit,
                   context_limit_from=why)


def _bert(c: _Keys, name: str, source: str) -> LlmArch:
    """BERT (modeling_bert.py, BertModel): embeddings + LayerNorm, post-norm blocks, pooler."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    positions = c.int("max_position_embeddings")
    c.must_be("position_embedding_type", "absolute", ("absolute",))
    c.bool("tie_word_embeddings", True)  # only the MLM head would use it; task heads are not modelled
    return LlmArch("bert", name, source, False, h, heads, heads, _heads(c, h, heads, heads, None), blocks,
                   c.int("intermediate_size"), False, c.act("hidden_act", "gelu"), "layernorm",
                   vocab=c.int("vocab_size"), learned_positions=positions,
                   token_types=c.int("type_vocab_size", 2, minimum=0), qkv_bias=True, o_bias=True, mlp_bias=True,
                   norm_bias=True, final_norm=False, embed_norm=True, pooler=True, max_positions=positions)


def _vit(c: _Keys, name: str, source: str) -> LlmArch:
    """ViT (modeling_vit.py, ViTModel without pooler): patch GEMM, class token, pre-norm blocks."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    image, patch = c.int("image_size"), c.int("patch_size")
    if image % patch:
        raise c.error("patch_size", f"{patch} does not divide image_size {image}", f"a divisor of {image}")
    return LlmArch("vit", name, source, False, h, heads, heads, _heads(c, h, heads, heads, None), blocks,
                   c.int("intermediate_size"), False, c.act("hidden_act", "gelu"), "layernorm",
                   qkv_bias=c.bool("qkv_bias", True), o_bias=True, mlp_bias=True, norm_bias=True,
                   vision=Vision(image, patch, c.int("num_channels", 3)))


def _family(c: _Keys) -> str:
    model_type = c.get("model_type", None)
    architectures = c.get("architectures", None)
    if architectures is not None and (not isinstance(architectures, list)
                                      or not all(isinstance(a, str) for a in architectures)):
        raise c.error("architectures", f"must be a list of class names, got {architectures!r}")
    from_arch = {next((f for p, f in _ARCH_PREFIXES if a.startswith(p)), None) for a in architectures or []}
    if model_type is None:
        if len(from_arch) != 1 or None in from_arch:
            raise c.error("model_type", "required key is missing (and architectures names no known family)",
                          ", ".join(MODEL_TYPES))
        return from_arch.pop()
    if not isinstance(model_type, str) or model_type.lower() not in MODEL_TYPES:
        raise c.error("model_type", f"{model_type!r} is not a modelled family", ", ".join(MODEL_TYPES))
    family = MODEL_TYPES[model_type.lower()]
    if from_arch - {family}:
        raise c.error("architectures", f"{architectures} is not a {model_type} model",
                      f"{model_type} classes, e.g. {next(p for p, f in _ARCH_PREFIXES if f == family)}ForCausalLM")
    return family


_READERS = {"gpt2": _gpt2, "opt": _opt, "phi": _phi, "bert": _bert, "vit": _vit, "phi3": hf_families.phi3,
            "gpt_oss": hf_families.gpt_oss}
_FAMILY_READERS = {"gemma": hf_families.gemma, "gemma2": hf_families.gemma, "gemma3": hf_families.gemma,
                   "deepseek_v2": hf_families.deepseek, "deepseek_v3": hf_families.deepseek}


def parse_hf_config(data, source: str, name: str) -> LlmArch:
    if not isinstance(data, dict):
        raise HwsimInputError("a config.json must hold one JSON object", source=source)
    for key, why in REFUSED.items():
        if key in data and is_set(data[key]):
            raise HwsimInputError(f"{key}={data[key]!r}: {why}", source=source, field=key,
                                  allowed="the key absent, null, false or 0")
    c = _Keys(data, source)
    family = _family(c)
    note = data.get("_hwsim_source")
    if note is not None and not isinstance(note, str):
        raise c.error("_hwsim_source", f"must be a string, got {note!r}")
    described = note or data.get("_name_or_path") or source
    nested: list[_Keys] = []

    def sub(key: str) -> _Keys:
        """A nested object (Gemma-3's text_config / vision_config), read and checked like the top level."""
        value = c.get(key)
        if not isinstance(value, dict):
            raise c.error(key, f"must be an object, got {value!r}")
        keys = _Keys(value, source, prefix=f"{key}.")
        keys.get("architectures", None)  # the wrapper's classes, repeated inside: no compute
        nested.append(keys)
        return keys

    reader = _READERS.get(family)
    if reader:
        arch = reader(c, name, described)
    elif family == "gemma3_mm":
        arch = hf_families.gemma3_multimodal(c, name, described, sub)
        nested[0].must_be("model_type", "gemma3_text", ("gemma3_text",))
    else:
        arch = (_FAMILY_READERS.get(family) or _llama_like)(c, family, name, described)
    for keys in nested:
        for key, why in REFUSED.items():
            if key in keys.data and is_set(keys.data[key]):
                raise keys.error(key, f"{key}={keys.data[key]!r}: {why}", "the key absent, null, false or 0")
        left = sorted(set(keys.data) - keys.read - set(IGNORABLE) - set(REFUSED) - set(FAMILY_ONLY))
        if left:
            raise keys.error(left[0], f"unknown key '{left[0]}': hwsim cannot tell whether it changes the model",
                             "the keys read for " + keys.prefix.rstrip(".") + " (" + ", ".join(sorted(keys.read))
                             + ") and the ignorable keys of docs/workloads-llm.md")
    for key, why in FAMILY_ONLY.items():
        if key in data and key not in c.read:
            if is_set(data[key]):
                raise HwsimInputError(f"{key}={data[key]!r}: {why}", source=source, field=key,
                                      allowed=f"the key absent, null or 0 for {family}")
            c.read.add(key)
    unknown = sorted(set(data) - c.read - set(IGNORABLE) - set(REFUSED))
    if unknown:
        raise HwsimInputError(f"unknown key '{unknown[0]}' for {family}: hwsim cannot tell whether it changes the "
                              "model", source=source, field=unknown[0],
                              allowed="the keys read for " + family + " (" + ", ".join(sorted(c.read))
                              + ") and the ignorable keys of docs/workloads-llm.md")
    return arch


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup is not None:
        raise HwsimInputError(f"duplicate key '{dup}'", field=dup)
    return dict(pairs)


def read_hf_config(path: str | Path) -> LlmArch:
    path = Path(path)
    text = read_text(path, "config.json")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise HwsimInputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                              source=str(path)) from None
    except RecursionError:
        raise HwsimInputError("not a model config: nested deeper than Python's JSON reader goes",
                              source=str(path), allowed="a flat mapping of config keys") from None
    except HwsimInputError as exc:   # before ValueError, which it is
        raise HwsimInputError(exc.message, source=str(path), field=exc.field) from None
    except ValueError:   # an integer of more than 4,300 digits (Python's int limit), not JSON's
        raise HwsimInputError(f"not a model config: an integer of more than {MAX_INT_DIGITS:,} digits",
                              source=str(path),
                              allowed="numbers below the config ceilings (docs/workloads-llm.md)") from None
    name = path.parent.name if path.stem == "config" and path.parent.name else path.stem
    return parse_hf_config(data, str(path), name)


def load_hf_workload(path: str | Path, scenario: Scenario) -> Workload:
    arch = read_hf_config(path)
    return build_llm(arch, check_scenario(arch, scenario, str(path)))


def model_parameters(config: str | Path) -> Parameters:
    """Total and active (per-token) parameter counts of a config.json or an ``llm/...`` preset,
    embeddings included, a tied LM head counted once."""
    from hwsim import presets

    return parameters(read_hf_config(presets.resolve(config, presets.llm_config_presets(), "model config")))
