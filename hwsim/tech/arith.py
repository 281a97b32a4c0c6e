"""Arithmetic units as netlists of primitive cells, each a function of its number formats.

Structures are the textbook ones (Weste & Harris, CMOS VLSI Design 4th ed., ch. 11; Muller et
al., Handbook of Floating-Point Arithmetic 2nd ed., ch. 7-8), counted cell by cell:

* integer adder: Brent-Kung parallel prefix (w half adders for propagate/generate, 2w-2-log2 w
  prefix cells, w sum XORs); depth 2 log2 w - 1 prefix levels;
* integer multiplier, ``array``: a.b AND partial products, (a-1)(b-1) full + (a-1) half adders;
  ``booth4``: radix-4 Booth, ceil((a+1)/2) rows of (b+1) selector bits (MUX2 + XOR2), a 3:2
  carry-save tree and a final prefix adder;
* FP multiplier: significand multiplier (ma+1)x(mb+1), exponent add and bias subtract,
  1-bit normalise, round (sticky + incrementer), special-value detection;
* FP adder: exponent compare, operand swap, alignment shifter, sticky, conditional invert,
  significand adder, leading-zero count, normalise shifter, round, exponent adjust;
* fused multiply-add, mixed INT x FP multiplier, INT -> FP converter, block-format dot-product
  element (MX, NVFP4), accumulators (adder + register of the accumulator width).

Only the counting is here; energy, area, leakage and delay come from hwsim/tech/costs.py.
"""

from __future__ import annotations

import math

from hwsim.formats import BlockFormat, FloatFormat, IntFormat, NumberFormat
from hwsim.tech.cells import AND2, AO21, COMPARATOR_BIT, DFF, FULL_ADDER, HALF_ADDER, LZC_BIT, MUX2, XOR2
from hwsim.tech.netlist import Netlist

GUARD_BITS = 3  # guard, round and sticky bits of IEEE addition (Muller et al., ch. 8)
MULTIPLIER_STYLES = ("array", "booth4")


def _log2(n: float) -> int:
    return max(1, math.ceil(math.log2(max(n, 2))))


def _scaled(cells: dict, n: float) -> dict:
    return {c: k * n for c, k in cells.items()}


# -- integer -----------------------------------------------------------------------------------
def int_adder(width: float) -> Netlist:
    w = max(1.0, float(width))
    prefix = max(0.0, 2 * w - 2 - _log2(w))
    depth = HALF_ADDER.delay_fo4 + (2 * _log2(w) - 1) * AO21.delay_fo4 + XOR2.delay_fo4
    return Netlist.of({HALF_ADDER: w, AO21: prefix, XOR2: w}, depth)


def incrementer(width: float) -> Netlist:
    w = max(1.0, float(width))
    return Netlist.of({HALF_ADDER: w}, _log2(w) * AO21.delay_fo4 + XOR2.delay_fo4)


def register(bits: float) -> Netlist:
    return Netlist.of({DFF: bits}, DFF.delay_fo4)


def shifter(width: float, max_shift: float) -> Netlist:
    stages = _log2(max_shift + 1)
    return Netlist.of({MUX2: width * stages}, stages * MUX2.delay_fo4)


def leading_zero_counter(width: float) -> Netlist:
    return Netlist.of(_scaled(LZC_BIT, width), _log2(width) * AO21.delay_fo4)


def comparator(width: float) -> Netlist:
    return Netlist.of(_scaled(COMPARATOR_BIT, width), XOR2.delay_fo4 + _log2(width) * AO21.delay_fo4)


