"""Round-4 mutation pins on the PE cost models (hwsim/pe/mac.py, bitserial.py, lut.py, shiftadd.py,
datapath.py): netlists and records built by hand from the module docstrings out of the arithmetic
units (hwsim/tech/arith.py, pinned in tests/tech), at 45 nm / 0.9 V."""

from __future__ import annotations

import pytest

from hwsim.formats import Precision, parse_format
from hwsim.pe.mac import Conversion, MacPE
from hwsim.tech import arith
from hwsim.tech.costs import unit_cost
from hwsim.tech.nodes import tech_point

TECH = tech_point(45)
F = parse_format


def test_converting_a_group_scaled_int_applies_the_scale_per_element():
    """hwsim/pe/mac.py Conversion: int4@g128 (uint8 scale) weights dequantised to FP16 pay, per
    element, the INT -> FP converter of the 4-bit element and one FP16 multiply by the group's scale
    (an integer scale is converted once, so the multiply is FP16 x FP16)."""
    fp16 = F("fp16")
    conv = Conversion("weights", F("int4@g128"), fp16)
    want = unit_cost(arith.int_to_fp(4, fp16).then(arith.fp_multiplier(fp16, fp16, fp16)), TECH)
    got = conv.cost(TECH)
    assert got.energy_pj == pytest.approx(want.energy_pj, rel=1e-12)
    assert got.area_um2 == pytest.approx(want.area_um2, rel=1e-12)


@pytest.mark.parametrize("weights, activations, per_cycle", [("int4", "int8", 2), ("int2", "int8", 4),
                                                             ("int4", "int4", 4), ("int2", "int2", 16)])
def test_bit_fusion_packs_its_products_per_cycle_into_the_record(weights, activations, per_cycle):
    """hwsim/pe/mac.py (Bit Fusion): an 8 x 8 decomposable PE completes (8 / w) x (8 / a) products a
    cycle, 2 for INT4 x INT8, 4 for INT2 x INT8 and INT4 x INT4, 16 for INT2 x INT2; the datapath
    record carries it as k_per_step (the K the array sees shrinks by it)."""
    pe = MacPE((F("int2"), F("int4"), F("int8")), (F("int2"), F("int4"), F("int8")), F("int32"), decomposable=True)
    record = pe.record(Precision(F(weights), F(activations), F("int32")), TECH)
    assert record.k_per_step == per_cycle
    assert record.cycles_per_step == 1


def test_bit_fusion_rounds_a_declared_width_up_to_a_power_of_two_bricks():
    """hwsim/pe/mac.py: widths round up to 2, 4, 8, 16: a decomposable PE whose widest formats are
    int6 x int6 is built as the 8 x 8 fusion unit, (8/2) x (8/2) = 16 BitBricks, the same unit as an
    int8 x int8 one."""
    six = MacPE((F("int6"),), (F("int6"),), F("int32"), decomposable=True).datapath_cost(TECH)
    eight = MacPE((F("int8"),), (F("int8"),), F("int32"), decomposable=True).datapath_cost(TECH)
    assert (six.energy_pj, six.area_um2, six.leakage_uw) == pytest.approx(
        (eight.energy_pj, eight.area_um2, eight.leakage_uw), rel=1e-12)


def _shiftadd_mac_netlists():
    """hwsim/pe/shiftadd.py, int4 weights x int8 activations into an int32 group sum: the shift-add
    product and the add into the partial sum, and the operand registers of w + a = 4 + 8 = 12 bits."""
    from hwsim.pe.shiftadd import product_netlist

    return product_netlist(4, F("int8")).then(arith.accumulator(F("int32"))), arith.register(4 + 8)


def test_shiftadd_mac_pays_the_product_the_accumulate_and_both_operand_registers():
    from hwsim.pe.shiftadd import ShiftAddPE

    net, registers = _shiftadd_mac_netlists()
    want = unit_cost(net, TECH) + unit_cost(registers, TECH)
    got = ShiftAddPE((F("int4"),), (F("int8"),), F("int32")).mac_cost(4, F("int8"), TECH)
    assert (got.energy_pj, got.area_um2) == pytest.approx((want.energy_pj, want.area_um2), rel=1e-12)


def test_shiftadd_pipeline_cut_carries_weight_activation_and_accumulator_bits():
    """Above the unpipelined clock each extra stage adds a register across the cut of w + a +
    accumulator bits = 4 + 8 + 32 = 44 (the MAC PE's rule). A clock of 1.5 / the path's delay at 45 nm
    / 0.9 V needs ceil(1.5) = 2 stages: one 44-bit register more."""
    from hwsim.pe.datapath import reference_delay_ns
    from hwsim.pe.shiftadd import ShiftAddPE

    net, registers = _shiftadd_mac_netlists()
    delay_ns = reference_delay_ns(net.depth_fo4 + registers.depth_fo4)
    clock_mhz = 1.5 / delay_ns * 1e3
    want = unit_cost(net, TECH) + unit_cost(registers, TECH)
    pipe = unit_cost(arith.register(44), TECH)
    got = ShiftAddPE((F("int4"),), (F("int8"),), F("int32"), clock_mhz=clock_mhz).mac_cost(4, F("int8"), TECH)
    assert got.energy_pj == pytest.approx(want.energy_pj + pipe.energy_pj, rel=1e-12)
    assert got.area_um2 == pytest.approx(want.area_um2 + pipe.area_um2, rel=1e-12)
