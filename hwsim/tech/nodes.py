"""Technology-node and supply-voltage scaling of energy, area, leakage and delay.

Reference point: every primitive cost in hwsim is calibrated at 45 nm and 0.9 V (Horowitz,
ISSCC 2014). A :class:`TechPoint` (node, supply voltage) gives the factors that take a 45 nm /
0.9 V cost to that point.

Sources, per quantity:

* Area: Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS device
  performance from 180 nm to 7 nm", Integration 58 (2017), area scaling table (45 nm row).
* Energy: the same paper's fitted polynomials E(V) = a V^2 + b V + c per node. The device
  flavour per node is the one Accelergy's hwcomponents library uses (low-power fits at 45 and
  32 nm, high-performance fits at 20 nm and below), so that at equal voltage hwsim's factors
  equal ../shared/reference/tech/node_scaling_from_45nm.csv at 32 and 7 nm.
* Delay: the paper's cubic delay fits D(V), high-performance flavour at every node (the
  low-power 45/32 nm fits describe near-threshold operation at 0.8-0.9 V, ~6x slower, which no
  accelerator in hwsim's scope uses).
* Leakage power: scaled like energy per operation (Accelergy's convention; derived).
* Nodes between the paper's nodes (40, 28, 22, 12 nm ...): linear interpolation in node size
  between the two neighbours (derived). Accelergy's implementation weights the neighbours the
  wrong way round (a 31 nm node comes out almost as 20 nm); the 28 nm row of the reference CSV
  inherits that (0.367 energy, 0.293 area); hwsim uses the right weights (0.513, 0.377 at 0.8 V);
  see docs/models/pe-costs.md.
* 5 nm: TSMC N5 against N7: 1.84x logic density (area x 1/1.84) and ~30% lower power at the
  same speed (energy x 0.70) (TSMC 5 nm technology page; WikiChip, March 2020). Nodes below
  5 nm or above 130 nm are refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from hwsim.errors import HwsimInputError

REFERENCE_NODE_NM = 45.0
REFERENCE_VDD_V = 0.9  # Horowitz ISSCC 2014 numbers are 45 nm at 0.9 V
DEFAULT_VDD_V = 0.9    # derived: the calibration voltage, so 45 nm reproduces the published table
MIN_VDD_V, MAX_VDD_V = 0.5, 1.8  # derived: the span of the fits' nominal supplies (7 nm .. 180 nm)

# Area relative to 45 nm (Stillmaker & Baas 2017, area table, 45 nm row).
_AREA_FROM_45NM: dict[float, float] = {
    130: 6.4, 90: 2.8, 65: 1.5, 45: 1.0, 32: 0.46, 20: 0.21, 16: 0.19, 14: 0.17,
    10: 0.1, 7: 0.059,
}

# Energy fit coefficients (a, b, c) of E(V) = a V^2 + b V + c (Stillmaker & Baas 2017), with
# Accelergy's flavour choice: LP at 45/32 nm, HP at 20-7 nm; 130-65 nm have a single fit.
_ENERGY_FIT: dict[float, tuple[float, float, float]] = {
    130: (7.171, -6.709, 2.904),
    90: (4.762, -4.781, 2.092),
    65: (3.755, -4.398, 1.975),
    45: (1.103, -0.362, 0.2767),     # LP45
    32: (0.9559, -0.7823, 0.471),    # LP32
    20: (0.373, -0.1582, 0.04104),   # HP20
    16: (0.2958, -0.1241, 0.03024),  # HP16
    14: (0.2363, -0.09675, 0.02239),  # HP14
    10: (0.2068, -0.09311, 0.02375),  # HP10
    7: (0.1776, -0.09097, 0.02447),  # HP7
}

# Delay fit coefficients (a, b, c, d) of D(V) = a V^3 + b V^2 + c V + d, HP flavour
# (Stillmaker & Baas 2017); 130-65 nm have a single fit.
_DELAY_FIT: dict[float, tuple[float, float, float, float]] = {
    130: (-76.65, 334.9, -493.4, 275.8),
    90: (-60.34, 262.5, -384.2, 210.9),
    65: (-53.3, 230.4, -333.9, 178.6),
    45: (-501.6, 1567.0, -1619.0, 566.1),  # HP45
    32: (-1047.0, 2982.0, -2797.0, 873.5),  # HP32
    20: (0.0, 34.63, -66.37, 41.15),       # HP20
    16: (0.0, 24.8, -47.52, 28.87),        # HP16
    14: (-40.66, 109.2, -100.6, 35.92),    # HP14
    10: (-34.95, 93.65, -85.99, 30.4),     # HP10
    7: (-28.58, 76.6, -70.26, 24.69),      # HP7
}

# TSMC N5 vs N7 (TSMC 5 nm technology page; WikiChip 2020): density 1.84x, power -30% iso-speed.
_N5_AREA_VS_N7 = 1 / 1.84
_N5_ENERGY_VS_N7 = 0.70
_N5_DELAY_VS_N7 = 1 / 1.15  # "15% speed improvement" at iso-power
MIN_NODE_NM, MAX_NODE_NM = 5.0, 130.0


def _neighbours(node_nm: float, table: dict) -> tuple[float, float, float]:
    """(larger node, smaller node, weight of the smaller) for linear interpolation in node size."""
    nodes = sorted(table, reverse=True)
    for larger, smaller in zip(nodes, nodes[1:]):
        if smaller <= node_nm <= larger:
            return larger, smaller, (larger - node_nm) / (larger - smaller)
    raise AssertionError("node range checked by the caller")


def _interpolate(node_nm: float, table: dict, fn) -> float:
    if node_nm in table:
        return fn(table[node_nm])
    larger, smaller, w = _neighbours(node_nm, table)
    return (1 - w) * fn(table[larger]) + w * fn(table[smaller])


def _energy_at(coeffs: tuple[float, float, float], vdd: float) -> float:
    a, b, c = coeffs
    return a * vdd * vdd + b * vdd + c


def _delay_at(coeffs: tuple[float, float, float, float], vdd: float) -> float:
    a, b, c, d = coeffs
    return ((a * vdd + b) * vdd + c) * vdd + d


@dataclass(frozen=True)
class TechPoint:
    """A technology node (nm) and a supply voltage (V); factors are relative to 45 nm, 0.9 V."""

    node_nm: float
    vdd_v: float = DEFAULT_VDD_V

    def __post_init__(self) -> None:
        if not (isinstance(self.node_nm, (int, float)) and math.isfinite(self.node_nm)
                and MIN_NODE_NM <= self.node_nm <= MAX_NODE_NM):
            raise HwsimInputError(f"technology node {self.node_nm} nm is outside the sourced scaling range",
                                  field="tech_node_nm",
                                  allowed=f"{MIN_NODE_NM:g}-{MAX_NODE_NM:g} nm (Stillmaker & Baas 130-7 nm; "
                                          "5 nm from TSMC N5 vs N7)")
        lo, hi = supply_range_v(self.node_nm)
        if not (isinstance(self.vdd_v, (int, float)) and lo <= self.vdd_v <= hi):
            raise HwsimInputError(f"supply voltage {self.vdd_v} V is outside the {self.node_nm:g} nm fits' range",
                                  field="supply_voltage_v", allowed=f"{lo:.2f}-{hi:.2f} V at {self.node_nm:g} nm")

    # Below 7 nm everything is the 7 nm value times the N5/N7 step, interpolated linearly in node.
    def _below_7(self, at_7: float, n5_step: float) -> float:
        w = (7.0 - self.node_nm) / 2.0
        return at_7 * ((1 - w) + w * n5_step)

    def _node_value(self, table: dict, fn, n5_step: float) -> float:
        if self.node_nm < 7:
            return self._below_7(fn(table[7]), n5_step)
        return _interpolate(self.node_nm, table, fn)

    @property
    def area_factor(self) -> float:
        return self._node_value(_AREA_FROM_45NM, lambda v: v, _N5_AREA_VS_N7)

    def _fit_factor(self, fits: dict, at, n5_step: float) -> float:
        """A voltage fit evaluated here, relative to the 45 nm / 0.9 V reference point."""
        here = self._node_value(fits, lambda c: at(c, self.vdd_v), n5_step)
        return here / at(fits[REFERENCE_NODE_NM], REFERENCE_VDD_V)

    @property
    def energy_factor(self) -> float:
        return self._fit_factor(_ENERGY_FIT, _energy_at, _N5_ENERGY_VS_N7)

    @property
    def leakage_factor(self) -> float:
        return self.energy_factor

    @property
    def delay_factor(self) -> float:
        return self._fit_factor(_DELAY_FIT, _delay_at, _N5_DELAY_VS_N7)


_VDD_STEP_V = 0.01


@lru_cache(maxsize=256)
def supply_range_v(node_nm: float) -> tuple[float, float]:
    """The supplies where this node's fits still describe a real device: within 0.5-1.8 V,
    energy and delay positive (derived: a cubic delay fit turns negative past its data, e.g. 7 nm
    at 1.8 V gave -698 MHz; the fits are not monotone everywhere, e.g. 32 nm HP near 0.85 V, so
    only the sign is required)."""
    probe = TechPoint.__new__(TechPoint)
    object.__setattr__(probe, "node_nm", float(node_nm))
    valid = []
    steps = int(round((MAX_VDD_V - MIN_VDD_V) / _VDD_STEP_V))
    for i in range(steps + 1):
        v = MIN_VDD_V + i * _VDD_STEP_V
        object.__setattr__(probe, "vdd_v", v)
        d0, e0 = probe.delay_factor, probe.energy_factor
        object.__setattr__(probe, "vdd_v", min(v + _VDD_STEP_V, MAX_VDD_V))
        d1, e1 = probe.delay_factor, probe.energy_factor
        valid.append(d0 > 0 and d1 > 0 and e0 > 0 and e1 > 0)
    if not any(valid):
        return (REFERENCE_VDD_V, REFERENCE_VDD_V)
    first = valid.index(True)
    last = first
    while last + 1 < len(valid) and valid[last + 1]:
        last += 1
    return (round(MIN_VDD_V + first * _VDD_STEP_V, 2), round(MIN_VDD_V + last * _VDD_STEP_V, 2))


def tech_point(node_nm: float, vdd_v: float | None = None) -> TechPoint:
    return TechPoint(float(node_nm), DEFAULT_VDD_V if vdd_v is None else float(vdd_v))


def as_tech_point(tech: "TechPoint | float") -> TechPoint:
    """A TechPoint, or a bare node in nm at the default supply voltage."""
    return tech if isinstance(tech, TechPoint) else tech_point(tech)

