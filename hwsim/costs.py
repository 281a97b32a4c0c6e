"""Costs of single units outside any accelerator (public API): one MAC PE built for exactly the
given formats, and hwsim's PE ratios beside published ones (the ``ratios`` table of
``hwsim calibrate``).

This module sits on the floor above the PEs (docs/architecture.md, "Floors"): it compares whole
PEs, so it cannot live in hwsim/tech, from which the PEs are built. The technology-only half of
the calibration report (fitted factors, residuals) stays in hwsim/tech/validation.py.

    from hwsim.costs import mac_pe_cost, published_ratios
    mac_pe_cost("int8", "int8", "int32", 45).energy_per_mac_pj   # pJ
    published_ratios()                                            # one row per published ratio
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hwsim.formats import Precision, parse_format
from hwsim.pe.datapath import mac_cost
from hwsim.pe.mac import MacPE
from hwsim.tech import arith
from hwsim.tech.costs import COST_SOURCE, unit_cost
from hwsim.tech.nodes import TechPoint, as_tech_point, tech_point


@dataclass(frozen=True)
class PeCost:
    """One PE's energy per MAC (pJ), silicon area (um2) and static power (uW)."""

    energy_per_mac_pj: float
    area_um2: float
    leakage_uw: float
    source: str = COST_SOURCE


def mac_pe_cost(weights: str, activations: str, accumulator: str, tech: TechPoint | float = 45) -> PeCost:
    """A MAC PE built for exactly ``weights`` x ``activations`` into ``accumulator`` (format names,
    e.g. "int4", "fp8_e4m3", "mxfp4"), unpipelined (no clock, so no pipeline registers), at
    ``tech`` (a TechPoint or a node in nm at the default supply). The same PE ``hwsim pe`` lists;
    a bad format name or accumulator raises HwsimInputError naming it."""
    tech = as_tech_point(tech)
    w, a, acc = parse_format(weights), parse_format(activations), parse_format(accumulator)
    pe = MacPE((w,), (a,), acc)
    return PeCost(pe.energy_per_mac_pj(Precision(w, a, acc), tech).value, pe.area_um2(tech).value,
                  pe.leakage_uw(tech).value)


# (name, published low, published high, source)
PUBLISHED_RATIOS = (
    ("fp8_e4m3 MAC (fp32 acc) / int8 MAC (int32 acc), energy", 1.5, 2.8,
     "van Baalen et al., FP8 versus INT8 (arXiv 2303.17951): FP 50-180% less efficient"),
    ("fp8_e4m3 MAC (fp32 acc) / int8 MAC (int32 acc), area", 1.5, 2.8,
     "van Baalen et al., FP8 versus INT8 (arXiv 2303.17951): FP 50-180% less efficient"),
    ("int8 mult / int8 add, energy", 0.2 / 0.03 * 0.75, 0.2 / 0.03 * 1.25, "Horowitz ISSCC 2014: 6.7x (+-25%)"),
    ("fp16 mult / int8 mult, energy", 1.1 / 0.2 * 0.75, 1.1 / 0.2 * 1.25, "Horowitz ISSCC 2014: 5.5x (+-25%)"),
    ("mxfp4 PE / nvfp4 PE, area", 0.0, 1.0,
     "INT v.s. FP (arXiv 2510.25602): MXFP4 saves ~12% tensor-core area vs NVFP4 (direction checked)"),
)


def published_ratios(node_nm: float = 45) -> pd.DataFrame:
    """hwsim's value of every ratio in PUBLISHED_RATIOS at ``node_nm``, the published range and
    whether the value falls in it. Columns: ratio, hwsim, published_low, published_high, within,
    source."""
    tech = tech_point(node_nm)

    def pe(w: str, a: str, acc: str) -> tuple[float, float]:
        cost = mac_cost(parse_format(w), parse_format(a), parse_format(acc), tech)
        return cost.energy_pj, cost.area_um2

    fp8 = pe("fp8_e4m3", "fp8_e4m3", "fp32")
    int8 = pe("int8", "int8", "int32")
    add8 = unit_cost(arith.int_adder(8), tech).energy_pj
    mult8 = unit_cost(arith.int_multiplier(8, 8), tech).energy_pj
    fp16 = parse_format("fp16")
    fp16_mult = unit_cost(arith.fp_multiplier(fp16, fp16), tech).energy_pj
    values = (fp8[0] / int8[0], fp8[1] / int8[1], mult8 / add8, fp16_mult / mult8,
              pe("mxfp4", "mxfp4", "fp32")[1] / pe("nvfp4", "nvfp4", "fp32")[1])
    rows = [(name, value, low, high, low <= value <= high, source)
            for (name, low, high, source), value in zip(PUBLISHED_RATIOS, values)]
    return pd.DataFrame(rows, columns=["ratio", "hwsim", "published_low", "published_high", "within", "source"])
