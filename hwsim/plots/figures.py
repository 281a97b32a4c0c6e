"""Reusable figure builders over result tables."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.style import _category_key, category_colors, category_label  # noqa: F401 (re-exported)


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
    """One panel: ``column`` of ``table`` (times ``scale``) per ``x``, one bar group per ``group``.
    ``y_title`` is the y-axis title with its unit; by default ``axis_title(column)``, which is only
    right when ``scale`` is 1 (a scaled panel must say its unit). ``x_title`` likewise for x.

    ``mode="lines"`` draws one line per group instead (a numeric x, e.g. weight bits), and ``dash``
    names a second categorical column drawn as the line's dash (one line per group x dash).
    ``reference``: a published value drawn as a dashed black line across the panel, named
    ``reference_label``."""

    title: str
    table: pd.DataFrame
    column: str
    x: str
    group: str
    scale: float = 1.0
    y_title: str | None = None
    log_y: bool = False
    mode: str = "bar"
    dash: str | None = None
    x_title: str | None = None
    reference: float | None = None
    reference_label: str | None = None

    def axis_title(self) -> str:
        from hwsim.plots.style import axis_title

        if self.y_title is not None:
            return self.y_title
        if self.scale != 1.0:
            raise HwsimInputError(f"panel {self.title!r} scales {self.column!r} by {self.scale:g}: give its y_title "
                                  "with the unit", field="y_title", allowed="an axis title such as 'energy (uJ)'")
        return axis_title(self.column)


Panel = BarPanel   # the same panel draws bars or lines (mode)

# line dashes of a panel's ``dash`` categories, in sorted order
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def group_label(group_column: str, value) -> str:
    """A legend entry: a technology node (a ``*_nm`` group) as "7 nm", other numbers as "%g", text as is."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:g} nm" if group_column.endswith("_nm") else f"{value:g}"
    return str(value)


# px per character of an 11-12 px tick label (a rotated label is this tall per character)
CHAR_PX = 7
# a panel's share of a 1280 px laptop window, px, when the grid has ``cols`` columns
_PANEL_WIDTH_PX = {1: 1000, 2: 520, 3: 340}


def _label_px(values) -> int:
    return CHAR_PX * max((len(str(v)) for v in pd.unique(values)), default=0)


def _needs_rotation(values, cols: int) -> bool:
    """Whether plotly would turn a category axis' labels upright (they do not fit level)."""
    labels = pd.unique(values)
    return len(labels) * (_label_px(labels) + 10) > _PANEL_WIDTH_PX.get(cols, 260)


