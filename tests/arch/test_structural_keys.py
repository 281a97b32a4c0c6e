"""Clock, supply and node as per-point values of a design batch (hwsim/arch/design.py,
hwsim/arch/point_tech.py): per-point factors by hand from the node table (hwsim/tech/nodes.py,
Stillmaker & Baas 2017), pipeline depths by hand, few accelerator builds for many distinct
clocks, text and list columns grouped per distinct value, and the same refusals as one spec."""

import math

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.arch import accelerator as accelerator_module
from hwsim.arch.design import design_batch
from hwsim.engine.precisions import precision_table
from hwsim.errors import HwsimInputError
from hwsim.pe.datapath import stages_at
from hwsim.tech.nodes import supplies_allowed, supply_range_v, supply_ranges_v, tech_point
from hwsim.workload.batch import layer_batch

BASE = "scalesim-default"   # 45 nm, 0.9 V, 1000 MHz; int8 MAC PE; no DRAM standard (no DRAM static power)
REL = 1e-12


def energy_fit(a, b, c, v):
    """Stillmaker & Baas E(V) = a V^2 + b V + c."""
    return a * v * v + b * v + c


def delay_fit(a, b, c, d, v):
    """Stillmaker & Baas D(V) = a V^3 + b V^2 + c V + d."""
    return a * v ** 3 + b * v ** 2 + c * v + d


# the fits' coefficients at the nodes these tests use (Stillmaker & Baas 2017; nodes.py's tables)
E45, E32, E20, E7 = (1.103, -0.362, 0.2767), (0.9559, -0.7823, 0.471), (0.373, -0.1582, 0.04104), \
    (0.1776, -0.09097, 0.02447)
D45, D7, D130 = (-501.6, 1567.0, -1619.0, 566.1), (-28.58, 76.6, -70.26, 24.69), (-76.65, 334.9, -493.4, 275.8)
FO4_PS = 360.0 * 0.045   # 16.2 ps: Ho, Mai & Horowitz 2001 (hwsim/tech/cells.py)


@pytest.fixture(scope="module")
def base():
    return hwsim.load_accelerator(BASE)


@pytest.fixture
def builds(monkeypatch):
    """How many Accelerators are built (validated and given a PE) while the test runs."""
    count = {"n": 0}
    original = accelerator_module.Accelerator.__post_init__

    def counting(self):
        count["n"] += 1
        original(self)

    monkeypatch.setattr(accelerator_module.Accelerator, "__post_init__", counting)
    return count


def test_energy_factor_per_point_at_two_nodes_by_hand(base):
    """7 nm and 28 nm at the default 0.9 V, 7 nm at 0.8 V, against 45 nm at 0.9 V:
    E45(0.9) = 1.103*0.81 - 0.362*0.9 + 0.2767 = 0.84433;
    E7(0.9) = 0.1776*0.81 - 0.09097*0.9 + 0.02447 = 0.086453 -> 0.086453 / 0.84433 = 0.10239;
    28 nm is 1/3 of the way from 32 to 20 nm: E28 = 2/3 E32(0.9) + 1/3 E20(0.9)
      = 2/3 * 0.541209 + 1/3 * 0.20079 = 0.427736 -> 0.50660;
    E7(0.8) = 0.1776*0.64 - 0.09097*0.8 + 0.02447 = 0.065358 -> 0.077408."""
    ref = energy_fit(*E45, 0.9)
    assert ref == pytest.approx(0.84433, rel=1e-12)
    expected = [energy_fit(*E7, 0.9) / ref,
                (2 / 3 * energy_fit(*E32, 0.9) + 1 / 3 * energy_fit(*E20, 0.9)) / ref,
                energy_fit(*E7, 0.8) / ref]
    assert expected == pytest.approx([0.086453 / 0.84433, 0.427736 / 0.84433, 0.065358 / 0.84433], rel=1e-5)
    batch = design_batch(base, {"tech_node_nm": [7, 28, 7], "supply_voltage_v": [0.9, 0.9, 0.8]},
                         pe_energy_per_point=True)
    assert len(batch.accelerators) == 1   # one PE (no pipelining at 1000 MHz on these nodes)
    assert batch.pe_energy_scale == pytest.approx(expected, rel=REL)


def test_no_supply_column_is_each_nodes_nominal_supply(base):
    """An unset supply is the node's nominal supply, as for one design (hwsim/tech/nodes.py: PTM-MG's
    7 nm card runs at 0.7 V; 45 nm at Horowitz's 0.9 V): 7 nm's factor is E7(0.7)/E45(0.9) =
    (0.1776*0.49 - 0.09097*0.7 + 0.02447) / 0.84433 = 0.047815 / 0.84433."""
    batch = design_batch(base, {"tech_node_nm": [7.0, 45.0]}, pe_energy_per_point=True)
    assert energy_fit(*E7, 0.7) == pytest.approx(0.047815, rel=1e-4)
    assert batch.pe_energy_scale == pytest.approx([energy_fit(*E7, 0.7) / energy_fit(*E45, 0.9), 1.0], rel=REL)


