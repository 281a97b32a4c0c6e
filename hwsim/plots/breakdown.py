"""Energy and area by component, one stacked bar per design.

Input: a Result's summary (``result.summary()``: ``energy_breakdown_pj``, ``area_breakdown_mm2``),
a list of summaries, or a table whose columns are the components (``energy_<component>_pj``, as
evaluate, a sweep and the per-layer table write them; ``area_<component>_mm2``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.figures import plotly_modules
from hwsim.plots.style import component_colors, readable_scale, responsive_layout, scaled_title

# (summary key, column pattern, the total's column, unit) per kind of breakdown
_KINDS = {
    "energy": ("energy_breakdown_pj", re.compile(r"^energy_(?!per_)(?P<part>[a-z0-9_]+)_pj$"), "energy_pj"),
    "area": ("area_breakdown_mm2", re.compile(r"^area_(?P<part>[a-z0-9_]+)_mm2$"), "area_mm2"),
}


def breakdown_table(data, kind: str, *, by: str | None = None) -> pd.DataFrame:
    """Designs x components (pJ or mm²): the index names the designs (``by``'s values, a summary's
    ``accelerator``, or "design <row>"), one column per component, in the input's order."""
    key, pattern, total = _KINDS[kind]
    if isinstance(data, Mapping):
        data = [data]
    if isinstance(data, Sequence) and not isinstance(data, str) and all(isinstance(d, Mapping) for d in data):
        rows, labels = [], []
        for i, summary in enumerate(data):
            if key not in summary:
                raise HwsimInputError(f"summary {i} has no {key!r}", field=key,
                                      allowed=f"a Result.summary() dict, or a table of {kind}_<component>_... columns")
            rows.append(dict(summary[key]))
            labels.append(str(summary.get(by or "accelerator", f"design {i}")))
        return pd.DataFrame(rows, index=labels).fillna(0.0)
    if not isinstance(data, pd.DataFrame):
        raise HwsimInputError(f"expected a summary dict, a list of them or a DataFrame, got {type(data).__name__}",
                              field="data")
    parts = {c: m.group("part") for c in data.columns if (m := pattern.match(str(c))) and c != total}
    if not parts:
        raise HwsimInputError(f"the table has no {kind} component columns", field=f"{kind}_<component>_"
                              f"{'pj' if kind == 'energy' else 'mm2'}", allowed=", ".join(map(str, data.columns)))
    if by is not None and by not in data.columns:
        raise HwsimInputError(f"no column {by!r} in the table", field=by, allowed=", ".join(map(str, data.columns)))
    table = data[list(parts)].rename(columns=parts).astype("float64")
    labels = data[by].astype(str) if by is not None else [f"design {i}" for i in range(len(data))]
    table.index = pd.Index(labels, name=by)
    return table


def _stacked(table: pd.DataFrame, column: str, title: str, x_title: str):
    go, _ = plotly_modules()
    factor, unit = readable_scale(column, table.sum(axis=1))
    shown_unit = unit if column.endswith("_pj") else "mm²"
    colors = component_colors(table.columns)
    totals = table.sum(axis=1)
    fig = go.Figure()
    for part in table.columns:
        share = (table[part] / totals.where(totals != 0)).fillna(0.0)
        fig.add_trace(go.Bar(x=list(table.index), y=table[part] * factor, name=part, marker_color=colors[part],
                             customdata=share.to_numpy() * 100,
                             hovertemplate=f"%{{x}}<br>{part}: %{{y:.4~g}} {shown_unit} "
                                           f"(%{{customdata:.1f}}% of the total)<extra></extra>"))
    fig.update_layout(barmode="stack")
    responsive_layout(fig, title=title, legend_title="component")
    fig.update_yaxes(title_text=scaled_title(column, shown_unit))
    fig.update_xaxes(title_text=x_title, type="category")
    return fig


def energy_breakdown(data, *, by: str | None = None, title: str | None = None):
    """Energy by component (compute, SRAM, DRAM, leakage, ...), one stacked bar per design, in the
    largest SI unit that reads (pJ ... J). ``data``: a summary, summaries, or a table of
    ``energy_<component>_pj`` columns; ``by`` names the designs (a column, or the summary key)."""
    table = breakdown_table(data, "energy", by=by)
    return _stacked(table, "energy_pj", title or "energy by component", by or "design")


def area_breakdown(data, *, by: str | None = None, title: str | None = None):
    """Area by component (PE array, SRAMs, converters, overhead, ...) in mm², one stacked bar per
    design; ``data`` and ``by`` as energy_breakdown (``area_breakdown_mm2``, ``area_<component>_mm2``)."""
    table = breakdown_table(data, "area", by=by)
    return _stacked(table, "area_mm2", title or "area by component", by or "design")
