"""The precision axis as a search in a sweep: each design point's own plan, equal to the search run
on that design alone, and bad axis specs as one line."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import hwsim
from hwsim.dse.precision_search import precision_search
from hwsim.errors import HwsimInputError

TRACE = """# name: tiny
name,op,count,m,k,n,vector_op,elements
fc1,gemm,1,64,256,256,,
act,vector,1,,,,relu,16384
fc2,gemm,2,64,256,128,,
fc3,gemm,1,64,128,64,,
"""
SENS = """layer,candidate,omega
fc1,w4a4,4.0
fc1,w4a8,1.0
fc1,w8a8,0.1
fc2,w4a4,1.0
fc2,w4a8,0.5
fc2,w8a8,0.05
fc3,w4a4,0.3
fc3,w4a8,0.2
fc3,w8a8,0.01
"""
SPACE = """\
accelerator: tpu-v1-like
workloads: [tiny.csv]
axes:
  compute.rows: [16, 64]
  compute.cols: {tie: compute.rows}
  precision:
    search:
      sensitivity: sens.csv
      candidates: [w4a4, w4a8, w8a8]
      budget_fraction: {latency_s: 0.4}
sampler: {kind: grid}
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    folder = tmp_path_factory.mktemp("psweep")
    (folder / "tiny.csv").write_text(TRACE)
    (folder / "sens.csv").write_text(SENS)
    (folder / "space.yaml").write_text(SPACE)
    hwsim.sweep(folder / "space.yaml", folder / "out", progress="quiet")
    return folder, pd.read_parquet(folder / "out").sort_values("point_id").reset_index(drop=True)


def test_each_point_gets_the_plan_searched_on_its_design(swept):
    folder, rows = swept
    assert list(rows["compute.rows"]) == [16, 64] and set(rows["precision"]) == {"search"}
    for _, row in rows.iterrows():
        n = int(row["compute.rows"])
        accel = hwsim.load_accelerator("tpu-v1-like", [f"compute.rows={n}", f"compute.cols={n}"])
        alone = precision_search(accel, str(folder / "tiny.csv"), sensitivity=str(folder / "sens.csv"),
                                 candidates=["w4a4", "w4a8", "w8a8"], budget_fractions={"latency_s": 0.4},
                                 check=False)
        assert row["precision_plan"] == " ".join(alone.plan["candidate"])
        assert row["precision_omega"] == pytest.approx(alone.omega_total, rel=1e-12)
        # the row is the plan's own simulation, as hwsim run --precision plan.csv --native-pe gives it
        checked = precision_search(accel, str(folder / "tiny.csv"), sensitivity=str(folder / "sens.csv"),
                                   candidates=["w4a4", "w4a8", "w8a8"], budget_fractions={"latency_s": 0.4})
        if checked.rounds == 1:
            assert row["latency_s"] == pytest.approx(checked.costs["latency_s"], rel=1e-12)
            assert row["energy_pj"] == pytest.approx(checked.costs["energy_pj"], rel=1e-12)
        assert row["precision_met"] == checked.met or checked.rounds > 1
    assert rows["simulated"].all()


def test_columns_follow_the_spec(swept):
    folder, rows = swept
    spec = hwsim.load_sweep_spec(folder / "space.yaml")
    assert tuple(rows.columns) == spec.columns
    assert spec.columns[-5:] == ("precision_omega", "precision_plan", "precision_met", "simulated", "feasible")


@pytest.mark.parametrize("axis, words", [
    ("{search: {sensitivity: sens.csv, candidates: [w4a4]}}", "no budget"),
    ("{search: {sensitivity: nope.csv, candidates: [w4a4], budget: {latency_s: 1}}}", "no such file"),
    ("{search: {sensitivity: sens.csv, candidates: [w9a9], budget: {latency_s: 1}}}", "not a precision mix"),
    ("{search: {sensitivity: sens.csv, candidates: [w4a4], budget_fraction: {latency_s: 2}}}", "budget_fraction"),
    ("{search: {sensitivity: sens.csv, candidates: [w4a4], budget: {latency_s: 1}, speed: 3}}", "unknown key 'speed'"),
])
def test_bad_search_axes_are_one_line(tmp_path, axis, words):
    (tmp_path / "sens.csv").write_text(SENS)
    (tmp_path / "tiny.csv").write_text(TRACE)
    text = SPACE.split("  precision:")[0] + f"  precision: {axis}\nsampler: {{kind: grid}}\n"
    (tmp_path / "space.yaml").write_text(textwrap.dedent(text))
    with pytest.raises(HwsimInputError) as info:
        hwsim.load_sweep_spec(tmp_path / "space.yaml")
    assert words in str(info.value) and "\n" not in str(info.value)
