"""The live explorer's figures: one or two designs (A and B) side by side, from their tables.

Each builder takes DesignViews (serve_model.py) and returns a plotly figure as a plain dict
({"data": [...], "layout": {...}}), which dcc.Graph draws as it is. Why not plotly's
graph_objects: building and validating the five go.Figure objects took 120-170 ms per knob change
on the shared 2-core machine, more than the whole 100 ms budget; the dicts take a few ms, and
plotly.js checks them in the browser anyway. Units are in every axis title.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hwsim.explore.serve_model import ENERGY_PARTS, DesignView
from hwsim.explore.serve_sweep import SweepFront

# A and B keep these colours and marker symbols in every figure (plotly's first two qualitative
# colours, the same as hwsim.plots.category_colors gives two sorted categories)
DESIGN_STYLE = {"A": {"color": "#636EFA", "symbol": "star"}, "B": {"color": "#EF553B", "symbol": "diamond"}}
# derived: 1 pJ = 1e-6 uJ; 1 s = 1e6 us
UJ_PER_PJ = 1e-6
US_PER_S = 1e6
FIGURE_HEIGHT_PX = 340   # two rows of figures read on a 1000 px high screen with the knobs above
BOUND_SYMBOLS = ("circle", "square", "triangle-up", "cross", "x", "hexagon")


def _figure(traces: list[dict], title: str, x_title: str, y_title: str, log_axes: bool = False) -> dict:
    # log axes tick in powers of ten (plotly's default "B" reads 1e10 pJ as "10B")
    axis = {"type": "log", "exponentformat": "power"} if log_axes else {}
    return {"data": traces, "layout": {
        "title": {"text": title, "x": 0.01, "font": {"size": 14}}, "height": FIGURE_HEIGHT_PX,
        "margin": {"l": 60, "r": 10, "t": 40, "b": 50}, "barmode": "group",
        "legend": {"orientation": "h", "y": -0.3},
        "xaxis": {"title": {"text": x_title}, "automargin": True, **axis},
        "yaxis": {"title": {"text": y_title}, "automargin": True, **axis}}}


def _list(values) -> list:
    """A column as a JSON-ready list (numpy scalars become Python numbers)."""
    return np.asarray(values).tolist()


def _designs(a: DesignView, b: DesignView | None) -> list[tuple[str, DesignView]]:
    return [("A", a)] + ([("B", b)] if b is not None else [])


def _stacked_by_component(parts_by_design: dict[str, dict[str, float]], scale: float, unit: str,
                          title: str, y_title: str) -> dict:
    """One stacked bar per design (A, B), one trace per component in its fixed colour
    (hwsim.plots.style.component_colors, the colours of every hwsim breakdown)."""
    from hwsim.plots.style import component_colors

    designs = list(parts_by_design)
    components = list(dict.fromkeys(c for parts in parts_by_design.values() for c in parts))
    colors = component_colors(components)
    traces = []
    for component in components:
        values = [parts_by_design[d].get(component, 0.0) * scale for d in designs]
        totals = [sum(parts_by_design[d].values()) * scale for d in designs]
        shares = [100 * v / t if t else 0.0 for v, t in zip(values, totals)]
        traces.append({"type": "bar", "x": designs, "y": values, "name": component, "customdata": shares,
                       "marker": {"color": colors[component]},
                       "hovertemplate": f"design %{{x}}<br>{component}: %{{y:.4g}} {unit} "
                                        "(%{customdata:.1f}% of the total)<extra></extra>"})
    figure = _figure(traces, title, "design", y_title)
    figure["layout"]["barmode"] = "stack"
    return figure


def energy_breakdown(a: DesignView, b: DesignView | None = None) -> dict:
    """Energy by component (compute, SRAM, DRAM, leakage) in uJ for one run of the workload, one
    stacked bar per design."""
    parts = {name: {p.removeprefix("energy_").removesuffix("_pj"): view.summary[p] for p in ENERGY_PARTS}
             for name, view in _designs(a, b)}
    return _stacked_by_component(parts, UJ_PER_PJ, "uJ", "Energy by component", "energy (uJ)")


def area_breakdown(a: DesignView, b: DesignView | None = None) -> dict:
    """Die area by component in mm², one stacked bar per design."""
    parts = {name: dict(view.area_breakdown_mm2) for name, view in _designs(a, b)}
    return _stacked_by_component(parts, 1.0, "mm²", "Area by component", "area (mm²)")


def per_layer_bars(a: DesignView, b: DesignView | None = None) -> dict:
    """Latency per layer (all its instances and repeats), in us; hover: energy and what bounds it."""
    traces = []
    for name, view in _designs(a, b):
        t = view.layers
        bound = t["bound"].astype(str) if "bound" in t.columns else pd.Series("", index=t.index)
        custom = list(zip(t["op"].astype(str), _list(t["energy_pj"] * UJ_PER_PJ), bound))
        traces.append({"type": "bar", "x": _list(t["layer"].astype(str)), "y": _list(t["latency_s"] * US_PER_S),
                       "name": name, "customdata": custom, "marker": {"color": DESIGN_STYLE[name]["color"]},
                       "hovertemplate": ("%{x} (%{customdata[0]})<br>latency %{y:.4g} us<br>"
                                         "energy %{customdata[1]:.4g} uJ<br>bound: %{customdata[2]}"
                                         "<extra>" + name + "</extra>")})
    return _figure(traces, "Per-layer latency", "layer", "latency (us)")


def roofline_points(view: DesignView) -> pd.DataFrame:
    """Per layer: arithmetic intensity (derived: 2 x MACs / DRAM bytes, ops/byte) and achieved
    performance (derived: 2 x MACs / latency, ops/s); layers with no MACs (vector ops) or no DRAM
    traffic have no place on the roofline and are left out here (the per-layer bars show them)."""
    t = view.layers
    ops = 2.0 * t["macs"].to_numpy(dtype=float)
    dram_bytes = (t["dram_reads_bits"] + t["dram_writes_bits"]).to_numpy(dtype=float) / 8.0
    latency_s = t["latency_s"].to_numpy(dtype=float)
    keep = (ops > 0) & (dram_bytes > 0) & (latency_s > 0)
    bound = t["bound"] if "bound" in t.columns else pd.Series("", index=t.index)
    return pd.DataFrame({"layer": t["layer"].astype(str).to_numpy()[keep], "bound": bound.astype(str).to_numpy()[keep],
                         "intensity_ops_per_byte": ops[keep] / dram_bytes[keep],
                         "performance_ops_s": ops[keep] / latency_s[keep]})


def roofline(a: DesignView, b: DesignView | None = None) -> dict:
    """Each design's roof, min(peak ops/s, DRAM bytes/s x intensity), and its layers under it;
    the colour is the design's, the marker symbol what bounds the layer (the ``bound`` column)."""
    points = {name: roofline_points(view) for name, view in _designs(a, b)}
    bounds = sorted({v for p in points.values() for v in p["bound"]})
    symbols = {bound: BOUND_SYMBOLS[i % len(BOUND_SYMBOLS)] for i, bound in enumerate(bounds)}
    intensities = np.concatenate([p["intensity_ops_per_byte"].to_numpy() for p in points.values()] + [np.ones(1)])
    grid = np.geomspace(max(intensities.min() / 4, 1e-3), intensities.max() * 4, 64)
    traces = []
    for name, view in _designs(a, b):
        color = DESIGN_STYLE[name]["color"]
        bandwidth = view.dram_bandwidth_bytes_s
        roof = (np.full(grid.shape, view.peak_ops_s) if math.isinf(bandwidth)
                else np.minimum(view.peak_ops_s, bandwidth * grid))
        traces.append({"type": "scatter", "mode": "lines", "x": _list(grid), "y": _list(roof / 1e12),
                       "name": f"{name} roof", "line": {"color": color, "dash": "solid" if name == "A" else "dash"},
                       "hovertemplate": "roof %{y:.4g} TOPS at %{x:.3g} ops/B<extra>" + name + "</extra>"})
        p = points[name]
        bound_of = p["bound"].to_numpy()
        for bound in sorted(set(bound_of)):
            part = bound_of == bound
            traces.append({"type": "scatter", "mode": "markers", "x": _list(p["intensity_ops_per_byte"].to_numpy()[part]),
                           "y": _list(p["performance_ops_s"].to_numpy()[part] / 1e12),
                           "text": _list(p["layer"].to_numpy()[part]),
                           "name": f"{name}: {bound or 'layers'}",
                           "marker": {"color": color, "symbol": symbols[bound], "size": 8,
                                      "line": {"width": 0.5, "color": "white"}},
                           "hovertemplate": ("%{text}<br>%{x:.3g} ops/B, %{y:.4g} TOPS<br>bound: " + bound
                                             + "<extra>" + name + "</extra>")})
    return _figure(traces, "Roofline (per layer)", "arithmetic intensity (ops per DRAM byte)", "performance (TOPS)",
                   log_axes=True)


