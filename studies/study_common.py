"""Helpers shared by the LUT-vs-MAC and MixPE studies: equal-area sizing, the weight-GEMM
workloads, metrics. Public hwsim API only (docs/models/lut-vs-mac-study.md has the method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

import hwsim
from hwsim import Gemm, Workload

LLAMA = "workloads/llm/llama-2-7b.json"


@dataclass(frozen=True)
class Scenario:
    """One LLM scenario: ``tokens`` new tokens per run (latency and energy per token divide by it)."""

    name: str
    phase: str
    batch: int
    seq_len: int | None = None
    kv_len: int | None = None

    @property
    def tokens(self) -> int:
        return self.batch * (self.seq_len if self.phase == "prefill" else 1)


def weight_gemms(config: str, scenario: Scenario) -> Workload:
    """The scenario's weight GEMMs only: ``gemm_only=True`` drops the vector ops, then the
    attention matmuls (activation x KV cache, op ``matmul``) are dropped too (a LUT or shift-add
    PE takes integer weights only). Projections, FFN and the LM head remain."""
    kwargs = {"phase": scenario.phase, "batch": scenario.batch, "gemm_only": True}
    if scenario.phase == "prefill" and scenario.seq_len is not None:
        kwargs["seq_len"] = scenario.seq_len
    if scenario.phase == "decode":
        kwargs["kv_len"] = scenario.kv_len
    work = hwsim.load_workload(config, **kwargs)
    layers = tuple(layer for layer in work.layers if isinstance(layer.op, Gemm))
    return Workload(f"{work.name} [weight GEMMs]", layers, work.source)


def macs(work: Workload) -> int:
    """Multiply-accumulates of the whole workload (every repeat and instance)."""
    return sum(layer.op.gemm_view().macs * layer.count for layer in work.layers)


def shape_for(budget_um2: float, pe_area_um2: float, rows: int | None) -> tuple[int, int]:
    """rows x cols PEs filling the budget: rows fixed (an elongated tile) or, with rows None, the
    squarest shape (rows = round(sqrt(PEs))); cols = round(PEs / rows)."""
    pes = budget_um2 / pe_area_um2
    r = rows if rows is not None else max(1, round(math.sqrt(pes)))
    return r, max(1, round(pes / r))


def sized(base: str, overrides: list[str], budget_um2: float, rows: int | None):
    """(accelerator at the equal-area shape, its PE area in um2, rows, cols)."""
    probe = hwsim.load_accelerator(base, overrides + ["compute.rows=1", "compute.cols=1"])
    pe_area = probe.pe.area_um2(probe.tech).value
    r, c = shape_for(budget_um2, pe_area, rows)
    accel = hwsim.load_accelerator(base, overrides + [f"compute.rows={r}", f"compute.cols={c}"])
    return accel, pe_area, r, c


def add_metrics(frame: pd.DataFrame, macs_by_scenario: dict[str, int] | None = None,
                tokens_by_scenario: dict[str, int] | None = None) -> pd.DataFrame:
    """Per-run metrics from evaluate()'s summary columns: TOPS/W (2 ops per MAC over the run's
    energy, and over its compute energy only), latency and energy per token, achieved TOPS.
    ``macs`` and ``tokens`` come from the frame's columns or from the maps keyed by ``scenario``."""
    out = frame.copy()
    if macs_by_scenario is not None:
        out["macs"] = out["scenario"].map(macs_by_scenario).astype("int64")
    if tokens_by_scenario is not None:
        out["tokens"] = out["scenario"].map(tokens_by_scenario).astype("int64")
    out["tops_per_w"] = 2 * out["macs"] / out["energy_pj"]          # ops/pJ = TOPS/W
    out["compute_tops_per_w"] = 2 * out["macs"] / out["energy_compute_pj"]
    out["latency_per_token_s"] = out["latency_s"] / out["tokens"]
    out["energy_per_token_uj"] = out["energy_pj"] / out["tokens"] * 1e-6
    out["achieved_tops"] = 2 * out["macs"] / out["latency_s"] / 1e12
    out["utilization"] = out["macs"] / (out["total_cycles"] * out["peak_macs_per_cycle"])
    return out
