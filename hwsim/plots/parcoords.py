"""Parallel coordinates of a result table: one axis per swept key and per objective. Text and
boolean columns become categorical axes that carry their labels; numbers keep their units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.figures import plotly_modules
from hwsim.plots.style import (axis_title, category_colors, display_values, is_categorical, responsive_layout,
                               sorted_categories)

# a numeric axis with at most this many distinct values gets a tick at each (a swept key's grid)
MAX_TICKED_VALUES = 12


def _tick_text(value) -> str:
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def dimension(series: pd.Series, column: str, units: Mapping[str, str] | None = None) -> dict:
    """One parcoords dimension: a categorical column as codes 0..n-1 with its labels as
    ``tickvals``/``ticktext`` (categories in sorted order), a number as is (ticks at each value when
    it takes few)."""
    label = axis_title(column, units)
    if is_categorical(series):
        cats = sorted_categories(series)
        codes = series.map({cat: i for i, cat in enumerate(cats)}).to_numpy()
        return {"label": label, "values": codes, "tickvals": list(range(len(cats))),
                "ticktext": [_tick_text(c) for c in cats], "range": [-0.25, len(cats) - 0.75]}
    values, label = display_values(series, column, units)   # energy and time in a readable SI unit
    out = {"label": label, "values": values}
    distinct = np.unique(values)
    if len(distinct) <= MAX_TICKED_VALUES:
        out.update(tickvals=distinct.tolist(), ticktext=[_tick_text(v) for v in distinct.tolist()])
        if len(distinct) == 1:
            out["range"] = [distinct[0] - 1, distinct[0] + 1] if distinct[0] else [-1, 1]
    return out


def parallel_coordinates(df: pd.DataFrame, columns: Sequence[str], *, color: str | None = None,
                         colors: Mapping | None = None, title: str | None = None,
                         units: Mapping[str, str] | None = None):
    """One vertical axis per entry of ``columns`` (in order), one line per row of ``df``.

    Categorical columns (text, booleans) are axes whose ticks are their labels; numeric ones are
    titled with their unit (``axis_title``). ``color``: a column; a categorical one colours each
    category as ``category_colors`` (or ``colors``) and shows the labels on the colour bar, a
    numeric one uses a colour scale. Brushing an axis selects lines (plotly's ``constraintrange``),
    which the explorer links to its other views. Returns a plotly Figure."""
    go, _ = plotly_modules()
    if not isinstance(df, pd.DataFrame):
        raise HwsimInputError(f"expected a pandas DataFrame, got {type(df).__name__}", field="df")
    columns = list(columns)
    missing = [c for c in [*columns, *([color] if color else [])] if c not in df.columns]
    if missing:
        raise HwsimInputError(f"no column {missing[0]!r} in the table", field=str(missing[0]),
                              allowed=", ".join(map(str, df.columns)))
    if not columns:
        raise HwsimInputError("no columns to draw", field="columns", allowed="one or more column names")
    dims = [dimension(df[c], c, units) for c in columns]
    line: dict = {}
    if color is not None:
        series = df[color]
        if is_categorical(series) or series.nunique() <= MAX_TICKED_VALUES:
            cats = sorted_categories(series)
            mapping = dict(colors) if colors is not None else category_colors(cats)
            n = len(cats)
            # a stepped scale: code i is exactly category i's colour
            scale = []
            for i, cat in enumerate(cats):
                scale += [[i / n, mapping[cat]], [(i + 1) / n, mapping[cat]]]
            line = {"color": series.map({cat: i for i, cat in enumerate(cats)}).to_numpy(), "colorscale": scale,
                    "cmin": -0.5, "cmax": n - 0.5, "showscale": True,
                    "colorbar": {"title": {"text": axis_title(color, units)}, "tickvals": list(range(n)),
                                 "ticktext": [_tick_text(c) for c in cats], "x": 1.02}}
        else:
            line = {"color": series.to_numpy(), "colorscale": "Viridis", "showscale": True,
                    "colorbar": {"title": {"text": axis_title(color, units)}, "x": 1.02}}
    # many axes: slant the labels so neighbours do not overlap (about 9 px per character at 12 px)
    angle = -20 if len(columns) > 6 else 0
    fig = go.Figure(go.Parcoords(dimensions=dims, line=line, labelangle=angle, labelside="top",
                                 labelfont={"size": 12}, tickfont={"size": 10}))
    responsive_layout(fig, title=title or f"{len(df)} designs, one line each (brush an axis to select)")
    fig.update_layout(margin={"l": 80, "r": 90, "t": 140 if angle else 120, "b": 40})
    return fig
