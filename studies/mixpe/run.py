"""MixPE (shift-add, dequantise once per group) against equal-area MAC baselines, and MixPE's own setup.

    python studies/mixpe/run.py [--out hwsim-out/mixpe] [--quick]

Designs: the equal-area presets of docs/models/shiftadd-pe.md — mixpe-w4a8 (shift-add PE, INT4
weights with a scale per 128, INT8 activations), mixpe-w4a16 (the same with FP16 activations),
baseline-w8a8 (INT8 MAC), baseline-fp16 (FP16 MAC), baseline-w4a16-dequant (FP16 MAC with an
INT4 -> FP16 converter per weight at the array edge). All at 28 nm, 1 GHz, OS, 512/512/256 KiB
buffers, 32 GB/s DRAM; the PE array of each fills the budget of a 64 x 64 INT8 MAC array
(1.5223 mm2; shapes from studies/mixpe/size_arrays.py, checked here against
accel.area_breakdown_mm2["pe_array"]).

Setups:
  iso-area     every design as its preset (equal PE-array area)
  mixpe-4x     MixPE's own simulator's setup (/work/shared/background.md): the MixPE array has 4x
               the PEs of the iso-area one (rows x 2, cols x 2), the baselines unchanged

Workloads (configs in workloads/llm/): OPT-6.7B and Llama-2-7B decode at batch 1 and 16 (KV
length 1024) and prefill of 512 tokens; ViT-B/16 one image (197 tokens, its prefill). WEIGHT
GEMMS ONLY (projections, FFN, LM head / patch embedding): attention matmuls (activation x
KV cache) and vector ops are left out for every design alike — a shift-add PE multiplies by
integer weights only; the presets' KV-format assumption (mixpe: int4@g128) is not exercised.

Ratios: speedup = baseline latency / MixPE latency (compute_speedup: the same over compute cycles,
DRAM stalls left out); energy ratio = baseline energy / MixPE
energy (>1: MixPE better), beside the paper's 2.6x and 1.4x (Zhang et al., arXiv 2411.16158,
abstract: "2.6x speedup and 1.4x energy reduction compared to state-of-the-art quantization
accelerators").

Writes, into --out (default ./hwsim-out/mixpe, outside the repo):
  designs.csv   per design and setup: PE, shape, PE area, PE-array area vs the budget, peak
                MACs/cycle, TOPS/mm2, energy per MAC and per group
  runs.csv      per model, scenario, design, setup: latency, energy (breakdown), per token, TOPS/W
  ratios.csv    per model, scenario, pair, setup: speedup and energy ratio, the paper's claims
  mixpe.html    plotly figure, plotly.js inlined (opens offline); one colour per design
--quick: Llama-2-7B and ViT-B/16 only (for the test).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

# run as a script from a checkout (hwsim not installed) or loaded by the tests: the package and
# studies/study_common.py (shared with studies/lut_vs_mac) on the path
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import hwsim  # noqa: E402
from hwsim.studies import Outputs, run_study, study_parser  # noqa: E402

from study_common import Scenario, add_metrics, macs, weight_gemms  # noqa: E402

DESIGNS = ("mixpe-w4a8", "mixpe-w4a16", "baseline-w8a8", "baseline-fp16", "baseline-w4a16-dequant")
MIXPE = ("mixpe-w4a8", "mixpe-w4a16")
BUDGET_PRESET = "baseline-w8a8"   # the 64 x 64 INT8 MAC array whose PE array is the budget
# (MixPE design, baseline): like for like first, then across activation widths
PAIRS = (("mixpe-w4a8", "baseline-w8a8"), ("mixpe-w4a16", "baseline-fp16"),
         ("mixpe-w4a16", "baseline-w4a16-dequant"), ("mixpe-w4a8", "baseline-fp16"),
         ("mixpe-w4a8", "baseline-w4a16-dequant"))
SETUPS = ("iso-area", "mixpe-4x")
PAPER = {"speedup": 2.6, "energy_ratio": 1.4}
KV_LEN = 1024
LLM_SCENARIOS = (Scenario("decode b1", "decode", 1, kv_len=KV_LEN),
                 Scenario("decode b16", "decode", 16, kv_len=KV_LEN),
                 Scenario("prefill 512", "prefill", 1, seq_len=512))
MODELS = {"OPT-6.7B": ("workloads/llm/opt-6.7b.json", LLM_SCENARIOS),
          "Llama-2-7B": ("workloads/llm/llama-2-7b.json", LLM_SCENARIOS),
          "ViT-B/16": ("workloads/llm/vit-b-16.json", (Scenario("prefill 197", "prefill", 1, seq_len=197),))}
QUICK_MODELS = ("Llama-2-7B", "ViT-B/16")

DESIGN_COLUMNS = ("design", "setup", "pe", "weights", "activations", "rows", "cols", "pes", "pe_area_um2",
                  "budget_mm2", "pe_array_mm2", "pe_array_vs_budget", "converters_mm2", "area_mm2",
                  "peak_macs_per_cycle", "peak_tops", "tops_per_mm2", "energy_per_mac_pj", "energy_per_group_pj",
                  "group_size", "energy_convert_weights_pj")
RUN_COLUMNS = ("model", "scenario", "design", "setup", "tokens", "macs", "latency_s", "total_cycles", "stall_cycles",
               "energy_pj", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj",
               "latency_per_token_s", "energy_per_token_uj", "tops_per_w", "compute_tops_per_w", "utilization")
RATIO_COLUMNS = ("model", "scenario", "mixpe", "baseline", "setup", "speedup", "compute_speedup", "energy_ratio",
                 "compute_energy_ratio", "paper_speedup", "paper_energy_ratio")


def shape(accel, setup: str) -> tuple[int, int]:
    if setup == "mixpe-4x" and accel.name in MIXPE:
        return 2 * accel.rows, 2 * accel.cols
    return accel.rows, accel.cols


def designs() -> tuple[pd.DataFrame, dict]:
    budget = hwsim.load_accelerator(BUDGET_PRESET).area_breakdown_mm2["pe_array"]
    rows, accels = [], {}
    for name in DESIGNS:
        base = hwsim.load_accelerator(name)
        for setup in SETUPS:
            if setup != "iso-area" and name not in MIXPE:
                continue
            r, c = shape(base, setup)
            accel = base if (r, c) == (base.rows, base.cols) else hwsim.load_accelerator(
                name, [f"compute.rows={r}", f"compute.cols={c}"])
            accels[(name, setup)] = accel
            record = accel.pe.record(accel.default_precision, accel.tech)
            area = accel.area_breakdown_mm2
            rows.append({"design": name, "setup": setup, "pe": accel.pe.name,
                         "weights": accel.default_precision.weights.name,
                         "activations": accel.default_precision.activations.name, "rows": accel.rows,
                         "cols": accel.cols, "pes": accel.num_pes, "pe_area_um2": accel.pe.area_um2(accel.tech).value,
                         "budget_mm2": budget, "pe_array_mm2": area["pe_array"],
                         "pe_array_vs_budget": area["pe_array"] / budget, "converters_mm2": area.get("converters", 0.0),
                         "area_mm2": accel.area_mm2, "peak_macs_per_cycle": accel.peak_macs_per_cycle,
                         "peak_tops": accel.peak_tops, "tops_per_mm2": accel.peak_tops / area["pe_array"],
                         "energy_per_mac_pj": record.energy_per_mac_pj,
                         "energy_per_group_pj": record.energy_per_group_pj, "group_size": record.group_size,
                         "energy_convert_weights_pj": record.energy_convert_weights_pj})
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS)), accels


def runs(design_table: pd.DataFrame, models) -> pd.DataFrame:
    frames = []
    for model in models:
        config, scenarios = MODELS[model]
        for scenario in scenarios:
            work = weight_gemms(config, scenario)
            n_macs = macs(work)
            for name in DESIGNS:
                part = design_table[design_table.design == name]
                # one evaluate per preset: its setups are points (compute.rows, compute.cols)
                points = pd.DataFrame({"compute.rows": part.rows.to_numpy(), "compute.cols": part.cols.to_numpy()})
                out = hwsim.evaluate(name, work, points)
                frame = pd.DataFrame({"model": model, "scenario": scenario.name, "design": name,
                                      "setup": part.setup.to_numpy(), "peak_macs_per_cycle":
                                      part.peak_macs_per_cycle.to_numpy()})
                for col in ("total_cycles", "stall_cycles", "latency_s", "energy_pj", "energy_compute_pj",
                            "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj"):
                    frame[col] = out[col].to_numpy()
                frame["macs"] = n_macs
                frame["tokens"] = scenario.tokens
                frames.append(frame)
    table = add_metrics(pd.concat(frames, ignore_index=True))
    return table[list(RUN_COLUMNS)]


def ratios(run_table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    idx = run_table.set_index(["model", "scenario", "design", "setup"])
    for (model, scenario), _ in run_table.groupby(["model", "scenario"], sort=False):
        for mixpe, baseline in PAIRS:
            base = idx.loc[(model, scenario, baseline, "iso-area")]
            for setup in SETUPS:
                mine = idx.loc[(model, scenario, mixpe, setup)]
                rows.append({"model": model, "scenario": scenario, "mixpe": mixpe, "baseline": baseline,
                             "setup": setup, "speedup": base.latency_s / mine.latency_s,
                             "compute_speedup": ((base.total_cycles - base.stall_cycles)
                                                 / (mine.total_cycles - mine.stall_cycles)),
                             "energy_ratio": base.energy_pj / mine.energy_pj,
                             "compute_energy_ratio": base.energy_compute_pj / mine.energy_compute_pj,
                             "paper_speedup": PAPER["speedup"], "paper_energy_ratio": PAPER["energy_ratio"]})
    return pd.DataFrame(rows, columns=list(RATIO_COLUMNS))


def figure(run_table: pd.DataFrame, ratio_table: pd.DataFrame):
    """hwsim.plots' panel grid, one panel per row: per-token latency and energy per design
    (iso-area), then the speed-up and energy ratio per (MixPE, baseline, setup) pair against the
    paper's claims; one colour per design and per pair (15 categories, none repeated)."""
    from hwsim.plots import Panel, bar_grid_with_ratios

    iso = run_table[run_table.setup == "iso-area"].assign(case=lambda t: t.model + " " + t.scenario)
    ratios = ratio_table.assign(pair=ratio_table.mixpe + " vs " + ratio_table.baseline + " (" + ratio_table.setup + ")",
                                case=ratio_table.model + " " + ratio_table.scenario)
    panels = [
        Panel("latency per token, iso-area (log)", iso, "latency_per_token_s", "case", "design", 1e3,
              "latency per token (ms)", log_y=True, x_title="model and scenario"),
        Panel("energy per token, iso-area (log)", iso, "energy_per_token_uj", "case", "design", 1e-3,
              "energy per token (mJ)", log_y=True, x_title="model and scenario"),
        Panel(f"speed-up over the baseline (paper: {PAPER['speedup']}x)", ratios, "speedup", "case", "pair",
              y_title="speed-up (×)", x_title="model and scenario", reference=PAPER["speedup"],
              reference_label=f"paper {PAPER['speedup']}x speed-up"),
        Panel(f"energy ratio, baseline / MixPE (paper: {PAPER['energy_ratio']}x)", ratios, "energy_ratio", "case",
              "pair", y_title="energy ratio (×)", x_title="model and scenario", reference=PAPER["energy_ratio"],
              reference_label=f"paper {PAPER['energy_ratio']}x energy"),
    ]
    return bar_grid_with_ratios(panels, None, "MixPE (shift-add) vs equal-area MAC baselines (hwsim, 28 nm, "
                                "weight GEMMs)", cols=1)


def compute(args) -> Outputs:
    models = QUICK_MODELS if args.quick else tuple(MODELS)
    design_table, _ = designs()
    run_table = runs(design_table, models)
    ratio_table = ratios(run_table)
    fmt = {"float_format": lambda v: f"{v:.4g}", "index": False}
    report = "\n".join([
        design_table[["design", "setup", "rows", "cols", "pe_area_um2", "pe_array_mm2", "pe_array_vs_budget",
                      "tops_per_mm2", "energy_per_mac_pj"]].to_string(**fmt),
        "", ratio_table.drop(columns=["paper_speedup", "paper_energy_ratio"]).to_string(**fmt),
        "", f"paper: {PAPER['speedup']}x speedup, {PAPER['energy_ratio']}x energy"])
    return Outputs({"designs.csv": design_table, "runs.csv": run_table, "ratios.csv": ratio_table},
                   {"mixpe.html": lambda: figure(run_table, ratio_table)}, report)


def main(argv: list[str] | None = None) -> int:
    parser = study_parser("mixpe", __doc__)
    parser.add_argument("--quick", action="store_true", help=f"models {', '.join(QUICK_MODELS)} only")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    raise SystemExit(main())
