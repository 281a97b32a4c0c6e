"""hwsim explore OUT -o explorer.html: the data, front flags, axes and run lines the page embeds.

Expected values come from the sweep's own rows (hwsim.sweep, an independent path through the
engine), a brute-force Pareto filter written here, and hwsim.simulate run on the page's run line.
The page's behaviour in a browser is tested in tests/browser/test_explorer_html.py.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hwsim
import hwsim.explore
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from explorer_io import (SPACE_KEYS, SPACE_WITH_CONSTRAINTS, SPACE_OBJECTIVES, TINY_DECODER, TWO_WORKLOAD_SPACE,  # noqa: E402
                         brute_force_front, column_value, embedded, make_sweep, sweep_rows)

pytest.importorskip("plotly")
pytest.importorskip("moocore")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def sweep_out(tmp_path_factory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("explore"))


@pytest.fixture(scope="module")
def page(sweep_out) -> Path:
    path = sweep_out.parent / "explorer.html"
    assert main(["explore", str(sweep_out), "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def data(page) -> dict:
    return embedded(page)


def _run_line_parts(line: str) -> tuple[str, str, list[str], list[str]]:
    """(accelerator, workload, scenario flags, --set arguments) of ``hwsim run ...``."""
    words = shlex.split(line)
    assert words[:2] == ["hwsim", "run"]
    sets = [words[i + 1] for i, w in enumerate(words) if w == "--set"]
    rest = [w for i, w in enumerate(words[4:], start=4) if w != "--set" and words[i - 1] != "--set"]
    return words[2], words[3], rest, sets


# ---- rows, columns and the front -------------------------------------------------------------------

def test_every_row_is_embedded_with_its_values(sweep_out, data):
    rows = sweep_rows(sweep_out)
    assert data["total_rows"] == data["shown_rows"] == 24 == len(rows)
    assert data["point_id"] == rows["point_id"].tolist()
    for name in ("latency_s", "energy_pj", "area_mm2", "power_w"):
        assert data["columns"][name]["values"] == pytest.approx(rows[name].tolist(), rel=0, abs=0)
    for key in SPACE_KEYS:
        assert [column_value(data, key, i) for i in range(24)] == rows[key].tolist()
    assert data["notes"] == []   # nothing left out of a 24-point sweep


def test_categorical_key_axes_carry_their_labels(data):
    dataflow = data["columns"]["compute.dataflow"]
    assert dataflow["cat"] and not dataflow["numeric"]
    assert dataflow["labels"] == ["os", "ws"]
    precision = data["columns"]["precision"]
    assert precision["labels"] == ["w4a8", "w8a8"]
    rows = data["columns"]["compute.rows"]
    assert rows["numeric"] and rows["levels"] == [8, 16, 32]


def test_one_axis_per_swept_key_and_objective(data):
    # the parallel coordinates draw keys then objectives (explorer.js PARCOORD_DIMS); the tie
    # compute.cols is a swept key too (its own column in the rows)
    assert data["keys"] == SPACE_KEYS
    assert [o[0] for o in data["objectives"]] == list(SPACE_OBJECTIVES)
    assert [o[1] for o in data["objectives"]] == ["min", "min", "min"]


def test_front_flags_equal_hwsim_pareto_and_a_brute_force_filter(sweep_out, data):
    rows = sweep_rows(sweep_out)
    values = rows[list(SPACE_OBJECTIVES)].to_numpy(dtype=np.float64)
    expected = brute_force_front(values)
    assert 1 <= expected.sum() < len(rows)
    assert data["front"] == expected.tolist()
    by_pareto = rows.index.isin(hwsim.pareto(rows, SPACE_OBJECTIVES).index)
    assert data["front"] == by_pareto.tolist()
    assert data["front_total"] == int(expected.sum())


def test_objectives_given_on_the_command_line_replace_the_spec(sweep_out, tmp_path):
    path = tmp_path / "two.html"
    assert main(["explore", str(sweep_out), "-o", str(path), "--objectives", "latency_s:min,power_w:max",
                 "--breakdowns", "0"]) == 0
    data = embedded(path)
    assert data["objectives"] == [["latency_s", "min"], ["power_w", "max"]]
    rows = sweep_rows(sweep_out)
    values = np.column_stack([rows["latency_s"].to_numpy(), -rows["power_w"].to_numpy()])
    assert data["front"] == brute_force_front(values).tolist()
    assert "No breakdowns are embedded (--breakdowns 0)." in data["notes"]


# ---- offline ----------------------------------------------------------------------------------------

def test_the_page_needs_no_network(page):
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text, re.I)
    assert not re.search(r"<link[^>]+href=[\"']https?:", text, re.I)
    assert not re.search(r"<img[^>]+src=[\"']https?:", text, re.I)
    assert "Plotly" in text and len(text) > 3_000_000   # plotly.js itself is inlined (about 4.5 MB)


def test_the_same_sweep_gives_the_same_bytes(sweep_out, page, tmp_path):
    again = tmp_path / "again.html"
    assert main(["explore", str(sweep_out), "-o", str(again)]) == 0
    assert again.read_bytes() == page.read_bytes()


# ---- run lines and breakdowns ---------------------------------------------------------------------

def test_every_simulated_design_of_a_small_sweep_has_a_breakdown(data):
    assert sorted(int(k) for k in data["breakdowns"]["designs"]) == list(range(24))
    names = data["breakdowns"]["layers"]["mobilenet_v2"]
    assert len(names) == len(hwsim.load_workload("mobilenet_v2").layers)


@pytest.mark.parametrize("index", [0, 7, 23])
def test_the_run_line_reproduces_the_sweep_row_and_the_embedded_numbers(sweep_out, data, index):
    rows = sweep_rows(sweep_out)
    design = data["breakdowns"]["designs"][str(index)]
    record = design["workloads"]["mobilenet_v2"]
    accelerator, workload, flags, sets = _run_line_parts(record["run"])
    assert (accelerator, workload, flags) == ("tpu-v1-like", "mobilenet_v2", [])
    accel = hwsim.load_accelerator(accelerator, sets)
    result = hwsim.simulate(accel, hwsim.load_workload(workload))
    summary = result.summary()
    row = rows.iloc[data["row"][index]]
    # the sweep's row, the page's totals and a fresh simulation of the line agree
    for name in ("latency_s", "energy_pj"):
        assert record[name] == pytest.approx(row[name], rel=1e-12)
        assert summary[name] == pytest.approx(row[name], rel=1e-12)
    assert summary["area_mm2"] == pytest.approx(row["area_mm2"], rel=1e-12)
    assert sum(design["area_mm2"].values()) == pytest.approx(row["area_mm2"], rel=1e-12)
    parts = record["energy_parts_pj"]
    for part in ("compute", "sram", "dram", "leakage"):
        assert parts[part] == pytest.approx(row[f"energy_{part}_pj"], rel=1e-12)
    # per layer: the simulation's table, to the 6 digits the page keeps
    layers = result.layers
    assert record["layer_latency_s"] == pytest.approx(layers["latency_s"].tolist(), rel=1e-5)
    assert record["layer_energy_pj"] == pytest.approx(layers["energy_pj"].tolist(), rel=1e-5)
    # the roofline's point of a layer: 2 ops per MAC over its DRAM bytes and its latency
    j = int(np.argmax(layers["macs"].to_numpy()))
    dram_bytes = (layers["dram_reads_bits"].iloc[j] + layers["dram_writes_bits"].iloc[j]) / 8
    assert record["layer_intensity_ops_per_byte"][j] == pytest.approx(2 * layers["macs"].iloc[j] / dram_bytes, rel=1e-5)
    assert record["layer_performance_ops_s"][j] == pytest.approx(2 * layers["macs"].iloc[j] / layers["latency_s"].iloc[j],
                                                                 rel=1e-5)
    assert design["peak_ops_s"] == pytest.approx(accel.peak_tops * 1e12)
    assert design["dram_bytes_s"] == pytest.approx(row["dram.bandwidth_gb_s"] * 1e9)


def test_the_run_line_runs_on_the_command_line(sweep_out, data, capsys):
    index = int(np.flatnonzero(data["front"])[0])
    line = data["breakdowns"]["designs"][str(index)]["workloads"]["mobilenet_v2"]["run"]
    words = shlex.split(line)
    assert main([*words[1:], "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    row = sweep_rows(sweep_out).iloc[data["row"][index]]
    assert printed["latency_s"] == pytest.approx(row["latency_s"], rel=1e-12)
    assert printed["energy_pj"] == pytest.approx(row["energy_pj"], rel=1e-12)


def test_a_precision_mix_becomes_the_pe_and_default_precision_settings(data):
    # w4a8 on a MAC PE for mobilenet_v2 (docs/sweep-spec.md, "Precision"): INT4 weights, INT8
    # activations, an INT32 accumulator, no conversions
    sets = data["run"]["precision_sets"]["w4a8||"]["sets"]
    assert "compute.pe.weights=[int4]" in sets
    assert "compute.pe.activations=[int8]" in sets
    assert "compute.pe.accumulator=int32" in sets
    assert "default_precision.weights=int4" in sets
    assert "default_precision.activations=int8" in sets
    assert data["run"]["accelerator"] == "tpu-v1-like"
    assert data["run"]["workloads"] == [{"label": "mobilenet_v2", "args": ["mobilenet_v2"]}]


# ---- limits: what the file keeps, said in the file --------------------------------------------------

def test_a_sweep_larger_than_the_limit_keeps_the_front_and_says_so(sweep_out, tmp_path):
    path = tmp_path / "small.html"
    assert main(["explore", str(sweep_out), "-o", str(path), "--max-rows", "10", "--breakdowns", "3"]) == 0
    data = embedded(path)
    rows = sweep_rows(sweep_out)
    front = brute_force_front(rows[list(SPACE_OBJECTIVES)].to_numpy(dtype=np.float64))
    assert data["shown_rows"] == 10 and data["total_rows"] == 24
    kept = set(data["point_id"])
    assert set(rows["point_id"][front]) <= kept          # every front row is kept
    assert data["front"] == [bool(front[rows.index[rows["point_id"] == p][0]]) for p in data["point_id"]]
    notes = " ".join(data["notes"])
    assert "The views show 10 of the 24 rows" in notes
    assert "Breakdowns are embedded for 3 of the 10 simulated designs" in notes
    assert len(data["breakdowns"]["designs"]) == 3
    assert all(data["front"][int(k)] for k in data["breakdowns"]["designs"])   # front first
    assert "The views show 10 of the 24 rows" in path.read_text(encoding="utf-8")  # in the page, not only the JSON


# ---- several workloads -----------------------------------------------------------------------------

def test_two_workloads_one_row_per_design_with_a_run_line_per_workload(tmp_path):
    out = make_sweep(tmp_path, TWO_WORKLOAD_SPACE, {"tiny_decode.yaml": TINY_DECODER})
    path = tmp_path / "two.html"
    hwsim.explore.write_explorer(out, path)
    data = embedded(path)
    rows = sweep_rows(out)
    assert data["shown_rows"] == 8
    labels = [w["label"] for w in data["run"]["workloads"]]
    assert labels == ["mobilenet_v2", "tiny_decode"]
    assert "tiny_decode.latency_s" in data["results"]
    index = int(np.flatnonzero(data["front"])[0])
    row = rows.iloc[data["row"][index]]
    for label in labels:
        record = data["breakdowns"]["designs"][str(index)]["workloads"][label]
        accelerator, workload, flags, sets = _run_line_parts(record["run"])
        summary = hwsim.simulate(hwsim.load_accelerator(accelerator, sets), hwsim.load_workload(workload)).summary()
        assert summary["latency_s"] == pytest.approx(row[f"{label}.latency_s"], rel=1e-12)
        assert record["energy_pj"] == pytest.approx(row[f"{label}.energy_pj"], rel=1e-12)
    # the decode step reads its KV cache at the mix's format: the PE is native for it too
    assert "compute.pe.weights=[int4, int8]" in data["run"]["precision_sets"]["w4a8||"]["sets"]


# ---- a DataFrame from Python ------------------------------------------------------------------------

def test_a_dataframe_with_its_objectives(tmp_path):
    table = pd.DataFrame({"compute.rows": [8, 16, 32, 32], "compute.dataflow": ["os", "ws", "os", "ws"],
                          "latency_s": [4.0, 2.0, 1.0, 1.0], "energy_pj": [1.0, 2.0, 5.0, 4.0]})
    path = hwsim.explore.write_explorer(table, tmp_path / "df.html", objectives={"latency_s": "min", "energy_pj": "min"})
    data = embedded(path)
    assert data["keys"] == ["compute.rows", "compute.dataflow"]   # every column that is not a result
    assert data["front"] == [True, True, False, True]            # (5, 1) is dominated by (4, 1)
    assert any("No breakdowns are embedded" in n for n in data["notes"])
    assert data["point_id"] is None


def test_a_dataframe_with_its_base_gets_run_lines_and_breakdowns(tmp_path):
    table = hwsim.evaluate("tpu-v1-like", "mobilenet_v2", pd.DataFrame({"compute.rows": [8, 32], "compute.cols": [8, 32]}))
    path = hwsim.explore.write_explorer(table, tmp_path / "df.html", objectives={"latency_s": "min", "area_mm2": "min"},
                                        accelerator="tpu-v1-like", workloads=["mobilenet_v2"])
    data = embedded(path)
    assert data["keys"] == ["compute.rows", "compute.cols"]
    record = data["breakdowns"]["designs"]["1"]["workloads"]["mobilenet_v2"]
    assert record["run"] == "hwsim run tpu-v1-like mobilenet_v2 --set compute.rows=32 --set compute.cols=32"
    assert record["latency_s"] == pytest.approx(table["latency_s"].iloc[1], rel=1e-12)


# ---- bad input: one line, exit 2 --------------------------------------------------------------------

def _one_line_error(argv, capsys) -> str:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("hwsim: error: ")
    return err


def test_a_missing_folder(tmp_path, capsys):
    err = _one_line_error(["explore", tmp_path / "nope", "-o", tmp_path / "x.html"], capsys)
    assert "no such folder" in err and "nope" in err


def test_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    err = _one_line_error(["explore", tmp_path, "-o", tmp_path / "x.html"], capsys)
    assert "is not a sweep output (no _manifest.json)" in err


def test_an_unknown_objective_column(sweep_out, tmp_path, capsys):
    err = _one_line_error(["explore", sweep_out, "-o", tmp_path / "x.html", "--objectives", "speed:max"], capsys)
    assert "objective column 'speed' is not in the table" in err and "latency_s" in err
    err = _one_line_error(["explore", sweep_out, "-o", tmp_path / "x.html", "--objectives", "latency_s:fast"], capsys)
    assert "--objectives" in err


def test_a_text_column_as_objective(sweep_out, tmp_path, capsys):
    err = _one_line_error(["explore", sweep_out, "-o", tmp_path / "x.html", "--objectives", "compute.dataflow:min"],
                          capsys)
    assert "not numbers" in err


def test_no_output_file_and_no_folder(sweep_out, capsys):
    assert "-o" in _one_line_error(["explore", sweep_out], capsys)
    assert "OUT" in _one_line_error(["explore"], capsys)


def test_an_option_of_the_other_mode_is_refused_not_ignored(sweep_out, tmp_path, capsys):
    # --host and --port only bind the live server; -o and --objectives only shape the file
    err = _one_line_error(["explore", sweep_out, "-o", tmp_path / "x.html", "--port", "8050"], capsys)
    assert "--port" in err and "--serve" in err
    err = _one_line_error(["explore", sweep_out, "-o", tmp_path / "x.html", "--host", "0.0.0.0"], capsys)
    assert "--host" in err and "--serve" in err
    err = _one_line_error(["explore", "--serve", sweep_out, "-o", tmp_path / "x.html"], capsys)
    assert "-o" in err and "without --serve" in err
    assert not (tmp_path / "x.html").exists()


def test_a_sweep_without_rows(sweep_out, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "_manifest.json").write_text((sweep_out / "_manifest.json").read_text())
    err = _one_line_error(["explore", empty, "-o", tmp_path / "x.html"], capsys)
    assert "the sweep holds no rows" in err


def test_an_empty_dataframe_and_one_without_objectives(tmp_path):
    with pytest.raises(HwsimInputError, match="no rows"):
        hwsim.explore.write_explorer(pd.DataFrame({"latency_s": []}), tmp_path / "x.html", objectives={"latency_s": "min"})
    with pytest.raises(HwsimInputError, match="names no objectives"):
        hwsim.explore.write_explorer(pd.DataFrame({"latency_s": [1.0]}), tmp_path / "x.html")


def test_a_spec_without_objectives_needs_them_on_the_command_line(sweep_out, tmp_path, capsys):
    # the sweep's folder as a spec without objectives writes it (docs/sweep-spec.md: the manifest's
    # objectives are the spec's, {} when it names none)
    out = tmp_path / "no-objectives"
    shutil.copytree(sweep_out, out)
    manifest = json.loads((out / "_manifest.json").read_text())
    manifest["objectives"] = {}
    (out / "_manifest.json").write_text(json.dumps(manifest))
    err = _one_line_error(["explore", out, "-o", tmp_path / "x.html"], capsys)
    assert "names no objectives" in err and "--objectives" in err


@pytest.mark.parametrize("flag, value, allowed", [("--max-rows", "0", ">= 1"), ("--max-rows", "-5", ">= 1"),
                                                  ("--breakdowns", "-1", ">= 0")])
def test_bad_limits(sweep_out, tmp_path, capsys, flag, value, allowed):
    # one message for every value below the floor (-5 rows said ">= 0", 0 rows ">= 1")
    with pytest.raises(SystemExit) as stop:   # argparse's own check: one line, exit 2
        main(["explore", str(sweep_out), "-o", str(tmp_path / "x.html"), flag, value])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert flag in err and f"allowed: an integer {allowed}" in err


# ---- constraints: skipped and infeasible rows -------------------------------------------------------

def test_rows_a_constraint_skipped_are_drawn_but_never_on_the_front(tmp_path):
    out = make_sweep(tmp_path, SPACE_WITH_CONSTRAINTS)
    rows = sweep_rows(out)
    simulated = rows["simulated"].to_numpy()
    assert 0 < simulated.sum() < len(rows)                     # 32 x 32 was skipped
    assert 0 < rows["feasible"].sum() < simulated.sum()        # some simulated rows fail the after constraint
    path = hwsim.explore.write_explorer(out, tmp_path / "c.html", breakdowns=0)
    data = embedded(path)
    assert data["shown_rows"] == len(rows)
    # the front of the rows that have objectives, as hwsim pareto OUT computes it (infeasible rows
    # included: the constraint flags them, it does not remove them)
    values = rows.loc[simulated, list(SPACE_OBJECTIVES)].to_numpy(dtype=np.float64)
    expected = np.zeros(len(rows), dtype=bool)
    expected[np.flatnonzero(simulated)] = brute_force_front(values)
    assert data["front"] == expected.tolist()
    assert data["front"] == rows.index.isin(hwsim.pareto(rows[simulated], SPACE_OBJECTIVES).index).tolist()
    skipped = int((~simulated).sum())
    assert f"{skipped:,} rows lack an objective value" in " ".join(data["notes"])
    # the 32 GB/s rows fail the after constraint, and the fastest design is one of them
    infeasible_front = int((expected & ~rows["feasible"].to_numpy()).sum())
    assert infeasible_front > 0
    assert f"{infeasible_front:,} of the {int(expected.sum()):,} front rows are infeasible" in " ".join(data["notes"])
    assert data["columns"]["latency_s"]["values"][int(np.flatnonzero(~simulated)[0])] is None


def test_a_changed_or_missing_spec_is_said_in_the_page(sweep_out, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(sweep_out, changed)
    manifest = json.loads((changed / "_manifest.json").read_text())
    manifest["spec_sha256"] = "0" * 64     # as if the accelerator had been edited since the sweep
    (changed / "_manifest.json").write_text(json.dumps(manifest))
    data = embedded(hwsim.explore.write_explorer(changed, tmp_path / "changed.html", breakdowns=0))
    assert any("changed since the sweep" in n for n in data["notes"])
    missing = tmp_path / "missing"
    shutil.copytree(sweep_out, missing)
    manifest["spec_file"] = str(tmp_path / "gone.yaml")
    (missing / "_manifest.json").write_text(json.dumps(manifest))
    data = embedded(hwsim.explore.write_explorer(missing, tmp_path / "missing.html", breakdowns=0))
    assert any("cannot be read now" in n for n in data["notes"])
    # the canonical spec still names the preset and the workload
    assert data["run"]["accelerator"] == "tpu-v1-like"
    assert data["run"]["workloads"] == [{"label": "mobilenet_v2", "args": ["mobilenet_v2"]}]


def test_an_llm_scenario_is_in_the_run_line(tmp_path):
    out = make_sweep(tmp_path, """\
