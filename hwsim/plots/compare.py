"""Number formats side by side: the INT-vs-FP comparison (PE costs and whole runs per format, one
colour per technology node or any other grouping)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.figures import BarPanel, bar_grid_with_ratios
from hwsim.plots.style import axis_title, readable_scale, scaled_title

# a metric: a column, or (column, panel title), or (column, panel title, table) for a metric of
# another table (e.g. per-PE costs beside whole-network runs)
Metric = "str | tuple[str, str] | tuple[str, str, pd.DataFrame]"


def int_vs_fp(table: pd.DataFrame, metrics: Sequence, *, format: str = "format", group: str = "node_nm",
              ratios: pd.DataFrame | None = None, title: str | None = None, cols: int = 3,
              colors: Mapping | None = None, log_y: Sequence[str] = ()):
    """One panel per metric: the metric per number format (x, in the table's order: INT, FP, block
    formats as the study lists them), one bar per ``group`` value (default the technology node),
    each group one colour in every panel. Energy and time metrics are shown in a readable SI unit;
    every y axis carries its unit. ``ratios`` (columns ratio, hwsim, published_low,
    published_high) adds a last panel of hwsim's ratios against the published ranges. A metric
    is a column of ``table``, ``(column, panel title)``, or ``(column, panel title, other_table)``.
    ``log_y``: columns drawn on a log axis."""
    panels = []
    for metric in metrics:
        column, panel_title, source = (metric, None, table) if isinstance(metric, str) else (
            (*metric, table) if len(metric) == 2 else metric)
        for needed in (column, format, group):
            if needed not in source.columns:
                raise HwsimInputError(f"no column {needed!r} in the table", field=needed,
                                      allowed=", ".join(map(str, source.columns)))
        factor, unit = readable_scale(column, source[column])
        y_title = scaled_title(column, unit) if unit else axis_title(column)
        panels.append(BarPanel(panel_title or y_title, source, column, format, group, factor, y_title,
                               column in log_y))
    return bar_grid_with_ratios(panels, ratios, title or "number formats compared", cols=cols,
                                colors=dict(colors) if colors is not None else None)
