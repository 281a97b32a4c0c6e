"""studies/int_vs_fp runs end to end and its numbers point the way physics says."""

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def study(study_run):
    # the run on nodes 45 and 7, shared with tests/browser (tests/conftest.py: study_run)
    run = study_run("int_vs_fp")
    return run.module, run.out


def test_writes_tables_and_figure(study):
    module, out = study
    pe = pd.read_csv(out / "pe_costs.csv")
    runs = pd.read_csv(out / "workloads.csv")
    assert len(pe) == len(module.FORMATS) * 2
    assert len(runs) == len(module.FORMATS) * 2 * len(module.WORKLOADS)
    html = (out / "int_vs_fp.html").read_text()
    assert "plotly" in html and "published range" in html
    assert set(pd.read_csv(out / "ratios.csv")["within"]) == {True}


def test_decode_energy_follows_weight_bits(study):
    _, out = study
    runs = pd.read_csv(out / "workloads.csv").set_index(["node_nm", "format", "workload"])
    for node in (45, 7):
        dram = {f: runs.loc[(node, f, "llama2_7b_decode"), "energy_dram_pj"] for f in ("INT4", "INT8", "INT16")}
        # decode streams every weight once: DRAM energy tracks the weight bits (activations are tiny)
        assert dram["INT8"] / dram["INT4"] == pytest.approx(2, rel=0.05)
        assert dram["INT16"] / dram["INT8"] == pytest.approx(2, rel=0.05)


def test_tops_per_mm2_falls_from_int8_to_fp8_and_rises_with_node(study):
    _, out = study
    pe = pd.read_csv(out / "pe_costs.csv").set_index(["node_nm", "format"])
    for node in (45, 7):
        assert pe.loc[(node, "INT8"), "tops_per_mm2"] > pe.loc[(node, "FP8"), "tops_per_mm2"]
    for fmt in ("INT8", "FP8", "MXFP4"):
        assert pe.loc[(7, fmt), "tops_per_mm2"] > pe.loc[(45, fmt), "tops_per_mm2"]
