"""Every HTML page hwsim writes today, opened offline in headless Chromium at 1400x1000 as a user
would open it: the studies' figures, one page of every hwsim.plots figure
and `hwsim plot roofline` (the explorer's pages have their own modules beside this one). Each page
loads with no console error and no request leaving the machine, draws every plot, fits the
window's width and has no title, subplot title, axis title, legend or menu over another.

The last tests check the checks themselves, on one hand-made page whose defects are known."""

from pathlib import Path

import pandas as pd
import pytest

import browser.conftest as browser_conftest
from browser.conftest import (chromium_path, horizontal_overflow_px, is_local_url, open_page, overlapping_labels,
                              plot_is_rendered)
from conftest import PROJECT, STUDY_RUNS, load_script

pytestmark = pytest.mark.browser
pytest.importorskip("plotly")

# study name: (script, arguments besides --out: the small inputs the studies' own tests use, HTML it
# writes). The pages are those of the very runs the studies' tests read (tests/conftest.py: study_run).
STUDIES = STUDY_RUNS
GALLERY_PAGE = "hwsim.plots figures"
ROOFLINE_PAGE = "hwsim plot roofline"
# `hwsim plot roofline` on an LLM decode step: memory- and compute-bound layers under both roofs
ROOFLINE_ARGS = ["plot", "roofline", "tpu-v1-like", "llama2_7b_decode"]


def _precision_search_page(module, folder: Path) -> Path:
    from hwsim.plots import write_html

    fronts = pd.DataFrame([
        {"preset": preset, "budget_metric": metric, "latency_s": latency, "energy_pj": energy, "accuracy": accuracy,
         "plan": plan}
        for preset in module.PRESETS for metric in ("latency_s", "energy_pj")
        for latency, energy, accuracy, plan in ((4.76e-6, 1.55e8, 0.62, "w2a8 w2a8 w8a8"),
                                                (4.79e-6, 1.56e8, 0.89, "w3a8 w2a8 w8a8"),
                                                (4.85e-6, 1.58e8, 0.97, "w4a8 w4a8 w8a8"))])
    uniform = pd.DataFrame([
        {"preset": preset, "candidate": candidate, "latency_s": 4.7e-6 + 0.05e-6 * i, "energy_pj": 1.5e8 + 3e6 * i,
         "accuracy": 0.5 + 0.15 * i}
        for preset in module.PRESETS for i, candidate in enumerate(module.CANDIDATES)])
    return write_html(module.figure(fronts, uniform), folder / "precision_search.html")


# study name: (script, its figure from small hand-made tables), for a study whose --quick run is too
# slow to repeat here (precision_search trains an MLP: 35 s of CPU): its own figure function and
# hwsim.plots.write_html, as the study calls them, on tables with the columns it writes
STUDY_FIGURES = {
    "precision_search": ("studies/precision_search/run.py", _precision_search_page),
}


def _designs() -> pd.DataFrame:
    # 8 designs of a small sweep: two swept keys (rows, PE type) and three objectives
    return pd.DataFrame({
        "compute.rows": [16, 32, 32, 64, 64, 128, 128, 256],
        "pe": ["mac", "lut", "mac", "lut", "shiftadd", "lut", "mac", "mac"],
        "latency_s": [1.0e-3, 2.0e-3, 3.0e-3, 4.0e-3, 5.0e-3, 2.5e-3, 7.0e-3, 8.0e-3],
        "energy_pj": [9.0e9, 5.0e9, 6.0e9, 2.0e9, 3.0e9, 5.5e9, 1.0e9, 4.0e9],
        "area_mm2": [1.0, 2.0, 0.5, 3.0, 3.0, 2.5, 9.0, 1.0],
    })


def _layers() -> pd.DataFrame:
    # a per-layer table with the columns hwsim run writes for these figures
    return pd.DataFrame({
        "layer": ["fc1", "fc2", "norm"], "op": ["gemm", "gemm", "vector"], "macs": [1e9, 5e8, 0.0],
        "latency_s": [1e-3, 4e-3, 1e-4], "dram_reads_bits": [8e8, 7.2e9, 1e6], "dram_writes_bits": [8e8, 8e8, 1e6],
        "compute_cycles": [3e5, 1e5, 1e4], "stall_cycles": [1e5, 3e5, 0.0], "total_cycles": [4e5, 4e5, 1e4],
        "energy_compute_pj": [1e8, 5e7, 1e6], "energy_sram_pj": [2e7, 1e7, 5e5], "energy_dram_pj": [3e8, 6e8, 1e6],
        "energy_leakage_pj": [1e7, 1e7, 1e5], "energy_pj": [4.3e8, 6.7e8, 2.6e6],
        "bound": ["compute", "dram_bandwidth", "vector_unit"],
    })


