"""Technology-node and supply-voltage scaling of energy, area, leakage and delay.

Reference point: every primitive cost in hwsim is calibrated at 45 nm and 0.9 V (Horowitz,
ISSCC 2014). A :class:`TechPoint` (node, supply voltage) gives the factors that take a 45 nm /
0.9 V cost to that point. A node without a stated supply runs at its nominal supply
(``nominal_vdd_v``: 7 nm at 0.7 V, 65 nm at 1.1 V, ...).

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

The factors are array functions (``energy_factors``, ``area_factors``, ``delay_factors``,
``supply_ranges_v``) so that a design batch computes them for every design point at once; a
TechPoint is the one-point case, with the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from numbers import Real

import numpy as np

from hwsim.errors import HwsimInputError

REFERENCE_NODE_NM = 45.0
REFERENCE_VDD_V = 0.9  # Horowitz ISSCC 2014 numbers are 45 nm at 0.9 V
DEFAULT_VDD_V = 0.9    # a TechPoint built without a supply: the calibration voltage
MIN_VDD_V, MAX_VDD_V = 0.5, 1.8  # derived: the span of the fits' nominal supplies (7 nm .. 180 nm)

# Nominal supply per node (V), the supply a spec without supply_voltage_v runs at: the Predictive
# Technology Model cards Stillmaker & Baas simulate (Sec. 2: PTM bulk 130-32 nm, PTM-MG multi-gate
# 20-7 nm; "all nominal voltages were taken from the appropriate PTM NMOS model"): 130 nm 1.3 V,
# 90 nm 1.2 V, 65 nm 1.1 V, 32 nm 0.9 V, 20 nm 0.9 V, 16 nm 0.85 V, 14 nm 0.8 V, 10 nm 0.75 V, 7 nm
# 0.7 V. 45 nm: 0.9 V, Horowitz's 45 nm process (ISSCC 2014), the point every cost is calibrated
# at (PTM's 45 nm card is 1.0 V). Between table nodes: linear in node size (derived, as every
# table here); below 7 nm: 7 nm's (the 5 nm factors are 7 nm's times TSMC's N5/N7 steps).
_NOMINAL_VDD_V: dict[float, float] = {
    130: 1.3, 90: 1.2, 65: 1.1, 45: REFERENCE_VDD_V, 32: 0.9, 20: 0.9, 16: 0.85, 14: 0.8, 10: 0.75, 7: 0.7,
}

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
NODE_RANGE_TEXT = f"{MIN_NODE_NM:g}-{MAX_NODE_NM:g} nm (Stillmaker & Baas 130-7 nm; 5 nm from TSMC N5 vs N7)"


# The table nodes, ascending; the area, energy and delay tables share them.
_TABLE_NM = np.array(sorted(_AREA_FROM_45NM), dtype=np.float64)
assert set(_AREA_FROM_45NM) == set(_ENERGY_FIT) == set(_DELAY_FIT) == set(_NOMINAL_VDD_V)


def _coefficients(fits: dict) -> np.ndarray:
    """The fits' coefficients as a (coefficient, table node) array, nodes ascending."""
    return np.array([fits[n] for n in sorted(fits)], dtype=np.float64).T


_AREA_TABLE = np.array([_AREA_FROM_45NM[n] for n in sorted(_AREA_FROM_45NM)], dtype=np.float64)
_NOMINAL_TABLE = np.array([_NOMINAL_VDD_V[n] for n in sorted(_NOMINAL_VDD_V)], dtype=np.float64)
_ENERGY_COEFFICIENTS = _coefficients(_ENERGY_FIT)
_DELAY_COEFFICIENTS = _coefficients(_DELAY_FIT)


def _energy_at(coeffs, vdd):
    a, b, c = coeffs
    return a * vdd * vdd + b * vdd + c


def _delay_at(coeffs, vdd):
    a, b, c, d = coeffs
    return ((a * vdd + b) * vdd + c) * vdd + d


