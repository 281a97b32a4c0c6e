"""LUT vs MAC vs dequantise-then-MAC PEs at equal area, on Llama-2-7B's weight GEMMs.

    python studies/lut_vs_mac/run.py [--out hwsim-out/lut_vs_mac] [--quick]

Three ways to run a low-bit-weight GEMM (weights int1..int8; activations INT8 or FP16):
  lut      the LUT PE (hwsim/pe/lut.py; LUT Tensor Core's organisation): g = 4 activations per
           table, symmetric tables (8 entries), register tables in the activation format (INT8
           tables for INT8 activations, as T-MAC's quantised tables; FP16 for FP16), one weight
           bit-plane per cycle; the PE is built for exactly b-bit weights
  mac      a MAC PE with a b-bit x activation multiplier (hwsim/pe/mac.py), built for b-bit weights
  dequant  dequantise-then-MAC: FP16 activations: an FP16 x FP16 MAC array with an int<b> -> FP16
           converter per weight at the array edge (`conversions`; the converters' area is outside
           the PE budget, reported as converters_mm2); INT8 activations: an INT8 x INT8 MAC array
           running the b-bit weights sign-extended (dequantising an integer to INT8 is a sign
           extension; hwsim prices a narrower weight on a wider MAC PE at the narrow multiplier's
           energy, i.e. gated upper partial products), so it differs from `mac` in area only

EQUAL AREA: every design's PE array (accel.area_breakdown_mm2["pe_array"]) fills the budget of a
64 x 64 INT8 x INT8 MAC array (int32 accumulator) at the same node: 1.522 mm2 at 28 nm (4096 x
371.7 um2), 0.185 mm2 at 7 nm. Shape: 16 rows (the decode batch; an elongated tile, as LUT Tensor
Core's, so a table is shared by many columns) x cols = round(budget / (16 x PE area)). Platform
(the MixPE comparison set's: accelerators/baseline-w8a8.yaml): 1 GHz, OS dataflow, mapping auto,
512/512/256 KiB buffers, 32 GB/s DRAM at 20.3 pJ/bit, no control-area overhead; the node is 28
or 7 nm.

WORKLOAD: Llama-2-7B (workloads/llm/llama-2-7b.json), decode at batch 1 and 16 (KV length 1024)
and prefill of 512 tokens; WEIGHT GEMMS ONLY (q/k/v/o projections, FFN, LM head): attention
matmuls (activation x KV cache) cannot run on a LUT PE, which takes integer weights only, and
vector ops (norms, softmax, RoPE) are left out for every design alike. Latency and energy per
token are those of the weight GEMMs.

Writes, into --out (default ./hwsim-out/lut_vs_mac, outside the repo):
  designs.csv   one row per (node, activations, kind, weight bits): PE area, shape, PE-array area
                and the budget, peak MACs/cycle, compute density (TOPS/mm2 = 2 x peak MACs/s / PE
                array area), energy per MAC (and per table, per converted weight)
  runs.csv      designs.csv's keys x scenario: latency, energy (compute/SRAM/DRAM/leakage),
                TOPS/W (whole run and compute only), latency and energy per token, utilisation
  fit.csv       LUT energy per MAC vs weight bits: least-squares line per (node, activations)
  claims.csv    LUT Tensor Core's 1.44x (compute density, energy efficiency over prior LUT
                designs) beside hwsim's ratios for LUT-Tensor-Core-like vs prior-LUT variants
  lut_vs_mac.html  plotly figure, plotly.js inlined (opens offline); one colour per design kind
--quick: weight bits 1, 2, 4, 8 and both nodes (for the test; a second or two).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# run as a script from a checkout (hwsim not installed) or loaded by the tests: the package and
# studies/study_common.py (shared with studies/mixpe) on the path
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import hwsim  # noqa: E402
from hwsim.studies import Outputs, run_study, study_parser  # noqa: E402

from study_common import LLAMA, Scenario, add_metrics, macs, sized, weight_gemms  # noqa: E402

BASE = "baseline-w8a8"
NODES = (28, 7)
BITS = tuple(range(1, 9))
QUICK_BITS = (1, 2, 4, 8)
ACTIVATIONS = {"int8": {"accumulator": "int32", "table": "int8"},
               "fp16": {"accumulator": "fp32", "table": "fp16"}}
KINDS = ("lut", "mac", "dequant")
ROWS = 16
KV_LEN = 1024
SCENARIOS = (Scenario("decode b1", "decode", 1, kv_len=KV_LEN),
             Scenario("decode b16", "decode", 16, kv_len=KV_LEN),
             Scenario("prefill 512", "prefill", 1, seq_len=512))
# LUT Tensor Core (Mo et al., arXiv 2408.06003, ISCA 2025, abstract): "a 1.44x improvement in
# compute density and energy efficiency compared to previous state-of-the-art LUT-based accelerators"
PAPER_LUT_TC_RATIO = 1.44

DESIGN_COLUMNS = ("node_nm", "activations", "kind", "weight_bits", "weight_format", "pe", "pe_area_um2", "rows",
                  "cols", "pes", "budget_mm2", "pe_array_mm2", "pe_array_vs_budget", "converters_mm2", "area_mm2",
                  "k_per_step", "cycles_per_step", "peak_macs_per_cycle", "peak_tops", "tops_per_mm2",
                  "energy_per_mac_pj", "energy_per_table_pj", "table_entries", "energy_convert_weights_pj")
RUN_COLUMNS = ("node_nm", "activations", "kind", "weight_bits", "scenario", "tokens", "macs", "latency_s",
               "total_cycles", "stall_cycles", "energy_pj", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj",
               "energy_leakage_pj", "tops_per_w", "compute_tops_per_w", "latency_per_token_s",
               "energy_per_token_uj", "achieved_tops", "utilization", "peak_macs_per_cycle", "area_mm2")
FIT_COLUMNS = ("node_nm", "activations", "slope_pj_per_bit", "intercept_pj", "r2", "ratio_4_to_2", "ratio_8_to_1")
CLAIM_COLUMNS = ("metric", "variant", "published", "hwsim", "node_nm", "weight_bits", "note")


# -- the designs --------------------------------------------------------------------------------
def budget_mm2(node: float) -> float:
    """The PE array of the 64 x 64 INT8 MAC reference at ``node``."""
    ref = hwsim.load_accelerator(BASE, [f"tech_node_nm={node:g}", "compute.pe.type=mac", "compute.pe.weights=[int8]",
                                        "compute.pe.activations=[int8]", "compute.pe.accumulator=int32",
                                        "compute.rows=64", "compute.cols=64", "default_precision.weights=int8",
                                        "default_precision.activations=int8", "default_precision.outputs=int8"])
    return ref.area_breakdown_mm2["pe_array"]


def pe_keys(kind: str, bits: int, act: str, lut: dict | None = None) -> dict:
    """The dotted spec keys of one design's PE and default precision (a points row)."""
    acc = ACTIVATIONS[act]["accumulator"]
    w = f"int{bits}"
    keys = {"compute.pe.activations": [act], "compute.pe.accumulator": acc,
            "default_precision.weights": w, "default_precision.activations": act,
            "default_precision.outputs": act}
    if kind == "lut":
        opts = {"lut_group_size": 4, "lut_symmetry": True, "lut_table_storage": "registers",
                "lut_table_format": ACTIVATIONS[act]["table"]}
        opts.update(lut or {})
        keys.update({"compute.pe.type": "lut", "compute.pe.weights": [w]})
        keys.update({f"compute.pe.{k}": v for k, v in opts.items()})
    elif kind == "mac":
        keys.update({"compute.pe.type": "mac", "compute.pe.weights": [w]})
    elif kind == "dequant":
        if act == "fp16":
            keys.update({"compute.pe.type": "mac", "compute.pe.weights": ["fp16"],
                         "compute.pe.conversions": [{"operand": "weights", "from": w, "to": "fp16"}]})
        else:
            keys.update({"compute.pe.type": "mac", "compute.pe.weights": ["int8"] if bits == 8 else ["int8", w]})
    else:
        raise ValueError(kind)
    return keys


