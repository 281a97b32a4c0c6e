"""Calibration of the cell model to published unit costs, and its residuals.

Three energy/area factors and one leakage density are fitted, each by least squares in log
space (so over- and under-estimates weigh alike), deterministically at import:

* ``energy_pj_per_um2``: dynamic energy per um^2 of toggling cell, fitted to Horowitz's integer
  add and multiply (8 and 32 bit; ISSCC 2014, 45 nm, 0.9 V);
* ``ieee_adder_factor`` and ``ieee_multiplier_factor``: how much more the FP control logic
  (exponent path, shifters, LZC, rounding, special values) of an FP adder, resp. multiplier,
  spends per um^2 than datapath cells - fitted to Horowitz's FP16/FP32 add, resp. multiply,
  with the integer factor fixed. They stand for what a cell count misses (wide-shifter wiring,
  exception handling) and apply wherever those units appear, fused into a MAC or not; a fused
  MAC differs only in structure (an exact product: no product rounding or normalisation);
* ``area_layout_factor``: placed-and-routed area over summed cell area, fitted to Aladdin's
  40 nm adder, multiplier, register, comparator and shifter (Shao et al., ISCA 2014);
* ``leakage_uw_per_um2``: Aladdin's 40 nm adder and multiplier leakage per um^2 (geometric mean).

The published values are carried here (the tests also check them against
../shared/reference/tech).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from hwsim.formats import FloatFormat
from hwsim.tech import arith
from hwsim.tech.cells import DFF
from hwsim.tech.netlist import Netlist
from hwsim.tech.nodes import tech_point

HOROWITZ = "Horowitz, Computing's Energy Problem, ISSCC 2014 (45 nm, 0.9 V)"
ALADDIN = "Aladdin (Shao et al., ISCA 2014) 40 nm, via Accelergy hwcomponents aladdin.py"

FP16 = FloatFormat(5, 10, "fp16")
FP32 = FloatFormat(8, 23, "fp32")

# (unit, bits, published energy pJ, netlist) - Horowitz ISSCC 2014, 45 nm
HOROWITZ_ENERGY_PJ = {
    ("int_add", 8): 0.03, ("int_add", 32): 0.1,
    ("int_mult", 8): 0.2, ("int_mult", 32): 3.1,
    ("fp_add", 16): 0.4, ("fp_add", 32): 0.9,
    ("fp_mult", 16): 1.1, ("fp_mult", 32): 3.7,
}
# Aladdin 40 nm areas (um^2) at the listed width
ALADDIN_AREA_UM2 = {("adder", 32): 278.0, ("multiplier", 32): 6350.0, ("register", 1): 5.98,
                    ("comparator", 32): 71.0, ("shifter", 32): 250.0}
ALADDIN_LEAKAGE_UW = {("adder", 32): 2.4, ("multiplier", 32): 80.0}
ALADDIN_REGISTER_ENERGY_PJ = 0.009  # per bit per cycle, 40 nm
ALADDIN_NODE_NM = 40


def horowitz_netlist(unit: str, bits: int) -> Netlist:
    fp = {16: FP16, 32: FP32}
    if unit == "int_add":
        return arith.int_adder(bits)
    if unit == "int_mult":
        return arith.int_multiplier(bits, bits, "array")
    if unit == "fp_add":
        return arith.fp_adder(fp[bits])
    return arith.fp_multiplier(fp[bits], fp[bits])


def aladdin_netlist(component: str, bits: int) -> Netlist:
    return {
        "adder": lambda: arith.int_adder(bits),
        "multiplier": lambda: arith.int_multiplier(bits, bits, "array"),
        "register": lambda: arith.register(bits),
        "comparator": lambda: arith.comparator(bits),
        "shifter": lambda: arith.shifter(bits, bits - 1),
    }[component]()


def _logic_area(counts) -> float:
    return sum(cell.area_um2 * n for cell, n in counts.items() if cell is not DFF)


def _geomean(values) -> float:
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values))


@dataclass(frozen=True)
class Calibration:
    energy_pj_per_um2: float
    ieee_adder_factor: float
    ieee_multiplier_factor: float
    area_layout_factor: float
    leakage_uw_per_um2_40nm: float
    register_energy_pj_45nm: float

    def energy_pj_45nm(self, net: Netlist) -> float:
        """Energy at 45 nm, 0.9 V."""
        logic = (_logic_area(net.datapath) + self.ieee_adder_factor * _logic_area(net.ieee_add)
                 + self.ieee_multiplier_factor * _logic_area(net.ieee_mult))
        return self.energy_pj_per_um2 * logic + self.register_energy_pj_45nm * net.all_cells().get(DFF, 0.0)

    def area_um2_45nm(self, net: Netlist) -> float:
        return self.area_layout_factor * sum(c.area_um2 * n for c, n in net.all_cells().items())


def _fit_ieee_factor(k_energy: float, points: list[tuple[Netlist, float]]) -> float:
    """1-D least squares in log space, golden-section search on [0.1, 10]."""
    def error(k_ieee: float) -> float:
        return sum(math.log(k_energy * (_logic_area(n.datapath) + k_ieee * _logic_area(n.ieee_add + n.ieee_mult)) / v)
                   ** 2 for n, v in points)

    lo, hi = math.log(0.1), math.log(10.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(100):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if error(math.exp(a)) < error(math.exp(b)):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    at_40 = tech_point(ALADDIN_NODE_NM)
    register_45 = ALADDIN_REGISTER_ENERGY_PJ / at_40.energy_factor

    int_points = [(k, v) for k, v in HOROWITZ_ENERGY_PJ.items() if k[0].startswith("int")]
    k_energy = _geomean(v / _logic_area(horowitz_netlist(*k).datapath) for k, v in int_points)

    k_ieee = {family: _fit_ieee_factor(k_energy, [(horowitz_netlist(*k), v) for k, v in HOROWITZ_ENERGY_PJ.items()
                                                  if k[0] == family])
              for family in ("fp_add", "fp_mult")}

    cell_area_40 = {k: sum(c.area_um2 * n for c, n in (aladdin_netlist(*k).datapath).items()) * at_40.area_factor
                    for k in ALADDIN_AREA_UM2}
    k_area = _geomean(ALADDIN_AREA_UM2[k] / cell_area_40[k] for k in ALADDIN_AREA_UM2)
    leak = _geomean(ALADDIN_LEAKAGE_UW[k] / ALADDIN_AREA_UM2[k] for k in ALADDIN_LEAKAGE_UW)
    return Calibration(k_energy, k_ieee["fp_add"], k_ieee["fp_mult"], k_area, leak, register_45)
