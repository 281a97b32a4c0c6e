"""Monotonicity of unit and PE costs: more bits never cost less (per family), a wider
accumulator never costs less, area scales down with the node."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.formats import FloatFormat, parse_format
from hwsim.pe.mac import MacPE
from hwsim.tech import arith
from hwsim.tech.costs import unit_cost
from hwsim.tech.nodes import tech_point
from hwsim.workload.layer import Precision

AT_45 = tech_point(45)
QUANTITIES = ("energy_pj", "area_um2", "leakage_uw")


def _no_cheaper(smaller, larger):
    for q in QUANTITIES:
        assert getattr(larger, q) >= getattr(smaller, q) - 1e-12, q


def _pe(w, a, acc, tech=AT_45, **kwargs):
    wf, af, accf = (parse_format(x) if isinstance(x, str) else x for x in (w, a, acc))
    pe = MacPE((wf,), (af,), accf, **kwargs)
    return pe.mac_cost(Precision(wf, af, accf), tech)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 31), st.sampled_from(["array", "booth4"]))
def test_integer_units_never_cheaper_with_more_bits(width, style):
    _no_cheaper(unit_cost(arith.int_adder(width), AT_45), unit_cost(arith.int_adder(width + 1), AT_45))
    _no_cheaper(unit_cost(arith.int_multiplier(width, 8, style), AT_45),
                unit_cost(arith.int_multiplier(width + 1, 8, style), AT_45))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 8), st.integers(1, 22))
def test_fp_units_never_cheaper_with_more_mantissa_or_exponent(exp, man):
    base = FloatFormat(exp, man)
    for wider in (FloatFormat(exp, man + 1), FloatFormat(exp + 1, man)):
        _no_cheaper(unit_cost(arith.fp_adder(base), AT_45), unit_cost(arith.fp_adder(wider), AT_45))
        _no_cheaper(unit_cost(arith.fp_multiplier(base, base), AT_45),
                    unit_cost(arith.fp_multiplier(wider, wider), AT_45))


@pytest.mark.parametrize("family", [
    ["int2", "int4", "int8", "int16"],
    ["fp4_e2m1", "fp6_e2m3", "fp8_e4m3", "fp16", "fp32"],
    ["fp6_e3m2", "fp8_e5m2", "fp16"],
    ["bf16", "fp32"],
    ["mxfp4", "mxfp6", "mxfp8"],
])
def test_mac_pe_never_cheaper_with_more_bits(family):
    acc = "int32" if family[0].startswith("int") else "fp32"
    costs = [_pe(f, f, acc) for f in family]
    for smaller, larger in zip(costs, costs[1:]):
        _no_cheaper(smaller, larger)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 15), st.integers(1, 15))
def test_int_mac_monotone_in_each_operand(w, a):
    base = _pe(f"int{w}", f"int{a}", "int32")
    _no_cheaper(base, _pe(f"int{w + 1}", f"int{a}", "int32"))
    _no_cheaper(base, _pe(f"int{w}", f"int{a + 1}", "int32"))


@pytest.mark.parametrize("operands, accumulators", [
    (("int8", "int8"), ["int16", "int20", "int24", "int32"]),
    (("fp8_e4m3", "fp8_e4m3"), ["fp16", "fp32"]),
    (("bf16", "bf16"), ["bf16", "fp32"]),
    (("int4", "fp16"), ["fp16", "fp32"]),
])
def test_wider_accumulator_never_costs_less(operands, accumulators):
    costs = [_pe(*operands, acc) for acc in accumulators]
    for smaller, larger in zip(costs, costs[1:]):
        _no_cheaper(smaller, larger)


@pytest.mark.parametrize("formats", [("int8", "int8", "int32"), ("fp8_e4m3", "fp8_e4m3", "fp32"),
                                     ("bf16", "bf16", "fp32"), ("mxfp4", "mxfp4", "fp32"), ("int4", "fp16", "fp32")])
def test_area_and_energy_scale_down_with_node(formats):
    costs = [_pe(*formats, tech=tech_point(n)) for n in (45, 40, 32, 28, 22, 16, 14, 10, 7, 5)]
    for older, newer in zip(costs, costs[1:]):
        assert newer.area_um2 < older.area_um2
        assert newer.energy_pj < older.energy_pj


def test_bit_fusion_products_per_cycle():
    """Bit Fusion (ISCA 2018): an 8x8 PE of 2-bit BitBricks; issue #3: 2x INT4, 4x INT2 (x INT8)."""
    ints = tuple(parse_format(f"int{b}") for b in (2, 4, 8))
    pe = MacPE(ints, ints, parse_format("int32"), decomposable=True)
    i2, i4, i8 = ints
    assert pe.macs_per_cycle(Precision(i8, i8)) == 1
    assert pe.macs_per_cycle(Precision(i4, i8)) == 2
    assert pe.macs_per_cycle(Precision(i2, i8)) == 4
    assert pe.macs_per_cycle(Precision(i4, i4)) == 4
    assert pe.macs_per_cycle(Precision(i2, i2)) == 16
    # the fused unit burns the same energy per cycle, shared by the products of that cycle
    per_cycle = pe.mac_cost(Precision(i8, i8), AT_45).energy_pj
    assert pe.mac_cost(Precision(i2, i2), AT_45).energy_pj == pytest.approx(per_cycle / 16, rel=1e-12)


