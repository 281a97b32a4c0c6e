"""Calibration of the composed arithmetic units against published numbers (issue #3).

Published values are read from ../shared/reference/tech, not from hwsim's own copy; the copy
is checked against them too.
"""

import csv

import pytest

from hwsim.formats import parse_format
from hwsim.pe.mac import MacPE
from hwsim.tech import arith
from hwsim.tech.calibration import (ALADDIN_AREA_UM2, HOROWITZ_ENERGY_PJ, aladdin_netlist, horowitz_netlist)
from hwsim.tech.costs import unit_cost
from hwsim.tech.nodes import tech_point
from hwsim.workload.layer import Precision

AT_45 = tech_point(45)


def _horowitz(reference):
    with open(reference / "tech" / "horowitz_45nm.csv") as fh:
        return {(r["operation"], int(r["bits"])): float(r["energy_pj"]) for r in csv.DictReader(fh)
                if r["operation"] in ("int_add", "int_mult", "fp_add", "fp_mult")}


def _aladdin(reference):
    with open(reference / "tech" / "aladdin_40nm.csv") as fh:
        return {(r["component"], int(r["width_bits"])): r for r in csv.DictReader(fh)}


def _energy(unit, bits):
    return unit_cost(horowitz_netlist(unit, bits), AT_45).energy_pj


def _mac(w, a, acc, tech=AT_45):
    wf, af, accf = parse_format(w), parse_format(a), parse_format(acc)
    pe = MacPE((wf,), (af,), accf)
    return pe.energy_per_mac_pj(Precision(wf, af, accf), tech).value, pe.area_um2(tech).value


def test_hwsim_carries_the_reference_values(reference):
    assert HOROWITZ_ENERGY_PJ == _horowitz(reference)
    aladdin = _aladdin(reference)
    for key, area in ALADDIN_AREA_UM2.items():
        assert float(aladdin[key]["area_um2"]) == area


@pytest.mark.parametrize("unit, bits", sorted(HOROWITZ_ENERGY_PJ))
def test_horowitz_45nm_energy_within_25_percent(reference, unit, bits):
    published = _horowitz(reference)[(unit, bits)]
    assert _energy(unit, bits) == pytest.approx(published, rel=0.25)


@pytest.mark.parametrize("component, bits", sorted(ALADDIN_AREA_UM2))
def test_aladdin_40nm_area_within_30_percent(reference, component, bits):
    published = float(_aladdin(reference)[(component, bits)]["area_um2"])
    assert unit_cost(aladdin_netlist(component, bits), tech_point(40)).area_um2 == pytest.approx(published, rel=0.30)


def test_int8_mult_is_6p7x_int8_add_within_25_percent():
    assert _energy("int_mult", 8) / _energy("int_add", 8) == pytest.approx(0.2 / 0.03, rel=0.25)


def test_fp16_mult_is_5p5x_int8_mult_within_25_percent():
    assert _energy("fp_mult", 16) / _energy("int_mult", 8) == pytest.approx(1.1 / 0.2, rel=0.25)


@pytest.mark.parametrize("node", [45, 28, 7])
def test_fp8_e4m3_mac_fp32_acc_costs_1p5_to_2p8x_int8_mac_int32_acc(node):
    """van Baalen et al. (arXiv 2303.17951): FP8 is 50-180% less efficient than INT8."""
    tech = tech_point(node)
    fp8_energy, fp8_area = _mac("fp8_e4m3", "fp8_e4m3", "fp32", tech)
    int8_energy, int8_area = _mac("int8", "int8", "int32", tech)
    assert 1.5 <= fp8_energy / int8_energy <= 2.8
    assert 1.5 <= fp8_area / int8_area <= 2.8


def test_mxfp4_pe_is_smaller_than_nvfp4_pe():
    """INT v.s. FP (arXiv 2510.25602): MXFP4 (E8M0 scale, block 32) saves area against NVFP4
    (E4M3 scale, block 16): an exponent add per block instead of an FP8 multiply."""
    assert _mac("mxfp4", "mxfp4", "fp32")[1] < _mac("nvfp4", "nvfp4", "fp32")[1]


def test_mxint8_pe_is_cheaper_than_mxfp8_pe():
    """INT v.s. FP (arXiv 2510.25602): MXINT8 beats MXFP8 in hardware efficiency."""
    mxint8, mxfp8 = _mac("mxint8", "mxint8", "fp32"), _mac("mxfp8", "mxfp8", "fp32")
    assert mxint8[0] < mxfp8[0] and mxint8[1] < mxfp8[1]


def test_fused_product_is_cheaper_than_a_rounded_ieee_multiply():
    """One rounding, no product normalisation: an FMA-style product + add beats mult + add."""
    fp16, fp32 = parse_format("fp16"), parse_format("fp32")
    add = unit_cost(arith.fp_adder(fp32), AT_45).energy_pj
    separate = unit_cost(arith.fp_multiplier(fp16, fp16), AT_45).energy_pj + add
    fused = unit_cost(arith.fp_multiplier(fp16, fp16, fp32, rounded=False), AT_45).energy_pj + add
    assert fused < separate


def test_calibrate_command_prints_factors_residuals_and_ratios(capsys):
    from hwsim.cli import main

    assert main(["calibrate"]) == 0
    out = capsys.readouterr().out
    for text in ("energy_pj_per_um2", "ieee_multiplier_factor", "area_layout_factor", "residual", "horowitz_45nm",
                 "aladdin_40nm", "FP8 versus INT8"):
        assert text in out


def test_fp16_pe_energy_at_28nm_within_25_percent_of_bitmods_synthesised_pe(reference):
    """Independent of the calibration: BitMoD's FP16 baseline PE (its simulator's constants,
    synthesised at 28 nm, before its 1.5x place-and-route factor) is 0.77 pJ per cycle."""
    import json

    designs = json.loads((reference / "bitmod" / "designs.json").read_text())["designs"]
    published = designs["fp16/disc"]["pe_energy_pj_per_cycle_before_pr_scaling"]
    energy, _ = _mac("fp16", "fp16", "fp16", tech_point(28))
    assert energy == pytest.approx(published, rel=0.25)
