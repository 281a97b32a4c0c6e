"""LLM decoding on processing-in-memory vs an HBM accelerator vs GPU rooflines.

    python studies/pim_decode/run.py [--out hwsim-out/pim_decode] [--quick]

Systems (accelerators/*.yaml): hbm-pim (HBM-PIM alone; INT8/INT4 weights as a what-if of packed
narrower lanes, `pim.lane_formats=[fp16, int8, int4]`: the real Aquabolt-XL is FP16-only),
systolic-hbm2 (a 128x128 FP16 array on the same HBM2 stack, INT8/INT4 weights widened at the
array edge), gpu-a100-roofline, gpu-h100-roofline, systolic-hbm-pim (decode GEMVs in memory, the
rest on the array; the same what-if lanes as hbm-pim), pim-gpt (16-bit rows in BF16, its lanes'
format), attacc-hbm3 and its -bankgroup / -bufferdie placements (attention in memory, the rest
on an H100-class roofline).
Models: GPT-2, OPT-1.3B, Llama-2-7B (workloads/llm/); decode batch 1/4/16, weights FP16/INT8/INT4
(activations and KV cache FP16), KV 512/2048/8192. A KV length beyond a model's context limit
(learned positions, or Llama-2's 4096) is a not-supported row, and the model's longest KV (limit - 1)
is run in its place. Plus
Llama-2-7B prefill of 256 tokens on hbm-pim and systolic-hbm2.

Writes, into --out (outside the repo):
  results.csv     one row per (system, model, phase, batch, weights, kv_len): tokens/s (batch x
                  tokens per step / step latency), energy per token (J), area (mm2: host logic,
                  SRAM, vector unit and PIM units; never the DRAM dies nor a GPU's whole die), the
                  latency in memory (pim_latency_s) vs on the host, the KV-cache matmuls' time and
                  energy, speedup and energy ratio (baseline J/token / this one) vs the A100 and
                  H100 rooflines and vs systolic-hbm2; a design that cannot run a format gives a
                  row with supported = False and the one-line reason
  claims.csv      claim, source, published, hwsim, note: PIM-GPT, HBM-PIM, AttAcc beside hwsim
  pim_decode.html plotly figure, plotly.js inlined (opens offline); a dropdown per model/weights/KV
--quick: GPT-2 and Llama-2-7B, batch 1/16, FP16/INT4, KV 512/2048 (for the test; ~1 s).
"""

import itertools
import json
import sys
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

# run as a script from a checkout (hwsim not installed) or loaded by the tests: the package and
# this study's pim_claims.py and pim_figure.py on the path
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import hwsim  # noqa: E402
from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim.studies import Outputs, run_study, study_parser  # noqa: E402

from pim_claims import CLAIM_COLUMNS, claims  # noqa: E402
from pim_figure import figure  # noqa: E402

WHAT_IF_LANES = "pim.lane_formats=[fp16, int8, int4]"


@dataclass(frozen=True)
class System:
    name: str
    overrides: tuple[str, ...] = ()
    weights16: str = "fp16"          # the 16-bit weight format it runs
    note: str = ""


SYSTEMS = (
    System("hbm-pim", (WHAT_IF_LANES,), note="INT8/INT4: what-if packed lanes (Aquabolt-XL is FP16-only)"),
    System("systolic-hbm2"),
    System("gpu-a100-roofline", note="roofline: an upper bound on the GPU"),
    System("gpu-h100-roofline", note="roofline: an upper bound on the GPU"),
    System("systolic-hbm-pim", (WHAT_IF_LANES,), note="INT8/INT4: what-if packed lanes (as hbm-pim)"),
    System("pim-gpt", weights16="bf16", note="16-bit rows run BF16 (its lanes' and ASIC's format)"),
    System("attacc-hbm3"), System("attacc-hbm3-bankgroup"), System("attacc-hbm3-bufferdie"),
)
PREFILL_SYSTEMS = ("hbm-pim", "systolic-hbm2")
MODELS = {"GPT-2": "gpt2", "OPT-1.3B": "opt-1.3b", "Llama-2-7B": "llama-2-7b"}
BATCHES, WEIGHTS, KVS = (1, 4, 16), ("fp16", "int8", "int4"), (512, 2048, 8192)
QUICK = {"models": ("GPT-2", "Llama-2-7B"), "batches": (1, 16), "weights": ("fp16", "int4"), "kvs": (512, 2048)}
PREFILL_MODEL, PREFILL_SEQ = "Llama-2-7B", 256
BASELINES = {"a100": "gpu-a100-roofline", "h100": "gpu-h100-roofline", "systolic": "systolic-hbm2"}
KEYS = ["model", "phase", "batch", "weights", "kv_len"]