def _wrap(text: str, width: int = 22) -> str:
    """``text`` broken into lines of about ``width`` characters (plotly's <br>), at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def bar_grid_with_ratios(panels: list[BarPanel], ratios: pd.DataFrame | None, title: str, cols: int = 3,
                         colors: dict | None = None, ratios_title: str = "hwsim vs published ratios"):
    """Grouped bar panels in a grid (at most ``cols`` per row, so each stays readable on a laptop),
    plus (optional) a last panel with hwsim's ratios as bars and the published ranges as error
    bars (columns: ratio, hwsim, published_low, published_high).

    A category (a value of a panel's ``group`` column) has one colour across all panels
    (``category_colors``, or ``colors``) and one legend entry that shows or hides it in every panel.
    Every y axis is titled with its unit (``BarPanel.axis_title``), every x axis with its column.
    The figure takes the window's width (no fixed width)."""
    from hwsim.plots.style import PANEL_HEIGHT_PX, axis_title, responsive_layout, subplot_spacing

    go, make_subplots = plotly_modules()
    cols = max(1, min(cols, len(panels) or 1))
    panel_rows = -(-len(panels) // cols)
    # the ratios get a row of their own, the whole width, so their long labels read level
    rows = panel_rows + (1 if ratios is not None else 0)
    titles = [p.title for p in panels] + [""] * (panel_rows * cols - len(panels))
    titles += [ratios_title] if ratios is not None else []
    rotated = [p for p in panels if p.mode != "lines" and _needs_rotation(p.table[p.x], cols)]
    tick_px = max((_label_px(p.table[p.x]) for p in rotated), default=0)
    height = (PANEL_HEIGHT_PX + tick_px) * rows + 160
    specs = [[{}] * cols for _ in range(panel_rows)] + ([[{"colspan": cols}] + [None] * (cols - 1)]
                                                        if ratios is not None else [])
    spacing = subplot_spacing(rows, cols, height, extra_gap_px=tick_px)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, specs=specs, **spacing)
    colors = colors or category_colors(v for panel in panels for v in panel.table[panel.group].unique())
    in_legend: set = set()
    dash_values = sorted({v for p in panels if p.dash for v in p.table[p.dash].unique()}, key=_category_key)
    dashes = {v: DASHES[i % len(DASHES)] for i, v in enumerate(dash_values)}
    for i, panel in enumerate(panels):
        r, c = divmod(i, cols)
        where = {"row": r + 1, "col": c + 1}
        parts = dict(tuple(panel.table.groupby([panel.group, panel.dash] if panel.dash else panel.group, sort=False)))
        for key in sorted(parts, key=lambda k: tuple(map(_category_key, k)) if panel.dash else _category_key(k)):
            group, dash = key if panel.dash else (key, None)
            part = parts[key]
            label = group_label(panel.group, group) + (f", {group_label(panel.dash, dash)}" if panel.dash else "")
            common = {"name": label, "legendgroup": label, "showlegend": label not in in_legend,
                      "hovertemplate": f"{label}, %{{x}}<br>{panel.axis_title()}: %{{y:.4~g}}<extra></extra>"}
            if panel.mode == "lines":
                part = part.sort_values(panel.x)
                fig.add_trace(go.Scatter(x=part[panel.x], y=part[panel.column] * panel.scale, mode="lines+markers",
                                         line={"color": colors[group], "dash": dashes.get(dash, "solid")},
                                         marker_color=colors[group], **common), **where)
            else:
                fig.add_trace(go.Bar(x=part[panel.x], y=part[panel.column] * panel.scale, marker_color=colors[group],
                                     **common), **where)
            in_legend.add(label)
        if panel.reference is not None:
            xs = list(dict.fromkeys(panel.table[panel.x]))
            label = panel.reference_label or f"published {panel.reference:g}"
            fig.add_trace(go.Scatter(x=xs, y=[panel.reference] * len(xs), mode="lines", name=label, legendgroup=label,
                                     showlegend=label not in in_legend, line={"color": "black", "dash": "dash"},
                                     hovertemplate=f"{label}<extra></extra>"), **where)
            in_legend.add(label)
        fig.update_yaxes(title_text=panel.axis_title(), type="log" if panel.log_y else "linear", **where)
        fig.update_xaxes(title_text=panel.x_title or axis_title(panel.x), **where,
                         **({"tickangle": -90} if panel in rotated else {}))
    if ratios is not None:
        # greys, so no category colour is reused for something else
        where = {"row": rows, "col": 1}
        # each label wrapped to its share of a laptop-wide row (1100 px), so neighbours never touch
        width_chars = max(8, min(22, 1100 // max(len(ratios), 1) // CHAR_PX))
        labels = [_wrap(str(v), width_chars) for v in ratios["ratio"]]
        half = (ratios["published_high"] - ratios["published_low"]) / 2
        fig.add_trace(go.Bar(x=labels, y=ratios["hwsim"], name="hwsim ratio", marker_color="dimgray"), **where)
        fig.add_trace(go.Scatter(x=labels, y=ratios["published_low"] + half, mode="markers",
                                 error_y={"type": "data", "array": half, "symmetric": True},
                                 name="published range", marker_color="black"), **where)
        fig.update_yaxes(title_text="ratio (×)", **where)
        fig.update_xaxes(title_text="ratio", tickangle=0, **where)
    fig.update_layout(barmode="group", legend_traceorder="grouped")
    responsive_layout(fig, title=title, height_px=height)
    fig.update_annotations(font_size=13)   # subplot titles
    return fig


# plotly.js options of every page: resize with the window (the figures set no width)
HTML_CONFIG = {"responsive": True, "displaylogo": False}


def to_html(fig) -> str:
    """A self-contained page: plotly.js is inlined (about 4.5 MB), so it opens offline; never a CDN.
    The figure follows the window's width (``responsive``)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config=HTML_CONFIG, default_width="100%")


def write_html(fig, path) -> Path:
    """Write ``to_html(fig)`` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(to_html(fig), encoding="utf-8")
    return path
