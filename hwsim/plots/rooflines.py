"""The roofline of a run: each layer's arithmetic intensity (operations per DRAM byte) against the
operations per second it achieved, under the accelerator's compute roof and DRAM-bandwidth roof
(Williams, Waterman and Patterson, "Roofline", CACM 52(4), 2009)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.plots.figures import plotly_modules
from hwsim.plots.style import axis_title, category_colors, hover_data, responsive_layout, sorted_categories

# ops per MAC: a multiply and an add (the convention of peak TOPS figures, e.g. Jouppi et al. ISCA 2017)
OPS_PER_MAC = 2
BITS_PER_BYTE = 8
ROOF_COLOR = "#222222"
NEEDED = ("macs", "latency_s", "dram_reads_bits", "dram_writes_bits")


def accelerator_roof(accelerator) -> tuple[float, float | None]:
    """(peak ops/s, DRAM bytes/s or None for unlimited) of an Accelerator or of its ``info()`` dict
    (``hwsim info --format json``). derived: peak = 2 x peak_macs_per_cycle x freq_mhz x 1e6;
    bandwidth = dram_bandwidth_gb_s x 1e9 (GB = 1e9 bytes, as hwsim.memory.dram); the peak is at
    the accelerator's default precision."""
    info = accelerator if isinstance(accelerator, Mapping) else accelerator.info()
    peak = OPS_PER_MAC * float(info["peak_macs_per_cycle"]) * float(info["freq_mhz"]) * 1e6
    bandwidth = info.get("dram_bandwidth_gb_s")
    return peak, (None if bandwidth is None else float(bandwidth) * 1e9)