def test_area_and_leakage_per_point_by_hand(base):
    """PE array area scales with the node's area factor (16 nm: 0.19 of 45 nm, Stillmaker & Baas
    area table); every leakage term with the energy factor (leakage scales like energy): at 7 nm,
    its nominal 0.7 V, leakage = E7(0.7)/E45(0.9) of 45 nm's (scalesim-default names no DRAM
    standard, so it has no DRAM static power)."""
    batch = design_batch(base, {"tech_node_nm": [45.0, 16.0, 7.0]}, pe_energy_per_point=True)
    pe_array = batch.area_parts_mm2["pe_array"]
    assert pe_array[1] / pe_array[0] == pytest.approx(0.19, rel=REL)
    assert batch.leakage_uw[2] / batch.leakage_uw[0] == pytest.approx(energy_fit(*E7, 0.7) / energy_fit(*E45, 0.9),
                                                                    rel=REL)


def test_stages_depend_on_clock_times_delay_factor_by_hand():
    """A 100 FO4 path is 1.62 ns at 45 nm, 0.9 V; at 7 nm it is 1.62 ns x D7(0.9)/D45(0.9) and at
    130 nm 1.62 ns x D130(0.9)/D45(0.9); its stages at 2 GHz are ceil(delay x 2). At the nodes'
    nominal supplies (7 nm 0.7 V, 130 nm 1.3 V) the delay factors are D7(0.7)/D45(0.9) and
    D130(1.3)/D45(0.9)."""
    ref = delay_fit(*D45, 0.9)
    for coeffs, node in ((D7, 7), (D130, 130), (D45, 45)):
        delay_ns = 100 * FO4_PS / 1000 * delay_fit(*coeffs, 0.9) / ref
        assert stages_at(100.0, 2000.0, tech_point(node, 0.9)) == math.ceil(delay_ns * 2.0)
    assert stages_at(100.0, 2000.0, tech_point(45)) == 4           # 1.62 ns x 2 GHz = 3.24
    assert stages_at(100.0, 2000.0, tech_point(7, 0.9)) == 1       # 1.62 x 0.2116 x 2 = 0.69
    assert stages_at(100.0, 2000.0, tech_point(130, 0.9)) == 13    # 1.62 x 3.739 x 2 = 12.1
    # nominal: D7(0.7) = 3.23906, D130(1.3) = 31.96095, D45(0.9) = 12.6036
    assert delay_fit(*D7, 0.7) == pytest.approx(3.23906, rel=1e-5)
    assert delay_fit(*D130, 1.3) == pytest.approx(31.96095, rel=1e-5)
    assert stages_at(100.0, 2000.0, tech_point(7)) == 1            # 1.62 x 0.2570 x 2 = 0.83
    assert stages_at(100.0, 2000.0, tech_point(130)) == 9          # 1.62 x 2.5359 x 2 = 8.2


def test_many_distinct_clocks_build_one_accelerator(base, builds):
    """1000 distinct clocks from 100 to 1000 MHz at 45 nm: the int8 MAC's path (0.891 ns, the
    unpipelined clock is 1122 MHz) needs one stage at all of them, so one PE serves them all."""
    assert base.info()["pe_max_clock_mhz"] > 1000
    clocks = np.linspace(100.0, 1000.0, 1000)
    batch = design_batch(base, pd.DataFrame({"clock_mhz": clocks}), pe_energy_per_point=True)
    assert builds["n"] == 1 and len(batch.accelerators) == 1
    assert batch.clock_mhz == pytest.approx(clocks, rel=0)
    assert batch.pe_energy_scale == pytest.approx(np.ones(1000), rel=0)


def test_distinct_clocks_and_nodes_build_one_accelerator_per_pipeline_depth(base, builds):
    """1000 points, each its own clock and node from the node table: below every node's
    unpipelined clock (at most 290 MHz; 130 nm is the slowest: 1122 MHz / D130(0.9)*D45(0.9) =
    300 MHz) one PE serves them all; up to each node's fastest clock, one per pipeline depth (at
    most 6: the fastest clock, 10 FO4, against the 55 FO4 path)."""
    rng = np.random.default_rng(0)
    nodes = rng.choice([130, 90, 65, 45, 32, 20, 16, 14, 10, 7, 5], 1000).astype(float)
    slow = rng.uniform(50.0, 290.0, 1000)
    design_batch(base, {"tech_node_nm": nodes, "clock_mhz": slow}, pe_energy_per_point=True)
    assert builds["n"] == 1
    builds["n"] = 0
    fastest = np.array([1e6 / (10 * FO4_PS * tech_point(n).delay_factor) for n in nodes])
    fast = rng.uniform(0.1, 1.0, 1000) * fastest
    batch = design_batch(base, {"tech_node_nm": nodes, "clock_mhz": fast}, pe_energy_per_point=True)
    assert 1 < builds["n"] == len(batch.accelerators) <= 6


