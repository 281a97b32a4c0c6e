"""Batched evaluation throughput: hwsim.evaluate over N random design points on ResNet-50,
against the one-design loop (hwsim.simulate per point, the documented sweep path before the
rebuild) in the same run. Prints layer evaluations per second and the ratio.

    python benchmarks/bench_evaluate.py [--points 10000] [--accelerator scalesim-default]

The points vary rows, cols, dataflow, the three buffer sizes, DRAM bandwidth and node, with
mapping 'auto' (the default mapper). The first call in a process also loads the mapper's
compiled kernel from numba's disk cache and builds each node's PE costs; it is reported apart.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import hwsim


def random_points(count: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "compute.rows": rng.choice([8, 16, 32, 64, 128, 256], count),
        "compute.cols": rng.choice([8, 16, 32, 64, 128, 256], count),
        "compute.dataflow": rng.choice(["os", "ws", "is"], count),
        "buffers.ifmap.size_kib": rng.choice([16, 32, 64, 128, 256, 512], count),
        "buffers.filter.size_kib": rng.choice([16, 32, 64, 128, 256, 512], count),
        "buffers.ofmap.size_kib": rng.choice([16, 32, 64, 128, 256], count),
        "dram.bandwidth_gb_s": rng.uniform(4, 200, count).round(2),
        "tech_node_nm": rng.choice([7, 16, 28, 45], count),
        "mapping": "auto",
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--accelerator", default="scalesim-default")
    parser.add_argument("--loop-points", type=int, default=200, help="points timed through the one-design loop")
    args = parser.parse_args()
    work = hwsim.load_workload("resnet50")
    layers = len(work.layers)
    points = random_points(args.points)

    start = time.perf_counter()
    hwsim.evaluate(args.accelerator, work, points.iloc[:10])
    first = time.perf_counter() - start
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        table = hwsim.evaluate(args.accelerator, work, points)
        runs.append(time.perf_counter() - start)
    batched = min(runs)

    loop = points.iloc[: args.loop_points]
    start = time.perf_counter()
    for _, row in loop.iterrows():
        accel = hwsim.load_accelerator(args.accelerator, [f"{k}={v}" for k, v in row.items()])
        hwsim.simulate(accel, work)
    per_point_loop = (time.perf_counter() - start) / len(loop)

    rate = args.points * layers / batched
    loop_rate = layers / per_point_loop
    print(f"workload resnet50 ({layers} layers), {args.points} points, accelerator {args.accelerator}")
    print(f"first call (10 points; loads the compiled mapper, builds node costs): {first:.3f} s")
    print(f"hwsim.evaluate: {batched:.3f} s best of 3 -> {rate:,.0f} layer evaluations/s")
    print(f"one-design loop (load_accelerator + simulate per point, {len(loop)} points): "
          f"{per_point_loop * 1e3:.2f} ms/point -> {loop_rate:,.0f} layer evaluations/s")
    print(f"ratio: {rate / loop_rate:.0f}x")
    print(f"mean total_cycles {table['total_cycles'].mean():.4g}, mean energy_pj {table['energy_pj'].mean():.4g}")


if __name__ == "__main__":
    main()