def roofline_table(layers: pd.DataFrame) -> pd.DataFrame:
    """Per layer: ``ops`` (2 x macs), ``dram_bytes`` ((dram_reads_bits + dram_writes_bits) / 8),
    ``arithmetic_intensity_ops_per_byte``, ``achieved_ops_per_s`` (ops / latency_s) and ``drawn``:
    False for layers a log-log roofline cannot place (no MACs, e.g. vector ops; no DRAM traffic:
    infinite intensity; zero latency), with ``why_not_drawn`` saying which."""
    if not isinstance(layers, pd.DataFrame):
        raise HwsimInputError(f"expected a per-layer DataFrame, got {type(layers).__name__}", field="layers")
    missing = [c for c in NEEDED if c not in layers.columns]
    if missing:
        raise HwsimInputError(f"the layer table has no {missing[0]!r} column", field=missing[0],
                              allowed="a per-layer table from hwsim.simulate(...).layers")
    ops = OPS_PER_MAC * layers["macs"].to_numpy(dtype="float64")
    dram_bytes = (layers["dram_reads_bits"].to_numpy(dtype="float64")
                  + layers["dram_writes_bits"].to_numpy(dtype="float64")) / BITS_PER_BYTE
    latency = layers["latency_s"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = np.where(dram_bytes > 0, ops / dram_bytes, np.inf)
        achieved = np.where(latency > 0, ops / latency, np.nan)
    why = np.where(ops <= 0, "no MACs", np.where(dram_bytes <= 0, "no DRAM traffic",
                                                 np.where(latency <= 0, "zero latency", "")))
    return pd.DataFrame({"ops": ops, "dram_bytes": dram_bytes, "arithmetic_intensity_ops_per_byte": intensity,
                         "achieved_ops_per_s": achieved, "drawn": why == "", "why_not_drawn": why},
                        index=layers.index)


def _si(value: float, unit: str) -> str:
    for prefix, size in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def roofline(layers: pd.DataFrame, peak_ops_per_s: float, dram_bandwidth_bytes_per_s: float | None, *,
             label: str = "layer", color: str | None = None, colors: Mapping | None = None,
             title: str | None = None):
    """Per-layer roofline: x = arithmetic intensity (ops per DRAM byte), y = achieved ops/s, both
    log; the compute roof at ``peak_ops_per_s`` and the memory roof ``dram_bandwidth_bytes_per_s`` x
    intensity, meeting at the ridge point. ``dram_bandwidth_bytes_per_s=None`` means unlimited
    bandwidth: the figure says so and draws no memory roof. Layers are coloured by ``color``
    (default: the ``bound`` column when the table has one, else ``op``). Layers the axes cannot
    hold (roofline_table's ``drawn`` False) are counted in a note on the figure, not dropped
    silently. ``accelerator_roof(accel)`` gives the two roofs of an accelerator."""
    go, _ = plotly_modules()
    if not (isinstance(peak_ops_per_s, (int, float)) and peak_ops_per_s > 0):
        raise HwsimInputError(f"must be a positive number, got {peak_ops_per_s!r}", field="peak_ops_per_s")
    if dram_bandwidth_bytes_per_s is not None and not (
            isinstance(dram_bandwidth_bytes_per_s, (int, float)) and dram_bandwidth_bytes_per_s > 0):
        raise HwsimInputError(f"must be a positive number or None (unlimited), got {dram_bandwidth_bytes_per_s!r}",
                              field="dram_bandwidth_bytes_per_s")
    table = roofline_table(layers)
    if label not in layers.columns:
        raise HwsimInputError(f"no column {label!r} in the layer table", field=label,
                              allowed=", ".join(map(str, layers.columns)))
    color = color or ("bound" if "bound" in layers.columns else "op" if "op" in layers.columns else None)
    drawn = table["drawn"].to_numpy()
    frame = pd.concat([layers.reset_index(drop=True), table.drop(columns=[c for c in table.columns
                                                                          if c in layers.columns]).reset_index(drop=True)], axis=1)
    shown = [label, *[c for c in ("op", "bound", "m", "k", "n", "count", "weight_format", "activation_format",
                                  "utilization") if c in layers.columns and c != label],
             "arithmetic_intensity_ops_per_byte", "achieved_ops_per_s", "dram_bytes"]
    customdata, template = hover_data(frame, list(dict.fromkeys(shown)))
    fig = go.Figure()
    if color is not None:
        cats = sorted_categories(frame.loc[drawn, color]) if drawn.any() else []
        mapping = dict(colors) if colors is not None else category_colors(cats)
        for cat in cats:
            idx = np.flatnonzero(drawn & (frame[color].to_numpy() == cat))
            fig.add_trace(go.Scatter(x=frame["arithmetic_intensity_ops_per_byte"].to_numpy()[idx],
                                     y=frame["achieved_ops_per_s"].to_numpy()[idx], mode="markers", name=str(cat),
                                     marker={"size": 9, "color": mapping[cat], "line": {"width": 0.5, "color": "white"}},
                                     customdata=customdata[idx], hovertemplate=template))
    else:
        idx = np.flatnonzero(drawn)
        fig.add_trace(go.Scatter(x=frame["arithmetic_intensity_ops_per_byte"].to_numpy()[idx],
                                 y=frame["achieved_ops_per_s"].to_numpy()[idx], mode="markers", name="layers",
                                 customdata=customdata[idx], hovertemplate=template))
    # the roofs span the drawn layers' intensities and the ridge point, a factor 3 wider each side
    xs = frame.loc[drawn, "arithmetic_intensity_ops_per_byte"].to_numpy()
    anchors = list(xs) + ([peak_ops_per_s / dram_bandwidth_bytes_per_s] if dram_bandwidth_bytes_per_s else [])
    low, high = (min(anchors) / 3, max(anchors) * 3) if anchors else (0.1, 1e4)
    if dram_bandwidth_bytes_per_s:
        ridge = peak_ops_per_s / dram_bandwidth_bytes_per_s
        mem_x = [low, max(low, ridge)]
        fig.add_trace(go.Scatter(x=mem_x, y=[dram_bandwidth_bytes_per_s * v for v in mem_x], mode="lines",
                                 name=f"DRAM roof ({_si(dram_bandwidth_bytes_per_s, 'B/s')})",
                                 line={"color": ROOF_COLOR, "dash": "dash", "width": 2}, hoverinfo="name"))
        comp_x = [min(ridge, high), high]
    else:
        comp_x = [low, high]
    fig.add_trace(go.Scatter(x=comp_x, y=[peak_ops_per_s, peak_ops_per_s], mode="lines",
                             name=f"compute roof ({_si(peak_ops_per_s, 'ops/s')})",
                             line={"color": ROOF_COLOR, "width": 2}, hoverinfo="name"))
    notes = []
    if dram_bandwidth_bytes_per_s is None:
        notes.append("DRAM bandwidth unlimited (none in the spec): no memory roof")
    # PIM layers compute inside the DRAM banks, at their internal bandwidth and lanes: the host's
    # compute peak and the external DRAM pins do not bound them, so a point may sit above the roofs
    in_memory = drawn & ((layers["mapping"].to_numpy() == "pim") if "mapping" in layers.columns
                         else (layers["bound"].to_numpy() == "pim") if "bound" in layers.columns
                         else np.zeros(len(layers), dtype=bool))
    if in_memory.any():
        notes.append(f"{int(in_memory.sum())} layer(s) run in memory (PIM): the roofs (host peak, external DRAM "
                     "bandwidth) do not bound them")
    skipped = table.loc[~table["drawn"], "why_not_drawn"].value_counts()
    for reason, count in skipped.items():
        notes.append(f"{count} layer(s) not drawn: {reason}")
    for i, note in enumerate(notes):
        # under the x-axis title (about 60 px below the plot), one line each
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0.0, y=0.0, yshift=-62 - 20 * i,
                           xanchor="left", yanchor="top", showarrow=False, font={"size": 12})
    responsive_layout(fig, title=title or "roofline: achieved ops/s per layer against the roofs",
                      legend_title=axis_title(color) if color else None)
    fig.update_layout(margin={"b": 110 + 22 * len(notes)}, meta={"notes": notes})
    fig.update_xaxes(type="log", title_text=axis_title("arithmetic_intensity_ops_per_byte"))
    fig.update_yaxes(type="log", title_text=axis_title("achieved_ops_per_s"))
    return fig
