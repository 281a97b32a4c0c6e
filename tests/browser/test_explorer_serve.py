"""The live explorer in a real headless Chromium: the server (`hwsim explore --serve OUT`, in its
own process on a free port of 127.0.0.1) serves a page that draws its five figures offline with no
console error; typing a knob re-simulates and redraws; "pin A as B" puts two designs side by
side; a bad knob shows one line; a click on the sweep's front loads that point as A; SIGINT stops
the server cleanly. One server for the module."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import time

import pytest

from browser.conftest import open_page, plot_is_rendered

pytestmark = pytest.mark.browser
pytest.importorskip("dash")   # the serve extra (in the test extra too)

SPACE = """\
accelerator: tpu-v1-like
workloads: [resnet50]
axes:
  compute.rows: [32, 64, 128]
  compute.pe.type: [mac, lut]
objectives: {latency_s: min, energy_pj: min}
sampler: {kind: grid}
"""
# `hwsim explore --serve OUT` (the default host, a free port)
LAUNCH = "import sys; from hwsim.cli import main; sys.exit(main(['explore', '--serve', sys.argv[1]]))"
# generous: a cold first simulation loads the engine's compiled kernels; never reached when warm
ANSWER_MS = 60_000


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from hwsim.cli import main

    folder = tmp_path_factory.mktemp("live")
    (folder / "space.yaml").write_text(SPACE)
    assert main(["sweep", str(folder / "space.yaml"), "-o", str(folder / "out")]) == 0
    process = subprocess.Popen([sys.executable, "-c", LAUNCH, str(folder / "out")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    # the server prints its URL after a warm-up simulation, which compiles the engine's kernels on
    # a cold cache (tens of seconds on a loaded 2-core machine): generous, never hit when warm
    url, deadline = None, time.monotonic() + 180
    while url is None and time.monotonic() < deadline and process.poll() is None:
        if selector.select(timeout=0.5):
            line = process.stdout.readline()
            if "serving on" in line:
                url = line.split("serving on", 1)[1].split()[0]
    if url is None:
        process.kill()
        pytest.fail(f"the live explorer did not start: {process.stderr.read()}")
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait(10)


def _designs_drawn(page, graph: str) -> list:
    """The designs (x categories) of a breakdown's first trace, as plotly.js holds them."""
    return page.evaluate(f"() => Array.from(document.querySelector('#{graph} .js-plotly-plot').data[0].x)")


def test_the_page_draws_re_simulates_on_a_knob_and_shows_a_bad_one_in_a_line(browser, live):
    """One page load for every check (a Dash page with plotly.js takes seconds to start)."""
    import hwsim

    _, url = live
    page, console_errors, blocked = open_page(browser, url)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 5", timeout=ANSWER_MS)
    check = plot_is_rendered(page, timeout_ms=ANSWER_MS)
    assert check, check
    assert console_errors == [] and blocked == []

    # a knob typed: the figures are those of the new design
    page.fill("#knob-compute-rows", "64")
    page.press("#knob-compute-rows", "Enter")
    page.wait_for_function("() => document.querySelector('#command').textContent.includes('compute.rows=64')",
                           timeout=ANSWER_MS)
    expected = hwsim.simulate(hwsim.load_accelerator("tpu-v1-like", ["compute.rows=64"]), "resnet50")
    # the per-layer bars hold the 64-row design's latencies (derived: 1 s = 1e6 us)
    drawn = page.evaluate("() => Array.from(document.querySelector('#fig-layers .js-plotly-plot').data[0].y)")
    assert drawn == pytest.approx(list(expected.layers["latency_s"] * 1e6), rel=1e-9)

    # A pinned as B, then A moved on: two designs side by side
    page.click("#pin-b")
    page.wait_for_function("() => document.querySelector('#command').textContent.includes('B: hwsim run')",
                           timeout=ANSWER_MS)
    page.fill("#knob-compute-rows", "128")
    page.press("#knob-compute-rows", "Enter")
    page.wait_for_function("() => document.querySelector('#command').textContent.includes('compute.rows=128')",
                           timeout=ANSWER_MS)
    assert "B: hwsim run tpu-v1-like resnet50 --set compute.rows=64" in page.text_content("#command")
    assert _designs_drawn(page, "fig-energy") == ["A", "B"]

    # a bad knob: one line in the page, the last good figures stay
    page.fill("#knob-clock-mhz", "fast")
    page.press("#knob-clock-mhz", "Enter")
    page.wait_for_function("() => document.querySelector('#error').textContent.length > 0", timeout=ANSWER_MS)
    error = page.text_content("#error")
    assert "field 'clock_mhz'" in error and "'fast'" in error and "Traceback" not in error
    assert _designs_drawn(page, "fig-energy") == ["A", "B"]

    # a click on the front's first point (plotly's click event, as a mouse sends it) loads that
    # sweep row as A: its knobs replace the bad clock, the error goes
    point_id = page.evaluate("""() => {
      const gd = document.querySelector('#fig-pareto .js-plotly-plot');
      const trace = gd.data.findIndex(t => t.name.startsWith('front'));
      const id = gd.data[trace].customdata[0];
      gd.emit('plotly_click', {points: [{curveNumber: trace, pointNumber: 0, x: gd.data[trace].x[0],
                                         y: gd.data[trace].y[0], customdata: id, data: gd.data[trace]}]});
      return id;
    }""")
    page.wait_for_function(f"() => document.querySelector('#sweep-note').textContent.includes('point {point_id} ')",
                           timeout=ANSWER_MS)
    page.wait_for_function("() => document.querySelector('#error').textContent === ''", timeout=ANSWER_MS)
    assert page.input_value("#knob-clock-mhz") == "700"
    assert console_errors == [] and blocked == []


def test_sigint_stops_the_server_cleanly(live):
    process, _ = live
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0
    assert "stopped" in process.stdout.read()
    assert "Traceback" not in process.stderr.read()