accelerator: tpu-v1-like
workloads:
  - {name: llm/gpt2, phase: decode, kv_len: 128, batch: 2}
axes:
  compute.rows: [16, 64]
  precision: [w4a16@g128]
objectives: {latency_s: min, energy_pj: min}
sampler: {kind: grid}
""")
    data = embedded(hwsim.explore.write_explorer(out, tmp_path / "llm.html"))
    rows = sweep_rows(out)
    (label,) = [w["label"] for w in data["run"]["workloads"]]
    for index in range(2):
        line = data["breakdowns"]["designs"][str(index)]["workloads"][label]["run"]
        accelerator, workload, flags, sets = _run_line_parts(line)
        assert (accelerator, workload, flags) == ("tpu-v1-like", "llm/gpt2", ["--phase", "decode", "--kv-len", "128",
                                                                             "--batch", "2"])
        assert "default_precision.weights=int4@g128" in sets
        summary = hwsim.simulate(hwsim.load_accelerator(accelerator, sets),
                                 hwsim.load_workload(workload, phase="decode", kv_len=128, batch=2)).summary()
        assert summary["latency_s"] == pytest.approx(rows["latency_s"].iloc[data["row"][index]], rel=1e-12)
        assert summary["energy_pj"] == pytest.approx(rows["energy_pj"].iloc[data["row"][index]], rel=1e-12)


def test_a_precision_plan_file_is_in_the_run_line(tmp_path):
    # docs/user-guide.md, "Per-layer precision files": INT8 everywhere, INT4 weights in block 1
    plan = "layer,weights,activations,outputs,kv\n*,int8,int8,,\nb1*,int4,,,\n"
    out = make_sweep(tmp_path, """\
