"""SRAM buffer energy, area and leakage: a small fitted model with its sources (CACTI-like).

Vectorised: every argument may be a numpy array over design points (scalars work too).

* Energy of a 64-bit read at 45 nm vs. capacity: E64 = 10 pJ * (KiB / 8) ** 0.4746, the power law
  through Horowitz ISSCC 2014's 8 KB (10 pJ) and 1 MB (100 pJ) points; it gives 19.3 pJ at
  32 KB against Horowitz's 20 pJ.
* Port width: E(width) = E64 * (width / 64) ** 0.491, the exponent fitted to CACTI 7 (28 nm) for a
  512 KiB SRAM at 256-bit (70.09 pJ) and 1024-bit (138.44 pJ) ports, as recorded from BitMoD's
  simulator in ../shared/reference/bitmod/designs.json.
* Banks: more banks at the same capacity cost periphery and H-tree, never save energy: access
  energy x banks ** 0.164 and area x (banks / 8) ** 0.175, the exponents fitted to CACTI 7
  (HewlettPackard/cacti @1ffd8df, 45 nm itrs-hp, 512 KiB, 64 B port; our runs): 1 bank 1.83 mm2 /
  0.206 nJ, 32 banks 3.36 mm2 / 0.364 nJ. (The 28 nm area anchor below has 8 banks.)
* Port area: x (width / 256) ** 0.145, fitted to the same CACTI 7 runs (1 bank, 8 B port
  1.58 mm2, 128 B port 2.36 mm2).
* Bandwidth: banks x port width bits per cycle reach the array (one access per bank per cycle).
* Write energy = read energy: those CACTI runs give write/read ratios of 0.74-1.13 (derived).
* Area: 0.354 um^2 per bit at 28 nm, derived: CACTI 7 512 KiB, 8 banks, 256-bit port =
  1.48456 mm^2 / 4,194,304 bits (BitMoD designs.json), scaled to other nodes with the node area
  factors.
* Published per-access costs (``buffers.<role>.read_pj_per_access`` / ``write_pj_per_access`` with
  ``write_access_bits``, e.g. CACTI's figures for the exact macro): read energy per bit = read cost
  / port width, write energy per bit = write cost / write access width, used as given (no node
  or voltage scaling: a published figure is at its own node); a buffer without them keeps the
  model above.
* Leakage per bit at 45 nm, 300 K, subthreshold + gate, CACTI 7 (tech_params/45nm.dat I_off and
  I_g_on, cell formula in mat.cc: P = Vdd * I * 3.965 F): itrs-hp cells 52.7 nW/bit, itrs-lop
  cells 2.2 nW/bit (our CACTI 7 1 MB runs: HP 53 + 3, LOP 0.53 + 1.9 nW/bit); scaled to other
  nodes like dynamic energy (Accelergy's convention; an approximation: CACTI's own HP/LOP ratio
  shrinks to ~4-5x at 32-28 nm). The cell flavour is the spec's ``buffers.sram_cell``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hwsim.provenance import Sourced
from hwsim.tech.nodes import TechPoint, as_tech_point, tech_point

_E64_AT_8KIB_PJ = 10.0
_CAPACITY_EXPONENT = math.log(100.0 / 10.0) / math.log(1024 / 8)
_WIDTH_EXPONENT = math.log(138.4416 / 70.0928) / math.log(1024 / 256)
_BANK_ENERGY_EXPONENT = math.log(0.364 / 0.206) / math.log(32)
_BANK_AREA_EXPONENT = math.log(3.36 / 1.83) / math.log(32)
_PORT_AREA_EXPONENT = math.log(2.36 / 1.58) / math.log(128 / 8)
_AREA_ANCHOR_BANKS = 8
_AREA_ANCHOR_PORT_BITS = 256
_AREA_UM2_PER_BIT_28NM = 1.48456e6 / 4194304
LEAKAGE_NW_PER_BIT_45NM = {"hp": 52.7, "lop": 2.2}
_AREA_FACTOR_28NM = tech_point(28).area_factor


@dataclass(frozen=True)
class SramArrays:
    """Per-design SRAM figures (arrays over design points, or floats)."""

    access_pj_per_bit: np.ndarray   # read (= write unless published costs differ)
    area_um2: np.ndarray
    leakage_uw: np.ndarray
    bits_per_cycle: np.ndarray      # banks x port width
    write_pj_per_bit: np.ndarray | None = None  # None: = access_pj_per_bit


def sram_arrays(size_kib, banks, port_width_bits, energy_factor, area_factor, leakage_factor,
                cell, read_pj_per_access=None, write_pj_per_access=None, write_access_bits=None,
                cell_leakage_nw_per_bit=None) -> SramArrays:
    """``cell`` is the cell flavour (a name, or an array of names); ``cell_leakage_nw_per_bit``, if
    given, is each point's flavour's 45 nm leakage (LEAKAGE_NW_PER_BIT_45NM) instead, for callers
    that hold flavours as codes (comparing arrays of names costs ~0.7 us a point).
    ``read_pj_per_access`` / ``write_pj_per_access`` (NaN or None where not given) replace the
    model's energy per bit with published per-access costs; ``write_access_bits`` (NaN or None:
    the port width) is the width a published write cost covers."""
    size_kib, banks, port = (np.asarray(x, dtype=np.float64) for x in (size_kib, banks, port_width_bits))
    e64 = _E64_AT_8KIB_PJ * (size_kib / 8.0) ** _CAPACITY_EXPONENT * banks ** _BANK_ENERGY_EXPONENT
    access_pj = e64 * (port / 64.0) ** _WIDTH_EXPONENT
    per_bit = access_pj * energy_factor / port  # Horowitz's points are 45 nm, 0.9 V: the factors' reference
    write_per_bit = per_bit
    if read_pj_per_access is not None:
        published = np.asarray(read_pj_per_access, dtype=np.float64)
        per_bit = np.where(np.isnan(published), per_bit, published / port)
    if write_pj_per_access is not None:
        published = np.asarray(write_pj_per_access, dtype=np.float64)
        width = port if write_access_bits is None else np.asarray(write_access_bits, dtype=np.float64)
        width = np.where(np.isnan(width), port, width)
        write_per_bit = np.where(np.isnan(published), write_per_bit, published / width)
    bits = size_kib * 8192.0
    area = (bits * _AREA_UM2_PER_BIT_28NM * (np.asarray(area_factor) / _AREA_FACTOR_28NM)
            * (banks / _AREA_ANCHOR_BANKS) ** _BANK_AREA_EXPONENT
            * (port / _AREA_ANCHOR_PORT_BITS) ** _PORT_AREA_EXPONENT)
    if cell_leakage_nw_per_bit is not None:
        leak_per_bit_nw = cell_leakage_nw_per_bit
    elif isinstance(cell, str):
        leak_per_bit_nw = LEAKAGE_NW_PER_BIT_45NM[cell]
    else:  # one comparison per cell flavour, not a Python call per buffer and point
        cell = np.asarray(cell)
        leak_per_bit_nw = np.full(cell.shape, np.nan)
        for name, value in LEAKAGE_NW_PER_BIT_45NM.items():
            leak_per_bit_nw[cell == name] = value
        if np.isnan(leak_per_bit_nw).any():
            unknown = cell[np.isnan(leak_per_bit_nw)].flat[0]
            raise KeyError(unknown)   # as the dictionary look-up it replaces
    leakage = bits * leak_per_bit_nw * 1e-3 * leakage_factor
    return SramArrays(per_bit, area, leakage, banks * port, write_per_bit)


@dataclass(frozen=True)
class SramCost:
    read_pj_per_bit: Sourced
    write_pj_per_bit: Sourced
    area_um2: Sourced
    leakage_uw: Sourced
    bits_per_cycle: float


def sram_cost(size_kib: float, banks: int, port_width_bits: int, tech: TechPoint | float,
              cell: str = "lop") -> SramCost:
    """One buffer's figures, with their sources (the scalar face of :func:`sram_arrays`)."""
    tech = as_tech_point(tech)
    a = sram_arrays(size_kib, banks, port_width_bits, tech.energy_factor, tech.area_factor,
                    tech.leakage_factor, cell)
    energy_source = ("Horowitz ISSCC 2014 SRAM 8KB/32KB/1MB (capacity power law); CACTI 7 via BitMoD "
                     "designs.json (port-width exponent); CACTI 7 runs (bank exponent); derived: per access / port")
    return SramCost(
        Sourced(float(a.access_pj_per_bit), "pJ/bit", energy_source),
        Sourced(float(a.access_pj_per_bit), "pJ/bit", energy_source + "; write = read (CACTI ratios 0.74-1.13)"),
        Sourced(float(a.area_um2), "um2", "derived: CACTI 7 28 nm 512 KiB = 1.48456 mm^2 (BitMoD designs.json) "
                                          "per bit; bank and port exponents from CACTI 7 runs"),
        Sourced(float(a.leakage_uw), "uW", f"CACTI 7 45 nm itrs-{cell} cell leakage "
                                           f"({LEAKAGE_NW_PER_BIT_45NM[cell]} nW/bit), node-scaled"),
        float(a.bits_per_cycle),
    )
