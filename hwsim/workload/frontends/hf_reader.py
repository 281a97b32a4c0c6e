"""Typed, remembered access to the keys of a HuggingFace ``config.json`` (shared by the family
readers of ``hf_config.py`` and ``hf_families.py``): every key a reader takes is recorded, so the
keys nobody read can be refused as unknown."""

from __future__ import annotations

import json

from hwsim.errors import HwsimInputError

_MISSING = object()

# Ceilings on a config's counts, so a typo fails in one line before hwsim builds the model.
# Every dimension: below 2^31 (derived: the largest published LLM dimension, a 256k vocabulary,
# is ~2^18; 2^31 keeps every product of three dimensions below 2^93 in Python ints and every one
# below hwsim's exact 2^53 MAC check when real). Blocks and experts: 100x the largest published
# (Llama 3.1 405B's 126 blocks, Meta 2024; DeepSeek-V3's 256 routed experts, arXiv 2412.19437).
MAX_CONFIG_INT = 2 ** 31 - 1
MAX_BLOCKS = 12_600
MAX_EXPERTS = 25_600
MAX_BLOCKS_WHY = "100x Llama 3.1 405B's 126 blocks (Meta 2024)"
_BLOCKS = (MAX_BLOCKS, MAX_BLOCKS_WHY)
_EXPERTS = (MAX_EXPERTS, "100x DeepSeek-V3's 256 routed experts (arXiv 2412.19437)")
_CEILINGS = {"num_hidden_layers": _BLOCKS, "n_layer": _BLOCKS,
             "num_local_experts": _EXPERTS, "num_experts": _EXPERTS, "n_routed_experts": _EXPERTS}

# hidden_act / activation_function -> the VectorOp that costs it (tanh and erf GELU alike)
ACTIVATIONS = {"silu": "silu", "swish": "silu", "gelu": "gelu", "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu",
               "gelu_fast": "gelu", "relu": "relu"}


class _Keys:
    """Typed access to the config that remembers which keys were read."""

    def __init__(self, data: dict, source: str, prefix: str = ""):
        # prefix: where a nested object sits (Gemma-3's "text_config."), for the field in errors
        self.data, self.source, self.read, self.prefix = data, source, set(), prefix

    def error(self, key: str, message: str, allowed: str | None = None) -> HwsimInputError:
        return HwsimInputError(message, source=self.source, field=self.prefix + key, allowed=allowed)

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
        ceiling, why = _CEILINGS.get(key, (MAX_CONFIG_INT, "below 2^31: no published model comes near"))
        if value > ceiling:
            raise self.error(key, f"{value} is more than any model has", f"{minimum}..{ceiling} ({why})")
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


def top_k(c: _Keys, experts: int, key: str = "num_experts_per_tok") -> int:
    k = c.int(key)
    if k > experts:
        raise c.error(key, f"{k} is more than the {experts} experts", f"1..{experts}")
    return k
