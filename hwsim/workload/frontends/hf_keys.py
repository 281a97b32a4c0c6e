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
    "tokenizer_class": "the tokenizer: no compute",
    "initializer_range": "training initialisation", "init_std": "training initialisation",
    "rms_norm_eps": _EPS, "layer_norm_eps": _EPS, "layer_norm_epsilon": _EPS,
    "use_cache": "hwsim's decode always reads a KV cache",
    "rope_theta": "rotary base frequency: same rotation ops per element",
    "rope_scaling": "rotary frequency scaling (linear, dynamic, yarn, llama3): same rotation ops per element",
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

_MLA = "multi-head latent attention (DeepSeek-V2/V3) is not modelled"
_DEEPSEEK_MOE = "DeepSeek-style MoE (shared + routed experts, dense first layers) is not modelled"

# key -> what it would need; refused unless absent, null, false or 0
REFUSED: dict[str, str] = {
    "kv_lora_rank": _MLA, "q_lora_rank": _MLA, "qk_rope_head_dim": _MLA, "qk_nope_head_dim": _MLA,
    "v_head_dim": _MLA,
    "n_shared_experts": _DEEPSEEK_MOE, "n_routed_experts": _DEEPSEEK_MOE, "first_k_dense_replace": _DEEPSEEK_MOE,
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


def is_set(value) -> bool:
    """A refused key is harmless when it switches its feature off."""
    return value not in (None, False, 0, "", [], {})
