"""Reproduce BitMoD's simulator (HPCA 2025, arXiv 2411.11745; bitmod_sim @e445a5f) with hwsim.

    python studies/bitmod/reproduce.py CONFIG.json [--design NAME=WEIGHT_BITS ...]
                                       [--format csv|table] [--out DIR]

CONFIG.json is a Hugging Face config.json (e.g. workloads/llm/llama-2-7b.json). Prints one row per
(design, task), columns ``design, task, compute_cycles, total_cycles, energy_pj,
energy_compute_pj, energy_sram_pj, energy_dram_pj``: hwsim with the presets
accelerators/{fp16,ant,olive,bitmod-lossless,bitmod-lossy}-{prefill,decode}.yaml and BitMoD's
memory model (``mapping: bitmod``).

BitMoD's workload: every nn.Linear (q, k, v, o, gate, up, down, lm_head) plus QK^T and PV per
layer, per KV head with the query heads of a group stacked along M; batch 1; prefill of 256
tokens (logits for all 256), decode of one token attending to 256 keys; no softmax/norm. Built
with hwsim's config.json frontend (hwsim.load_workload), adjusted to BitMoD's conventions:
prefill's lm_head over all tokens; decode's kv_len = 255 cached + the new token = 256 keys; K/V
projections written at the activation width (BitMoD writes every output at 16 bits).

Writes into --out (default ./hwsim-out/bitmod, outside the repo):
  results.csv     the contract rows plus hwsim's own mapper (mapping: auto) side by side
  layers.csv      per layer and design/task: compute, DRAM and layer cycles, refetch factors
  ratios.csv      speedup and energy vs FP16, BitMoD vs ANT / OliVe, with the paper's 1.69x/1.48x
  bitmod.html     plotly figure (plotly.js inlined: opens offline)
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

# run as a script from a checkout (hwsim not installed) or loaded by the tests
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import hwsim  # noqa: E402
from hwsim import Gemm, Workload, load_accelerator  # noqa: E402
from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim.studies import Outputs, run_study, study_parser  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "bitmod"
DESIGNS = ("fp16", "ant", "olive", "bitmod_lossless", "bitmod_lossy")
TASKS = ("prefill", "decode")
BITMOD_TASK = {"prefill": "disc", "decode": "gen"}
PRESET = {"fp16": "fp16", "ant": "ant", "olive": "olive", "bitmod_lossless": "bitmod-lossless",
          "bitmod_lossy": "bitmod-lossy"}
CONTEXT = 256  # designs.json common.context_tokens
COLUMNS = ("design", "task", "compute_cycles", "total_cycles", "energy_pj", "energy_compute_pj",
           "energy_sram_pj", "energy_dram_pj")
# BitMoD paper (HPCA 2025, abstract): average speedup of BitMoD over ANT and OliVe
PAPER_SPEEDUP = {"ant": 1.69, "olive": 1.48}


def designs_json() -> dict:
    return json.loads((REFERENCE / "designs.json").read_text())


def default_bits() -> dict[tuple[str, str], float]:
    """Llama-2-7B's average weight bits per design and task (designs.json weight_bits_llama2_7b)."""
    d = designs_json()["designs"]
    return {(name, task): float(d[f"{name}/{BITMOD_TASK[task]}"]["weight_bits_llama2_7b"])
            for name in DESIGNS for task in TASKS}


def parse_design_args(values: list[str]) -> dict[str, float]:
    """``NAME=BITS`` pairs; raises HwsimInputError with a one-line message."""
    out = {}
    for item in values or ():
        name, sep, bits = item.partition("=")
        name = name.strip()
        if not sep or name not in DESIGNS:
            raise HwsimInputError(f"--design {item!r}: expected NAME=WEIGHT_BITS with NAME one of {', '.join(DESIGNS)}")
        try:
            value = float(bits)
        except ValueError:
            raise HwsimInputError(f"--design {item!r}: weight bits must be a number, e.g. {name}=4.0625") from None
        if not (math.isfinite(value) and 1 <= value <= 16):
            raise HwsimInputError(f"--design {item!r}: weight bits must be between 1 and 16")
        out[name] = value
    return out


# -- the workload --------------------------------------------------------------------------------
def bitmod_workload(config: str | Path, task: str, context: int = CONTEXT) -> Workload:
    if task == "prefill":
        work = hwsim.load_workload(str(config), phase="prefill", seq_len=context, batch=1, gemm_only=True)
    else:
        # BitMoD's decode attends to `context` keys: context - 1 cached plus the new token
        work = hwsim.load_workload(str(config), phase="decode", kv_len=context - 1, batch=1, gemm_only=True)
    layers = []
    for layer in work.layers:
        op = layer.op
        if task == "prefill" and layer.name.endswith("lm_head") and isinstance(op, Gemm):
            op = dataclasses.replace(op, m=context)   # BitMoD: logits for every prompt token
        layers.append(dataclasses.replace(layer, op=op, writes_kv=False))
    return Workload(f"{work.name} (BitMoD {task})", tuple(layers), work.source)


