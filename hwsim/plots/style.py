"""The look every hwsim figure shares: one colour per category, axis titles with units, hover
text with a design's parameters, and a responsive layout.

Nothing here imports plotly at module level except where a palette is read (inside functions),
so ``hwsim.plots.style`` is cheap to import.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

# -- colours ---------------------------------------------------------------------------------------

# Energy and area components keep one colour in every figure, whatever other components are
# present (a breakdown of one design and of a sweep's row look alike). The colours are plotly's
# D3 palette (plotly.colors.qualitative.D3), which shares no colour with CATEGORY_PALETTE below,
# so a component is never mistaken for a design category in a figure that shows both.
COMPONENT_COLORS: dict[str, str] = {
    "compute": "#1F77B4", "pe_array": "#1F77B4",
    "sram": "#2CA02C", "sram_ifmap": "#2CA02C", "sram_filter": "#BCBD22", "sram_ofmap": "#17BECF",
    "dram": "#D62728", "dram_phy": "#D62728",
    "leakage": "#7F7F7F", "overhead": "#7F7F7F",
    "converters": "#FF7F0E", "vector_unit": "#9467BD", "pim": "#8C564B", "host": "#708090",
}
# colours for components not named above, taken in sorted order of the component name
# (plotly.colors.qualitative.Safe: colour-blind safe, none in D3 or CATEGORY_PALETTE)
_SPARE_COMPONENT_COLORS = ("#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99",
                           "#999933", "#882255", "#661100", "#6699CC", "#888888")


def _category_palette() -> tuple[str, ...]:
    """plotly's Plotly (10), Dark24 (24) and Alphabet (26) palettes in turn, each colour once
    (case-insensitive) and none of COMPONENT_COLORS: 59 distinct colours, so a 17-entry legend
    (the MixPE study) or a 40-design sweep never repeats one."""
    from plotly.colors import qualitative

    taken = {c.upper() for c in COMPONENT_COLORS.values()}
    out: list[str] = []
    for color in (*qualitative.Plotly, *qualitative.Dark24, *qualitative.Alphabet):
        if color.upper() not in taken:
            taken.add(color.upper())
            out.append(color)
    return tuple(out)


def _category_key(value):
    # numbers in numeric order (7 nm before 28 nm), then everything else by its text
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def sorted_categories(values: Iterable) -> list:
    """The distinct values, numbers in numeric order first, then the rest by their text."""
    return sorted(set(values), key=_category_key)


def category_label(value) -> str:
    """The legend text of a category: numbers are technology nodes in nm, anything else as is."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value:g} nm"
    return str(value)


def category_colors(values: Iterable) -> dict:
    """One colour per category, never two categories with the same colour (up to 59; beyond
    that the palette wraps, and a figure with that many categories should use a colour scale).

    The assignment is stable: categories in sorted order (numbers numerically) take the palette
    in turn, so it depends only on the set of categories, not on row order. To keep a category's
    colour across several figures (the explorer's linked views), compute the mapping once over
    the whole table and pass it to every figure as ``colors=``."""
    palette = _category_palette()
    return {value: palette[i % len(palette)] for i, value in enumerate(sorted_categories(values))}


def component_colors(components: Iterable[str]) -> dict[str, str]:
    """The fixed colour of each energy/area component (COMPONENT_COLORS); components it does not
    name take spare colours in sorted order, each once."""
    out: dict[str, str] = {}
    spare = iter(_SPARE_COMPONENT_COLORS)
    for name in sorted(set(components)):
        out[name] = COMPONENT_COLORS.get(name) or next(spare, "#444444")
    return out


# -- axis titles with units ------------------------------------------------------------------------

# column name -> axis title, for names whose unit is not a suffix (counts, ratios, rates)
KNOWN_TITLES: dict[str, str] = {
    "tokens_per_s": "throughput (tokens/s)",
    "tops_per_w": "efficiency (TOPS/W)",
    "compute_tops_per_w": "compute efficiency (TOPS/W)",
    "tops_per_mm2": "density (TOPS/mm²)",
    "achieved_tops": "achieved throughput (TOPS)",
    "peak_tops": "peak throughput (TOPS)",
    "utilization": "utilization (fraction of peak)",
    "compute_utilization": "compute utilization (fraction of peak)",
    "mapping_efficiency": "mapping efficiency (fraction of PEs)",
    "macs": "MACs (count)",
    "peak_macs_per_cycle": "peak (MACs/cycle)",
    "compute.rows": "compute.rows (PEs)",
    "compute.cols": "compute.cols (PEs)",
    "rows": "rows (PEs)",
    "cols": "cols (PEs)",
    "batch": "batch (sequences)",
    "kv_len": "KV length (tokens)",
    "seq_len": "sequence length (tokens)",
    "tokens": "tokens (count)",
    "count": "count (repeats)",
    "folds": "folds (count)",
    "weight_bits": "weight bits (bits)",
    "speedup_vs_systolic": "speed-up over systolic-hbm2 (×)",
    "arithmetic_intensity_ops_per_byte": "arithmetic intensity (ops/byte)",
    "achieved_ops_per_s": "achieved (ops/s)",
    "fits_memory": "fits memory (yes/no)",
    "exceeds_reticle": "exceeds reticle (yes/no)",
}

