"""Bit-parallel MAC PE (INT and FP): a multiplier, an accumulator adder and operand registers.

First cost table (issue #2). Energy per MAC = multiply + accumulate-add + register toggles:
integer units interpolate Horowitz ISSCC 2014 (45 nm) in width, FP units use Horowitz's FP16
and FP32 numbers directly. Area and leakage compose Aladdin 40 nm primitives: an a x b
multiplier (partial-product array), the accumulator adder, and registers for both operands and
the accumulator; an FP PE adds an exponent adder and alignment + normalisation shifters of the
accumulator's significand width. Everything is scaled to the accelerator's node.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.errors import HwsimInputError
from hwsim.formats import EffectiveBits, FloatFormat, IntFormat, NumberFormat
from hwsim.pe import PECost
from hwsim.provenance import Sourced
from hwsim.tech import primitives as prim
from hwsim.workload.layer import Precision

_FP_SUPPORTED = {"fp16", "fp32"}  # formats with sourced Horowitz energies


# An average width (EffectiveBits, e.g. 5.25) is costed as an integer datapath of that width:
# the published designs that report one are integer mixed-precision designs.
_INTEGER_LIKE = (IntFormat, EffectiveBits)


def _kind_ok(fmt: NumberFormat) -> bool:
    return isinstance(fmt, _INTEGER_LIKE) or (isinstance(fmt, FloatFormat) and fmt.name in _FP_SUPPORTED)


@dataclass(frozen=True)
class MacPE:
    weight_formats: tuple[NumberFormat, ...]
    activation_formats: tuple[NumberFormat, ...]
    accumulator: NumberFormat
    name: str = "mac"

    def __post_init__(self) -> None:
        for fmt in (*self.weight_formats, *self.activation_formats, self.accumulator):
            if not _kind_ok(fmt):
                raise HwsimInputError(f"the MAC PE's first cost table has no model for '{fmt.name}'",
                                      field="compute.pe", allowed="int1..int32, an average bit width, fp16, fp32")
        kinds = {isinstance(f, _INTEGER_LIKE) for f in (*self.weight_formats, *self.activation_formats, self.accumulator)}
        if len(kinds) > 1:
            raise HwsimInputError("mixed INT/FP MAC PEs need the arithmetic cost model of issue #3",
                                  field="compute.pe", allowed="all-integer or all-FP formats")

    # -- protocol -------------------------------------------------------------------------
    def check(self, precision: Precision, where: str) -> None:
        for operand, allowed in (("weights", self.weight_formats), ("activations", self.activation_formats)):
            fmt = getattr(precision, operand)
            if fmt not in allowed:
                raise HwsimInputError(
                    f"{where}: {operand} format '{fmt.name}' is not supported by the {self.name} PE",
                    allowed=", ".join(f.name for f in allowed))

    def macs_per_cycle(self, precision: Precision) -> float:
        return 1.0

    def energy_per_mac_pj(self, precision: Precision, node_nm: int) -> Sourced:
        w, a, acc = precision.weights, precision.activations, self.accumulator
        if isinstance(w, _INTEGER_LIKE):
            mult = prim.int_mult_energy_pj(w.bits, a.bits)
            add = prim.int_add_energy_pj(acc.bits)
        else:
            mult = prim.fp_op_energy_pj("mult", max(w.bits, a.bits))
            add = prim.fp_op_energy_pj("add", acc.bits)
        at_node = prim.horowitz_energy_at(mult.value + add.value, node_nm)
        registers = prim.register_energy_pj(w.bits + a.bits + acc.bits, node_nm)
        return Sourced(at_node + registers, "pJ",
                       f"mult: {mult.source}; add: {add.source}; registers: {prim.ALADDIN}")

    def _widest(self) -> tuple[NumberFormat, NumberFormat]:
        return (max(self.weight_formats, key=lambda f: f.bits),
                max(self.activation_formats, key=lambda f: f.bits))

    def area_um2(self, node_nm: int) -> Sourced:
        w, a = self._widest()
        acc = self.accumulator
        registers = prim.register_area_um2(w.bits + a.bits + acc.bits, node_nm)
        if isinstance(w, _INTEGER_LIKE):
            datapath = prim.multiplier_area_um2(w.bits, a.bits, node_nm) + prim.adder_area_um2(acc.bits, node_nm)
        else:
            significand = acc.mantissa_bits + 1
            datapath = (prim.multiplier_area_um2(w.mantissa_bits + 1, a.mantissa_bits + 1, node_nm)
                        + prim.adder_area_um2(max(w.exponent_bits, a.exponent_bits) + 1, node_nm)
                        + prim.adder_area_um2(significand, node_nm)
                        + 2 * prim.shifter_area_um2(significand, node_nm))
        return Sourced(datapath + registers, "um2",
                       f"{prim.ALADDIN}; derived: multiplier + accumulator adder (+ FP exponent adder and "
                       "align/normalise shifters) + operand and accumulator registers")

    def leakage_uw(self, node_nm: int) -> Sourced:
        w, a = self._widest()
        acc = self.accumulator
        mult_bits = (w.bits, a.bits) if isinstance(w, _INTEGER_LIKE) else (w.mantissa_bits + 1, a.mantissa_bits + 1)
        value = (prim.multiplier_leakage_uw(*mult_bits, node_nm) + prim.adder_leakage_uw(acc.bits, node_nm)
                 + prim.register_leakage_uw(w.bits + a.bits + acc.bits, node_nm))
        return Sourced(value, "uW", f"{prim.ALADDIN}; derived: multiplier + adder + registers")

    def cost(self, precision: Precision, node_nm: int) -> PECost:
        return PECost(self.energy_per_mac_pj(precision, node_nm), self.area_um2(node_nm), self.leakage_uw(node_nm))
