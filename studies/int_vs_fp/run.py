"""INT vs FP vs block formats: PE costs and whole-network runs at 45, 28 and 7 nm.

    python studies/int_vs_fp/run.py [--out hwsim-out/int_vs_fp] [--nodes 45 28 7]

Writes, into --out (default ./hwsim-out/int_vs_fp, outside the repo):
  pe_costs.csv     energy/MAC, area/PE, leakage, TOPS/mm^2 and TOPS/W per format and node
  workloads.csv    the same array running ResNet-50 and one Llama-2-7B decode step per format:
                   latency, energy (with breakdown), area
  ratios.csv       hwsim's ratios next to the published ones (Horowitz; van Baalen et al.; INT v.s. FP)
  int_vs_fp.html   interactive plotly figure of all three (needs the `plots` extra); self-contained,
                   plotly.js inlined (about 4.5 MB), so it opens offline; one colour per node in
                   every panel

The array: SCALE-Sim's default 32x32 weight-stationary array with 64 KiB buffers, at 1 GHz,
256 DRAM bits per cycle (32 GB/s, an LPDDR5-class edge part; assumption) and 20.3 pJ/bit
(Horowitz ISSCC 2014); the PE is rebuilt for each format. TOPS/mm^2 and TOPS/W count 2 ops per
MAC at the study clock of 1 GHz (pipelined PEs: the clock is a design choice, not derived from
the unpipelined critical path).
"""

from __future__ import annotations

import pandas as pd

import hwsim
from hwsim.costs import mac_pe_cost, published_ratios
from hwsim.studies import Outputs, run_study, study_parser

CLOCK_MHZ = 1000.0
DRAM_GB_S = 32.0  # 256 bits per cycle at the study clock of 1 GHz
# (label, weights, activations, accumulator)
FORMATS = (
    ("INT2", "int2", "int2", "int32"), ("INT4", "int4", "int4", "int32"), ("INT8", "int8", "int8", "int32"),
    ("INT16", "int16", "int16", "int32"),
    ("FP4", "fp4_e2m1", "fp4_e2m1", "fp32"), ("FP6", "fp6_e2m3", "fp6_e2m3", "fp32"),
    ("FP8", "fp8_e4m3", "fp8_e4m3", "fp32"), ("FP16", "fp16", "fp16", "fp32"), ("BF16", "bf16", "bf16", "fp32"),
    ("MXINT8", "mxint8", "mxint8", "fp32"), ("MXFP8", "mxfp8", "mxfp8", "fp32"), ("MXFP6", "mxfp6", "mxfp6", "fp32"),
    ("MXFP4", "mxfp4", "mxfp4", "fp32"), ("NVFP4", "nvfp4", "nvfp4", "fp32"),
    ("INT4xFP16", "int4", "fp16", "fp32"),
)
WORKLOADS = ("resnet50", "llama2_7b_decode")
DEFAULT_NODES = (45, 28, 7)


def pe_costs(nodes) -> pd.DataFrame:
    rows = []
    for node in nodes:
        tech = hwsim.tech_point(node)
        for label, w, a, acc in FORMATS:
            cost = mac_pe_cost(w, a, acc, tech)
            energy, area, leakage = cost.energy_per_mac_pj, cost.area_um2, cost.leakage_uw
            ops_per_s = 2 * CLOCK_MHZ * 1e6
            watts = energy * 1e-12 * CLOCK_MHZ * 1e6 + leakage * 1e-6
            rows.append({"node_nm": node, "format": label, "weight_format": w, "activation_format": a,
                         "accumulator_format": acc, "energy_per_mac_pj": energy, "area_um2": area,
                         "leakage_uw": leakage, "tops_per_mm2": ops_per_s / 1e12 / (area / 1e6),
                         "tops_per_w": ops_per_s / 1e12 / watts})
    return pd.DataFrame(rows)


def _accelerator(node: float, w: str, a: str, acc: str):
    # attention multiplies activations by the KV cache (kept in the activation format), so a
    # mixed PE also runs activation x activation
    weights = w if w == a else f"{w}, {a}"
    return hwsim.load_accelerator("scalesim-default", [
        f"tech_node_nm={node}", f"clock_mhz={CLOCK_MHZ:g}", f"dram.bandwidth_gb_s={DRAM_GB_S:g}",
        f"compute.pe.weights=[{weights}]", f"compute.pe.activations=[{a}]", f"compute.pe.accumulator={acc}",
        f"default_precision.weights={w}", f"default_precision.activations={a}", f"default_precision.outputs={a}",
        f"default_precision.kv={a}"])


def workload_runs(nodes) -> pd.DataFrame:
    rows = []
    works = {name: hwsim.load_workload(name) for name in WORKLOADS}
    for node in nodes:
        for label, w, a, acc in FORMATS:
            accel = _accelerator(node, w, a, acc)
            for name, work in works.items():
                summary = hwsim.simulate(accel, work).summary()
                row = {"node_nm": node, "format": label, "workload": name, "latency_s": summary["latency_s"],
                       "total_cycles": summary["total_cycles"], "stall_cycles": summary["stall_cycles"],
                       "energy_pj": summary["energy_pj"], "area_mm2": summary["area_mm2"]}
                row.update({f"energy_{k}_pj": v for k, v in summary["energy_breakdown_pj"].items()})
                rows.append(row)
    return pd.DataFrame(rows)


def figure(pe: pd.DataFrame, runs: pd.DataFrame, ratios: pd.DataFrame):
    """hwsim.plots.int_vs_fp: one panel per metric, one colour per node in every panel, energy and
    time in readable SI units, every y axis titled with its unit."""
    from hwsim.plots import int_vs_fp

    resnet = runs[runs.workload == "resnet50"]
    decode = runs[runs.workload == "llama2_7b_decode"]
    metrics = [
        ("energy_per_mac_pj", "energy per MAC", pe), ("area_um2", "area per PE", pe),
        ("tops_per_mm2", "TOPS/mm² at 1 GHz", pe), ("tops_per_w", "TOPS/W at 1 GHz", pe),
        ("energy_pj", "ResNet-50 energy", resnet), ("latency_s", "ResNet-50 latency", resnet),
        ("energy_pj", "Llama-2-7B decode step energy", decode), ("latency_s", "Llama-2-7B decode step latency", decode),
        ("area_mm2", "array area", resnet),
    ]
    nodes = "/".join(f"{n:g}" for n in sorted(set(pe["node_nm"]), reverse=True))
    return int_vs_fp(pe, metrics, format="format", group="node_nm", ratios=ratios, cols=3,
                     title=f"INT vs FP vs block formats (hwsim; {nodes} nm)")


def compute(args) -> Outputs:
    pe = pe_costs(args.nodes)
    runs = workload_runs(args.nodes)
    ratios = published_ratios()
    report = pe[pe.node_nm == args.nodes[-1]].to_string(index=False, float_format=lambda v: f"{v:.4g}")
    return Outputs({"pe_costs.csv": pe, "workloads.csv": runs, "ratios.csv": ratios},
                   {"int_vs_fp.html": lambda: figure(pe, runs, ratios)}, report)


def main(argv: list[str] | None = None) -> int:
    parser = study_parser("int_vs_fp", __doc__)
    parser.add_argument("--nodes", type=float, nargs="+", default=list(DEFAULT_NODES), help="technology nodes (nm)")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    raise SystemExit(main())
