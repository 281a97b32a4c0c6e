"""Reusable figure builders over result tables."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hwsim.errors import HwsimInputError


def plotly_modules():
    """(plotly.graph_objects, plotly.subplots.make_subplots), imported on first use; without the
    ``plots`` extra, one HwsimInputError saying how to install it."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:
        raise HwsimInputError('figures need plotly: pip install -e ".[plots]"') from None
    return go, make_subplots


@dataclass(frozen=True)
class BarPanel:
    """One panel: ``column`` of ``table`` (times ``scale``) per ``x``, one bar group per ``group``."""

    title: str
    table: pd.DataFrame
    column: str
    x: str
    group: str
    scale: float = 1.0


def _category_key(value):
    # numbers in numeric order (7 nm before 28 nm), then everything else by its text
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def category_label(value) -> str:
    """The legend text of a category: numbers are technology nodes in nm, anything else as is."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:g} nm"
    return str(value)


def category_colors(values) -> dict:
    """One fixed colour per category, the same in every panel of a figure: the categories in
    sorted order take plotly's qualitative palette in turn (wrapping after 10)."""
    from plotly.colors import qualitative

    palette = qualitative.Plotly
    ordered = sorted(set(values), key=_category_key)
    return {value: palette[i % len(palette)] for i, value in enumerate(ordered)}


def bar_grid_with_ratios(panels: list[BarPanel], ratios: pd.DataFrame | None, title: str, cols: int = 2):
    """Grouped bar panels in a grid, plus (optional) a last panel with hwsim's ratios as bars and
    the published ranges as error bars (columns: ratio, hwsim, published_low, published_high).

    A category (a value of a panel's ``group`` column) has one colour across all panels
    (``category_colors``) and one legend entry that shows or hides it in every panel."""
    go, make_subplots = plotly_modules()
    count = len(panels) + (1 if ratios is not None else 0)
    rows = -(-count // cols)
    titles = [p.title for p in panels] + (["hwsim vs published ratios"] if ratios is not None else [])
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.3 / rows)
    colors = category_colors(v for panel in panels for v in panel.table[panel.group].unique())
    in_legend: set = set()
    for i, panel in enumerate(panels):
        r, c = divmod(i, cols)
        parts = dict(tuple(panel.table.groupby(panel.group, sort=False)))
        for group in sorted(parts, key=_category_key):
            part = parts[group]
            label = category_label(group)
            fig.add_trace(go.Bar(x=part[panel.x], y=part[panel.column] * panel.scale, name=label,
                                 marker_color=colors[group], legendgroup=label,
                                 showlegend=label not in in_legend), row=r + 1, col=c + 1)
            in_legend.add(label)
    if ratios is not None:
        # greys, so no category colour is reused for something else
        r, c = divmod(len(panels), cols)
        half = (ratios["published_high"] - ratios["published_low"]) / 2
        fig.add_trace(go.Bar(x=ratios["ratio"], y=ratios["hwsim"], name="hwsim ratio", marker_color="dimgray"),
                      row=r + 1, col=c + 1)
        fig.add_trace(go.Scatter(x=ratios["ratio"], y=ratios["published_low"] + half, mode="markers",
                                 error_y={"type": "data", "array": half, "symmetric": True},
                                 name="published range", marker_color="black"), row=r + 1, col=c + 1)
    fig.update_layout(height=420 * rows, title=title, barmode="group", legend_traceorder="grouped")
    return fig


def to_html(fig) -> str:
    """A self-contained page: plotly.js is inlined (about 4.5 MB), so it opens offline; never a CDN."""
    return fig.to_html(include_plotlyjs=True, full_html=True)


def write_html(fig, path) -> Path:
    """Write ``to_html(fig)`` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(to_html(fig), encoding="utf-8")
    return path
