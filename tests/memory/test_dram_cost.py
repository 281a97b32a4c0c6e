"""DRAM interfaces by standard: energy per bit, the accelerator-side PHYs' area and power, and the
capacity, each by hand from the sources hwsim/memory/dram.py cites; bandwidth and channels are
bought with area and power."""

import numpy as np
import pytest

import hwsim
from hwsim.arch.design import design_batch
from hwsim.cli import main
from hwsim.errors import HwsimInputError

# a 16x16 INT8 array at 45 nm (0.9 V, the calibration point) whose DRAM section each test writes
SPEC = """
name: dram-cost
source: test (hand-computed DRAM interface costs)
clock_mhz: 500
tech_node_nm: 45
compute: {{rows: 16, cols: 16, dataflow: os, pe: {{type: mac, weights: [int8], activations: [int8], accumulator: int32}}}}
vector: {{lanes: 16}}
buffers:
  ifmap: {{size_kib: 64, port_width_bits: 128}}
  filter: {{size_kib: 64, port_width_bits: 128}}
  ofmap: {{size_kib: 64, port_width_bits: 128}}
dram: {dram}
default_precision: {{weights: int8, activations: int8, outputs: int8}}
area_overhead_fraction: 0.5
"""

GIB_BITS = 8 * 2 ** 30
HBM_MM2_PER_DQ = 10.45 / 1024      # LLMCompass: HBM2E PHY 10.45 mm^2 per 1024-bit stack
DDR_MM2_PER_DQ = 1.45 / 32         # LLMCompass: DDR5 PHY 1.45 mm^2 per 32-bit channel
# Synopsys: GDDR6 moves ~1/6 of HBM2E's GB/s per mm of die edge; HBM2E stack 409.6 GB/s at 3.2 Gb/s;
# a GDDR6 pin at 16 Gb/s moves 2 GB/s
GDDR6_MM2_PER_DQ = 6 * 10.45 / 409.6 * 2


