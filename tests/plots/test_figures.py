"""hwsim.plots' figures: structure by hand-made tables and hand-computed values (Pareto points
against a brute-force filter written here, roofline coordinates from the definitions, breakdown
stacks that add to the totals), axis titles with units on every axis, one colour per category,
no fixed width."""

import itertools
import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("plotly")
pytest.importorskip("moocore")

from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim import plots  # noqa: E402
from hwsim.plots.style import axis_title, category_colors, component_colors  # noqa: E402

UNIT = re.compile(r"\([^()]+\)\s*$")   # a title ends with "(unit)"


# -- tables written by hand ------------------------------------------------------------------------

def designs() -> pd.DataFrame:
    # 8 designs; by eye, (latency, energy) minimised: rows 0 (1, 9), 1 (2, 5), 3 (4, 2), 6 (7, 1)
    # are non-dominated; row 5 duplicates row 1's objectives (so it is on the front too)
    return pd.DataFrame({
        "compute.rows": [16, 32, 32, 64, 64, 128, 128, 256],
        "pe": ["mac", "lut", "mac", "lut", "shiftadd", "lut", "mac", "mac"],
        "latency_s": [1.0, 2.0, 3.0, 4.0, 5.0, 2.0, 7.0, 8.0],
        "energy_pj": [9.0, 5.0, 6.0, 2.0, 3.0, 5.0, 1.0, 4.0],
        "area_mm2": [1.0, 2.0, 0.5, 3.0, 3.0, 2.5, 9.0, 1.0],
        "tokens_per_s": [10.0, 20.0, 5.0, 1.0, 2.0, 30.0, 3.0, 4.0],
    })


def brute_front(df: pd.DataFrame, objectives: dict) -> set:
    """Row positions that no other row dominates (all <= and one <, after negating "max")."""
    values = np.column_stack([df[c].to_numpy() * (-1 if d == "max" else 1) for c, d in objectives.items()])
    out = set()
    for i, row in enumerate(values):
        if not any(np.all(other <= row) and np.any(other < row) for j, other in enumerate(values) if j != i):
            out.add(i)
    return out


def layers() -> pd.DataFrame:
    # two GEMMs and a vector op, numbers chosen so every derived value is easy by hand
    return pd.DataFrame({
        "layer": ["fc1", "fc2", "norm"], "op": ["gemm", "gemm", "vector"],
        "macs": [1000.0, 500.0, 0.0],
        "latency_s": [1e-6, 4e-6, 1e-7],
        "dram_reads_bits": [800.0, 7200.0, 0.0], "dram_writes_bits": [800.0, 800.0, 0.0],
        "compute_cycles": [3, 1, 1], "stall_cycles": [1, 3, 0], "total_cycles": [4, 4, 1],
        "energy_compute_pj": [10.0, 5.0, 1.0], "energy_sram_pj": [2.0, 1.0, 0.5],
        "energy_dram_pj": [30.0, 60.0, 0.0], "energy_leakage_pj": [1.0, 1.0, 0.1],
        "energy_pj": [43.0, 67.0, 1.6],
        "bound": ["compute", "dram_bandwidth", "vector_unit"],
    })


SUMMARY = {"accelerator": "toy", "energy_breakdown_pj": {"compute": 2e6, "sram": 1e6, "dram": 6e6, "leakage": 1e6},
           "area_breakdown_mm2": {"pe_array": 1.5, "sram_ifmap": 2.0, "overhead": 0.5}}


@pytest.fixture(scope="module")
def figures():
    """One of every figure, built once for the structural checks below."""
    df = designs()
    return {
        "pareto": plots.pareto_scatter(df, "latency_s", "energy_pj", color="pe", symbol="compute.rows"),
        "pareto3d": plots.pareto_scatter(df, "latency_s", "energy_pj", z="area_mm2", color="pe"),
        "parcoords": plots.parallel_coordinates(df, ["compute.rows", "pe", "latency_s", "energy_pj"], color="pe"),
        "splom": plots.scatter_matrix(df, {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"}, color="pe"),
        "energy": plots.energy_breakdown(SUMMARY),
        "area": plots.area_breakdown(SUMMARY),
        "latency_bars": plots.per_layer_bars(layers(), "latency_s"),
        "energy_bars": plots.per_layer_bars(layers(), "energy_pj"),
        "roofline": plots.roofline(layers(), 1e12, 1e9),
        "int_vs_fp": plots.int_vs_fp(
            pd.DataFrame({"format": ["INT8", "FP8"] * 2, "node_nm": [7, 7, 28, 28],
                          "energy_pj": [2e6, 3e6, 8e6, 9e6], "area_um2": [10.0, 20.0, 80.0, 90.0]}),
            ["energy_pj", ("area_um2", "area per PE")]),
    }


# -- units ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, title", [
    ("latency_s", "latency (s)"), ("energy_pj", "energy (pJ)"), ("area_mm2", "area (mm²)"), ("power_w", "power (W)"),
    ("dram_bits", "dram (bits)"), ("energy_compute_pj", "energy compute (pJ)"), ("leakage_mw", "leakage (mW)"),
    ("dram.bandwidth_gb_s", "dram.bandwidth (GB/s)"), ("freq_mhz", "freq (MHz)"), ("area_um2", "area (µm²)"),
    ("sram_kib", "sram (KiB)"), ("total_cycles", "total (cycles)"), ("tokens_per_s", "throughput (tokens/s)"),
    ("compute.rows", "compute.rows (PEs)"), ("energy_per_token_uj", "energy per token (µJ)"),
])
def test_axis_title_carries_the_unit(column, title):
    assert axis_title(column) == title


