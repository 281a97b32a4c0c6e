"""Speed of the arithmetic-level PE model, against a baseline in the same run.

    python benchmarks/bench_pe_costs.py

1. Whole networks (load + simulate) with the datapath-cost memo (the default) against the same
   runs without it (the baseline: every layer's PE cost recomputed from its netlist).
2. `hwsim pe` and `hwsim tech` tables (every format combination / unit) at three nodes.
3. The int_vs_fp study's compute (15 formats x 3 nodes x 2 networks), without writing files.
"""

import importlib.util
import statistics
import time
from pathlib import Path

import hwsim
from hwsim.pe import datapath, mac
from hwsim.pe.catalog import pe_table
from hwsim.tech.catalog import tech_table
from hwsim.tech.nodes import tech_point

REPEATS = 15


def _median_ms(fn, before=None) -> float:
    times = []
    for _ in range(REPEATS):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    print(f"{'case':<40} {'memo_ms':>9} {'no_memo_ms':>11} {'speed-up':>9}")
    for accel_name, work_name in (("scalesim-default", "resnet50"), ("tpu-v1-like", "mobilenet_v2"),
                                  ("tpu-v1-like", "llama2_7b_decode")):
        def run():
            hwsim.simulate(hwsim.load_accelerator(accel_name), hwsim.load_workload(work_name))
        memo = _median_ms(run)
        mac.mac_cost = datapath.mac_cost.__wrapped__  # baseline: no memo
        try:
            cold = _median_ms(run)
        finally:
            mac.mac_cost = datapath.mac_cost
        print(f"{accel_name + ' / ' + work_name:<40} {memo:>9.2f} {cold:>11.2f} {cold / memo:>8.2f}x")
    for node in (45, 28, 7):
        point = tech_point(node)
        pe_ms = _median_ms(lambda: pe_table(point), datapath.mac_cost.cache_clear)
        tech_ms = _median_ms(lambda: tech_table(point))
        print(f"hwsim pe table ({len(pe_table(point))} rows), {node} nm: {pe_ms:.1f} ms; "
              f"hwsim tech table ({len(tech_table(point))} rows): {tech_ms:.1f} ms")
    spec = importlib.util.spec_from_file_location("int_vs_fp", Path(__file__).parent.parent / "studies" / "int_vs_fp" / "run.py")
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    start = time.perf_counter()
    study.pe_costs(study.DEFAULT_NODES)
    study.workload_runs(study.DEFAULT_NODES)
    print(f"int_vs_fp study compute (90 network runs + 45 PEs): {(time.perf_counter() - start) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