def pareto_position(a: DesignView, b: DesignView | None, front: SweepFront | None, note: str = "") -> dict:
    """The designs against a sweep's Pareto front on two summary columns (x, y)."""
    x, y = (front.x, front.y) if front is not None else ("latency_s", "energy_pj")
    traces = []
    if front is not None:
        # customdata: each row's point_id, which a click sends back (serve_app loads it as A)
        ids = {part: (_list(table["point_id"]) if "point_id" in table.columns else None)
               for part, table in (("background", front.background), ("front", front.front))}
        traces.append({"type": "scattergl", "mode": "markers", "x": _list(front.background[x]),
                       "y": _list(front.background[y]), "name": f"sweep ({front.rows:,} rows)",
                       "customdata": ids["background"], "marker": {"color": "#BBBBBB", "size": 4},
                       "hovertemplate": f"point %{{customdata}}<br>{x} %{{x:.4g}}<br>{y} %{{y:.4g}}"
                                        "<extra>click: load as A</extra>"})
        traces.append({"type": "scatter", "mode": "lines+markers", "x": _list(front.front[x]),
                       "y": _list(front.front[y]), "name": f"front ({len(front.front)})", "customdata": ids["front"],
                       "line": {"color": "#222222", "shape": "hv"}, "marker": {"color": "#222222", "size": 6},
                       "hovertemplate": f"point %{{customdata}}<br>{x} %{{x:.4g}}<br>{y} %{{y:.4g}}"
                                        "<extra>front; click: load as A</extra>"})
    # a sweep column of one workload (<label>.latency_s) is placed by the design's own latency_s
    x_key, y_key = (front.x_key, front.y_key) if front is not None else (x, y)
    for name, view in _designs(a, b):
        style = DESIGN_STYLE[name]
        traces.append({"type": "scatter", "mode": "markers", "x": [view.summary.get(x_key, math.nan)],
                       "y": [view.summary.get(y_key, math.nan)], "name": f"design {name}",
                       "marker": {"color": style["color"], "symbol": style["symbol"], "size": 16,
                                  "line": {"width": 1, "color": "black"}},
                       "hovertemplate": f"{x} %{{x:.4g}}<br>{y} %{{y:.4g}}<extra>{name}</extra>"})
    title = "Position against the sweep's front" if front is not None else "Designs (no sweep loaded)"
    from hwsim.plots.style import axis_title   # "latency_s" -> "latency (s)", as every hwsim figure

    return _figure(traces, title + (f": {note}" if note else ""), axis_title(x), axis_title(y), log_axes=True)
