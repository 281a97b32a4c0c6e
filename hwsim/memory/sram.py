"""SRAM buffer energy, area and leakage: a small fitted model with its sources (CACTI-like).

* Energy of a 64-bit read at 45 nm vs. capacity: E64 = 10 pJ * (KiB / 8) ** 0.4746, the power law
  through Horowitz ISSCC 2014's 8 KB (10 pJ) and 1 MB (100 pJ) points; it gives 19.3 pJ at
  32 KB against Horowitz's 20 pJ. A banked buffer pays for one bank's capacity.
* Port width: E(width) = E64 * (width / 64) ** 0.491, the exponent fitted to CACTI 7 (28 nm) for a
  512 KiB SRAM at 256-bit (70.09 pJ) and 1024-bit (138.44 pJ) ports, as recorded from BitMoD's
  simulator in ../shared/reference/bitmod/designs.json.
* Write energy = read energy: those CACTI runs give write/read ratios of 0.74-1.13 (derived).
* Area: 0.354 um^2 per bit at 28 nm, derived: CACTI 7 512 KiB = 1.48456 mm^2 / 4,194,304 bits
  (BitMoD designs.json), scaled to other nodes with the node area factors.
* Leakage: 50 nW per bit at 45 nm (assumption of order of magnitude: a CACTI-style 45 nm 32 KiB
  cache at 12.4 mW; see docs/model-assumptions.md), scaled like dynamic energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hwsim.provenance import Sourced
from hwsim.tech.nodes import TechPoint, as_tech_point, tech_point

_E64_AT_8KIB_PJ = 10.0
_CAPACITY_EXPONENT = math.log(100.0 / 10.0) / math.log(1024 / 8)
_WIDTH_EXPONENT = math.log(138.4416 / 70.0928) / math.log(1024 / 256)
_AREA_UM2_PER_BIT_28NM = 1.48456e6 / 4194304
_LEAKAGE_NW_PER_BIT_45NM = 50.0


@dataclass(frozen=True)
class SramCost:
    read_pj_per_bit: Sourced
    write_pj_per_bit: Sourced
    area_um2: Sourced
    leakage_uw: Sourced


def sram_cost(size_kib: float, banks: int, port_width_bits: int, tech: TechPoint | float) -> SramCost:
    tech = as_tech_point(tech)
    bank_kib = size_kib / banks
    e64 = _E64_AT_8KIB_PJ * (bank_kib / 8.0) ** _CAPACITY_EXPONENT
    access_pj = e64 * (port_width_bits / 64.0) ** _WIDTH_EXPONENT
    energy_factor = tech.energy_factor  # Horowitz's SRAM points are 45 nm, 0.9 V like the factors' reference
    per_bit = access_pj * energy_factor / port_width_bits
    energy_source = ("Horowitz ISSCC 2014 SRAM 8KB/32KB/1MB (capacity power law); CACTI 7 via BitMoD "
                     "designs.json (port-width exponent); derived: per access / port width")
    bits = size_kib * 1024 * 8
    area_factor = tech.area_factor / tech_point(28).area_factor
    area = bits * _AREA_UM2_PER_BIT_28NM * area_factor
    leak_factor = tech.leakage_factor
    leakage = bits * _LEAKAGE_NW_PER_BIT_45NM * 1e-3 * leak_factor
    return SramCost(
        Sourced(per_bit, "pJ/bit", energy_source),
        Sourced(per_bit, "pJ/bit", energy_source + "; write = read (CACTI ratios 0.74-1.13)"),
        Sourced(area, "um2", "derived: CACTI 7 28 nm 512 KiB = 1.48456 mm^2 (BitMoD designs.json) per bit"),
        Sourced(leakage, "uW", "assumption: 50 nW/bit at 45 nm (docs/model-assumptions.md)"),
    )
