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

from typing import TYPE_CHECKING

from hwsim.lazy import lazy_getattr

# Public names are loaded on first use (PEP 562): `import hwsim` and the light commands
# (`hwsim --help`, `list`, `info`) must not pay for pandas, numba, the mapper or the LLM frontends
# (docs/install.md, "Import cost"). name -> the module that defines it.
_LAZY: dict[str, str] = {
    "Accelerator": "hwsim.arch.accelerator",
    "load_accelerator": "hwsim.arch.accelerator",
    "simulate": "hwsim.engine.analytical",
    "evaluate": "hwsim.engine.evaluate",
    "evaluate_chunks": "hwsim.engine.evaluate",
    "load_workload": "hwsim.workload.load",
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
    "pareto": "hwsim.dse.pareto",
    "hypervolume": "hwsim.dse.pareto",
    "sweep": "hwsim.dse.sweep",
    "SweepSpec": "hwsim.dse.spec",
    "load_sweep_spec": "hwsim.dse.spec",
    "precision_mix": "hwsim.dse.precision",
    "precision_search": "hwsim.dse.precision_search",
    "quantise": "hwsim.dse.sensitivity",
    "write_explorer": "hwsim.explore",
}

if TYPE_CHECKING:  # static checkers and IDEs see the real names
    from hwsim.arch.accelerator import Accelerator, load_accelerator
    from hwsim.engine.analytical import simulate
    from hwsim.engine.evaluate import evaluate, evaluate_chunks
    from hwsim.workload.load import load_workload
    from hwsim.formats import parse_format
    from hwsim.results import Result
    from hwsim.tech.nodes import TechPoint, tech_point
    from hwsim.workload import Conv2d, Gemm, Layer, MatMul, Precision, VectorOp, Workload
    from hwsim.drivers.generate import GenerateResult, generate
    from hwsim.workload.frontends.hf_config import model_parameters
    from hwsim.workload.precision_plan import PrecisionPlan, parse_precision_plan, read_precision_plan
    from hwsim.dse.pareto import hypervolume, pareto
    from hwsim.dse.spec import SweepSpec, load_sweep_spec
    from hwsim.dse.sweep import sweep
    from hwsim.dse.precision import precision_mix
    from hwsim.dse.precision_search import precision_search
    from hwsim.dse.sensitivity import quantise
    from hwsim.explore import write_explorer

__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = ["Accelerator", "evaluate", "evaluate_chunks", "Conv2d", "GenerateResult", "Gemm", "Layer", "MatMul", "Precision", "PrecisionPlan", "Result", "TechPoint",
           "VectorOp", "Workload", "generate", "load_accelerator", "load_workload", "model_parameters", "parse_format", "parse_precision_plan",
           "read_precision_plan", "simulate", "tech_point", "pareto", "hypervolume",
           "sweep", "SweepSpec", "load_sweep_spec", "precision_mix", "precision_search", "quantise"]
__version__ = "0.1.0"
