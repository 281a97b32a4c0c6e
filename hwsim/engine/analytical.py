"""``simulate``: one accelerator, one workload, per-layer results — the one-point case of the
batched engine (hwsim.engine.evaluate), so both always agree.
"""

from __future__ import annotations

from hwsim.arch.accelerator import Accelerator
from hwsim.engine.evaluate import resolve_accelerator, resolve_workload, run
from hwsim.formats import Precision, as_precision
from hwsim.results import Result, layer_frame
from hwsim.workload.batch import layer_batch


def simulate(accel: Accelerator | str, workload, precision: Precision | None = None,
             engine: str = "analytic") -> Result:
    """Simulate ``workload`` on ``accel``; ``precision`` overrides operand formats for every layer.
    ``engine`` names the engine: 'analytic' (closed form; the only one today)."""
    accel = resolve_accelerator(accel)
    work = resolve_workload(workload)
    evaluation = run(accel.design, layer_batch(work), as_precision(precision), engine)
    return Result(accel.name, work.name, layer_frame(evaluation, 0), accel.area_mm2,
                  accel.area_breakdown_mm2, accel.freq_mhz, bool(evaluation.design.exceeds_reticle[0]),
                  float(evaluation.design.static_parts_uw["idle_floor"][0]) / 1e6)
