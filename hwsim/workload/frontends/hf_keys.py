"""Which HuggingFace ``config.json`` keys hwsim ignores, and which it refuses, with the reason.

A key is either read by the family's reader in ``hf_config.py`` (it changes the model), listed
in ``IGNORABLE`` (it does not change the compute hwsim counts), or refused: ``REFUSED`` keys name a
feature hwsim does not model (refused when set to anything but null / false / 0), and any other
key is refused as unknown, so nothing that changes the model is silently dropped.
"""

from __future__ import annotations

_TOKENS = "a token id: no compute"
_DROPOUT = "dropout: training only"
_EPS = "a norm's epsilon: same ops"
_FRAMEWORK = "a framework switch: same ops"
_LABELS = "task-head labels: task heads are not modelled (the backbone is)"

IGNORABLE: dict[str, str] = {
    "_name_or_path": "the checkpoint's name",
    "_hwsim_source": "where the shipped config comes from (the workload's source)",
    "_attn_implementation": "attention kernel choice (eager, sdpa, flash): same ops",
    "transformers_version": "the library version that wrote the file",
    "torch_dtype": "storage dtype: hwsim takes precision from the accelerator or --weights/--activations/--kv",
    "bos_token_id": _TOKENS, "eos_token_id": _TOKENS, "pad_token_id": _TOKENS, "sep_token_id": _TOKENS,
    "decoder_start_token_id": _TOKENS,
    "boi_token_index": _TOKENS, "eoi_token_index": _TOKENS, "image_token_index": _TOKENS,
    "tokenizer_class": "the tokenizer: no compute",
    "initializer_range": "training initialisation", "init_std": "training initialisation",
    "rms_norm_eps": _EPS, "layer_norm_eps": _EPS, "layer_norm_epsilon": _EPS,
    "use_cache": "hwsim's decode always reads a KV cache",
    "rope_theta": "rotary base frequency: same rotation ops per element",
    # rotary families read rope_scaling for their context limit (hf_families.context_limit)
    "rope_scaling": "rotary frequency scaling (linear, dynamic, yarn, llama3): same rotation ops per element",
    "rope_local_base_freq": "Gemma-3 local layers' rotary base: same rotation ops per element",
    "rope_interleave": "DeepSeek-V3's rotary pairs interleaved or in halves: same ops",
    "dtype": "storage dtype (newer spelling of torch_dtype): hwsim takes precision from the accelerator",
    "quantization_config": "the checkpoint's storage format (DeepSeek-V3 fp8, gpt-oss mxfp4): hwsim takes precision "
                           "from the accelerator or --weights/--activations/--kv",
    "auto_map": "where remote code lives: no compute",
    "query_pre_attn_scalar": "Gemma's query scale (a constant in place of 1/sqrt(head_dim)): same ops",
    "attn_logit_softcapping": "Gemma-2's tanh soft-cap of attention scores: taken as free, as softmax's 1/sqrt(d) "
                              "scaling is (docs/workloads-llm.md)",
    "final_logit_softcapping": "Gemma-2's tanh soft-cap of the logits: taken as free (vocab ops per token)",
    "cache_implementation": "Gemma-2/3's cache class (hybrid): the windows it implements are read from the layers",
    "initial_context_length": "gpt-oss's pre-YaRN training length (rope_scaling states it for the context limit)",
    "swiglu_limit": "gpt-oss's clamp of the expert gate and up values: 2 compares per element, not counted",
    "ep_size": "expert parallelism across devices: same ops on one accelerator",
    "routed_scaling_factor": "DeepSeek's scale of the routing weights: k multiplies per token, not counted",
    "scoring_func": "router scores by softmax or sigmoid (DeepSeek-V3): E element ops per token, costed as softmax",
    "topk_method": "how the k experts are picked (greedy, group-limited, noaux_tc): compares, not counted",
    "n_group": "DeepSeek's expert groups for group-limited routing: compares, not counted",
    "topk_group": "DeepSeek's groups a token may route to: compares, not counted",
    "aux_loss_alpha": "MoE auxiliary loss: training only", "seq_aux": "MoE auxiliary loss: training only",
    "attention_dropout": _DROPOUT, "attn_pdrop": _DROPOUT, "embd_pdrop": _DROPOUT, "resid_pdrop": _DROPOUT,
    "hidden_dropout_prob": _DROPOUT, "attention_probs_dropout_prob": _DROPOUT, "dropout": _DROPOUT,
    "activation_dropout": _DROPOUT, "hidden_dropout": _DROPOUT, "classifier_dropout": _DROPOUT,
    "summary_first_dropout": _DROPOUT, "layerdrop": "layer dropout: training only",
    "pretraining_tp": "Llama 2's emulation of tensor-parallel training: the same linear layers",
    "output_router_logits": "MoE auxiliary loss: training only",
    "router_aux_loss_coef": "MoE auxiliary loss: training only",
    "router_jitter_noise": "MoE router noise: training only",
    "norm_topk_prob": "renormalises a token's k routing weights: k ops per token, not counted",
    "n_ctx": "GPT-2's legacy alias of n_positions (n_positions is read)",
    "summary_type": "GPT2DoubleHeadsModel's classifier, not the LM",
    "summary_use_proj": "GPT2DoubleHeadsModel's classifier, not the LM",
    "summary_activation": "GPT2DoubleHeadsModel's classifier, not the LM",
    "summary_proj_to_labels": "GPT2DoubleHeadsModel's classifier, not the LM",
    "scale_attn_weights": "GPT-2 attention numerics: same ops",
    "scale_attn_by_inverse_layer_idx": "GPT-2 attention numerics: same ops",
    "reorder_and_upcast_attn": "GPT-2 attention numerics: same ops",
    "task_specific_params": "generation defaults", "prefix": "generation defaults",
    "id2label": _LABELS, "label2id": _LABELS, "num_labels": _LABELS, "problem_type": _LABELS,
    "gradient_checkpointing": _FRAMEWORK, "use_return_dict": _FRAMEWORK, "return_dict": _FRAMEWORK,
    "output_hidden_states": _FRAMEWORK, "output_attentions": _FRAMEWORK, "torchscript": _FRAMEWORK,
    "chunk_size_feed_forward": "the FFN run in chunks: same ops",
    "encoder_stride": "ViT's masked-image-modelling decoder, not part of the encoder",
}

