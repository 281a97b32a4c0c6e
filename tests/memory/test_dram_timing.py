"""DRAM timing sets: the closed forms a PIM model builds on, checked by hand, and every preset's
numbers against its source (../shared/reference/tech/dram_timing.csv where it has them)."""

import csv
import dataclasses

import pytest

from hwsim.errors import HwsimInputError
from hwsim.memory.dram import DRAM_PRESETS, dram_preset


def test_hbm2_pim_matches_the_pimsimulator_ini():
    d = dram_preset("hbm2-pim")
    # ../shared/reference/tech/dram_timing.csv, row HBM2_PIM
    assert (d.tRCD, d.tRP, d.tRAS, d.tRC, d.tCCD_S, d.tCCD_L) == (14, 14, 33, 47, 2, 4)
    assert (d.tRRD_S, d.tRRD_L, d.tFAW, d.tWR, d.tRFC, d.tREFI) == (4, 6, 16, 16, 350, 3900)
    assert d.banks == 16 and d.burst_bits == 64 * 4 and d.columns == 32


def test_single_bank_row_stream_is_the_hand_bound():
    d = dram_preset("hbm2-pim")
    # activate, 32 column reads tCCD_L apart, precharge: 14 + 32 * 4 + 14 = 156 cycles per row
    assert d.row_cycles(32) == 156
    # a short row is held open for tRAS before precharge: max(14 + 2 * 4, 33) + 14 = 47 = tRC
    assert d.row_cycles(2) == 47
    # with refresh: 100 rows take 100 * 156 / (1 - 350 / 3900) cycles
    assert d.single_bank_stream_cycles(100) == pytest.approx(100 * 156 / (1 - 350 / 3900))


def test_unknown_standard_is_one_clear_error():
    with pytest.raises(HwsimInputError, match="hbm2-pim") as info:
        dram_preset("ddr9")
    text = str(info.value)
    assert "\n" not in text and "ddr9" in text and "dram.standard" in text
    assert all(name in text for name in DRAM_PRESETS)


# preset -> its row in dram_timing.csv
CSV_ROWS = {"hbm2-pim": "HBM2_PIM", "hbm2": "HBM2_PIM", "hbm3-attacc": "HBM3_5.2Gbps",
            "gddr6": "GDDR6_8Gb_x16", "gddr6-aim": "GDDR6_AiM"}
# CSV column -> DramTiming field (tRCD_wr is not modelled)
CSV_FIELDS = {"tck_ns": "tck_ns", "burst_length": "burst_length", "tRCD_rd": "tRCD", "tRP": "tRP",
              "tRAS": "tRAS", "tRC": "tRC", "tCCD_S": "tCCD_S", "tCCD_L": "tCCD_L", "tRRD_S": "tRRD_S",
              "tRRD_L": "tRRD_L", "tFAW": "tFAW", "tWR": "tWR", "tRFC_ab": "tRFC", "tREFI_ab": "tREFI"}


def _csv_rows(reference):
    with open(reference / "tech" / "dram_timing.csv", newline="") as f:
        return {row["device"]: row for row in csv.DictReader(f)}


@pytest.mark.parametrize("preset", sorted(CSV_ROWS))
def test_preset_equals_its_csv_row(reference, preset):
    row, d = _csv_rows(reference)[CSV_ROWS[preset]], dram_preset(preset)
    for column, field in CSV_FIELDS.items():
        if row[column] == "":
            continue
        expected = float(row[column]) if column == "tck_ns" else int(row[column])
        if column == "burst_length" and preset == "hbm3-attacc":
            # AttAcc's nBL is data-bus cycles: BL8 at 4 transfers per tCK ("QDR DQ pins") = 2
            assert d.burst_length // 4 == expected == 2
        elif column == "burst_length" and preset == "gddr6-aim":
            # Ramulator's GDDR6 nBL for the _double (WCK DDR) preset: BL16 / 2 per WCK cycle = 8
            assert d.burst_length // 2 == expected == 8
        else:
            assert getattr(d, field) == expected, (preset, column)


