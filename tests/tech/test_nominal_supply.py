"""A spec without supply_voltage_v runs at its node's nominal supply (hwsim/tech/nodes.py: the PTM
cards Stillmaker & Baas simulate; 45 nm at Horowitz's 0.9 V), and the run summary reports power."""

import json

import numpy as np
import pytest

import hwsim
from hwsim.cli import main
from hwsim.tech.nodes import nominal_vdd_v, tech_point


def energy_fit(a, b, c, v):
    """Stillmaker & Baas E(V) = a V^2 + b V + c."""
    return a * v * v + b * v + c


E45, E7, E65 = (1.103, -0.362, 0.2767), (0.1776, -0.09097, 0.02447), (3.755, -4.398, 1.975)


def test_nominal_supply_per_node_by_hand():
    # PTM bulk 130/90/65/32 nm, PTM-MG 20/16/14/10/7 nm, Horowitz's 45 nm
    table = {130: 1.3, 90: 1.2, 65: 1.1, 45: 0.9, 32: 0.9, 20: 0.9, 16: 0.85, 14: 0.8, 10: 0.75, 7: 0.7}
    assert nominal_vdd_v(np.array(list(table), dtype=float)).tolist() == list(table.values())
    # between table nodes, linear in node size: 28 nm between 32 and 20 (both 0.9 V) is exactly 0.9 V;
    # 12 nm halfway between 14 (0.8) and 10 (0.75): 0.775 V; 40 nm: 5/13 of the way from 45 to 32 nm,
    # both 0.9 V; 50 nm: 1/4 of the way from 45 (0.9) to 65 (1.1): 0.95 V; below 7 nm, 7 nm's 0.7 V
    assert nominal_vdd_v(np.array([28.0, 12.0, 50.0, 5.0, 6.0])).tolist() == pytest.approx([0.9, 0.775, 0.95, 0.7, 0.7],
                                                                                         abs=1e-12)
    assert nominal_vdd_v(28.0) == 0.9
    assert tech_point(7).vdd_v == 0.7 and tech_point(7, 0.9).vdd_v == 0.9


def test_a_7nm_preset_without_a_supply_runs_at_0p7_volts():
    accel = hwsim.load_accelerator("systolic-hbm2")          # 7 nm, no supply_voltage_v
    assert accel.info()["supply_voltage_v"] == 0.7
    # E7(0.7) / E45(0.9) = 0.047815 / 0.84433 = 0.05663
    assert accel.tech.energy_factor == pytest.approx(energy_fit(*E7, 0.7) / energy_fit(*E45, 0.9), rel=1e-12)
    assert accel.tech.energy_factor == pytest.approx(0.05663, rel=1e-3)
    # the same design at 0.9 V, as it was priced before: the PE energy at 0.7 V is E7(0.7)/E7(0.9) of it
    at_09 = hwsim.load_accelerator("systolic-hbm2", ["supply_voltage_v=0.9"])
    precision = accel.default_precision
    ratio = accel.pe.record(precision, accel.tech).energy_per_mac_pj / \
        at_09.pe.record(precision, at_09.tech).energy_per_mac_pj
    assert ratio == pytest.approx(energy_fit(*E7, 0.7) / energy_fit(*E7, 0.9), rel=1e-9)


def test_65nm_runs_at_1p1_volts_and_a_stated_supply_is_kept():
    stripes = hwsim.load_accelerator("stripes-like")       # 65 nm, no supply: 1.1 V
    assert stripes.info()["supply_voltage_v"] == 1.1
    assert stripes.tech.energy_factor == pytest.approx(energy_fit(*E65, 1.1) / energy_fit(*E45, 0.9), rel=1e-12)
    assert hwsim.load_accelerator("eyeriss-like").info()["supply_voltage_v"] == 1.0   # 65 nm, stated 1.0 V
    # 45 nm without a supply is the calibration point: Horowitz's energies apply unscaled
    assert hwsim.load_accelerator("scalesim-default").tech.energy_factor == 1.0


def test_the_run_summary_reports_power(capsys):
    assert main(["run", "tpu-v1-like", "resnet50", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    # power = energy / latency; the energy holds static power x latency (the leakage term)
    assert summary["power_w"] == pytest.approx(summary["energy_pj"] * 1e-12 / summary["latency_s"], rel=1e-12)
    static_w = hwsim.load_accelerator("tpu-v1-like").leakage_uw * 1e-6
    assert summary["power_w"] > static_w
    # the static energy is the leakage part plus the idle floor's (tpu-v1-like has one: 27.34 W)
    parts = summary["energy_breakdown_pj"]
    assert parts["idle_floor"] * 1e-12 / summary["latency_s"] == pytest.approx(27.34, rel=1e-9)
    assert (parts["leakage"] + parts["idle_floor"]) * 1e-12 / summary["latency_s"] == pytest.approx(static_w,
                                                                                                    rel=1e-9)
