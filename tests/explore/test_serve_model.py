"""The live explorer's callback as plain Python: knobs -> --set line -> the same numbers as
hwsim.simulate on that line; hand-derived figures (peak, roof, roofline points); one-line errors;
a sweep read lazily and cross-filtered. No server here (test_serve_server.py has one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.presets import accelerator_presets
from hwsim.explore.serve_app import initial_state, render
from hwsim.explore.serve_figures import roofline_points
from hwsim.explore.serve_model import Design, design_set_lines, parse_scenario, simulate_design
from hwsim.explore.serve_sweep import SweepSource

pytest.importorskip("pyarrow")   # the dse extra (in the test extra too): the sweep is Parquet

BASE = "tpu-v1-like"


def _state(**knobs) -> dict:
    state = initial_state(BASE, "resnet50")
    precision = knobs.pop("precision", "")
    state["knobs"].update({key.replace("__", "."): value for key, value in knobs.items()})
    state["precision"] = precision
    return state


def _design(state: dict) -> Design:
    scenario = parse_scenario(state["workload"], state["phase"], state["kv_len"], state["seq_len"], state["batch"])
    return Design.of(state["base"], state["knobs"], state["precision"], scenario)


# ---- the --set line ---------------------------------------------------------------------------------

def test_knobs_at_the_base_values_make_an_empty_set_line():
    assert design_set_lines(_design(_state())) == ()


@pytest.mark.parametrize("base", sorted(accelerator_presets()))
def test_every_preset_opens_with_its_own_values(base):
    # every preset's PE type and dataflow is a value its knobs take (the knobs' choices come from the
    # spec: a PE type added in hwsim/pe/ once failed here, the knob listing the four it knew)
    assert design_set_lines(_design(initial_state(base, "resnet50"))) == ()


def test_changed_knobs_make_the_set_line_in_knob_order():
    state = _state(compute__cols="32", compute__rows="64.0", clock_mhz="1000", compute__dataflow="os")
    # rows written as 64.0 is the whole number 64; tpu-v1-like's values are 256, 256, ws, 700 MHz
    assert design_set_lines(_design(state)) == ("compute.rows=64", "compute.cols=32", "compute.dataflow=os",
                                                 "clock_mhz=1000")


def test_bandwidth_unlimited_and_dram_standard_knobs():
    state = _state(**{"dram.bandwidth_gb_s": "unlimited", "dram.standard": "none"})
    # tpu-v1-like has no DRAM standard, so 'none' is its value and stays out of the line
    assert design_set_lines(_design(state)) == ("dram.bandwidth_gb_s=unlimited",)


def test_a_precision_mix_adds_hwsim_precision_mix_columns():
    lines = design_set_lines(_design(_state(precision="w4a8")))
    # hwsim.precision_mix("w4a8") on a MAC PE (docs/sweep-spec.md, "Precision")
    assert "default_precision.weights=int4" in lines
    assert "default_precision.activations=int8" in lines
    assert "compute.pe.accumulator=int32" in lines


# ---- the same numbers as hwsim.simulate --------------------------------------------------------------

@pytest.mark.parametrize("knobs", [
    {"compute.rows": "64", "compute.cols": "32"},
    {"compute.dataflow": "os", "buffers.filter.size_kib": "64", "precision": "w4a8"},
    {"compute.pe.type": "bitserial", "dram.bandwidth_gb_s": "8.5", "tech_node_nm": "7"},
])
def test_a_knob_change_gives_hwsim_simulate_numbers_on_the_same_set_line(knobs):
    state = _state(**knobs)
    view = simulate_design(_design(state))
    accel = hwsim.load_accelerator(BASE, list(view.set_lines))
    expected = hwsim.simulate(accel, hwsim.load_workload("resnet50"))
    for column in ("total_cycles", "energy_pj", "latency_s", "dram_reads_bits", "macs"):
        np.testing.assert_allclose(view.layers[column].to_numpy(float), expected.layers[column].to_numpy(float),
                                   rtol=1e-12, err_msg=column)
    assert view.area_mm2 == pytest.approx(expected.area_mm2, rel=1e-12)
    assert view.summary["energy_pj"] == pytest.approx(expected.summary()["energy_pj"], rel=1e-12)


def test_an_llm_decode_step_gives_hwsim_simulate_numbers():
    state = initial_state("systolic-hbm2", "llm/llama-2-7b")
    state.update(phase="decode", kv_len="2048", batch="1")
    state["knobs"]["compute.rows"] = "64"
    view = simulate_design(_design(state))
    expected = hwsim.simulate(hwsim.load_accelerator("systolic-hbm2", ["compute.rows=64"]),
                              hwsim.load_workload("llm/llama-2-7b", phase="decode", kv_len=2048, batch=1))
    assert view.set_lines == ("compute.rows=64",)
    assert view.summary["latency_s"] == pytest.approx(expected.summary()["latency_s"], rel=1e-12)
    assert "--phase decode --kv-len 2048 --batch 1" in view.command()


def test_peak_and_roofline_points_by_hand():
    view = simulate_design(_design(_state(compute__rows="64", compute__cols="32")))
    # derived: an INT8 MAC does one MAC per cycle; 2 ops x 64 x 32 PEs x 700 MHz (ISCA 2017 clock)
    assert view.peak_ops_s == pytest.approx(2 * 64 * 32 * 700e6, rel=1e-12)
    # tpu-v1-like: 34 GB/s (ISCA 2017 Table 2)
    assert view.dram_bandwidth_bytes_s == pytest.approx(34e9)
    points = roofline_points(view).set_index("layer")
    conv1 = view.layers.set_index("layer").loc["conv1"]
    # He et al. Table 1: conv1 is 112 x 112 outputs x 64 filters x 7 x 7 x 3 = 118,013,952 MACs
    assert conv1["macs"] == 112 * 112 * 64 * 7 * 7 * 3
    dram_bytes = (conv1["dram_reads_bits"] + conv1["dram_writes_bits"]) / 8
    assert points.loc["conv1", "intensity_ops_per_byte"] == pytest.approx(2 * 118_013_952 / dram_bytes)
    assert points.loc["conv1", "performance_ops_s"] == pytest.approx(2 * 118_013_952 / conv1["latency_s"])
    # nothing runs above its roof
    assert (points["performance_ops_s"] <= np.minimum(view.peak_ops_s,
                                                      34e9 * points["intensity_ops_per_byte"]) * (1 + 1e-9)).all()


# ---- A and B, and bad input ----------------------------------------------------------------------------

def test_two_designs_side_by_side():
    a, b = _state(), _state(compute__rows="128")
    out = render(a, b)
    assert out.error == ""
    # one stacked bar per design, one trace per component, summing to each design's energy in uJ
    energy = out.figures["energy"]["data"]
    assert [t["name"] for t in energy] == ["compute", "sram", "dram", "leakage"]
    assert all(t["x"] == ["A", "B"] for t in energy)
    for i, name in enumerate(("A", "B")):
        assert sum(t["y"][i] for t in energy) == pytest.approx(out.views[name].summary["energy_pj"] * 1e-6)
    latency = next(r for r in out.summary_rows if r["quantity"].startswith("latency"))
    ratio = out.views["B"].summary["latency_s"] / out.views["A"].summary["latency_s"]
    assert latency["B / A"] == f"{ratio:.3g}"
    assert "--set compute.rows=128" in out.command_b and "--set" not in out.command_a
    # the per-layer bars: one bar per layer of each design
    assert [len(t["x"]) for t in out.figures["layers"]["data"]] == [len(out.views["A"].layers)] * 2


@pytest.mark.parametrize("knobs, named", [
    ({"compute.rows": "abc"}, "field 'compute.rows'"),
    ({"compute.rows": "0"}, "field 'compute.rows'"),
    ({"tech_node_nm": "2"}, "field 'tech_node_nm'"),
    ({"precision": "w9a3"}, "field 'precision'"),
    ({"compute.dataflow": "xy"}, "field 'compute.dataflow'"),
])
def test_bad_knobs_are_one_line_naming_the_field(knobs, named):
    out = render(_state(**knobs))
    assert named in out.error
    assert "\n" not in out.error and "Traceback" not in out.error
    assert out.figures == {}      # the page keeps its last good figures


def test_bad_llm_knobs_name_the_knob():
    state = initial_state(BASE, "llm/llama-2-7b")
    state.update(phase="decode", kv_len="many")
    assert "field 'kv_len'" in render(state).error
    state.update(kv_len="128", batch="0")
    assert "field 'batch'" in render(state).error


# ---- a sweep, read lazily ---------------------------------------------------------------------------

SPACE = """\
accelerator: tpu-v1-like
workloads: [resnet50]
axes:
  compute.rows: [32, 64, 128]
  compute.pe.type: [mac, lut]
  dram.bandwidth_gb_s: [8.5, 34]
