"""Round-4 mutation pins on the PIM fabric (hwsim/arch/fabrics/pim.py, pim_program.py,
hwsim/arch/pim.py): one small GEMV's command program, time and traffic worked out by hand from
docs/models/pim.md on hbm2-pim's PIMSimulator timing.

The device: hbm2-pim (16 banks per pseudo-channel in 4 groups of 4, 32 column bursts of 256 bits a
row, tCK 1 ns; tRCD 14, tRP 14, tRAS 33, tCCD_S 2, tCCD_L 4, RL 20, WL 8, tRCD_WR 10, tWTR_L 9,
tRTRS 1, tWR 16, burst 2 cycles, tRFC 350, tREFI 3900), 2 channels, an FP16 unit of 16 lanes per
bank pair (8 units a channel), 8 input and 8 accumulator registers, no setup or session cycles.
"""

from __future__ import annotations

import pytest

import hwsim
from hwsim.arch.fabrics.pim import column_period

from conftest import pim_test_accelerator



def _accel(tmp_path, clock=1000, host_lanes=16, lanes=16, unit_clock=1000):
    # conftest.PIM_TEST_SPEC: 8 input registers, no area overhead
    return pim_test_accelerator(tmp_path, "pim-pins-4", clock=clock, overhead=0, host_lanes=host_lanes, lanes=lanes,
                                unit_clock=unit_clock)


def _gemv(tmp_path, **kw):
    work = hwsim.Workload("g", (hwsim.Layer("fc", hwsim.Gemm(1, 256, 128)),))
    return hwsim.simulate(_accel(tmp_path, **kw), work).layers.iloc[0]


# The GEMV 1 x 256 x 128 (FP16): 16 weights a burst, an input tile of 8 x 16 = 128 inputs: T = 2 input
# tiles; a channel's 8 units x 8 accumulators = 64 output rows: 2 output tiles, one per channel, so one
# pass per channel (2 over both). Per tile each unit issues 8 x 8 = 64 column MACs: 2 rows of 32, each
# tRCD 14 + 1 + 31 x tCCD_L 4 + burst 2 = 141 (>= tRAS 33) + tRP 14 = 155. The even tile's broadcast
# hides in the row gap but for (RL 20 + 2 + 1 - WL 8) + 7 x 4 + (8 + 2 + tWTR_L 9) - (2 + 14 + 14 + 1) =
# 31; the odd tile's own-bank write: tRCD_WR 10 + 1 + 7 x 4 + 8 + 2 + tWR 16 - 1 + 14 = 78. Pass:
# (310 + 31) + (310 + 78) = 729. Read-back: 128 outputs over 2 channels, 64 a channel, one burst each
# (16 lanes x 16-bit FP16 partials = 256 bits): 14 + 14 + 20 + 2 x 2 + 1 = 53 + 64 x tCCD_S 2 = 181.
# 910 cycles < the first refresh at 0.5 x 3900 = 1950. The host adds 128 x (16 - 1) = 1920 lane
# partials on 16 lanes: 120 cycles, hidden behind the 181-cycle read-back.
PASS_CYCLES = (2 * 155 + 31) + (2 * 155 + 78)
READBACK_CYCLES = 14 + 14 + 20 + 2 * 2 + 1 + 64 * 2


def test_gemv_time_by_hand(tmp_path):
    row = _gemv(tmp_path)
    assert row["mapping"] == "pim"
    assert PASS_CYCLES == 729 and READBACK_CYCLES == 181
    assert row["total_cycles"] == PASS_CYCLES + READBACK_CYCLES == 910
    assert row["stall_cycles"] == READBACK_CYCLES
    assert row["compute_cycles"] == PASS_CYCLES
    assert row["pim_passes"] == 1 and row["pim_input_tiles"] == 2 and row["pim_refreshes"] == 0
    assert row["pim_readback_cycles"] == READBACK_CYCLES


def test_gemv_traffic_and_energy_by_hand(tmp_path):
    """I/O: every output row's burst of lane partials read back (128 x 256 bits), the 256 inputs
    broadcast to both channels (2 passes x 2 tiles x 8 bursts of 256 bits). In the banks: every
    weight read once, 256 x 128 x 16 bits, at 0.55 pJ/bit; the I/O at 3.59 pJ/bit. The floor: the
    input in and the outputs out once, (256 + 128) x 16 bits."""
    row = _gemv(tmp_path)
    reads, writes, internal = 128 * 256, 2 * 2 * 8 * 256, 256 * 128 * 16
    assert row["macs"] == 256 * 128
    assert row["dram_reads_bits"] == reads == 32768
    assert row["dram_writes_bits"] == writes == 8192
    assert row["pim_internal_bits"] == internal == 524288
    assert row["compulsory_dram_bits"] == (256 + 128) * 16
    assert row["energy_dram_pj"] == pytest.approx((reads + writes) * 3.59 + internal * 0.55, rel=1e-12)


