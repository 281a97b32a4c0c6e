"""hwsim: cycle-approximate simulator and design-space explorer for mixed-precision accelerators.

    >>> import hwsim
    >>> accel = hwsim.load_accelerator("tpu-v1-like")
    >>> work = hwsim.load_workload("resnet50")
    >>> result = hwsim.simulate(accel, work)
    >>> result.layers            # pandas DataFrame, one row per layer
    >>> result.summary()         # totals and breakdowns
    >>> table = hwsim.evaluate("tpu-v1-like", "resnet50", points)  # one row per design point
"""

from hwsim.arch.accelerator import Accelerator, load_accelerator
from hwsim.engine.analytical import simulate
from hwsim.engine.evaluate import evaluate
from hwsim.formats import parse_format
from hwsim.results import Result
from hwsim.tech.nodes import TechPoint, tech_point
from hwsim.workload import Conv2d, Gemm, Layer, MatMul, Precision, VectorOp, Workload
from hwsim.workload.precision_plan import PrecisionPlan, parse_precision_plan, read_precision_plan


def load_workload(name_or_path: str) -> Workload:
    """A workload from a preset name (see ``hwsim list``) or a trace / topology / model-config file."""
    from hwsim import presets
    from hwsim.workload.frontends import load_workload_file

    return load_workload_file(presets.resolve(name_or_path, presets.workload_presets(), "workload"))


__all__ = ["Accelerator", "evaluate", "Conv2d", "Gemm", "Layer", "MatMul", "Precision", "PrecisionPlan", "Result", "TechPoint",
           "VectorOp", "Workload", "load_accelerator", "load_workload", "parse_format", "parse_precision_plan",
           "read_precision_plan", "simulate", "tech_point"]
__version__ = "0.1.0"
