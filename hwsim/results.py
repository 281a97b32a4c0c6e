"""Result: the per-layer table (pandas, unit-suffixed columns) and its summary.

Every row's figures cover all ``count`` repeats of the layer. docs/columns.md documents each
column. Output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

LAYER_COLUMNS = (
    "layer", "op", "count", "instances", "m", "k", "n",
    "weight_format", "activation_format", "output_format", "kv_format",
    "macs", "folds", "compute_cycles", "stall_cycles", "total_cycles",
    "utilization", "mapping_efficiency", "compute_utilization",
    "sram_ifmap_reads_words", "sram_filter_reads_words", "sram_ofmap_writes_words",
    "dram_ifmap_reads_words", "dram_filter_reads_words", "dram_ofmap_writes_words",
    "sram_reads_bits", "sram_writes_bits", "dram_reads_bits", "dram_writes_bits",
    "energy_pj", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj",
    "latency_s",
)

ENERGY_PARTS = ("compute", "sram", "dram", "leakage")


@dataclass
class Result:
    accelerator: str
    workload: str
    layers: pd.DataFrame
    area_mm2: float
    area_breakdown_mm2: dict[str, float] = field(default_factory=dict)
    freq_mhz: float = 0.0

    def summary(self) -> dict:
        t = self.layers
        return {
            "accelerator": self.accelerator,
            "workload": self.workload,
            "layers": int(len(t)),
            "macs": int(t["macs"].sum()),
            "compute_cycles": int(t["compute_cycles"].sum()),
            "stall_cycles": int(t["stall_cycles"].sum()),
            "total_cycles": int(t["total_cycles"].sum()),
            "latency_s": float(t["latency_s"].sum()),
            "energy_pj": float(t["energy_pj"].sum()),
            "energy_breakdown_pj": {part: float(t[f"energy_{part}_pj"].sum()) for part in ENERGY_PARTS},
            "area_mm2": float(self.area_mm2),
            "area_breakdown_mm2": {k: float(v) for k, v in self.area_breakdown_mm2.items()},
            "freq_mhz": float(self.freq_mhz),
        }

    def to_csv(self) -> str:
        return self.layers.to_csv(index=False, float_format="%.10g", lineterminator="\n")

    def to_json(self) -> str:
        return json.dumps(self.summary(), indent=2) + "\n"

    def write(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "layers.csv").write_text(self.to_csv(), encoding="utf-8")
        (out / "summary.json").write_text(self.to_json(), encoding="utf-8")
        return out

    def format_table(self) -> str:
        shown = self.layers[["layer", "op", "count", "macs", "total_cycles", "stall_cycles", "utilization",
                             "energy_pj", "latency_s"]].copy()
        shown["utilization"] = shown["utilization"].map(lambda v: f"{v:.3f}")
        shown["energy_pj"] = shown["energy_pj"].map(lambda v: f"{v:.4g}")
        shown["latency_s"] = shown["latency_s"].map(lambda v: f"{v:.4g}")
        s = self.summary()
        lines = [shown.to_string(index=False), "",
                 f"accelerator {s['accelerator']}  workload {s['workload']}  layers {s['layers']}",
                 f"total_cycles {s['total_cycles']}  (compute {s['compute_cycles']}, stall {s['stall_cycles']})"
                 f"  latency_s {s['latency_s']:.6g}",
                 "energy_pj {:.6g}  (".format(s["energy_pj"])
                 + ", ".join(f"{k} {v:.4g}" for k, v in s["energy_breakdown_pj"].items()) + ")",
                 f"area_mm2 {s['area_mm2']:.4g}  ("
                 + ", ".join(f"{k} {v:.4g}" for k, v in s["area_breakdown_mm2"].items()) + ")"]
        return "\n".join(lines) + "\n"
