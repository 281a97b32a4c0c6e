"""hwsim against published silicon and measurements: the fidelity table of docs/fidelity.md.

    python benchmarks/bench_fidelity.py            # print the table (markdown)
    python benchmarks/bench_fidelity.py --write    # also rewrite docs/fidelity.md's table body
                                                   # (between its fidelity-table markers)

Every row is one published figure (chip, metric, value, source: paper + table/figure/abstract),
hwsim's value for the same case, their ratio hwsim / published, and the preset and settings used.
A ratio beyond 1.5x either way carries the model's known gap in one line. Rows whose preset value
was derived from the very figure they are held against say "fitted" (their ratio is 1 by
construction, shown so that nobody mistakes it for a prediction).

Not part of the test suite (it runs the studies: 11-40 s on the shared 2-core machine, by load);
tests/test_fidelity_table.py checks the committed table's shape (a source on every row, ratios
computed from the two numbers shown).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "fidelity.md"
START_MARK = "<!-- fidelity-table:start (written by benchmarks/bench_fidelity.py --write) -->"
END_MARK = "<!-- fidelity-table:end -->"
ALEXNET = ROOT / "benchmarks" / "data" / "alexnet_conv_batch4.csv"
LLAMA = "llm/llama-2-7b"
OFF_BY = 1.5   # beyond this ratio either way a row must say why (docs/fidelity.md)

# -- sources (each published number below names one of these and its table / figure) ------------
EYERISS = "Chen et al., Eyeriss, JSSC 52(1) 2017, abstract (AlexNet CONV1-5, N = 4)"
TPU = "Jouppi et al., TPU v1, ISCA 2017"
NEMO = "NVIDIA NeMo Framework docs, performance, Llama-2 inference (A100 80GB SXM4, TP 1)"
LMDEPLOY = "InternLM/lmdeploy docs/en/benchmark/a100_fp16.md (v0.1.0a1, A100-80G, static inference, llama2-7b, tp 1)"
PIM_DEVICES = "../shared/reference/tech/pim_devices.csv"
AIM_PRESS = "SK hynix press release 2022-02-16 (GDDR6-AiM at ISSCC 2022), as reported by EE World Online"
AIM_JSSC = "D. Kwon et al., JSSC 58(1) 2023 (doi 10.1109/JSSC.2022.3200718), abstract: 7.5-10.5x GEMV speed-up measured"
BITMOD = "Chen et al., BitMoD, HPCA 2025 (arXiv 2411.11745), abstract"
LUT_TC = "Mo et al., LUT Tensor Core, ISCA 2025 (arXiv 2408.06003), abstract"
MIXPE = "Zhang et al., MixPE, arXiv 2411.16158, abstract (../shared/background.md)"


@dataclass(frozen=True)
class Row:
    """One published figure and hwsim's value for the same case."""

    chip: str          # the chip or system the figure is about
    metric: str        # what is compared, with its unit
    hwsim: float
    published: float
    source: str        # paper + table / figure / abstract (or the page) of the published value
    settings: str      # preset, workload and settings hwsim ran
    why: str = ""      # the model's known gap, one line (required when off by more than OFF_BY)

    @property
    def ratio(self) -> float:
        return self.hwsim / self.published

    @property
    def off(self) -> bool:
        """Beyond OFF_BY either way: the row must say why."""
        return self.ratio > OFF_BY or self.ratio < 1 / OFF_BY


def fmt(value: float) -> str:
    """3 significant digits, thousands separated: the same text the table test re-reads."""
    if value == 0 or not math.isfinite(value):
        return str(value)
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    return f"{value:,.{digits}f}"


def ratio_text(row: Row) -> str:
    return f"{row.ratio:.2f}"


def markdown(rows: list[Row]) -> str:
    head = ("| chip | metric | hwsim | published | hwsim / published | source | preset and settings | "
            "why off (beyond 1.5x) |\n|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        cells = [r.chip, r.metric, fmt(r.hwsim), fmt(r.published), ratio_text(r), r.source, r.settings,
                 r.why if r.off else ""]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def check(rows: list[Row]) -> None:
    for r in rows:
        if not r.source.strip():
            raise SystemExit(f"row without a source: {r.chip} / {r.metric}")
        if r.off and not r.why.strip():
            raise SystemExit(f"row off by more than {OFF_BY}x without a reason: {r.chip} / {r.metric} "
                             f"({r.ratio:.2f})")


