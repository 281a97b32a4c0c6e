"""hwsim's own speed: median wall time of whole-network simulations (load + simulate), all presets.

    python benchmarks/bench_hwsim_speed.py
"""

import statistics
import time

import hwsim


def main() -> None:
    print(f"{'accelerator':<18} {'workload':<18} {'layers':>6} {'median_ms':>10}")
    for accel_name in ("scalesim-default", "tpu-v1-like", "eyeriss-like"):
        for work_name in ("resnet50", "mobilenet_v2", "bert_base_seq128", "bert_base_seq512"):
            times = []
            for _ in range(15):
                start = time.perf_counter()
                hwsim.simulate(hwsim.load_accelerator(accel_name), hwsim.load_workload(work_name))
                times.append(time.perf_counter() - start)
            layers = len(hwsim.load_workload(work_name).layers)
            print(f"{accel_name:<18} {work_name:<18} {layers:>6} {statistics.median(times) * 1e3:>10.2f}")


if __name__ == "__main__":
    main()