@dataclass(frozen=True)
class Row:
    """One simulated (or refused) case: the columns of results.csv before the ratios."""

    system: str
    model: str
    phase: str
    batch: int
    weights: str
    run_weights: str
    kv_len: int
    seq_len: int
    supported: bool
    reason: str = ""
    latency_s: float = np.nan
    tokens_per_s: float = np.nan
    energy_per_token_j: float = np.nan
    area_mm2: float = np.nan
    pim_units_mm2: float = np.nan
    pim_latency_s: float = np.nan
    host_latency_s: float = np.nan
    pim_share: float = np.nan
    attn_latency_s: float = np.nan
    attn_energy_j: float = np.nan
    note: str = ""


RATIO_COLUMNS = tuple(f"{m}_vs_{b}" for m in ("speedup", "energy_ratio") for b in BASELINES)
RESULT_COLUMNS = tuple(f.name for f in fields(Row)) + RATIO_COLUMNS


def reason_of(exc: HwsimInputError) -> str:
    text = f"{exc.field}: {exc.message}" if exc.field else exc.message
    return f"{text} (allowed: {exc.allowed})" if exc.allowed else text


def config_path(model: str) -> Path:
    return ROOT / "workloads" / "llm" / f"{MODELS[model]}.json"


def max_kv(model: str) -> int | None:
    """The longest KV length a model takes (context = KV + 1): its learned positions, or the
    max_position_embeddings a rotary config states (refused beyond it since issue 18), else None."""
    cfg = json.loads(config_path(model).read_text())
    limit = {"gpt2": "n_positions", "opt": "max_position_embeddings",
             "llama": "max_position_embeddings"}.get(cfg.get("model_type"))
    return cfg[limit] - 1 if limit else None


def measure(base: Row, result: hwsim.Result, tokens: int) -> Row:
    t = result.layers
    on_pim = (t.mapping == "pim").to_numpy()
    attn = t.layer.str.endswith(("attn_qk", "attn_pv")).to_numpy()
    latency, energy = float(t.latency_s.sum()), float(t.energy_pj.sum()) * 1e-12
    pim = float(t.latency_s[on_pim].sum())
    return replace(base, latency_s=latency, tokens_per_s=tokens / latency, energy_per_token_j=energy / tokens,
                   area_mm2=result.area_mm2, pim_units_mm2=result.area_breakdown_mm2.get("pim_units", 0.0),
                   pim_latency_s=pim, host_latency_s=latency - pim, pim_share=pim / latency,
                   attn_latency_s=float(t.latency_s[attn].sum()),
                   attn_energy_j=float(t.energy_pj[attn].sum()) * 1e-12)


def run_case(accel: hwsim.Accelerator, work: "hwsim.Workload | HwsimInputError", base: Row, tokens: int) -> Row:
    """Simulate one case; a workload the model refuses or a format the design cannot run becomes a
    not-supported row with hwsim's one-line reason."""
    if isinstance(work, HwsimInputError):
        return replace(base, supported=False, reason=reason_of(work))
    try:
        result = hwsim.simulate(accel, work, precision=hwsim.Precision(weights=base.run_weights))
    except HwsimInputError as exc:
        return replace(base, supported=False, reason=reason_of(exc))
    return measure(base, result, tokens)


def load(model: str, phase: str, batch: int, kv: int, seq: int) -> "hwsim.Workload | HwsimInputError":
    try:
        if phase == "decode":
            return hwsim.load_workload(str(config_path(model)), phase="decode", kv_len=kv, batch=batch)
        return hwsim.load_workload(str(config_path(model)), phase="prefill", seq_len=seq, batch=batch)
    except HwsimInputError as exc:
        return exc


