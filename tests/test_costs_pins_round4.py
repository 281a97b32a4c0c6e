"""Round-4 mutation pin on hwsim/costs.py: each published ratio is hwsim's ratio of the quantity it
names (the module's PUBLISHED_RATIOS)."""

from __future__ import annotations

import pytest

from hwsim.costs import published_ratios
from hwsim.formats import parse_format as F
from hwsim.pe.datapath import mac_cost
from hwsim.tech.nodes import tech_point


def test_the_area_ratio_is_of_areas_and_the_energy_ratio_of_energies():
    """Rows 0 and 1: the FP8 (E4M3, FP32 accumulator) MAC over the INT8 (INT32 accumulator) MAC, in
    energy and in area, as hwsim.pe.datapath.mac_cost prices each at 45 nm."""
    tech = tech_point(45)
    fp8 = mac_cost(F("fp8_e4m3"), F("fp8_e4m3"), F("fp32"), tech)
    int8 = mac_cost(F("int8"), F("int8"), F("int32"), tech)
    table = published_ratios(45)
    assert "energy" in table["ratio"][0] and "area" in table["ratio"][1]
    assert table["hwsim"][0] == pytest.approx(fp8.energy_pj / int8.energy_pj, rel=1e-12)
    assert table["hwsim"][1] == pytest.approx(fp8.area_um2 / int8.area_um2, rel=1e-12)