# key -> what it would need; refused unless absent, null, false or 0
REFUSED: dict[str, str] = {
    "add_cross_attention": "cross-attention (an encoder-decoder's decoder) is not modelled",
    "cross_attention_hidden_size": "cross-attention (an encoder-decoder's decoder) is not modelled",
    "is_encoder_decoder": "encoder-decoder models are not modelled",
    "is_decoder": "a BERT run as a causal decoder is not modelled",
    # ALiBi adds a per-head linear bias to every attention score (Press et al., ICLR 2022): an
    # extra op per score that none of the families here has
    "alibi": "ALiBi attention biases are not modelled",
    "qk_layernorm": "LayerNorm on queries and keys is not modelled",
    "use_sliding_window": "Qwen2's per-layer sliding windows are not modelled",
}


_MLA = "multi-head latent attention is modelled for DeepSeek-V2/V3 (model_type deepseek_v2, deepseek_v3) only"
_DEEPSEEK_MOE = ("shared + routed experts with dense first layers are modelled for DeepSeek-V2/V3 (model_type "
                 "deepseek_v2, deepseek_v3) only")

# keys one family reads and the others refuse when set (absent, null, false or 0: switched off)
FAMILY_ONLY: dict[str, str] = {
    "kv_lora_rank": _MLA, "q_lora_rank": _MLA, "qk_rope_head_dim": _MLA, "qk_nope_head_dim": _MLA,
    "v_head_dim": _MLA,
    "n_shared_experts": _DEEPSEEK_MOE, "n_routed_experts": _DEEPSEEK_MOE, "first_k_dense_replace": _DEEPSEEK_MOE,
}


def is_set(value) -> bool:
    """A refused key is harmless when it switches its feature off."""
    return value not in (None, False, 0, "", [], {})
