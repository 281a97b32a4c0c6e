"""Peak memory of streaming evaluation, each case in a fresh process (peak RSS from the OS):

* ``evaluate_chunks`` over N ResNet-50 points given as one DataFrame, each chunk consumed and
  dropped (a sweep writing parts to disk), default N = 10^7;
* the same N points made as they are needed (an iterable of 2^17-point frames, as a sweep's
  sampler gives them): the whole process then holds one chunk of points;
* ``evaluate`` over M points returning the whole table, default M = 10^6;
* the same M points before chunking existed would have needed ~0.74 KB per (point, layer).

    python benchmarks/bench_memory.py [--chunks-points 10000000] [--evaluate-points 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from bench_evaluate import random_points
import hwsim
mode, count = sys.argv[1], int(sys.argv[2])
if mode == "stream":
    step = 2 ** 17
    points = (random_points(min(step, count - start), seed=start) for start in range(0, count, step))
else:
    points = random_points(count)
    points["compute.dataflow"] = points["compute.dataflow"].astype("category")
    points["mapping"] = points["mapping"].astype("category")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
rows = 0
if mode in ("chunks", "stream"):
    for frame in hwsim.evaluate_chunks("scalesim-default", "resnet50", points):
        rows += len(frame)
else:
    rows = len(hwsim.evaluate("scalesim-default", "resnet50", points))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rows": rows, "seconds": seconds, "peak_mib": peak / 1024, "points_mib": base / 1024}}))
"""


def run(mode: str, count: int) -> dict:
    from pathlib import Path

    code = CHILD.format(bench=str(Path(__file__).parent))
    out = subprocess.run([sys.executable, "-c", code, mode, str(count)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks-points", type=int, default=10_000_000)
    parser.add_argument("--evaluate-points", type=int, default=1_000_000)
    args = parser.parse_args()
    layers = 30
    for mode, count in (("evaluate", args.evaluate_points), ("chunks", args.chunks_points),
                        ("stream", args.chunks_points)):
        r = run(mode, count)
        name = {"evaluate": "evaluate (whole table)", "chunks": "evaluate_chunks (one table, chunks dropped)",
                "stream": "evaluate_chunks (points made chunk by chunk, chunks dropped)"}[mode]
        print(f"{name}: {count:,} points x {layers} layers in {r['seconds']:.1f} s "
              f"({count * layers / r['seconds']:,.0f} evaluations/s); peak RSS {r['peak_mib']:,.0f} MiB, of which "
              f"{r['points_mib']:,.0f} MiB before the call (interpreter, libraries and the points table); "
              f"unchunked (P, L) arrays would need ~{count * layers * 0.74e3 / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
