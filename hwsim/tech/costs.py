"""Cost of a netlist at a technology point: energy per operation, area, leakage, delay."""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.tech.calibration import ALADDIN_NODE_NM, calibration
from hwsim.tech.cells import FO4_PS_AT_45NM
from hwsim.tech.netlist import Netlist
from hwsim.tech.nodes import TechPoint, tech_point

COST_SOURCE = ("cell counts (Nangate 45 nm areas) calibrated to Horowitz ISSCC 2014 energies and Aladdin "
               "40 nm areas/leakage (hwsim/tech/calibration.py), scaled by Stillmaker & Baas 2017")


@dataclass(frozen=True)
class UnitCost:
    energy_pj: float    # dynamic energy per operation
    area_um2: float
    leakage_uw: float
    delay_ns: float     # critical path, unpipelined

    def __add__(self, other: "UnitCost") -> "UnitCost":
        """Two units in series on one path (a MAC is a multiplier then an accumulator)."""
        return UnitCost(self.energy_pj + other.energy_pj, self.area_um2 + other.area_um2,
                        self.leakage_uw + other.leakage_uw, self.delay_ns + other.delay_ns)

    def per_operation(self, operations: float) -> "UnitCost":
        """Energy shared by ``operations`` operations (area, leakage, delay unchanged)."""
        return UnitCost(self.energy_pj / operations, self.area_um2, self.leakage_uw, self.delay_ns)


def unit_cost(net: Netlist, tech: TechPoint) -> UnitCost:
    cal = calibration()
    area_45 = cal.area_um2_45nm(net)
    at_40 = tech_point(ALADDIN_NODE_NM)  # Aladdin's leakage is at its own (nominal) supply
    leakage = cal.leakage_uw_per_um2_40nm * area_45 * at_40.area_factor * tech.leakage_factor / at_40.leakage_factor
    return UnitCost(
        energy_pj=cal.energy_pj_45nm(net) * tech.energy_factor,
        area_um2=area_45 * tech.area_factor,
        leakage_uw=leakage,
        delay_ns=net.depth_fo4 * FO4_PS_AT_45NM * tech.delay_factor / 1000.0,
    )