def test_without_per_point_energies_every_distinct_clock_is_its_own_accelerator(base, builds):
    """A caller that does not scale PE energies per point gets one accelerator per distinct
    (clock, node, supply), each priced at its own tech point (pe_energy_scale 1)."""
    batch = design_batch(base, {"clock_mhz": [500.0, 600.0, 500.0], "tech_node_nm": [45, 45, 7]})
    assert builds["n"] == 3 and len(batch.accelerators) == 3
    assert batch.pe_energy_scale.tolist() == [1.0, 1.0, 1.0]


def test_reference_pricing_equals_pricing_at_each_point(base):
    """The closed form: a PE priced at 45 nm, 0.9 V times the point's factors equals the PE priced
    at the point, for every unit energy, area and leakage, on random clocks, nodes and supplies."""
    rng = np.random.default_rng(1)
    nodes = np.round(rng.uniform(5, 130, 40), 2)
    supplies = np.array([round(rng.uniform(max(0.6, supply_range_v(n)[0]), min(1.1, supply_range_v(n)[1])), 3)
                         for n in nodes])
    clocks = np.array([rng.uniform(50, 1e6 / (10 * FO4_PS * tech_point(n, v).delay_factor))
                       for n, v in zip(nodes, supplies)])
    points = {"tech_node_nm": nodes, "supply_voltage_v": supplies, "clock_mhz": clocks}
    scaled = design_batch(base, points, pe_energy_per_point=True)
    exact = design_batch(base, points)
    layers = layer_batch(hwsim.load_workload("resnet50"))
    for name in ("area_mm2", "leakage_uw", "sram_read_pj_per_bit", "clock_mhz"):
        assert getattr(scaled, name) == pytest.approx(getattr(exact, name), rel=REL)
    for p in range(len(nodes)):
        a = precision_table(scaled.accelerators[scaled.group[p]], layers, None)
        b = precision_table(exact.accelerators[exact.group[p]], layers, None)
        for field in ("energy_per_mac_pj", "energy_per_group_pj", "energy_per_table_pj",
                      "energy_convert_weights_pj", "energy_convert_activations_pj", "energy_per_vector_op_pj"):
            assert np.asarray(getattr(a, field)) * scaled.pe_energy_scale[p] == \
                pytest.approx(np.asarray(getattr(b, field)), rel=REL)


def test_evaluate_compute_energy_follows_the_node(base):
    """Same clock, nodes 45 and 7 nm at their nominal supplies (0.9 and 0.7 V): the same counts, so
    compute energy scales by E7(0.7)/E45(0.9) and the cycles are equal."""
    table = hwsim.evaluate(BASE, "resnet50", pd.DataFrame({"tech_node_nm": [45.0, 7.0]}))
    assert table.total_cycles[1] == table.total_cycles[0]
    assert table.energy_compute_pj[1] / table.energy_compute_pj[0] == \
        pytest.approx(energy_fit(*E7, 0.7) / energy_fit(*E45, 0.9), rel=REL)


def test_simulate_equals_one_point_evaluate_at_its_own_clock_node_and_supply():
    point = {"clock_mhz": 2500.0, "tech_node_nm": 16.0, "supply_voltage_v": 0.8}
    sim = hwsim.simulate(hwsim.load_accelerator(BASE, [f"{k}={v}" for k, v in point.items()]), "resnet50").layers
    ev = hwsim.evaluate(BASE, "resnet50", pd.DataFrame({k: [v] for k, v in point.items()}), per_layer=True)
    for column in sim.columns:
        if sim[column].dtype.kind in "if":
            assert ev[column].to_numpy(dtype=float) == pytest.approx(sim[column].to_numpy(dtype=float), rel=REL,
                                                                     nan_ok=True), column


def test_text_and_list_columns_build_one_accelerator_per_distinct_value(base, builds):
    """600 rows, three distinct weight lists and two multiplier styles: 6 designs, each built once."""
    weights = [["int8"], ["int4", "int8"], ["int8"]] * 200
    style = ["array", "booth4"] * 300
    batch = design_batch(base, {"compute.pe.weights": weights, "compute.pe.multiplier": style})
    assert builds["n"] == 4 and len(batch.accelerators) == 4   # (int8|int4,int8) x (array|booth4)
    for p in (0, 1, 2, 3):
        spec = batch.accelerators[batch.group[p]].spec.compute.pe
        assert (spec.weights, spec.multiplier) == (weights[p], style[p])