def load_study(path: str, name: str) -> ModuleType:
    """A study script as a module (they are scripts, not a package; two are called run.py)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def chip_power_w(summary: dict) -> float:
    """The chip's own power: all energy but the DRAM accesses' (off-chip devices), over the run."""
    parts = summary["energy_breakdown_pj"]
    return (summary["energy_pj"] - parts["dram"]) * 1e-12 / summary["latency_s"]


# -- Eyeriss ---------------------------------------------------------------------------------------
def eyeriss() -> list[Row]:
    import hwsim

    work = hwsim.load_workload(str(ALEXNET))
    s = hwsim.simulate("eyeriss-like", work).summary()
    images = 4
    setting = "eyeriss-like (defaults), benchmarks/data/alexnet_conv_batch4.csv (CONV1-5, batch 4, INT16)"
    words_per_mac = s["dram_bits"] / 16 / s["macs"]
    return [
        Row("Eyeriss", "AlexNet CONV1-5 throughput, frames/s", images / s["latency_s"], 35, EYERISS, setting),
        Row("Eyeriss", "chip power, mW", chip_power_w(s) * 1e3, 278, EYERISS,
            setting + "; power without the DRAM accesses' energy"),
        Row("Eyeriss", "DRAM accesses per MAC (16-bit words)", words_per_mac, 0.0029, EYERISS, setting,
            "the global buffer's ifmap/psum split is fixed (64/44 KB; the chip sets it per layer), so CONV3-5 "
            "still re-fetch filters and spill some 16-bit partial sums; zero run-length compression of "
            "activations is not modelled"),
    ]


# -- TPU v1 ----------------------------------------------------------------------------------------
def tpu() -> list[Row]:
    import hwsim

    accel = hwsim.load_accelerator("tpu-v1-like")
    info = accel.info()
    s = hwsim.simulate(accel, "resnet50").summary()
    return [
        Row("TPU v1", "peak, TOPS (8-bit)", info["peak_tops"], 92, TPU + ", abstract", "tpu-v1-like"),
        Row("TPU v1", "idle power, W (fitted)", info["leakage_uw"] * 1e-6, 28, TPU + ", Table 2 (die, idle)",
            "tpu-v1-like: static power (leakage, DRAM PHYs, idle_floor_w 27.34 W derived from this figure)"),
        Row("TPU v1", "busy power, W", chip_power_w(s), 40, TPU + ", Table 2 (die, busy)",
            "tpu-v1-like on workloads/resnet50.csv (batch 1; a stand-in: the paper's six apps are not "
            "published layer by layer); power without the DRAM accesses' energy "
            f"(with it: {fmt(s['power_w'])} W)"),
    ]


# -- GPU Llama-2-7B FP16 ---------------------------------------------------------------------------
NEMO_MS = {1: 234.0, 2: 249.6, 4: 272.6, 8: 329.5}   # 128 in / 20 out, latency ms (NEMO)
NEMO_FRACTION = 0.587                                  # docs/model-assumptions.md: fitted to NEMO_MS[1]
# (batch, prompt tokens, output tokens): throughput, output tokens/s (LMDEPLOY, static inference)
LMDEPLOY_TOK_S = {(1, 1, 128): 100.02, (1, 128, 128): 102.21, (1, 128, 2048): 98.92, (1, 2048, 128): 86.1,
                  (1, 2048, 2048): 93.78, (16, 1, 128): 1504.72, (16, 128, 128): 1272.47,
                  (16, 128, 2048): 1010.62, (16, 2048, 128): 348.87, (16, 2048, 2048): 601.63}
STREAM_FRACTION = 0.88   # docs/model-assumptions.md: a streaming read kernel's sustained HBM share


def run_s(accel, batch: int, prompt: int, new: int) -> float:
    import hwsim

    g = hwsim.generate(accel, LLAMA, prompt=prompt, new_tokens=new, batch=batch)
    return g.time_to_first_token_s + g.decode_time_s


def gpu() -> list[Row]:
    import hwsim

    roof = hwsim.load_accelerator("gpu-a100-80gb-roofline")
    stack = hwsim.load_accelerator("gpu-a100-80gb-roofline",
                                   [f"compute.achievable_compute_fraction={NEMO_FRACTION}",
                                    f"compute.achievable_bandwidth_fraction={NEMO_FRACTION}"])
    stream = hwsim.load_accelerator("gpu-a100-80gb-roofline",
                                    [f"compute.achievable_bandwidth_fraction={STREAM_FRACTION}"])
    roof_gap = ("a roofline is an upper bound: it streams weights and KV at the full 2,039 GB/s and "
                "runs every kernel at peak; a serving stack reaches about 0.59 of it end to end")
    rows = []
    for batch, ms in NEMO_MS.items():
        base = f"llama-2-7b FP16 generate, batch {batch}, 128 in / 20 out (prefill + 20 decode steps)"
        rows.append(Row("A100 80GB + NeMo", f"Llama-2-7B latency, batch {batch}, ms", run_s(roof, batch, 128, 20) * 1e3,
                        ms, NEMO, "gpu-a100-80gb-roofline (fractions 1.0); " + base, roof_gap))
        fitted = " (fitted)" if batch == 1 else ""
        rows.append(Row("A100 80GB + NeMo", f"Llama-2-7B latency, batch {batch}, ms{fitted}",
                        run_s(stack, batch, 128, 20) * 1e3, ms, NEMO,
                        f"gpu-a100-80gb-roofline, achievable compute and bandwidth fractions {NEMO_FRACTION} "
                        "(fitted to the batch-1 figure); " + base))
    for (batch, prompt, new), tok_s in LMDEPLOY_TOK_S.items():
        case = f"batch {batch}, {prompt} in / {new} out"
        base = f"llama-2-7b FP16 generate, {case}; output tokens / (prefill + decode time)"
        rows.append(Row("A100 80GB + lmdeploy", f"Llama-2-7B throughput, {case}, tokens/s",
                        batch * new / run_s(roof, batch, prompt, new), tok_s, LMDEPLOY,
                        "gpu-a100-80gb-roofline (fractions 1.0); " + base, roof_gap))
        rows.append(Row("A100 80GB + lmdeploy", f"Llama-2-7B throughput, {case}, tokens/s",
                        batch * new / run_s(stream, batch, prompt, new), tok_s, LMDEPLOY,
                        f"gpu-a100-80gb-roofline, achievable_bandwidth_fraction {STREAM_FRACTION} "
                        "(a streaming kernel's measured share, not fitted here); " + base, roof_gap))
    return rows


# -- PIM -------------------------------------------------------------------------------------------
def aim_gemv_gain() -> tuple[float, str]:
    """A 4096 x 4096 BF16 GEMV in GDDR6-AiM's banks against streaming its weights over the same
    chip's pins (what a host reading plain GDDR6 waits for, at best)."""
    import tempfile

    import hwsim

    accel = hwsim.load_accelerator("gddr6-aim")
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "gemv.csv"
        trace.write_text("# name: gemv4096\nname,op,m,k,n,weights,activations,outputs\n"
                         "gemv,gemm,1,4096,4096,bf16,bf16,bf16\n")
        pim_s = hwsim.simulate(accel, str(trace)).summary()["latency_s"]
    pins_s = 4096 * 4096 * 2 / (accel.info()["dram_bandwidth_gb_s"] * 1e9)
    return pins_s / pim_s, (f"gddr6-aim, a 4096x4096 BF16 GEMV ({fmt(pim_s * 1e6)} us) vs its 32 MiB of weights "
                            f"over the chip's {fmt(accel.info()['dram_bandwidth_gb_s'])} GB/s pins ({fmt(pins_s * 1e6)} us)")