def test_clock_above_the_critical_path_adds_pipeline_registers():
    f = parse_format
    slow = MacPE((f("int8"),), (f("int8"),), f("int32"), clock_mhz=100)
    path_ns = slow.critical_path_ns(AT_45)
    at_limit = MacPE((f("int8"),), (f("int8"),), f("int32"), clock_mhz=1e3 / path_ns)
    fast = MacPE((f("int8"),), (f("int8"),), f("int32"), clock_mhz=2.5e3 / path_ns)
    precision = Precision(f("int8"), f("int8"), f("int32"))
    assert slow.pipeline_stages(AT_45) == at_limit.pipeline_stages(AT_45) == 1
    assert fast.pipeline_stages(AT_45) == 3
    assert at_limit.mac_cost(precision, AT_45) == slow.mac_cost(precision, AT_45)
    # two extra stages, each a register across (8 + 8 + 32) bits
    register = unit_cost(arith.register(2 * (8 + 8 + 32)), AT_45)
    # the cell count adds the registers; the placed area is that x the place-and-route factor
    assert fast.area_um2_cells(AT_45).value == pytest.approx(slow.area_um2_cells(AT_45).value + register.area_um2, rel=1e-12)
    assert fast.mac_cost(precision, AT_45).energy_pj == pytest.approx(
        slow.mac_cost(precision, AT_45).energy_pj + register.energy_pj, rel=1e-12)


def _dominates(small, large) -> bool:
    """``large`` has at least ``small``'s bits in every field, same family."""
    from hwsim.formats import BlockFormat, IntFormat

    if isinstance(small, IntFormat) and isinstance(large, IntFormat):
        return large.bits >= small.bits
    if isinstance(small, FloatFormat) and isinstance(large, FloatFormat):
        return large.exponent_bits >= small.exponent_bits and large.mantissa_bits >= small.mantissa_bits
    if isinstance(small, BlockFormat) and isinstance(large, BlockFormat):
        return (small.block_size == large.block_size and type(small.element) is type(large.element)
                and _dominates(small.element, large.element))
    return False


@pytest.mark.parametrize("node", [45, 7])
def test_whole_pe_table_never_cheaper_with_more_bits(node):
    """Every pair of `hwsim pe` rows (same PE kind and accumulator) where one row's formats have
    at least the other's bits in every field: it never costs less."""
    from hwsim.pe.catalog import pe_table

    table = pe_table(tech_point(node))
    table = table[table.pe != "bitfusion"]  # one fixed PE: energy per MAC falls by design
    checked = 0
    for _, group in table.groupby(["pe", "accumulator_format"]):
        rows = list(group.itertuples())
        for small in rows:
            for large in rows:
                if small is large or not (_dominates(parse_format(small.weight_format), parse_format(large.weight_format))
                                          and _dominates(parse_format(small.activation_format),
                                                         parse_format(large.activation_format))):
                    continue
                checked += 1
                for q in ("energy_per_mac_pj", "area_um2", "leakage_uw"):
                    assert getattr(large, q) >= getattr(small, q) - 1e-12, (small, large, q)
    assert checked > 100


def test_a_pe_with_fp_and_mixed_datapaths_pays_the_area_of_both():
    # weights int8 and fp16, activations fp16: two datapaths (INT x FP, FP x FP), each its own
    # hardware: area and leakage add, energy per MAC is the dearer one's, the delay the slower's
    # (MacPE.datapath_cost; the unit costs themselves are mac_cost's, tested elsewhere)
    from hwsim.pe.datapath import mac_cost

    i8, f16, acc = parse_format("int8"), parse_format("fp16"), parse_format("fp32")
    both = MacPE((i8, f16), (f16,), acc).datapath_cost(AT_45)
    mixed_path, fp_path = mac_cost(i8, f16, acc, AT_45, "array", None), mac_cost(f16, f16, acc, AT_45, "array", None)
    assert both.area_um2 == pytest.approx(mixed_path.area_um2 + fp_path.area_um2, rel=1e-12)
    assert both.leakage_uw == pytest.approx(mixed_path.leakage_uw + fp_path.leakage_uw, rel=1e-12)
    assert both.energy_pj == pytest.approx(max(mixed_path.energy_pj, fp_path.energy_pj), rel=1e-12)
    assert both.delay_ns == pytest.approx(max(mixed_path.delay_ns, fp_path.delay_ns), rel=1e-12)
    assert both.area_um2 > max(mixed_path.area_um2, fp_path.area_um2)