def test_csv_gaps_are_derived():
    # HBM3_5.2Gbps has no tRFC: AttAcc's tRFC_TABLE, 350 ns for an 8 Gb channel, ceil(350 / 0.769)
    assert dram_preset("hbm3-attacc").tRFC == 456
    assert dram_preset("hbm3").tRFC == 560  # 350 / 0.625 = 560 exactly
    # GDDR6_8Gb_x16 has no tRC: tRAS + tRP = 54 + 24
    assert dram_preset("gddr6").tRC == 78


def test_organisation_matches_the_csv_strings(reference):
    rows = _csv_rows(reference)
    assert rows["HBM2_PIM"]["organization"] == "16 banks (4 BG x 4), 16K rows, 128 cols, x64"
    for name in ("hbm2", "hbm2-pim"):
        d = dram_preset(name)
        assert (d.banks, d.bank_groups, d.rows, d.io_bits) == (16, 4, 16 * 1024, 64)
        assert d.columns * d.burst_length == 128  # 128 columns of 64 bits, BL4 per command
    assert rows["HBM3_5.2Gbps"]["organization"] == "HBM3_8Gb_2R, 16 channels"
    assert dram_preset("hbm3-attacc").channels == 16 * 2  # 2 pseudo-channels per channel
    assert rows["GDDR6_8Gb_x16"]["organization"] == "16 banks, 16K rows, 128 cols"
    g = dram_preset("gddr6")
    assert (g.banks, g.rows) == (16, 16 * 1024)
    # DRAMsim3 (NewtonSim) counts a GDDR column as BL x width bits and models the 8 Gb die as one x16
    # channel: its 128 columns x 32 B = 4 KB row holds the bits of JESD250's two 2 KB channel rows
    assert 128 * g.burst_bits == g.channels * g.row_bits


def test_organisation_and_capacity_by_hand():
    hbm2 = dram_preset("hbm2")  # 4 dies x 4 pseudo-channels; 8 Gb per die
    assert hbm2.row_bytes == 1024 and hbm2.capacity_bits == 4 * 8 * 2**30
    hbm3 = dram_preset("hbm3")  # 16 channels of 8 Gb (HBM3_8Gb_2R), 1 KB rows of 32 B bursts
    assert hbm3.burst_bits == 32 * 8 and hbm3.row_bytes == 1024 and hbm3.banks == 2 * 16
    assert hbm3.capacity_bits == 16 * 8 * 2**30
    for name in ("gddr6", "gddr6-aim", "lpddr5"):  # 8 Gb dies with 2 KB rows of 32 B bursts
        d = dram_preset(name)
        assert d.row_bytes == 2048 and d.columns == 64 and d.capacity_bits == 8 * 2**30


@pytest.mark.parametrize("preset", sorted(DRAM_PRESETS))
def test_jedec_identities(preset):
    d = dram_preset(preset)
    # tRC = tRAS + tRP holds in ns; rounding each up separately can exceed the rounded sum by one
    # cycle (AttAcc HBM3: 45 + 19 = 64 > 63 = ceil(48 ns x 1.3 GHz)), never more
    assert d.tRC >= d.tRAS + d.tRP - 1
    assert d.tRAS >= d.tRCD
    assert d.tCCD_L >= d.tCCD_S and d.tRRD_L >= d.tRRD_S
    assert d.tREFI > d.tRFC
    # no tFAW >= 4 tRRD_S check: not guaranteed (NewtonSim GDDR6: 32 < 4 x 9, the window never binds)
    # transfers per pin per tCK: HBM2 2 (DDR), HBM3 4, GDDR6 and LPDDR5 8 (CK is 1/8 of the data rate)
    beats = d.data_rate_gbps_per_pin * d.tck_ns
    assert round(beats) in (2, 4, 8) and beats == pytest.approx(round(beats), rel=0.015)
    # a burst cannot leave faster than the pins carry it
    assert d.tCCD_S * round(beats) >= d.burst_length


