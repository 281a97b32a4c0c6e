"""`hwsim sweep` end to end against `hwsim.evaluate` on the same points, in one run.

A 10^5-point ResNet-50 grid (rows 5 x cols 5 x ifmap 5 x filter 5 x ofmap 4 x DRAM bandwidth 8 x
node 5 = 100,000 points on scalesim-default) is

* evaluated in memory by ``hwsim.evaluate`` (one table, no files): the baseline rate;
* swept by ``hwsim.sweep`` into a Parquet folder: the spec's probe, the sampler, chunking,
  Parquet parts written and renamed, the manifest after each part;
* optionally swept with ``--jobs N`` worker processes and on a Dask ``LocalCluster`` of N
  worker processes (``--dask-local N``), each also with one worker: the speed-ups over the
  in-process sweep and over the same executor with one worker, worker start-up included.

``--points 1000000`` widens the DRAM bandwidth axis to 80 values (4 to 512 GB/s, evenly spaced in
log2): a 10^6-point grid, large enough that the executors' start-up (seconds) is amortised.

Prints points/s and (point, layer) evaluations/s of each, the sweep's share of the in-memory rate
(the ratio), and checks the rows of every sweep equal evaluate's. Each figure is the best of
--repeat runs (the machine is shared; the best run is the least disturbed).

    python benchmarks/bench_sweep.py [--points 100000|1000000] [--chunk-points 25000] [--repeat 2]
                                     [--jobs 2] [--dask-local 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import hwsim
from hwsim.dse.spec import SweepSpec
from hwsim.dse.sweep import chunk_points

SPACE = {
    "accelerator": "scalesim-default",
    "workloads": ["resnet50"],
    "axes": {
        "compute.rows": [8, 16, 32, 64, 128],
        "compute.cols": [8, 16, 32, 64, 128],
        "buffers.ifmap.size_kib": {"range": [16, 256], "scale": "log2"},
        "buffers.filter.size_kib": {"range": [16, 256], "scale": "log2"},
        "buffers.ofmap.size_kib": {"range": [16, 128], "scale": "log2"},
        "dram.bandwidth_gb_s": {"range": [4, 512], "scale": "log2"},
        "tech_node_nm": [7, 16, 28, 45, 65],
    },
    "sampler": {"kind": "grid"},
}


# --points -> the DRAM bandwidth axis (5 x 5 x 5 x 5 x 4 x 5 = 12,500 points per bandwidth value)
BANDWIDTHS = {100_000: {"range": [4, 512], "scale": "log2"},
              1_000_000: {"range": [4, 512], "scale": "log2", "count": 80}}


def best(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


CHECKED = ("total_cycles", "latency_s", "energy_pj", "area_mm2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, choices=sorted(BANDWIDTHS), default=100_000)
    parser.add_argument("--chunk-points", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=None, help="also sweep with N worker processes (and 1)")
    parser.add_argument("--dask-local", type=int, default=None,
                        help="also sweep on a Dask LocalCluster of N worker processes (and 1); needs the dask extra")
    args = parser.parse_args()

    axes = {**SPACE["axes"], "dram.bandwidth_gb_s": BANDWIDTHS[args.points]}
    spec = SweepSpec.from_mapping({**SPACE, "axes": axes, "chunk_points": args.chunk_points}, source="bench_sweep")
    layers = len(hwsim.load_workload("resnet50").layers)
    points = pd.concat([chunk_points(spec, c) for c in range(spec.chunks)], ignore_index=True)
    inputs = points[list(spec.axis_keys)]
    print(f"{spec.points:,} points x {layers} layers, {spec.chunks} chunks of {spec.chunk_points:,}")
    hwsim.evaluate(spec.accelerator, "resnet50", inputs.iloc[:64])   # kernels loaded before any timing

    t_eval, direct = best(args.repeat, lambda: hwsim.evaluate(spec.accelerator, "resnet50", inputs))
    scratch = Path(tempfile.mkdtemp(prefix="bench-sweep-"))

    def sweep(jobs=None, executor=None):
        out = scratch / "out"
        shutil.rmtree(out, ignore_errors=True)
        hwsim.sweep(spec, out, jobs=jobs, executor=executor, progress="quiet")
        return out

    def equal(out) -> bool:
        rows = pd.read_parquet(out, columns=["point_id", *CHECKED]).sort_values("point_id").reset_index(drop=True)
        return all(np.array_equal(rows[c].to_numpy(), direct[c].to_numpy()) for c in CHECKED)

    try:
        t_sweep, out = best(args.repeat, sweep)
        size_mib = sum(p.stat().st_size for p in out.iterdir()) / 2 ** 20
        same = equal(out)
        n = spec.points
        print(f"evaluate (in memory) : {t_eval:7.2f} s  {n / t_eval:12,.0f} points/s  "
              f"{n * layers / t_eval:14,.0f} layer evaluations/s")
        print(f"sweep (Parquet)      : {t_sweep:7.2f} s  {n / t_sweep:12,.0f} points/s  "
              f"{n * layers / t_sweep:14,.0f} layer evaluations/s  ({size_mib:.1f} MiB written)")
        print(f"sweep rate / evaluate rate: {t_eval / t_sweep:.2f}   rows equal to evaluate's: {same}")
        for flag, workers, executor in (("--jobs", args.jobs, "process"), ("--dask-local", args.dask_local, "dask")):
            if not workers:
                continue
            t_one, out = best(args.repeat, lambda: sweep(1, executor))
            same_one = equal(out)
            t_n, out = best(args.repeat, lambda: sweep(workers, executor))
            same_n = equal(out)
            for count, seconds, rows_equal in ((1, t_one, same_one), (workers, t_n, same_n)):
                label = f"sweep {flag} {count}"
                print(f"{label:<21}: {seconds:7.2f} s  {n / seconds:12,.0f} points/s  rows equal: {rows_equal}")
            print(f"speed-up of {flag} {workers}: {t_sweep / t_n:.2f}x over the in-process sweep, "
                  f"{t_one / t_n:.2f}x over {flag} 1 (worker start-up included)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