def _accel(tmp_path, dram: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(SPEC.format(dram=dram))
    return hwsim.load_accelerator(str(path))


# -- energy per bit: the standard's figure unless the spec gives one ---------------------------------

@pytest.mark.parametrize("standard, pj_per_bit", [
    ("ddr4", 20.3),     # Horowitz ISSCC 2014: 1.3 nJ per 64-bit access / 64 (DDR-class)
    ("lpddr5", 8.0),    # Accelergy's DRAM table: LPDDR4 8 pJ/bit (LPDDR5's upper bound)
    ("gddr6", 7.5),     # Micron GDDR6X introduction table: GDDR6 7.5 pJ/bit
    ("gddr6-aim", 7.5),
    ("hbm2", 3.9),      # O'Connor et al. MICRO 2017: HBM2 3.9 pJ/bit
    ("hbm2-pim", 3.9),
    ("hbm3", 3.59),     # FGDRAM off-chip path sum as AttAcc prices HBM3 (hbm_energy_per_bit.csv)
    ("hbm3-attacc", 3.59),
])
def test_energy_per_bit_is_the_standards_figure(tmp_path, standard, pj_per_bit):
    accel = _accel(tmp_path, f"{{standard: {standard}, channels: 1}}")
    assert accel.info()["dram_energy_pj_per_bit"] == pj_per_bit
    assert accel.design.dram_pj_per_bit[0] == pj_per_bit


def test_an_explicit_energy_per_bit_is_kept(tmp_path):
    accel = _accel(tmp_path, "{standard: hbm2, channels: 16, energy_pj_per_bit: 3.59}")
    assert accel.info()["dram_energy_pj_per_bit"] == 3.59
    assert hwsim.load_accelerator("systolic-hbm2").info()["dram_energy_pj_per_bit"] == 3.59
    assert hwsim.load_accelerator("tpu-v1-like").info()["dram_energy_pj_per_bit"] == 20.3


def test_the_standards_energy_prices_the_dram_traffic(tmp_path):
    # one 64x64x64 INT8 GEMM, every bit moved priced at HBM2's 3.9 pJ/bit
    work = hwsim.Workload("g", (hwsim.Layer("g", hwsim.Gemm(64, 64, 64)),))
    row = hwsim.simulate(_accel(tmp_path, "{standard: hbm2, channels: 1}"), work).layers.iloc[0]
    assert row["energy_dram_pj"] == pytest.approx((row["dram_reads_bits"] + row["dram_writes_bits"]) * 3.9)


# -- PHY area and power, 1 and 8 channels or stacks ------------------------------------------------

@pytest.mark.parametrize("standard, per_channel_mm2, per_channel_mw, channels_per_unit", [
    # HBM2 stack: 16 x64 pseudo-channels at 2 Gb/s; 0.3 pJ/bit (FGDRAM interposer I/O)
    ("hbm2", 16 * 64 * HBM_MM2_PER_DQ, 0.3 * 16 * 64 * 2 / 8 * 8, 16),
    # HBM3 stack: 32 x32 pseudo-channels at 6.4 Gb/s; 0.29 pJ/bit (JSSC 2024 4 nm HBM3 interface)
    ("hbm3", 32 * 32 * HBM_MM2_PER_DQ, 0.29 * 32 * 32 * 6.4 / 8 * 8, 32),
    # DDR4-3200: one 64-bit channel; 5.0 pJ/bit (Rambus single-ended GDDR5/DDR3 interface)
    ("ddr4", 64 * DDR_MM2_PER_DQ, 5.0 * 64 * 3.2 / 8 * 8, 1),
    # LPDDR5-6400: one x16 channel; (5.68 + 1.83) / 2 pJ/bit (LPDDR4 controller interface)
    ("lpddr5", 16 * DDR_MM2_PER_DQ, (5.68 + 1.83) / 2 * 16 * 6.4 / 8 * 8, 1),
    # GDDR6 at 12 Gb/s: one x16 channel; 5.0 pJ/bit
    ("gddr6", 16 * GDDR6_MM2_PER_DQ, 5.0 * 16 * 12 / 8 * 8, 1),
])
def test_phy_area_and_power_for_1_and_8_units_by_hand(tmp_path, standard, per_channel_mm2, per_channel_mw,
                                                      channels_per_unit):
    for units in (1, 8):
        channels = units * channels_per_unit
        accel = _accel(tmp_path, f"{{standard: {standard}, channels: {channels}}}", f"{standard}-{units}.yaml")
        assert accel.area_breakdown_mm2["dram_phy"] == pytest.approx(units * per_channel_mm2, rel=1e-12)
        assert accel.info()["dram_phy_mw"] == pytest.approx(units * per_channel_mw, rel=1e-12)


def test_hand_numbers_of_the_phys():
    # the same figures, written out: an HBM2 stack's PHY is LLMCompass' 10.45 mm^2, 614.4 mW at 256 GB/s
    assert 16 * 64 * HBM_MM2_PER_DQ == pytest.approx(10.45)
    assert 0.3 * 256 * 8 == pytest.approx(614.4)
    # a DDR4 channel: 2 x 1.45 = 2.9 mm^2, 5 pJ/bit x 25.6 GB/s x 8 = 1024 mW
    assert 64 * DDR_MM2_PER_DQ == pytest.approx(2.9)
    # a GDDR6 x16 channel: 6 x 10.45 / 409.6 x 32 GB/s = 4.8984375 mm^2
    assert 16 * GDDR6_MM2_PER_DQ == pytest.approx(4.8984375)


def test_phy_area_is_on_the_die_and_outside_the_overhead(tmp_path):
    accel = _accel(tmp_path, "{standard: ddr4, channels: 2}")
    parts = accel.area_breakdown_mm2
    logic = sum(v for k, v in parts.items() if k not in ("dram_phy", "overhead"))
    assert parts["dram_phy"] == pytest.approx(2 * 2.9)
    assert parts["overhead"] == pytest.approx(0.5 * logic)
    assert accel.area_mm2 == pytest.approx(1.5 * logic + 2 * 2.9)
    assert accel.design.die_area_mm2[0] == pytest.approx(accel.area_mm2)


def test_phy_power_is_static_power(tmp_path):
    # DDR4: 2 channels clocked at 51.2 GB/s = 2 x 1024 mW of PHY; DRAMsim3's DDR4-3200 x8 currents
    # x 8 dies: 1.2 V x (8 x 52 mA + (8 x 250 - 8 x 52) mA x tRFC 560 / tREFI 12480) per channel
    accel = _accel(tmp_path, "{standard: ddr4, channels: 2}")
    device_mw = 1.2 * (8 * 52 + (8 * 250 - 8 * 52) * 560 / 12480)
    static = accel.design.static_parts_uw
    assert static["dram_phy"][0] == pytest.approx(2 * 1024 * 1e3)
    assert static["dram_device"][0] == pytest.approx(2 * device_mw * 1e3)
    assert accel.leakage_uw == pytest.approx(sum(float(v[0]) for v in static.values()))
    # a slower bandwidth on the same channels clocks the PHYs slower: 30 GB/s x 5 pJ/bit x 8 = 1200 mW
    slow = _accel(tmp_path, "{standard: ddr4, channels: 2, bandwidth_gb_s: 30}", "slow.yaml")
    assert slow.info()["dram_phy_mw"] == pytest.approx(1200)
    assert slow.area_breakdown_mm2["dram_phy"] == pytest.approx(2 * 2.9)


def test_no_standard_the_cheapest_phy_per_gb_s_and_no_capacity():
    """tpu-v1-like names no standard (34 GB/s, two DDR3 channels): its bandwidth still buys PHYs, at
    the least any modelled standard charges per GB/s, HBM3's: a pseudo-channel of 32 DQ x 10.45/1024
    mm^2 per pin (LLMCompass's HBM2E PHY) delivers 6.4 Gb/s x 32 / 8 = 25.6 GB/s, and its PHY draws
    0.29 pJ/bit. No standard, no capacity."""
    accel = hwsim.load_accelerator("tpu-v1-like")
    mm2_per_gb_s = 32 * 10.45 / 1024 / 25.6
    assert accel.area_breakdown_mm2["dram_phy"] == pytest.approx(34 * mm2_per_gb_s, rel=1e-12)
    assert accel.info()["dram_phy_mw"] == pytest.approx(0.29 * 34 * 8, rel=1e-12)
    assert accel.info()["dram_capacity_gib"] is None
    assert np.isinf(accel.design.dram_capacity_bits[0])
    # unlimited bandwidth (SCALE-Sim's CALC idealisation) buys nothing
    ideal = hwsim.load_accelerator("scalesim-default")
    assert "dram_phy" not in ideal.area_breakdown_mm2 and ideal.info()["dram_phy_mw"] == 0


@pytest.mark.parametrize("preset, sets", [
    ("tpu-v1-like", []),
    ("scalesim-default", ["dram.bandwidth_gb_s=25"]),
    ("tpu-v1-like", ["dram.standard=ddr4", "dram.energy_pj_per_bit=20"]),
    ("systolic-hbm2", []),
])
def test_more_bandwidth_or_channels_costs_area_and_power(preset, sets):
    """Bandwidth is bought: doubling it (or the channels of a named standard) raises the die's area
    and its static power, so a Pareto front cannot take the most bandwidth for free."""
    base = hwsim.load_accelerator(preset, sets)
    gb_s = base.info()["dram_bandwidth_gb_s"]
    if base.spec.dram.channels is not None:
        more = hwsim.load_accelerator(preset, [*sets, f"dram.channels={2 * base.spec.dram.channels}"])
    else:
        more = hwsim.load_accelerator(preset, [*sets, f"dram.bandwidth_gb_s={2 * gb_s}"])
    assert more.area_mm2 > base.area_mm2
    assert more.info()["dram_phy_mw"] > base.info()["dram_phy_mw"] > 0
    assert float(more.design.leakage_uw[0]) > float(base.design.leakage_uw[0])


# -- capacity ------------------------------------------------------------------------------------

@pytest.mark.parametrize("standard, channels, gib", [
    # HBM2 4-high stack of 8 Gb dies: 16 pseudo-channels x 16 banks x 16K rows x 8192-bit rows = 2^35 bits
    ("hbm2", 16, 16 * 16 * 2 ** 14 * 8192 / GIB_BITS),
    # HBM3 (HBM3_8Gb_2R): 32 pseudo-channels x 32 banks x 16K rows x 32 bursts x 256 bits = 16 GiB
    ("hbm3", 32, 32 * 32 * 2 ** 14 * 32 * 256 / GIB_BITS),
    # DDR4: 8 x8 dies of 8 Gb = 16 banks x 64K rows x 8 KiB rank rows = 8 GiB per channel
    ("ddr4", 1, 16 * 65536 * 65536 / GIB_BITS),
    # LPDDR5 8 Gb x16 die: 16 banks x 32K rows x 2 KiB rows = 1 GiB
    ("lpddr5", 1, 16 * 2 ** 15 * 2048 * 8 / GIB_BITS),
    # GDDR6 8 Gb device: 2 x16 channels, 16 banks x 16K rows x 2 KiB each: 0.5 GiB per channel
    ("gddr6", 2, 2 * 16 * 2 ** 14 * 2048 * 8 / GIB_BITS),
])
def test_capacity_from_the_standard_by_hand(tmp_path, standard, channels, gib):
    assert gib == {"hbm2": 4, "hbm3": 16, "ddr4": 8, "lpddr5": 1, "gddr6": 1}[standard]
    accel = _accel(tmp_path, f"{{standard: {standard}, channels: {channels}}}")
    assert accel.info()["dram_capacity_gib"] == gib
    assert accel.design.dram_capacity_bits[0] == gib * GIB_BITS


def test_capacity_set_explicitly(tmp_path):
    # a 12-high HBM3 stack (24 GB) is not the organisation's 16 GiB: the spec says so
    accel = _accel(tmp_path, "{standard: hbm3, channels: 32, capacity_gib: 24}")
    assert accel.info()["dram_capacity_gib"] == 24
    plain = _accel(tmp_path, "{bandwidth_gb_s: 34, energy_pj_per_bit: 20.3, capacity_gib: 8}", "plain.yaml")
    assert plain.design.dram_capacity_bits[0] == 8 * GIB_BITS


def test_channels_unset_are_the_fewest_that_deliver_the_bandwidth(tmp_path):
    # 100 GB/s of DDR4-3200 (25.6 GB/s a channel) needs ceil(100 / 25.6) = 4 channels: 32 GiB, 11.6 mm^2
    accel = _accel(tmp_path, "{standard: ddr4, bandwidth_gb_s: 100}")
    assert accel.design.dram_channels[0] == 4
    assert accel.info()["dram_capacity_gib"] == 32
    assert accel.area_breakdown_mm2["dram_phy"] == pytest.approx(4 * 2.9)
    # and past 8 channels (EPYC's eight per socket) it is refused
    with pytest.raises(HwsimInputError, match="more than 8 ddr4 channels deliver"):
        _accel(tmp_path, "{standard: ddr4, bandwidth_gb_s: 205}", "over.yaml")


# -- bandwidth and channels cost area and power, over a sweep --------------------------------------

def test_more_channels_cost_area_and_power_over_a_sweep(tmp_path):
    base = _accel(tmp_path, "{standard: hbm3, channels: 8}")
    work = hwsim.Workload("g", (hwsim.Layer("g", hwsim.Gemm(256, 512, 512)),))
    channels = [1, 2, 4, 8, 16, 32, 64, 128, 256]
    frame = hwsim.evaluate(base, work, {"dram.channels": channels})
    batch = design_batch(base, {"dram.channels": channels})
    # each point's bandwidth follows its channels (the spec derives it): 25.6 GB/s each
    assert batch.dram_gb_s.tolist() == [25.6 * c for c in channels]
    assert np.all(np.diff(frame["area_mm2"]) > 0)
    assert np.all(np.diff(batch.leakage_uw) > 0)
    assert batch.area_parts_mm2["dram_phy"] == pytest.approx(np.array(channels) * 32 * HBM_MM2_PER_DQ)
    power_w = frame["energy_pj"] * 1e-12 / frame["latency_s"]
    assert np.all(np.diff(power_w) > 0)


def test_more_bandwidth_costs_area_and_power_over_a_sweep(tmp_path):
    # channels unset: the PHYs follow the bandwidth (ceil(GB/s / 25.6) DDR4 channels)
    base = _accel(tmp_path, "{standard: ddr4, bandwidth_gb_s: 25.6}")
    bandwidth = [12.8, 25.6, 38.4, 51.2, 102.4, 204.8]
    batch = design_batch(base, {"dram.bandwidth_gb_s": bandwidth})
    assert batch.dram_channels.tolist() == [1, 1, 2, 2, 4, 8]
    assert np.all(np.diff(batch.leakage_uw) > 0)                      # PHY power x GB/s
    assert np.all(np.diff(batch.area_mm2) >= 0) and batch.area_mm2[-1] > batch.area_mm2[0]
    assert batch.static_parts_uw["dram_phy"] == pytest.approx(5.0 * np.array(bandwidth) * 8 * 1e3)
    # with channels fixed, bandwidth still costs PHY power (the PHYs are clocked at it), not area
    fixed = design_batch(_accel(tmp_path, "{standard: ddr4, channels: 8}", "fixed.yaml"),
                         {"dram.bandwidth_gb_s": bandwidth})
    assert np.all(np.diff(fixed.leakage_uw) > 0) and np.ptp(fixed.area_mm2) == 0


# -- bad input: one line ---------------------------------------------------------------------------

@pytest.mark.parametrize("dram, fragments", [
    ("{standard: ddr9, channels: 1}", ["dram.standard", "'ddr9' is not a DRAM standard", "ddr4"]),
    ("{standard: ddr4, channels: 1, capacity_gib: -1}", ["dram.capacity_gib", "greater than 0"]),
    ("{standard: ddr4, channels: 1, capacity_gib: 0}", ["dram.capacity_gib", "greater than 0"]),
    ("{bandwidth_gb_s: 34}", ["dram.energy_pj_per_bit", "no dram.standard"]),
])
def test_bad_dram_sections_are_one_line(tmp_path, capsys, dram, fragments):
    path = tmp_path / "bad.yaml"
    path.write_text(SPEC.format(dram=dram))
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    for fragment in fragments:
        assert fragment in err[0], (fragment, err[0])


def test_a_negative_capacity_in_a_sweep_names_the_row(tmp_path):
    base = _accel(tmp_path, "{standard: ddr4, channels: 1}")
    with pytest.raises(HwsimInputError, match=r"points row 1: -2\.0 is not allowed") as info:
        design_batch(base, {"dram.capacity_gib": [8.0, -2.0]})
    assert "\n" not in str(info.value) and "dram.capacity_gib" in str(info.value)


def test_a_standard_swept_with_its_channels_validates_each_rows_own_sizing():
    # systolic-hbm2 names 16 HBM2 pseudo-channels; a DDR4 row with 2 channels is valid (16 DDR4
    # channels would not be): the row's own channels go with its standard
    table = hwsim.evaluate("systolic-hbm2", "resnet50", {"dram.standard": ["ddr4", "hbm2"], "dram.channels": [2, 16],
                                                         "dram.energy_pj_per_bit": [20.3, 3.9]})
    assert table["dram.channels"].tolist() == [2, 16]
    # a wider interface costs more PHY area: 16 HBM2 pseudo-channels against 2 DDR4 channels
    assert table["area_mm2"].iloc[1] > table["area_mm2"].iloc[0]
