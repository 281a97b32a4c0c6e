"""hwsim: cycle-approximate simulator and design-space explorer for mixed-precision accelerators.

    >>> import hwsim
    >>> accel = hwsim.load_accelerator("tpu-v1-like")
    >>> work = hwsim.load_workload("resnet50")
    >>> result = hwsim.simulate(accel, work)
    >>> result.layers            # pandas DataFrame, one row per layer
    >>> result.summary()         # totals and breakdowns
    >>> table = hwsim.evaluate("tpu-v1-like", "resnet50", points)  # one row per design point
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public names are loaded on first use (PEP 562): `import hwsim` and the light commands
# (`hwsim --help`, `list`, `info`) must not pay for pandas, numba, the mapper or the LLM frontends
# (docs/install.md, "Import cost"). name -> the module that defines it.
_LAZY: dict[str, str] = {
    "Accelerator": "hwsim.arch.accelerator",
    "load_accelerator": "hwsim.arch.accelerator",
    "simulate": "hwsim.engine.analytical",
    "evaluate": "hwsim.engine.evaluate",
    "evaluate_chunks": "hwsim.engine.evaluate",
    "parse_format": "hwsim.formats",
    "Result": "hwsim.results",
    "TechPoint": "hwsim.tech.nodes",
    "tech_point": "hwsim.tech.nodes",
    "Conv2d": "hwsim.workload",
    "Gemm": "hwsim.workload",
    "Layer": "hwsim.workload",
    "MatMul": "hwsim.workload",
    "Precision": "hwsim.workload",
    "VectorOp": "hwsim.workload",
    "Workload": "hwsim.workload",
    "GenerateResult": "hwsim.drivers.generate",
    "generate": "hwsim.drivers.generate",
    "model_parameters": "hwsim.workload.frontends.hf_config",
    "PrecisionPlan": "hwsim.workload.precision_plan",
    "parse_precision_plan": "hwsim.workload.precision_plan",
    "read_precision_plan": "hwsim.workload.precision_plan",
}

if TYPE_CHECKING:  # static checkers and IDEs see the real names
    from hwsim.arch.accelerator import Accelerator, load_accelerator
    from hwsim.engine.analytical import simulate
    from hwsim.engine.evaluate import evaluate, evaluate_chunks
    from hwsim.formats import parse_format
    from hwsim.results import Result
    from hwsim.tech.nodes import TechPoint, tech_point
    from hwsim.workload import Conv2d, Gemm, Layer, MatMul, Precision, VectorOp, Workload
    from hwsim.drivers.generate import GenerateResult, generate
    from hwsim.workload.frontends.hf_config import model_parameters
    from hwsim.workload.precision_plan import PrecisionPlan, parse_precision_plan, read_precision_plan


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hwsim' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def load_workload(name_or_path: str, phase: str | None = None, seq_len: int | None = None,
                  kv_len: int | None = None, batch: int = 1, prompt: int | None = None,
                  new_tokens: int | None = None, gemm_only: bool = False) -> Workload:
    """A workload from a preset name (see ``hwsim list``) or a trace / topology / model-config file.

    A HuggingFace ``config.json`` (or an ``llm/...`` preset) describes a model, not a run: it needs
    ``phase`` ('prefill' with ``seq_len``, 'decode' with ``kv_len``, 'generate' with ``prompt``
    and ``new_tokens``), at ``batch`` sequences, vector ops left out with ``gemm_only``. Other
    files refuse these arguments (docs/workloads-llm.md).
    """
    from hwsim import presets
    from hwsim.errors import HwsimInputError
    from hwsim.workload.frontends import load_workload_file
    from hwsim.workload.llm import Scenario

    found = {**presets.workload_presets(), **presets.llm_config_presets()}
    path = presets.resolve(name_or_path, found, "workload")
    given = phase is not None or seq_len is not None or kv_len is not None or batch != 1 \
        or prompt is not None or new_tokens is not None or gemm_only
    scenario = None
    if given:
        if phase is None and path.suffix.lower() == ".json":
            raise HwsimInputError("a model config.json needs a phase", source=str(path), field="phase",
                                  allowed="prefill, decode, generate")
        scenario = Scenario(phase, batch, seq_len, kv_len, prompt, new_tokens, gemm_only)
    return load_workload_file(path, scenario)


__all__ = ["Accelerator", "evaluate", "evaluate_chunks", "Conv2d", "GenerateResult", "Gemm", "Layer", "MatMul", "Precision", "PrecisionPlan", "Result", "TechPoint",
           "VectorOp", "Workload", "generate", "load_accelerator", "load_workload", "model_parameters", "parse_format", "parse_precision_plan",
           "read_precision_plan", "simulate", "tech_point"]
__version__ = "0.1.0"
