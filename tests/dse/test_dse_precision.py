"""Precision as one sweep axis: mix names, the native-PE rule shared with `hwsim run --native-pe`,
plan files, and a physics direction (INT4 weights halve a memory-bound decode's weight traffic).

The native-PE rule (hwsim/dse/precision.py, docs/sweep-spec.md "Precision"): the PE declares the
formats the GEMMs run at (weights or the KV cache on the B side, activations on the A side); the
accumulator is int32 (or the widest need) when every element is INT, fp32 otherwise; a MAC PE
gets no conversions and keeps Bit Fusion decomposition only for all-INT formats.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

import hwsim
from hwsim.cli import main
from hwsim.dse.precision import parse_mix
from hwsim.errors import HwsimInputError

pytest.importorskip("pyarrow")

MAC_KEYS = {"compute.pe.conversions": [], "compute.pe.decomposable": False}


def defaults(w: str, a: str, o: str, kv: str) -> dict:
    return {"default_precision.weights": w, "default_precision.activations": a,
            "default_precision.outputs": o, "default_precision.kv": kv}


# (mix, expected columns with no workloads: the PE runs every operand of the mix)
NAMED = [
    # INT8 x INT8: an 8 + 8 = 16-bit product, int32 (the floor); KV in the activation format
    ("w8a8", {"compute.pe.weights": ["int8"], "compute.pe.activations": ["int8"], "compute.pe.accumulator": "int32",
              **MAC_KEYS, **defaults("int8", "int8", "int8", "int8")}),
    # INT4 weights, INT8 activations and KV: B side holds int4 (weights) and int8 (KV)
    ("w4a8", {"compute.pe.weights": ["int4", "int8"], "compute.pe.activations": ["int8"],
              "compute.pe.accumulator": "int32", **MAC_KEYS, **defaults("int4", "int8", "int8", "int8")}),
    ("w4a4", {"compute.pe.weights": ["int4"], "compute.pe.activations": ["int4"], "compute.pe.accumulator": "int32",
              **MAC_KEYS, **defaults("int4", "int4", "int4", "int4")}),
    # fp8 = E4M3 on every operand: FP, so fp32 and no decomposition
    ("fp8", {"compute.pe.weights": ["fp8_e4m3"], "compute.pe.activations": ["fp8_e4m3"],
             "compute.pe.accumulator": "fp32", **MAC_KEYS, **defaults("fp8_e4m3", "fp8_e4m3", "fp8_e4m3", "fp8_e4m3")}),
    # INT4 weights per group of 128 (hwsim's uint8 scale), FP16 activations: a MAC declares the
    # element int4 (it strips the group); KV fp16 on the B side too; INT x FP needs fp32
    ("w4a16@g128", {"compute.pe.weights": ["fp16", "int4"], "compute.pe.activations": ["fp16"],
                    "compute.pe.accumulator": "fp32", **MAC_KEYS, **defaults("int4@g128", "fp16", "fp16", "fp16")}),
    ("fp16", {"compute.pe.weights": ["fp16"], "compute.pe.activations": ["fp16"], "compute.pe.accumulator": "fp32",
              **MAC_KEYS, **defaults("fp16", "fp16", "fp16", "fp16")}),
    ("int8", {"compute.pe.weights": ["int8"], "compute.pe.activations": ["int8"], "compute.pe.accumulator": "int32",
              **MAC_KEYS, **defaults("int8", "int8", "int8", "int8")}),
    # kv<K> sets the KV format apart from the activations
    ("w4a8kv4", {"compute.pe.weights": ["int4"], "compute.pe.activations": ["int8"],
                 "compute.pe.accumulator": "int32", **MAC_KEYS, **defaults("int4", "int8", "int8", "int4")}),
    ("fp16kvfp8", {"compute.pe.weights": ["fp16", "fp8_e4m3"], "compute.pe.activations": ["fp16"],
                   "compute.pe.accumulator": "fp32", **MAC_KEYS, **defaults("fp16", "fp16", "fp16", "fp8_e4m3")}),
]


@pytest.mark.parametrize("name, expected", NAMED, ids=[n for n, _ in NAMED])
def test_mix_columns_by_hand(name, expected):
    assert hwsim.precision_mix(name) == expected


def test_mix_grammar_by_hand():
    mix = parse_mix("w4a16@g128kv8")
    assert (mix.weights.name, mix.activations.name, mix.outputs.name, mix.kv.name) == ("int4@g128", "fp16", "fp16",
                                                                                      "int8")
    # 4 + 8 / 128 = 4.0625 bits per weight (the uint8 group scale shared by 128 weights)
    assert mix.weights.bits_per_element == 4 + 8 / 128
    mix = parse_mix("w4a8@g64:uint4")
    assert mix.weights.bits_per_element == 4 + 4 / 64
    assert parse_mix("W8A8").weights.name == "int8"


@pytest.mark.parametrize("bad", ["w4a9", "w12a8", "w16a16@g128", "fp9", "w4", "int8kv", "", 8])
def test_bad_mix_is_one_line_with_the_grammar(bad):
    with pytest.raises(HwsimInputError) as err:
        parse_mix(bad)
    text = str(err.value)
    assert "\n" not in text and "is not a precision mix" in text
    assert "w<W>a<A>[@g<G>][kv<K>]" in text and "w4a16@g128" in text and "plan file" in text


def test_native_pe_follows_the_workloads():
    # ResNet-50 has no attention: only the weights are on the B side, the KV format is unused
    resnet = hwsim.precision_mix("w4a8", "resnet50")
    assert resnet["compute.pe.weights"] == ["int4"]
    # Llama decode: attention's B operand is the KV cache (int8 here), the projections' int4
    llama = hwsim.load_workload("llm/llama-3-8b", phase="decode", kv_len=16)
    assert hwsim.precision_mix("w4a8", llama)["compute.pe.weights"] == ["int4", "int8"]
    assert hwsim.precision_mix("w4a8kv4", llama)["compute.pe.weights"] == ["int4"]


def test_native_pe_per_pe_type():
    # a shift-add PE declares the group format (it sizes its dequantisation unit); a LUT PE's
    # accumulator follows its table entries (int8 by default): int32 even with FP16 activations;
    # the MAC-only keys are absent
    shift = hwsim.precision_mix("w4a16@g128", "resnet50", accelerator="mixpe-w4a16")
    assert shift["compute.pe.weights"] == ["int4@g128"] and shift["compute.pe.accumulator"] == "fp32"
    assert "compute.pe.conversions" not in shift
    lut = hwsim.precision_mix("w4a8", "resnet50", accelerator="lut-tensor-core-like")
    # the preset's tables are fp16: an FP accumulator
    assert lut["compute.pe.accumulator"] == "fp32"


def test_cli_native_pe_runs_group_scaled_weights_on_a_mac(capsys):
    # a MAC declares int4 for int4@g128 weights (before: it declared 'int4@g128', which no MAC runs)
    assert main(["run", "tpu-v1-like", "resnet50", "--weights", "int4@g128", "--activations", "fp16",
                 "--native-pe", "--out", "", "--format", "json"]) == 0


def test_cli_native_pe_with_a_hand_written_plan_of_other_weights(tmp_path, capsys):
    # a plan setting every GEMM layer's weights leaves the preset's default weights (int8) unread:
    # the native PE runs only int4 (before: "default_precision: weights format 'int8' is not
    # supported", blaming the preset). The run equals giving the formats run-wide.
    (tmp_path / "plan.csv").write_text("layer,weights,activations\n*,int4,int8\n")
    assert main(["run", "tpu-v1-like", "resnet50", "--precision", str(tmp_path / "plan.csv"), "--native-pe",
                 "--out", "", "--format", "json"]) == 0
    import json

    planned = json.loads(capsys.readouterr().out)
    assert main(["run", "tpu-v1-like", "resnet50", "--weights", "int4", "--activations", "int8", "--native-pe",
                 "--out", "", "--format", "json"]) == 0
    run_wide = json.loads(capsys.readouterr().out)
    assert planned["energy_pj"] == pytest.approx(run_wide["energy_pj"], rel=1e-12)
    assert planned["latency_s"] == pytest.approx(run_wide["latency_s"], rel=1e-12)


# ---- the axis in a sweep ----------------------------------------------------------------------

SPACE = """\
accelerator: tpu-v1-like
workloads: [resnet50]
axes:
  compute.rows: [32, 64]
  compute.cols: {tie: compute.rows}
  precision: [w8a8, w4a8, fp16]
