"""Checks of a study's written figure, read back from its HTML page (the data and layout plotly.js
draws): what a reader at 1400x1000 or on a laptop would trip over."""

from __future__ import annotations

import json
import re
from pathlib import Path

# a subplot title (~20 px) plus the x-axis title and tick labels of the row above (~60 px)
MIN_ROW_GAP_PX = 80
UNIT = re.compile(r"\([^()]+\)\s*$")


def figure_json(path: Path) -> tuple[list, dict]:
    """(data, layout) of the page's Plotly.newPlot call."""
    html = Path(path).read_text(encoding="utf-8")
    start = html.index("Plotly.newPlot(")
    decoder = json.JSONDecoder()
    rest = html[start + len("Plotly.newPlot("):]
    _, i = decoder.raw_decode(rest.lstrip())          # the div id
    rest = rest.lstrip()[i:].lstrip().lstrip(",").lstrip()
    data, i = decoder.raw_decode(rest)
    rest = rest[i:].lstrip().lstrip(",").lstrip()
    layout, _ = decoder.raw_decode(rest)
    return data, layout


def used_axes(data: list) -> set[tuple[str, str]]:
    """(xaxis name, yaxis name) of every bar/scatter trace, as layout keys (xaxis, xaxis2, ...)."""
    out = set()
    for trace in data:
        if trace.get("type", "scatter") in ("bar", "scatter"):
            x, y = trace.get("xaxis", "x"), trace.get("yaxis", "y")
            out.add((x.replace("x", "xaxis", 1), y.replace("y", "yaxis", 1)))
    return out


def check_readable(path: Path, *, category_axes: tuple[str, ...] = ()) -> tuple[list, dict]:
    """No fixed width; every used y axis titled with a unit and every used x axis titled (with a
    unit unless its title is in ``category_axes``); rows of panels far enough apart that subplot
    titles clear the axis titles above; each legend entry (but the black/grey reference marks)
    has its own colour."""
    data, layout = figure_json(path)
    assert "width" not in layout, f"{path.name}: fixed width {layout.get('width')}"
    assert layout.get("autosize") is True
    for x, y in used_axes(data):
        y_title = layout.get(y, {}).get("title", {}).get("text", "")
        x_title = layout.get(x, {}).get("title", {}).get("text", "")
        assert UNIT.search(y_title or ""), f"{path.name}: {y} title {y_title!r} has no unit"
        assert x_title, f"{path.name}: {x} has no title"
        assert x_title in category_axes or UNIT.search(x_title), f"{path.name}: {x} title {x_title!r} has no unit"
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    # one y domain per row of panels (the panels of a row share it), top row first
    rows = sorted({tuple(v["domain"]) for k, v in layout.items() if re.fullmatch(r"yaxis\d*", k) and "domain" in v},
                  key=lambda d: -d[1])
    for upper, lower in zip(rows, rows[1:]):
        gap_px = (upper[0] - lower[1]) * plot_px
        assert gap_px >= MIN_ROW_GAP_PX, f"{path.name}: rows {upper} and {lower} only {gap_px:.0f} px apart"
    colours: dict[str, str] = {}
    for trace in data:
        if trace.get("showlegend", True) is False or "name" not in trace:
            continue
        colour = (trace.get("marker") or {}).get("color") or (trace.get("line") or {}).get("color")
        if not isinstance(colour, str) or colour in ("black", "dimgray", "#222222"):
            continue
        colours.setdefault(trace["name"], colour)
    seen: dict[str, str] = {}
    for name, colour in colours.items():
        family = name.split(",")[0]   # "lut, INT8 act." and "lut, FP16 act." share lut's colour by design
        assert seen.setdefault(colour.upper(), family) == family, f"{path.name}: {name!r} repeats a colour"
    return data, layout
