"""Physical floors and ceilings (hwsim/tech/limits.py, hwsim/memory/dram.py): each limit's value
worked out by hand from its source, the value at the limit accepted and the next one refused;
legal but unrealistic designs run and are flagged."""

import math
from pathlib import Path

import pandas as pd
import pytest

import hwsim
from hwsim.arch.design import design_batch
from hwsim.errors import HwsimInputError
from hwsim.tech import limits
from hwsim.tech.nodes import TechPoint

BASE = "scalesim-default"   # 45 nm, 0.9 V (the calibration point), no DRAM standard
TINY = str(Path(__file__).parents[1] / "bad_inputs" / "ok_tiny_trace.csv")


def test_clock_ceiling_at_45nm_is_ten_fo4():
    # FO4 at 45 nm = 360 ps/um x 0.045 um = 16.2 ps (Ho, Mai & Horowitz 2001); a stage is a
    # flip-flop (4 FO4) + 6 FO4 of logic (Hrishikesh et al. 2002) = 10 FO4 = 162 ps -> 6172.8 MHz
    assert limits.max_clock_mhz(TechPoint(45, 0.9)) == pytest.approx(1e6 / 162.0, rel=1e-12)
    hwsim.load_accelerator(BASE, ["clock_mhz=6172"])
    with pytest.raises(HwsimInputError, match="at most 6173 MHz"):
        hwsim.load_accelerator(BASE, ["clock_mhz=6173"])


def test_array_edge_ceiling_is_a_wafer_of_flip_flops_at_5nm():
    # DFF_X1 = 17 tracks x 0.19 um x 1.4 um = 4.522 um^2 at 45 nm; 5 nm = 7 nm (0.059) / 1.84 (TSMC N5
    # density) -> 0.14500 um^2, a 0.38079 um pitch; 300 mm / 0.38079 um = 787,841 PEs
    cell_um2 = 17 * 0.19 * 1.4 * 0.059 / 1.84
    edge = math.floor(300e3 / math.sqrt(cell_um2))
    assert edge == 787841 == limits.MAX_ARRAY_EDGE
    hwsim.load_accelerator(BASE, [f"compute.rows={edge}"])
    with pytest.raises(HwsimInputError, match="less than or equal to 787841"):
        hwsim.load_accelerator(BASE, [f"compute.rows={edge + 1}"])


def test_reticle_is_26_by_33_mm():
    assert limits.RETICLE_MM2 == 26 * 33 == 858


def test_hbm2_bandwidth_ceiling_is_the_standards_peak():
    # hbm2 (PIMSimulator): x64 pseudo-channels at 2 Gb/s per pin -> 64 x 2 / 8 = 16 GB/s each;
    # 16 channels -> 256 GB/s
    hwsim.load_accelerator("hbm-pim", ["dram.bandwidth_gb_s=256"])
    with pytest.raises(HwsimInputError, match="up to 256 GB/s"):
        hwsim.load_accelerator("hbm-pim", ["dram.bandwidth_gb_s=256.5"])
    # 4 channels: 64 GB/s
    with pytest.raises(HwsimInputError, match="up to 64 GB/s"):
        hwsim.load_accelerator("hbm-pim", ["dram.channels=4", "dram.bandwidth_gb_s=65"])


def test_hbm_channels_ceiling_is_eight_stacks():
    # 8 stacks (MI300X, B200) x 16 HBM2 pseudo-channels = 128; HBM3: 8 x 32 = 256
    hwsim.load_accelerator("hbm-pim", ["dram.channels=128"])
    with pytest.raises(HwsimInputError, match="allowed: 1..128"):
        hwsim.load_accelerator("hbm-pim", ["dram.channels=129"])
    from hwsim.memory.dram import DRAM_PRESETS

    assert DRAM_PRESETS["hbm3"].max_channels == 256
    # without a standard: 8 HBM4 stacks x 2048 I/O x 8 Gb/s / 8 = 16,384 GB/s
    hwsim.load_accelerator(BASE, ["dram.bandwidth_gb_s=16384"])
    with pytest.raises(HwsimInputError, match="16384 GB/s"):
        hwsim.load_accelerator(BASE, ["dram.bandwidth_gb_s=16385"])


def test_bits_per_cycle_ceiling_is_the_widest_weight():
    hwsim.load_accelerator("stripes-like", ["compute.pe.bits_per_cycle=16"])   # int16 weights
    with pytest.raises(HwsimInputError, match="allowed: 1..16"):
        hwsim.load_accelerator("stripes-like", ["compute.pe.bits_per_cycle=17"])


def test_an_array_larger_than_a_reticle_runs_and_is_flagged():
    # a published PE of 1000 um^2: 1000 x 1000 PEs = 1e9 um^2 = 1000 mm^2 of PEs alone > 858 mm^2;
    # 10 x 10 PEs = 0.1 mm^2 of PEs
    base = hwsim.load_accelerator("stripes-like", ["compute.pe.area_um2=1000"])
    points = pd.DataFrame({"compute.rows": [1000, 10], "compute.cols": [1000, 10]})
    batch = design_batch(base, points)
    assert batch.area_parts_mm2["pe_array"].tolist() == pytest.approx([1000.0, 0.1], rel=1e-12)
    assert batch.die_area_mm2[1] < 858   # the small one's SRAMs and overhead stay well inside a die
    assert batch.exceeds_reticle.tolist() == [True, False]
    table = hwsim.evaluate(base, TINY, points)
    assert len(table) == 2 and (table["total_cycles"] > 0).all()


def test_the_reticle_flag_sits_at_one_field_not_beyond():
    # the same 1000 x 1000 array with PEs of 420 and 380 um^2: dies of ~911 and ~843 mm^2 (the PEs,
    # ~116 mm^2 of SRAMs and the vector unit, and stripes-like's 70% overhead), on either side of
    # 858 mm^2 and far below two fields
    points = pd.DataFrame({"compute.rows": [1000, 1000], "compute.cols": [1000, 1000],
                           "compute.pe.area_um2": [420.0, 380.0]})
    batch = design_batch(hwsim.load_accelerator("stripes-like"), points)
    assert batch.area_parts_mm2["pe_array"].tolist() == pytest.approx([420.0, 380.0], rel=1e-12)
    assert 858 < batch.die_area_mm2[0] < 1000 and 800 < batch.die_area_mm2[1] < 858
    assert batch.exceeds_reticle.tolist() == [True, False]


def test_pim_units_sit_outside_the_die():
    batch = hwsim.load_accelerator("hbm-pim").design
    parts = batch.area_parts_mm2
    assert parts["pim_units"][0] > 0
    assert batch.die_area_mm2[0] == pytest.approx(batch.area_mm2[0] - parts["pim_units"][0], rel=1e-12)
    assert not batch.exceeds_reticle[0]