# -- SRAM ports and CACTI costs --------------------------------------------------------------------
def _cacti_points() -> pd.DataFrame:
    """(rw_bw, r_cost, w_cost_min) of every 512 KiB CACTI macro recorded in designs.json."""
    rows = {}
    for design in designs_json()["designs"].values():
        for key in ("weight_sram_cacti", "input_sram_cacti"):
            c = design[key]
            rows[c["rw_bw"]] = (c["r_cost_pJ"], c["w_cost_min_pJ"])
    return pd.DataFrame([(bw, r, w) for bw, (r, w) in sorted(rows.items())], columns=["rw_bw", "r", "w"])


def cacti_cost(rw_bw: float) -> tuple[float, float]:
    """CACTI read and minimum-write cost for a port of rw_bw bits: exact where designs.json has the
    macro, else log-log interpolation between its neighbours (an estimate, marked in the docs)."""
    pts = _cacti_points()
    hit = pts[pts.rw_bw == rw_bw]
    if len(hit):
        return float(hit.r.iloc[0]), float(hit.w.iloc[0])
    x = np.log(pts.rw_bw.to_numpy())
    r = np.interp(np.log(rw_bw), x, np.log(pts.r.to_numpy()))
    w = np.interp(np.log(rw_bw), x, np.log(pts.w.to_numpy()))
    return float(np.exp(r)), float(np.exp(w))


def weight_port_bits(accel, bits: float) -> int:
    """BitMoD's weight SRAM port (accelerator.py _init_mem): dp x ceil(w/4)*4 x rows, halved for
    its bit-serial PE."""
    pe, rows = accel.spec.compute.pe, accel.spec.compute.rows
    width = pe.dot_product_width * math.ceil(bits / 4) * 4 * rows
    return int(width / 2) if pe.bits_per_cycle < 16 else int(width)


def accelerator_for(design: str, task: str, bits: float, mapping: str = "bitmod"):
    name = f"{PRESET[design]}-{task}"
    base = load_accelerator(name)
    overrides = [f"default_precision.weights={bits:g}", f"mapping={mapping}"]
    port = weight_port_bits(base, bits)
    if port != base.spec.buffers.filter.port_width_bits:
        r, w = cacti_cost(port)
        overrides += [f"buffers.filter.port_width_bits={port}", f"buffers.filter.read_pj_per_access={r}",
                      f"buffers.filter.write_pj_per_access={w}"]
    return load_accelerator(name, overrides)


# -- running -------------------------------------------------------------------------------------
def evaluate(config, design: str, task: str, bits: float, mapping: str = "bitmod", context: int = CONTEXT):
    """(summary dict, per-layer DataFrame) for one design and task."""
    accel = accelerator_for(design, task, bits, mapping)
    result = hwsim.simulate(accel, bitmod_workload(config, task, context))
    t = result.layers

    def total(column: str) -> float:
        return float(t[column].to_numpy(np.float64).sum())

    summary = {"design": design, "task": task, "weight_bits": bits, "mapping": mapping,
               **{k: total(k) for k in ("total_cycles", "compute_cycles", "stall_cycles", "latency_s",
                                        "energy_compute_pj", "energy_sram_pj", "energy_dram_pj",
                                        "energy_leakage_pj", "energy_pj")},
               "area_mm2": result.area_mm2}
    summary["energy_with_leakage_pj"] = summary["energy_pj"]
    summary["energy_pj"] = summary["energy_compute_pj"] + summary["energy_sram_pj"] + summary["energy_dram_pj"]
    count = t["count"].to_numpy()
    layers = pd.DataFrame({
        "design": design, "task": task, "mapping": mapping, "layer": t["layer"].to_list(),
        "count": count, "instances": t["instances"].to_numpy(), "m": t["m"].to_numpy(), "k": t["k"].to_numpy(),
        "n": t["n"].to_numpy(),
        "compute_cycles": t["compute_cycles"].to_numpy(np.float64) / count,      # per layer (one of `count`)
        "total_cycles": t["total_cycles"].to_numpy(np.float64) / count,
        "energy_pj": t["energy_pj"].to_numpy() / count,
    })
    if mapping == "bitmod":
        layers["dram_cycles"] = t["bitmod_dram_cycles"].to_numpy()
        layers["refetch_w"] = t["bitmod_refetch_b"].to_numpy()
        layers["refetch_i"] = t["bitmod_refetch_a"].to_numpy()
    return summary, layers