objectives: {latency_s: min, energy_pj: min, area_mm2: min}
sampler: {kind: grid}
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from hwsim.cli import main

    folder = tmp_path_factory.mktemp("serve_sweep")
    (folder / "space.yaml").write_text(SPACE)
    assert main(["sweep", str(folder / "space.yaml"), "-o", str(folder / "out")]) == 0
    return folder / "out"


class _Recording:
    """A pyarrow dataset that notes each scan's arguments."""

    def __init__(self, dataset, calls: list):
        self._dataset, self._calls = dataset, calls

    def to_table(self, **kwargs):
        self._calls.append(kwargs)
        return self._dataset.to_table(**kwargs)


def test_the_sweep_front_reads_two_columns_under_a_filter(sweep_dir):
    source = SweepSource(sweep_dir)
    calls: list = []
    source.dataset = _Recording(source.dataset, calls)
    front = source.front("latency_s", "energy_pj", {"compute.pe.type": "lut"})
    # the two columns shown and each row's point_id (a click loads the row)
    assert [c["columns"] for c in calls] == [["latency_s", "energy_pj", "point_id"]]
    assert calls[0]["filter"] is not None
    whole = pd.read_parquet(sweep_dir)
    lut = whole[(whole["compute.pe.type"] == "lut") & whole["feasible"]]
    assert front.rows == len(lut) == 3 * 2          # 3 row counts x 2 bandwidths
    expected = hwsim.pareto(lut[["latency_s", "energy_pj"]].reset_index(drop=True),
                            {"latency_s": "min", "energy_pj": "min"})
    assert sorted(front.front["latency_s"]) == sorted(expected["latency_s"])
    # asked again (a design knob moved, the filter did not): nothing is read
    source.front("latency_s", "energy_pj", {"compute.pe.type": "lut"})
    assert len(calls) == 1


