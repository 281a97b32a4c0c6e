"""The LUT PE (T-MAC, arXiv 2407.00088; LUT Tensor Core, arXiv 2408.06003), pinned to first
principles: table sizes, lookups per weight bit, table amortisation over shared columns, group
scales per group, and its costs against a MAC PE."""

import math

import pandas as pd
import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.formats import Precision, parse_format
from hwsim.pe.catalog import pe_table
from hwsim.pe.lut import LutPE, adds_per_table
from hwsim.pe.mac import MacPE
from hwsim.tech.nodes import tech_point
from hwsim.workload import Gemm, Layer, Workload

BASE = ["compute.pe.type=lut", "compute.pe.weights=[int8]", "compute.pe.activations=[int8, fp16]",
        "compute.pe.accumulator=int32", "compute.pe.lut_table_format=int8", "mapping=scalesim",
        "compute.dataflow=os"]


def _accel(*extra):
    return hwsim.load_accelerator("scalesim-default", [*BASE, *extra])


def _record(accel, weights, activations="int8"):
    return accel.pe.record(Precision(weights, activations, "int8", "int8"), accel.tech)


def _gemm(m, k, n):
    return Workload("fc", (Layer("fc", Gemm(m, k, n)),))


# -- tables -------------------------------------------------------------------------------------
def test_group_of_four_stores_eight_entries_with_symmetry_and_sixteen_without():
    assert _record(_accel(), "int4").table_entries == 8            # 2^(4-1)
    assert _record(_accel("compute.pe.lut_symmetry=false"), "int4").table_entries == 16   # 2^4
    assert _record(_accel("compute.pe.lut_group_size=2"), "int4").table_entries == 2
    record = _record(_accel(), "int4")
    assert record.table_group == 4 and record.k_per_step == 4


def test_precompute_adds_by_hand():
    # {0,1} bits: 2^g - g - 1 (entry 0 and the g single activations are free)
    assert [adds_per_table(g, False) for g in (1, 2, 3, 4)] == [0, 1, 4, 11]
    # {-1,+1} bits, half stored: first entry g - 1 adds, then one add per Gray-code step
    assert [adds_per_table(g, True) for g in (1, 2, 3, 4)] == [0, 2, 5, 10]
    # symmetry stores and builds less
    for act in ("int8", "fp16"):
        sym = _record(_accel(), "int4", act).energy_per_table_pj
        full = _record(_accel("compute.pe.lut_symmetry=false"), "int4", act).energy_per_table_pj
        assert 0 < sym < full


# -- bit-serial lookups -------------------------------------------------------------------------
def test_cycles_per_step_are_the_weight_bit_planes():
    accel = _accel()
    for bits in range(1, 9):
        assert _record(accel, f"int{bits}").cycles_per_step == bits
    two = _accel("compute.pe.bits_per_cycle=2")
    assert [_record(two, f"int{b}").cycles_per_step for b in (1, 2, 3, 4, 8)] == [1, 1, 2, 2, 4]
    # a group-scaled weight walks its element's bits
    assert _record(accel, "int4@g128").cycles_per_step == 4


def test_lookups_per_mac_scale_exactly_with_weight_bits():
    accel = _accel()
    for act in ("int8", "fp16"):
        e1 = _record(accel, "int1", act).energy_per_mac_pj
        for bits in range(1, 9):
            assert _record(accel, f"int{bits}", act).energy_per_mac_pj == pytest.approx(bits * e1, rel=1e-12)
        # the papers' direction: 4-bit weights cost twice 2-bit ones
        assert _record(accel, "int4", act).energy_per_mac_pj == pytest.approx(
            2 * _record(accel, "int2", act).energy_per_mac_pj, rel=1e-12)


def test_energy_per_mac_is_lookups_times_lookup_energy_over_g():
    accel = _accel("compute.pe.lut_group_size=4")
    lookup = accel.pe.lookup_cost(accel.tech).energy_pj
    assert _record(accel, "int3").energy_per_mac_pj == pytest.approx(3 * lookup / 4, rel=1e-12)
    # dot_product_width 2: two tables per cycle, k_per_step = 8
    dp2 = _accel("compute.pe.dot_product_width=2")
    assert _record(dp2, "int4").k_per_step == 8
    assert accel.info()["peak_macs_per_cycle"] == 32 * 32 * 4 / 8     # int8 default weights, 1 bit/cycle


