"""hwsim's DRAM traffic per layer against ZigZag's best mappings on the same architecture.

Reads benchmarks/data/zigzag_best_mappings.csv (written by benchmarks/run_zigzag_reference.py,
which runs ZigZag in its own venv), simulates the same layers on the same array, dataflow and
buffers with hwsim (scalesim-default with overrides, no double buffering, `mapping=auto` when
the spec has a `mapping` key), and prints per layer hwsim DRAM bits / ZigZag DRAM bits, the
geomean and the worst ratio, per configuration and overall.

    python benchmarks/bench_mapper_vs_zigzag.py                       # ZigZag's min-energy mappings
    python benchmarks/bench_mapper_vs_zigzag.py --objective dram_bits # ZigZag's min-DRAM mappings
    python benchmarks/bench_mapper_vs_zigzag.py --config 32x32_ws_64 --detail

Units: hwsim counts 8-bit words and partial sums at the accumulator width (int32); its DRAM bits
are `dram_reads_bits + dram_writes_bits` of the layer's row. ZigZag's column dram_total_bits
charges every output write at 32 bits once any partial sum reaches DRAM (its own precision rule);
`--zigzag-column dram_total_bits_final_int8` compares against final outputs at 8 bits and
partial sums at 32 instead (the rule hwsim uses).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

import hwsim
from hwsim.arch.spec import AcceleratorSpec

HERE = Path(__file__).resolve().parent
CSV = HERE / "data" / "zigzag_best_mappings.csv"


def read_reference(path: Path) -> tuple[str, list[dict[str, str]]]:
    with open(path) as fh:
        lines = fh.readlines()
    comment = "".join(line for line in lines if line.startswith("#"))
    rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    return comment, rows


def op_of(row: dict[str, str]):
    if row["in_h"]:
        return hwsim.Conv2d(in_h=int(row["in_h"]), in_w=int(row["in_w"]), in_c=int(row["in_c"]),
                            out_c=int(row["out_c"]), kernel_h=int(row["kernel_h"]), kernel_w=int(row["kernel_w"]),
                            stride=int(row["stride"]), padding=int(row["padding"]))
    return hwsim.Gemm(int(row["m"]), int(row["k"]), int(row["n"]))


def config_key(row: dict[str, str]) -> tuple:
    return (row["array"], row["dataflow"], row["ifmap_kib"], row["filter_kib"], row["ofmap_kib"])


def overrides_for(key: tuple, use_auto: bool) -> list[str]:
    array, dataflow, ifmap, filt, ofmap = key
    rows, cols = array.split("x")
    ov = [f"compute.rows={rows}", f"compute.cols={cols}", f"compute.dataflow={dataflow}",
          f"buffers.ifmap.size_kib={ifmap}", f"buffers.filter.size_kib={filt}", f"buffers.ofmap.size_kib={ofmap}",
          "buffers.double_buffered=false"]
    if use_auto:
        ov.append("mapping=auto")
    return ov


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv", type=Path, default=CSV)
    ap.add_argument("--objective", default="energy", choices=["energy", "latency", "dram_bits"],
                    help="which of ZigZag's best mappings to compare against (default: energy)")
    ap.add_argument("--zigzag-column", default="dram_total_bits",
                    choices=["dram_total_bits", "dram_total_bits_final_int8"])
    ap.add_argument("--config", default="", help="only this config, e.g. 32x32_ws_64 (array_dataflow_ifmapKiB)")
    ap.add_argument("--detail", action="store_true", help="per operand bits of both tools per layer")
    args = ap.parse_args()

    if not args.csv.exists():
        print(f"{args.csv} missing: run /tmp/zzvenv/bin/python benchmarks/run_zigzag_reference.py", file=sys.stderr)
        return 2
    comment, rows = read_reference(args.csv)
    rows = [r for r in rows if r["zigzag_objective"] == args.objective]
    if args.config:
        rows = [r for r in rows if f"{r['array']}_{r['dataflow']}_{r['ifmap_kib']}" == args.config]
    use_auto = "mapping" in AcceleratorSpec.model_fields
    print(comment.strip().splitlines()[0][:200] + " ...")
    print(f"hwsim mapping: {'auto (mapping=auto override)' if use_auto else 'fixed (no mapping key in the spec: SCALE-Sim fold order)'}; "
          f"ZigZag objective: {args.objective}; ZigZag column: {args.zigzag_column}")

    by_config: dict[tuple, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_config[config_key(r)].append(r)

    all_ratios: list[float] = []
    all_vs_comp: list[float] = []
    worst_overall = (0.0, "")
    summary = []
    for key, crows in by_config.items():
        accel = hwsim.load_accelerator("scalesim-default", overrides=overrides_for(key, use_auto))
        layers = tuple(hwsim.Layer(f"{r['workload']}/{r['layer']}", op_of(r)) for r in crows)
        result = hwsim.simulate(accel, hwsim.Workload("zigzag_reference", layers))
        table = result.layers.set_index("layer")
        mapping_used = (accel.spec.mapping if use_auto and hasattr(accel.spec, "mapping") else "fixed")
        label = f"{key[0]} {key[1]} ifmap/filter/ofmap {key[2]}/{key[3]}/{key[4]} KiB"
        print(f"\n== {label} (hwsim mapping: {mapping_used}) ==")
        head = f"{'layer':32s} {'hwsim MB':>10s} {'ZigZag MB':>10s} {'compuls MB':>10s} {'hw/zz':>7s} {'zz/comp':>7s}"
        if "loop_order" in table.columns:
            head += "  hwsim loop order | ZigZag loop order (innermost first)"
        print(head)
        ratios = []
        for r in crows:
            name = f"{r['workload']}/{r['layer']}"
            lay = table.loc[name]
            hw_bits = float(lay["dram_reads_bits"] + lay["dram_writes_bits"])
            zz_bits = float(r[args.zigzag_column])
            comp = float(r["compulsory_bits"])
            ratio = hw_bits / zz_bits
            ratios.append(ratio)
            all_vs_comp.append(zz_bits / comp)
            if ratio > worst_overall[0]:
                worst_overall = (ratio, f"{name} on {label}")
            line = (f"{name:32s} {hw_bits / 8e6:10.3f} {zz_bits / 8e6:10.3f} {comp / 8e6:10.3f} "
                    f"{ratio:7.3f} {zz_bits / comp:7.3f}")
            if "loop_order" in table.columns:
                line += f"  {lay['loop_order']} | {r['zigzag_loop_order']}"
            print(line)
            if args.detail:
                hw = {c: float(lay[c]) for c in ("dram_filter_reads_bits", "dram_ifmap_reads_bits",
                                                  "dram_ofmap_writes_bits", "dram_psum_reads_bits") if c in lay.index}
                print(f"{'':32s}   hwsim  W {hw.get('dram_filter_reads_bits', float('nan')) / 8e6:.3f} "
                      f"I {hw.get('dram_ifmap_reads_bits', float('nan')) / 8e6:.3f} "
                      f"Ow {hw.get('dram_ofmap_writes_bits', float('nan')) / 8e6:.3f} "
                      f"Or {hw.get('dram_psum_reads_bits', float('nan')) / 8e6:.3f} MB")
                print(f"{'':32s}   ZigZag W {float(r['dram_weight_read_bits']) / 8e6:.3f} "
                      f"I {float(r['dram_input_read_bits']) / 8e6:.3f} "
                      f"Ow {float(r['dram_output_write_bits']) / 8e6:.3f} "
                      f"Or {float(r['dram_output_read_bits']) / 8e6:.3f} MB")
        gm, worst = geomean(ratios), max(ratios)
        all_ratios += ratios
        summary.append((label, len(ratios), gm, worst, min(ratios)))
        print(f"geomean hwsim/ZigZag {gm:.3f}, worst {worst:.3f}, best {min(ratios):.3f} over {len(ratios)} layers")

    print("\n== summary: hwsim DRAM bits / ZigZag DRAM bits ==")
    for label, n, gm, worst, best in summary:
        print(f"{label:44s} {n:3d} layers  geomean {gm:6.3f}  worst {worst:6.3f}  best {best:6.3f}")
    print(f"{'all':44s} {len(all_ratios):3d} layers  geomean {geomean(all_ratios):6.3f}  "
          f"worst {max(all_ratios):6.3f} ({worst_overall[1]})")
    print(f"(ZigZag's own DRAM bits / compulsory: geomean {geomean(all_vs_comp):.3f}, worst {max(all_vs_comp):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
