"""The PE catalogue behind ``hwsim pe``: the MAC PE for every supported format combination at
one technology point. Columns are a contract:
``pe, weight_format, activation_format, accumulator_format, energy_per_mac_pj, area_um2, area_um2_cells,
leakage_uw`` (area_um2 placed: cells x the place-and-route factor; area_um2_cells the cell count).

Each row is a PE built for exactly that combination (so area is that datapath's); ``bitfusion``
rows are one 8x8 decomposable PE (Bit Fusion) running narrower operands, so its area is the
same on every row and its energy per MAC falls as more products share a cycle.
"""

from __future__ import annotations

import pandas as pd

from hwsim.formats import parse_format
from hwsim.pe.mac import MacPE
from hwsim.tech.catalog import BLOCK_FORMATS, FP_FORMATS
from hwsim.tech.nodes import TechPoint
from hwsim.formats import Precision

# area_um2: placed (cells x the place-and-route factor, hwsim/pe/placement.py); area_um2_cells: the
# cell count alone (hwsim's PE area before issue #19)
PE_COLUMNS = ("pe", "weight_format", "activation_format", "accumulator_format", "energy_per_mac_pj",
              "area_um2", "area_um2_cells", "leakage_uw")

INT_PE_WIDTHS = (2, 4, 8, 16)


MIXED_INT_WIDTHS = (2, 4, 8)
MIXED_FP = ("fp8_e4m3", "fp16", "bf16")
MX_FORMATS = tuple(f for f in BLOCK_FORMATS if f.startswith("mx"))


def _combinations():
    """(pe name, weights, activations, accumulator, MacPE keyword arguments)."""
    for w in INT_PE_WIDTHS:
        for a in INT_PE_WIDTHS:
            yield "mac", f"int{w}", f"int{a}", "int32", {}
    for acc in ("int16", "int24"):
        yield "mac", "int8", "int8", acc, {}
    for w in (8, 16):
        yield "mac-booth4", f"int{w}", f"int{w}", "int32", {"multiplier": "booth4"}
    for w in FP_FORMATS:
        for a in FP_FORMATS:
            yield "mac", w, a, "fp32", {}
    for name in ("fp8_e4m3", "fp8_e5m2", "fp16"):
        yield "mac", name, name, "fp16", {}
    yield "mac", "bf16", "bf16", "bf16", {}
    for bits in MIXED_INT_WIDTHS:
        for fp in MIXED_FP:
            yield "mac", f"int{bits}", fp, "fp32", {}
    for w in MX_FORMATS:  # MX formats share the block size (32), so any pair runs
        for a in MX_FORMATS:
            yield "mac", w, a, "fp32", {}
    yield "mac", "nvfp4", "nvfp4", "fp32", {}
    for w in (2, 4, 8):
        for a in (2, 4, 8):
            yield "bitfusion", f"int{w}", f"int{a}", "int32", {"decomposable": True}


def _pe_for(pe: str, w, a, acc, kwargs) -> MacPE:
    if pe == "bitfusion":  # one 8x8 fused PE that runs every narrower pair
        widths = tuple(parse_format(f"int{b}") for b in (2, 4, 8))
        return MacPE(widths, widths, acc, name=pe, **kwargs)
    return MacPE((w,), (a,), acc, name=pe, **kwargs)


def lut_rows(tech: TechPoint) -> list[tuple]:
    """``lut`` rows (hwsim/pe/lut.py): one LUT PE per activation format (g = 4, symmetry, register
    tables, 1 bit per cycle, weights up to int8, so area is the same on every weight row), tables
    INT8 for INT8 activations (T-MAC's quantised tables) and FP16 for FP16 ones (LUT Tensor Core);
    energy per MAC is the lookups' (table precompute is per table and group scales per group, not
    per MAC), linear in weight bits."""
    from hwsim.pe.lut import LutPE

    rows = []
    for a_name, table, acc_name in (("int8", "int8", "int32"), ("fp16", "fp16", "fp32")):
        a, acc = parse_format(a_name), parse_format(acc_name)
        unit = LutPE((parse_format("int8"),), (a,), acc, group_size=4, symmetry=True, table_storage="registers",
                     table_format=parse_format(table))
        for bits in range(1, 9):
            w = parse_format(f"int{bits}")
            rows.append(("lut", w.name, a_name, acc_name, unit.energy_per_mac_pj(Precision(w, a, acc), tech).value,
                         unit.area_um2(tech).value, unit.area_um2_cells(tech).value,
                         unit.leakage_uw(tech).value))
    return rows


def shiftadd_rows(tech: TechPoint) -> list[tuple]:
    """``shiftadd`` rows (hwsim/pe/shiftadd.py, MixPE-style): one shift-add PE per (weight,
    activation) pair, weights int2/3/4/8 x activations int8 (int32 accumulator) or fp16 (fp32),
    built for ungrouped weights, so the area is the per-MAC datapath's (a group-scaled PE adds its
    output accumulator, snapshot register and share of the dequantisation unit; the per-group
    energy is charged per group, not per MAC)."""
    from hwsim.pe.shiftadd import ShiftAddPE

    rows = []
    for a_name, acc_name in (("int8", "int32"), ("fp16", "fp32")):
        a, acc = parse_format(a_name), parse_format(acc_name)
        for bits in (2, 3, 4, 8):
            w = parse_format(f"int{bits}")
            unit = ShiftAddPE((w,), (a,), acc)
            rows.append(("shiftadd", w.name, a_name, acc_name, unit.energy_per_mac_pj(Precision(w, a, acc), tech).value,
                         unit.area_um2(tech).value, unit.area_um2_cells(tech).value,
                         unit.leakage_uw(tech).value))
    return rows


def pe_table(tech: TechPoint) -> pd.DataFrame:
    rows = []
    for pe, w_name, a_name, acc_name, kwargs in _combinations():
        w, a, acc = parse_format(w_name), parse_format(a_name), parse_format(acc_name)
        unit = _pe_for(pe, w, a, acc, kwargs)
        precision = Precision(w, a, acc)
        rows.append((pe, w_name, a_name, acc_name, unit.energy_per_mac_pj(precision, tech).value,
                     unit.area_um2(tech).value, unit.area_um2_cells(tech).value,
                         unit.leakage_uw(tech).value))
    rows += lut_rows(tech)
    rows += shiftadd_rows(tech)
    return pd.DataFrame(rows, columns=list(PE_COLUMNS))
