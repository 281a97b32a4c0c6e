"""A sweep's workloads take the LLM scenario keys `hwsim run` takes: moe_routing (a model or a
routing histogram read from the spec's folder), mla_form and allow_long_context
(docs/sweep-spec.md, "Workloads"). Rows equal hwsim.evaluate on the same workload, the histogram
is part of the workload's identity, and a bad value is one line naming workloads[i].<key>."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import hwsim
from hwsim.dse.spec import load_sweep_spec
from _sweep_io import run, table, write  # noqa: E402  (tests/dse/_sweep_io.py)

pytest.importorskip("pyarrow")

MODEL = "llm/qwen3-30b-a3b"          # 128 experts, top-8 (its config.json)
SCENARIO = "phase: decode, kv_len: 64, batch: 4"
# every MoE block's 4 rows x 8 = 32 assignments over 16 experts, 2 rows each (no weight above
# sum / k = 16 / 8 = 2: hwsim/workload/moe_routing.py)
HISTOGRAM = {"layers": [[1.0] * 16 + [0.0] * 112], "source": "hand-made"}

SPEC = f"""\
accelerator: tpu-v1-like
workloads:
  - {{name: {MODEL}, {SCENARIO}, moe_routing: routing.json, label: measured}}
  - {{name: {MODEL}, {SCENARIO}, moe_routing: expected, label: expected}}
  - {{name: {MODEL}, {SCENARIO}, label: upper}}
axes:
  dram.bandwidth_gb_s: [100, 400]
sampler: {{kind: grid}}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "routing.json").write_text(json.dumps(HISTOGRAM))
    return tmp_path


def test_routing_models_and_a_histogram_beside_the_spec(folder, capsys, monkeypatch):
    space = write(folder, SPEC)
    monkeypatch.chdir(folder.parent)          # the histogram is found beside the spec, not here
    code, _, err = run(["sweep", space, "-o", folder / "out", "--quiet"], capsys)
    assert code == 0, err
    rows = table(folder / "out")
    points = pd.DataFrame({"dram.bandwidth_gb_s": [100.0, 400.0]})
    for label, routing in (("measured", str(folder / "routing.json")), ("expected", "expected"), ("upper", None)):
        work = hwsim.load_workload(MODEL, phase="decode", kv_len=64, batch=4, moe_routing=routing)
        want = hwsim.evaluate("tpu-v1-like", work, points)
        for column in ("total_cycles", "energy_pj", "dram_bits", "macs"):
            assert rows[f"{label}.{column}"].tolist() == want[column].tolist(), (label, column)
    # every routing runs the same MACs (R x expert FFN MACs); 16 touched experts per block read fewer
    # weights than the expected 29.1 (128 (1 - (1 - 8/128)^4)), which read fewer than all 32 (min(E, R))
    assert (rows["measured.macs"] == rows["upper.macs"]).all()
    assert (rows["expected.macs"] == rows["upper.macs"]).all()
    assert (rows["measured.dram_bits"] < rows["expected.dram_bits"]).all()
    assert (rows["expected.dram_bits"] < rows["upper.dram_bits"]).all()
    from hwsim.explore.data import explorer_data

    runs = {w.label: w.run_arguments() for w in explorer_data(folder / "out", objectives={"latency_s": "min"}).origin.workloads}
    assert runs["measured"][-2:] == ["--moe-routing", str((folder / "routing.json").resolve())]
    assert runs["expected"][-2:] == ["--moe-routing", "expected"]


def test_the_histogram_is_part_of_the_workload_identity(folder):
    space = write(folder, SPEC)
    before = load_sweep_spec(space).sha256()
    (folder / "routing.json").write_text(json.dumps({"layers": [[1.0] * 32 + [0.0] * 96]}))
    assert load_sweep_spec(space).sha256() != before     # a resume refuses a changed histogram


def test_allow_long_context_lets_a_decode_run_past_the_trained_context(folder, capsys):
    # Llama-2-7B's 4,096 positions (max_position_embeddings; RoPE, so a longer context is a choice):
    # an 8,192-token KV cache is refused unless allowed
    long = "{name: llm/llama-2-7b, phase: decode, kv_len: 8192, batch: 1"
    spec = SPEC.replace(SPEC[SPEC.index("  - "):SPEC.index("axes:")], f"  - {long}}}\n")
    code, _, err = run(["sweep", write(folder, spec), "-o", folder / "refused"], capsys)
    assert code == 2 and "workloads[0]" in err and "allow_long_context" in err, err
    spec = SPEC.replace(SPEC[SPEC.index("  - "):SPEC.index("axes:")], f"  - {long}, allow_long_context: true}}\n")
    code, _, err = run(["sweep", write(folder, spec), "-o", folder / "out", "--quiet"], capsys)
    assert code == 0, err
    want = hwsim.evaluate("tpu-v1-like", hwsim.load_workload("llm/llama-2-7b", phase="decode", kv_len=8192,
                                                             allow_long_context=True),
                          pd.DataFrame({"dram.bandwidth_gb_s": [100.0, 400.0]}))
    assert table(folder / "out")["total_cycles"].tolist() == want["total_cycles"].tolist()
    # the explorer's run line for a row repeats the flag (hwsim run ... --allow-long-context)
    from hwsim.explore.data import explorer_data

    run_line = explorer_data(folder / "out", objectives={"latency_s": "min"}).origin.workloads[0].run_arguments()
    assert run_line == ["llm/llama-2-7b", "--phase", "decode", "--kv-len", "8192", "--batch", "1",
                        "--allow-long-context"]


@pytest.mark.parametrize("entry, words", [
    (f"{{name: llm/gpt2, {SCENARIO}, moe_routing: expected}}", ["workloads[0].moe_routing", "no mixture of experts"]),
    (f"{{name: {MODEL}, {SCENARIO}, moe_routing: missing.json}}",
     ["workloads[0].moe_routing", "missing.json: relative paths are read from the spec's folder"]),
    (f"{{name: {MODEL}, {SCENARIO}, moe_routing: 2}}", ["workloads[0].moe_routing", "is not text"]),
    (f"{{name: llm/gpt2, {SCENARIO}, mla_form: naive}}", ["workloads[0].mla_form", "no multi-head latent attention"]),
    (f"{{name: llm/deepseek-v2-lite, {SCENARIO}, mla_form: folded}}", ["workloads[0].mla_form", "absorbed", "naive"]),
    (f"{{name: llm/gpt2, {SCENARIO}, allow_long_context: 1}}", ["workloads[0].allow_long_context", "true, false"]),
])
def test_bad_llm_keys_are_one_line(folder, capsys, entry, words):
    space = write(folder, SPEC.replace(SPEC[SPEC.index("  - "):SPEC.index("axes:")], f"  - {entry}\n"))
    code, _, err = run(["sweep", space, "-o", folder / "out"], capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("hwsim: error: "), err
    for word in words:
        assert word in err, (word, err)
