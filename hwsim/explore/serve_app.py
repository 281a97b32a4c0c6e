"""The live explorer's page (Dash): knobs, two designs side by side, and the figures.

``render`` is the whole of what a knob change does, as plain Python over plain values (the page's
state dicts): tests and benchmarks call it directly, and the Dash callback only unpacks the page's
inputs into it and its answer into the page. Dash is imported inside ``build_app`` only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from hwsim.errors import HwsimInputError
from hwsim.explore import serve_figures as figures
from hwsim.explore.serve_model import (DESIGN_KNOBS, KNOB_KEYS, LLM_PHASES, SUGGESTED_MIXES, Design, DesignView,
                                      base_values, dram_standards, is_llm_workload, parse_scenario,
                                      simulate_design)
from hwsim.explore.serve_sweep import SweepFront, SweepSource

FIGURES = ("energy", "area", "layers", "roofline", "pareto")
# the knob page ids: Dash ids may not hold '.', which the spec keys do
KNOB_IDS = {key: "knob-" + key.replace(".", "-").replace("_", "-") for key in KNOB_KEYS}
# the workload knobs of a state dict, besides "workload"
SCENARIO_KEYS = ("phase", "kv_len", "seq_len", "batch")
# the first page shows these when no sweep names a base: TPU v1 on ResNet-50 (both presets)
DEFAULT_BASE = "tpu-v1-like"
DEFAULT_WORKLOAD = "resnet50"
# LLM knobs' first values: one decode step at a 2048-token KV cache, batch 1 (the scenario of
# studies/dse/llm_decode_space.yaml); prefill at 512 tokens (the same study's prefill)
DEFAULT_KV_LEN = "2048"
DEFAULT_SEQ_LEN = "512"


def initial_state(base: str, workload: str) -> dict[str, Any]:
    """A design state (what the page holds for A or B): every knob at the base's value."""
    return {"base": base, "knobs": base_values(base), "precision": "", "workload": workload,
            "phase": LLM_PHASES[0], "kv_len": DEFAULT_KV_LEN, "seq_len": DEFAULT_SEQ_LEN, "batch": "1"}


def design_of(state: Mapping[str, Any]) -> Design:
    scenario = parse_scenario(state.get("workload"), state.get("phase"), state.get("kv_len"),
                              state.get("seq_len"), state.get("batch"))
    return Design.of(state["base"], state.get("knobs", {}), state.get("precision"), scenario)


@dataclass
class Rendered:
    """A knob change's answer. ``error``: the one-line HwsimInputError text (figures then empty,
    so the page keeps the last good ones)."""

    error: str = ""
    command_a: str = ""
    command_b: str = ""
    summary_rows: list[dict] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    views: dict[str, DesignView] = field(default_factory=dict)
    server_ms: float = 0.0


# summary rows: (label, column, scale, unit) — derived: 1 pJ = 1e-6 uJ, 1 s = 1e3 ms
SUMMARY_ROWS = (("latency", "latency_s", 1e3, "ms"), ("energy", "energy_pj", 1e-6, "uJ"),
                ("area", "area_mm2", 1.0, "mm²"), ("power", "power_w", 1.0, "W"))


def render(state_a: Mapping[str, Any], state_b: Mapping[str, Any] | None = None,
           sweep: SweepSource | None = None, x: str | None = None, y: str | None = None,
           hold: tuple[str, ...] = ()) -> Rendered:
    """Re-simulate A (and B) and draw every figure. ``hold``: sweep axes kept at A's value when
    the sweep's front is read (the cross-filter)."""
    start = time.perf_counter()
    out = Rendered()
    try:
        a = simulate_design(design_of(state_a))
        b = simulate_design(design_of(state_b)) if state_b else None
        front, note = _front(a, sweep, x, y, hold)
    except HwsimInputError as exc:
        out.error = str(exc)
        out.server_ms = (time.perf_counter() - start) * 1e3
        return out
    out.views = {"A": a, **({"B": b} if b is not None else {})}
    out.command_a = a.command()
    out.command_b = b.command() if b is not None else ""
    out.summary_rows = _summary_rows(a, b)
    out.figures = {"energy": figures.energy_breakdown(a, b), "area": figures.area_breakdown(a, b),
                   "layers": figures.per_layer_bars(a, b), "roofline": figures.roofline(a, b),
                   "pareto": figures.pareto_position(a, b, front, note)}
    out.server_ms = (time.perf_counter() - start) * 1e3
    return out


