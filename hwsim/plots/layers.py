"""Per-layer bars from a Result's layer table (``hwsim.simulate(...).layers``): latency or energy
per layer, stacked by component where the table has the parts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.figures import plotly_modules
from hwsim.plots.style import (axis_title, component_colors, hover_data, readable_scale, responsive_layout,
                               scaled_title)

# layer-table columns a hover box shows when present (the layer's shape and what bounds it)
LAYER_HOVER = ("op", "m", "k", "n", "count", "macs", "weight_format", "activation_format", "bound", "utilization")
# the colour of stall time: DRAM's, since waiting on memory is what a stall is (COMPONENT_COLORS)
STALL_COLOR = "#D62728"


def layer_labels(layers: pd.DataFrame, label: str = "layer") -> list[str]:
    """The x labels: ``label``'s values, with " #<row>" added to a name that repeats so no two
    bars share a slot."""
    names = layers[label].astype(str)
    repeated = names.duplicated(keep=False).to_numpy()
    return [f"{n} #{i}" if r else n for i, (n, r) in enumerate(zip(names, repeated))]


def _parts(layers: pd.DataFrame, column: str) -> dict[str, np.ndarray] | None:
    """Component -> values (in ``column``'s unit) that add up to ``column``, or None."""
    if column == "energy_pj":
        names = [c for c in layers.columns if c.startswith("energy_") and c.endswith("_pj")
                 and c != "energy_pj" and not c.startswith("energy_per_")]
        return {c[len("energy_"):-len("_pj")]: layers[c].to_numpy(dtype="float64") for c in names} or None
    if column == "latency_s" and {"compute_cycles", "stall_cycles", "total_cycles"} <= set(layers.columns):
        total = layers["total_cycles"].to_numpy(dtype="float64")
        seconds_per_cycle = np.divide(layers["latency_s"].to_numpy(dtype="float64"), total,
                                      out=np.zeros_like(total), where=total > 0)
        return {"compute": layers["compute_cycles"].to_numpy(dtype="float64") * seconds_per_cycle,
                "stall": layers["stall_cycles"].to_numpy(dtype="float64") * seconds_per_cycle}
    return None


def per_layer_bars(layers: pd.DataFrame, column: str = "latency_s", *, label: str = "layer", stacked: bool = True,
                   title: str | None = None, units: Mapping[str, str] | None = None,
                   hover: Sequence[str] | None = None):
    """One bar per layer (row) of ``layers``: ``column`` (``latency_s``, ``energy_pj``, or any numeric
    column), in a readable SI unit for energy and time.

    With ``stacked`` the bar is split into its parts where the table has them: energy into
    ``energy_<component>_pj`` (compute, SRAM, DRAM, leakage), latency into compute and stall time
    (``latency_s`` x compute_cycles / total_cycles and x stall_cycles / total_cycles). The hover box
    shows the layer's shape, formats and (when present) its ``bound``."""
    go, _ = plotly_modules()
    if not isinstance(layers, pd.DataFrame):
        raise HwsimInputError(f"expected a per-layer DataFrame, got {type(layers).__name__}", field="layers")
    for needed in (column, label):
        if needed not in layers.columns:
            raise HwsimInputError(f"no column {needed!r} in the layer table", field=needed,
                                  allowed=", ".join(map(str, layers.columns)))
    x = layer_labels(layers, label)
    values = layers[column].to_numpy(dtype="float64")
    factor, unit = readable_scale(column, values)
    shown = [c for c in (hover if hover is not None else LAYER_HOVER) if c in layers.columns]
    customdata, template = hover_data(layers, shown, row_ids=True, units=units)
    parts = _parts(layers, column) if stacked else None
    fig = go.Figure()
    if parts:
        colors = component_colors(parts)
        if "stall" in parts:
            colors["stall"] = STALL_COLOR
        for name, part in parts.items():
            fig.add_trace(go.Bar(x=x, y=part * factor, name=name, marker_color=colors[name], customdata=customdata,
                                 hovertemplate=f"<b>%{{x}}</b><br>{name}: %{{y:.4~g}} {unit}<br>{template}"))
        fig.update_layout(barmode="stack")
    else:
        fig.add_trace(go.Bar(x=x, y=values * factor, name=axis_title(column, units), marker_color="#636EFA",
                             customdata=customdata, showlegend=False,
                             hovertemplate=f"<b>%{{x}}</b><br>%{{y:.4~g}} {unit}<br>{template}"))
    y_title = scaled_title(column, unit) if unit else axis_title(column, units)
    responsive_layout(fig, title=title or f"{y_title} per layer", legend_title="part" if parts else None)
    fig.update_yaxes(title_text=y_title)
    fig.update_xaxes(title_text=f"{label} (in execution order)", type="category", tickangle=-45, automargin=True)
    return fig