# suffix -> unit; the longest matching suffix wins (``_gb_s`` before ``_s``, ``_mw`` before ``_w``)
UNIT_SUFFIXES: dict[str, str] = {
    "_s": "s", "_ms": "ms", "_us": "µs", "_ns": "ns",
    "_pj": "pJ", "_nj": "nJ", "_uj": "µJ", "_mj": "mJ", "_j": "J",
    "_w": "W", "_mw": "mW", "_uw": "µW",
    "_mm2": "mm²", "_um2": "µm²",
    "_bits": "bits", "_bytes": "bytes", "_words": "words", "_bit": "bits", "_b": "bits",
    "_cycles": "cycles", "_mhz": "MHz", "_ghz": "GHz", "_gb_s": "GB/s", "_bytes_per_s": "B/s",
    "_ops_per_s": "ops/s", "_ops_per_byte": "ops/byte", "_pj_per_bit": "pJ/bit", "_pj_per_mac": "pJ/MAC",
    "_per_mac_pj": "pJ/MAC", "_kib": "KiB", "_mib": "MiB", "_gib": "GiB", "_nm": "nm", "_v": "V",
    "_tops": "TOPS", "_x": "×",
}
_LONGEST_FIRST = sorted(UNIT_SUFFIXES, key=len, reverse=True)


def split_unit(column: str) -> tuple[str, str | None]:
    """(the quantity's name, its unit) from a unit-suffixed column name; (name, None) when the
    name carries no unit. ``energy_compute_pj`` -> ("energy compute", "pJ")."""
    if column in KNOWN_TITLES:
        match = re.fullmatch(r"(.*) \((.*)\)", KNOWN_TITLES[column])
        return (match.group(1), match.group(2)) if match else (KNOWN_TITLES[column], None)
    head, dot, tail = column.rpartition(".")
    for suffix in _LONGEST_FIRST:
        if tail.endswith(suffix) and len(tail) > len(suffix):
            stem = tail[: -len(suffix)]
            return f"{head}{dot}{stem.replace('_', ' ')}", UNIT_SUFFIXES[suffix]
    return column.replace("_", " ") if not dot else column, None


def axis_title(column: str, units: Mapping[str, str] | None = None) -> str:
    """An axis title with its unit: ``latency_s`` -> "latency (s)", ``energy_pj`` -> "energy (pJ)",
    ``area_mm2`` -> "area (mm²)", ``dram.bandwidth_gb_s`` -> "dram.bandwidth (GB/s)".
    ``units`` names the unit of columns whose name carries none (it wins over the suffix).
    A name with no unit known is returned as is (spaces for underscores)."""
    if units and column in units:
        name, _ = split_unit(column)
        return f"{name} ({units[column]})"
    name, unit = split_unit(column)
    return f"{name} ({unit})" if unit else name


# SI prefixes a figure may rescale a quantity to, so ticks read "12 mJ" rather than "12G pJ"
_ENERGY_UNITS = (("J", 1e12), ("mJ", 1e9), ("µJ", 1e6), ("nJ", 1e3), ("pJ", 1.0))      # pJ per unit
_TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))                   # s per unit


def readable_scale(column: str, values: Sequence[float] | pd.Series) -> tuple[float, str]:
    """(factor, unit) that brings an energy (``*_pj``) or time (``*_s``) column to the largest
    SI unit in which its largest magnitude is at least 1; (1, the column's unit) for any other
    column. Multiply the values by the factor; label the axis with the unit."""
    _, unit = split_unit(column)
    peak = float(pd.Series(values, dtype="float64").abs().max()) if len(values) else 0.0
    table = {"pJ": _ENERGY_UNITS, "s": _TIME_UNITS}.get(unit or "")
    if table is None or not peak or peak != peak:
        return 1.0, unit or ""
    for name, size in table:   # sizes in the column's own unit (pJ or s)
        if peak >= size:
            return 1.0 / size, name
    return 1.0 / table[-1][1], table[-1][0]


def display_values(series: pd.Series, column: str, units: Mapping[str, str] | None = None):
    """(values to draw, axis title): an energy or time column in its readable SI unit
    (``readable_scale``: 1.2e10 pJ drawn as 12 mJ, never "12G pJ"), anything else as is with
    ``axis_title``. Hover text keeps the table's own values and units."""
    if units and column in units or is_categorical(series):
        return series.to_numpy(), axis_title(column, units)
    factor, unit = readable_scale(column, series)
    if factor == 1.0:
        return series.to_numpy(), axis_title(column, units)
    return series.to_numpy(dtype="float64") * factor, scaled_title(column, unit)


