"""DRAM timing sets: the closed forms a PIM model builds on, checked by hand."""

import pytest

from hwsim.errors import HwsimInputError
from hwsim.memory.dram import dram_preset


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
    with pytest.raises(HwsimInputError, match="hbm2-pim"):
        dram_preset("ddr9")