def test_bandwidth_and_row_stream_by_hand():
    # peak per (pseudo-)channel: io bits x Gbps per pin / 8
    assert dram_preset("hbm2").peak_channel_gb_s == 64 * 2 / 8 == 16.0
    assert dram_preset("hbm2").channels * 16.0 == 256.0          # one HBM2 stack
    assert dram_preset("hbm3").peak_channel_gb_s == pytest.approx(32 * 6.4 / 8) == 25.6
    assert dram_preset("hbm3").channels * 25.6 == pytest.approx(819.2)  # one HBM3 stack at 6.4 Gbps
    assert dram_preset("hbm3-attacc").peak_channel_gb_s == pytest.approx(20.8)
    assert dram_preset("gddr6").peak_channel_gb_s == 16 * 12 / 8 == 24.0
    assert dram_preset("gddr6-aim").peak_channel_gb_s == 16 * 14 / 8 == 28.0
    assert dram_preset("lpddr5").peak_channel_gb_s == pytest.approx(16 * 6.4 / 8) == 12.8
    assert dram_preset("gddr6").channel_gb_s == 24.0  # alias used by DramSpec.bandwidth
    # one bank streams a whole row: tRCD + columns x tCCD_L + tRP
    assert dram_preset("hbm3").row_cycles(32) == 23 + 32 * 4 + 23 == 174
    assert dram_preset("hbm3-attacc").row_cycles(32) == 19 + 32 * 4 + 19 == 166
    assert dram_preset("gddr6").row_cycles(64) == 24 + 64 * 4 + 24 == 304
    assert dram_preset("gddr6-aim").row_cycles(64) == 26 + 64 * 6 + 26 == 436
    assert dram_preset("lpddr5").row_cycles(64) == 15 + 64 * 4 + 15 == 286
    # LPDDR5 from gem5's ns values, ceil(ns / 1.25): tRCD 18 -> 15, tRAS 42 -> 34, tRFC 210 -> 168,
    # tREFI 3900 -> 3120; a short row is held for tRAS: max(15 + 2 x 4, 34) + 15 = 49 = tRC
    lp = dram_preset("lpddr5")
    assert (lp.tRCD, lp.tRAS, lp.tRFC, lp.tREFI, lp.tWR, lp.tFAW) == (15, 34, 168, 3120, 28, 16)
    assert lp.row_cycles(2) == 49 == lp.tRC


def test_hbm3_is_attaccs_64gbps_preset():
    # HBM3-PIM.cpp HBM3_6.4Gbps: tCK 1e6 / (6400 / 4) = 625 ps
    d = dram_preset("hbm3")
    assert d.tck_ns == 0.625
    assert (d.tRCD, d.tRP, d.tRAS, d.tRC, d.tCCD_S, d.tCCD_L) == (23, 23, 55, 77, 2, 4)
    assert (d.tRRD_S, d.tRRD_L, d.tFAW, d.tWR, d.tREFI) == (2, 4, 48, 26, 6240)


def test_missing_data_rate_is_not_guessed():
    d = dataclasses.replace(dram_preset("hbm2"), data_rate_gbps_per_pin=None)
    with pytest.raises(ValueError, match="no data rate"):
        d.peak_channel_gb_s


def test_single_bank_gemv_bound_by_hand():
    d = dram_preset("hbm2-pim")
    # 4096 x 4096 FP16 = 268,435,456 bits; a row is 32 bursts x 256 bits = 8,192 bits -> 32,768 activations
    expected = 32768 * (14 + 32 * 4 + 14) / (1 - 350 / 3900)
    assert d.single_bank_gemv_cycles(4096, 4096, 16) == pytest.approx(expected)
    # a part row still costs a whole activation
    assert d.single_bank_gemv_cycles(1, 1, 16) == pytest.approx(156 / (1 - 350 / 3900))
