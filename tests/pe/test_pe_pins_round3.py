"""Round-3 mutation pins on the PE cost models (hwsim/pe/mac.py, datapath.py, lut.py): each test
builds the netlist a module docstring (or docs/models/lut-pe.md) documents out of the arithmetic
models' units (hwsim/tech/arith.py, pinned cell by cell in tests/tech) and checks the PE prices
exactly that, at 45 nm / 0.9 V (the calibration point).
"""

from __future__ import annotations

import pytest

from hwsim.errors import HwsimInputError
from hwsim.formats import Precision, parse_format
from hwsim.memory.sram import sram_cost
from hwsim.pe.bitserial import BitSerialPE
from hwsim.pe.lut import LutPE
from hwsim.pe.mac import MacPE
from hwsim.tech import arith
from hwsim.tech.cells import MUX2, XOR2
from hwsim.tech.costs import unit_cost
from hwsim.tech.netlist import Netlist
from hwsim.tech.nodes import tech_point

TECH = tech_point(45)
F = parse_format


def _same(got, want):
    assert (got.energy_pj, got.area_um2, got.leakage_uw) == pytest.approx(
        (want.energy_pj, want.area_um2, want.leakage_uw), rel=1e-12)


# -- MAC PE -------------------------------------------------------------------------------------

def test_bit_fusion_unit_of_one_brick_is_the_documented_netlist():
    """hwsim/pe/mac.py, Bit Fusion (Sharma et al. ISCA 2018): a W x A fusion unit is (W/2)(A/2)
    BitBricks (3 x 3 signed multipliers, each with a shifter), a tree of bricks - 1 adders, one
    accumulator and a register of W + A bits. A 2 x 2 unit is one brick: no tree; its shifter
    places a 6-bit brick product over W + A = 4 positions; the register holds 2 + 2 bits."""
    pe = MacPE((F("int2"),), (F("int2"),), F("int8"), decomposable=True)
    net = (arith.int_multiplier(3, 3).then(arith.shifter(6, 4))      # 1 = (2/2) x (2/2) BitBrick
           .then(arith.accumulator(F("int8"))).then(arith.register(2 + 2)))
    want = unit_cost(net, TECH)
    _same(pe.datapath_cost(TECH), want)
    # one product per cycle at int2 x int2: the whole unit's energy per MAC
    assert pe.macs_per_cycle(Precision(F("int2"), F("int2"), F("int8"))) == 1.0
    assert pe.energy_per_mac_pj(Precision(F("int2"), F("int2"), F("int8")), TECH).value == pytest.approx(
        want.energy_pj, rel=1e-12)


def test_operand_registers_hold_both_operands_of_a_mixed_width_mac():
    """hwsim/pe/datapath.py: every MAC toggles its operand pipeline registers, weight bits +
    activation bits (4 + 8 = 12 for int4 x int8), after an int4 x int8 array multiplier and the
    int32 accumulator (adder + register)."""
    pe = MacPE((F("int4"),), (F("int8"),), F("int32"))
    want = (unit_cost(arith.int_multiplier(4, 8).then(arith.accumulator(F("int32"))), TECH)
            + unit_cost(arith.register(4 + 8), TECH))
    got = pe.mac_cost(Precision(F("int4"), F("int8"), F("int32")), TECH)
    _same(got, want)


def test_block_scale_work_is_amortised_over_the_block():
    """hwsim/pe/datapath.py: block x block (MX) MACs pay the element product per MAC and the
    shared-scale combine, conversion and FP accumulation once per block, i.e. 1/32 of it per MAC
    for MXINT8 (block size 32); operand registers 8 + 8 bits."""
    w = a = F("mxint8")
    acc = F("fp32")
    pe = MacPE((w,), (a,), acc)
    per_block = unit_cost(arith.block_scale_and_accumulate(w, a, acc), TECH)
    want_energy = (unit_cost(arith.block_element_mac(w, a), TECH).energy_pj
                   + unit_cost(arith.register(8 + 8), TECH).energy_pj + per_block.energy_pj / 32)
    got = pe.mac_cost(Precision(w, a, acc), TECH)
    assert got.energy_pj == pytest.approx(want_energy, rel=1e-12)
    # sharing spreads energy only: the per-block unit is built once, its whole area and leakage count
    element, regs = unit_cost(arith.block_element_mac(w, a), TECH), unit_cost(arith.register(8 + 8), TECH)
    assert got.area_um2 == pytest.approx(element.area_um2 + regs.area_um2 + per_block.area_um2, rel=1e-12)
    assert got.leakage_uw == pytest.approx(element.leakage_uw + regs.leakage_uw + per_block.leakage_uw, rel=1e-12)