ATTACC = "Park et al., AttAcc!, ASPLOS 2024, abstract"
ATTACC_BATCH, ATTACC_KV = 16, 4095   # with the new token: 4096, the model's limit


def attacc_gains() -> tuple[float, float]:
    """AttAcc (attention in HBM3-PIM banks, the rest on the GPU) against the GPU alone: the ratio
    of decode-step latencies and of energies."""
    import hwsim

    work = hwsim.load_workload(str(ROOT / "workloads" / "llm" / "llama-2-7b.json"), phase="decode",
                               kv_len=ATTACC_KV, batch=ATTACC_BATCH)
    fp16 = hwsim.Precision(weights="fp16")
    pim = hwsim.simulate("attacc-hbm3", work, precision=fp16).summary()
    gpu = hwsim.simulate("gpu-h100-roofline", work, precision=fp16).summary()
    return gpu["latency_s"] / pim["latency_s"], gpu["energy_pj"] / pim["energy_pj"]


def pim() -> list[Row]:
    import hwsim

    study = load_study("studies/pim_decode/run.py", "fidelity_pim_decode")
    claims = study.claims(study.simulate_all(quick=True)).set_index("claim")
    hbm = hwsim.load_accelerator("hbm-pim").info()
    aim = hwsim.load_accelerator("gddr6-aim").info()
    gain, gain_case = aim_gemv_gain()
    case = "hbm-pim vs systolic-hbm2 (the same HBM2 stack, no PIM), Llama-2-7B decode batch 1, FP16, KV 512"
    speedup, efficiency = attacc_gains()
    attacc_case = (f"attacc-hbm3 vs gpu-h100-roofline, Llama-2-7B decode batch {ATTACC_BATCH}, KV {ATTACC_KV} "
                   "(the model's longest context), FP16; the paper's figure is GPT-3 175B")
    attacc_gap = ("only attention moves into memory: Llama-2-7B at KV 4095 spends a smaller share of a decode "
                  "step in attention than the paper's GPT-3 175B runs (its best case), which bounds the gain")
    rows = [
        Row("HBM-PIM", "peak, TFLOPS (FP16)", hbm["peak_tflops"], 1.2,
            f"Kwon et al. ISSCC 2021 via {PIM_DEVICES}", "hbm-pim"),
        Row("HBM-PIM", "decode speed-up over HBM2 without PIM, x (published: >2x)",
            claims.loc["HBM-PIM system performance (Llama-2-7B)", "hwsim"], 2.0,
            "Kwon et al. ISSCC 2021; Lee et al. ISCA 2021", case + " (studies/pim_decode, --quick grid)"),
        Row("HBM-PIM", "energy cut over HBM2 without PIM, % (published: >70%)",
            claims.loc["HBM-PIM energy reduction, % (Llama-2-7B)", "hwsim"], 70.0,
            "Kwon et al. ISSCC 2021; Lee et al. ISCA 2021", case),
        Row("GDDR6-AiM", "peak, TFLOPS (BF16)", aim["peak_tflops"], 1.0,
            f"Lee et al. ISSCC 2022 via {PIM_DEVICES}", "gddr6-aim"),
        Row("GDDR6-AiM", "GEMV speed-up over the same chip without PIM, x (published: up to 16x)", gain, 16.0,
            AIM_PRESS, gain_case,
            "16x is the channel's internal over pin bandwidth (512 vs 32 GB/s); a GEMV also pays an activate "
            "and precharge per 64-column row and a partial-sum exchange with two register-mode switches per "
            "row gap (the AiM simulator's commands; docs/models/pim.md)"),
        Row("GDDR6-AiM", "GEMV speed-up measured on SK hynix's FPGA system, x (published: 7.5-10.5x; the top)",
            gain, 10.5, AIM_JSSC, gain_case),
        Row("AttAcc", "GPU+PIM speed-up over the GPU, x (published: up to 2.81x)", speedup, 2.81,
            ATTACC, attacc_case, attacc_gap),
        Row("AttAcc", "GPU+PIM energy efficiency over the GPU, x (published: up to 2.67x)", efficiency, 2.67,
            ATTACC, attacc_case, attacc_gap),
    ]
    return rows


