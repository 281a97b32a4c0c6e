"""Pins on two PIM paths that injected faults used to leave green: the PIM units' area (and the
area overhead that must leave it out) and the in-bank operand traffic of element-wise layers.

Expected values from docs/models/pim.md, written out by hand:

* ``pim_units`` = units x (lanes x lane MAC area + register bits x DFF area), units = channels x
  banks per channel / banks_per_unit, register bits = (input + accumulator registers) x burst bits;
  the overhead fraction applies to every other part, never to the units in the DRAM dies;
* element-wise add/mul read two operand rows and write one in the banks (relu reads one), every
  element at the lane format's bits; in-bank bits are priced at ``pim.internal_pj_per_bit``.

The device: hbm2-pim (16 banks per pseudo-channel in 4 groups, 256-bit bursts, tCK 1 ns; the
PIMSimulator timing of tests/test_pim.py), 2 channels, an FP16 unit per bank pair.
"""

from __future__ import annotations

import pytest

import hwsim

from conftest import pim_test_accelerator


UNITS = 2 * 16 // 2            # 2 channels x 16 banks / 2 banks per unit = 16 units
BURST_BITS = 256               # hbm2-pim: BL4 x 64-bit pseudo-channel
DFF_UM2 = 17 * 0.19 * 1.4      # Nangate DFF_X1: 17 tracks of 0.19 um x 1.4 um = 4.522 um^2 at 45 nm
FP16_BITS = 16


def _accel(tmp_path, clock=200, lanes=16, input_registers=8):
    # conftest.PIM_TEST_SPEC: 16 host lanes, units at 1000 MHz, an area overhead of 0.5
    return pim_test_accelerator(tmp_path, "pim-pins", clock=clock, overhead=0.5, lanes=lanes,
                                input_registers=input_registers)


# -- area ------------------------------------------------------------------------------------------

def test_pim_unit_area_by_hand(tmp_path):
    accel = _accel(tmp_path)
    # the host is a 1 x 1 array of the lane's own MAC (FP16 x FP16 accumulating in FP16, HBM-PIM's
    # lane) with one pipeline stage at 200 MHz, so its pe_array part is one lane MAC's area
    assert accel.info()["pe_pipeline_stages"] == 1
    lane_um2 = accel.area_breakdown_mm2["pe_array"] * 1e6
    registers = (8 + 8) * BURST_BITS                       # input + accumulator registers: 4096 bits
    from hwsim.pe.placement import placement_factor  # registers placed like the lanes (tests/pe/test_placement.py)
    unit_um2 = 16 * lane_um2 + registers * DFF_UM2 * placement_factor()
    assert accel.area_breakdown_mm2["pim_units"] == pytest.approx(UNITS * unit_um2 / 1e6, rel=1e-12)
    assert accel.info()["pim_units"] == UNITS


def test_pim_unit_area_terms_scale_with_lanes_and_registers(tmp_path):
    base = _accel(tmp_path).area_breakdown_mm2
    lane_mm2 = base["pe_array"]
    fewer_lanes = _accel(tmp_path, lanes=8).area_breakdown_mm2
    more_registers = _accel(tmp_path, input_registers=9).area_breakdown_mm2
    # 8 lanes fewer per unit: 16 units x 8 lane MACs
    assert base["pim_units"] - fewer_lanes["pim_units"] == pytest.approx(UNITS * 8 * lane_mm2, rel=1e-9)
    # one more input register per unit: 16 units x 256 DFFs, placed (x the place-and-route factor)
    from hwsim.pe.placement import placement_factor
    assert more_registers["pim_units"] - base["pim_units"] == pytest.approx(
        UNITS * BURST_BITS * DFF_UM2 * placement_factor() / 1e6, rel=1e-9)


def test_area_overhead_leaves_the_pim_units_out(tmp_path):
    parts = _accel(tmp_path).area_breakdown_mm2
    # the DRAM PHYs are priced themselves (2 x64 pseudo-channels x 10.45 mm^2 / 1024 DQ: LLMCompass'
    # HBM2E PHY per pin) and stay out of the overhead's base too
    assert parts["dram_phy"] == pytest.approx(2 * 64 * 10.45 / 1024, rel=1e-12)
    on_chip = sum(value for name, value in parts.items() if name not in ("pim_units", "overhead", "dram_phy"))
    assert parts["pim_units"] > on_chip                     # the units would dominate a wrong overhead
    assert parts["overhead"] == pytest.approx(0.5 * on_chip, rel=1e-12)
    accel = _accel(tmp_path)
    assert accel.area_mm2 == pytest.approx(1.5 * on_chip + parts["pim_units"] + parts["dram_phy"], rel=1e-12)


# -- element-wise operand traffic in the banks ---------------------------------------------------

def _eltwise(tmp_path, op, elements):
    work = hwsim.Workload("e", (hwsim.Layer("e", hwsim.VectorOp(op, elements)),))
    return hwsim.simulate(_accel(tmp_path, clock=1000), work).layers.iloc[0]


@pytest.mark.parametrize("op, rows_moved", [("add", 3), ("mul", 3), ("relu", 2)])
def test_elementwise_in_memory_reads_each_operand_and_writes_the_result(tmp_path, op, rows_moved):
    # 8192 FP16 elements = 4 whole tiles of 16 banks x 8 registers x 16 elements (2 per channel)
    n = 8192
    row = _eltwise(tmp_path, op, n)
    assert row["mapping"] == "pim"
    # add/mul: two operands read + one result written; relu: one read + one written
    internal = rows_moved * n * FP16_BITS                  # add: 393216 bits, relu: 262144
    assert row["pim_internal_bits"] == internal
    assert row["energy_dram_pj"] == pytest.approx(internal * 0.55, rel=1e-12)
    assert row["dram_reads_bits"] == 0 and row["dram_writes_bits"] == 0   # nothing crosses the I/O
    assert row["energy_compute_pj"] == pytest.approx(n * 1 * 0.5, rel=1e-12)   # one lane op per element


def test_elementwise_add_time_in_memory_by_hand(tmp_path):
    # per channel ceil(8192 / (2048 x 2 channels)) = 2 tiles x 2 bank halves = 4 halves; an add half
    # opens and reads two 8-column rows (tRCD 14 + 1 + 7 x tCCD_L 4 + burst 2 + tRP 14 = 59 each)
    # and stores a third (tRCD_WR 10 + 7 x 4 + WL 8 + 2 + tWTR_L 9 - tRCD 14 = 43): 161; relu reads
    # one row: 102. No setup or session cycles, no refresh before 1950; 1 GHz host = DRAM clock.
    assert _eltwise(tmp_path, "add", 8192)["total_cycles"] == 4 * (2 * 59 + 43) == 644
    assert _eltwise(tmp_path, "relu", 8192)["total_cycles"] == 4 * (59 + 43) == 408


def test_elementwise_partial_tile_moves_whole_tiles(tmp_path):
    # 2049 elements run ceil(2049 / 2048) = 2 tiles (docs/models/pim.md: every element processed,
    # ceil), each of 2048 elements moving three rows' worth at 16 bits
    assert _eltwise(tmp_path, "add", 2049)["pim_internal_bits"] == 2 * 2048 * 3 * FP16_BITS
