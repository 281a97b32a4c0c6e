"""Unit netlists cell by cell, counted by hand from hwsim/tech/arith.py's docstring (the textbook
structures: Weste & Harris ch. 11, Muller et al. ch. 7-8). The cost model's calibration against
published unit energies holds within a tolerance that a guard bit or a missing swap multiplexer
fits inside; these counts do not.

Brent-Kung adder of w bits: w half adders, 2w - 2 - ceil(log2 w) AO21 prefix cells, w XOR2.
Shifter of w bits over s positions: w x ceil(log2(s + 1)) MUX2. Leading-zero counter and
comparator of w bits: w x (AO21 + AND2) and w x (XOR2 + AND2). Incrementer: w half adders."""

from collections import Counter

from hwsim.formats import parse_format
from hwsim.tech.arith import fp_adder, fp_multiplier, int_multiplier
from hwsim.tech.cells import AND2, AO21, FULL_ADDER, HALF_ADDER, MUX2, XOR2


def _counts(netlist) -> dict:
    return {cell: count for cell, count in netlist.all_cells().items() if count}


def _adder(w):
    return Counter({HALF_ADDER: w, AO21: 2 * w - 2 - {5: 3, 6: 3, 15: 4, 16: 4}[w], XOR2: w})


def test_fp16_adder_by_hand():
    # significand 11 bits + 3 guard/round/sticky = p 14; exponent e 5
    expected = Counter()
    expected += _adder(5) + Counter({XOR2: 10, AND2: 10})      # exponent compare: e-bit subtract, 2e-bit comparator
    expected += Counter({MUX2: 2 * (14 + 5)})                  # operand swap: both significands and exponents
    expected += Counter({MUX2: 14 * 4, AND2: 14})               # align: 14 bits over 14 positions (4 stages), sticky
    expected += Counter({XOR2: 14})                             # conditional invert
    expected += _adder(15)                                      # significand add, one carry bit more
    expected += Counter({AO21: 15, AND2: 15, MUX2: 15 * 4})     # normalise: leading zeros, shift 15 bits
    expected += Counter({HALF_ADDER: 11}) + _adder(5)           # round (increment 11 bits), exponent adjust
    assert _counts(fp_adder(parse_format("fp16"))) == dict(expected)


def test_fp16_multiplier_by_hand():
    # significands 11 x 11 (22 product bits); exponents 5 + 5 added and the bias subtracted on 6 bits
    expected = Counter({AND2: 11 * 11, FULL_ADDER: 10 * 10, HALF_ADDER: 10})   # array multiplier
    expected += _adder(6) + _adder(6)                                         # exponent add, bias subtract
    expected += Counter({MUX2: 22}) + Counter({XOR2: 10, AND2: 10})           # 1-bit normalise; specials
    expected += Counter({AO21: 22, AND2: 22, MUX2: 22 * 5})                   # subnormal: leading zeros, shift
    expected += Counter({AND2: 22 - 11, HALF_ADDER: 11})                      # sticky over the dropped bits, round
    assert _counts(fp_multiplier(parse_format("fp16"), parse_format("fp16"))) == dict(expected)


def test_booth4_int8_multiplier_by_hand():
    # radix-4 Booth: ceil((8 + 1) / 2) = 5 rows of 9 selector bits (MUX2 + XOR2) and 2 sign XOR2 a
    # row, one AND2 a row; a 3:2 tree of (5 - 2) x (8 + 2) full adders; a 16-bit final adder
    expected = Counter({MUX2: 5 * 9, XOR2: 5 * 9 + 5 * 2, AND2: 5, FULL_ADDER: 3 * 10}) + _adder(16)
    assert _counts(int_multiplier(8, 8, "booth4")) == dict(expected)