def cases(quick: bool) -> pd.DataFrame:
    """The (model, phase, batch, kv_len, seq_len) grid; a refused KV adds the model's longest one."""
    models, batches, kvs = ((QUICK["models"], QUICK["batches"], QUICK["kvs"]) if quick
                            else (tuple(MODELS), BATCHES, KVS))
    rows = []
    for model in models:
        cap = max_kv(model)
        model_kvs = sorted(set(kvs) | ({cap} if cap is not None and cap < max(kvs) else set()))
        rows += [(model, "decode", b, kv, 1) for b, kv in itertools.product(batches, model_kvs)]
    rows.append((PREFILL_MODEL, "prefill", 1, 0, PREFILL_SEQ))
    return pd.DataFrame(rows, columns=["model", "phase", "batch", "kv_len", "seq_len"])


def simulate_all(quick: bool) -> pd.DataFrame:
    weights = QUICK["weights"] if quick else WEIGHTS
    accels = {s.name: hwsim.load_accelerator(s.name, list(s.overrides)) for s in SYSTEMS}
    out: list[Row] = []
    for case in cases(quick).itertuples(index=False):
        work = load(case.model, case.phase, case.batch, case.kv_len, case.seq_len)
        tokens = case.batch * case.seq_len
        for system in SYSTEMS:
            if case.phase == "prefill" and system.name not in PREFILL_SYSTEMS:
                continue
            for w in weights:
                base = Row(system.name, case.model, case.phase, case.batch, w,
                           system.weights16 if w == "fp16" else w, case.kv_len, case.seq_len, True, note=system.note)
                out.append(run_case(accels[system.name], work, base, tokens))
    return add_ratios(pd.DataFrame([asdict(r) for r in out]))


def add_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """speedup_vs_X = X's latency / this latency; energy_ratio_vs_X = X's J/token / this J/token."""
    for tag, name in BASELINES.items():
        ref = table[table.system == name][KEYS + ["latency_s", "energy_per_token_j"]]
        ref = ref.rename(columns={"latency_s": "_lat", "energy_per_token_j": "_e"})
        merged = table[KEYS].merge(ref, on=KEYS, how="left")
        table[f"speedup_vs_{tag}"] = merged._lat.to_numpy() / table.latency_s.to_numpy()
        table[f"energy_ratio_vs_{tag}"] = merged._e.to_numpy() / table.energy_per_token_j.to_numpy()
    return table[list(RESULT_COLUMNS)]


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Llama-2-7B decode at the longest KV run, FP16 and INT4: the printed key numbers."""
    part = table[(table.model == "Llama-2-7B") & (table.phase == "decode") & table.supported
                 & table.weights.isin(["fp16", "int4"])]
    part = part[part.kv_len == part.kv_len.max()]
    cols = ["system", "weights", "batch", "tokens_per_s", "energy_per_token_j", "pim_share", "speedup_vs_a100",
            "speedup_vs_systolic", "energy_ratio_vs_systolic"]
    return part[cols].sort_values(["weights", "batch", "system"])


def compute(args) -> Outputs:
    table = simulate_all(args.quick)
    claim_table = claims(table)
    fmt = {"float_format": lambda v: f"{v:.4g}", "index": False}
    refused = table[~table.supported]
    report = "\n".join([
        f"{len(table)} rows, {len(refused)} not supported ("
        + "; ".join(f"{s}: {n}" for s, n in refused.groupby("system").size().items()) + ")",
        "", "Llama-2-7B decode (longest KV run):", summary(table).to_string(**fmt),
        "", "published claims beside hwsim:", claim_table[list(CLAIM_COLUMNS[:4])].to_string(**fmt)])
    return Outputs({"results.csv": table, "claims.csv": claim_table},
                   {"pim_decode.html": lambda: figure(table, claim_table)}, report,
                   float_formats={"claims.csv": "%.4g"})


def main(argv: list[str] | None = None) -> int:
    parser = study_parser("pim_decode", __doc__)
    parser.add_argument("--quick", action="store_true", help="a small subset (for the test)")
    return run_study(parser, compute, argv)


if __name__ == "__main__":
    raise SystemExit(main())