def test_hwsim_pe_catalog_has_lut_rows_linear_in_bits():
    table = pe_table(tech_point(28))
    lut = table[table.pe == "lut"]
    assert len(lut) == 16
    assert set(lut.weight_format) == {f"int{b}" for b in range(1, 9)}
    assert set(lut.activation_format) == {"int8", "fp16"}
    for act in ("int8", "fp16"):
        rows = lut[lut.activation_format == act].set_index("weight_format")
        assert rows.loc["int4", "energy_per_mac_pj"] == pytest.approx(2 * rows.loc["int2", "energy_per_mac_pj"])
        assert rows.area_um2.nunique() == 1       # one PE runs every weight width


# -- against a MAC PE ---------------------------------------------------------------------------
def test_lut_beats_a_mac_at_low_weight_bits_and_loses_at_eight():
    tech = tech_point(28)
    cases = (("int8", "int8", "int32"), ("fp16", "fp16", "fp32"))
    for act, table, acc in cases:
        a, accf = parse_format(act), parse_format(acc)
        lut = LutPE((parse_format("int8"),), (a,), accf, table_format=parse_format(table))
        for bits in (1, 2):
            w = parse_format(f"int{bits}")
            mac = MacPE((w,), (a,), accf)
            p = Precision(w, a, accf)
            assert lut.energy_per_mac_pj(p, tech).value < mac.energy_per_mac_pj(p, tech).value
        w8 = parse_format("int8")
        if act == "int8":   # a bit-parallel 8x8 MAC is cheaper than 8 bit-serial lookups
            p = Precision(w8, a, accf)
            assert lut.energy_per_mac_pj(p, tech).value > MacPE((w8,), (a,), accf).energy_per_mac_pj(p, tech).value


def test_fp16_tables_cost_more_than_int8_tables():
    tech = tech_point(28)
    int_lut = LutPE((parse_format("int4"),), (parse_format("int8"),), parse_format("int32"))
    fp_lut = LutPE((parse_format("int4"),), (parse_format("fp16"),), parse_format("fp32"),
                   table_format=parse_format("fp16"))
    assert fp_lut.area_um2(tech).value > int_lut.area_um2(tech).value
    assert (fp_lut.energy_per_mac_pj(Precision("int4", "fp16"), tech).value
            > int_lut.energy_per_mac_pj(Precision("int4", "int8"), tech).value)


def test_sram_tables_are_priced_and_registers_hold_entries_times_bits():
    regs = _accel()
    sram = _accel("compute.pe.lut_table_storage=sram")
    assert _record(sram, "int4").energy_per_mac_pj != _record(regs, "int4").energy_per_mac_pj
    assert sram.pe.area_um2(sram.tech).value > 0
    # one more register table entry (symmetry off: 16 entries) costs area
    assert _accel("compute.pe.lut_symmetry=false").pe.area_um2(regs.tech).value > regs.pe.area_um2(regs.tech).value


# -- through the engine: tables and groups ------------------------------------------------------
@pytest.mark.parametrize("dataflow", ["os", "ws"])
def test_table_precompute_amortises_over_the_columns_sharing_it(dataflow):
    accel = _accel(f"compute.dataflow={dataflow}")          # 32 x 32 array, g = 4
    rec = _record(accel, "int8")
    m, k = 8, 100                                            # ceil(100 / 4) = 25 K groups

    def compute(n):
        return hwsim.simulate(accel, _gemm(m, k, n)).layers.iloc[0]["energy_compute_pj"]

    # N = 32: one column fold -> 8 x 25 x 1 = 200 tables; N = 33: two folds -> 400; N = 64: 400
    assert compute(32) == pytest.approx(m * k * 32 * rec.energy_per_mac_pj + 200 * rec.energy_per_table_pj, rel=1e-9)
    assert compute(33) == pytest.approx(m * k * 33 * rec.energy_per_mac_pj + 400 * rec.energy_per_table_pj, rel=1e-9)
    assert compute(64) - compute(33) == pytest.approx(m * k * 31 * rec.energy_per_mac_pj, rel=1e-9)
    # per output column, the table cost falls as 1 / (columns sharing the table)
    per_column_32 = (compute(32) - m * k * 32 * rec.energy_per_mac_pj) / 32
    per_column_1 = compute(1) - m * k * 1 * rec.energy_per_mac_pj
    assert per_column_32 == pytest.approx(per_column_1 / 32, rel=1e-9)


def test_group_scaled_weights_pay_once_per_group():
    accel = _accel()
    rec = _record(accel, "int4@g128")
    assert rec.group_size == 128 and rec.energy_per_group_pj > 0
    m, k, n = 4, 300, 32                                       # ceil(300 / 128) = 3 groups per output
    row = hwsim.simulate(accel, _gemm(m, k, n), Precision(weights="int4@g128")).layers.iloc[0]
    groups = m * n * 3
    tables = m * math.ceil(k / 4) * 1
    assert row["energy_compute_pj"] == pytest.approx(
        m * k * n * rec.energy_per_mac_pj + groups * rec.energy_per_group_pj + tables * rec.energy_per_table_pj,
        rel=1e-9)


