"""The PIM event engine (SimPy, hwsim/engine/event.py) against the closed form on pimsimulator-hbm2:
wall time of each (median of repeats, simulate only) and their ratio, the event/analytic cycle
ratio, and how many unique kernels the event engine simulated.

    python benchmarks/bench_pim_event.py [--repeats 5]

Cases: a Llama-2-7B decode step (kv 2048, batch 1), a 16384 x 16384 GEMV at 1 and at 64
channels. Event runs are cold (the kernel memo cleared before each run), so the figure is one
simulation of every unique kernel; a warm run (memo kept) is printed beside it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import hwsim
from hwsim.engine import event

PRESET = "pimsimulator-hbm2"


def _timed(accel, work, engine: str, repeats: int, cold: bool) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        if cold:
            event.kernel_numbers.cache_clear()
        start = time.perf_counter()
        result = hwsim.simulate(accel, work, engine=engine)
        times.append(time.perf_counter() - start)
    return statistics.median(times), float(result.layers["total_cycles"].sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gemv = Path(tmp) / "gemv.csv"
        gemv.write_text("name,op,m,k,n\ngemv,gemm,1,16384,16384\n")
        cases = [
            ("llama-2-7b decode kv2048 b1", PRESET, [],
             hwsim.load_workload("workloads/llm/llama-2-7b.json", phase="decode", kv_len=2048, batch=1)),
            ("gemv 16384x16384, 1 channel", PRESET, ["dram.channels=1"], hwsim.load_workload(str(gemv))),
            ("gemv 16384x16384, 64 channels", PRESET, [], hwsim.load_workload(str(gemv))),
        ]
        print(f"{'case':<32} {'analytic_ms':>11} {'event_ms':>9} {'warm_ms':>8} {'time_ratio':>10} "
              f"{'kernels':>7} {'cycle_ratio':>11}")
        for name, preset, overrides, work in cases:
            accel = hwsim.load_accelerator(preset, overrides)
            hwsim.simulate(accel, work)                       # first-call costs (imports, PE tables) apart
            analytic_s, analytic_cycles = _timed(accel, work, "analytic", args.repeats, cold=False)
            event_s, event_cycles = _timed(accel, work, "event", args.repeats, cold=True)
            kernels = event.kernel_numbers.cache_info().currsize
            warm_s, _ = _timed(accel, work, "event", args.repeats, cold=False)
            print(f"{name:<32} {analytic_s * 1e3:>11.2f} {event_s * 1e3:>9.2f} {warm_s * 1e3:>8.2f} "
                  f"{event_s / analytic_s:>10.1f} {kernels:>7} {event_cycles / analytic_cycles:>11.6f}")


if __name__ == "__main__":
    main()