def test_int_group_scale_on_an_int_accumulator_multiplies_and_accumulates():
    """hwsim/pe/mac.py _group_scale_cost: once per group of int4@g128 weights (uint8 scale) the
    group's partial sum is multiplied by the scale (an int32 x 8-bit multiplier) and added into the
    running sum (the int32 accumulator: adder + register)."""
    pe = MacPE((F("int4"),), (F("int8"),), F("int32"))   # the group's int4 element runs natively
    record = pe.record(Precision(F("int4@g128"), F("int8"), F("int8")), TECH)
    want = unit_cost(arith.int_multiplier(32, 8).then(arith.accumulator(F("int32"))), TECH)
    assert record.group_size == 128
    assert record.energy_per_group_pj == pytest.approx(want.energy_pj, rel=1e-12)


def test_an_int_accumulator_must_hold_the_whole_product():
    """hwsim/pe/datapath.py check_accumulator_width: INT x INT needs at least weight + activation
    bits: int8 x int8 = 16 bits, so int16 is accepted and int15 refused."""
    MacPE((F("int8"),), (F("int8"),), F("int16"))
    with pytest.raises(HwsimInputError, match="narrower than the 16-bit product"):
        MacPE((F("int8"),), (F("int8"),), F("int15"))


# -- LUT PE -------------------------------------------------------------------------------------

def _lut(**kw):
    base = dict(group_size=4, symmetry=True, table_format=F("int8"), bits_per_cycle=2, dot_product_width=2)
    base.update(kw)
    return LutPE((F("int4"),), (F("int8"),), F("int32"), **base)


def _lut_lane_and_cycle(storage_registers: bool) -> Netlist:
    """docs/models/lut-pe.md, g = 4 with symmetry (8 stored int8 entries), int4 weights, 2 bit-planes
    x 2 tables = 4 lanes, int32 accumulator. One lane: g - 1 = 3 XOR2 (index invert); registers: a
    mux tree of (8 - 1) MUX2 per entry bit, log2 8 = 3 levels; 8 XOR2 (negate the int8 entry); a
    shifter of 8 + 4 - 1 = 11 bits by up to 3. One cycle: 4 lanes, 3 adders of 32 bits, the int32
    accumulator, a register of 4 lanes x g = 16 index bits."""
    lane = Netlist.of({XOR2: 3}, XOR2.delay_fo4)
    if storage_registers:
        lane = lane.then(Netlist.of({MUX2: (8 - 1) * 8}, 3 * MUX2.delay_fo4))
    lane = lane.then(Netlist.of({XOR2: 8}, XOR2.delay_fo4)).then(arith.shifter(11, 3))
    return (lane.times(4).then(arith.int_adder(32).times(3)).then(arith.accumulator(F("int32")))
            .then(arith.register(4 * 4)))


def test_lut_cycle_with_register_tables_is_the_documented_netlist():
    """Energy per MAC = b x E_lookup / g with E_lookup = the cycle's energy / 4 lanes: for int4
    weights 4 x E / 4 / 4. Area: the cycle unit plus the tables, one per table read per cycle,
    as DFFs: 8 entries x 8 bits x 2 tables = 128 bits."""
    pe = _lut()
    cycle = unit_cost(_lut_lane_and_cycle(True), TECH)
    record = pe.record(Precision(F("int4"), F("int8"), F("int32")), TECH)
    assert record.energy_per_mac_pj == pytest.approx(4 * cycle.energy_pj / 4 / 4, rel=1e-12)
    tables = unit_cost(arith.register(8 * 8 * 2), TECH)
    got = pe.datapath_cost(TECH)
    assert got.area_um2 == pytest.approx(cycle.area_um2 + tables.area_um2, rel=1e-12)
    assert got.leakage_uw == pytest.approx(cycle.leakage_uw + tables.leakage_uw, rel=1e-12)