sampler: {kind: grid}
"""


def write(folder, text, name="space.yaml"):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def rows(out) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values("point_id").reset_index(drop=True)


def test_sweep_equals_evaluate_with_the_expanded_columns(tmp_path):
    hwsim.sweep(write(tmp_path, SPACE), tmp_path / "out", progress="quiet")
    got = rows(tmp_path / "out")
    assert list(got["precision"]) == ["w8a8", "w4a8", "fp16"] * 2   # the last axis varies fastest
    points = []
    for r in (32, 64):
        for mix in ("w8a8", "w4a8", "fp16"):
            points.append({"compute.rows": r, "compute.cols": r, **hwsim.precision_mix(mix, "resnet50")})
    want = hwsim.evaluate("tpu-v1-like", "resnet50", pd.DataFrame(points))
    for column in ("total_cycles", "latency_s", "energy_pj", "area_mm2", "dram_bits"):
        assert got[column].tolist() == want[column].tolist(), column


def test_sweep_row_equals_run_native_pe(tmp_path, capsys):
    hwsim.sweep(write(tmp_path, SPACE), tmp_path / "out", progress="quiet")
    row = rows(tmp_path / "out").iloc[4]   # rows 64, w4a8
    assert (row["compute.rows"], row["precision"]) == (64, "w4a8")
    assert main(["run", "tpu-v1-like", "resnet50", "--set", "compute.rows=64", "--set", "compute.cols=64",
                 "--weights", "int4", "--activations", "int8", "--outputs", "int8", "--kv", "int8", "--native-pe",
                 "--out", "", "--format", "json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    # simulate and evaluate sum in different orders: equal to float rounding
    assert summary["latency_s"] == pytest.approx(row["latency_s"], rel=1e-12)
    assert summary["energy_pj"] == pytest.approx(row["energy_pj"], rel=1e-12)


def test_plan_file_as_a_precision_value(tmp_path):
    (tmp_path / "plan.csv").write_text("layer,weights,activations,outputs,kv\n*,int8,int8,,\nres5*,int4,,,\n")
    hwsim.sweep(write(tmp_path, SPACE.replace("[w8a8, w4a8, fp16]", "[w8a8, plan.csv]")), tmp_path / "out",
                progress="quiet")
    got = rows(tmp_path / "out")
    plan_rows = got[got["precision"] == "plan.csv"].reset_index(drop=True)
    planned = hwsim.read_precision_plan(tmp_path / "plan.csv").apply(hwsim.load_workload("resnet50"))
    # the plan leaves outputs to the accelerator's default (int8); res5* weights int4, the rest int8
    pe = {"compute.pe.weights": ["int4", "int8"], "compute.pe.activations": ["int8"],
          "compute.pe.accumulator": "int32", **MAC_KEYS}
    want = hwsim.evaluate("tpu-v1-like", planned, pd.DataFrame([{"compute.rows": r, "compute.cols": r, **pe}
                                                                for r in (32, 64)]))
    assert plan_rows["energy_pj"].tolist() == want["energy_pj"].tolist()
    # INT4 weights in res5 only: less energy than INT8 everywhere, at the same shape
    mixed = got[got["precision"] == "w8a8"]["energy_pj"].to_numpy()
    assert (plan_rows["energy_pj"].to_numpy() < mixed).all()


def test_a_plan_of_formats_the_base_default_lacks_is_a_sweep_value(tmp_path, capsys):
    # every GEMM layer's weights int4 on an INT8 preset: the preset's default weights (int8) is read
    # by no layer, so the native PE runs int4 alone and the default follows the plan (it was refused:
    # "default_precision: weights format 'int8' is not supported"). The row equals hwsim run
    # --precision plan.csv --native-pe.
    (tmp_path / "plan.csv").write_text("layer,weights,activations\n*,int4,int8\n")
    hwsim.sweep(write(tmp_path, SPACE.replace("[w8a8, w4a8, fp16]", "[plan.csv]")), tmp_path / "out", progress="quiet")
    row = rows(tmp_path / "out").iloc[1]   # rows 64
    assert main(["run", "tpu-v1-like", "resnet50", "--set", "compute.rows=64", "--set", "compute.cols=64",
                 "--precision", str(tmp_path / "plan.csv"), "--native-pe", "--out", "", "--format", "json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    assert summary["energy_pj"] == pytest.approx(row["energy_pj"], rel=1e-12)
    assert summary["latency_s"] == pytest.approx(row["latency_s"], rel=1e-12)


def test_plan_file_content_is_in_the_spec_hash(tmp_path):
    (tmp_path / "plan.csv").write_text("layer,weights\n*,int8\n")
    path = write(tmp_path, SPACE.replace("[w8a8, w4a8, fp16]", "[plan.csv]"))
    before = hwsim.load_sweep_spec(path).sha256()
    (tmp_path / "plan.csv").write_text("layer,weights\n*,int4\n")
    assert hwsim.load_sweep_spec(path).sha256() != before


SPEC_ERRORS = [
    # (what, axes text replacing the precision line, words the one error line holds)
    ("a bad mix", "  precision: [w8a8, w4a9]\n", ["axes.precision", "'w4a9' is not a precision mix", "w<W>a<A>"]),
    ("a key the axis sets", "  precision: [w8a8]\n  default_precision.weights: [int8]\n",
     ["axes.default_precision.weights", "the precision axis sets this key"]),
    ("a tie to the axis", "  precision: [w8a8]\n  compute.dataflow: {tie: precision}\n",
     ["axes.compute.dataflow", "tie to precision"]),
    ("a range", "  precision: {range: [4, 8], step: 4}\n", ["axes.precision", "is not a list of precisions"]),
    ("a missing plan", "  precision: [nope.csv]\n", ["axes.precision", "'nope.csv': no such file"]),
]


@pytest.mark.parametrize("what, axes, words", SPEC_ERRORS, ids=[w for w, _, _ in SPEC_ERRORS])
def test_precision_axis_refusals_one_line_exit_2(tmp_path, capsys, what, axes, words):
    text = SPACE.replace("  precision: [w8a8, w4a8, fp16]\n", axes)
    code = main(["sweep", str(write(tmp_path, text)), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not (tmp_path / "out").exists()


def test_a_mix_no_pe_type_runs_names_the_axis_and_point(tmp_path, capsys):
    # a bit-serial PE serialises integer weights: fp16 is refused on the probe point
    text = SPACE.replace("  precision: [w8a8, w4a8, fp16]\n", "  compute.pe.type: [bitserial]\n  precision: [fp16]\n")
    code = main(["sweep", str(write(tmp_path, text)), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    # the first probe point (every axis at its first value) already has it
    assert code == 2 and err.count("\n") == 1
    assert "field 'axes.precision': on the point with compute.rows = 32" in err and "not 'fp16'" in err


# ---- physics: a memory-bound decode reads every weight once per token ------------------------------

def test_w4_decode_is_faster_than_w8_by_the_weight_bits_saved(tmp_path):
    """Llama-3-8B decode at batch 1 on tpu-v1-like is DRAM-bound: its time is bits moved /
    bandwidth. Weights read per token (config.json: hidden 4096, intermediate 14336, 32 layers,
    32 heads / 8 KV heads of 128, vocabulary 128256; the embedding is a lookup, the LM head a GEMM):
      per layer q, o 4096 x 4096; k, v 4096 x 1024; gate, up, down 4096 x 14336
      = 2 x 16777216 + 2 x 4194304 + 3 x 58720256 = 218103808; x 32 = 6979321856
      + LM head 4096 x 128256 = 525336576  ->  7504658432 weights.
    INT4 instead of INT8 saves 4 bits each: 30018633728 bits = 3752329216 bytes, which at the
    preset's DRAM bandwidth B is 3752329216 / B seconds; the KV cache (int8 in both) is the same."""
    text = """\
    accelerator: tpu-v1-like
    workloads: [{name: llm/llama-3-8b, phase: decode, kv_len: 128, batch: 1}]
    axes:
      precision: [w8a8, w4a8]
    sampler: {kind: grid}
    """
    hwsim.sweep(write(tmp_path, text), tmp_path / "out", progress="quiet")
    got = rows(tmp_path / "out").set_index("precision")["latency_s"]
    bandwidth_bytes_s = float(hwsim.load_accelerator("tpu-v1-like").spec.dram.bandwidth_gb_s) * 1e9
    saved_s = 3752329216 / bandwidth_bytes_s
    assert got["w4a8"] < got["w8a8"]
    assert got["w8a8"] - got["w4a8"] == pytest.approx(saved_s, rel=0.02)


# ---- the example spaces of studies/dse ---------------------------------------------------------------

STUDIES = Path(__file__).resolve().parents[2] / "studies" / "dse"


@pytest.mark.parametrize("name, designs", [
    # 5 x 5 shapes x 4 PE types x 4 mixes x 4 x 4 buffers x 3 bandwidths
    ("resnet50_space.yaml", 5 * 5 * 4 * 4 * 4 * 4 * 3),
    # 5 mixes x 5 DRAM standards x 4 channel counts x 3 array sizes (cols tied to rows)
    ("llm_decode_space.yaml", 5 * 5 * 4 * 3),
])
def test_example_spaces_are_valid_everywhere(tmp_path, name, designs):
    spec = hwsim.load_sweep_spec(STUDIES / name)
    assert spec.points == designs
    hwsim.sweep(spec, tmp_path / "out", progress="quiet")
    got = pd.read_parquet(tmp_path / "out")
    # every point simulated (an invalid combination would have stopped the sweep with an error)
    assert len(got) == designs and got["simulated"].all() and got["point_id"].is_unique
