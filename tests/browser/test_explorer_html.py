"""The offline explorer (hwsim explore OUT -o explorer.html) in headless Chromium with no network:
it loads without console errors, every plot draws, brushing a parallel-coordinates axis with the
mouse changes the selection table, and clicking a point shows its run line and breakdown."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from browser.conftest import horizontal_overflow_px, open_page, plot_is_rendered

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "explore"))
from explorer_io import SPACE_KEYS, SPACE_OBJECTIVES, embedded, make_sweep  # noqa: E402  (tests/explore/explorer_io.py)

pytestmark = pytest.mark.browser
pytest.importorskip("plotly")
pytest.importorskip("moocore")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def explorer_page(tmp_path_factory) -> Path:
    from hwsim.cli import main

    out = make_sweep(tmp_path_factory.mktemp("explore-browser"))
    path = out.parent / "explorer.html"
    # 12 breakdowns: the 7 front designs and 5 others, so some rows have none
    assert main(["explore", str(out), "-o", str(path), "--breakdowns", "12"]) == 0
    return path


def _opened(browser, path):
    page, errors, blocked = open_page(browser, path)
    page.wait_for_function("() => window.hwsimExplorer !== undefined")
    page.evaluate("() => window.hwsimExplorer.ready")
    return page, errors, blocked


def _brush(page, axis_index: int, top: float, bottom: float) -> None:
    """Drag with the mouse along parallel-coordinates axis ``axis_index`` from ``top`` to ``bottom``
    (fractions of the axis height, from its top), as a user brushes it."""
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('#parcoords rect.background'))
        .map(r => { const b = r.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; })""")
    x, y, width, height = boxes[axis_index]
    page.mouse.move(x + width / 2, y + height * top)
    page.mouse.down()
    page.mouse.move(x + width / 2, y + height * bottom, steps=8)
    page.mouse.up()


def test_the_explorer_in_a_browser(browser, explorer_page):
    """One page load (plotly.js is 4.5 MB to parse) walked through as a user would."""
    data = embedded(explorer_page)
    page, errors, blocked = _opened(browser, explorer_page)

    # loads offline and draws every view
    check = plot_is_rendered(page)
    assert check, check
    assert {p["id"] for p in check.plots} == {"parcoords", "scatter", "splom"}
    assert errors == [] and blocked == []
    assert horizontal_overflow_px(page) == 0

    # one parallel-coordinates axis per swept key and objective; categorical axes labelled
    labels = page.evaluate("() => document.getElementById('parcoords').data[0].dimensions.map(d => d.label)")
    assert labels == SPACE_KEYS + list(SPACE_OBJECTIVES)
    ticks = page.evaluate("() => document.getElementById('parcoords').data[0].dimensions[2].ticktext")
    assert ticks == ["os", "ws"]

    # the scatter's outlined trace is the file's front
    front = [i for i, f in enumerate(data["front"]) if f]
    assert page.evaluate("() => document.getElementById('scatter').data[1].customdata") == front
    assert page.locator("#scatter g.trace").nth(1).locator("path.point").count() == len(front)

    # clicking a front point shows its run line and its breakdown. Markers of nearby designs
    # overlap (a click there may take any of them), so the view is first zoomed (as a user would)
    # onto a front design whose (latency, energy) no other row shares, until it is the only one shown
    latency, energy = data["columns"]["latency_s"]["values"], data["columns"]["energy_pj"]["values"]
    places = [(latency[i], energy[i]) for i in range(data["shown_rows"])]
    clicked = next(i for i in front if places.count(places[i]) == 1)
    x, y = places[clicked]
    half = 0.5 * min(max(abs(ox - x) / x, abs(oy - y) / y) for ox, oy in places if (ox, oy) != (x, y))
    page.evaluate(f"""() => Plotly.relayout('scatter', {{'xaxis.range': [{x * (1 - half)}, {x * (1 + half)}],
                                                       'yaxis.range': [{y * (1 - half)}, {y * (1 + half)}]}})""")
    # the one front marker inside the plot area (plotly may or may not keep the others in the DOM)
    inside = page.evaluate("""() => {
      const area = document.querySelector('#scatter .nsewdrag').getBoundingClientRect();
      return Array.from(document.querySelectorAll('#scatter g.trace')[1].querySelectorAll('path.point'))
        .map((p, k) => { const b = p.getBoundingClientRect(); const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
                         return cx > area.left && cx < area.right && cy > area.top && cy < area.bottom ? k : -1; })
        .filter(k => k >= 0);
    }""")
    assert len(inside) == 1
    page.locator("#scatter g.trace").nth(1).locator("path.point").nth(inside[0]).click(force=True)
    page.wait_for_selector("#details-body:not([hidden])")
    assert page.text_content("#details-title") == f"point {data['point_id'][clicked]}: on the Pareto front"
    record = data["breakdowns"]["designs"][str(clicked)]["workloads"]["mobilenet_v2"]
    assert page.text_content("#run-line") == record["run"]
    # the run line the page builds for any row (breakdown or not) is the one Python wrote
    assert page.evaluate(f"() => window.hwsimExplorer.runLine({clicked}, 0)") == record["run"]
    check = plot_is_rendered(page)
    assert check, check
    assert {"bd-energy", "bd-area", "bd-layers", "bd-roofline"} <= {p["id"] for p in check.plots}
    bars = page.evaluate("() => document.getElementById('bd-energy').data[0].y")
    assert bars == pytest.approx(list(record["energy_parts_pj"].values()))

    # brushing the first objective's axis with the mouse selects the rows in range, in every view
    assert page.text_content("#table-title").startswith("No selection")
    latency_axis = len(SPACE_KEYS)
    _brush(page, latency_axis, 0.05, 0.6)
    page.wait_for_function("() => window.hwsimExplorer.selectedRows() !== null")
    selected = page.evaluate("() => window.hwsimExplorer.selectedRows()")
    ranges = page.evaluate(f"() => document.getElementById('parcoords').data[0].dimensions[{latency_axis}].constraintrange")
    low, high = ranges[0] if isinstance(ranges[0], list) else ranges
    latency = np.array(data["columns"]["latency_s"]["values"])
    expected = np.flatnonzero((latency >= low) & (latency <= high)).tolist()
    assert 0 < len(expected) < data["shown_rows"]
    assert selected == expected
    assert page.text_content("#table-title") == f"{len(expected)} selected designs"
    shown = page.eval_on_selector_all("#selection-table tbody tr", "rows => rows.map(r => Number(r.dataset.row))")
    assert sorted(shown) == expected
    picked = page.evaluate("""() => document.getElementById('scatter').data.map(t =>
        (t.selectedpoints || []).map(j => t.customdata[j])).flat().sort((a, b) => a - b)""")
    assert picked == expected

    # a design without an embedded breakdown: its run line, and a note saying why there is no more
    without = next(i for i in range(data["shown_rows"]) if str(i) not in data["breakdowns"]["designs"])
    page.evaluate(f"() => window.hwsimExplorer.showDetails({without})")
    assert page.is_visible("#breakdown-missing")
    assert page.text_content("#run-line").startswith("hwsim run tpu-v1-like mobilenet_v2 --set compute.rows=")
    assert "Breakdowns are embedded for 12 of the 24" in page.text_content("#notes")
    assert errors == [] and blocked == []