def run_all(config, bits: dict[str, float] | None = None, mappings=("bitmod",), context: int = CONTEXT):
    defaults = default_bits()
    rows, layer_frames = [], []
    for design in DESIGNS:
        for task in TASKS:
            b = (bits or {}).get(design, defaults[(design, task)])
            for mapping in mappings:
                summary, layers = evaluate(config, design, task, b, mapping, context)
                rows.append(summary)
                layer_frames.append(layers)
    return pd.DataFrame(rows), pd.concat(layer_frames, ignore_index=True)


def contract_rows(results: pd.DataFrame) -> pd.DataFrame:
    """The contract table. energy_pj = compute + SRAM + DRAM, BitMoD's definition of its total;
    hwsim's leakage estimate (BitMoD models none) is in results.csv (energy_leakage_pj,
    energy_with_leakage_pj)."""
    out = results[results.mapping == "bitmod"][list(COLUMNS)].reset_index(drop=True)
    out["compute_cycles"] = out["compute_cycles"].round().astype(np.int64)
    out["total_cycles"] = out["total_cycles"].round().astype(np.int64)
    return out


def ratios(results: pd.DataFrame) -> pd.DataFrame:
    """Speedup and energy saving against FP16, and BitMoD's speedup over ANT and OliVe."""
    rows = []
    for mapping, part in results.groupby("mapping", sort=False):
        for task in TASKS:
            t = part[part.task == task].set_index("design")
            for design in DESIGNS:
                rows.append({"mapping": mapping, "task": task, "design": design,
                             "speedup_vs_fp16": t.total_cycles["fp16"] / t.total_cycles[design],
                             "energy_saving_vs_fp16": t.energy_pj["fp16"] / t.energy_pj[design]})
        for ours in ("bitmod_lossless", "bitmod_lossy"):
            for base, paper in PAPER_SPEEDUP.items():
                per_task = [part[(part.task == task) & (part.design == base)].total_cycles.iloc[0]
                            / part[(part.task == task) & (part.design == ours)].total_cycles.iloc[0]
                            for task in TASKS]
                rows.append({"mapping": mapping, "task": "geomean", "design": f"{ours}_vs_{base}",
                             "speedup": float(np.sqrt(per_task[0] * per_task[1])),
                             "speedup_prefill": per_task[0], "speedup_decode": per_task[1],
                             "paper_speedup": paper})
    return pd.DataFrame(rows)


def figure(results: pd.DataFrame, ratio_table: pd.DataFrame):
    from hwsim.plots import BarPanel, bar_grid_with_ratios

    r = ratio_table[ratio_table.task != "geomean"].copy()
    r["label"] = r.task + " / " + r.mapping
    panels = [BarPanel("speedup vs FP16", r, "speedup_vs_fp16", "label", "design",
                       y_title="speed-up over FP16 (×)", x_title="task / mapping"),
              BarPanel("energy saving vs FP16", r, "energy_saving_vs_fp16", "label", "design",
                       y_title="energy saving over FP16 (×)", x_title="task / mapping")]
    g = ratio_table[(ratio_table.task == "geomean") & (ratio_table.mapping == "bitmod")]
    published = pd.DataFrame({"ratio": g.design, "hwsim": g.speedup, "published_low": g.paper_speedup,
                              "published_high": g.paper_speedup})
    return bar_grid_with_ratios(panels, published, "BitMoD reproduction (hwsim; paper: 1.69x over ANT, "
                                                   "1.48x over OliVe)", cols=3)


def compute(args) -> Outputs:
    bits = parse_design_args(args.design)
    results, layers = run_all(args.config, bits, ("bitmod",) if args.no_files else ("bitmod", "auto"))
    rows = contract_rows(results)
    report = rows.to_csv(index=False) if args.format == "csv" else rows.to_string(index=False)
    if args.no_files:
        return Outputs({}, report=report)
    table = ratios(results)
    # full precision: results.csv and layers.csv are compared with BitMoD's own output digit for digit
    return Outputs({"results.csv": results, "layers.csv": layers, "ratios.csv": table},
                   {"bitmod.html": lambda: figure(results, table)}, report,
                   float_formats=dict.fromkeys(("results.csv", "layers.csv", "ratios.csv")))


def main(argv=None) -> int:
    defaults = default_bits()
    shown = ", ".join(f"{d}={defaults[(d, 'prefill')]:g}/{defaults[(d, 'decode')]:g}" for d in DESIGNS)
    parser = study_parser("bitmod", __doc__)
    parser.add_argument("config", help="Hugging Face config.json of the model")
    parser.add_argument("--design", action="append", default=[], metavar="NAME=WEIGHT_BITS",
                        help="a design's average weight bits (scale bits included), for both tasks; "
                             f"defaults are Llama-2-7B's from designs.json (prefill/decode): {shown}")
    parser.add_argument("--format", choices=("csv", "table"), default="table")
    parser.add_argument("--no-files", action="store_true", help="print the rows only")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    sys.exit(main())
