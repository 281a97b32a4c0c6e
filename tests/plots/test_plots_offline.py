"""Every HTML page hwsim writes opens offline (plotly.js inlined, no CDN), and a category keeps
one colour in every panel of a figure, with one legend entry."""

import json
import re

import pandas as pd
import pytest

pytest.importorskip("plotly")

from hwsim.plots.figures import BarPanel, bar_grid_with_ratios, category_colors, write_html  # noqa: E402


def _figure():
    # the second panel lacks 28 nm and lists its nodes in another order: the colour of a node must
    # not depend on which nodes a panel has or on their order
    first = pd.DataFrame({"node_nm": [45.0, 45.0, 28.0, 28.0, 7.0, 7.0], "format": ["INT8", "FP8"] * 3,
                          "energy": [1.0, 2.0, 0.6, 1.2, 0.2, 0.4]})
    second = pd.DataFrame({"node_nm": [7, 7, 45, 45], "format": ["INT8", "FP8"] * 2, "area": [1.0, 2.0, 5.0, 9.0]})
    ratios = pd.DataFrame({"ratio": ["fp8/int8"], "hwsim": [1.9], "published_low": [1.5], "published_high": [2.5]})
    panels = [BarPanel("energy", first, "energy", "format", "node_nm"),
              BarPanel("area", second, "area", "format", "node_nm")]
    return bar_grid_with_ratios(panels, ratios, "test figure")


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    path = write_html(_figure(), tmp_path_factory.mktemp("plots") / "figure.html")
    return path.read_text(encoding="utf-8")


def test_html_is_self_contained(html):
    from plotly.offline import get_plotlyjs

    # the whole plotly.js bundle is in the page, verbatim (its banner names the version)
    bundle = get_plotlyjs()
    assert re.search(r"\* plotly\.js v\d+\.\d+\.\d+", html)
    assert bundle in html
    # and nothing else in the page refers to the network: no script src, no CDN. (The bundle's own
    # text holds one "cdn.plot.ly" URL, the default for geo maps' topojson, never fetched for bars.)
    page = html.replace(bundle, "")
    assert "cdn.plot.ly" not in page
    assert "<script src=\"http" not in page and not re.search(r"<script[^>]*\bsrc=", page)


def test_one_colour_and_one_legend_entry_per_category():
    fig = _figure()
    bars = [t for t in fig.data if t.type == "bar" and t.name.endswith(" nm")]
    by_name: dict[str, set] = {}
    for trace in bars:
        by_name.setdefault(trace.name, set()).add(trace.marker.color)
    assert set(by_name) == {"7 nm", "28 nm", "45 nm"}
    assert all(len(colors) == 1 for colors in by_name.values()), by_name
    assert len({next(iter(c)) for c in by_name.values()}) == 3, "two categories share a colour"
    for name in by_name:
        traces = [t for t in bars if t.name == name]
        assert {t.legendgroup for t in traces} == {name}
        assert sum(bool(t.showlegend) for t in traces) == 1, f"{name} is in the legend more than once"
    # 7 nm and 45 nm appear in both panels (x/y and x2/y2)
    assert {t.xaxis for t in bars if t.name == "7 nm"} == {"x", "x2"}
    # nothing else in the figure reuses a category colour
    others = {t.marker.color for t in fig.data if t not in bars}
    assert not others & {next(iter(c)) for c in by_name.values()}


def test_colours_follow_sorted_category_order():
    from plotly.colors import qualitative

    colors = category_colors([45, 7, 28, 7])
    assert colors == {7: qualitative.Plotly[0], 28: qualitative.Plotly[1], 45: qualitative.Plotly[2]}
    # a figure's colours do not depend on the order its rows come in
    assert category_colors([28, 45, 7]) == colors


def test_written_html_carries_the_same_colours(html):
    # the colours survive into the page's JSON (the figure data plotly.js draws)
    data = json.loads(re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{", html, re.S).group(1))
    seen: dict[str, set] = {}
    for trace in data:
        if trace.get("type") == "bar" and trace.get("name", "").endswith(" nm"):
            seen.setdefault(trace["name"], set()).add(trace["marker"]["color"])
    assert seen and all(len(c) == 1 for c in seen.values()), seen