def test_host_lane_reduction_shows_only_beyond_the_read_back(tmp_path):
    """One host lane: the 1920 lane-partial adds take 1920 cycles, 1920 - 181 = 1739 beyond the
    read-back: 910 + 1739 = 2649 cycles."""
    assert _gemv(tmp_path, host_lanes=1)["total_cycles"] == 910 + (1920 - 181) == 2649


def test_host_clock_converts_dram_cycles(tmp_path):
    """A 500 MHz host: a host cycle is 2 DRAM cycles (tCK 1 ns). The reduction, 120 host cycles = 240
    DRAM cycles, shows 240 - 181 = 59 beyond the read-back: 969 DRAM cycles = 484.5, counted as 485
    host cycles; the read-back's 181 DRAM cycles stall ceil(90.5) = 91."""
    row = _gemv(tmp_path, clock=500)
    assert row["total_cycles"] == 485
    assert row["stall_cycles"] == 91


def test_column_period_waits_for_lanes_that_take_two_cycles_a_burst(tmp_path):
    """column_period: never faster than the lanes take a burst, ceil(burst bits / (lanes x native
    bits)) unit cycles: 12 FP16 lanes take ceil(256 / 192) = 2 unit cycles of a 250 MHz unit = 4 DRAM
    cycles each: 8 DRAM cycles, above tCCD_L = 4."""
    device = _accel(tmp_path, lanes=12, unit_clock=250).pim
    assert column_period(device) == 8.0


def test_compulsory_traffic_writes_the_outputs_at_the_output_format(tmp_path):
    """The off-chip floor: the input in at its 16 bits and the 128 outputs out at the run's FP32
    output format: 256 x 16 + 128 x 32 = 8192 bits (the read-back itself stays 128 bursts of FP16
    lane partials)."""
    work = hwsim.Workload("g", (hwsim.Layer("fc", hwsim.Gemm(1, 256, 128)),))
    row = hwsim.simulate(_accel(tmp_path), work, hwsim.Precision(outputs="fp32")).layers.iloc[0]
    assert row["compulsory_dram_bits"] == 256 * 16 + 128 * 32 == 8192
    assert row["dram_reads_bits"] == 128 * 256


def test_a_two_instance_kernel_prices_every_in_bank_bit_once(tmp_path):
    """A 1 x 256 x 128 product run for 2 instances (heads) in one kernel: 2 x 2 = 4 output tiles over
    the 2 channels, 2 passes each. In the banks every B element is read once, 2 x 256 x 128 x 16 =
    1,048,576 bits at 0.55 pJ/bit; read back 256 output bursts (65,536 bits), broadcast 4 passes x 2
    tiles x 8 bursts (16,384 bits), at 3.59 pJ/bit; 4 tiles of 729 cycles' passes: 2 x 729 + the
    read-back of 128 rows a channel, 53 + 128 x 2 = 309: 1767 cycles (the kernel's whole cycles are
    split over its instances and multiplied back; rounding per instance once made them 1768)."""
    work = hwsim.Workload("m", (hwsim.Layer("qk", hwsim.MatMul(1, 256, 128, 2)),))
    row = hwsim.simulate(_accel(tmp_path), work).layers.iloc[0]
    reads, writes, internal = 256 * 256, 4 * 2 * 8 * 256, 2 * 256 * 128 * 16
    assert row["mapping"] == "pim"
    assert row["pim_internal_bits"] == internal == 1048576
    assert (row["dram_reads_bits"], row["dram_writes_bits"]) == (reads, writes) == (65536, 16384)
    assert row["energy_dram_pj"] == pytest.approx((reads + writes) * 3.59 + internal * 0.55, rel=1e-12)
    assert 2 * PASS_CYCLES + 53 + 128 * 2 == 1767
    assert row["total_cycles"] == 1767


def test_pim_leakage_is_every_lane_of_every_unit(tmp_path):
    """The units' static power: 2 channels x 16 banks / 2 banks per unit = 16 units, each of 16 FP16
    lanes (an FP16 x FP16 MAC into FP16), at the logic node (45 nm): 16 x 16 lane leakages."""
    from hwsim.formats import parse_format
    from hwsim.pe.mac import MacPE

    device = _accel(tmp_path).pim
    fp16 = parse_format("fp16")
    lane = MacPE((fp16,), (fp16,), fp16).leakage_uw(device.tech).value
    assert device.leakage_uw() == pytest.approx(16 * 16 * lane, rel=1e-12)