def test_lut_cycle_with_sram_tables_reads_one_entry_per_lane():
    """SRAM tables: no mux tree; every lane reads one 8-bit entry from its own tiny SRAM (8 x 8 bits,
    one bank, an 8-bit port, hwsim/memory/sram.py's model, lop cells): + 4 lanes x 8 bits x the read
    energy per bit a cycle; area and leakage: one such SRAM per lookup lane (4)."""
    pe = _lut(table_storage="sram")
    sram = sram_cost(8 * 8 / 8192, 1, 8, TECH, cell="lop")
    cycle = unit_cost(_lut_lane_and_cycle(False), TECH)
    cycle_energy = cycle.energy_pj + sram.read_pj_per_bit.value * 8 * 4
    record = pe.record(Precision(F("int4"), F("int8"), F("int32")), TECH)
    assert record.energy_per_mac_pj == pytest.approx(4 * cycle_energy / 4 / 4, rel=1e-12)
    got = pe.datapath_cost(TECH)
    assert got.area_um2 == pytest.approx(cycle.area_um2 + 4 * sram.area_um2.value, rel=1e-12)
    assert got.leakage_uw == pytest.approx(cycle.leakage_uw + 4 * sram.leakage_uw.value, rel=1e-12)


def test_lut_published_energy_is_shared_by_g_times_dp_products():
    """A published per-cycle energy (spec energy_pj_per_cycle): one cycle covers g x dp products of
    a bit-plane, a b-bit weight takes ceil(b / bits_per_cycle) cycles: 2.0 pJ x 4 cycles (int4 at one
    plane a cycle) / (g 4 x dp 2) = 1.0 pJ per MAC."""
    pe = _lut(bits_per_cycle=1, published_energy_pj_per_cycle=2.0)
    record = pe.record(Precision(F("int4"), F("int8"), F("int32")), TECH)
    assert record.cycles_per_step == 4 and record.k_per_step == 4 * 2
    assert record.energy_per_mac_pj == pytest.approx(2.0 * 4 / (4 * 2), rel=1e-12)


def test_lut_int_table_precompute_by_hand():
    """docs/models/lut-pe.md, once per table, INT activations into INT entries: exact sums of g = 4
    int8 activations need 8 + log2 4 = 10 bits; with symmetry 2^(4-1) + 4 - 2 = 10 adds of 10 bits;
    10 bits > the int8 entry, so requantise: a max search of 8 - 1 = 7 comparators of 10 bits, then
    per stored entry (8) a shifter of 10 bits by up to 10 - 8 = 2 and an 8-bit rounding incrementer;
    the table write: one DFF per entry bit, 8 x 8."""
    pe = _lut()
    net = (arith.int_adder(10).times(10).then(arith.comparator(10).times(7))
           .then(arith.shifter(10, 2).then(arith.incrementer(8)).times(8)))
    want = unit_cost(net, TECH).energy_pj + unit_cost(arith.register(8 * 8), TECH).energy_pj
    assert pe.table_cost_pj(F("int8"), TECH) == pytest.approx(want, rel=1e-12)


def test_lut_fp_activations_quantised_into_int_entries_by_hand():
    """T-MAC's tables (docs/models/lut-pe.md): FP16 activations summed in FP (10 FP16 adds with
    symmetry at g = 4, and g - 1 = 3 exponent incrementers for the Gray-code walk's 2 a_j), then
    the table's scale: 8 - 1 = 7 comparators of 16 bits (max |entry|), and every one of the 8
    stored entries quantised to int8 (align: a shifter of 8 bits by up to 8; round: an 8-bit
    incrementer; sign: 8 XOR2); the table write: 8 x 8 DFF bits."""
    pe = LutPE((F("int4"),), (F("fp16"),), F("int32"), group_size=4, symmetry=True, table_format=F("int8"))
    to_int = arith.shifter(8, 8).then(arith.incrementer(8)).then(Netlist.of({XOR2: 8}, XOR2.delay_fo4))
    net = (arith.fp_adder(F("fp16")).times(10).then(arith.incrementer(5).times(3))
           .then(arith.comparator(16).times(7)).then(to_int.times(8)))
    want = unit_cost(net, TECH).energy_pj + unit_cost(arith.register(8 * 8), TECH).energy_pj
    assert pe.table_cost_pj(F("fp16"), TECH) == pytest.approx(want, rel=1e-12)


