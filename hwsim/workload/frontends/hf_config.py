"""HuggingFace ``config.json`` files read into an ``LlmArch`` (no network: the file is the input).

Families, recognised from ``model_type`` (or ``architectures``): LLaMA / Llama-2 / Llama-3 / Yi
(``llama``, ``yi``), Mistral, Mixtral, Qwen2, Qwen2-MoE, OPT, GPT-2, Phi (Phi-2), BERT, ViT.
Each family's reader reads every key that changes the model, with the defaults of the
``transformers`` config class of that family; keys listed in ``hf_keys.IGNORABLE`` are accepted
and ignored, ``hf_keys.REFUSED`` keys and unknown keys are refused with one line naming the file
and the key. docs/workloads-llm.md lists the keys per family.
"""

from __future__ import annotations

import json
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.inputs import read_text
from hwsim.workload.frontends.hf_keys import IGNORABLE, REFUSED, is_set
from hwsim.workload.layer import Workload
from hwsim.workload.llm import Scenario, build_llm, check_scenario
from hwsim.workload.llm_arch import LlmArch, MoE, Parameters, Vision, parameters

_MISSING = object()

# model_type -> family; ``architectures`` prefixes -> family (longest prefix first)
MODEL_TYPES = {"llama": "llama", "yi": "llama", "mistral": "mistral", "mixtral": "mixtral", "qwen2": "qwen2",
               "qwen2_moe": "qwen2_moe", "opt": "opt", "gpt2": "gpt2", "phi": "phi", "bert": "bert", "vit": "vit"}
_ARCH_PREFIXES = (("Qwen2Moe", "qwen2_moe"), ("Qwen2", "qwen2"), ("Llama", "llama"), ("Yi", "llama"),
                  ("Mistral", "mistral"), ("Mixtral", "mixtral"), ("OPT", "opt"), ("GPT2", "gpt2"),
                  ("Phi", "phi"), ("Bert", "bert"), ("ViT", "vit"))

# hidden_act / activation_function -> the VectorOp that costs it (tanh and erf GELU alike)
ACTIVATIONS = {"silu": "silu", "swish": "silu", "gelu": "gelu", "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu",
               "gelu_fast": "gelu", "relu": "relu"}


