"""Round-4 faults the helper session left unpinned: the PIM unit clock in DRAM cycles where tCK is
not 1 ns, the PIM registers' energy at another node, and utilization over all of a layer's cycles
(stalls included). Expected values by hand from the presets' published numbers."""

from __future__ import annotations

import pytest

import hwsim


def test_a_unit_cycle_in_dram_cycles_divides_by_tck():
    # GDDR6-AiM: its units run at 1000 MHz (ISSCC 2022; accelerators/gddr6-aim.yaml), one unit cycle
    # is 1 ns, and its DRAM clock's tCK is 0.57 ns (GDDR6_2000_1350mV_double): 1 / 0.57 = 1.7544
    # DRAM cycles per unit cycle (HBM2's tCK of 1 ns hides a multiply-for-divide slip)
    accel = hwsim.load_accelerator("gddr6-aim")
    assert accel.pim.dram_cycles_per_unit_cycle == pytest.approx(1.0 / 0.57, rel=1e-12)


def test_pim_register_energy_scales_with_the_node():
    # Aladdin's register bit, 0.009 pJ, at the reference point (45 nm, 0.9 V: factor 1), and far
    # less at 7 nm (Stillmaker & Baas 2017: dynamic energy falls ~10x from 45 to 7 nm; at least 2x)
    at_45 = hwsim.load_accelerator("hbm-pim", ["tech_node_nm=45"]).pim.register_pj_per_bit()
    at_7 = hwsim.load_accelerator("hbm-pim", ["tech_node_nm=7"]).pim.register_pj_per_bit()
    assert at_45 == pytest.approx(0.009, rel=1e-12)
    assert at_7 < 0.5 * at_45


def test_utilization_counts_the_stalls():
    # docs/columns.md: utilization = MACs / (total cycles x peak MACs per cycle); a 32 x 32 array
    # (1,024 MACs a cycle) starved of bandwidth stalls, and its utilization falls with the total
    accel = hwsim.load_accelerator("scalesim-default", ["dram.bandwidth_gb_s=0.5", "mapping=scalesim"])
    row = hwsim.simulate(accel, hwsim.Workload("g", (hwsim.Layer("fc", hwsim.Gemm(64, 256, 64)),))).layers.iloc[0]
    assert accel.spec.compute.rows * accel.spec.compute.cols == 1024 and row["stall_cycles"] > 0
    assert row["macs"] == 64 * 256 * 64
    assert row["utilization"] == pytest.approx(64 * 256 * 64 / (row["total_cycles"] * 1024), rel=1e-12)
