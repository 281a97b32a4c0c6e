"""`hwsim sweep`: the spec, the samplers, the Parquet store with resume, executors, progress.

Workloads are two tiny GEMM traces whose MAC counts are known by hand:
  a.csv: fc1 8x16x8 (1024 MACs) + fc2 4x8x4 (128 MACs) = 1152 MACs
  b.csv: g1 4x32x16 = 2048 MACs
Per-workload latencies and energies come from ``hwsim.evaluate`` on the same points (the engine
is the oracle for its own numbers; what is tested here is what the sweep does with them).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.dse import expr, samplers
from hwsim.dse.spec import SweepSpec, load_sweep_spec
from hwsim.dse.sweep import chunk_points, iter_sweep
from hwsim.errors import HwsimInputError
from _sweep_io import (  # noqa: E402  (tests/dse/_sweep_io.py)
    REFUSED_IN_COMBINATION, hanging_sweep, run, sigkill_after_three_chunks, table, write)

pytest.importorskip("pyarrow")

A_CSV = "name,op,m,k,n\nfc1,gemm,8,16,8\nfc2,gemm,4,8,4\n"
B_CSV = "name,op,m,k,n\ng1,gemm,4,32,16\n"
A_MACS = 8 * 16 * 8 + 4 * 8 * 4   # 1152
B_MACS = 4 * 32 * 16              # 2048

BASE = """\
accelerator: scalesim-default
workloads: [{{name: a.csv}}]
axes:
  compute.rows: [4, 8]
  compute.cols: {{tie: compute.rows}}
  buffers.ifmap.size_kib: {{range: [16, 64], scale: log2}}
  compute.dataflow: [os, ws]
sampler: {{kind: grid}}
chunk_points: {chunk}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.csv").write_text(A_CSV)
    (tmp_path / "b.csv").write_text(B_CSV)
    return tmp_path


# ---- the spec -----------------------------------------------------------------------------------