def test_axis_title_unit_given_for_a_unitless_name():
    assert axis_title("speedup", {"speedup": "×"}) == "speedup (×)"


def _axes(fig):
    """(name, title) of every 2-D axis that has a trace on it, and of a 3-D scene's axes."""
    layout = fig.to_plotly_json()["layout"]
    used = {(getattr(t, "xaxis", None) or "x", getattr(t, "yaxis", None) or "y") for t in fig.data
            if t.type in ("bar", "scatter")}
    out = []
    for x, y in used:
        for name in (x.replace("x", "xaxis", 1), y.replace("y", "yaxis", 1)):
            out.append((name, layout.get(name, {}).get("title", {}).get("text")))
    for t in fig.data:
        if t.type == "scatter3d":
            out += [(f"scene.{a}", layout["scene"][a]["title"]["text"]) for a in ("xaxis", "yaxis", "zaxis")]
    return out


@pytest.mark.parametrize("name", ["pareto", "pareto3d", "energy", "area", "latency_bars", "energy_bars", "roofline",
                                  "int_vs_fp"])
def test_every_numeric_axis_is_titled_with_a_unit(figures, name):
    axes = _axes(figures[name])
    assert axes
    for axis, title in axes:
        assert title, f"{name}: {axis} has no title"
        if name in ("energy", "area", "latency_bars", "energy_bars") and axis.startswith("xaxis"):
            continue   # category axes: designs, layers
        if name == "int_vs_fp" and axis.startswith("xaxis"):
            assert title == "format"
            continue
        assert UNIT.search(title), f"{name}: {axis} title {title!r} has no unit"


def test_splom_and_parcoords_labels_carry_units(figures):
    labels = [d.label for d in figures["splom"].data[0].dimensions]
    assert labels == ["latency (s)", "energy (pJ)", "area (mm²)"]
    dims = figures["parcoords"].data[0].dimensions
    assert [d.label for d in dims] == ["compute.rows (PEs)", "pe", "latency (s)", "energy (pJ)"]


def test_no_figure_has_a_fixed_width(figures):
    for name, fig in figures.items():
        assert fig.layout.width is None, name
        assert fig.layout.autosize is True, name


# -- colours -----------------------------------------------------------------------------------------

def test_seventeen_categories_seventeen_colours():
    names = [f"design-{i}" for i in range(17)]
    colors = category_colors(names)
    assert len(set(map(str.upper, colors.values()))) == 17
    # stable: the same mapping whatever the order the categories come in
    assert category_colors(list(reversed(names)) + names[:3]) == colors
    # sixty categories: still no two alike up to the palette's 59
    assert len({c.upper() for c in category_colors(range(59)).values()}) == 59


def test_components_keep_their_colour_and_differ_from_categories():
    assert component_colors(["dram", "compute"])["dram"] == component_colors(["dram", "sram", "leakage"])["dram"]
    assert not {c.upper() for c in component_colors(["compute", "sram", "dram", "leakage"]).values()} \
        & {c.upper() for c in category_colors(range(59)).values()}


def test_pareto_scatter_one_colour_per_category(figures):
    fig = figures["pareto"]
    by_group: dict = {}
    for t in fig.data:
        if t.legendgroup in ("mac", "lut", "shiftadd"):
            by_group.setdefault(t.legendgroup, set()).add(t.marker.color)
    assert set(by_group) == {"mac", "lut", "shiftadd"}
    assert all(len(c) == 1 for c in by_group.values())
    assert len({next(iter(c)) for c in by_group.values()}) == 3


# -- Pareto ------------------------------------------------------------------------------------------

def _front_rows(fig) -> set:
    return {int(row[0]) for t in fig.data if (t.meta or {}).get("pareto") for row in t.customdata}


def _all_rows(fig) -> list:
    return [int(row[0]) for t in fig.data if t.customdata is not None for row in t.customdata]


