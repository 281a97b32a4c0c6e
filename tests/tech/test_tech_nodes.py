"""Technology-node and voltage scaling (Stillmaker & Baas 2017; TSMC N5 vs N7)."""

import csv

import pytest

from hwsim.errors import HwsimInputError
from hwsim.tech.nodes import tech_point

ISSUE_NODES = (45, 40, 32, 28, 22, 16, 14, 10, 7, 5)


def _reference_rows(reference):
    with open(reference / "tech" / "node_scaling_from_45nm.csv") as fh:
        return list(csv.DictReader(fh))


def test_area_factors_equal_the_reference_at_stillmaker_nodes(reference):
    for row in _reference_rows(reference):
        node = float(row["target_node_nm"])
        if node == 28:  # interpolated; see test below
            continue
        assert tech_point(node).area_factor == pytest.approx(float(row["area_factor"]), rel=1e-9)


def test_energy_factors_equal_the_reference_at_equal_voltage_within_1_percent(reference):
    # the reference factors are 0.8 V at both nodes
    base = tech_point(45, 0.8).energy_factor
    for row in _reference_rows(reference):
        if not row["energy_factor"] or float(row["target_node_nm"]) == 28:
            continue
        ratio = tech_point(float(row["target_node_nm"]), 0.8).energy_factor / base
        assert ratio == pytest.approx(float(row["energy_factor"]), rel=0.01)


def test_28nm_lies_between_its_neighbours_weighted_toward_32nm():
    """Linear in node size between 32 and 20 nm: 28 nm is 1/3 of the way to 20 nm."""
    a32, a20 = tech_point(32).area_factor, tech_point(20).area_factor
    assert tech_point(28).area_factor == pytest.approx(a32 + (a20 - a32) * (32 - 28) / (32 - 20), rel=1e-12)
    e32, e20 = tech_point(32).energy_factor, tech_point(20).energy_factor
    assert tech_point(28).energy_factor == pytest.approx(e32 + (e20 - e32) / 3, rel=1e-12)


def test_45nm_at_0p9v_is_the_calibration_point():
    point = tech_point(45)
    assert (point.area_factor, point.energy_factor, point.leakage_factor, point.delay_factor) == (1, 1, 1, 1)


def test_area_and_energy_shrink_with_every_node_step():
    points = [tech_point(n) for n in ISSUE_NODES]
    areas = [p.area_factor for p in points]
    energies = [p.energy_factor for p in points]
    assert areas == sorted(areas, reverse=True) and len(set(areas)) == len(areas)
    assert energies == sorted(energies, reverse=True) and len(set(energies)) == len(energies)


def test_5nm_is_7nm_times_the_tsmc_n5_step():
    assert tech_point(5).area_factor == pytest.approx(tech_point(7).area_factor / 1.84, rel=1e-12)
    assert tech_point(5).energy_factor == pytest.approx(tech_point(7).energy_factor * 0.70, rel=1e-12)


@pytest.mark.parametrize("node", [45, 28, 7])
def test_lower_voltage_lowers_energy(node):
    energies = [tech_point(node, v).energy_factor for v in (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)]
    assert energies == sorted(energies)


@pytest.mark.parametrize("node, vdd, field", [(3, 0.9, "tech_node_nm"), (200, 0.9, "tech_node_nm"),
                                              (7, 0.2, "supply_voltage_v"), (7, 2.5, "supply_voltage_v")])
def test_out_of_range_is_refused(node, vdd, field):
    with pytest.raises(HwsimInputError) as err:
        tech_point(node, vdd)
    assert field in str(err.value) and "allowed" in str(err.value)