def scaled_title(column: str, unit: str) -> str:
    """The axis title of ``column`` shown in ``unit`` (from readable_scale)."""
    name, _ = split_unit(column)
    return f"{name} ({unit})" if unit else name


# -- hover -----------------------------------------------------------------------------------------

def is_categorical(series: pd.Series) -> bool:
    """Text, boolean and categorical columns are categories; numbers are not."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def default_hover(df: pd.DataFrame, shown: Sequence[str]) -> list[str]:
    """The columns a design's hover shows by default: the ones already on the figure, then the
    swept design keys (dotted names, e.g. ``compute.rows``), then its text columns (PE type,
    precision, dataflow, ...), at most 14 in all so the box stays on screen."""
    keys = [c for c in df.columns if "." in str(c)]
    texts = [c for c in df.columns if is_categorical(df[c]) and "." not in str(c)]
    out = list(dict.fromkeys([*shown, *keys, *texts]))
    return [c for c in out if c in df.columns][:14]


def _format_spec(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return ""
    if pd.api.types.is_integer_dtype(series):
        return ""
    return ":.4~g"   # d3-format: 4 significant digits, no trailing zeros


def hover_data(df: pd.DataFrame, columns: Sequence[str], *, row_ids: bool = True,
               units: Mapping[str, str] | None = None):
    """(customdata, hovertemplate): customdata's first column is the row's position in ``df``
    (``iloc``; the explorer's click handler reads it) when ``row_ids``, then one column per
    entry of ``columns``; the template shows each as "title: value"."""
    import numpy as np

    first = 1 if row_ids else 0
    parts = [np.arange(len(df))] if row_ids else []
    lines = []
    for i, column in enumerate(columns):
        series = df[column]
        parts.append(series.astype(str).to_numpy() if is_categorical(series) else series.to_numpy())
        lines.append(f"{axis_title(str(column), units)}: %{{customdata[{i + first}]{_format_spec(series)}}}")
    data = np.column_stack(parts).astype(object) if parts else None
    return data, "<br>".join(lines) + "<extra></extra>"


# -- layout ----------------------------------------------------------------------------------------

# Heights in px: a row of panels this tall reads at 1400x1000 and on a 1280x800 laptop; the page
# scrolls down when there are more rows (a fixed width, by contrast, is never set: the figure
# takes the window's width).
PANEL_HEIGHT_PX = 340
SINGLE_HEIGHT_PX = 560
# Vertical space between rows of panels, px: a subplot title (~20 px) above a row plus the
# x-axis title and tick labels (~60 px) of the row above, with room to spare.
ROW_GAP_PX = 110
# responsive_layout's margins around the plotting area (title above, x-axis title below)
MARGIN_TOP_PX, MARGIN_BOTTOM_PX = 90, 70


def subplot_spacing(rows: int, cols: int, height_px: int, extra_gap_px: int = 0) -> dict:
    """make_subplots' vertical/horizontal_spacing so that subplot titles never overlap the axis
    titles of the row above (ROW_GAP_PX between rows of a figure ``height_px`` tall, laid out by
    responsive_layout; ``extra_gap_px`` more for upright tick labels) and y-axis titles never
    overlap the panel to their left."""
    plot_px = max(height_px - MARGIN_TOP_PX - MARGIN_BOTTOM_PX, 1)
    vertical = min((ROW_GAP_PX + extra_gap_px) / plot_px, 0.9 / max(rows - 1, 1)) if rows > 1 else 0.0
    horizontal = min(0.09, 0.9 / max(cols - 1, 1)) if cols > 1 else 0.0
    return {"vertical_spacing": vertical, "horizontal_spacing": horizontal}


def responsive_layout(fig, *, title: str | None = None, height_px: int | None = None, legend: str = "right",
                      legend_title: str | None = None):
    """Autosize to the window's width (no fixed width), a fixed height, the title at top left
    clear of menus, and a legend that stays on screen: a vertical list right of the plots
    (``legend="right"``, plotly then narrows the plots) or a horizontal one under them
    (``"bottom"``, for long legends on narrow screens)."""
    layout: dict = {"autosize": True, "width": None, "height": height_px or SINGLE_HEIGHT_PX,
                    "margin": {"l": 70, "r": 30, "t": MARGIN_TOP_PX, "b": MARGIN_BOTTOM_PX}, "hoverlabel": {"align": "left"},
                    "font": {"size": 12}}
    if title is not None:
        layout["title"] = {"text": title, "x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top",
                           "font": {"size": 16}}
    if legend == "bottom":
        layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.12, "yanchor": "top"}
    else:
        layout["legend"] = {"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top",
                            "font": {"size": 11}}
    if legend_title:
        layout["legend"]["title"] = {"text": legend_title}
    fig.update_layout(**layout)
    # SI prefixes on ticks (G, not plotly's default B for 1e9, which reads as bytes), titles clear of ticks
    fig.update_xaxes(exponentformat="SI", automargin=True)
    fig.update_yaxes(exponentformat="SI", automargin=True)
    return fig
