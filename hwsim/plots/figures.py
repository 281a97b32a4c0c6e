"""Reusable figure builders over result tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hwsim.errors import HwsimInputError


def _plotly():
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


def bar_grid_with_ratios(panels: list[BarPanel], ratios: pd.DataFrame | None, title: str, cols: int = 2):
    """Grouped bar panels in a grid, plus (optional) a last panel with hwsim's ratios as bars and
    the published ranges as error bars (columns: ratio, hwsim, published_low, published_high)."""
    go, make_subplots = _plotly()
    count = len(panels) + (1 if ratios is not None else 0)
    rows = -(-count // cols)
    titles = [p.title for p in panels] + (["hwsim vs published ratios"] if ratios is not None else [])
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.3 / rows)
    seen_groups: set = set()
    for i, panel in enumerate(panels):
        r, c = divmod(i, cols)
        for group, part in panel.table.groupby(panel.group, sort=False):
            label = f"{group:g} nm" if isinstance(group, (int, float)) else str(group)
            fig.add_trace(go.Bar(x=part[panel.x], y=part[panel.column] * panel.scale, name=label,
                                 legendgroup=label, showlegend=label not in seen_groups), row=r + 1, col=c + 1)
            seen_groups.add(label)
    if ratios is not None:
        r, c = divmod(len(panels), cols)
        half = (ratios["published_high"] - ratios["published_low"]) / 2
        fig.add_trace(go.Bar(x=ratios["ratio"], y=ratios["hwsim"], name="hwsim ratio", marker_color="black"),
                      row=r + 1, col=c + 1)
        fig.add_trace(go.Scatter(x=ratios["ratio"], y=ratios["published_low"] + half, mode="markers",
                                 error_y={"type": "data", "array": half, "symmetric": True},
                                 name="published range", marker_color="red"), row=r + 1, col=c + 1)
    fig.update_layout(height=420 * rows, title=title, barmode="group")
    return fig


def to_html(fig) -> str:
    return fig.to_html(include_plotlyjs="cdn", full_html=True)
