"""The unit catalogue behind ``hwsim tech``: every primitive and arithmetic unit at one
technology point, as a table whose columns are a contract:
``unit, format_a, format_b, bits, energy_pj, area_um2, leakage_uw, delay_ns``.

``bits`` is the operand width: int_mult 8 is an 8x8 multiplier, fp_add 16 an FP16 adder,
block_mac 4 an MXFP4/NVFP4 element.
"""

from __future__ import annotations

import pandas as pd

from hwsim.formats import parse_format
from hwsim.tech import arith
from hwsim.tech.cells import CELLS, COMPARATOR_BIT, LZC_BIT, SHIFTER_STAGE_BIT
from hwsim.tech.costs import unit_cost
from hwsim.tech.netlist import Netlist
from hwsim.tech.nodes import TechPoint

TECH_COLUMNS = ("unit", "format_a", "format_b", "bits", "energy_pj", "area_um2", "leakage_uw", "delay_ns")

INT_WIDTHS = (2, 4, 8, 16, 24, 32)
FP_FORMATS = ("fp4_e2m1", "fp6_e2m3", "fp6_e3m2", "fp8_e4m3", "fp8_e5m2", "fp16", "bf16", "fp32")
ACCUMULATORS = ("int16", "int24", "int32", "fp16", "bf16", "fp32")
MIXED = (("int4", "fp16"), ("int4", "bf16"), ("int8", "fp16"), ("int8", "bf16"))
BLOCK_FORMATS = ("mxint8", "mxfp8", "mxfp6", "mxfp4", "nvfp4")
BLOCK_ACCUMULATOR = "fp32"


def _rows():
    for cell in CELLS:
        yield cell.name, "", "", 1, Netlist.of({cell: 1}, cell.delay_fo4)
    for name, cells in (("lzc_bit", LZC_BIT), ("comparator_bit", COMPARATOR_BIT),
                        ("shifter_stage_bit", SHIFTER_STAGE_BIT)):
        yield name, "", "", 1, Netlist.of(cells, max(c.delay_fo4 for c in cells))
    for w in INT_WIDTHS:
        f = f"int{w}"
        yield "int_add", f, f, w, arith.int_adder(w)
    for w in INT_WIDTHS:
        f = f"int{w}"
        yield "int_mult", f, f, w, arith.int_multiplier(w, w, "array")
        yield "int_mult_booth4", f, f, w, arith.int_multiplier(w, w, "booth4")
    for name in FP_FORMATS:
        fmt = parse_format(name)
        yield "fp_add", name, name, fmt.bits, arith.fp_adder(fmt)
        yield "fp_mult", name, name, fmt.bits, arith.fp_multiplier(fmt, fmt)
        yield "fp_fma", name, name, fmt.bits, arith.fp_fma(fmt)
    for name in ACCUMULATORS:
        fmt = parse_format(name)
        unit = "int_acc" if name.startswith("int") else "fp_acc"
        yield unit, name, name, fmt.bits, arith.accumulator(fmt)
    for int_name, fp_name in MIXED:
        i, f = parse_format(int_name), parse_format(fp_name)
        yield "mixed_mult", int_name, fp_name, i.bits, arith.mixed_multiplier(i.bits, f)
        yield "int_to_fp", int_name, fp_name, i.bits, arith.int_to_fp(i.bits, f)
    acc = parse_format(BLOCK_ACCUMULATOR)
    for name in BLOCK_FORMATS:
        b = parse_format(name)
        yield "block_mac", name, name, b.element.bits, arith.block_element_mac(b, b)
        yield "block_scale_acc", name, BLOCK_ACCUMULATOR, b.element.bits, arith.block_scale_and_accumulate(b, b, acc)


def tech_table(tech: TechPoint) -> pd.DataFrame:
    rows = []
    for unit, fmt_a, fmt_b, bits, net in _rows():
        cost = unit_cost(net, tech)
        rows.append((unit, fmt_a, fmt_b, bits, cost.energy_pj, cost.area_um2, cost.leakage_uw, cost.delay_ns))
    return pd.DataFrame(rows, columns=list(TECH_COLUMNS))