BAD_SPECS = [
    # (what, spec text (BASE with one change), words the one error line must hold)
    ("unknown top key", BASE.format(chunk=4) + "axis: {}\n", ["'axis'", "allowed: accelerator, workloads"]),
    ("unknown workload key", BASE.format(chunk=4).replace("{name: a.csv}", "{name: a.csv, phse: decode}"),
     ["workloads[0]", "'phse'", "label, weight, phase"]),
    ("unknown axis key", BASE.format(chunk=4).replace("compute.dataflow:", "compute.dataflw:"),
     ["axes.compute.dataflw", "no spec field"]),
    ("range runs backwards", BASE.format(chunk=4).replace("[16, 64]", "[64, 16]"),
     ["axes.buffers.ifmap.size_kib", "backwards"]),
    ("log2 from zero", BASE.format(chunk=4).replace("[16, 64]", "[0, 64]"), ["low > 0"]),
    ("range off its step", BASE.format(chunk=4).replace("[16, 64]", "[16, 100]"), ["does not end on a step"]),
    ("step and count", BASE.format(chunk=4).replace("scale: log2", "scale: log2, step: 1, count: 3"),
     ["one of step or count"]),
    ("linear without step", BASE.format(chunk=4).replace("scale: log2", "scale: linear"), ["needs step or count"]),
    ("non-integer range on an integer key",
     BASE.format(chunk=4).replace("compute.rows: [4, 8]", "compute.rows: {range: [4, 8], count: 3, scale: log2}"),
     ["axes.compute.rows", "not an integer"]),
    ("tie to itself", BASE.format(chunk=4).replace("{tie: compute.rows}", "{tie: compute.cols}"), ["itself"]),
    ("tie to a missing axis", BASE.format(chunk=4).replace("{tie: compute.rows}", "{tie: clock_mhz}"),
     ["not an axis of this spec", "compute.rows"]),
    ("tie with extra key", BASE.format(chunk=4).replace("{tie: compute.rows}", "{tie: compute.rows, times: 2}"),
     ["unknown key 'times'"]),
    ("mixed kinds", BASE.format(chunk=4).replace("[os, ws]", "[os, 3]"), ["mixed kinds"]),
    ("duplicate value", BASE.format(chunk=4).replace("[4, 8]", "[4, 4]"), ["listed twice"]),
    ("constraint syntax", BASE.format(chunk=4) + "constraints: {before: [\"compute.rows <= \"]}\n",
     ["constraints.before[0]", "ends too early"]),
    ("constraint without comparison", BASE.format(chunk=4) + "constraints: {before: [\"compute.rows * 2\"]}\n",
     ["one comparison"]),
    ("python in a constraint", BASE.format(chunk=4) + "constraints: {before: [\"__import__('os') == 1\"]}\n",
     ["call no functions"]),
    ("result column before simulation", BASE.format(chunk=4) + "constraints: {before: [\"latency_s <= 1\"]}\n",
     ["no column 'latency_s'", "before simulation nothing else is known"]),
    ("unknown column after", BASE.format(chunk=4) + "constraints: {after: [\"power_mw <= 1\"]}\n",
     ["constraints.after[0]", "no column 'power_mw'"]),
    ("text times a number", BASE.format(chunk=4) + "constraints: {before: [\"compute.dataflow * 2 <= 1\"]}\n",
     ["constraints.before[0]", "cannot evaluate"]),
    ("unknown sampler", BASE.format(chunk=4).replace("{kind: grid}", "{kind: nsga}"),
     ["sampler.kind", "grid, random, lhs, sobol, halton"]),
    ("sampler without count", BASE.format(chunk=4).replace("{kind: grid}", "{kind: random, seed: 1}"),
     ["needs 'count'"]),
    ("count on a grid", BASE.format(chunk=4).replace("{kind: grid}", "{kind: grid, count: 4}"),
     ["unknown key 'count' for kind grid"]),
    # expressions: a long or deep one overflowed Python's recursion; a literal beyond float64 read
    # as inf; text compared with a number failed every row silently; a derived column named as a
    # row's own column, of text, or overflowing
    ("a constraint of 20,000 terms", BASE.format(chunk=4) + "constraints: {before: [\""
     + " + ".join(["compute.rows"] * 10000) + " <= 1\"]}\n", ["constraints.before[0]", "more than 256 tokens"]),
    ("parentheses 40 deep", BASE.format(chunk=4) + "constraints: {before: [\"" + "(" * 40 + "compute.rows"
     + ")" * 40 + " <= 1\"]}\n", ["parentheses 40 deep", "at most 32"]),
    ("a literal beyond float64", BASE.format(chunk=4) + "constraints: {before: [\"compute.rows <= 1e999\"]}\n",
     ["'1e999' is beyond a float64"]),
    ("text compared with a number", BASE.format(chunk=4) + "constraints: {before: [\"compute.dataflow == 3\"]}\n",
     ["constraints.before[0]", "mixes text and numbers"]),
    ("a derived column named point_id", BASE.format(chunk=4) + "derived: {point_id: compute.rows * 2}\n",
     ["derived.point_id", "cannot name a derived column"]),
    ("a derived column of text", BASE.format(chunk=4) + "derived: {x: '\"abc\"'}\n", ["derived.x", "gives text"]),
    ("a derived column overflowing", BASE.format(chunk=4) + "derived: {x: energy_pj * 1e308 * 10}\n",
     ["derived.x", "overflows a float64"]),
    ("one mix twice", BASE.format(chunk=4).replace("compute.dataflow: [os, ws]", "precision: [W8A8, w8a8]"),
     ["axes.precision", "'w8a8' is the mix 'W8A8' again"]),
    ("lhs beyond memory", BASE.format(chunk=4).replace("{kind: grid}", "{kind: lhs, count: 1099511627776, seed: 0}"),
     ["sampler.count", "drawn whole", "1 to 2^24 for lhs"]),
    ("sobol off a power of two", BASE.format(chunk=4).replace("{kind: grid}", "{kind: sobol, count: 12, seed: 0}"),
     ["not a power of two"]),
    ("chunk size", BASE.format(chunk=0), ["chunk_points", "an integer >= 1"]),
    ("weight without weighted_sum", BASE.format(chunk=4).replace("{name: a.csv}", "{name: a.csv, weight: 2}"),
     ["workloads[0].weight", "weighted_sum"]),
    ("objective sense", BASE.format(chunk=4) + "objectives: {latency_s: smallest}\n",
     ["objectives.latency_s", "min, max"]),
    ("missing workload file", BASE.format(chunk=4).replace("a.csv", "c.csv"), ["no such workload file"]),
    ("bad axis value (the engine's check)", BASE.format(chunk=4).replace("[4, 8]", "[4, -3]"),
     ["axes.compute.rows", "compute.rows = -3", "an integer >= 1"]),
    ("scenario flag not a boolean",
     BASE.format(chunk=4).replace("{name: a.csv}", "{name: llm/gpt2, phase: decode, kv_len: 8, gemm_only: 1}"),
     ["workloads[0].gemm_only", "true, false"]),
    # 0 / 0 has no value: NaN fails every constraint (dropped as infeasible) or fills a derived column
    ("0 / 0 in a constraint on one point", BASE.format(chunk=4)
     + "constraints: {before: [\"(compute.rows - 4) / (compute.rows - 4) <= 1\"]}\n",
     ["constraints.before[0]", "is 0 / 0 in", "compute.rows = 4"]),
    ("0 / 0 in a derived column", BASE.format(chunk=4) + "derived: {idle: stall_cycles / stall_cycles}\n",
     ["derived.idle", "is 0 / 0"]),
    ("bad LLM scenario", BASE.format(chunk=4).replace("{name: a.csv}", "{name: llm/gpt2, phase: decode, kv_len: 0}"),
     ["workloads[0].kv_len"]),
]


