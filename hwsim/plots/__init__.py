"""Interactive figures (plotly) from result tables: the same functions serve the explorer, the
studies and notebooks (docs/plots.md). They consume pandas tables only, never simulator objects,
and import plotly lazily: the core never needs it (install with ``pip install -e ".[plots]"``).

Figures:
    pareto_scatter(df, x, y, *, z=None, objectives=None, color=None, symbol=None, hover=None)
    parallel_coordinates(df, columns, *, color=None)
    scatter_matrix(df, objectives, color=None)
    energy_breakdown(data, *, by=None), area_breakdown(data, *, by=None)
    per_layer_bars(layers_df, column="latency_s")
    roofline(layers_df, peak_ops_per_s, dram_bandwidth_bytes_per_s)   (accelerator_roof(accel) gives both)
    int_vs_fp(table, metrics, *, format="format", group="node_nm", ratios=None)
    bar_grid_with_ratios(panels, ratios, title)

Shared style: ``category_colors`` (one colour per category, never repeated), ``axis_title``
(``latency_s`` -> "latency (s)"), ``responsive_layout``. Every HTML page hwsim writes is
self-contained (plotly.js inlined, no CDN): write figures with ``to_html`` / ``write_html``.

Names are resolved on first use, so ``import hwsim.plots`` stays cheap.
"""

from __future__ import annotations

from hwsim.lazy import lazy_getattr

_LAZY: dict[str, str] = {
    "BarPanel": "hwsim.plots.figures",
    "Panel": "hwsim.plots.figures",
    "bar_grid_with_ratios": "hwsim.plots.figures",
    "plotly_modules": "hwsim.plots.figures",
    "to_html": "hwsim.plots.figures",
    "write_html": "hwsim.plots.figures",
    "category_colors": "hwsim.plots.style",
    "category_label": "hwsim.plots.style",
    "component_colors": "hwsim.plots.style",
    "axis_title": "hwsim.plots.style",
    "responsive_layout": "hwsim.plots.style",
    "hover_data": "hwsim.plots.style",
    "pareto_scatter": "hwsim.plots.pareto",
    "pareto_flags": "hwsim.plots.pareto",
    "scatter_matrix": "hwsim.plots.pareto",
    "default_objectives": "hwsim.plots.pareto",
    "parallel_coordinates": "hwsim.plots.parcoords",
    "energy_breakdown": "hwsim.plots.breakdown",
    "area_breakdown": "hwsim.plots.breakdown",
    "breakdown_table": "hwsim.plots.breakdown",
    "per_layer_bars": "hwsim.plots.layers",
    "roofline": "hwsim.plots.rooflines",
    "roofline_table": "hwsim.plots.rooflines",
    "accelerator_roof": "hwsim.plots.rooflines",
    "int_vs_fp": "hwsim.plots.compare",
}

__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = sorted(_LAZY)