# -- bit-serial PE ------------------------------------------------------------------------------

def test_bitserial_fp_lane_is_a_mixed_product_and_the_pe_is_sized_for_its_widest_activation():
    """docs/models/bitserial.md: with FP activations a lane is a mixed (b-bit integer x FP
    significand) product; with dp = 1 no adder tree; the shifter aligns the accumulator's 32 bits
    over the 4 weight-bit positions; the fp32 accumulator; operand registers 1 x (16 + 1) bits.
    The PE's area is that of its widest activation's cycle (fp16 over fp8_e4m3)."""
    pe = BitSerialPE((F("int4"),), (F("fp8_e4m3"), F("fp16")), F("fp32"), bits_per_cycle=1)
    net = (arith.mixed_multiplier(1, F("fp16")).then(arith.shifter(32, 4))
           .then(arith.accumulator(F("fp32"))).then(arith.register(1 * (16 + 1))))
    want = unit_cost(net, TECH)
    _same(pe.datapath_cost(TECH), want)
    # int4 weights at one bit a cycle: 4 cycles per MAC on one lane
    record = pe.record(Precision(F("int4"), F("fp16"), F("fp32")), TECH)
    assert record.energy_per_mac_pj == pytest.approx(4 * want.energy_pj, rel=1e-12)


def test_each_extra_pipeline_stage_adds_a_whole_register_across_the_cut():
    """hwsim/pe/datapath.py mac_cost: above the unpipelined clock, each extra stage adds a register
    across the cut, weight + activation + accumulator bits (8 + 8 + 32 = 48 for int8 x int8 into
    int32): its energy, area AND leakage. At 3 GHz the int8 MAC needs k >= 1 extra stages; whatever k
    is, the three differences against the unpipelined PE are k of that register each."""
    p = Precision(F("int8"), F("int8"), F("int32"))
    slow = MacPE((F("int8"),), (F("int8"),), F("int32")).mac_cost(p, TECH)
    fast = MacPE((F("int8"),), (F("int8"),), F("int32"), clock_mhz=3000.0).mac_cost(p, TECH)
    reg = unit_cost(arith.register(8 + 8 + 32), TECH)
    k = (fast.energy_pj - slow.energy_pj) / reg.energy_pj
    assert k >= 1 and k == pytest.approx(round(k), abs=1e-9)
    k = round(k)
    assert fast.area_um2 - slow.area_um2 == pytest.approx(k * reg.area_um2, rel=1e-9)
    assert fast.leakage_uw - slow.leakage_uw == pytest.approx(k * reg.leakage_uw, rel=1e-9)


def test_bit_fusion_8x8_unit_has_bricks_minus_one_adders():
    """hwsim/pe/mac.py: an 8 x 8 fusion unit is 16 BitBricks (3 x 3 multipliers, each with a
    shifter onto 16 bits), a tree of 16 - 1 = 15 adders of 16 bits, the int32 accumulator and a
    16-bit register; the tree is log2(16) = 4 adders deep. It once priced a 16th adder for its
    depth, which it then put at two adders."""
    pe = MacPE((F("int8"),), (F("int8"),), F("int32"), decomposable=True)
    net = (arith.int_multiplier(3, 3).then(arith.shifter(6, 16))).times(16) \
        .then(arith.int_adder(16).times(15)).then(arith.accumulator(F("int32"))).then(arith.register(16))
    want = unit_cost(net, TECH)
    got = pe.datapath_cost(TECH)
    assert (got.energy_pj, got.area_um2) == pytest.approx((want.energy_pj, want.area_um2), rel=1e-12)
    # the path: a brick, log2(16) = 4 levels of the balanced adder tree, the accumulator, the register
    path = [arith.int_multiplier(3, 3), arith.shifter(6, 16), *[arith.int_adder(16)] * 4,
            arith.accumulator(F("int32")), arith.register(16)]
    assert got.delay_ns == pytest.approx(sum(unit_cost(unit, TECH).delay_ns for unit in path), rel=1e-12)