@pytest.mark.parametrize("what, text, words", BAD_SPECS, ids=[b[0] for b in BAD_SPECS])
def test_bad_spec_is_one_line_exit_2(folder, capsys, what, text, words):
    space = write(folder, text)
    code, out, err = run(["sweep", space, "-o", folder / "out"], capsys)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("hwsim: error: "), err
    assert str(space) in err, err
    for word in words:
        assert word in err, (word, err)
    assert not (folder / "out").exists()  # refused before anything is written


def test_a_value_refused_only_in_combination_names_its_point(folder, capsys):
    space = write(folder, REFUSED_IN_COMBINATION)   # the only simulated bad point is id 7
    code, _, err = run(["sweep", space, "-o", folder / "out"], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert str(space) in err and "axes.buffers.ifmap.banks" in err
    assert "point_id 7 (buffers.ifmap.size_kib=1, buffers.ifmap.banks=524288, compute.dataflow='ws')" in err


def test_a_ratio_over_zero_is_infinite_not_refused(folder):
    # x / 0 (x != 0) is +inf, above every bound: a point with no stall cycles has an infinite
    # compute-to-stall ratio, and a constraint on it decides as the mathematics says
    space = write(folder, BASE.format(chunk=4).replace("compute.dataflow: [os, ws]", "compute.dataflow: [os]")
                  + "derived: {ratio: compute_cycles / stall_cycles}\n"
                  + "constraints: {after: [\"compute_cycles / stall_cycles >= 1\"]}\n")
    rows = pd.concat(iter_sweep(space), ignore_index=True)
    no_stall = rows["stall_cycles"] == 0
    assert no_stall.any()
    assert np.isinf(rows.loc[no_stall, "ratio"]).all() and rows.loc[no_stall, "feasible"].all()
    stalled = ~no_stall
    assert np.allclose(rows.loc[stalled, "ratio"], rows.loc[stalled, "compute_cycles"] / rows.loc[stalled, "stall_cycles"])


def test_python_mapping_and_yaml_file_are_the_same_spec(folder):
    text = BASE.format(chunk=4)
    from_file = load_sweep_spec(write(folder, text))
    import yaml

    from_mapping = SweepSpec.from_mapping(yaml.safe_load(text), base_dir=folder)
    assert from_mapping.sha256() == from_file.sha256()
    assert from_mapping.canonical() == from_file.canonical()
    with pytest.raises(HwsimInputError, match="unknown key 'axs'"):
        SweepSpec.from_mapping({**yaml.safe_load(text), "axs": {}}, base_dir=folder)


def test_ranges_by_hand(folder):
    spec = load_sweep_spec(write(folder, """\
        accelerator: scalesim-default
        workloads: [a.csv]
        axes:
          dram.bandwidth_gb_s: {range: [0.5, 2], step: 0.5}              # 0.5 + 0.5 i
          buffers.ifmap.size_kib: {range: [8, 32], count: 4}             # 8 + 8 i
          buffers.filter.size_kib: {range: [4, 64], scale: log2, step: 2}  # 4 x 4^i
          buffers.ofmap.size_kib: {range: [8, 256], scale: log2, count: 6}  # 8 x 2^i
          compute.rows: {range: [4, 16], scale: log2}                    # 4 x 2^i
        sampler: {kind: grid}
        """))
    values = {a.key: a.values for a in spec.axes}
    assert values["dram.bandwidth_gb_s"] == (0.5, 1.0, 1.5, 2.0)
    assert values["buffers.ifmap.size_kib"] == (8.0, 16.0, 24.0, 32.0)
    assert values["buffers.filter.size_kib"] == (4.0, 16.0, 64.0)
    assert values["buffers.ofmap.size_kib"] == (8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
    assert values["compute.rows"] == (4, 8, 16) and all(type(v) is int for v in values["compute.rows"])
    assert spec.points == 4 * 4 * 3 * 6 * 3


def test_grid_points_by_hand(folder):
    spec = load_sweep_spec(write(folder, BASE.format(chunk=5)))
    # rows [4, 8] x ifmap [16, 32, 64] x dataflow [os, ws]: 2 * 3 * 2 = 12 points, the last axis fastest
    assert spec.points == 12 and spec.chunks == 3   # ceil(12 / 5)
    rows = pd.concat([chunk_points(spec, c) for c in range(spec.chunks)], ignore_index=True)
    expected = [(r, b, d) for r in (4, 8) for b in (16.0, 32.0, 64.0) for d in ("os", "ws")]
    assert list(rows["point_id"]) == list(range(12))
    assert list(zip(rows["compute.rows"], rows["buffers.ifmap.size_kib"], rows["compute.dataflow"])) == expected
    assert (rows["compute.cols"] == rows["compute.rows"]).all()   # the tie
    # point 7 = 1*6 + 0*2 + 1: rows[1] = 8, ifmap[0] = 16, dataflow[1] = ws
    assert tuple(rows.loc[7, ["compute.rows", "buffers.ifmap.size_kib", "compute.dataflow"]]) == (8, 16.0, "ws")


@pytest.mark.parametrize("kind", ["random", "lhs", "sobol", "halton"])
def test_samplers_seeded_deterministic_and_chunk_free(kind, monkeypatch):
    monkeypatch.setattr(samplers, "BLOCK", 16)  # random draws cross block boundaries inside a chunk
    lengths = (8, 5, 3)
    spec = samplers.SamplerSpec(kind, 64, 7)
    whole = samplers.indices(spec, lengths, 0, 64)
    pieces = np.concatenate([samplers.indices(spec, lengths, s, min(64, s + 9)) for s in range(0, 64, 9)])
    assert (whole == pieces).all()
    assert (whole == samplers.indices(spec, lengths, 0, 64)).all()                 # same seed, same points
    assert not (whole == samplers.indices(samplers.SamplerSpec(kind, 64, 8), lengths, 0, 64)).all()
    assert whole.min() == 0 and (whole < np.array(lengths)).all()
    if kind == "lhs":  # 64 strata over an axis of 8 values: each value exactly 64 / 8 = 8 times
        assert (np.bincount(whole[:, 0], minlength=8) == 8).all()
    if kind == "sobol":  # a 2^k Sobol sample is balanced too: 64 / 8 = 8 per value of the 8-value axis
        assert (np.bincount(whole[:, 0], minlength=8) == 8).all()


def test_random_sampler_sweep_rows_are_samples_of_the_axes(folder, capsys):
    space = write(folder, BASE.format(chunk=3).replace("{kind: grid}", "{kind: halton, count: 10, seed: 3}"))
    assert run(["sweep", space, "-o", folder / "out", "--quiet"], capsys)[0] == 0
    rows = table(folder / "out")
    assert list(rows["point_id"]) == list(range(10))
    assert set(rows["compute.rows"]) <= {4, 8} and set(rows["buffers.ifmap.size_kib"]) <= {16.0, 32.0, 64.0}
    assert (rows["compute.cols"] == rows["compute.rows"]).all()


# ---- the store ---------------------------------------------------------------------------------

def test_output_layout_and_manifest(folder, capsys):
    space = write(folder, BASE.format(chunk=5))
    out = folder / "out"
    code, stdout, err = run(["sweep", space, "-o", out], capsys)
    assert code == 0 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("sweep: 12 points in"), err    # not a terminal: one line
    names = sorted(p.name for p in out.iterdir())
    assert names == ["_manifest.json", "_sweep.lock", "part-000000.parquet", "part-000001.parquet",
                     "part-000002.parquet"]
    manifest = json.loads((out / "_manifest.json").read_text())
    spec = load_sweep_spec(space)
    assert manifest["spec_sha256"] == spec.sha256() and manifest["hwsim_version"] == hwsim.__version__
    assert manifest["chunks"] == 3 and manifest["done"] == [0, 1, 2] and manifest["complete"]
    assert manifest["rows"] == {"0": 5, "1": 5, "2": 2}
    rows = table(out)
    assert list(rows.columns) == list(spec.columns)
    # the same points through hwsim.evaluate give the same results
    direct = hwsim.evaluate("scalesim-default", str(folder / "a.csv"), rows[list(spec.axis_keys)])
    for column in ("latency_s", "energy_pj", "area_mm2", "macs"):
        assert np.array_equal(rows[column].to_numpy(), direct[column].to_numpy()), column
    assert (rows["macs"] == A_MACS).all()
    assert rows["simulated"].all() and rows["feasible"].all()   # no constraints


def test_existing_output_refused_without_resume(folder, capsys):
    space = write(folder, BASE.format(chunk=5))
    assert run(["sweep", space, "-o", folder / "out", "--quiet"], capsys)[0] == 0
    before = (folder / "out" / "_manifest.json").read_text()
    code, _, err = run(["sweep", space, "-o", folder / "out"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--resume" in err and "exists" in err
    assert (folder / "out" / "_manifest.json").read_text() == before
    (folder / "other").mkdir()
    (folder / "other" / "notes.txt").write_text("x")
    code, _, err = run(["sweep", space, "-o", folder / "other", "--resume"], capsys)
    assert code == 2 and "_manifest.json" in err


@pytest.mark.parametrize("key", ["chunks", "done", "rows"])
def test_a_manifest_missing_a_key_names_that_key(folder, capsys, key):
    # a manifest with no 'chunks' once blamed 'done' ("a list of chunk numbers 0..-1")
    space = write(folder, BASE.format(chunk=5))
    assert run(["sweep", space, "-o", folder / "out", "--quiet"], capsys)[0] == 0
    manifest = json.loads((folder / "out" / "_manifest.json").read_text())
    del manifest[key]
    (folder / "out" / "_manifest.json").write_text(json.dumps(manifest))
    code, _, err = run(["sweep", space, "-o", folder / "out", "--resume"], capsys)
    assert code == 2 and err.count("\n") == 1 and f"field '{key}'" in err and f"no '{key}'" in err


def test_changed_spec_refused_naming_the_manifest(folder, capsys):
    space = write(folder, BASE.format(chunk=5))
    assert run(["sweep", space, "-o", folder / "out", "--quiet"], capsys)[0] == 0
    write(folder, BASE.format(chunk=5).replace("[4, 8]", "[4, 16]"))
    code, _, err = run(["sweep", space, "-o", folder / "out", "--resume"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert str(folder / "out" / "_manifest.json") in err and "another spec" in err
    # a workload file edited under the same spec text is a changed spec too
    write(folder, BASE.format(chunk=5))
    (folder / "a.csv").write_text(A_CSV.replace("fc2,gemm,4,8,4", "fc2,gemm,4,8,8"))
    code, _, err = run(["sweep", space, "-o", folder / "out", "--resume"], capsys)
    assert code == 2 and "another spec" in err


class _Stop(KeyboardInterrupt):
    pass


def _stop_after(monkeypatch, chunks: int) -> None:
    """evaluate_chunk raises (as Ctrl-C would) when the sweep asks for chunk number ``chunks + 1``."""
    import hwsim.dse.sweep as sweep_module

    real = sweep_module.evaluate_chunk
    calls = []

    def evaluate(spec, chunk):
        calls.append(chunk)
        if len(calls) > chunks:
            raise _Stop()
        return real(spec, chunk)

    monkeypatch.setattr(sweep_module, "evaluate_chunk", evaluate)


def test_interrupted_then_resumed_has_every_point_once(folder, capsys, monkeypatch):
    space = write(folder, BASE.format(chunk=2))   # 12 points, 6 chunks
    out = folder / "out"
    _stop_after(monkeypatch, 2)
    code, _, err = run(["sweep", space, "-o", out], capsys)
    assert code == 130 and "--resume" in err and "stopped at 4 of 12" in err
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["done"] == [0, 1] and not manifest["complete"]
    monkeypatch.undo()
    # a kill between a part's rename and the manifest, and one while a part was written
    (out / "part-000003.parquet").write_bytes(b"not parquet yet")
    (out / "_tmp-part-000004.parquet").write_bytes(b"half a part")
    code, _, err = run(["sweep", space, "-o", out, "--resume"], capsys)
    assert code == 0 and "8 points" in err and "(4 done before)" in err
    assert not list(out.glob("_tmp-*"))
    resumed = table(out)
    assert list(resumed["point_id"]) == list(range(12))    # every point exactly once
    assert run(["sweep", space, "-o", folder / "whole", "--quiet"], capsys)[0] == 0
    pd.testing.assert_frame_equal(resumed, table(folder / "whole"))


def test_resume_redoes_a_listed_part_that_is_damaged(folder, capsys):
    space = write(folder, BASE.format(chunk=5))
    out = folder / "out"
    assert run(["sweep", space, "-o", out, "--quiet"], capsys)[0] == 0
    whole = table(out)
    (out / "part-000001.parquet").write_bytes(b"damaged")
    code, _, err = run(["sweep", space, "-o", out, "--resume"], capsys)
    assert code == 0 and "5 points" in err   # chunk 1 (5 points) redone, chunks 0 and 2 kept
    pd.testing.assert_frame_equal(table(out), whole)


def test_sigkill_mid_sweep_then_resume(folder, capsys):
    """A real process killed with SIGKILL while it sweeps; --resume finishes it."""
    space = write(folder, BASE.format(chunk=1))    # 12 chunks of one point
    out = folder / "out"
    with hanging_sweep(space, out) as child:
        # the reference, swept whole in this process while the child starts
        assert run(["sweep", space, "-o", folder / "whole", "--quiet"], capsys)[0] == 0
        assert 3 <= len(sigkill_after_three_chunks(child, out)) < 12
    code, _, err = run(["sweep", space, "-o", out, "--resume"], capsys)
    assert code == 0, err
    resumed = table(out)
    assert list(resumed["point_id"]) == list(range(12))
    pd.testing.assert_frame_equal(resumed, table(folder / "whole"))


def test_lock_refuses_a_second_writer(folder, capsys):
    from hwsim.dse.store import _lock

    space = write(folder, BASE.format(chunk=5))
    out = folder / "out"
    assert run(["sweep", space, "-o", out, "--quiet"], capsys)[0] == 0
    held = _lock(out)
    try:
        code, _, err = run(["sweep", space, "-o", out, "--resume"], capsys)
    finally:
        held.close()
    assert code == 2 and "another hwsim sweep is writing here" in err


def test_missing_pyarrow_is_one_line_naming_the_extra(folder, capsys, monkeypatch):
    space = write(folder, BASE.format(chunk=5))
    monkeypatch.setitem(sys.modules, "pyarrow", None)   # import pyarrow -> ImportError
    code, _, err = run(["sweep", space, "-o", folder / "out"], capsys)
    assert code == 2 and err.count("\n") == 1 and "pyarrow" in err and "'dse' extra" in err


def test_missing_scipy_is_one_line_naming_the_extra(folder, capsys, monkeypatch):
    space = write(folder, BASE.format(chunk=5).replace("{kind: grid}", "{kind: sobol, count: 8, seed: 0}"))
    monkeypatch.setitem(sys.modules, "scipy.stats", None)
    code, _, err = run(["sweep", space, "-o", folder / "out"], capsys)
    assert code == 2 and err.count("\n") == 1 and str(space) in err and "scipy" in err and "'dse' extra" in err
    assert not (folder / "out").exists()


# ---- executors and chunking ----------------------------------------------------------------------

def test_rows_identical_across_chunk_sizes_and_workers(folder, capsys):
    runs = {"in-process, chunks of 5": (5, []), "in-process, chunks of 12": (12, []),
            "--jobs 1, chunks of 3": (3, ["--jobs", "1"]), "--jobs 2, chunks of 2": (2, ["--jobs", "2"])}
    tables = {}
    for i, (name, (chunk, flags)) in enumerate(runs.items()):
        space = write(folder, BASE.format(chunk=chunk), f"space{i}.yaml")
        code, _, err = run(["sweep", space, "-o", folder / f"out{i}", "--quiet", *flags], capsys)
        assert code == 0, (name, err)
        tables[name] = table(folder / f"out{i}")
    first = tables.pop("in-process, chunks of 5")
    for name, other in tables.items():
        pd.testing.assert_frame_equal(other, first, obj=name)


def test_a_lost_worker_stops_the_sweep_as_interrupted():
    from hwsim.dse.executors import ProcessPool, SweepInterrupted

    # the task ends its worker process abruptly, as SIGKILL or the OOM killer would
    with pytest.raises(SweepInterrupted, match="ended abruptly"):
        list(ProcessPool(1).map(os._exit, [3]))


# ---- workloads, aggregation, constraints ---------------------------------------------------------

TWO = """\
accelerator: scalesim-default
workloads:
  - {{name: a.csv, {wa}}}
  - {{name: b.csv, label: bee, {wb}}}
aggregate: {aggregate}
axes:
  compute.rows: [4, 8]
  compute.dataflow: [os, ws]
sampler: {{kind: grid}}
"""


@pytest.mark.parametrize("aggregate", ["sum", "weighted_sum", "max"])
def test_aggregate_across_two_workloads_by_hand(folder, aggregate):
    weighted = aggregate == "weighted_sum"
    spec = load_sweep_spec(write(folder, TWO.format(aggregate=aggregate, wa="weight: 2.0" if weighted else "",
                                                    wb="weight: 3.0" if weighted else "")))
    rows = pd.concat(iter_sweep(spec), ignore_index=True)
    assert [w.label for w in spec.workloads] == ["a", "bee"]
    # MACs by hand: sum 1152 + 2048 = 3200; weighted 2 x 1152 + 3 x 2048 = 8448; max 2048
    expected_macs = {"sum": A_MACS + B_MACS, "weighted_sum": 2 * A_MACS + 3 * B_MACS, "max": B_MACS}[aggregate]
    assert (rows["a.macs"] == A_MACS).all() and (rows["bee.macs"] == B_MACS).all()
    assert (rows["macs"] == expected_macs).all()
    points = rows[["compute.rows", "compute.dataflow"]]
    a = hwsim.evaluate("scalesim-default", str(folder / "a.csv"), points)
    b = hwsim.evaluate("scalesim-default", str(folder / "b.csv"), points)
    for column in ("latency_s", "energy_pj", "total_cycles"):
        assert np.array_equal(rows[f"a.{column}"], a[column]) and np.array_equal(rows[f"bee.{column}"], b[column])
        combined = {"sum": a[column] + b[column], "weighted_sum": 2.0 * a[column] + 3.0 * b[column],
                    "max": np.maximum(a[column], b[column])}[aggregate]
        np.testing.assert_allclose(rows[column], combined, rtol=1e-15)
    # the design's area is the design's, once, not summed over workloads
    assert np.array_equal(rows["area_mm2"], a["area_mm2"]) and "a.area_mm2" not in rows


def test_duplicate_labels_refused(folder):
    text = TWO.format(aggregate="sum", wa="", wb="").replace("label: bee", "label: a")
    with pytest.raises(HwsimInputError, match=r"workloads\[1\].label.*also workloads\[0\]"):
        load_sweep_spec(write(folder, text))


def test_constraints_before_and_after(folder, capsys):
    text = """\
        accelerator: scalesim-default
        workloads: [a.csv]
        axes:
          compute.rows: [4, 8, 16]
          compute.cols: [4, 8, 16]
          compute.dataflow: [os, is]
        constraints:
          before: ["compute.rows * compute.cols <= 64", "compute.dataflow != \\"is\\""]
          after: ["latency_s <= 8e-8"]
        derived: {edp_pj_s: "energy_pj * latency_s"}
        sampler: {kind: grid}
        chunk_points: 4
        """
    space = write(folder, text)
    assert run(["sweep", space, "-o", folder / "all", "--quiet"], capsys)[0] == 0
    rows = table(folder / "all")
    assert len(rows) == 18                                  # 3 x 3 x 2: every point, none dropped
    # simulated by hand: rows x cols <= 64 -> (4,4) (4,8) (4,16) (8,4) (8,8) (16,4), and dataflow os
    by_hand = {(4, 4), (4, 8), (4, 16), (8, 4), (8, 8), (16, 4)}
    simulated = [(r, c) in by_hand and d == "os"
                 for r, c, d in zip(rows["compute.rows"], rows["compute.cols"], rows["compute.dataflow"])]
    assert list(rows["simulated"]) == simulated and sum(simulated) == 6
    skipped = rows[~rows["simulated"]]
    assert skipped["latency_s"].isna().all() and skipped["exceeds_reticle"].isna().all()
    assert not skipped["feasible"].any()
    ran = rows[rows["simulated"]]
    direct = hwsim.evaluate("scalesim-default", str(folder / "a.csv"), ran[["compute.rows", "compute.cols",
                                                                           "compute.dataflow"]])
    assert np.array_equal(ran["latency_s"], direct["latency_s"])
    assert list(ran["feasible"]) == list(direct["latency_s"] <= 8e-8)
    assert 0 < ran["feasible"].sum() < 6      # the threshold splits them (else the test shows nothing)
    np.testing.assert_array_equal(ran["edp_pj_s"], direct["energy_pj"] * direct["latency_s"])
    # --keep feasible writes the feasible rows and counts the others in the manifest
    assert run(["sweep", space, "-o", folder / "kept", "--quiet", "--keep", "feasible"], capsys)[0] == 0
    kept = table(folder / "kept")
    pd.testing.assert_frame_equal(kept, rows[rows["feasible"]].reset_index(drop=True))
    manifest = json.loads((folder / "kept" / "_manifest.json").read_text())
    assert sum(manifest["dropped"].values()) == 18 - len(kept)


# ---- expressions -----------------------------------------------------------------------------------

def test_expressions_by_hand():
    columns = {"a.x": np.array([1.0, 2.0, 3.0]), "b": np.array([4.0, 5.0, 6.0]),
               "flow": np.array(["os", "ws", "os"], dtype=object)}
    get = columns.__getitem__

    def value(text, comparison=True):
        return expr.parse(text, "t", comparison=comparison).evaluate(get)

    # precedence: 2 + 3 * a.x = 5, 8, 11; parentheses: (2 + 3) * a.x = 5, 10, 15
    assert list(value("2 + 3 * a.x", False)) == [5.0, 8.0, 11.0]
    assert list(value("(2 + 3) * a.x", False)) == [5.0, 10.0, 15.0]
    assert list(value("b / a.x - -1", False)) == [5.0, 3.5, 3.0]    # 4/1+1, 5/2+1, 6/3+1
    assert list(value("a.x * b <= 10")) == [True, True, False]      # 4, 10, 18
    assert list(value("flow == 'os'")) == [True, False, True]
    assert list(value("1e1 > b")) == [True, True, True]
    with pytest.raises(HwsimInputError, match="one comparison"):
        expr.parse("a.x <= b <= 3", "t", comparison=True)
    with pytest.raises(HwsimInputError, match="cannot read"):
        expr.parse("a.x; import os", "t", comparison=False)
    with pytest.raises(HwsimInputError, match="'\\)'"):
        expr.parse("a.x + )", "t", comparison=False)


# ---- progress and the Python API ---------------------------------------------------------------------

def test_progress_bar_on_a_terminal_and_quiet(folder, capsys):
    pytest.importorskip("tqdm")
    import io

    from hwsim.dse.progress import reporter

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    with reporter("auto", 100, 40, "out", stream) as bar:
        bar.advance(30)
    shown = stream.getvalue()
    assert "70%" in shown and "pt/s" in shown    # 40 done before + 30 of 100, and a rate
    space = write(folder, BASE.format(chunk=5))
    code, out, err = run(["sweep", space, "-o", folder / "out", "--quiet"], capsys)
    assert code == 0 and out == "" and err == ""


def test_python_api(folder):
    spec = load_sweep_spec(write(folder, BASE.format(chunk=5)))
    report = hwsim.sweep(spec, folder / "out", progress="quiet")
    assert (report.points, report.chunks, report.chunks_run, report.rows_written) == (12, 3, 3, 12)
    assert hwsim.sweep(spec, folder / "out", resume=True, progress="quiet").chunks_run == 0
    rows = table(folder / "out")
    pd.testing.assert_frame_equal(rows, pd.concat(iter_sweep(spec), ignore_index=True), check_dtype=False)


def test_the_reference_example_is_a_valid_spec():
    import re

    import yaml

    text = (Path(__file__).resolve().parents[2] / "docs" / "sweep-spec.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    spec = SweepSpec.from_mapping(yaml.safe_load(example))
    # 4 rows x 6 ifmap sizes (16..512 in doublings) x 6 bandwidths x 3 dataflows (cols tied to rows)
    assert spec.points == 4 * 6 * 6 * 3 and [w.label for w in spec.workloads] == ["resnet50", "llama_3_8b_decode"]
