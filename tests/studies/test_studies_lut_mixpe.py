"""studies/lut_vs_mac and studies/mixpe run end to end (--quick), write their documented tables
and an offline figure, and their numbers point the studied way."""

import re
from pathlib import Path

import pandas as pd
import pytest
from figure_checks import check_readable


# each study's --quick run, shared with tests/browser (tests/conftest.py: study_run)
@pytest.fixture(scope="module")
def lut(study_run):
    run = study_run("lut_vs_mac")
    return run.module, run.out


@pytest.fixture(scope="module")
def mixpe(study_run):
    run = study_run("mixpe")
    return run.module, run.out


def _offline_html(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    assert len(html) > 1_000_000                     # plotly.js (~4.5 MB) is inlined
    assert "plotly.js" in html.lower() or "Plotly" in html
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']https?://", html)   # no CDN script


def test_lut_vs_mac_tables_and_figure(lut):
    module, out = lut
    tables = {"designs.csv": module.DESIGN_COLUMNS, "runs.csv": module.RUN_COLUMNS, "fit.csv": module.FIT_COLUMNS,
              "claims.csv": module.CLAIM_COLUMNS}
    for name, columns in tables.items():
        frame = pd.read_csv(out / name)
        assert tuple(frame.columns) == tuple(columns), name
        assert len(frame)
    designs = pd.read_csv(out / "designs.csv")
    runs = pd.read_csv(out / "runs.csv")
    per_design = len(module.NODES) * len(module.ACTIVATIONS) * len(module.KINDS)
    assert len(designs) == per_design * len(module.QUICK_BITS)
    assert len(runs) == len(designs) * len(module.SCENARIOS)
    _offline_html(out / "lut_vs_mac.html")


def test_lut_vs_mac_equal_area(lut):
    _, out = lut
    designs = pd.read_csv(out / "designs.csv")
    assert ((designs.pe_array_mm2 / designs.budget_mm2 - 1).abs() < 0.05).all()
    assert (designs.rows == 16).all()


def test_lut_cost_linear_in_weight_bits(lut):
    _, out = lut
    designs = pd.read_csv(out / "designs.csv").set_index(["node_nm", "activations", "kind", "weight_bits"])
    for node in (28, 7):
        for act in ("int8", "fp16"):
            e2 = designs.loc[(node, act, "lut", 2), "energy_per_mac_pj"]
            e4 = designs.loc[(node, act, "lut", 4), "energy_per_mac_pj"]
            assert e4 / e2 == pytest.approx(2, rel=0.05)
            # peak throughput of a bit-serial LUT array halves per doubling of weight bits (same shape here)
    fit = pd.read_csv(out / "fit.csv")
    assert (fit.r2 > 0.99).all()
    assert (fit.slope_pj_per_bit > 0).all()


def test_lut_beats_mac_at_low_bits_with_fp16(lut):
    _, out = lut
    d = pd.read_csv(out / "designs.csv").set_index(["node_nm", "activations", "kind", "weight_bits"])
    for node in (28, 7):
        # FP16 activations: at 2 bits a LUT array is denser and cheaper per MAC than a mixed MAC
        assert d.loc[(node, "fp16", "lut", 2), "tops_per_mm2"] > d.loc[(node, "fp16", "mac", 2), "tops_per_mm2"]
        assert d.loc[(node, "fp16", "lut", 2), "energy_per_mac_pj"] < d.loc[(node, "fp16", "mac", 2), "energy_per_mac_pj"]
        # at 8 bits the LUT's 8 lookups cost more than one INT8 multiply
        assert d.loc[(node, "int8", "lut", 8), "energy_per_mac_pj"] > d.loc[(node, "int8", "mac", 8), "energy_per_mac_pj"]


def test_mixpe_tables_and_figure(mixpe):
    module, out = mixpe
    tables = {"designs.csv": module.DESIGN_COLUMNS, "runs.csv": module.RUN_COLUMNS, "ratios.csv": module.RATIO_COLUMNS}
    for name, columns in tables.items():
        frame = pd.read_csv(out / name)
        assert tuple(frame.columns) == tuple(columns), name
        assert len(frame)
    ratios = pd.read_csv(out / "ratios.csv")
    assert set(ratios.setup) == set(module.SETUPS)
    assert set(ratios.model) == set(module.QUICK_MODELS)
    _offline_html(out / "mixpe.html")


def test_mixpe_equal_area_and_4x(mixpe):
    _, out = mixpe
    designs = pd.read_csv(out / "designs.csv")
    iso = designs[designs.setup == "iso-area"]
    assert len(iso) == 5
    assert ((iso.pe_array_mm2 / iso.budget_mm2 - 1).abs() < 0.05).all()
    big = designs[designs.setup == "mixpe-4x"]
    assert set(big.design) == {"mixpe-w4a8", "mixpe-w4a16"}
    assert ((big.pe_array_mm2 / big.budget_mm2 - 4).abs() < 0.2).all()


def test_mixpe_directions(mixpe):
    _, out = mixpe
    r = pd.read_csv(out / "ratios.csv").set_index(["model", "scenario", "mixpe", "baseline", "setup"])
    # decode streams every weight once: 4-bit weights beat 8/16-bit ones on time and energy
    case = ("Llama-2-7B", "decode b1")
    assert r.loc[case + ("mixpe-w4a8", "baseline-w8a8", "iso-area"), "speedup"] > 1.3
    assert r.loc[case + ("mixpe-w4a16", "baseline-fp16", "iso-area"), "energy_ratio"] > 2
    # the 4x array of MixPE's own setup never makes MixPE slower than at iso-area
    for pair in (("mixpe-w4a8", "baseline-w8a8"), ("mixpe-w4a16", "baseline-fp16")):
        for scenario in ("decode b16", "prefill 512"):
            key = ("Llama-2-7B", scenario) + pair
            assert r.loc[key + ("mixpe-4x",), "compute_speedup"] > r.loc[key + ("iso-area",), "compute_speedup"]
    # dequantise-once-per-group saves compute energy over dequantising every weight
    assert r.loc[("Llama-2-7B", "prefill 512", "mixpe-w4a16", "baseline-w4a16-dequant", "iso-area"),
                 "compute_energy_ratio"] > 1


def test_lut_vs_mac_figure_reads_at_1400_px(lut):
    # was 1680 px wide with 4 panel columns and overlapping subplot titles (issue 16)
    _, out = lut
    data, layout = check_readable(out / "lut_vs_mac.html", category_axes=("ratio",))
    # two columns of panels (one per node), each about 600 px wide at 1400 px; the claims span the width
    domains = {tuple(v["domain"]) for k, v in layout.items() if k.startswith("xaxis")}
    assert len([d for d in domains if d[1] - d[0] < 0.6]) == 2
    assert len([d for d in domains if d[1] - d[0] > 0.9]) == 1


def test_mixpe_figure_one_colour_per_design_and_pair(mixpe):
    # was 10 colours for 17 legend entries (issue 16)
    _, out = mixpe
    data, _ = check_readable(out / "mixpe.html", category_axes=("model and scenario",))
    bars = {t["name"]: t["marker"]["color"] for t in data if t.get("type") == "bar"}
    assert len(bars) >= 12 and len({c.upper() for c in bars.values()}) == len(bars)
