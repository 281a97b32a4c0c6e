"""Batched evaluation throughput, as ratios measured in one run:

* ``hwsim.evaluate`` over N random design points on ResNet-50 (mapping 'auto', the mapper), in
  (point, layer) evaluations per second;
* against a floor kernel: one numba pass that does one loop order's folds, DRAM traffic, stall and
  energy per (point, layer) and keeps per-point totals, on the same arrays and threads: the speed
  of the arithmetic alone, with no mapper and no table;
* the same points in SCALE-Sim's fixed order (``mapping: scalesim``): the accounting and pricing
  without the mapper's search, which separates the two;
* against the one-design loop (load_accelerator + simulate per point), the documented sweep path
  before the batched engine;
* the first call in the process apart (loads the compiled kernels from numba's disk cache and
  builds each node's PE costs).

    python benchmarks/bench_evaluate.py [--points 10000] [--accelerator scalesim-default]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd
from numba import njit, prange

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


@njit(cache=True, parallel=True)
def floor_kernel(rows, cols, size_a, size_b, bw, e_dram, m, k, n, totals):
    """One loop order (SCALE-Sim's OS order) per (point, layer): folds, traffic, stall, energy."""
    for p in prange(rows.shape[0]):
        cycles = 0.0
        energy = 0.0
        for i in range(m.shape[0]):
            row_folds = math.ceil(m[i] / rows[p])
            col_folds = math.ceil(n[i] / cols[p])
            folds = row_folds * col_folds
            compute = folds * (k[i] + rows[p] + cols[p] - 2)
            a = m[i] * k[i] * 8.0 * (1.0 if m[i] * k[i] * 8.0 <= size_a[p] else col_folds)
            b = k[i] * n[i] * 8.0 * (1.0 if k[i] * min(n[i], cols[p]) * 8.0 <= size_b[p] else row_folds)
            dram = a + b + m[i] * n[i] * 8.0
            stall = max(0.0, dram / bw[p] - compute)
            cycles += compute + stall
            energy += dram * e_dram[p] + m[i] * k[i] * n[i] * 0.2
        totals[0, p] = cycles
        totals[1, p] = energy


def floor_rate(points: pd.DataFrame, work) -> float:
    gemms = [layer.op.gemm_view() for layer in work.layers]
    m = np.array([g.m for g in gemms if g is not None], dtype=np.float64)
    k = np.array([g.k for g in gemms if g is not None], dtype=np.float64)
    n = np.array([g.n for g in gemms if g is not None], dtype=np.float64)
    rows = points["compute.rows"].to_numpy(np.float64)
    cols = points["compute.cols"].to_numpy(np.float64)
    size_a = points["buffers.ifmap.size_kib"].to_numpy(np.float64) * 8192
    size_b = points["buffers.filter.size_kib"].to_numpy(np.float64) * 8192
    bw = points["dram.bandwidth_gb_s"].to_numpy(np.float64) * 8.0   # at 1 GHz: GB/s x 8 = bits per cycle
    e_dram = np.full(len(points), 20.0)
    totals = np.empty((2, len(points)))
    floor_kernel(rows[:2], cols[:2], size_a[:2], size_b[:2], bw[:2], e_dram[:2], m, k, n, totals[:, :2])
    best = math.inf
    for _ in range(5):
        start = time.perf_counter()
        floor_kernel(rows, cols, size_a, size_b, bw, e_dram, m, k, n, totals)
        best = min(best, time.perf_counter() - start)
    return len(points) * len(m) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--accelerator", default="scalesim-default")
    parser.add_argument("--loop-points", type=int, default=100, help="points timed through the one-design loop")
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
    # the same points with SCALE-Sim's fixed loop order: every count and price, no mapper search
    fixed = points.assign(mapping="scalesim")
    fixed_runs = []
    for _ in range(3):
        start = time.perf_counter()
        hwsim.evaluate(args.accelerator, work, fixed)
        fixed_runs.append(time.perf_counter() - start)
    fixed_rate = args.points * layers / min(fixed_runs)
    floor = floor_rate(points, work)

    loop = points.iloc[: args.loop_points]
    start = time.perf_counter()
    for _, row in loop.iterrows():
        accel = hwsim.load_accelerator(args.accelerator, [f"{k}={v}" for k, v in row.items()])
        hwsim.simulate(accel, work)
    per_point_loop = (time.perf_counter() - start) / len(loop)

    rate = args.points * layers / batched
    loop_rate = layers / per_point_loop
    # the mapper prepares its tilings once per structure (array, dataflow, buffers) and layer: the
    # fewer points share a structure, the more of the time goes there
    structures = len(points.drop(columns=["dram.bandwidth_gb_s", "tech_node_nm"]).drop_duplicates())
    print(f"workload resnet50 ({layers} layers), {args.points} points, accelerator {args.accelerator}, mapping auto; "
          f"{structures} distinct structures ({args.points / structures:.1f} points each)")
    print(f"first call (10 points; loads the compiled kernels, builds node costs): {first:.3f} s")
    print(f"hwsim.evaluate: {batched:.3f} s best of 3 -> {rate:,.0f} (point, layer) evaluations/s")
    print(f"floor kernel (one loop order, no mapper, no table): {floor:,.0f} evaluations/s "
          f"-> evaluate is {rate / floor:.1%} of it")
    print(f"same points, mapping scalesim (full accounting, no mapper search): {fixed_rate:,.0f} evaluations/s "
          f"-> {fixed_rate / floor:.1%} of the floor kernel; the mapper's search is {1 - rate / fixed_rate:.0%} of auto's time")
    print(f"one-design loop (load_accelerator + simulate per point, {len(loop)} points): "
          f"{per_point_loop * 1e3:.2f} ms/point -> {loop_rate:,.0f} evaluations/s -> evaluate is {rate / loop_rate:.0f}x")
    print(f"mean total_cycles {table['total_cycles'].mean():.4g}, mean energy_pj {table['energy_pj'].mean():.4g}")


if __name__ == "__main__":
    main()
