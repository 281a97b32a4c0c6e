"""Design-space views of a result table (one row per design): the Pareto scatter, 2-D or 3-D,
with the non-dominated designs highlighted, and the scatter matrix of the objectives.

The front is hwsim.pareto's (the one Pareto code in hwsim); these functions only draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.figures import plotly_modules
from hwsim.plots.style import (axis_title, category_colors, default_hover, display_values, hover_data,
                               is_categorical, responsive_layout, sorted_categories, split_unit)

# objectives better when larger; every other column is minimised by default
MAXIMISED = ("tokens_per_s", "tops_per_w", "compute_tops_per_w", "tops_per_mm2", "achieved_tops", "utilization",
             "compute_utilization", "mapping_efficiency", "speedup_vs_systolic", "achieved_ops_per_s")
SYMBOLS = ("circle", "square", "diamond", "cross", "x", "triangle-up", "triangle-down", "star", "hexagon",
           "pentagon", "triangle-left", "triangle-right", "hourglass", "bowtie", "circle-open", "square-open")
# a colour column with more distinct numbers than this is drawn with a colour scale, not a legend
MAX_LEGEND_NUMBERS = 12
# marker sizes (px): the front stands out from the dominated cloud
FRONT_SIZE_PX, DOMINATED_SIZE_PX, DOMINATED_OPACITY = 11, 6, 0.45


def default_objectives(columns: Sequence[str]) -> dict[str, str]:
    """``{column: "min" | "max"}``: throughput, efficiency and utilisation columns (MAXIMISED, or a
    name ending in ``_per_s``) are maximised, everything else (latency, energy, area, power) minimised."""
    return {c: "max" if c in MAXIMISED or c.endswith("_per_s") else "min" for c in columns}


def pareto_flags(df: pd.DataFrame, objectives: Mapping[str, str]) -> np.ndarray:
    """A boolean per row of ``df`` (in order): True where hwsim.pareto keeps the row."""
    from hwsim.dse.pareto import pareto    # hwsim.pareto itself, imported from its floor (dse)

    table = df.reset_index(drop=True)       # positions as the index: duplicates in df's index are fine
    flags = np.zeros(len(table), dtype=bool)
    flags[pareto(table, objectives).index.to_numpy()] = True
    return flags


def _check_columns(df: pd.DataFrame, columns: Sequence[str | None], field: str = "column") -> None:
    if not isinstance(df, pd.DataFrame):
        raise HwsimInputError(f"expected a pandas DataFrame, got {type(df).__name__}", field="df")
    for column in columns:
        if column is not None and column not in df.columns:
            raise HwsimInputError(f"no {field} {column!r} in the table", field=str(column),
                                  allowed=", ".join(map(str, df.columns)))


def _value_label(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:g}"
    return str(value)


def _log_axis(values: pd.Series) -> bool:
    # log when every value is positive and they span three decades or more
    values = pd.to_numeric(values, errors="coerce")
    low, high = values.min(), values.max()
    return bool(low > 0 and high / low >= 1e3)


def _color_groups(df: pd.DataFrame, color: str | None, colors: Mapping | None):
    """[(label, row mask, colour)] per category, or None when ``color`` is a continuous number."""
    if color is None:
        return [("all designs", np.ones(len(df), dtype=bool), "#636EFA")]
    series = df[color]
    if not is_categorical(series) and series.nunique() > MAX_LEGEND_NUMBERS:
        return None
    cats = sorted_categories(series)
    mapping = dict(colors) if colors is not None else category_colors(cats)
    missing = [c for c in cats if c not in mapping]
    if missing:
        raise HwsimInputError(f"colors has no colour for {missing[:3]!r}", field="colors",
                              allowed=f"a mapping covering every value of {color!r}")
    values = series.to_numpy()
    return [(_value_label(cat), values == cat, mapping[cat]) for cat in cats]


def pareto_scatter(df: pd.DataFrame, x: str, y: str, *, z: str | None = None,
                   objectives: Mapping[str, str] | None = None, color: str | None = None,
                   symbol: str | None = None, hover: Sequence[str] | None = None, colors: Mapping | None = None,
                   title: str | None = None, log: bool | None = None, units: Mapping[str, str] | None = None):
    """A scatter of ``df``'s designs, ``x`` against ``y`` (and ``z``: a 3-D scatter), with the
    Pareto-optimal designs drawn large and outlined, the dominated ones small and faint, and (2-D,
    when the objectives are exactly x and y) the front joined by a line.

    ``objectives`` (default: x, y and z, directions by ``default_objectives``) goes to hwsim.pareto;
    it may name columns that are not drawn (a 2-D view of a 3-objective front). ``color``: a
    column, one legend entry and colour per category (``colors`` overrides the mapping, e.g. one
    shared by several figures) or a colour scale for a number with many values. ``symbol``: a
    categorical column, one marker symbol per category. ``hover``: the columns the hover box shows
    (default: the axes, the swept ``a.b`` keys and the text columns). ``log``: log axes (default:
    where the values are positive and span three decades).

    Every marker trace carries ``customdata``, its first column the row's position in ``df``
    (``df.iloc[i]``), so a click can find the design. Returns a plotly Figure."""
    go, _ = plotly_modules()
    _check_columns(df, [x, y, z, color, symbol, *(hover or ())])
    drawn = [c for c in (x, y, z) if c is not None]
    objectives = dict(objectives) if objectives is not None else default_objectives(drawn)
    _check_columns(df, list(objectives), "objective")
    flags = pareto_flags(df, objectives)
    shown = default_hover(df, [*drawn, *(c for c in (color, symbol) if c)]) if hover is None else list(hover)
    customdata, template = hover_data(df, shown, units=units)
    symbols = None
    if symbol is not None:
        cats = sorted_categories(df[symbol])
        by_cat = {cat: SYMBOLS[i % len(SYMBOLS)] for i, cat in enumerate(cats)}
        symbols = df[symbol].map(by_cat).to_numpy()
    three_d = z is not None
    scatter = go.Scatter3d if three_d else go.Scatter
    # energy and time in a readable SI unit (the hover keeps the table's values)
    shown_values = {c: display_values(df[c], c, units) for c in drawn}
    fig = go.Figure()

    def add(mask, front: bool, name: str, color_value, legendgroup: str, showlegend: bool, scale: dict | None):
        idx = np.flatnonzero(mask & (flags if front else ~flags))
        if not len(idx):
            return False
        marker = {"size": FRONT_SIZE_PX if front else DOMINATED_SIZE_PX,
                  "opacity": 1.0 if front else DOMINATED_OPACITY, "color": color_value}
        if scale is not None:
            marker.update(color=df[color].to_numpy()[idx], **scale)
        if front:
            marker["line"] = {"width": 1.5, "color": "black"}
        if symbols is not None:
            marker["symbol"] = symbols[idx]
        coords = {"x": shown_values[x][0][idx], "y": shown_values[y][0][idx]}
        if three_d:
            coords["z"] = shown_values[z][0][idx]
            marker["size"] = marker["size"] * 0.6     # 3-D markers are drawn larger at the same size
        fig.add_trace(scatter(mode="markers", name=name, legendgroup=legendgroup, showlegend=showlegend,
                              marker=marker, customdata=customdata[idx], hovertemplate=template,
                              meta={"pareto": front}, **coords))
        return True

    groups = _color_groups(df, color, colors)
    if groups is None:   # a continuous colour scale
        scale = {"colorscale": "Viridis", "cmin": float(df[color].min()), "cmax": float(df[color].max()),
                 "colorbar": {"title": {"text": axis_title(color, units)}, "x": 1.02}}
        everything = np.ones(len(df), dtype=bool)
        add(everything, False, "dominated", None, "dominated", True, scale)
        add(everything, True, "Pareto-optimal", None, "front", True, {**scale, "showscale": False})
    else:
        for label, mask, col in groups:
            shown_dominated = add(mask, False, label, col, label, True, None)
            add(mask, True, label, col, label, not shown_dominated, None)
        # one legend entry that explains the outline
        fig.add_trace(scatter(x=[None], y=[None], **({"z": [None]} if three_d else {}), mode="markers",
                              name=f"Pareto-optimal ({int(flags.sum())} of {len(df)}): outlined",
                              marker={"size": FRONT_SIZE_PX, "color": "white", "line": {"width": 1.5, "color": "black"}},
                              hoverinfo="skip", legendgroup="front-key"))
    if symbols is not None:
        for cat, sym in by_cat.items():
            fig.add_trace(scatter(x=[None], y=[None], **({"z": [None]} if three_d else {}), mode="markers",
                                  name=f"{axis_title(symbol)}: {_value_label(cat)}", hoverinfo="skip",
                                  marker={"symbol": sym, "color": "#555555", "size": 9}, legendgroup=f"sym-{cat}"))
    if not three_d and set(objectives) == {x, y} and flags.any():
        front = pd.DataFrame({"x": shown_values[x][0][flags], "y": shown_values[y][0][flags]}).sort_values(["x", "y"])
        fig.add_trace(go.Scatter(x=front["x"], y=front["y"], mode="lines", name="Pareto front",
                                 line={"color": "black", "width": 1, "dash": "dot"}, hoverinfo="skip"))
    heading = title or f"{split_unit(y)[0]} vs {split_unit(x)[0]}: Pareto-optimal designs outlined"
    # a colour bar takes the right edge: the legend then goes under the plot
    responsive_layout(fig, title=heading, legend_title=axis_title(color, units) if color else None,
                      legend="bottom" if groups is None else "right")
    axes = {"x": x, "y": y, **({"z": z} if three_d else {})}
    settings = {}
    for axis, column in axes.items():
        use_log = _log_axis(df[column]) if log is None else log
        settings[f"{axis}axis"] = {"title": {"text": shown_values[column][1]}, "type": "log" if use_log else "linear"}
    if three_d:
        fig.update_layout(scene=settings, height=680)
    else:
        fig.update_layout(**settings)
    return fig


def scatter_matrix(df: pd.DataFrame, objectives: Sequence[str] | Mapping[str, str], color: str | None = None, *,
                   colors: Mapping | None = None, hover: Sequence[str] | None = None, title: str | None = None,
                   units: Mapping[str, str] | None = None):
    """Every pair of ``objectives`` (a list of columns, or a mapping column -> "min"/"max": then
    the Pareto-optimal designs over all of them are drawn large and outlined), one scatter each in
    the lower triangle, axis labels with units. ``color``/``colors``/``hover`` as pareto_scatter;
    ``customdata[:, 0]`` is the row's position in ``df``."""
    go, _ = plotly_modules()
    columns = list(objectives)
    if len(columns) < 2:
        raise HwsimInputError(f"a scatter matrix needs two objectives or more, got {columns!r}", field="objectives",
                              allowed="two or more numeric columns")
    _check_columns(df, [*columns, color, *(hover or ())])
    flags = pareto_flags(df, objectives) if isinstance(objectives, Mapping) else np.zeros(len(df), dtype=bool)
    shown = default_hover(df, [*columns, *([color] if color else [])]) if hover is None else list(hover)
    customdata, template = hover_data(df, shown, units=units)
    groups = _color_groups(df, color, colors)
    fig = go.Figure()
    common = {"diagonal_visible": False, "showupperhalf": False, "hovertemplate": template}

    shown_values = {c: display_values(df[c], c, units) for c in columns}

    def dims(idx):
        return [{"label": shown_values[c][1], "values": shown_values[c][0][idx]} for c in columns]

    def marker(idx, col):
        front = flags[idx]
        return {"color": col, "size": np.where(front, FRONT_SIZE_PX - 3, DOMINATED_SIZE_PX - 1),
                "line": {"width": np.where(front, 1.2, 0.0), "color": "black"}, "opacity": 0.8}

    if groups is None:
        idx = np.arange(len(df))
        m = marker(idx, df[color].to_numpy())
        m.update(colorscale="Viridis", showscale=True, colorbar={"title": {"text": axis_title(color, units)}})
        fig.add_trace(go.Splom(dimensions=dims(idx), marker=m, customdata=customdata, name="designs", **common))
    else:
        for label, mask, col in groups:
            idx = np.flatnonzero(mask)
            fig.add_trace(go.Splom(dimensions=dims(idx), marker=marker(idx, col), customdata=customdata[idx],
                                   name=label, legendgroup=label, **common))
    n = len(columns)
    heading = title or "objectives pairwise" + (" (Pareto-optimal designs outlined)" if flags.any() else "")
    responsive_layout(fig, title=heading, height_px=max(520, 200 * (n - 1) + 140),
                      legend_title=axis_title(color, units) if color else None)
    fig.update_layout(dragmode="select")
    return fig
