"""Clock, supply and node as per-point values: what a continuous sweep of them costs, as a ratio
measured in one run.

Both runs evaluate the same N design points (array shape, dataflow, buffers and DRAM bandwidth
drawn at random) of ResNet-50 on one base accelerator:

* one group: every point at the base's clock, node and supply;
* distinct: every point its own clock and node (nodes drawn from the node table, the clock
  uniform between 100 MHz and the node's fastest clock at its nominal supply,
  hwsim/tech/limits.py), the supply left at the base's (the calibration's 0.9 V);
* with ``--continuous``, also every point its own node (uniform in 5-130 nm) and supply (uniform
  in 0.6 V to the node's highest, at most 1.1 V).

The ratio distinct / one group is the price of the per-point technology; before clock, node and
supply became per-point keys each distinct value built its own accelerator (ResNet-50, 10^4
points: ~20x). Each run is timed after a warm-up call, best of ``--repeats``, the two taking
turns.

    python benchmarks/bench_structural_keys.py [--points 10000] [--accelerator scalesim-default]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import hwsim
from hwsim.tech.limits import max_clock_mhz
from hwsim.tech.nodes import MAX_NODE_NM, MIN_NODE_NM, nominal_vdd_v, tech_point

NODES_NM = (130, 90, 65, 45, 32, 20, 16, 14, 10, 7, 5)  # the node table (hwsim/tech/nodes.py) and 5 nm
MIN_CLOCK_MHZ = 100.0


def shared_columns(count: int, rng: np.random.Generator) -> dict:
    return {
        "compute.rows": rng.choice([8, 16, 32, 64, 128], count),
        "compute.cols": rng.choice([8, 16, 32, 64, 128], count),
        "compute.dataflow": rng.choice(["os", "ws", "is"], count),
        "buffers.ifmap.size_kib": rng.choice([32, 64, 128, 256], count),
        "buffers.filter.size_kib": rng.choice([32, 64, 128, 256], count),
        "dram.bandwidth_gb_s": rng.uniform(4, 200, count).round(2),
    }


def distinct_columns(count: int, rng: np.random.Generator, continuous: bool) -> dict:
    if not continuous:
        # a point that sets its node and not its supply runs at the node's nominal supply
        nodes = rng.choice(NODES_NM, count).astype(np.float64)
        ceiling = {n: max_clock_mhz(tech_point(n, float(nominal_vdd_v(n)))) for n in NODES_NM}
        top = np.array([ceiling[n] for n in nodes])
        clocks = MIN_CLOCK_MHZ + rng.random(count) * (top - MIN_CLOCK_MHZ)
        return {"tech_node_nm": nodes, "clock_mhz": clocks}
    from hwsim.tech.limits import max_clocks_mhz
    from hwsim.tech.nodes import delay_factors, supply_ranges_v

    nodes = rng.uniform(MIN_NODE_NM, MAX_NODE_NM, count)
    _, highest = supply_ranges_v(nodes)
    supplies = rng.uniform(0.6, np.minimum(highest, 1.1))
    top = max_clocks_mhz(delay_factors(nodes, supplies))
    clocks = MIN_CLOCK_MHZ + rng.random(count) * (top - MIN_CLOCK_MHZ)
    return {"tech_node_nm": nodes, "supply_voltage_v": supplies, "clock_mhz": clocks}


def timed(accelerator, workload, tables: list[pd.DataFrame], repeats: int) -> list[float]:
    """Best time of each table, the tables taking turns (a shared machine's load hits both alike)."""
    for points in tables:
        hwsim.evaluate(accelerator, workload, points.iloc[:64])  # compiled kernels and presets loaded
    best = [float("inf")] * len(tables)
    for _ in range(repeats):
        for i, points in enumerate(tables):
            start = time.perf_counter()
            hwsim.evaluate(accelerator, workload, points)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--accelerator", default="scalesim-default")
    parser.add_argument("--workload", default="resnet50")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--continuous", action="store_true", help="every point its own node and supply too")
    args = parser.parse_args()

    accel = hwsim.load_accelerator(args.accelerator)
    workload = hwsim.load_workload(args.workload)
    rng = np.random.default_rng(0)
    shared = shared_columns(args.points, rng)
    one_group = pd.DataFrame(shared)
    distinct = pd.DataFrame({**shared, **distinct_columns(args.points, rng, args.continuous)})
    clocks, nodes = distinct["clock_mhz"].nunique(), distinct["tech_node_nm"].nunique()
    supplies = distinct["supply_voltage_v"].nunique() if "supply_voltage_v" in distinct else 1

    t_one, t_distinct = timed(accel, workload, [one_group, distinct], args.repeats)
    layers = len(workload.layers) if hasattr(workload, "layers") else 0
    print(f"{args.accelerator} x {args.workload} ({layers} layers), {args.points} points, best of {args.repeats}")
    print(f"  one group (base clock, node, supply):       {t_one:8.3f} s")
    print(f"  distinct ({clocks} clocks, {nodes} nodes, {supplies} supplies): {t_distinct:8.3f} s")
    print(f"  ratio distinct / one group:                 {t_distinct / t_one:8.2f}x   (target <= 1.5x)")


if __name__ == "__main__":
    main()