def _node_weights(node_nm: np.ndarray, n5_step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index of the larger table neighbour, its weight, the smaller neighbour's weight) of every
    node in 5-130 nm, for a quantity whose N5/N7 step is ``n5_step``. A table node takes its entry;
    a node between two table nodes is linear in node size between them; below 7 nm, the 7 nm
    value (then the smaller neighbour) times the N5/N7 step, interpolated linearly in node
    (derived): every case is a weighted sum of the two neighbours."""
    above = np.clip(np.searchsorted(_TABLE_NM, node_nm, side="left"), 1, len(_TABLE_NM) - 1)
    larger, smaller = _TABLE_NM[above], _TABLE_NM[above - 1]
    w = (larger - node_nm) / (larger - smaller)
    w7 = (7.0 - node_nm) / 2.0
    below_7, at_smaller, at_larger = node_nm < 7, node_nm == smaller, node_nm == larger
    weight_larger = np.where(below_7 | at_smaller, 0.0, np.where(at_larger, 1.0, 1 - w))
    weight_smaller = np.where(below_7, (1 - w7) + w7 * n5_step,
                              np.where(at_smaller, 1.0, np.where(at_larger, 0.0, w)))
    return above, weight_larger, weight_smaller


def _node_values(node_nm: np.ndarray, at_entry, n5_step: float) -> np.ndarray:
    """A table quantity at every node of ``node_nm``: ``at_entry(j)`` gives it at table nodes
    ``j`` (ascending; an index array shaped like ``node_nm``, broadcast against any voltages)."""
    above, weight_larger, weight_smaller = _node_weights(node_nm, n5_step)
    return weight_larger * at_entry(above) + weight_smaller * at_entry(above - 1)


_ENERGY_AT_REFERENCE = float(_energy_at(_ENERGY_FIT[REFERENCE_NODE_NM], REFERENCE_VDD_V))
_DELAY_AT_REFERENCE = float(_delay_at(_DELAY_FIT[REFERENCE_NODE_NM], REFERENCE_VDD_V))


def area_factors(node_nm) -> np.ndarray:
    """Area relative to 45 nm at every node of ``node_nm`` (an array; nodes checked by the caller)."""
    node_nm = np.asarray(node_nm, dtype=np.float64)
    return _node_values(node_nm, lambda j: _AREA_TABLE[j], _N5_AREA_VS_N7)


def nominal_vdd_v(node_nm) -> np.ndarray:
    """The nominal supply (V) at every node of ``node_nm`` (an array of nodes in 5-130 nm), rounded
    to 1e-9 V so that a node between two equal table supplies (28 nm: 0.9 V) gets exactly that."""
    node_nm = np.asarray(node_nm, dtype=np.float64)
    return np.round(_node_values(node_nm, lambda j: _NOMINAL_TABLE[j], 1.0), 9)


def energy_factors(node_nm, vdd_v) -> np.ndarray:
    """Dynamic energy per operation (and leakage power) relative to 45 nm, 0.9 V, per point
    (``node_nm`` and ``vdd_v`` broadcast: nodes (U, 1) against voltages (1, S) give a grid)."""
    node_nm, vdd_v = np.asarray(node_nm, dtype=np.float64), np.asarray(vdd_v, dtype=np.float64)
    here = _node_values(node_nm, lambda j: _energy_at(_ENERGY_COEFFICIENTS[:, j], vdd_v), _N5_ENERGY_VS_N7)
    return here / _ENERGY_AT_REFERENCE


def delay_factors(node_nm, vdd_v) -> np.ndarray:
    """Gate delay relative to 45 nm, 0.9 V, per point (broadcast as ``energy_factors``)."""
    node_nm, vdd_v = np.asarray(node_nm, dtype=np.float64), np.asarray(vdd_v, dtype=np.float64)
    here = _node_values(node_nm, lambda j: _delay_at(_DELAY_COEFFICIENTS[:, j], vdd_v), _N5_DELAY_VS_N7)
    return here / _DELAY_AT_REFERENCE


@dataclass(frozen=True)
class TechPoint:
    """A technology node (nm) and a supply voltage (V); factors are relative to 45 nm, 0.9 V."""

    node_nm: float
    vdd_v: float = DEFAULT_VDD_V

    def __post_init__(self) -> None:
        if not (isinstance(self.node_nm, (int, float)) and math.isfinite(self.node_nm)
                and MIN_NODE_NM <= self.node_nm <= MAX_NODE_NM):
            raise HwsimInputError(f"technology node {self.node_nm} nm is outside the sourced scaling range",
                                  field="tech_node_nm", allowed=NODE_RANGE_TEXT)
        lo, hi = supply_range_v(self.node_nm)
        if not (isinstance(self.vdd_v, (int, float)) and lo <= self.vdd_v <= hi):
            raise HwsimInputError(f"supply voltage {self.vdd_v} V is outside the {self.node_nm:g} nm fits' range",
                                  field="supply_voltage_v", allowed=f"{lo:.2f}-{hi:.2f} V at {self.node_nm:g} nm")

    @cached_property
    def area_factor(self) -> float:
        return float(area_factors(self.node_nm))

    @cached_property
    def energy_factor(self) -> float:
        return float(energy_factors(self.node_nm, self.vdd_v))

    @property
    def leakage_factor(self) -> float:
        return self.energy_factor

    @cached_property
    def delay_factor(self) -> float:
        return float(delay_factors(self.node_nm, self.vdd_v))


_VDD_STEP_V = 0.01
_VDD_STEPS = int(round((MAX_VDD_V - MIN_VDD_V) / _VDD_STEP_V))
_VDD_GRID_V = MIN_VDD_V + np.arange(_VDD_STEPS + 1) * _VDD_STEP_V
_VDD_NEXT_V = np.minimum(_VDD_GRID_V + _VDD_STEP_V, MAX_VDD_V)
_VDD_GRID_ROUNDED_V = tuple(round(float(v), 2) for v in _VDD_GRID_V)
_RANGE_BLOCK_NODES = 1024  # nodes per block of the voltage grid (bounds its memory)
# each fit at every table node, on the grid's supplies and one step above: (fit on the grid (table
# node, supply), its value at the reference, its N5/N7 step); a node's value is its neighbours'
# weighted sum, as _node_values computes it
_FITS_ON_GRID = tuple((fit(coefficients[:, :, None], vdd[None, :]), reference, n5_step)
                      for fit, coefficients, reference, n5_step in (
                          (_energy_at, _ENERGY_COEFFICIENTS, _ENERGY_AT_REFERENCE, _N5_ENERGY_VS_N7),
                          (_delay_at, _DELAY_COEFFICIENTS, _DELAY_AT_REFERENCE, _N5_DELAY_VS_N7))
                      for vdd in (_VDD_GRID_V, _VDD_NEXT_V))


def supply_ranges_v(node_nm) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) supply per node of ``node_nm`` (an array of nodes in 5-130 nm): the
    supplies where the node's fits still describe a real device: within 0.5-1.8 V, energy and delay
    positive at the supply and one 10 mV step above (derived: a cubic delay fit turns negative past
    its data, e.g. 7 nm at 1.8 V gave -698 MHz; the fits are not monotone everywhere, e.g. 32 nm HP
    near 0.85 V, so only the sign is required); the first run of such supplies on a 10 mV grid."""
    node_nm = np.asarray(node_nm, dtype=np.float64).reshape(-1)
    lo = np.empty(len(node_nm))
    hi = np.empty(len(node_nm))
    rounded = np.array(_VDD_GRID_ROUNDED_V)
    steps = np.arange(len(_VDD_GRID_V))
    for begin in range(0, len(node_nm), _RANGE_BLOCK_NODES):
        nodes = node_nm[begin:begin + _RANGE_BLOCK_NODES]
        valid = np.ones((len(nodes), len(_VDD_GRID_V)), dtype=bool)
        for on_grid, reference, n5_step in _FITS_ON_GRID:
            above, weight_larger, weight_smaller = _node_weights(nodes, n5_step)
            for j in np.unique(above):  # nodes between the same two table nodes: two rows of the grid
                rows = np.flatnonzero(above == j)
                here = weight_larger[rows, None] * on_grid[j] + weight_smaller[rows, None] * on_grid[j - 1]
                valid[rows] &= here / reference > 0
        first = np.argmax(valid, axis=1)
        ends = ~valid & (steps[None, :] > first[:, None])
        last = np.where(ends.any(axis=1), np.argmax(ends, axis=1) - 1, len(_VDD_GRID_V) - 1)
        none = ~valid.any(axis=1)
        lo[begin:begin + len(nodes)] = np.where(none, REFERENCE_VDD_V, rounded[first])
        hi[begin:begin + len(nodes)] = np.where(none, REFERENCE_VDD_V, rounded[last])
    return lo, hi


def _safe_steps() -> np.ndarray:
    """Per table interval (indexed by its larger node, as _node_weights gives it): how many grid
    supplies from 0.5 V up are valid at both of its table nodes."""
    valid = np.ones((len(_TABLE_NM), len(_VDD_GRID_V)), dtype=bool)
    for on_grid, reference, _ in _FITS_ON_GRID:
        valid &= on_grid / reference > 0
    both = valid[1:] & valid[:-1]
    steps = np.where(both.all(axis=1), len(_VDD_GRID_V), np.argmin(both, axis=1))
    return np.concatenate([[0], steps])


_SAFE_STEPS = _safe_steps()


def supplies_allowed(node_nm, vdd_v) -> np.ndarray:
    """Whether each supply of ``vdd_v`` lies in its node's range (``supply_ranges_v``; nodes in
    5-130 nm). Derived shortcut: a node's fit is a positively weighted sum of its two table
    neighbours' (below 7 nm a positive multiple of 7 nm's), so it is positive wherever both of
    theirs are; a supply is then allowed outright when every grid supply from 0.5 V up to it is
    valid at both neighbours (the node's first run starts at 0.5 V and reaches it). Only the other
    points' nodes are put on the grid."""
    node_nm, vdd_v = np.broadcast_arrays(np.asarray(node_nm, dtype=np.float64), np.asarray(vdd_v, dtype=np.float64))
    above = np.clip(np.searchsorted(_TABLE_NM, node_nm, side="left"), 1, len(_TABLE_NM) - 1)
    reaches = np.searchsorted(np.array(_VDD_GRID_ROUNDED_V), vdd_v, side="left")  # first grid supply >= it
    allowed = (vdd_v >= _VDD_GRID_ROUNDED_V[0]) & (reaches < _SAFE_STEPS[above])
    rest = np.flatnonzero(~allowed)
    if len(rest):
        nodes, where = np.unique(node_nm[rest], return_inverse=True)
        lo, hi = supply_ranges_v(nodes)
        where = where.reshape(-1)
        allowed[rest] = (vdd_v[rest] >= lo[where]) & (vdd_v[rest] <= hi[where])
    return allowed


@lru_cache(maxsize=256)
def supply_range_v(node_nm: float) -> tuple[float, float]:
    """(lowest, highest) supply at one node (``supply_ranges_v``)."""
    lo, hi = supply_ranges_v(np.array([float(node_nm)]))
    return float(lo[0]), float(hi[0])


def tech_point(node_nm: float, vdd_v: float | None = None) -> TechPoint:
    """The node at ``vdd_v``, or at its nominal supply (``nominal_vdd_v``) when that is None."""
    for name, value in (("tech_node_nm", node_nm), ("supply_voltage_v", vdd_v)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):   # numpy bool is no Real
            raise HwsimInputError(f"{value!r} is not a number", field=name, allowed="a number (float(text) is not read)")
    if vdd_v is None:
        node = float(node_nm)
        in_range = math.isfinite(node) and MIN_NODE_NM <= node <= MAX_NODE_NM
        # a node out of range is refused by TechPoint, naming tech_node_nm
        vdd_v = float(nominal_vdd_v(node)) if in_range else DEFAULT_VDD_V
    return _tech_point(float(node_nm), float(vdd_v))


@lru_cache(maxsize=1024)  # immutable; its factors are computed once per (node, supply)
def _tech_point(node_nm: float, vdd_v: float) -> TechPoint:
    return TechPoint(node_nm, vdd_v)


def as_tech_point(tech: "TechPoint | float") -> TechPoint:
    """A TechPoint, or a bare node in nm at its nominal supply."""
    return tech if isinstance(tech, TechPoint) else tech_point(tech)