def _front(a: DesignView, sweep: SweepSource | None, x: str | None, y: str | None,
           hold: tuple[str, ...]) -> tuple[SweepFront | None, str]:
    if sweep is None:
        return None, ""
    default_x, default_y = sweep.default_axes()
    x, y = x or default_x, y or default_y
    if x is None:
        return None, "the sweep has no column a live design has"
    fixed = {}
    values = {**dict(a.design.knobs), "precision": a.design.precision}
    for column in hold:
        value = sweep.typed(column, values.get(column, ""))
        if value is None or values.get(column, "") == "":
            raise HwsimInputError(f"design A has no value of {column!r} to hold the sweep at", source="live explorer",
                                  field="hold", allowed="the swept knobs A sets")
        fixed[column] = value
    note = ", ".join(f"{k}={v}" for k, v in fixed.items())
    return sweep.front(x, y, fixed), note


def _summary_rows(a: DesignView, b: DesignView | None) -> list[dict]:
    rows = []
    for label, column, scale, unit in SUMMARY_ROWS:
        row = {"quantity": f"{label} ({unit})", "A": f"{a.summary[column] * scale:.4g}"}
        if b is not None:
            row["B"] = f"{b.summary[column] * scale:.4g}"
            row["B / A"] = f"{b.summary[column] / a.summary[column]:.3g}" if a.summary[column] else ""
        rows.append(row)
    return rows


def point_knobs(sweep: SweepSource, point_id: int, base: str) -> tuple[dict[str, str], str, str]:
    """A sweep row as design A's knobs: (knob texts, precision mix, a note for the page). Knobs
    the row's axes do not set keep ``base``'s values; an axis with no knob (e.g. dram.channels) is
    named in the note, never dropped unsaid."""
    from hwsim.explore.serve_model import NO_STANDARD, knob_text

    row = sweep.point(point_id)
    knobs = base_values(base)
    precision = ""
    no_knob = []
    for column, value in row.items():
        if column in KNOB_KEYS:
            knobs[column] = NO_STANDARD if (column == "dram.standard" and value is None) else knob_text(value)
        elif column == "precision":
            precision = knob_text(value)
        else:
            no_knob.append(f"{column}={value}")
    note = f"sweep point {point_id} loaded as design A"
    if no_knob:
        note += f"; no knob here for {', '.join(no_knob)}: A keeps {base}'s value"
    if sweep.accelerator and sweep.accelerator != base:
        note += f"; the sweep's base is {sweep.accelerator}, the page's {base}"
    return knobs, precision, note


# ---- the Dash page -------------------------------------------------------------------------------

def _accelerator_choices(base: str) -> list[str]:
    from hwsim import presets

    names = list(presets.accelerator_presets())
    return names if base in names else [base, *names]


def _workload_choices(workload: str) -> list[str]:
    from hwsim import presets

    names = list(presets.all_workload_presets())
    return names if workload in names else [workload, *names]