def _gallery_page(folder: Path) -> Path:
    """One of every hwsim.plots figure (SVG and WebGL: 3-D scatter, parallel coordinates, scatter
    matrix) in one page, plotly.js inlined once, as a notebook or a docs page shows them."""
    from plotly.offline import get_plotlyjs

    from hwsim import plots

    designs, layers = _designs(), _layers()
    summary = {"energy_breakdown_pj": {"compute": 2e9, "sram": 1e9, "dram": 6e9, "leakage": 1e9},
               "area_breakdown_mm2": {"pe_array": 1.5, "sram_ifmap": 2.0, "overhead": 0.5}}
    formats = pd.DataFrame({"format": ["INT8", "FP8"] * 2, "node_nm": [7, 7, 28, 28],
                            "energy_pj": [2e6, 3e6, 8e6, 9e6], "area_um2": [10.0, 20.0, 80.0, 90.0]})
    figures = [
        plots.pareto_scatter(designs, "latency_s", "energy_pj", color="pe", symbol="compute.rows"),
        plots.pareto_scatter(designs, "latency_s", "energy_pj", z="area_mm2", color="pe"),
        plots.parallel_coordinates(designs, ["compute.rows", "pe", "latency_s", "energy_pj"], color="pe"),
        plots.scatter_matrix(designs, {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"}, color="pe"),
        plots.energy_breakdown(summary), plots.area_breakdown(summary),
        plots.per_layer_bars(layers, "latency_s"), plots.per_layer_bars(layers, "energy_pj"),
        plots.roofline(layers, 1e12, 1e10),
        plots.int_vs_fp(formats, ["energy_pj", ("area_um2", "area per PE")]),
    ]
    body = "\n".join(fig.to_html(include_plotlyjs=False, full_html=False) for fig in figures)
    path = folder / "gallery.html"
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><script>{get_plotlyjs()}</script></head>'
                    f"<body>{body}</body></html>", encoding="utf-8")
    return path


def _roofline_page(folder: Path) -> Path:
    from hwsim.cli import main

    path = folder / "roofline.html"
    assert main([*ROOFLINE_ARGS, "-o", str(path)]) == 0
    return path


def _written_pages(tmp_path_factory, study_run):
    """(name, path) of every page, one after the other as each is written."""
    yield GALLERY_PAGE, _gallery_page(tmp_path_factory.mktemp("gallery"))
    yield ROOFLINE_PAGE, _roofline_page(tmp_path_factory.mktemp("roofline"))
    for name in STUDIES:
        run = study_run(name)      # written once a session, the run the study's own tests read
        assert run.html.is_file(), f"{run.script} did not write {run.html.name}"
        yield name, run.html
    for name, (script, build) in STUDY_FIGURES.items():
        yield name, build(load_script(script, f"browser_study_{name}"), tmp_path_factory.mktemp(name))


@pytest.fixture(scope="module")
def pages(browser, tmp_path_factory, study_run, defects):
    """name -> (page, console_errors, blocked_requests) for every page, each opened as soon as it
    is written: Chromium parses a page's 4.5 MB of plotly.js in its own renderer process while
    Python writes the next one, and the pages load side by side."""
    opened = {}
    try:
        for name, path in _written_pages(tmp_path_factory, study_run):
            opened[name] = open_page(browser, path, wait_until="commit", keep=True)
        for page, _, _ in opened.values():
            page.wait_for_load_state("load")
        yield opened
    finally:
        for page, _, _ in opened.values():
            page.context.close()


def test_every_study_figure_is_here():
    # a study that starts writing a figure is opened here too: every "*.html" a study script names
    written = {path.relative_to(PROJECT).as_posix() for path in (PROJECT / "studies").rglob("*.py")
               if ".html" in path.read_text(encoding="utf-8")}
    listed = {script for script, _, _ in STUDIES.values()} | {script for script, _ in STUDY_FIGURES.values()}
    assert len(written) >= 6
    assert written <= listed, f"study scripts writing HTML without a browser test: {sorted(written - listed)}"


# hwsim.plots.write_html writes the roofline and precision_search pages, and bar_grid_with_ratios
# (grouped bars plus published ranges as error bars) draws int_vs_fp's, lut_vs_mac's, mixpe's and
# bitmod's (a page of its own for write_html on a hand-made INT-vs-FP table was one more 4.5 MB
# parse of the same code path)
PAGE_NAMES = [GALLERY_PAGE, ROOFLINE_PAGE, *STUDIES, *STUDY_FIGURES]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_loads_offline_and_draws_every_plot(pages, name):
    page, console_errors, blocked_requests = pages[name]
    check = plot_is_rendered(page)
    assert check
    assert len(check.plots) >= 1
    assert console_errors == []
    assert blocked_requests == []


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_reads_at_1400x1000(pages, name):
    # issue #16's defects: lut_vs_mac 1,680 px wide with overlapping subplot titles, pim_decode's
    # dropdown over its title, int_vs_fp's x-axis titles on the next row's subplot titles
    page = pages[name][0]
    assert page.viewport_size == {"width": 1400, "height": 1000}
    assert horizontal_overflow_px(page) == 0
    assert overlapping_labels(page) == []


# --- the checks catch what they must ----------------------------------------------------------------

# Four plots (SVG bars; the same with no points; WebGL markers; WebGL with no points), a console
# error, a request to another host, an element 2,000 px wide, and a title under an annotation.
_DEFECTS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script>{plotly}</script></head><body>
<div id="bars" style="height:300px"></div><div id="empty" style="height:300px"></div>
<div id="gl" style="height:300px"></div><div id="glempty" style="height:300px"></div>
<div id="covered" style="height:300px"></div>
<img src="https://example.invalid/logo.png" alt="">
<div style="width:2000px;height:10px"></div>
<script>
Plotly.newPlot('bars', [{{type: 'bar', x: ['a', 'b'], y: [1, 2]}}], {{title: {{text: 'bars'}}}});
Plotly.newPlot('empty', [{{type: 'bar', x: [], y: []}}], {{title: {{text: 'empty'}}}});
Plotly.newPlot('gl', [{{type: 'scattergl', mode: 'markers', x: [1, 2, 3], y: [3, 1, 2], marker: {{size: 12}}}}]);
Plotly.newPlot('glempty', [{{type: 'scattergl', mode: 'markers', x: [], y: []}}]);
Plotly.newPlot('covered', [{{type: 'bar', x: ['a'], y: [1]}}], {{
  title: {{text: 'a title', xref: 'paper', yref: 'paper', x: 0.5, y: 1.1, yanchor: 'middle'}},
  // the plot area is 300 - 100 - 80 = 120 px high (default margins): the title's middle sits 37 px,
  // 0.31 of it, above y = 1.1 (its pad), so the annotation goes there
  annotations: [{{text: 'an annotation over the title', xref: 'paper', yref: 'paper', x: 0.5, y: 1.41,
                 yanchor: 'middle', showarrow: false, font: {{size: 24}}}}]}});
console.error('boom');
</script></body></html>"""


@pytest.fixture(scope="module")
def defects(browser, tmp_path_factory):
    """The page of known defects, opened without waiting (``pages`` asks for it first, so Chromium
    loads it while the other pages are written); the checks wait for its load."""
    from plotly.offline import get_plotlyjs

    path = tmp_path_factory.mktemp("defects") / "defects.html"
    path.write_text(_DEFECTS_PAGE.format(plotly=get_plotlyjs()), encoding="utf-8")
    opened = open_page(browser, path, wait_until="commit", keep=True)
    yield opened
    opened[0].context.close()


@pytest.fixture
def defects_loaded(defects):
    defects[0].wait_for_load_state("load")
    return defects


def test_checks_find_blank_plots(defects_loaded):
    page = defects_loaded[0]
    check = plot_is_rendered(page)
    assert not check
    by_id = {plot["id"]: plot for plot in check.plots}
    assert list(by_id) == ["bars", "empty", "gl", "glempty", "covered"]
    # 2 bars drawn as 2 SVG paths; 3 markers of 12 px drawn in WebGL
    assert by_id["bars"]["svgMarks"] == 2
    assert by_id["gl"]["svgMarks"] == 0 and by_id["gl"]["inkPixels"] >= 3 * 12 * 12 * 0.7
    print(check.problems, check.plots)
    assert len(check.problems) == 2, check.problems
    assert check.problems[0].startswith("plot 1 (#empty)") and check.problems[1].startswith("plot 3 (#glempty)")


def test_checks_find_console_errors_and_requests_off_the_machine(defects_loaded):
    _, console_errors, blocked_requests = defects_loaded
    assert blocked_requests == ["https://example.invalid/logo.png"]
    assert any("boom" in error for error in console_errors)


def test_checks_find_overflow_and_covered_titles(defects_loaded):
    page = defects_loaded[0]
    # 2,000 px element + the body's default 8 px margin, in a 1,400 px window
    assert horizontal_overflow_px(page) == 2000 + 8 - 1400
    problems = overlapping_labels(page)
    assert len(problems) == 1 and "plot 4: title 'a title' overlaps annotation" in problems[0], problems


def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(browser_conftest, "DEFAULT_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("HWSIM_CHROMIUM", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="^browser tests in CI: no Chromium at /nonexistent/chromium"):
        chromium_path()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="^browser tests skipped: no Chromium at /nonexistent/chromium"):
        chromium_path()
    # named but wrong is a mistake to fix, in CI or not
    monkeypatch.setenv("HWSIM_CHROMIUM", "/nonexistent/chrome")
    with pytest.raises(pytest.fail.Exception, match="^HWSIM_CHROMIUM='/nonexistent/chrome' is not an executable"):
        chromium_path()


@pytest.mark.parametrize("url, local", [
    ("file:///tmp/a.html", True), ("data:image/png;base64,AAAA", True), ("blob:file:///1234", True),
    ("about:blank", True), ("http://127.0.0.1:8050/_dash-layout", True), ("http://localhost/", True),
    ("ws://127.0.0.1:8050/socket", True), ("http://[::1]:8050/", True),
    ("https://cdn.plot.ly/plotly-2.35.2.min.js", False), ("http://127.0.0.2/", False),
    ("http://localhost.example.com/", False), ("wss://example.com/", False), ("ftp://localhost/", False),
])
def test_only_this_machine_is_local(url, local):
    assert is_local_url(url) is local