# -- LUT, bit-serial and shift-add PEs -------------------------------------------------------------
def lut_tensor_core() -> list[Row]:
    study = load_study("studies/lut_vs_mac/run.py", "fidelity_lut_vs_mac")
    table = study.claims([2])
    prior = table[table.variant == "prior LUT: no sym + square tile"].set_index("metric").hwsim
    setting = ("a LUT Tensor Core-like PE (symmetric FP16 tables, 16-row tile) vs the same PE without "
               "symmetry on a square tile, equal PE-array area, 28 nm, INT2 weights, FP16 activations "
               "(studies/lut_vs_mac)")
    return [
        Row("LUT Tensor Core", "compute density over prior LUT designs, x", prior.iloc[0], 1.44, LUT_TC, setting),
        Row("LUT Tensor Core", "energy efficiency over prior LUT designs, x (compute only, Llama-2-7B prefill 512)",
            prior.iloc[1], 1.44, LUT_TC, setting),
    ]


def bitmod() -> list[Row]:
    study = load_study("studies/bitmod/reproduce.py", "fidelity_bitmod")
    results, _ = study.run_all(str(ROOT / "workloads" / "llm" / "llama-2-7b.json"), None, ("bitmod",))
    table = study.ratios(results).set_index("design").speedup
    setting = ("bitmod-lossy-* vs ant-* presets, mapping: bitmod, Llama-2-7B, geomean of prefill 256 and decode "
               "at KV 256 (studies/bitmod; the paper's figure averages its models)")
    return [
        Row("BitMoD", "speed-up of BitMoD (lossy) over ANT, x", table["bitmod_lossy_vs_ant"], 1.69, BITMOD, setting),
        Row("BitMoD", "speed-up of BitMoD (lossy) over OliVe, x", table["bitmod_lossy_vs_olive"], 1.48, BITMOD,
            setting.replace("ant-*", "olive-*")),
    ]


