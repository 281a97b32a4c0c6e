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

import numpy as np

from hwsim.errors import HwsimInputError
from hwsim.formats import BlockFormat, FloatFormat, IntFormat, NumberFormat
from hwsim.tech import arith
from hwsim.tech.cells import FO4_PS_AT_45NM
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
        if isinstance(accumulator, IntFormat) and not accumulator.signed:
            for fmt in (weights, activations):
                element = fmt.element if isinstance(fmt, BlockFormat) else fmt
                if not (isinstance(element, IntFormat) and not element.signed):
                    # a signed operand makes negative products: an unsigned sum wraps them
                    raise HwsimInputError(f"{where}: '{accumulator.name}' cannot hold the negative products of "
                                          f"signed {element.name} operands",
                                          allowed=f"a signed accumulator (int{accumulator.bits}), or unsigned "
                                                  "(uint) weights and activations")
        product_bits = weights.element_bits + activations.element_bits
        if accumulator.bits < product_bits:
            allowed = (f"int{math.ceil(product_bits)} or wider (int32 is the usual choice)" if product_bits <= 32
                       else "narrower formats: no INT accumulator holds this product (int32 is the widest)")
            raise HwsimInputError(f"{where}: '{accumulator.name}' is narrower than the {product_bits:g}-bit product",
                                  allowed=allowed)
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
    """Stages a path of ``delay_ns`` needs at ``clock_mhz`` (derived: ceil(delay / period); the
    1e-9 keeps a path that exactly fills k periods at k stages despite rounding)."""
    if clock_mhz is None:
        return 1
    return max(1, math.ceil(delay_ns * clock_mhz / 1e3 - 1e-9))


def pipeline_stages_over(delay_ns, clock_mhz) -> np.ndarray:
    """``pipeline_stages`` over arrays of clocks (or delays): the same operations in the same
    order, so the same stages."""
    return np.maximum(1, np.ceil(np.multiply(delay_ns, clock_mhz) / 1e3 - 1e-9)).astype(np.int64)


def reference_delay_ns(depth_fo4: float) -> float:
    """A path of ``depth_fo4`` FO4 at the reference point, 45 nm and 0.9 V (hwsim/tech/cells.py)."""
    return depth_fo4 * FO4_PS_AT_45NM / 1000.0


def reference_clock_mhz(clock_mhz, delay_factor):
    """The clock at which a path at 45 nm, 0.9 V spans as many periods as it does at ``clock_mhz``
    on a node of ``delay_factor`` (floats, or arrays over points). Derived: a path's delay at a node
    is its reference delay x the node's delay factor (hwsim/tech/costs.py), so its pipeline depth,
    ceil(delay x clock), depends on the clock and the node only through clock x delay factor."""
    return clock_mhz * delay_factor


def stages_at(depth_fo4: float, clock_mhz: float | None, tech: TechPoint) -> int:
    """Stages a path of ``depth_fo4`` FO4 needs at ``clock_mhz`` on ``tech``: one closed form,
    ceil(reference delay x reference clock), the same numbers a design batch computes over arrays
    of points (hwsim/arch/design.py), so points that share their stages share one PE."""
    if clock_mhz is None:
        return 1
    return pipeline_stages(reference_delay_ns(depth_fo4), reference_clock_mhz(clock_mhz, tech.delay_factor))


def mac_path_fo4(weights: NumberFormat, activations: NumberFormat, accumulator: NumberFormat,
                 multiplier: str = "array") -> float:
    """The unpipelined depth of ``mac_cost``'s path: the MAC, its operand registers and, for block
    formats, the per-block scale-and-accumulate, one after the other."""
    per_mac, per_block, _ = mac_netlist(weights, activations, accumulator, multiplier)
    return _path_fo4(per_mac, arith.register(operand_register_bits(weights, activations)), per_block)


def _path_fo4(per_mac, registers, per_block) -> float:
    return per_mac.depth_fo4 + registers.depth_fo4 + (per_block.depth_fo4 if per_block is not None else 0.0)


@lru_cache(maxsize=4096)  # formats and TechPoint are frozen: a network's layers share a few triples
def mac_cost(weights: NumberFormat, activations: NumberFormat, accumulator: NumberFormat, tech: TechPoint,
             multiplier: str = "array", clock_mhz: float | None = None) -> UnitCost:
    """Energy per MAC, and the area/leakage/delay of the datapath, at ``tech``. Above the
    datapath's unpipelined clock, each extra pipeline stage adds a register across the cut
    (derived: a cut through a MAC carries at most the product, ~weight + activation bits, and
    the running accumulator)."""
    per_mac, per_block, block = mac_netlist(weights, activations, accumulator, multiplier)
    register_net = arith.register(operand_register_bits(weights, activations))
    cost = unit_cost(per_mac, tech) + unit_cost(register_net, tech)
    if per_block is not None:
        cost = cost + unit_cost(per_block, tech).per_operation(block)
    stages = stages_at(_path_fo4(per_mac, register_net, per_block), clock_mhz, tech)
    if stages > 1:
        cut_bits = weights.element_bits + activations.element_bits + accumulator.bits
        pipe = unit_cost(arith.register(cut_bits * (stages - 1)), tech)
        cost = UnitCost(cost.energy_pj + pipe.energy_pj, cost.area_um2 + pipe.area_um2,
                        cost.leakage_uw + pipe.leakage_uw, cost.delay_ns)
    return cost
