"""Changing only a layer's precision moves latency, energy and bits the way physics says, by
amounts pinned from first principles."""

import numpy as np
import pytest

import hwsim
from hwsim.arch.fabrics.systolic.timing import systolic_timing
from hwsim.errors import HwsimInputError
from hwsim.formats import parse_format
from hwsim.workload import Gemm, Layer, Precision, Workload

F = parse_format
FC = Workload("fc", (Layer("fc", Gemm(16, 256, 64)),))  # weights fit on chip: read once from DRAM


def _row(accel, work=FC, precision=None):
    return hwsim.simulate(accel, work, precision).layers.iloc[0]


def test_capacity_pressure_int4_weights_fit_where_int8_do_not():
    # IS re-reads B per column fold unless it fits: 48 KiB of int8 weights vs a 32 KiB working
    # half of the filter SRAM, 24 KiB at int4
    accel = hwsim.load_accelerator("scalesim-default", ["compute.pe.weights=[int8, int4]", "compute.dataflow=is"])
    work = Workload("big", (Layer("big", Gemm(512, 768, 64)),))
    w8, w4 = _row(accel, work, Precision(weights=F("int8"))), _row(accel, work, Precision(weights=F("int4")))
    assert 768 * 64 * 8 > accel.design.working_bits[1][0] >= 768 * 64 * 4
    assert w4["dram_filter_reads_words"] == 768 * 64            # read once
    assert w8["dram_filter_reads_words"] > 768 * 64             # refetched
    weight_bits = lambda r, bits: r["dram_filter_reads_words"] * bits  # noqa: E731
    assert w8["dram_reads_bits"] - weight_bits(w8, 8) == w4["dram_reads_bits"] - weight_bits(w4, 4)
    assert w4["compute_cycles"] == w8["compute_cycles"]


def test_conversion_charges_the_dequantiser_per_weight_delivered():
    accel = hwsim.load_accelerator("scalesim-default", [
        "compute.pe.weights=[fp16]", "compute.pe.activations=[fp16]", "compute.pe.accumulator=fp32",
        "default_precision.weights=fp16", "default_precision.activations=fp16", "default_precision.outputs=fp16",
        "compute.pe.conversions=[{operand: weights, from: int4, to: fp16}]"])
    native = _row(accel)
    converted = _row(accel, precision=Precision(weights=F("int4")))
    pe, tech = accel.pe, accel.tech
    e_mac = pe.energy_per_mac_pj(Precision(F("fp16"), F("fp16"), F("fp16")), tech).value
    e_convert = pe.conversion_energy_pj("weights", F("int4"), tech)
    assert e_convert > 0
    macs = 16 * 256 * 64
    assert native["energy_compute_pj"] == pytest.approx(macs * e_mac, rel=1e-12)
    assert converted["energy_compute_pj"] == pytest.approx(
        macs * e_mac + converted["sram_filter_reads_words"] * e_convert, rel=1e-12)
    # bits moved stay at the stored 4 bits
    assert native["dram_reads_bits"] - converted["dram_reads_bits"] == 256 * 64 * (16 - 4)
    assert accel.area_breakdown_mm2["converters"] > 0


def test_unsupported_format_without_conversion_is_an_error_naming_layer_and_operand():
    accel = hwsim.load_accelerator("scalesim-default")
    with pytest.raises(HwsimInputError) as err:
        _row(accel, precision=Precision(weights=F("fp8_e4m3")))
    text = str(err.value)
    assert "layer 'fc'" in text and "weights" in text and "fp8_e4m3" in text and "allowed: int8" in text


@pytest.mark.parametrize("weights, activations, pack", [("int8", "int8", 1), ("int4", "int8", 2),
                                                         ("int2", "int8", 4), ("int4", "int4", 4)])
def test_bit_fusion_pe_packs_the_reduction_dimension(weights, activations, pack):
    accel = hwsim.load_accelerator("scalesim-default", [
        "compute.pe.weights=[int8, int4, int2]", "compute.pe.activations=[int8, int4, int2]",
        "compute.pe.decomposable=true"])
    m, k, n = 100, 300, 70
    work = Workload("g", (Layer("g", Gemm(m, k, n)),))
    row = _row(accel, work, Precision(weights=F(weights), activations=F(activations)))
    expected = systolic_timing(np.array([m]), np.array([-(-k // pack)]), np.array([n]), 32, 32, "ws")
    assert row["compute_cycles"] == expected.compute_cycles[0]
    assert row["macs"] == m * k * n
    assert 0 < row["utilization"] <= 1


def test_narrower_accumulator_costs_less_energy_and_area():
    wide = hwsim.load_accelerator("scalesim-default")
    narrow = hwsim.load_accelerator("scalesim-default", ["compute.pe.accumulator=int24"])
    assert _row(narrow)["energy_compute_pj"] < _row(wide)["energy_compute_pj"]
    assert narrow.area_breakdown_mm2["pe_array"] < wide.area_breakdown_mm2["pe_array"]


def test_newer_node_cuts_compute_energy_and_area_at_equal_cycles():
    old = hwsim.load_accelerator("scalesim-default", ["tech_node_nm=45"])
    new = hwsim.load_accelerator("scalesim-default", ["tech_node_nm=7"])
    a, b = _row(old), _row(new)
    assert a["total_cycles"] == b["total_cycles"]
    ratio = b["energy_compute_pj"] / a["energy_compute_pj"]
    assert ratio == pytest.approx(new.tech.energy_factor, rel=1e-9)  # every cell scales alike
    assert new.area_mm2 < old.area_mm2
