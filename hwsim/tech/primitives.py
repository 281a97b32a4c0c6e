"""Primitive arithmetic and storage costs with their sources, at their native node.

Energies: Horowitz, "Computing's Energy Problem", ISSCC 2014, 45 nm 0.9 V
(../shared/reference/tech/horowitz_45nm.csv). Areas and leakage: Aladdin (Shao et al.,
ISCA 2014) 40 nm, as carried in Accelergy's hwcomponents library
(../shared/reference/tech/aladdin_40nm.csv). Width scaling between published points is
interpolation stated next to each function.
"""

from __future__ import annotations

from hwsim.errors import HwsimInputError
from hwsim.provenance import Sourced
from hwsim.tech.nodes import scale_from

HOROWITZ_NODE_NM = 45
ALADDIN_NODE_NM = 40

# --- Horowitz ISSCC 2014, 45 nm: energy per operation (pJ)
_INT_ADD_PJ = {8: 0.03, 32: 0.1}
_INT_MULT_PJ = {8: 0.2, 32: 3.1}
FP_ADD_PJ = {16: 0.4, 32: 0.9}
FP_MULT_PJ = {16: 1.1, 32: 3.7}
HOROWITZ = "Horowitz ISSCC 2014, 45 nm"

# --- Aladdin 40 nm (area um^2, leakage uW, dynamic pJ) at the listed width
ALADDIN_ADDER_32 = {"area_um2": 278.0, "leakage_uw": 2.4, "energy_pj": 0.21}
ALADDIN_MULT_32 = {"area_um2": 6350.0, "leakage_uw": 80.0, "energy_pj": 12.68}
ALADDIN_REGISTER_BIT = {"area_um2": 5.98, "energy_pj": 0.009}
ALADDIN_SHIFTER_32 = {"area_um2": 250.0, "energy_pj": 0.417}
ALADDIN = "Aladdin (Shao et al., ISCA 2014) 40 nm"


def int_add_energy_pj(width_bits: float) -> Sourced:
    """Linear in width through Horowitz's 8-bit (0.03 pJ) and 32-bit (0.1 pJ) adds."""
    slope = (_INT_ADD_PJ[32] - _INT_ADD_PJ[8]) / (32 - 8)
    value = _INT_ADD_PJ[8] + slope * (width_bits - 8)
    return Sourced(max(value, slope * width_bits), "pJ", f"{HOROWITZ}; derived: linear in width through 8b and 32b")


def int_mult_energy_pj(a_bits: float, b_bits: float) -> Sourced:
    """Linear in partial-product count a*b through Horowitz's 8x8 (0.2 pJ) and 32x32 (3.1 pJ)."""
    slope = (_INT_MULT_PJ[32] - _INT_MULT_PJ[8]) / (32 * 32 - 8 * 8)
    value = _INT_MULT_PJ[8] + slope * (a_bits * b_bits - 64)
    return Sourced(max(value, slope * a_bits * b_bits), "pJ",
                   f"{HOROWITZ}; derived: linear in a*b through 8x8 and 32x32")


def fp_op_energy_pj(op: str, bits: int) -> Sourced:
    table = FP_ADD_PJ if op == "add" else FP_MULT_PJ
    if bits not in table:
        raise HwsimInputError(f"no sourced energy for an FP{bits} {op} in the first cost table",
                              allowed=", ".join(f"fp{b}" for b in table))
    return Sourced(table[bits], "pJ", HOROWITZ)


def _to_node(value_40nm: float, node_nm: int, kind: str) -> float:
    energy_factor, area_factor = scale_from(ALADDIN_NODE_NM, node_nm)
    return value_40nm * (area_factor if kind == "area" else energy_factor)


def adder_area_um2(width_bits: float, node_nm: int) -> float:
    """Aladdin 32-bit adder area, linear in width (Aladdin's own width scaling)."""
    return _to_node(ALADDIN_ADDER_32["area_um2"] * width_bits / 32, node_nm, "area")


def adder_leakage_uw(width_bits: float, node_nm: int) -> float:
    return _to_node(ALADDIN_ADDER_32["leakage_uw"] * width_bits / 32, node_nm, "energy")


def multiplier_area_um2(a_bits: float, b_bits: float, node_nm: int) -> float:
    """Aladdin 32x32 multiplier area, linear in each operand width (a*b partial products)."""
    return _to_node(ALADDIN_MULT_32["area_um2"] * a_bits * b_bits / 1024, node_nm, "area")


def multiplier_leakage_uw(a_bits: float, b_bits: float, node_nm: int) -> float:
    return _to_node(ALADDIN_MULT_32["leakage_uw"] * a_bits * b_bits / 1024, node_nm, "energy")


def register_area_um2(bits: float, node_nm: int) -> float:
    return _to_node(ALADDIN_REGISTER_BIT["area_um2"] * bits, node_nm, "area")


def register_energy_pj(bits: float, node_nm: int) -> float:
    return _to_node(ALADDIN_REGISTER_BIT["energy_pj"] * bits, node_nm, "energy")


def register_leakage_uw(bits: float, node_nm: int) -> float:
    """Aladdin lists no register leakage: derived, one register bit leaks like one adder bit."""
    return adder_leakage_uw(bits, node_nm)


def shifter_area_um2(width_bits: float, node_nm: int) -> float:
    """Aladdin 32-bit shifter, linear in width (derived)."""
    return _to_node(ALADDIN_SHIFTER_32["area_um2"] * width_bits / 32, node_nm, "area")


def horowitz_energy_at(value_pj: float, node_nm: int) -> float:
    energy_factor, _ = scale_from(HOROWITZ_NODE_NM, node_nm)
    return value_pj * energy_factor