def build_app(sweep: SweepSource | None = None, base: str | None = None, workload: str | None = None):
    """The Dash app. Without a sweep the base is tpu-v1-like on resnet50; with one, the sweep's
    base accelerator and first workload."""
    import dash
    from dash import Input, Output, State, dcc, html

    first = first_state(sweep, base, workload)
    base, workload = first["base"], first["workload"]
    # include_assets_files=False: Dash would otherwise serve every file of an assets/ folder beside
    # this module (the offline explorer keeps its own scripts there); serve_locally: no CDN
    app = dash.Dash(__name__, title="hwsim live explorer", serve_locally=True, update_title=None,
                    include_assets_files=False)
    label_style = {"display": "inline-block", "margin": "2px 10px 2px 0", "fontSize": "13px"}
    input_style = {"width": "90px"}

    def labelled(text: str, component) -> html.Label:
        return html.Label([text, html.Br(), component], style=label_style)

    knob_inputs = []
    for knob in DESIGN_KNOBS:
        value = first["knobs"][knob.key]
        if knob.kind == "choice":
            choices = dram_standards() if knob.key == "dram.standard" else knob.choices
            component = dcc.Dropdown(id=KNOB_IDS[knob.key], options=list(choices), value=value, clearable=False,
                                     style={"width": "110px"})
        else:
            component = dcc.Input(id=KNOB_IDS[knob.key], type="text", value=value, debounce=True, style=input_style)
        knob_inputs.append(labelled(knob.label, component))
    knob_inputs.append(labelled("precision mix", dcc.Input(id="knob-precision", type="text", value="", debounce=True,
                                                           list="mixes", placeholder="base's", style=input_style)))

    sweep_controls: list = []
    if sweep is not None:
        columns = sweep.comparable_columns()
        default_x, default_y = sweep.default_axes()
        holdable = [c for c in sweep.axes if c in KNOB_KEYS or c == "precision"]
        sweep_controls = [
            html.Div(f"sweep {sweep.folder}: {len(sweep.axes)} axes, workloads {', '.join(sweep.workloads)}, "
                     f"objectives {', '.join(sweep.objectives) or 'none'}", id="sweep-info"),
            labelled("x", dcc.Dropdown(id="sweep-x", options=columns, value=default_x, clearable=False,
                                       style={"width": "240px"})),
            labelled("y", dcc.Dropdown(id="sweep-y", options=columns, value=default_y, clearable=False,
                                       style={"width": "240px"})),
            labelled("hold the sweep at A's value of", dcc.Checklist(id="sweep-hold", options=holdable, value=[],
                                                                      inline=True)),
            html.Div("click a sweep point to load it as design A", id="sweep-note",
                     style={"fontSize": "12px", "color": "#555"}),
        ]
    else:
        sweep_controls = [html.Div("no sweep loaded: hwsim explore --serve OUT places the designs among a "
                                   "sweep's rows", id="sweep-info"),
                          dcc.Store(id="sweep-x"), dcc.Store(id="sweep-y"), dcc.Store(id="sweep-hold", data=[])]

    graph_style = {"width": "49%", "display": "inline-block", "verticalAlign": "top", "minWidth": "420px"}
    app.layout = html.Div([
        html.H3("hwsim live explorer", style={"margin": "4px 0"}),
        html.Datalist(id="mixes", children=[html.Option(value=m) for m in SUGGESTED_MIXES]),
        html.Div([
            labelled("base accelerator", dcc.Dropdown(id="base", options=_accelerator_choices(base), value=base,
                                                      clearable=False, style={"width": "220px"})),
            labelled("workload", dcc.Dropdown(id="workload", options=_workload_choices(workload), value=workload,
                                              clearable=False, style={"width": "200px"})),
            labelled("LLM phase", dcc.Dropdown(id="phase", options=list(LLM_PHASES), value=first["phase"],
                                               clearable=False, style={"width": "110px"})),
            labelled("KV length", dcc.Input(id="kv-len", type="text", value=first["kv_len"], debounce=True,
                                            style=input_style)),
            labelled("seq length", dcc.Input(id="seq-len", type="text", value=first["seq_len"], debounce=True,
                                             style=input_style)),
            labelled("batch", dcc.Input(id="batch", type="text", value=first["batch"], debounce=True, style=input_style)),
        ]),
        html.Div(knob_inputs),
        html.Div([html.Button("pin A as B", id="pin-b"), html.Button("clear B", id="clear-b"),
                  html.Span(id="server-time", style={"marginLeft": "12px", "fontSize": "12px", "color": "#555"})]),
        dcc.Store(id="design-b", data=None),
        html.Div(id="error", role="alert", style={"color": "#B00020", "fontFamily": "monospace", "minHeight": "1.2em"}),
        html.Pre(id="command", style={"whiteSpace": "pre-wrap", "fontSize": "12px", "margin": "2px 0"}),
        html.Table(id="summary", style={"fontSize": "13px"}),
        html.Div(sweep_controls),
        html.Div([dcc.Graph(id=f"fig-{name}", style=graph_style, config={"responsive": True}) for name in FIGURES]),
    ], style={"fontFamily": "sans-serif", "margin": "8px"})

    knob_ids = [KNOB_IDS[k] for k in KNOB_KEYS]
    scenario_ids = ["workload", "phase", "kv-len", "seq-len", "batch"]

    def split(values) -> tuple:
        """Dash passes the inputs flat: base, the knobs, the precision, the workload knobs."""
        n = len(knob_ids)
        return values[0], values[1:1 + n], values[1 + n], values[2 + n:2 + n + len(scenario_ids)]

    def state_of(base_value, knob_values, precision, scenario_values) -> dict:
        workload_value, phase, kv_len, seq_len, batch = scenario_values
        return {"base": base_value, "knobs": dict(zip(KNOB_KEYS, knob_values)), "precision": precision or "",
                "workload": workload_value, "phase": phase, "kv_len": kv_len, "seq_len": seq_len, "batch": batch}

    @app.callback([Output(i, "value") for i in knob_ids] + [Output("knob-precision", "value")],
                  Input("base", "value"), prevent_initial_call=True)
    def reset_knobs(base_value):
        values = base_values(base_value)
        return [values[k] for k in KNOB_KEYS] + [""]

    if sweep is not None:
        # allow_duplicate: the knobs are also reset_knobs' outputs (a new base)
        @app.callback([Output(i, "value", allow_duplicate=True) for i in knob_ids]
                      + [Output("knob-precision", "value", allow_duplicate=True), Output("sweep-note", "children")],
                      Input("fig-pareto", "clickData"), State("base", "value"), prevent_initial_call=True)
        def load_point(click, base_value):
            points = (click or {}).get("points") or [{}]
            point_id = points[0].get("customdata")
            if point_id is None:          # a click on design A or B, not on a sweep row
                return [dash.no_update] * (len(knob_ids) + 1) + ["click a sweep point to load it as design A"]
            try:
                knobs, precision, note = point_knobs(sweep, int(point_id), base_value)
            except HwsimInputError as exc:
                return [dash.no_update] * (len(knob_ids) + 1) + [str(exc)]
            return [knobs[k] for k in KNOB_KEYS] + [precision, note]

    @app.callback([Output("phase", "disabled"), Output("kv-len", "disabled"), Output("seq-len", "disabled"),
                   Output("batch", "disabled")], Input("workload", "value"), Input("phase", "value"))
    def llm_inputs(workload_value, phase):
        llm = bool(workload_value) and is_llm_workload(workload_value)
        return [not llm, not (llm and phase == "decode"), not (llm and phase == "prefill"), not llm]

    @app.callback(Output("design-b", "data"),
                  Input("pin-b", "n_clicks"), Input("clear-b", "n_clicks"),
                  State("base", "value"), [State(i, "value") for i in knob_ids], State("knob-precision", "value"),
                  [State(i, "value") for i in scenario_ids], prevent_initial_call=True)
    def pin(_pins, _clears, *values):
        if dash.ctx.triggered_id == "clear-b":
            return None
        return state_of(*split(values))

    @app.callback([Output("error", "children"), Output("command", "children"), Output("summary", "children"),
                   Output("server-time", "children")] + [Output(f"fig-{name}", "figure") for name in FIGURES],
                  Input("base", "value"), [Input(i, "value") for i in knob_ids], Input("knob-precision", "value"),
                  [Input(i, "value") for i in scenario_ids], Input("design-b", "data"),
                  Input("sweep-x", "value" if sweep is not None else "data"),
                  Input("sweep-y", "value" if sweep is not None else "data"),
                  Input("sweep-hold", "value" if sweep is not None else "data"))
    def update(*values):
        state_b, x, y, hold = values[-4:]
        try:
            result = render(state_of(*split(values[:-4])), state_b, sweep, x, y, tuple(hold or ()))
        except Exception as exc:  # noqa: BLE001  (bad input is HwsimInputError, handled in render)
            # anything else is a bug: one line in the page (never a blank page or a traceback
            # there), the traceback on the server's stderr for the report
            import traceback

            traceback.print_exc()
            line = f"internal error (a bug in hwsim; the server's output has the traceback): {type(exc).__name__}: {exc}"
            return [line.splitlines()[0], dash.no_update, dash.no_update, ""] + [dash.no_update] * len(FIGURES)
        timing = f"server {result.server_ms:.0f} ms"
        if result.error:
            return [result.error, dash.no_update, dash.no_update, timing] + [dash.no_update] * len(FIGURES)
        command = "A: " + result.command_a + (("\nB: " + result.command_b) if result.command_b else "")
        return ["", command, _table(html, result.summary_rows), timing] + [result.figures[n] for n in FIGURES]

    return app


def _table(html, rows: list[dict]):
    if not rows:
        return []
    header = html.Tr([html.Th(k, style={"textAlign": "left", "paddingRight": "12px"}) for k in rows[0]])
    body = [html.Tr([html.Td(v, style={"paddingRight": "12px"}) for v in row.values()]) for row in rows]
    return [header, *body]


def first_state(sweep: SweepSource | None = None, base: str | None = None, workload: str | None = None) -> dict:
    """What the page shows first: the given base and workload, else the sweep's base accelerator
    and first workload (with its LLM scenario), else tpu-v1-like on resnet50."""
    base = base or (sweep.accelerator if sweep is not None else None) or DEFAULT_BASE
    entry = {} if (sweep is None or workload) else next(iter(sweep.manifest.get("spec", {}).get("workloads", [])), {})
    state = initial_state(base, workload or entry.get("name") or DEFAULT_WORKLOAD)
    if entry.get("phase") in LLM_PHASES:
        state["phase"] = entry["phase"]
    for key in ("kv_len", "seq_len", "batch"):
        if entry.get(key) is not None:
            state[key] = str(entry[key])
    return state
