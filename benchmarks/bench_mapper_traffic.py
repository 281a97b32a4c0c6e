"""DRAM traffic against the compulsory traffic (every weight, distinct input and output moved
once), SCALE-Sim's fixed order vs hwsim's mapper, with latency and energy, in one run.

    python benchmarks/bench_mapper_traffic.py
"""

import hwsim


def main() -> None:
    print(f"{'accelerator':<17} {'workload':<17} {'mapping':<9} {'dram/compulsory':>15} {'latency_ms':>11} "
          f"{'energy_mJ':>10} {'stall_%':>7}")
    for accel_name in ("scalesim-default", "eyeriss-like", "tpu-v1-like"):
        for work_name in ("resnet50", "bert_base_seq512", "llama2_7b_decode"):
            for mapping in ("scalesim", "auto"):
                accel = hwsim.load_accelerator(accel_name, [f"mapping={mapping}"])
                s = hwsim.simulate(accel, hwsim.load_workload(work_name)).summary()
                print(f"{accel_name:<17} {work_name:<17} {mapping:<9} "
                      f"{s['dram_bits'] / s['compulsory_dram_bits']:>15.2f} {s['latency_s'] * 1e3:>11.3f} "
                      f"{s['energy_pj'] / 1e9:>10.3f} {100 * s['stall_cycles'] / s['total_cycles']:>7.0f}")


if __name__ == "__main__":
    main()
