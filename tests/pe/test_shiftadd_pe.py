"""The MixPE-style shift-add PE (hwsim/pe/shiftadd.py), pinned to first principles: the
shift-add tree's cells counted by hand, dequantisation once per group (M x N x ceil(K/g), not
M x N x K), cheaper per MAC than an INT8 MAC, monotone in weight bits, the equal-area presets
within 5% of their budget, and bad specs refused with one clear error."""

import math

import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.formats import Precision
from hwsim.pe.catalog import pe_table
from hwsim.pe.shiftadd import shift_add_tree
from hwsim.tech import arith
from hwsim.tech.cells import AND2, FULL_ADDER, XOR2
from hwsim.tech.nodes import tech_point
from hwsim.workload import Gemm, Layer, Workload

MIXPE = ("mixpe-w4a8", "mixpe-w4a16")
EQUAL_AREA = (*MIXPE, "baseline-w8a8", "baseline-fp16", "baseline-w4a16-dequant")


@pytest.fixture(scope="module")
def table():
    return pe_table(tech_point(28))


def _row(table, pe, w, a):
    rows = table[(table.pe == pe) & (table.weight_format == w) & (table.activation_format == a)]
    assert len(rows) >= 1, (pe, w, a)
    return rows.iloc[0]


def test_shift_add_tree_cells_by_hand():
    # INT4 weight x INT8 activation: 4 gated copies (4 x 8 AND2), the sign copy inverted (8 XOR2),
    # w - 2 = 2 carry-save rows of 8 full adders, one 12-bit carry-propagate adder
    cells = shift_add_tree(4, 8).all_cells()
    adder = arith.int_adder(12).all_cells()
    assert cells[AND2] == 32 + adder[AND2]
    assert cells[XOR2] == 8 + adder[XOR2]
    assert cells[FULL_ADDER] == 2 * 8 + adder[FULL_ADDER]
    # INT2: two copies, no carry-save row, one 10-bit adder
    assert shift_add_tree(2, 8).all_cells()[FULL_ADDER] == arith.int_adder(10).all_cells()[FULL_ADDER]


def test_dequantisation_is_counted_once_per_group_not_per_weight():
    accel = hwsim.load_accelerator("mixpe-w4a8")
    m, k, n, g = 8, 300, 16, 128
    work = Workload("fc", (Layer("fc", Gemm(m, k, n)),))
    grouped = hwsim.simulate(accel, work, Precision(weights="int4@g128")).layers.iloc[0]
    plain = hwsim.simulate(accel, work, Precision(weights="int4")).layers.iloc[0]
    record = accel.pe.record(Precision("int4@g128", "int8", "int8", "int8"), accel.tech)
    assert record.group_size == g and record.energy_per_group_pj > 0
    assert record.energy_per_mac_pj == accel.pe.record(Precision("int4", "int8", "int8", "int8"),
                                                       accel.tech).energy_per_mac_pj
    groups = m * n * math.ceil(k / g)          # 8 x 16 x 3 = 384, not 8 x 16 x 300 = 38,400
    assert groups == 384
    diff = grouped["energy_compute_pj"] - plain["energy_compute_pj"]
    assert diff == pytest.approx(groups * record.energy_per_group_pj, rel=1e-9)
    assert diff < m * n * k * record.energy_per_group_pj / 50


def test_w4a8_shift_add_costs_less_per_mac_than_an_int8_mac(table):
    shift = _row(table, "shiftadd", "int4", "int8")
    mac = _row(table, "mac", "int8", "int8")
    assert shift.accumulator_format == mac.accumulator_format == "int32"
    assert shift.energy_per_mac_pj < mac.energy_per_mac_pj
    assert shift.area_um2 < mac.area_um2


@pytest.mark.parametrize("activations", ["int8", "fp16"])
def test_cost_grows_with_weight_bits(table, activations):
    rows = [_row(table, "shiftadd", f"int{b}", activations) for b in (2, 3, 4, 8)]
    energies = [r.energy_per_mac_pj for r in rows]
    areas = [r.area_um2 for r in rows]
    assert energies == sorted(energies) and len(set(energies)) == 4
    assert areas == sorted(areas) and len(set(areas)) == 4


