"""What an architect reads first of an LLM run: the serving figures and a per-layer-kind digest.

A driver above the engine: it reads only a run's per-layer table (hwsim.results.Result), the
scenario (hwsim/workload/llm.py) and the workload's DRAM footprint (hwsim/workload/footprint.py).
Formulas (docs/workloads-llm.md, "What `hwsim run` prints for an LLM"):

* prefill (B sequences of S tokens): time_to_first_token_s = latency (the LM head on the last
  position included), tokens_per_s = B x S / latency, energy_per_token_j = energy / (B x S);
* decode (one step, KV length L): time_per_output_token_s = latency, tokens_per_s = B / latency,
  energy_per_token_j = energy / B;
* generate: hwsim/drivers/generate.py's figures (TTFT = the prefill layers' latency, TPOT = decode
  latency / N, tokens_per_s = B x N / decode latency, J/token = all energy / (B x N));
* every phase: average_power_w = energy / latency (static power included, as the summary's
  power_w), kv_cache_bytes = the footprint's KV cache / 8 (per block and token 2 x KV heads x head
  dim elements, or MLA's latent, x B x tokens at the KV format's bits; tokens: S, L + 1 or P + N,
  capped by a block's sliding window),
  fits_memory = weights + KV cache + peak activations <= the design's DRAM capacity.

The digest groups the layers by kind (KINDS) and phase: rows, latency and energy with their shares
of the run, and the `bound` (docs/columns.md) that holds most of the kind's latency.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# the layer kinds of the digest, in the order a block runs them (names: hwsim/workload/llm.py)
KINDS = ("qkv_proj", "attention", "o_proj", "mlp", "vector_ops", "lm_head", "other")
_MLP_PREFIXES = ("ffn_", "expert", "router", "shared_", "mlp")


def layer_kind(name: str, op: str) -> str:
    """The digest kind of a layer from its name (the part after the phase, e.g. ``decode/q_proj``
    -> ``q_proj``, ``prefill/expert_up.m3`` -> ``expert_up``, ``decode/q_proj#3`` -> ``q_proj``)
    and its op."""
    if op == "vector":
        return "vector_ops"
    base = name.rsplit("/", 1)[-1].split(".", 1)[0].split("#", 1)[0]   # expert_up.m3, q_proj#0 (--expand-repeats)
    if base in ("q_proj", "k_proj", "v_proj", "qkv_proj") or (base.endswith("_proj") and base.startswith(("q_", "kv_"))):
        return "qkv_proj"
    if base.startswith("attn_") or base.endswith("_absorb"):   # MLA's absorbed q/v products are attention's
        return "attention"
    if base == "o_proj":
        return "o_proj"
    if base.startswith(_MLP_PREFIXES):
        return "mlp"
    if base == "lm_head":
        return "lm_head"
    return "other"


def kind_digest(layers: pd.DataFrame) -> pd.DataFrame:
    """One row per (phase, kind) present: layer rows, latency and energy with their shares of the
    whole run, and the bound holding the largest part of the kind's latency with that part. The
    phase is ``prefill`` for ``prefill/...`` layers, ``decode`` for the rest (``decode/...``,
    ``decode@L=.../...``)."""
    latency = layers["latency_s"].to_numpy(dtype=np.float64)
    energy = layers["energy_pj"].to_numpy(dtype=np.float64)
    names = layers["layer"].astype(str)
    # a generate run has thousands of attention rows but a few dozen distinct (name after the
    # phase, op) pairs: classify those once
    pairs = names.str.rsplit("/", n=1).str[-1] + "|" + layers["op"].astype(str)
    kinds = {pair: layer_kind(*pair.rsplit("|", 1)) for pair in pairs.unique()}
    frame = pd.DataFrame({
        "phase": np.where(names.str.startswith("prefill/").to_numpy(), "prefill", "decode"),
        "kind": pairs.map(kinds).to_numpy(),
        "bound": layers["bound"].to_numpy(), "latency_s": latency, "energy_pj": energy,
    })
    total_latency, total_energy = latency.sum(), energy.sum()
    # one pass: latency per (phase, kind, bound), energy and rows per (phase, kind)
    by_bound = frame.groupby(["phase", "kind", "bound"], sort=True)["latency_s"].sum()
    by_kind = frame.groupby(["phase", "kind"], sort=True).agg(layers=("latency_s", "size"),
                                                               latency_s=("latency_s", "sum"),
                                                               energy_pj=("energy_pj", "sum"))
    rows = []
    for phase in ("prefill", "decode"):
        for kind in KINDS:
            if (phase, kind) not in by_kind.index:
                continue
            part = by_kind.loc[(phase, kind)]
            kind_latency, kind_energy = float(part["latency_s"]), float(part["energy_pj"])
            bounds = by_bound.loc[(phase, kind)]   # sorted by name: a tie goes to the first
            top = bounds.idxmax()
            rows.append({
                "phase": phase, "kind": kind, "layers": int(part["layers"]),
                "latency_s": kind_latency, "latency_share": kind_latency / total_latency if total_latency else math.nan,
                "energy_j": kind_energy * 1e-12,
                "energy_share": kind_energy / total_energy if total_energy else math.nan,
                "bound": str(top),
                "bound_share": float(bounds[top]) / kind_latency if kind_latency > 0 else math.nan,
            })
    return pd.DataFrame(rows, columns=["phase", "kind", "layers", "latency_s", "latency_share", "energy_j",
                                       "energy_share", "bound", "bound_share"])


@dataclass(frozen=True)
class MemoryFit:
    """The workload's DRAM footprint (bits) against the design's DRAM capacity (inf: none declared)."""

    weights_bits: float
    kv_bits: float
    activations_bits: float
    capacity_bits: float

    @property
    def total_bits(self) -> float:
        return self.weights_bits + self.kv_bits + self.activations_bits

    @property
    def fits(self) -> bool:
        return self.total_bits <= self.capacity_bits


def memory_fit(accel, workload, precision=None) -> MemoryFit:
    """The footprint of ``workload`` at the run's formats (the design's default precision under the
    run's ``precision`` override) against ``accel``'s DRAM capacity."""
    from hwsim.workload.footprint import workload_footprint

    need = workload_footprint(workload, accel.default_precision, precision)
    return MemoryFit(float(need.weights_bits), float(need.kv_bits), float(need.activations_bits),
                     float(accel.design.dram_capacity_bits[0]))


@dataclass
class LlmReport:
    """An LLM run (prefill, decode or generate) as an architect reads it: ``summary()`` (the serving
    figures), ``digest()`` (per layer kind) and the per-layer ``result`` underneath."""

    arch: object       # hwsim.workload.llm_arch.LlmArch
    scenario: object   # hwsim.workload.llm.Scenario
    result: object     # hwsim.results.Result
    fit: MemoryFit | None = None

    @property
    def generate(self):
        from hwsim.drivers.generate import GenerateResult

        return GenerateResult(self.arch, self.scenario, self.result) if self.scenario.phase == "generate" else None

    def summary(self) -> dict:
        s, totals = self.scenario, self.result.summary()
        latency, energy_pj = totals["latency_s"], totals["energy_pj"]
        out = {"model": self.arch.name, "accelerator": self.result.accelerator, "phase": s.phase, "batch": s.batch}
        if s.phase == "prefill":
            tokens = s.batch * s.seq_len
            out.update({"seq_len": s.seq_len, "time_to_first_token_s": latency,
                        "tokens_per_s": tokens / latency, "energy_per_token_j": energy_pj * 1e-12 / tokens})
        elif s.phase == "decode":
            out.update({"kv_len": s.kv_len, "time_per_output_token_s": latency,
                        "tokens_per_s": s.batch / latency, "energy_per_token_j": energy_pj * 1e-12 / s.batch})
        else:
            g = self.generate
            out.update({"prompt_tokens": s.prompt, "new_tokens": s.new_tokens,
                        "time_to_first_token_s": g.time_to_first_token_s,
                        "time_per_output_token_s": g.time_per_output_token_s, "tokens_per_s": g.tokens_per_s,
                        "energy_per_token_j": g.energy_per_token_pj * 1e-12,
                        "decode_energy_per_token_j": g.decode_energy_pj * 1e-12 / (s.batch * s.new_tokens)})
        out["average_power_w"] = energy_pj * 1e-12 / latency
        out["latency_s"] = latency
        out["energy_j"] = energy_pj * 1e-12
        if self.fit is not None:
            capacity = self.fit.capacity_bits
            out.update({"kv_cache_bytes": self.fit.kv_bits / 8, "dram_footprint_bytes": self.fit.total_bits / 8,
                        "dram_capacity_bytes": capacity / 8 if math.isfinite(capacity) else None,
                        "fits_memory": self.fit.fits})
        return out

    def digest(self) -> pd.DataFrame:
        return kind_digest(self.result.layers)

    def to_dict(self) -> dict:
        """The JSON document: the run's totals (Result.summary's keys, accelerator and workload
        first), the LLM figures under ``llm`` and the digest under ``layer_kinds``; a generate run
        keeps hwsim.generate's figures under ``generate``."""
        doc = {**self.result.summary(), "llm": self.summary(),
               "layer_kinds": self.digest().to_dict(orient="records")}
        if self.scenario.phase == "generate":
            doc["generate"] = self.generate.summary()
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def write(self, out_dir: str | Path) -> Path:
        """layers.csv (every layer), summary.json (to_json) and layer_kinds.csv (the digest); a
        generate run adds generate.json and generate.csv (hwsim/drivers/generate.py)."""
        from hwsim.results import write_files

        files = {"layers.csv": self.result.to_csv(), "summary.json": self.to_json(),
                 "layer_kinds.csv": self.digest().to_csv(index=False, float_format="%.10g", lineterminator="\n")}
        if self.scenario.phase == "generate":
            g = self.generate
            files.update({"generate.json": g.to_json(), "generate.csv": g.to_csv()})
        return write_files(out_dir, files)

    def format_summary(self) -> str:
        """The serving figures, one per line with units in the names."""
        s = self.summary()
        sc = self.scenario
        shape = {"prefill": f"seq_len {sc.seq_len}", "decode": f"kv_len {sc.kv_len}",
                 "generate": f"prompt {sc.prompt}, new tokens {sc.new_tokens}"}[sc.phase]
        lines = [f"{s['model']} {sc.phase} ({shape}, batch {sc.batch}) on {s['accelerator']}"]
        def line(key, value, note=""):
            lines.append(f"  {key:<26} {value}{'  ' + note if note else ''}")
        if "time_to_first_token_s" in s:
            line("time_to_first_token_s", f"{s['time_to_first_token_s']:.6g}",
                 "(prefill latency)" if sc.phase == "generate" else "(= latency)")
        if "time_per_output_token_s" in s:
            line("time_per_output_token_s", f"{s['time_per_output_token_s']:.6g}",
                 f"(mean of {sc.new_tokens} decode steps)" if sc.phase == "generate" else "(one decode step)")
        per = {"prefill": "batch x seq_len / latency", "decode": "batch / latency",
               "generate": "batch x new tokens / decode time"}[sc.phase]
        line("tokens_per_s", f"{s['tokens_per_s']:.6g}", f"({per})")
        note = {"prefill": "(energy / prompt tokens)", "decode": "(energy / batch)",
                "generate": f"(all energy / generated tokens; decode only {s.get('decode_energy_per_token_j', 0):.4g})"}
        line("energy_per_token_j", f"{s['energy_per_token_j']:.6g}", note[sc.phase])
        line("average_power_w", f"{s['average_power_w']:.6g}", "(energy / latency, static included)")
        if "kv_cache_bytes" in s:
            line("kv_cache_bytes", f"{s['kv_cache_bytes']:.6g}", f"({_gib(s['kv_cache_bytes'])})")
            capacity = s["dram_capacity_bytes"]
            held = "no capacity declared" if capacity is None else f"DRAM holds {_gib(capacity)}"
            line("fits_memory", "yes" if s["fits_memory"] else "NO",
                 f"(needs {_gib(s['dram_footprint_bytes'])}: weights, KV cache, peak activations; {held})")
        return "\n".join(lines) + "\n"

    def format_digest(self) -> str:
        d = self.digest()
        shown = pd.DataFrame({
            "phase": d["phase"], "kind": d["kind"], "layers": d["layers"],
            "latency_s": d["latency_s"].map(lambda v: f"{v:.4g}"),
            "latency_%": (100 * d["latency_share"]).map(lambda v: f"{v:.1f}"),
            "energy_j": d["energy_j"].map(lambda v: f"{v:.4g}"),
            "energy_%": (100 * d["energy_share"]).map(lambda v: f"{v:.1f}"),
            "bound": [f"{b} ({100 * f:.0f}%)" if f == f else b for b, f in zip(d["bound"], d["bound_share"])],
        })
        if d["phase"].nunique() == 1:
            shown = shown.drop(columns="phase")
        rows = len(self.result.layers)
        return (f"per layer kind ({rows} layers; --layers prints them all, layers.csv has every row):\n"
                + shown.to_string(index=False) + "\n")


def _gib(num_bytes: float) -> str:
    return f"{num_bytes / 2 ** 30:.3g} GiB"
