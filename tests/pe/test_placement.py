"""The place-and-route area factor (hwsim/pe/placement.py): its fit written out by hand on the
published areas, the held-out check, the cell-count column, published areas left alone, and
ratios a uniform factor cannot change.

Published numbers written here by hand: BitMoD's 28 nm PE areas (../shared/reference/bitmod/
designs.json: fp16 1968.7 um2, ANT/OliVe 1318.6 um2) and TPU v1's matrix unit (Jouppi et al.,
ISCA 2017: 24 % of a <= 331 mm2 die, 256 x 256 MACs). Cell counts come from hwsim's cell model
(mac_cost; calibrated and tested in tests/pe/test_pe_calibration.py), which this factor leaves
unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

import hwsim
from hwsim.cli import main
from hwsim.formats import parse_format
from hwsim.pe.datapath import mac_cost
from hwsim.pe.mac import MacPE
from hwsim.pe.placement import PLACED_PE_POINTS, placement_factor, placement_fit
from hwsim.tech.nodes import tech_point

AT_28 = tech_point(28)
DESIGNS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "bitmod" / "designs.json"
HELD_OUT_TOLERANCE = 1.5  # issue #19: PE areas within 1.5x of published ones they were not fitted to


def cells(w: str, a: str, acc: str, tech=AT_28) -> float:
    return mac_cost(parse_format(w), parse_format(a), parse_format(acc), tech).area_um2


def test_fit_by_hand():
    # factor = exp(mean(log(published / cells))) over the two BitMoD PEs (the fitted points)
    fp16 = 1968.7 / cells("fp16", "fp16", "fp16")      # BitMoD FP16 baseline PE, FP16 accumulation
    ant = 1318.6 / cells("int8", "fp16", "fp16")       # BitMoD's ANT / OliVe PE: decoded INT x FP16
    expected = math.exp((math.log(fp16) + math.log(ant)) / 2)
    assert placement_factor() == pytest.approx(expected, rel=1e-12)
    assert placement_factor(7) == placement_factor(28) == placement_factor(65)  # one factor for every node
    assert {p.name for p in placement_fit().fitted} == {"BitMoD FP16 baseline PE", "BitMoD's ANT / OliVe PE"}
    assert placement_fit().node_range_nm == (28, 28)


def test_published_points_are_the_sources_numbers():
    tpu = next(p for p in PLACED_PE_POINTS if p.held_out)
    assert tpu.published_um2 == pytest.approx(0.24 * 331e6 / 65536)   # 1212.16 um2 per MAC
    by_name = {p.name: p.published_um2 for p in PLACED_PE_POINTS}
    assert by_name["BitMoD FP16 baseline PE"] == 1968.7
    assert by_name["BitMoD's ANT / OliVe PE"] == 1318.6
    if DESIGNS.exists():  # the shared reference copy of BitMoD's constants
        designs = json.loads(DESIGNS.read_text())["designs"]
        assert designs["fp16/gen"]["pe_area_um2"] == 1968.7
        assert designs["ant/gen"]["pe_area_um2"] == designs["olive/gen"]["pe_area_um2"] == 1318.6


def test_held_out_tpu_v1_within_tolerance():
    # the held-out point: an INT8 x INT8 -> INT32 MAC, placed, against 1212.16 um2 per MAC
    placed = cells("int8", "int8", "int32") * placement_factor()
    assert 1 / HELD_OUT_TOLERANCE <= placed / (0.24 * 331e6 / 65536) <= HELD_OUT_TOLERANCE
    # and the whole matrix unit of the tpu-v1-like preset against 24 % of 331 mm2 = 79.44 mm2
    tpu = hwsim.load_accelerator("tpu-v1-like")
    matrix_unit = tpu.area_breakdown_mm2["pe_array"]
    assert 1 / HELD_OUT_TOLERANCE <= matrix_unit / (0.24 * 331) <= HELD_OUT_TOLERANCE
    # it was about 0.31 of it as a cell count (issue #19: ~24 vs ~80 mm2)
    assert tpu.info()["pe_array_cells_mm2"] == pytest.approx(65536 * cells("int8", "int8", "int32") / 1e6)
    assert matrix_unit == pytest.approx(tpu.info()["pe_array_cells_mm2"] * placement_factor(), rel=1e-12)


def test_fitted_points_residuals_within_tolerance():
    for p in placement_fit().fitted:
        ratio = cells(p.weights, p.activations, p.accumulator) * placement_factor() / p.published_um2
        assert 1 / HELD_OUT_TOLERANCE <= ratio <= HELD_OUT_TOLERANCE, p.name


def test_pe_area_is_cells_times_factor_and_leakage_unchanged():
    f = parse_format
    for w, a, acc in (("int8", "int8", "int32"), ("fp16", "fp16", "fp32"), ("int4", "fp16", "fp32")):
        pe = MacPE((f(w),), (f(a),), f(acc))
        for node in (7, 28, 45):
            tech = tech_point(node)
            assert pe.area_um2_cells(tech).value == pytest.approx(cells(w, a, acc, tech), rel=1e-12)
            assert pe.area_um2(tech).value == pytest.approx(cells(w, a, acc, tech) * placement_factor(), rel=1e-12)
            # wires do not leak: leakage stays the cell count's
            assert pe.leakage_uw(tech).value == pytest.approx(mac_cost(f(w), f(a), f(acc), tech).leakage_uw,
                                                              rel=1e-12)


def test_pe_table_cells_column_is_the_old_figure(capsys):
    assert main(["pe", "--node", "28", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    int8 = next(r for r in rows if r["pe"] == "mac" and (r["weight_format"], r["activation_format"],
                                                         r["accumulator_format"]) == ("int8", "int8", "int32"))
    # the cell count the presets quote (accelerators/baseline-w8a8.yaml: 371.66 um2 at 28 nm)
    assert float(int8["area_um2_cells"]) == pytest.approx(371.66, abs=0.01)
    for r in rows:
        assert float(r["area_um2"]) == pytest.approx(float(r["area_um2_cells"]) * placement_factor(), rel=1e-5)


def test_published_pe_area_is_not_multiplied_again():
    accel = hwsim.load_accelerator("fp16-decode")  # compute.pe.area_um2: 1968.7 (BitMoD, placed already)
    assert accel.pe.area_um2(accel.tech).value == 1968.7
    assert accel.area_breakdown_mm2["pe_array"] == pytest.approx(64 * 12 * 1968.7 / 1e6, rel=1e-12)
    assert accel.info()["pe_array_cells_mm2"] == pytest.approx(64 * 12 * 1968.7 / 1e6, rel=1e-12)


def test_ratios_between_pes_unchanged():
    # a uniform factor cancels in every area ratio: the equal-area studies (lut_vs_mac, mixpe) size
    # their arrays by such ratios
    f = parse_format
    pes = [MacPE((f("int8"),), (f("int8"),), f("int32")), MacPE((f("fp8_e4m3"),), (f("fp8_e4m3"),), f("fp32")),
           MacPE((f("fp16"),), (f("fp16"),), f("fp16"))]
    placed = [pe.area_um2(AT_28).value for pe in pes]
    counted = [pe.area_um2_cells(AT_28).value for pe in pes]
    for i in range(1, len(pes)):
        assert placed[i] / placed[0] == pytest.approx(counted[i] / counted[0], rel=1e-12)
    mixpe, base = hwsim.load_accelerator("mixpe-w4a8"), hwsim.load_accelerator("baseline-w8a8")
    assert (mixpe.area_breakdown_mm2["pe_array"] / base.area_breakdown_mm2["pe_array"]
            == pytest.approx(mixpe.info()["pe_array_cells_mm2"] / base.info()["pe_array_cells_mm2"], rel=1e-12))


def test_area_monotone_in_operand_width():
    areas = [MacPE((parse_format(f"int{b}"),), (parse_format(f"int{b}"),), parse_format("int32")).area_um2(AT_28).value
             for b in (2, 4, 8, 16)]
    assert areas == sorted(areas) and len(set(areas)) == 4


def test_calibrate_shows_the_fit(capsys):
    assert main(["calibrate", "--table", "placement", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["use"] for r in rows] == ["fitted", "fitted", "held out"]
    for r in rows:
        assert float(r["factor"]) == pytest.approx(placement_factor(), rel=1e-5)
        assert float(r["ratio"]) == pytest.approx(float(r["area_um2"]) / float(r["published_um2"]), rel=1e-4)
    # leave-one-out, by hand: each BitMoD PE placed with the factor of the other one alone
    fp16, ant, tpu = rows
    assert float(fp16["ratio_left_out"]) == pytest.approx(
        cells("fp16", "fp16", "fp16") * (1318.6 / cells("int8", "fp16", "fp16")) / 1968.7, rel=1e-4)
    assert float(ant["ratio_left_out"]) == pytest.approx(
        cells("int8", "fp16", "fp16") * (1968.7 / cells("fp16", "fp16", "fp16")) / 1318.6, rel=1e-4)
    assert float(tpu["ratio_left_out"]) == pytest.approx(float(tpu["ratio"]), rel=1e-6)
    for r in rows:  # every point, predicted without itself, within the 1.5x
        assert 1 / HELD_OUT_TOLERANCE <= float(r["ratio_left_out"]) <= HELD_OUT_TOLERANCE, r["point"]
    assert main(["calibrate", "--format", "json"]) == 0
    assert "placement" in json.loads(capsys.readouterr().out)
