"""studies/pim_decode runs end to end (--quick), writes its documented tables and an offline
figure, and its numbers point the way the physics says."""

import re

import pandas as pd
import pytest
from figure_checks import check_readable


@pytest.fixture(scope="module")
def study(study_run):
    # the --quick run, shared with tests/browser (tests/conftest.py: study_run)
    run = study_run("pim_decode")
    module, out = run.module, run.out
    results = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    return module, out, results, pd.read_csv(out / "claims.csv")


def _row(results, system, model="Llama-2-7B", batch=1, weights="fp16", kv=2048, phase="decode"):
    hit = results[(results.system == system) & (results.model == model) & (results.batch == batch)
                  & (results.weights == weights) & (results.kv_len == kv) & (results.phase == phase)]
    assert len(hit) == 1, (system, model, batch, weights, kv, phase)
    return hit.iloc[0]


def test_files_columns_and_offline_html(study):
    module, out, results, claims = study
    assert tuple(results.columns) == module.RESULT_COLUMNS
    assert tuple(claims.columns) == ("claim", "source", "published", "hwsim", "note")
    html = (out / "pim_decode.html").read_text(encoding="utf-8")
    assert len(html) > 1_000_000 and "Plotly" in html          # plotly.js inlined
    assert not re.search(r"<script[^>]*\bsrc\s*=", html)        # no external script at all


def test_grid_and_not_supported_rows(study):
    module, _, results, _ = study
    decode = results[results.phase == "decode"]
    assert set(decode.system) == {s.name for s in module.SYSTEMS}
    assert set(decode.model) == set(module.QUICK["models"])
    assert set(results[results.phase == "prefill"].system) == set(module.PREFILL_SYSTEMS)
    refused = results[~results.supported.astype(bool)]
    assert (refused.reason.str.len() > 10).all() and refused.tokens_per_s.isna().all()
    # AttAcc's host runs weight-only INT4 (converted before its tensor cores); GPT-2 has 1024 positions
    assert _row(results, "attacc-hbm3", weights="int4").supported
    assert not _row(results, "hbm-pim", model="GPT-2", kv=2048).supported
    assert _row(results, "hbm-pim", model="GPT-2", kv=1023).supported
    ok = results[results.supported.astype(bool)]
    assert ok.tokens_per_s.gt(0).all() and ok.energy_per_token_j.gt(0).all() and ok.area_mm2.gt(0).all()


def test_latency_split_and_tokens_per_s(study):
    _, _, results, _ = study
    ok = results[results.supported.astype(bool)]
    assert ((ok.pim_latency_s + ok.host_latency_s) / ok.latency_s - 1).abs().max() < 1e-5   # CSV: 6 digits
    decode = ok[ok.phase == "decode"]
    assert ((decode.batch / decode.latency_s) / decode.tokens_per_s - 1).abs().max() < 1e-5
    for gpu in ("gpu-a100-roofline", "gpu-h100-roofline", "systolic-hbm2"):
        assert (ok[ok.system == gpu].pim_share == 0).all()
    assert (ok[ok.system == "hbm-pim"].pim_share > 0.9).all()     # PIM alone: the host only reduces lanes
    assert _row(results, "systolic-hbm2").speedup_vs_systolic == pytest.approx(1)


def test_pim_advantage_shrinks_with_batch_and_vanishes_for_prefill(study):
    _, _, results, _ = study
    for model in ("GPT-2", "Llama-2-7B"):
        s1 = _row(results, "hbm-pim", model, batch=1, kv=512).speedup_vs_systolic
        s16 = _row(results, "hbm-pim", model, batch=16, kv=512).speedup_vs_systolic
        assert s1 > 2 and s16 < s1 / 3
    prefill = results[(results.phase == "prefill") & (results.system == "hbm-pim") & (results.weights == "fp16")]
    assert prefill.speedup_vs_systolic.iloc[0] < 0.1


def test_int4_weights(study):
    _, _, results, _ = study
    for batch in (1, 16):
        fp16, int4 = (_row(results, "hbm-pim", batch=batch, weights=w) for w in ("fp16", "int4"))
        assert int4.tokens_per_s > 2 * fp16.tokens_per_s and int4.energy_per_token_j < fp16.energy_per_token_j
        fp16, int4 = (_row(results, "systolic-hbm2", batch=batch, weights=w) for w in ("fp16", "int4"))
        # the 128x128 array fills 128 weights per cycle (= the stack's FP16 bandwidth): INT4 weights
        # cut the DRAM energy, not the time (docs/models/pim-decode-study.md)
        assert int4.energy_per_token_j < 0.8 * fp16.energy_per_token_j
        assert int4.tokens_per_s >= 0.999 * fp16.tokens_per_s
        gpu = [_row(results, "gpu-a100-roofline", batch=batch, weights=w).tokens_per_s for w in ("fp16", "int4")]
        assert gpu[1] > 1.3 * gpu[0]                    # less at batch 16: the FP16 KV cache stays


def test_claims_present_and_directions(study):
    _, _, _, claims = study
    by = claims.set_index("claim").hwsim
    assert {"PIM-GPT speedup over a GPU (GPT-2)", "HBM-PIM system performance (Llama-2-7B)",
            "AttAcc attention time, bankgroup / bank-level"} <= set(by.index)
    assert by["HBM-PIM system performance (Llama-2-7B)"] > 2
    assert by["HBM-PIM energy reduction, % (Llama-2-7B)"] > 70
    assert by["HBM-PIM on prefill (a GEMM, not a GEMV): speedup"] < 1
    # AttAcc: bank-level attention beats bank-group, which beats the buffer die, in time and energy
    for metric in ("time", "energy"):
        assert 1 < by[f"AttAcc attention {metric}, bankgroup / bank-level"] \
            < by[f"AttAcc attention {metric}, bufferdie / bank-level"]
    assert claims.published.str.len().gt(0).all() and claims.source.str.len().gt(0).all()


def test_figure_dropdown_clear_of_title_and_axes_titled(study):
    # was: the view dropdown covered the title and the y axes had no titles (issue 16)
    _, out, _, _ = study
    _, layout = check_readable(out / "pim_decode.html", category_axes=("system",))
    menu = layout["updatemenus"][0]
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    assert menu["yanchor"] == "bottom"
    below_px = (menu["y"] - 1) * plot_px          # the menu's lower edge above the plots
    menu_px = 30                                   # a dropdown button's height at 12 px text
    title_px = 40                                  # the title's line at 16 px, from the page's top
    assert below_px >= 30                          # room for the first row's subplot titles
    assert below_px + menu_px <= layout["margin"]["t"] - title_px
