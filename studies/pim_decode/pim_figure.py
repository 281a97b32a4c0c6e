"""The study's interactive figure (studies/pim_decode): one view per (model, weights, KV length),
picked from a dropdown; the claims table below. plotly.js is inlined when the study runner
writes it (hwsim.studies)."""

from __future__ import annotations

import pandas as pd

from hwsim.plots import axis_title, category_colors, plotly_modules, responsive_layout

VIEW = ["model", "weights", "kv_len"]
PANELS = ("tokens/s vs batch", "energy per token vs batch", "latency split at the smallest batch",
          "speed-up over systolic-hbm2 vs batch", "published claims beside hwsim")
# (row, col) -> (x title, y title, log axes); every axis titled with its unit
AXES = {(1, 1): (axis_title("batch"), axis_title("tokens_per_s"), True),
        (1, 2): (axis_title("batch"), "energy per token (mJ)", True),
        (2, 1): ("system", "latency per step (ms)", False),
        (2, 2): (axis_title("batch"), axis_title("speedup_vs_systolic"), True)}
HEIGHT_PX = 1450
MARGIN_TOP_PX, MARGIN_BOTTOM_PX = 150, 60
# the view dropdown sits between the title (top of the page) and the first row's subplot titles:
# its lower edge this many px above the plots (a subplot title needs ~25 px)
MENU_GAP_PX = 45


def view_traces(go, part: pd.DataFrame, colors: dict, first: bool) -> list[tuple[object, int, int]]:
    """(trace, row, col) of one view: lines per system, the PIM/host split as stacked bars; only the
    visible view's traces show in the legend."""
    traces = []
    for system, sub in part.groupby("system", sort=False):
        sub = sub.sort_values("batch")
        style = {"mode": "lines+markers", "name": system, "legendgroup": system, "line_color": colors[system],
                 "marker_color": colors[system], "visible": first}
        traces.append((go.Scatter(x=sub.batch, y=sub.tokens_per_s, showlegend=True, **style), 1, 1))
        traces.append((go.Scatter(x=sub.batch, y=sub.energy_per_token_j * 1e3, showlegend=False, **style), 1, 2))
        traces.append((go.Scatter(x=sub.batch, y=sub.speedup_vs_systolic, showlegend=False, **style), 2, 2))
    one = part[part.batch == part.batch.min()]
    # COMPONENT_COLORS' pim and host colours (hwsim.plots.style): no system uses them
    for label, column, color in (("in memory (PIM)", "pim_latency_s", "#8C564B"),
                                 ("on the host", "host_latency_s", "#708090")):
        traces.append((go.Bar(x=one.system, y=one[column] * 1e3, name=label, marker_color=color, legendgroup=label,
                              visible=first), 2, 1))
    return traces


def figure(table: pd.DataFrame, claim_table: pd.DataFrame):
    go, make_subplots = plotly_modules()
    decode = table[(table.phase == "decode") & table.supported]
    colors = category_colors(decode.system)
    fig = make_subplots(rows=3, cols=2, subplot_titles=PANELS, vertical_spacing=0.11, horizontal_spacing=0.09,
                        specs=[[{}, {}], [{}, {}], [{"type": "table", "colspan": 2}, None]],
                        row_heights=[0.36, 0.36, 0.28])
    views, owner = [], []
    # views in the table's order of models and weights (as run), KV ascending
    rank = {c: {v: i for i, v in enumerate(dict.fromkeys(decode[c]))} for c in ("model", "weights")}
    decode = decode.sort_values(VIEW, key=lambda col: col.map(rank[col.name]) if col.name in rank else col,
                                kind="stable")
    for i, (key, part) in enumerate(decode.groupby(VIEW, sort=False)):
        views.append(key)
        for trace, r, c in view_traces(go, part, colors, first=i == 0):
            fig.add_trace(trace, row=r, col=c)
            owner.append(i)
    cells = [claim_table[c].map(lambda v: f"{v:.3g}" if isinstance(v, float) else v) for c in claim_table.columns]
    fig.add_trace(go.Table(header={"values": list(claim_table.columns)}, cells={"values": cells},
                           columnwidth=[3, 3, 2, 1, 6]), row=3, col=1)
    owner.append(-1)
    buttons = [{"label": f"{m}, {w.upper()} weights, KV {kv}", "method": "update",
                "args": [{"visible": [o in (i, -1) for o in owner]}]} for i, (m, w, kv) in enumerate(views)]
    plot_px = HEIGHT_PX - MARGIN_TOP_PX - MARGIN_BOTTOM_PX
    responsive_layout(fig, title="LLM decoding: PIM vs HBM accelerator vs GPU rooflines (hwsim)", height_px=HEIGHT_PX,
                      legend_title="system")
    fig.update_layout(barmode="stack", margin={"t": MARGIN_TOP_PX, "b": MARGIN_BOTTOM_PX},
                      updatemenus=[{"buttons": buttons, "x": 0.0, "xanchor": "left",
                                    "y": 1 + MENU_GAP_PX / plot_px, "yanchor": "bottom", "showactive": True}],
                      annotations=[*fig.layout.annotations,
                                   {"text": "view:", "x": 0.0, "xref": "paper", "xanchor": "right", "xshift": -8,
                                    "y": 1 + (MENU_GAP_PX + 12) / plot_px, "yref": "paper", "showarrow": False}])
    for (r, c), (x_title, y_title, log) in AXES.items():
        fig.update_xaxes(title_text=x_title, type="log" if log else "-", row=r, col=c,
                         **({} if log else {"tickangle": -30}))
        fig.update_yaxes(title_text=y_title, type="log" if log else "linear", row=r, col=c)
    return fig
