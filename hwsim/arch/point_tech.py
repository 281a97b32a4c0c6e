"""Clock, supply voltage and technology node of every design point, as arrays.

A design batch's points may each have their own clock, supply and node. Nothing about them needs
a validated spec per value: the limits are closed forms over arrays (the node's range, the
supply range of its fits, the fastest clock at node and supply: hwsim/tech/nodes.py,
hwsim/tech/limits.py), and so are the factors that take a cost at 45 nm, 0.9 V to the point.
This module computes both for every point at once; hwsim/arch/design.py decides from them which
points share one priced design (their PE's pipeline depths, hwsim.pe.datapath.stages_at).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.arch.loader import field_range
from hwsim.pe.datapath import reference_clock_mhz
from hwsim.tech.limits import max_clocks_mhz
from hwsim.tech.nodes import (DEFAULT_VDD_V, MAX_NODE_NM, MIN_NODE_NM, area_factors, delay_factors, energy_factors,
                              nominal_vdd_v, supplies_allowed)

TECH_KEYS = ("clock_mhz", "tech_node_nm", "supply_voltage_v")


@dataclass(frozen=True, eq=False)
class PointTech:
    """(P,) arrays: each point's clock, node and supply, and its factors relative to 45 nm, 0.9 V."""

    clock_mhz: np.ndarray
    node_nm: np.ndarray
    vdd_v: np.ndarray
    energy_factor: np.ndarray
    area_factor: np.ndarray
    delay_factor: np.ndarray

    @property
    def leakage_factor(self) -> np.ndarray:
        return self.energy_factor  # leakage scales like energy (hwsim/tech/nodes.py)

    @property
    def reference_clock_mhz(self) -> np.ndarray:
        """Each point's clock at 45 nm, 0.9 V with the same pipeline depths (hwsim/pe/datapath.py)."""
        return reference_clock_mhz(self.clock_mhz, self.delay_factor)


def is_plain_number(value) -> bool:
    """An int or a float, Python's or numpy's, and not a boolean (a Decimal or text is not one)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _numbers(column: np.ndarray) -> np.ndarray:
    """A column's cells as float64, NaN where a cell is not a number (text, a boolean, an empty
    cell): such a cell is then refused like any value out of range."""
    if column.dtype.kind in "iuf":
        return column.astype(np.float64)
    if column.dtype.kind == "b":
        return np.full(len(column), np.nan)
    number = np.fromiter((is_plain_number(v) for v in column), dtype=bool, count=len(column))
    return np.where(number, column, np.nan).astype(np.float64)


def point_tech(clock_mhz: float, node_nm: float, vdd_v: float | None, columns: dict[str, np.ndarray],
               size: int) -> tuple[PointTech, int | None]:
    """Every point's technology: the column where ``columns`` has one, else the base's value (an
    unset supply is each point's node's nominal supply, as for one design); and the first row whose clock,
    node or supply is not allowed (None if every row is), so that the caller can name it."""
    def values(key: str, default: float) -> np.ndarray:
        return _numbers(columns[key]) if key in columns else np.full(size, float(default))

    clock = values("clock_mhz", clock_mhz)
    node = values("tech_node_nm", node_nm)
    if "supply_voltage_v" in columns or vdd_v is not None:
        vdd_given = values("supply_voltage_v", DEFAULT_VDD_V if vdd_v is None else vdd_v)
    else:
        vdd_given = None
    # the factors are closed forms of (node, supply) alone: evaluated once per distinct pair and
    # gathered to the points (a sweep has few nodes and supplies, or a continuous axis of distinct ones)
    pair, first = _distinct_pairs(node, vdd_given)
    vdd, energy, area, delay, vdd_ok = (per_pair[pair] for per_pair in _factors(
        node[first], None if vdd_given is None else vdd_given[first]))
    if vdd_given is not None:
        vdd = vdd_given
    with np.errstate(invalid="ignore"):
        # the floor is the spec field's (clock_mhz: one definition for YAML, --set and these arrays)
        clock_ok = vdd_ok & np.isfinite(clock) & field_range("clock_mhz").ok(clock) & (clock <= max_clocks_mhz(delay))
    bad = np.flatnonzero(~clock_ok)
    return PointTech(clock, node, vdd, energy, area, delay), (int(bad[0]) if len(bad) else None)


def _distinct_pairs(node: np.ndarray, vdd: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(each point's pair index, the first point of each distinct (node, supply) pair), by hashing
    (pandas' factorize: linear time; NaN is a value of its own)."""
    import pandas as pd

    codes, uniques = pd.factorize(node, use_na_sentinel=False)
    if vdd is not None:
        vdd_codes, vdd_uniques = pd.factorize(vdd, use_na_sentinel=False)
        codes, uniques = pd.factorize(codes.astype(np.int64) * len(vdd_uniques) + vdd_codes, use_na_sentinel=False)
    first = np.full(len(uniques), -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)    # the first point of each pair
    return codes, first


def _factors(node: np.ndarray, vdd: np.ndarray | None):
    """(supply (the node's nominal one where ``vdd`` is None), energy factor, area factor, delay
    factor, whether node and supply are allowed) for distinct (node, supply) pairs."""
    with np.errstate(invalid="ignore"):
        node_ok = np.isfinite(node) & (node >= MIN_NODE_NM) & (node <= MAX_NODE_NM)
        safe_node = np.where(node_ok, node, MAX_NODE_NM)
        if vdd is None:  # no supply anywhere: each point's node at its nominal supply, as for one design
            vdd = nominal_vdd_v(safe_node)
        vdd_ok = node_ok & np.isfinite(vdd)
        vdd_ok &= supplies_allowed(safe_node, np.where(vdd_ok, vdd, DEFAULT_VDD_V))
        safe_vdd = np.where(vdd_ok, vdd, DEFAULT_VDD_V)
        delay = delay_factors(safe_node, safe_vdd)
    return vdd, energy_factors(safe_node, safe_vdd), area_factors(safe_node), delay, vdd_ok