class _Keys:
    """Typed access to the config that remembers which keys were read."""

    def __init__(self, data: dict, source: str):
        self.data, self.source, self.read = data, source, set()

    def error(self, key: str, message: str, allowed: str | None = None) -> HwsimInputError:
        return HwsimInputError(message, source=self.source, field=key, allowed=allowed)

    def get(self, key: str, default=_MISSING):
        self.read.add(key)
        value = self.data.get(key, _MISSING)
        if value is _MISSING or (value is None and default is not _MISSING):
            if default is _MISSING:
                raise self.error(key, "required key is missing")
            return default
        return value

    def int(self, key: str, default=_MISSING, minimum: int = 1) -> int:
        value = self.get(key, default)
        if value is None and default is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error(key, f"must be an integer >= {minimum}, got {value!r}")
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def fraction(self, key: str, default: float) -> float:
        value = self.get(key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 1:
            raise self.error(key, f"must be a number in (0, 1], got {value!r}")
        return float(value)

    def act(self, key: str, default: str) -> str:
        value = self.get(key, default)
        if value not in ACTIVATIONS:
            raise self.error(key, f"activation {value!r} is not modelled", ", ".join(ACTIVATIONS))
        return ACTIVATIONS[value]

    def must_be(self, key: str, default, allowed: tuple) -> None:
        value = self.get(key, default)
        if value not in allowed:
            raise self.error(key, f"{value!r} is not modelled", ", ".join(map(json.dumps, allowed)))


def _heads(c: _Keys, hidden: int, heads: int, kv_heads: int, head_dim: int | None,
           head_key: str = "num_attention_heads") -> int:
    if heads % kv_heads:
        raise c.error("num_key_value_heads", f"{kv_heads} does not divide {head_key}={heads}",
                      f"a divisor of {heads}")
    if head_dim is None:
        if hidden % heads:
            raise c.error(head_key, f"{heads} does not divide the hidden size {hidden}; give head_dim",
                          f"a divisor of {hidden}")
        head_dim = hidden // heads
    return head_dim


def _llama_like(c: _Keys, family: str, name: str, source: str) -> LlmArch:
    """LLaMA, Yi, Mistral, Mixtral, Qwen2, Qwen2-MoE: RMSNorm, rotary, gated FFN (modeling_llama.py)."""
    h, heads, blocks = c.int("hidden_size"), c.int("num_attention_heads"), c.int("num_hidden_layers")
    kv_heads = c.int("num_key_value_heads", heads)
    head_dim = _heads(c, h, heads, kv_heads, c.int("head_dim", None))
    ffn, vocab = c.int("intermediate_size"), c.int("vocab_size")
    act = c.act("hidden_act", "silu")
    tied = c.bool("tie_word_embeddings", False)
    c.int("max_position_embeddings", None)  # rotary: a training length, not a hard limit
    qkv_bias = o_bias = mlp_bias = False
    if family == "llama":
        qkv_bias = o_bias = c.bool("attention_bias", False)
        mlp_bias = c.bool("mlp_bias", False)
    if family in ("qwen2", "qwen2_moe"):
        qkv_bias = True  # Qwen2Attention: q/k/v with bias, o without (modeling_qwen2.py)
        c.int("sliding_window", None)   # used only with use_sliding_window (refused when true)
        c.int("max_window_layers", None, minimum=0)
    window = c.int("sliding_window", None) if family in ("mistral", "mixtral") else None
    moe = None
    if family == "mixtral":
        experts = c.int("num_local_experts")
        moe = MoE(experts, _top_k(c, experts), ffn, 0, blocks)
        ffn = 0
    elif family == "qwen2_moe":
        experts = c.int("num_experts")
        step = c.int("decoder_sparse_step", 1)
        dense = c.get("mlp_only_layers", [])
        if not isinstance(dense, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < blocks
                                                      for i in dense):
            raise c.error("mlp_only_layers", f"must be a list of block indices in [0, {blocks}), got {dense!r}")
        # Qwen2MoeDecoderLayer: sparse unless listed in mlp_only_layers, every decoder_sparse_step-th block
        sparse = sum(1 for i in range(blocks) if i not in dense and (i + 1) % step == 0)
        moe = MoE(experts, _top_k(c, experts), c.int("moe_intermediate_size"),
                  c.int("shared_expert_intermediate_size", 0, minimum=0), sparse)
    return LlmArch(family, name, source, True, h, heads, kv_heads, head_dim, blocks, ffn, True, act, "rmsnorm",
                   vocab=vocab, tied=tied, rotary_dims=head_dim, sliding_window=window or 0,
                   qkv_bias=qkv_bias, o_bias=o_bias, mlp_bias=mlp_bias, moe=moe)


def _top_k(c: _Keys, experts: int) -> int:
    k = c.int("num_experts_per_tok")
    if k > experts:
        raise c.error("num_experts_per_tok", f"{k} is more than the {experts} experts", f"1..{experts}")
    return k


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
    c.int("max_position_embeddings", None)
    rotary = int(c.fraction("partial_rotary_factor", 0.5) * head_dim)  # PhiAttention.rotary_ndims
    return LlmArch("phi", name, source, True, h, heads, kv_heads, head_dim, blocks, c.int("intermediate_size"),
                   False, c.act("hidden_act", "gelu_new"), "layernorm", vocab=c.int("vocab_size"),
                   tied=c.bool("tie_word_embeddings", False), parallel=True, rotary_dims=rotary, qkv_bias=True,
                   o_bias=True, mlp_bias=True, lm_head_bias=True, norm_bias=True)


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


_READERS = {"gpt2": _gpt2, "opt": _opt, "phi": _phi, "bert": _bert, "vit": _vit}


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
    reader = _READERS.get(family)
    arch = reader(c, name, described) if reader else _llama_like(c, family, name, described)
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
    except HwsimInputError as exc:
        raise HwsimInputError(exc.message, source=str(path), field=exc.field) from None
    name = path.parent.name if path.stem == "config" and path.parent.name else path.stem
    return parse_hf_config(data, str(path), name)


def load_hf_workload(path: str | Path, scenario: Scenario) -> Workload:
    arch = read_hf_config(path)
    return build_llm(arch, check_scenario(arch, scenario, str(path)))


def model_parameters(config: str | Path) -> Parameters:
    """Total and active (per-token) parameter counts of a config.json or an ``llm/...`` preset,
    embeddings included, a tied LM head counted once."""
    from hwsim import presets

    return parameters(read_hf_config(presets.resolve(str(config), presets.llm_config_presets(), "model config")))