def _override(key: str, value) -> str:
    if isinstance(value, bool):
        return f"{key}={'true' if value else 'false'}"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            items = ", ".join("{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}" for d in value)
            return f"{key}=[{items}]"
        return f"{key}=[{', '.join(map(str, value))}]"
    return f"{key}={value}"


def overrides(keys: dict) -> list[str]:
    return [_override(k, v) for k, v in keys.items()]


def design_row(accel, keys: dict, node: float, act: str, kind: str, bits: int, budget: float, pe_area: float) -> dict:
    record = accel.pe.record(accel.default_precision, accel.tech)
    area = accel.area_breakdown_mm2
    pe_array = area["pe_array"]
    return {"node_nm": node, "activations": act, "kind": kind, "weight_bits": bits, "weight_format": f"int{bits}",
            "pe": keys["compute.pe.type"], "pe_area_um2": pe_area, "rows": accel.rows, "cols": accel.cols,
            "pes": accel.num_pes, "budget_mm2": budget, "pe_array_mm2": pe_array,
            "pe_array_vs_budget": pe_array / budget, "converters_mm2": area.get("converters", 0.0),
            "area_mm2": accel.area_mm2, "k_per_step": record.k_per_step, "cycles_per_step": record.cycles_per_step,
            "peak_macs_per_cycle": accel.peak_macs_per_cycle, "peak_tops": accel.peak_tops,
            "tops_per_mm2": accel.peak_tops / pe_array, "energy_per_mac_pj": record.energy_per_mac_pj,
            "energy_per_table_pj": record.energy_per_table_pj, "table_entries": record.table_entries,
            "energy_convert_weights_pj": record.energy_convert_weights_pj}