def test_a_text_column_of_a_structural_key_groups_by_value(base):
    batch = design_batch(base, {"compute.pe.accumulator": np.array(["int32", "int24", "int32", "int24"], dtype=object)})
    assert batch.group[0] == batch.group[2] != batch.group[1] == batch.group[3]


@pytest.mark.parametrize("points, field, words", [
    # 130 nm at its nominal 1.3 V: 1e6 / (10 FO4 x 16.2 ps x D130(1.3)/D45(0.9)) = 2434 MHz
    ({"tech_node_nm": [45.0, 45.0, 130.0], "clock_mhz": [1000.0, 1000.0, 3000.0]}, "clock_mhz",
     ["points row 2", "3000 MHz is faster than 130 nm logic runs at 1.3 V", "at most 2434 MHz"]),
    ({"supply_voltage_v": [0.9, 1.4]}, "supply_voltage_v",
     ["points row 1", "supply voltage 1.4 V is outside the 45 nm fits' range", "0.50-1.35 V at 45 nm"]),
    ({"tech_node_nm": [45.0, 3.0]}, "tech_node_nm", ["points row 1", "3.0 nm is outside", "5-130 nm"]),
    ({"tech_node_nm": [45.0, np.nan]}, "tech_node_nm", ["points row 1: no value"]),
    ({"clock_mhz": [1000.0, -5.0]}, "clock_mhz", ["points row 1", "greater than or equal to 0.001"]),
    ({"clock_mhz": np.array([1000.0, True], dtype=object)}, "clock_mhz", ["points row 1", "boolean"]),
    ({"clock_mhz": np.array([1000.0, "fast"], dtype=object)}, "clock_mhz", ["points row 1", "text"]),
])
def test_clock_node_and_supply_are_refused_per_row(base, points, field, words):
    for per_point in (True, False):
        with pytest.raises(HwsimInputError) as err:
            design_batch(base, points, pe_energy_per_point=per_point)
        text = str(err.value)
        assert err.value.field == field or f"'{field}'" in text, text
        for word in words:
            assert word in text, text
        assert "\n" not in text


def test_clock_ceiling_by_hand_at_130nm():
    """The fastest clock at 130 nm, its nominal 1.3 V, is 1e6 / (10 x 16.2 x D130(1.3)/D45(0.9)) =
    2434 MHz (at 0.9 V it was 1651 MHz)."""
    fastest = 1e6 / (10 * FO4_PS * delay_fit(*D130, 1.3) / delay_fit(*D45, 0.9))
    assert round(fastest) == 2434
    assert round(1e6 / (10 * FO4_PS * delay_fit(*D130, 0.9) / delay_fit(*D45, 0.9))) == 1651
    base = hwsim.load_accelerator(BASE)
    design_batch(base, {"tech_node_nm": [130.0], "clock_mhz": [fastest * (1 - 1e-9)]}, pe_energy_per_point=True)
    with pytest.raises(HwsimInputError):
        design_batch(base, {"tech_node_nm": [130.0], "clock_mhz": [fastest * (1 + 1e-9)]}, pe_energy_per_point=True)


def test_supply_ranges_over_an_array_equal_each_node_alone():
    nodes = np.array([130.0, 45.0, 28.0, 7.0, 5.0, 6.5])
    lo, hi = supply_ranges_v(nodes)
    assert list(zip(lo, hi)) == [supply_range_v(n) for n in nodes]
    assert (lo[1], hi[1]) == (0.5, 1.35) and (lo[3], hi[3]) == (0.5, 1.29)   # as the one-design refusals name them


def test_supplies_allowed_shortcut_equals_each_nodes_range():
    """The shortcut (a node's fit is a positively weighted sum of its table neighbours') accepts
    and refuses exactly the supplies inside each node's own range, table nodes and edges included."""
    rng = np.random.default_rng(2)
    nodes = np.concatenate([rng.uniform(5, 130, 3000), rng.choice([130.0, 45.0, 32.0, 7.0, 5.0, 6.5], 600)])
    supplies = np.concatenate([rng.uniform(0.3, 2.0, 3000), np.round(rng.uniform(0.3, 2.0, 600), 2)])
    lo, hi = supply_ranges_v(nodes)
    assert (supplies_allowed(nodes, supplies) == ((supplies >= lo) & (supplies <= hi))).all()
    assert supplies_allowed([45.0, 45.0, 45.0], [0.5, 1.35, 1.36]).tolist() == [True, True, False]