accelerator: tpu-v1-like
workloads: [mobilenet_v2]
axes:
  compute.rows: [8, 32]
  precision: [w8a8, mix.csv]
objectives: {latency_s: min, energy_pj: min}
sampler: {kind: grid}
""", {"mix.csv": plan})
    data = embedded(hwsim.explore.write_explorer(out, tmp_path / "plan.html"))
    rows = sweep_rows(out)
    plan_rows = [i for i in range(4) if column_value(data, "precision", i) == "mix.csv"]
    assert len(plan_rows) == 2 and data["notes"] == []
    for index in plan_rows:
        line = data["breakdowns"]["designs"][str(index)]["workloads"]["mobilenet_v2"]["run"]
        words = shlex.split(line)
        assert words[4:6] == ["--precision", str((tmp_path / "mix.csv").resolve())]
        accelerator, workload, _, sets = _run_line_parts(line)
        assert "compute.pe.weights=[int4, int8]" in sets    # the PE runs both formats the plan uses
        planned = hwsim.read_precision_plan(words[5]).apply(hwsim.load_workload(workload))
        summary = hwsim.simulate(hwsim.load_accelerator(accelerator, sets), planned).summary()
        assert summary["latency_s"] == pytest.approx(rows["latency_s"].iloc[data["row"][index]], rel=1e-12)
        assert summary["energy_pj"] == pytest.approx(rows["energy_pj"].iloc[data["row"][index]], rel=1e-12)


def test_a_page_inside_the_sweep_folder_is_refused(sweep_out, capsys):
    # the next read of the folder would have taken the page for a part of the table
    err = _one_line_error(["explore", sweep_out, "-o", Path(sweep_out) / "x.html"], capsys)
    assert "is inside the input folder" in err
    assert not (Path(sweep_out) / "x.html").exists()


def test_a_damaged_manifest_is_one_line(sweep_out, tmp_path, capsys):
    import json
    import shutil

    copy = tmp_path / "sweep"
    shutil.copytree(sweep_out, copy)
    manifest = json.loads((copy / "_manifest.json").read_text())
    manifest["objectives"] = [1, 2]
    (copy / "_manifest.json").write_text(json.dumps(manifest))
    err = _one_line_error(["explore", copy, "-o", tmp_path / "x.html"], capsys)
    assert "_manifest.json" in err and "damaged" in err
    # counts edited out of what a sweep writes: drawn from (explore) or resumed (sweep) before
    for key, value in (("points", -5), ("chunks", 0), ("done", [99]), ("rows", {"0": -1})):
        edited = dict(manifest, objectives={"latency_s": "min"}, **{key: value})
        (copy / "_manifest.json").write_text(json.dumps(edited))
        err = _one_line_error(["explore", copy, "-o", tmp_path / "x.html"], capsys)
        assert "_manifest.json" in err and f"field '{key}'" in err and "damaged" in err, err