def designs(bits_list, nodes) -> tuple[pd.DataFrame, list[dict]]:
    """Every design sized to the budget; also the points rows (dotted keys) to evaluate."""
    rows, points = [], []
    for node in nodes:
        budget = budget_mm2(node)
        for act in ACTIVATIONS:
            for kind in KINDS:
                for bits in bits_list:
                    keys = {"tech_node_nm": node, **pe_keys(kind, bits, act)}
                    accel, pe_area, r, c = sized(BASE, overrides(keys), budget * 1e6, ROWS)
                    rows.append(design_row(accel, keys, node, act, kind, bits, budget, pe_area))
                    points.append({**keys, "compute.rows": r, "compute.cols": c})
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS)), points


# -- the runs ---------------------------------------------------------------------------------------
def evaluate_points(points: list[dict], work) -> pd.DataFrame:
    """hwsim.evaluate over a points table, one call per PE type (a PE type's keys are refused on
    another type's rows, so each call's table holds one type's keys). Rows whose PE carries
    `conversions` run one call per conversion, with the conversion in the base accelerator and
    the rest as points."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, point in enumerate(points):
        conv = point.get("compute.pe.conversions")
        groups.setdefault((point["compute.pe.type"], _override("c", conv) if conv else ""), []).append(i)
    parts = []
    for (_, conv), idx in groups.items():
        base, rows = BASE, [points[i] for i in idx]
        if conv:
            base = hwsim.load_accelerator(BASE, overrides(rows[0]))
            rows = [{k: v for k, v in row.items() if k != "compute.pe.conversions"} for row in rows]
        out = hwsim.evaluate(base, work, pd.DataFrame(rows))
        out.index = idx
        parts.append(out)
    return pd.concat(parts).sort_index()


def runs(design_table: pd.DataFrame, points: list[dict], scenarios=SCENARIOS, config: str = LLAMA) -> pd.DataFrame:
    frames, mac_count, tokens = [], {}, {}
    keys = design_table[["node_nm", "activations", "kind", "weight_bits", "peak_macs_per_cycle", "area_mm2"]]
    for scenario in scenarios:
        work = weight_gemms(config, scenario)
        mac_count[scenario.name], tokens[scenario.name] = macs(work), scenario.tokens
        out = evaluate_points(points, work)
        frame = keys.copy().reset_index(drop=True)
        frame["scenario"] = scenario.name
        for col in ("total_cycles", "stall_cycles", "latency_s", "energy_pj", "energy_compute_pj", "energy_sram_pj",
                    "energy_dram_pj", "energy_leakage_pj"):
            frame[col] = out[col].to_numpy()
        frames.append(frame)
    table = add_metrics(pd.concat(frames, ignore_index=True), mac_count, tokens)
    return table[list(RUN_COLUMNS)]


# -- LUT cost vs bits -----------------------------------------------------------------------------
def lut_fit(design_table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    lut = design_table[design_table.kind == "lut"]
    for (node, act), part in lut.groupby(["node_nm", "activations"], sort=False):
        x = part.weight_bits.to_numpy(float)
        y = part.energy_per_mac_pj.to_numpy(float)
        slope, intercept = np.polyfit(x, y, 1)
        pred = slope * x + intercept
        r2 = 1 - ((y - pred) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-30)
        e = dict(zip(part.weight_bits, y))
        rows.append({"node_nm": node, "activations": act, "slope_pj_per_bit": slope, "intercept_pj": intercept,
                     "r2": r2, "ratio_4_to_2": e.get(4, np.nan) / e.get(2, np.nan),
                     "ratio_8_to_1": e.get(8, np.nan) / e.get(1, np.nan)})
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))


# -- LUT Tensor Core's claim ------------------------------------------------------------------------
# Each variant undoes some of LUT Tensor Core's choices (its Sec. 3-4: table symmetrisation halves
# the stored table, the elongated tile shares a table across many columns, FP16 tables); all at the
# same budget, FP16 activations, 28 nm. SRAM-table variants are left out: hwsim's tiny-SRAM option
# extrapolates an SRAM model anchored at 8 KB down to 16-byte tables (docs/models/lut-pe.md).
LUT_VARIANTS = (
    ("LUT-TC-like (sym, FP16 regs, 16-row tile)", {}, ROWS),
    ("no symmetry (16 entries)", {"lut_symmetry": False}, ROWS),
    ("square tile (tables shared by fewer columns)", {}, None),
    ("prior LUT: no sym + square tile", {"lut_symmetry": False}, None),
    ("T-MAC-like: INT8 tables, no sym", {"lut_symmetry": False, "lut_table_format": "int8",
                                         "accumulator": "int32"}, ROWS),
)


def claims(bits_list, scenario: Scenario = SCENARIOS[2], node: float = 28, config: str = LLAMA) -> pd.DataFrame:
    budget = budget_mm2(node)
    work = weight_gemms(config, scenario)
    n_macs = macs(work)
    rows = []
    for bits in [b for b in (2, 4) if b in bits_list]:
        results = {}
        for name, opts, shape_rows in LUT_VARIANTS:
            opts = dict(opts)
            acc = opts.pop("accumulator", None)
            keys = {"tech_node_nm": node, **pe_keys("lut", bits, "fp16", opts)}
            if acc:
                keys["compute.pe.accumulator"] = acc
            accel, _, _, _ = sized(BASE, overrides(keys), budget * 1e6, shape_rows)
            s = hwsim.evaluate(accel, work).iloc[0]
            results[name] = {"density": accel.peak_tops / accel.area_breakdown_mm2["pe_array"],
                             "efficiency": 2 * n_macs / s["energy_compute_pj"],
                             "efficiency_run": 2 * n_macs / s["energy_pj"],
                             "shape": f"{accel.rows}x{accel.cols}"}
        ref = results[LUT_VARIANTS[0][0]]
        for name, _, _ in LUT_VARIANTS[1:]:
            other = results[name]
            note = f"{ref['shape']} vs {other['shape']}"
            rows.append({"metric": "compute density (TOPS/mm2 of PE array)", "variant": name,
                         "published": PAPER_LUT_TC_RATIO, "hwsim": ref["density"] / other["density"],
                         "node_nm": node, "weight_bits": bits, "note": note})
            rows.append({"metric": f"energy efficiency, compute only ({scenario.name})", "variant": name,
                         "published": PAPER_LUT_TC_RATIO, "hwsim": ref["efficiency"] / other["efficiency"],
                         "node_nm": node, "weight_bits": bits, "note": note})
            rows.append({"metric": f"energy efficiency, whole run ({scenario.name})", "variant": name,
                         "published": PAPER_LUT_TC_RATIO, "hwsim": ref["efficiency_run"] / other["efficiency_run"],
                         "node_nm": node, "weight_bits": bits, "note": note})
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


# -- figure ---------------------------------------------------------------------------------------
def figure(design_table: pd.DataFrame, run_table: pd.DataFrame, claim_table: pd.DataFrame):
    """hwsim.plots' panel grid: one row per metric, one column per node (two columns read at
    1400 px and on a laptop; the page scrolls down); colour = design kind, dash = activation
    format, the same in every panel; every axis titled with its unit."""
    from hwsim.plots import Panel, bar_grid_with_ratios

    nodes = sorted(design_table.node_nm.unique(), reverse=True)
    designs = design_table.assign(activations=design_table.activations.str.upper() + " act.")
    runs = run_table.assign(activations=run_table.activations.str.upper() + " act.")
    metrics = [("compute density", designs, "tops_per_mm2", 1.0, "compute density (TOPS/mm² of PE array)"),
               ("energy per MAC, datapath", designs, "energy_per_mac_pj", 1.0, "energy per MAC (pJ)")]
    for scenario in SCENARIOS:
        part = runs[runs.scenario == scenario.name]
        metrics.append((f"{scenario.name}: latency per token", part, "latency_per_token_s", 1e3,
                        "latency per token (ms)"))
        metrics.append((f"{scenario.name}: energy per token", part, "energy_per_token_uj", 1e-3,
                        "energy per token (mJ)"))
    prefill = runs[runs.scenario == SCENARIOS[2].name]
    metrics.append(("prefill 512: TOPS/W, compute energy only", prefill, "compute_tops_per_w", 1.0,
                    "efficiency (TOPS/W)"))
    panels = [Panel(f"{title}, {node:g} nm", table[table.node_nm == node], column, "weight_bits", "kind", scale,
                    y_title, mode="lines", dash="activations", x_title="weight bits (bits)")
              for title, table, column, scale, y_title in metrics for node in nodes]
    ratios = None
    if len(claim_table):
        part = claim_table[claim_table.weight_bits == claim_table.weight_bits.min()]
        label = part.variant + " | " + part.metric.str.replace(r" \(.*", "", regex=True)
        ratios = pd.DataFrame({"ratio": label, "hwsim": part.hwsim, "published_low": part.published,
                               "published_high": part.published})
    return bar_grid_with_ratios(panels, ratios, "LUT vs MAC vs dequantise-then-MAC at equal PE-array area "
                                "(hwsim; Llama-2-7B weight GEMMs)", cols=len(nodes),
                                ratios_title=f"LUT Tensor Core {PAPER_LUT_TC_RATIO}x vs hwsim")


def report(design_table: pd.DataFrame, fit: pd.DataFrame, claim_table: pd.DataFrame) -> str:
    fmt = {"float_format": lambda v: f"{v:.4g}", "index": False}
    budgets = design_table.groupby("node_nm").budget_mm2.first()
    view = design_table[design_table.node_nm == NODES[0]][["activations", "kind", "weight_bits", "rows", "cols",
                                                             "pe_area_um2", "tops_per_mm2", "energy_per_mac_pj"]]
    return "\n".join([
        "area budget (PE array of a 64x64 INT8 MAC array): "
        + ", ".join(f"{b:.4f} mm2 at {n:g} nm" for n, b in budgets.items()),
        "", "LUT energy per MAC vs weight bits (least-squares line):", fit.to_string(**fmt),
        "", f"designs at {NODES[0]} nm:", view.to_string(**fmt),
        "", "LUT Tensor Core's 1.44x beside hwsim (28 nm, FP16 activations, prefill 512):",
        claim_table.to_string(**fmt)])


def compute(args) -> Outputs:
    bits = QUICK_BITS if args.quick else BITS
    design_table, points = designs(bits, NODES)
    run_table = runs(design_table, points)
    fit = lut_fit(design_table)
    claim_table = claims(bits)
    return Outputs({"designs.csv": design_table, "runs.csv": run_table, "fit.csv": fit, "claims.csv": claim_table},
                   {"lut_vs_mac.html": lambda: figure(design_table, run_table, claim_table)},
                   report(design_table, fit, claim_table))


def main(argv: list[str] | None = None) -> int:
    parser = study_parser("lut_vs_mac", __doc__)
    parser.add_argument("--quick", action="store_true", help=f"weight bits {QUICK_BITS} only")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    raise SystemExit(main())