def test_bit_serial_stretches_the_stream_not_the_folds():
    accel = _accel()
    work = _gemm(64, 4096, 64)
    r2 = hwsim.simulate(accel, work, Precision(weights="int2")).layers.iloc[0]
    r4 = hwsim.simulate(accel, work, Precision(weights="int4")).layers.iloc[0]
    folds = math.ceil(64 / 32) * math.ceil(64 / 32)
    # SCALE-Sim's OS fold: T + R + C - 2, T = ceil(K / g) x cycles per step
    assert r2["compute_cycles"] == folds * (1024 * 2 + 32 + 32 - 2) - 1
    assert r4["compute_cycles"] == folds * (1024 * 4 + 32 + 32 - 2) - 1
    assert r2["folds"] == r4["folds"] == folds


# -- presets and sweeps -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["lut-tensor-core-like", "tmac-cpu-like"])
def test_presets_load_and_report(name):
    accel = hwsim.load_accelerator(name)
    info = accel.info()
    assert info["pe"] == "lut" and info["mapping"] == "auto"
    result = hwsim.simulate(accel, _gemm(4, 1024, 256))
    assert result.layers.iloc[0]["energy_compute_pj"] > 0


def test_lut_tensor_core_like_mirrors_the_paper_tile():
    accel = hwsim.load_accelerator("lut-tensor-core-like")
    assert (accel.rows, accel.cols) == (2, 64)
    rec = accel.pe.record(accel.default_precision, accel.tech)
    assert rec.k_per_step == 4 and rec.table_entries == 8 and rec.cycles_per_step == 2   # int2, 1 bit/cycle
    assert accel.info()["peak_macs_per_cycle"] == 2 * 64 * 4 / 2


def test_evaluate_sweeps_pe_type_and_group_size():
    # the MAC row leaves the LUT key empty: a MAC PE has no lut_group_size (a value there is refused)
    points = pd.DataFrame({"compute.pe.type": ["lut", "lut", "lut", "mac"],
                           "compute.pe.lut_group_size": [2, 4, 8, None],
                           "default_precision.weights": ["int4"] * 4})
    work = _gemm(8, 4096, 512)
    table = hwsim.evaluate("lut-tensor-core-like", work, points)
    assert list(table["compute.pe.type"]) == ["lut", "lut", "lut", "mac"]
    cycles = table["compute_cycles"].to_numpy()
    # larger groups cover more K per lookup: fewer cycles (4096 / g steps of 4 bit-planes)
    assert cycles[0] > cycles[1] > cycles[2]
    # each point agrees with simulate on the same design
    for i, g in enumerate((2, 4, 8)):
        accel = hwsim.load_accelerator("lut-tensor-core-like", [f"compute.pe.lut_group_size={g}",
                                                                "default_precision.weights=int4"])
        one = hwsim.simulate(accel, work).layers.iloc[0]
        assert table["energy_compute_pj"].iloc[i] == pytest.approx(one["energy_compute_pj"], rel=1e-12)


# -- bad specs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("override, fragment", [
    ("compute.pe.lut_group_size=0", "lut_group_size"),
    ("compute.pe.lut_group_size=9", "lut_group_size"),
    ("compute.pe.weights=[fp16]", "compute.pe.weights"),
    ("compute.pe.activations=[mxfp8_e4m3]", "compute.pe.activations"),
    ("compute.pe.lut_table_format=fp16", "compute.pe.accumulator"),     # FP tables on an INT accumulator
    ("compute.pe.lut_table_storage=dram", "lut_table_storage"),
])
def test_bad_specs_give_one_clear_input_error(override, fragment):
    with pytest.raises(HwsimInputError) as exc:
        _accel(override)
    assert fragment in str(exc.value)


def test_fp_weights_in_a_layer_name_the_layer():
    with pytest.raises(HwsimInputError) as exc:
        hwsim.simulate(_accel(), _gemm(4, 64, 64), Precision(weights="fp8_e4m3"))
    assert "layer 'fc'" in str(exc.value) and "int1..int8" in str(exc.value)


def test_unsupported_activation_in_a_layer_is_named():
    with pytest.raises(HwsimInputError) as exc:
        hwsim.simulate(_accel(), _gemm(4, 64, 64), Precision(activations="bf16"))
    assert "layer 'fc'" in str(exc.value) and "bf16" in str(exc.value)
