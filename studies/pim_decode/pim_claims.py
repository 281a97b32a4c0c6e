"""Published PIM claims beside hwsim's figures, from the study's results table (studies/pim_decode)."""

from __future__ import annotations

from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd

CLAIM_COLUMNS = ("claim", "source", "published", "hwsim", "note")
CLAIM_KV = 512          # within GPT-2's 1024 and OPT's 2048 learned positions
PIM_GPT = "Wu, Wang & Lu, PIM-GPT, arXiv 2310.09385 (abstract)"
HBM_PIM = "Kwon et al. ISSCC 2021; Lee et al. ISCA 2021 (HBM-PIM / Aquabolt-XL)"
ATTACC = "Park et al., AttAcc!, ASPLOS 2024"
PLACEMENT = {"bankgroup": "bank-group", "bufferdie": "buffer-die"}


@dataclass(frozen=True)
class Claim:
    claim: str
    source: str
    published: str
    hwsim: float
    note: str


def pick(table: pd.DataFrame, system: str, model: str, *, phase: str = "decode", batch: int = 1,
         weights: str = "fp16", kv: int = CLAIM_KV) -> pd.Series | None:
    """The one supported row of a case, or None when the case was not run."""
    hit = table[(table.system == system) & (table.model == model) & (table.phase == phase)
                & (table.batch == batch) & (table.weights == weights) & (table.kv_len == kv) & table.supported]
    return hit.iloc[0] if len(hit) else None


def pim_gpt(table: pd.DataFrame) -> list[Claim]:
    out = []
    for model in ("GPT-2", "OPT-1.3B"):
        pim, gpu = pick(table, "pim-gpt", model), pick(table, "gpu-a100-roofline", model)
        if pim is None or gpu is None:
            continue
        case = (f"{model} decode batch 1, KV {CLAIM_KV}: pim-gpt (BF16) {pim.tokens_per_s:.0f} tok/s vs "
                f"gpu-a100-roofline (FP16) {gpu.tokens_per_s:.0f} tok/s")
        out.append(Claim(f"PIM-GPT speedup over a GPU ({model})", PIM_GPT, "41-137x", pim.speedup_vs_a100,
                         case + "; the roofline streams weights at the full 1555 GB/s, an upper bound on a real "
                         "GPU at batch 1"))
        out.append(Claim(f"PIM-GPT energy efficiency over a GPU ({model})", PIM_GPT, "123-383x (v1: 339-1085x)",
                         pim.energy_ratio_vs_a100,
                         f"J/token {gpu.energy_per_token_j:.3g} (A100 roofline: DRAM + MACs, no static GPU power) "
                         f"vs {pim.energy_per_token_j:.3g}"))
    return out


def hbm_pim(table: pd.DataFrame) -> list[Claim]:
    out = []
    for model in ("GPT-2", "OPT-1.3B", "Llama-2-7B"):
        row = pick(table, "hbm-pim", model)
        if row is None or np.isnan(row.speedup_vs_systolic):
            continue
        case = f"hbm-pim vs systolic-hbm2 (same HBM2 stack), {model} decode batch 1, FP16, KV {CLAIM_KV}"
        out.append(Claim(f"HBM-PIM system performance ({model})", HBM_PIM, ">2x", row.speedup_vs_systolic, case))
        out.append(Claim(f"HBM-PIM energy reduction, % ({model})", HBM_PIM, ">70%",
                         100 * (1 - 1 / row.energy_ratio_vs_systolic), case))
    prefill = table[(table.system == "hbm-pim") & (table.phase == "prefill") & (table.weights == "fp16")]
    if len(prefill):
        row = prefill.iloc[0]
        out.append(Claim("HBM-PIM on prefill (a GEMM, not a GEMV): speedup", HBM_PIM,
                         "no gain expected (PIM targets memory-bound GEMV)", row.speedup_vs_systolic,
                         f"{row.model} prefill {row.seq_len} tokens, FP16: every token re-streams the weights in "
                         "the banks, the array reuses them"))
    return out


def attacc(table: pd.DataFrame) -> list[Claim]:
    # the longest KV the model takes: a refused KV (beyond Llama-2's 4096 positions) is a
    # not-supported row, never a claim
    llama = table[(table.model == "Llama-2-7B") & (table.phase == "decode") & table.supported]
    if not len(llama):
        return []
    batch, kv = int(llama.batch.max()), int(llama.kv_len.max())
    rows = {s: pick(table, s, "Llama-2-7B", batch=batch, kv=kv)
            for s in ("attacc-hbm3", "attacc-hbm3-bankgroup", "attacc-hbm3-bufferdie")}
    bank = rows["attacc-hbm3"]
    if bank is None:
        return []
    case = f"Llama-2-7B decode batch {batch}, KV {kv}, FP16: attn_qk + attn_pv"
    out = []
    for other in ("bankgroup", "bufferdie"):
        row = rows[f"attacc-hbm3-{other}"]
        if row is None:
            continue
        published = f"bank-level chosen over {PLACEMENT[other]} (qualitative)"
        out.append(Claim(f"AttAcc attention time, {other} / bank-level", ATTACC, published,
                         row.attn_latency_s / bank.attn_latency_s, case))
        out.append(Claim(f"AttAcc attention energy, {other} / bank-level", ATTACC, published,
                         row.attn_energy_j / bank.attn_energy_j, case))
    out.append(Claim("AttAcc GPU+PIM over the GPU: speedup", ATTACC, "up to 2.81x (GPT-3 175B)",
                     bank.speedup_vs_h100, f"attacc-hbm3 vs gpu-h100-roofline, {case.split(':')[0]}"))
    out.append(Claim("AttAcc GPU+PIM over the GPU: energy efficiency", ATTACC, "up to 2.67x (GPT-3 175B)",
                     bank.energy_ratio_vs_h100, f"attacc-hbm3 vs gpu-h100-roofline, {case.split(':')[0]}"))
    return out


def claims(table: pd.DataFrame) -> pd.DataFrame:
    rows = pim_gpt(table) + hbm_pim(table) + attacc(table)
    return pd.DataFrame([astuple(c) for c in rows], columns=list(CLAIM_COLUMNS))