def int_multiplier(a_bits: float, b_bits: float, style: str = "array") -> Netlist:
    a, b = max(1.0, float(a_bits)), max(1.0, float(b_bits))
    if style == "array":
        cells = {AND2: a * b, FULL_ADDER: (a - 1) * (b - 1), HALF_ADDER: a - 1}
        return Netlist.of(cells, AND2.delay_fo4 + (a + b - 2) * 2.0)  # carry ripples ~2 FO4 per cell
    if style == "booth4":
        rows = math.ceil((a + 1) / 2)
        selectors = {MUX2: rows * (b + 1), XOR2: rows * (b + 1) + rows * 2, AND2: rows}
        tree_levels = math.ceil(math.log(max(rows, 2) / 2, 1.5)) + 1 if rows > 2 else max(rows - 1, 0)
        tree = Netlist.of({FULL_ADDER: max(rows - 2, 0) * (b + 2)}, tree_levels * FULL_ADDER.delay_fo4)
        encode = Netlist.of(selectors, XOR2.delay_fo4 + MUX2.delay_fo4)
        return encode.then(tree).then(int_adder(a + b))
    raise ValueError(f"multiplier style {style!r}; allowed: {', '.join(MULTIPLIER_STYLES)}")


# -- floating point ----------------------------------------------------------------------------
def _sig(fmt: FloatFormat) -> int:
    return fmt.mantissa_bits + 1


def fp_multiplier(a: FloatFormat, b: FloatFormat, out: FloatFormat | None = None,
                  style: str = "array", rounded: bool = True) -> Netlist:
    """IEEE-style multiplier; ``rounded=False`` keeps the exact product (inside a fused MAC)."""
    out = out or (a if a.bits >= b.bits else b)
    product_bits = _sig(a) + _sig(b)
    exp_bits = max(a.exponent_bits, b.exponent_bits) + 1
    significand = int_multiplier(_sig(a), _sig(b), style)
    exponent = int_adder(exp_bits).then(int_adder(exp_bits)).as_ieee("mult")  # add, subtract bias
    control = Netlist.of({MUX2: product_bits}, MUX2.delay_fo4, ieee="mult")  # 1-bit normalise
    control = control.beside(comparator(a.exponent_bits + b.exponent_bits).as_ieee("mult"))  # zero/inf/nan
    unit = significand.beside(exponent).then(control)
    if rounded:
        # a stand-alone IEEE multiplier also normalises subnormal products (full-width LZC and
        # shift, Muller et al. ch. 8); a fused product goes unnormalised to the accumulator
        subnormal = leading_zero_counter(product_bits).then(shifter(product_bits, product_bits)).as_ieee("mult")
        sticky = Netlist.of({AND2: max(product_bits - _sig(out), 0)}, AND2.delay_fo4, ieee="mult")
        unit = unit.then(subnormal).then(sticky.beside(incrementer(_sig(out)).as_ieee("mult")))
    return unit


def fp_adder(fmt: FloatFormat, rounded: bool = True) -> Netlist:
    p, e = _sig(fmt) + GUARD_BITS, fmt.exponent_bits
    compare = int_adder(e).beside(comparator(2 * e)).as_ieee("add")
    swap = Netlist.of({MUX2: 2 * (p + e)}, MUX2.delay_fo4, ieee="add")
    align = shifter(p, p).as_ieee("add").beside(Netlist.of({AND2: p}, AND2.delay_fo4, ieee="add"))
    invert = Netlist.of({XOR2: p}, XOR2.delay_fo4, ieee="add")
    add = int_adder(p + 1)
    normalise = leading_zero_counter(p + 1).then(shifter(p + 1, p + 1)).as_ieee("add")
    unit = compare.then(swap).then(align).then(invert).then(add).then(normalise)
    if rounded:
        unit = unit.then(incrementer(_sig(fmt)).beside(int_adder(e)).as_ieee("add"))
    return unit


def fp_fma(fmt: FloatFormat, style: str = "array") -> Netlist:
    """a*b + c with one rounding: exact product, addend aligned over 2p+2 bits."""
    product = fp_multiplier(fmt, fmt, fmt, style, rounded=False)
    p = 2 * _sig(fmt) + 2
    wide = FloatFormat(fmt.exponent_bits + 1, p - 1 - GUARD_BITS)
    return product.then(fp_adder(wide))