def mixpe() -> list[Row]:
    study = load_study("studies/mixpe/run.py", "fidelity_mixpe")
    design_table, _ = study.designs()
    ratios = study.ratios(study.runs(design_table, ("Llama-2-7B",)))
    pick = ratios[(ratios.scenario == "decode b1") & (ratios.mixpe == "mixpe-w4a8")
                  & (ratios.baseline == "baseline-w8a8") & (ratios.setup == "mixpe-4x")].iloc[0]
    setting = ("mixpe-w4a8 (MixPE's own setup: a 4x array) vs baseline-w8a8 at the budget's area, Llama-2-7B "
               "decode batch 1, weight GEMMs (studies/mixpe); the paper's baselines (ANT/OliVe-class quantisation "
               "accelerators) are not modelled")
    return [
        Row("MixPE", "speed-up over a quantisation accelerator, x", pick.speedup, 2.6, MIXPE, setting),
        Row("MixPE", "energy reduction over a quantisation accelerator, x", pick.energy_ratio, 1.4, MIXPE, setting,
            "hwsim's W8A8 baseline moves twice MixPE's weight bits at batch 1 (DRAM-bound); the paper's "
            "baselines quantise weights too"),
    ]


SECTIONS = (eyeriss, tpu, gpu, pim, lut_tensor_core, bitmod, mixpe)


def stamp() -> str:
    """Which code the table came from: the commit, and whether the tree had edits beyond it."""
    import datetime
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " plus uncommitted edits" if git("status", "--porcelain", "--untracked-files=no") else ""
    day = datetime.date.today().isoformat()
    return f"_Regenerated {day} from commit {commit}{dirty} by `python benchmarks/bench_fidelity.py --write`._"


def write_doc(table: str) -> None:
    text = DOC.read_text()
    if START_MARK not in text or END_MARK not in text:
        raise SystemExit(f"{DOC}: the markers {START_MARK!r} and {END_MARK!r} are missing")
    head, rest = text.split(START_MARK, 1)
    _, tail = rest.split(END_MARK, 1)
    DOC.write_text(f"{head}{START_MARK}\n{stamp()}\n\n{table}\n{END_MARK}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite the table in {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for section in SECTIONS:
        start = time.perf_counter()
        rows += section()
        print(f"{section.__name__}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    check(rows)
    table = markdown(rows)
    print(table)
    if args.write:
        write_doc(table)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
