"""Round-3 mutation pins for hwsim/memory/dram.py: the module's own PHY power function, by hand.

``phy_mw`` is the module's documented formula for the accelerator-side PHY's power at a
provisioned rate (PHY pJ/bit x GB/s x 8 bits per byte; pJ x 1e9 / s = mW), at each standard's
PHY energy; the design batch prices its PHYs with it.
"""

import pytest

from hwsim.memory.dram import dram_preset, phy_mw


def test_ddr4_phy_power_counts_bits_not_bytes():
    """DDR4-3200 channel: 64 DQ x 3.2 Gb/s / 8 = 25.6 GB/s; two channels, 51.2 GB/s = 409.6 Gb/s at the
    Rambus single-ended interface's 5.0 pJ/bit = 2048 mW (pJ/bit x Gb/s = mW). Dropping the x 8 bits
    per byte gives 256 mW."""
    expected_mw = 5.0 * 51.2 * 8   # pJ/bit x GB/s x bits/byte
    assert expected_mw == pytest.approx(2048.0)
    assert dram_preset("ddr4").cost.phy_pj_per_bit == 5.0
    assert float(phy_mw(dram_preset("ddr4").cost.phy_pj_per_bit, 51.2)) == pytest.approx(expected_mw, rel=1e-12)


def test_hbm3_phy_power_per_pseudo_channel_by_hand():
    """HBM3 pseudo-channel: 32 DQ x 6.4 Gb/s / 8 = 25.6 GB/s; JSSC 2024 4 nm HBM3 interface 0.29 pJ/bit:
    0.29 x 25.6 x 8 = 59.392 mW; arrays of rates are priced element by element."""
    hbm3 = dram_preset("hbm3")
    got = phy_mw(hbm3.cost.phy_pj_per_bit, [25.6, 2 * 25.6])
    assert list(got) == pytest.approx([0.29 * 25.6 * 8, 0.29 * 51.2 * 8], rel=1e-12)
    assert got[0] == pytest.approx(59.392, rel=1e-12)