@pytest.mark.parametrize("objectives", [
    {"latency_s": "min", "energy_pj": "min"},
    {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"},
    {"latency_s": "min", "tokens_per_s": "max"},
])
def test_pareto_highlight_is_the_brute_force_front(objectives):
    df = designs()
    fig = plots.pareto_scatter(df, "latency_s", "energy_pj", objectives=objectives, color="pe")
    assert _front_rows(fig) == brute_front(df, objectives)
    assert sorted(_all_rows(fig)) == list(range(len(df)))     # every design drawn once


def test_pareto_front_by_eye_and_its_line(figures):
    assert _front_rows(figures["pareto"]) == {0, 1, 3, 5, 6}
    line = [t for t in figures["pareto"].data if t.name == "Pareto front"]
    assert len(line) == 1 and list(line[0].x) == [1.0, 2.0, 2.0, 4.0, 7.0]


def test_pareto_3d_and_hover_shows_the_design(figures):
    fig = figures["pareto3d"]
    assert {t.type for t in fig.data if t.customdata is not None} == {"scatter3d"}
    assert _front_rows(fig) == brute_front(designs(), {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"})
    template = figures["pareto"].data[0].hovertemplate
    assert "compute.rows (PEs)" in template and "pe:" in template and "latency (s)" in template


def test_pareto_bad_column_is_one_clear_error():
    with pytest.raises(HwsimInputError, match="no column 'latency'"):
        plots.pareto_scatter(designs(), "latency", "energy_pj")


def test_scatter_matrix_outlines_the_front(figures):
    front = brute_front(designs(), {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"})
    outlined = {int(row[0]) for t in figures["splom"].data for row, width in zip(t.customdata, t.marker.line.width)
                if width > 0}
    assert outlined == front


# -- parallel coordinates ------------------------------------------------------------------------------

def test_parcoords_categorical_axis_carries_its_labels(figures):
    trace = figures["parcoords"].data[0]
    pe = trace.dimensions[1]
    assert list(pe.ticktext) == ["lut", "mac", "shiftadd"] and list(pe.tickvals) == [0, 1, 2]
    # row 0 is "mac": code 1
    assert list(pe.values) == [1, 0, 1, 0, 2, 0, 1, 1]
    rows = trace.dimensions[0]
    assert list(rows.tickvals) == [16, 32, 64, 128, 256]
    # the line colours: each category's colour, on a colour bar labelled with the categories
    colors = category_colors(["mac", "lut", "shiftadd"])
    scale = dict((round(s, 6), c) for s, c in trace.line.colorscale)
    assert scale[0.0] == colors["lut"] and scale[round(1 / 3, 6)] == colors["mac"] and scale[1.0] == colors["shiftadd"]
    assert list(trace.line.colorbar.ticktext) == ["lut", "mac", "shiftadd"]


# -- breakdowns and per-layer bars ---------------------------------------------------------------------

def test_energy_breakdown_stacks_to_the_total_in_a_readable_unit(figures):
    fig = figures["energy"]
    # 1e7 pJ in all = 10 µJ: the y axis is in µJ
    assert fig.layout.yaxis.title.text == "energy (µJ)"
    assert {t.name: t.y[0] for t in fig.data} == {"compute": 2.0, "sram": 1.0, "dram": 6.0, "leakage": 1.0}
    assert fig.layout.barmode == "stack"


def test_area_breakdown_from_table_columns():
    table = pd.DataFrame({"name": ["a", "b"], "area_mm2": [4.0, 3.0], "area_pe_array_mm2": [1.0, 2.0],
                          "area_sram_ifmap_mm2": [3.0, 1.0]})
    fig = plots.area_breakdown(table, by="name")
    assert {t.name: list(t.y) for t in fig.data} == {"pe_array": [1.0, 2.0], "sram_ifmap": [3.0, 1.0]}
    assert list(fig.data[0].x) == ["a", "b"] and fig.layout.yaxis.title.text == "area (mm²)"
    with pytest.raises(HwsimInputError, match="no area component columns"):
        plots.area_breakdown(pd.DataFrame({"area_mm2": [1.0]}))


def test_latency_bars_split_compute_and_stall(figures):
    fig = figures["latency_bars"]
    parts = {t.name: list(t.y) for t in fig.data}
    # fc1: 1 µs over 4 cycles, 3 computing, 1 stalled -> 0.75 + 0.25 µs; fc2: 4 µs, 1 + 3 cycles -> 1 + 3 µs
    assert fig.layout.yaxis.title.text == "latency (µs)"
    assert parts["compute"] == pytest.approx([0.75, 1.0, 0.1])
    assert parts["stall"] == pytest.approx([0.25, 3.0, 0.0])
    assert list(fig.data[0].x) == ["fc1", "fc2", "norm"]


def test_energy_bars_stack_the_components(figures):
    parts = {t.name: list(t.y) for t in figures["energy_bars"].data}
    assert set(parts) == {"compute", "sram", "dram", "leakage"}
    assert [sum(v) for v in zip(*parts.values())] == pytest.approx([43.0, 67.0, 1.6])


# -- roofline ------------------------------------------------------------------------------------------

def test_roofline_points_and_roofs_by_hand(figures):
    fig = figures["roofline"]
    points = {t.name: (list(t.x), list(t.y)) for t in fig.data if t.mode == "markers"}
    # fc1: 2000 ops over (800 + 800) / 8 = 200 bytes -> 10 ops/byte, 2000 ops / 1 µs = 2e9 ops/s
    # fc2: 1000 ops over 1000 bytes -> 1 op/byte, 1000 ops / 4 µs = 2.5e8 ops/s; coloured by bound
    assert points["compute"] == ([10.0], [2e9])
    assert points["dram_bandwidth"] == ([1.0], [2.5e8])
    roofs = {t.name: t for t in fig.data if t.mode == "lines"}
    dram = next(t for n, t in roofs.items() if n.startswith("DRAM roof"))
    compute = next(t for n, t in roofs.items() if n.startswith("compute roof"))
    # ridge at 1e12 / 1e9 = 1000 ops/byte; the memory roof is bandwidth x intensity up to it
    assert dram.x[-1] == pytest.approx(1000.0) and dram.y[-1] == pytest.approx(1e12)
    assert dram.y[0] == pytest.approx(1e9 * dram.x[0])
    assert list(compute.y) == [1e12, 1e12] and compute.x[0] == pytest.approx(1000.0)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    # the vector op has no MACs: said on the figure, not silently dropped
    assert any("1 layer(s) not drawn: no MACs" in a.text for a in fig.layout.annotations)


def test_roofline_unlimited_bandwidth_draws_no_memory_roof():
    fig = plots.roofline(layers(), 1e12, None)
    assert not [t for t in fig.data if t.name and t.name.startswith("DRAM roof")]
    assert any("unlimited" in a.text for a in fig.layout.annotations)


def test_roofline_says_pim_layers_are_not_bound_by_the_host_roofs():
    table = layers().assign(mapping=["pim", "auto", "vector"])
    notes = [a.text for a in plots.roofline(table, 1e12, 1e9).layout.annotations]
    assert "1 layer(s) run in memory (PIM): the roofs (host peak, external DRAM bandwidth) do not bound them" in notes


def test_accelerator_roof_from_info():
    # derived: 2 x 65536 MACs/cycle x 700 MHz; 34 GB/s = 34e9 bytes/s
    info = {"peak_macs_per_cycle": 65536.0, "freq_mhz": 700.0, "dram_bandwidth_gb_s": 34.0}
    assert plots.accelerator_roof(info) == (pytest.approx(2 * 65536 * 700e6), pytest.approx(34e9))
    assert plots.accelerator_roof({**info, "dram_bandwidth_gb_s": None})[1] is None


def test_roofline_refuses_a_bad_peak():
    with pytest.raises(HwsimInputError, match="peak_ops_per_s"):
        plots.roofline(layers(), 0, 1e9)


# -- grids ---------------------------------------------------------------------------------------------

def test_int_vs_fp_panels_units_and_node_colours(figures):
    fig = figures["int_vs_fp"]
    # 2e6..9e6 pJ reads as µJ; area per PE stays in µm²
    assert fig.layout.yaxis.title.text == "energy (µJ)" and fig.layout.yaxis2.title.text == "area (µm²)"
    colours = {t.name: t.marker.color for t in fig.data}
    assert set(colours) == {"7 nm", "28 nm"} and len(set(colours.values())) == 2
    assert list(next(t for t in fig.data if t.name == "7 nm" and t.xaxis == "x").y) == [2.0, 3.0]


def test_grid_rows_leave_room_for_titles():
    table = pd.DataFrame({"format": ["a", "b"], "node_nm": [7, 7], "energy_pj": [1.0, 2.0]})
    fig = plots.int_vs_fp(table, ["energy_pj"] * 6, cols=2)   # 3 rows
    layout = fig.layout
    plot_px = layout.height - layout.margin.t - layout.margin.b
    domains = sorted({tuple(layout[f"yaxis{i if i > 1 else ''}"].domain) for i in range(1, 7)}, reverse=True)
    gaps = [(upper[0] - lower[1]) * plot_px for upper, lower in itertools.pairwise(domains)]
    # a subplot title plus the x-axis title and ticks of the row above need about 100 px
    assert len(gaps) == 2 and min(gaps) >= 100
