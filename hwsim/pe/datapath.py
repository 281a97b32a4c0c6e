"""The arithmetic inside one MAC for one (weight, activation, accumulator) format triple.

Which netlist a triple needs:

* INT x INT (and average widths such as 5.25, costed as integers of that width): an a x b
  integer multiplier, an integer accumulator;
* FP x FP: an exact (unrounded) significand product and exponent add, fused into an FP
  accumulator that aligns, adds, normalises and rounds once;
* INT x FP (e.g. INT4 weights x FP16 activations, INT8 x BF16): a native mixed multiplier
  (integer x significand, then normalise), fused into an FP accumulator;
* block x block (MX, NVFP4, same block size): an element product in the block's fixed-point
  frame and one adder of the block's adder tree per MAC, plus the shared-scale combine,
  conversion and FP accumulation once per block (amortised over the block).

Every MAC also toggles its operand pipeline registers (a systolic PE forwards both operands).
"""

from __future__ import annotations

import math
from functools import lru_cache

from hwsim.errors import HwsimInputError
from hwsim.formats import BlockFormat, FloatFormat, NumberFormat
from hwsim.tech import arith
from hwsim.tech.costs import UnitCost, unit_cost
from hwsim.tech.nodes import TechPoint

KINDS_TEXT = ("INT x INT, FP x FP, INT x FP (either side), or two block formats (MX/NVFP4) of one block "
              "size; the accumulator is INT for INT x INT and FP otherwise")


def kind_of(fmt: NumberFormat) -> str:
    if arith.is_integer_like(fmt):
        return "int"
    if isinstance(fmt, FloatFormat):
        return "fp"
    if isinstance(fmt, BlockFormat) and fmt.element.kind in ("int", "fp"):
        return "block"
    return fmt.kind


def pair_kind(weights: NumberFormat, activations: NumberFormat) -> str:
    kinds = {kind_of(weights), kind_of(activations)}
    if kinds == {"int"}:
        return "int"
    if kinds == {"fp"}:
        return "fp"
    if kinds == {"int", "fp"}:
        return "mixed"
    if kinds == {"block"} and weights.block_size == activations.block_size:
        return "block"
    raise HwsimInputError(f"no MAC datapath multiplies '{weights.name}' weights by '{activations.name}' "
                          "activations", allowed=KINDS_TEXT)


def check_accumulator(kind: str, accumulator: NumberFormat, where: str) -> None:
    wants = "int" if kind == "int" else "fp"
    if kind_of(accumulator) != wants:
        label = {"int": "INT x INT", "fp": "FP x FP", "mixed": "INT x FP", "block": "block-format"}[kind]
        raise HwsimInputError(f"{where}: an {label} MAC needs an {wants.upper()} accumulator, not "
                              f"'{accumulator.name}'", allowed="int8..int32 for INT x INT; fp16, bf16, fp32 ... otherwise")


def check_accumulator_width(weights: NumberFormat, activations: NumberFormat, accumulator: NumberFormat,
                            where: str) -> None:
    """An accumulator narrower than the product silently overflows or rounds away the sum:
    INT x INT needs at least weight + activation bits (the exact product's width); an FP
    accumulator needs the exponent range and significand of the widest FP operand (derived:
    the product rounded once into the accumulator loses nothing a narrower operand had)."""
    if arith.is_integer_like(accumulator):
        product_bits = weights.element_bits + activations.element_bits
        if accumulator.bits < product_bits:
            raise HwsimInputError(f"{where}: '{accumulator.name}' is narrower than the {product_bits:g}-bit product",
                                  allowed=f"int{math.ceil(product_bits)} or wider (int32 is the usual choice)")
        return
    if not isinstance(accumulator, FloatFormat):
        return
    for fmt in (weights, activations):
        element = fmt.element if isinstance(fmt, BlockFormat) else fmt
        if isinstance(element, FloatFormat) and (element.exponent_bits > accumulator.exponent_bits
                                                 or element.mantissa_bits > accumulator.mantissa_bits):
            raise HwsimInputError(f"{where}: '{accumulator.name}' cannot hold a '{element.name}' operand exactly",
                                  allowed="an FP accumulator with at least the operand's exponent and mantissa "
                                          "bits (fp32 is the usual choice)")


def _int_bits(fmt: NumberFormat) -> float:
    return float(fmt.bits)


def mac_netlist(weights: NumberFormat, activations: NumberFormat, accumulator: NumberFormat,
                multiplier: str = "array"):
    """(per-MAC netlist, per-block netlist or None, block size)."""
    kind = pair_kind(weights, activations)
    check_accumulator(kind, accumulator, "accumulator")
    if kind == "int":
        product = arith.int_multiplier(_int_bits(weights), _int_bits(activations), multiplier)
        return product.then(arith.accumulator(accumulator)), None, 1
    if kind == "fp":
        product = arith.fp_multiplier(weights, activations, accumulator, multiplier, rounded=False)
        return product.then(arith.accumulator(accumulator)), None, 1
    if kind == "mixed":
        int_fmt, fp_fmt = (weights, activations) if kind_of(weights) == "int" else (activations, weights)
        product = arith.mixed_multiplier(_int_bits(int_fmt), fp_fmt, multiplier)
        return product.then(arith.accumulator(accumulator)), None, 1
    element = arith.block_element_mac(weights, activations, multiplier)
    per_block = arith.block_scale_and_accumulate(weights, activations, accumulator)
    return element, per_block, min(weights.block_size, activations.block_size)


def operand_register_bits(weights: NumberFormat, activations: NumberFormat) -> float:
    return weights.element_bits + activations.element_bits


def pipeline_stages(delay_ns: float, clock_mhz: float | None) -> int:
    """Stages a path of ``delay_ns`` needs at ``clock_mhz`` (derived: ceil(delay / period))."""
    if clock_mhz is None:
        return 1
    return max(1, math.ceil(delay_ns * clock_mhz / 1e3 - 1e-9))


@lru_cache(maxsize=4096)  # formats and TechPoint are frozen: a network's layers share a few triples
def mac_cost(weights: NumberFormat, activations: NumberFormat, accumulator: NumberFormat, tech: TechPoint,
             multiplier: str = "array", clock_mhz: float | None = None) -> UnitCost:
    """Energy per MAC, and the area/leakage/delay of the datapath, at ``tech``. Above the
    datapath's unpipelined clock, each extra pipeline stage adds a register across the cut
    (derived: a cut through a MAC carries at most the product, ~weight + activation bits, and
    the running accumulator)."""
    per_mac, per_block, block = mac_netlist(weights, activations, accumulator, multiplier)
    registers = unit_cost(arith.register(operand_register_bits(weights, activations)), tech)
    cost = unit_cost(per_mac, tech) + registers
    if per_block is not None:
        cost = cost + unit_cost(per_block, tech).per_operation(block)
    stages = pipeline_stages(cost.delay_ns, clock_mhz)
    if stages > 1:
        cut_bits = weights.element_bits + activations.element_bits + accumulator.bits
        pipe = unit_cost(arith.register(cut_bits * (stages - 1)), tech)
        cost = UnitCost(cost.energy_pj + pipe.energy_pj, cost.area_um2 + pipe.area_um2,
                        cost.leakage_uw + pipe.leakage_uw, cost.delay_ns)
    return cost