def test_render_places_design_a_against_the_held_front(sweep_dir):
    source = SweepSource(sweep_dir)
    assert source.accelerator == "tpu-v1-like" and source.axes == ("compute.rows", "compute.pe.type",
                                                                   "dram.bandwidth_gb_s")
    out = render(_state(compute__rows="64", compute__pe__type="lut"), None, source, "latency_s", "energy_pj",
                 ("compute.pe.type", "compute.rows"))
    assert out.error == ""
    traces = {t["name"].split(" (")[0]: t for t in out.figures["pareto"]["data"]}
    assert set(traces) == {"sweep", "front", "design A"}
    # the sweep rows with lut and 64 rows: the 2 bandwidths
    assert traces["sweep"]["name"] == "sweep (2 rows)"
    a = out.views["A"].summary
    assert traces["design A"]["x"] == [a["latency_s"]] and traces["design A"]["y"] == [a["energy_pj"]]
    # design A (34 GB/s, as tpu-v1-like) is one of the two swept designs: it sits on their front
    assert min(abs(np.array(traces["front"]["x"]) / a["latency_s"] - 1)) < 1e-9


def test_a_folder_that_is_not_a_sweep_is_one_line(tmp_path):
    with pytest.raises(HwsimInputError, match="not a sweep folder"):
        SweepSource(tmp_path)
    with pytest.raises(HwsimInputError, match="no such sweep folder"):
        SweepSource(tmp_path / "missing")


def test_a_clicked_sweep_point_becomes_design_a(sweep_dir):
    from hwsim.explore.serve_app import point_knobs

    source = SweepSource(sweep_dir)
    whole = pd.read_parquet(sweep_dir).set_index("point_id")
    row = whole.loc[7]
    knobs, precision, note = point_knobs(source, 7, BASE)
    # the row's axes, as the knobs show them; the other knobs at tpu-v1-like's values
    assert knobs["compute.rows"] == str(int(row["compute.rows"]))
    assert knobs["compute.pe.type"] == row["compute.pe.type"]
    assert float(knobs["dram.bandwidth_gb_s"]) == row["dram.bandwidth_gb_s"]
    assert knobs["compute.cols"] == "256" and knobs["clock_mhz"] == "700" and precision == ""
    assert note == "sweep point 7 loaded as design A"
    # and simulated, it is the sweep's row: same latency and energy
    state = _state(**{key: knobs[key] for key in ("compute.rows", "compute.pe.type", "dram.bandwidth_gb_s")})
    view = simulate_design(_design(state))
    assert view.summary["latency_s"] == pytest.approx(row["latency_s"], rel=1e-9)
    assert view.summary["energy_pj"] == pytest.approx(row["energy_pj"], rel=1e-9)


def test_the_click_callback_loads_the_point_and_ignores_the_designs(sweep_dir):
    pytest.importorskip("dash")
    import json

    from hwsim.explore.serve_app import build_app

    app = build_app(SweepSource(sweep_dir))
    spec = next(d for d in app._callback_list if "sweep-note.children" in d["output"])
    outputs = [dict(zip(("id", "property"), o.split("@")[0].split("."))) for o in spec["output"].strip(".").split("...")]
    client = app.server.test_client()

    def click(points):
        body = {"output": spec["output"], "outputs": outputs, "state": [{"id": "base", "property": "value",
                                                                         "value": BASE}],
                "inputs": [{"id": "fig-pareto", "property": "clickData", "value": {"points": points}}],
                "changedPropIds": ["fig-pareto.clickData"]}
        answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
        assert answer.status_code in (200, 204), answer.data[:300]
        return answer.get_json()["response"] if answer.status_code == 200 else {}

    loaded = click([{"x": 1, "y": 2, "customdata": 7}])
    assert loaded["sweep-note"]["children"] == "sweep point 7 loaded as design A"
    row = pd.read_parquet(sweep_dir).set_index("point_id").loc[7]
    assert loaded["knob-compute-rows"]["value"] == str(int(row["compute.rows"]))
    # a click on design A's star carries no point id: the knobs stay
    missed = click([{"x": 1, "y": 2}])
    assert "knob-compute-rows" not in missed