# -- mixed and block formats -------------------------------------------------------------------
def int_to_fp(int_bits: float, fp: FloatFormat) -> Netlist:
    """Converter (a dequantiser's first half): sign-magnitude, leading-zero count, normalise,
    exponent encode, round to the FP significand."""
    w = max(1.0, float(int_bits))
    magnitude = Netlist.of({XOR2: w}, XOR2.delay_fo4).then(incrementer(w))
    normalise = leading_zero_counter(w).then(shifter(w, w)).then(int_adder(fp.exponent_bits))
    rounding = incrementer(_sig(fp)) if w > _sig(fp) else Netlist()
    return magnitude.then(normalise).then(rounding).as_ieee("add")


def mixed_multiplier(int_bits: float, fp: FloatFormat, style: str = "array") -> Netlist:
    """INT weight x FP activation, natively: integer x significand multiply, then normalise the
    unnormalised product (LZC + shifter) and adjust the exponent."""
    product_bits = int_bits + _sig(fp)
    significand = int_multiplier(int_bits, _sig(fp), style)
    normalise = leading_zero_counter(product_bits).then(shifter(product_bits, int_bits)).as_ieee("mult")
    exponent = int_adder(fp.exponent_bits + 1).as_ieee("mult")
    return significand.then(normalise.beside(exponent))


def block_product_width(a: BlockFormat, b: BlockFormat) -> int:
    """Fixed-point width of one element product aligned inside a block sum (derived): the
    product significand plus, for FP elements, the span of element exponents, plus
    log2(block) growth bits for the adder tree."""
    span = 0
    for el in (a.element, b.element):
        if isinstance(el, FloatFormat):
            span += 2 ** el.exponent_bits - 2  # largest minus smallest normal exponent
    sig = sum(_sig(el) if isinstance(el, FloatFormat) else el.bits for el in (a.element, b.element))
    return sig + span + _log2(min(a.block_size, b.block_size))


def block_element_mac(a: BlockFormat, b: BlockFormat, style: str = "array") -> Netlist:
    """Per element of a block dot product: element multiply, shift into the block's fixed-point
    frame (FP elements), one addition into the block's running fixed-point sum (the adder tree
    of a dot-product unit, serialised: N-1 additions for N elements) and that sum's register."""
    width = block_product_width(a, b)
    sig = [(_sig(el) if isinstance(el, FloatFormat) else el.bits) for el in (a.element, b.element)]
    unit = int_multiplier(sig[0], sig[1], style)
    fp_exps = [el.exponent_bits for el in (a.element, b.element) if isinstance(el, FloatFormat)]
    if fp_exps:
        exponent = int_adder(max(fp_exps) + 1)
        unit = unit.beside(exponent).then(shifter(width, width - sum(sig)))
    # one PE consumes one element per cycle: the block's running fixed-point sum sits in a register
    return unit.then(int_adder(width)).then(register(width))


def block_scale_and_accumulate(a: BlockFormat, b: BlockFormat, acc: NumberFormat) -> Netlist:
    """Once per block: combine the two shared scales, convert the block sum and accumulate."""
    if isinstance(a.scale, FloatFormat) and isinstance(b.scale, FloatFormat):
        combine = fp_multiplier(a.scale, b.scale, rounded=False)
    else:  # power-of-two (E8M0) or integer scales: an exponent add
        combine = int_adder(max(a.scale.bits, b.scale.bits) + 1)
    if isinstance(acc, FloatFormat):
        combine = combine.then(int_to_fp(block_product_width(a, b), acc))
    return combine.then(accumulator(acc))


def accumulator(fmt: NumberFormat) -> Netlist:
    """Adder + register of the accumulator's width. An FP accumulator adds an exact product: it
    rounds once, like the adder half of an FMA."""
    if isinstance(fmt, FloatFormat):
        return fp_adder(fmt).then(register(fmt.bits))
    return int_adder(fmt.bits).then(register(fmt.bits))


def is_integer_like(fmt: NumberFormat) -> bool:
    return isinstance(fmt, IntFormat) or fmt.kind == "effective"