def test_fp16_activations_cost_more_than_int8():
    # the FP path adds normalisation, exponent adjust and an FP accumulator to the same tree
    t = tech_point(28)
    table = pe_table(t)
    for b in (2, 3, 4, 8):
        assert _row(table, "shiftadd", f"int{b}", "fp16").energy_per_mac_pj > \
            _row(table, "shiftadd", f"int{b}", "int8").energy_per_mac_pj


def test_equal_area_presets_match_their_budget(table):
    budget_mm2 = 64 * 64 * _row(table, "mac", "int8", "int8").area_um2 / 1e6   # the 64x64 INT8 MAC array
    for name in EQUAL_AREA:
        accel = hwsim.load_accelerator(name)
        pe_array = accel.area_breakdown_mm2["pe_array"]
        assert pe_array == pytest.approx(accel.rows * accel.cols * accel.pe.area_um2(accel.tech).value / 1e6)
        assert abs(pe_array / budget_mm2 - 1) < 0.05, (name, pe_array, budget_mm2)
        assert accel.spec.tech_node_nm == 28 and accel.spec.clock_mhz == 1000 and accel.spec.mapping == "auto"
    assert hwsim.load_accelerator("baseline-w8a8").num_pes == 64 * 64


def test_mixpe_presets_run_group_weights_natively():
    for name in MIXPE:
        accel = hwsim.load_accelerator(name)
        assert accel.pe.name == "shiftadd"
        record = accel.pe.record(accel.default_precision, accel.tech)
        assert record.group_size == 128 and record.energy_convert_weights_pj == 0.0
    dequant = hwsim.load_accelerator("baseline-w4a16-dequant")
    record = dequant.pe.record(dequant.default_precision, dequant.tech)
    assert record.energy_convert_weights_pj > 0 and record.energy_per_group_pj == 0.0


BASE = ["compute.pe.type=shiftadd", "compute.pe.weights=[int4@g128]", "compute.pe.activations=[int8]",
        "compute.pe.accumulator=int32"]


def _accel(*extra):
    return hwsim.load_accelerator("mixpe-w4a8", [*BASE, *extra])


@pytest.mark.parametrize("overrides, match", [
    (["compute.pe.weights=[fp16]"], "shifts by integer weight bits"),
    (["compute.pe.weights=[fp8_e4m3]"], "shifts by integer weight bits"),
    (["compute.pe.weights=[int16]"], "shifts by integer weight bits"),
    (["compute.pe.weights=[int1]"], "shifts by integer weight bits"),
    (["compute.pe.weights=[mxfp4]"], "shifts by integer weight bits"),
    (["compute.pe.activations=[int8, fp16]"], "one activation datapath"),
    (["compute.pe.activations=[fp16]"], "need an FP accumulator"),
    (["compute.pe.accumulator=int16"], "cannot hold the sum"),
    (["compute.pe.weights=[int4@g128:fp16]"], "FP group scale"),
    (["compute.pe.decomposable=true"], "'decomposable' is not a key of a shiftadd PE"),
    (["compute.pe.bits_per_cycle=2"], "'bits_per_cycle' is not a key of a shiftadd PE"),
])
def test_bad_specs_are_refused(overrides, match):
    with pytest.raises(HwsimInputError, match=match) as info:
        _accel(*overrides)
    assert str(info.value).count("allowed") <= 1


def test_bad_layer_formats_are_refused():
    work = Workload("w", (Layer("w", Gemm(4, 256, 4)),))
    with pytest.raises(HwsimInputError, match="not supported by the shiftadd PE"):
        hwsim.simulate(_accel(), work, Precision(weights="int8"))
    with pytest.raises(HwsimInputError, match="smaller than the 128 PEs"):
        hwsim.simulate(_accel(), work, Precision(weights="int4@g32"))
    with pytest.raises(HwsimInputError, match="without a dequantisation unit"):
        hwsim.simulate(_accel("compute.pe.weights=[int4]"), work, Precision(weights="int4@g128"))
    with pytest.raises(HwsimInputError, match="activations format"):
        hwsim.simulate(_accel(), work, Precision(activations="int4"))
