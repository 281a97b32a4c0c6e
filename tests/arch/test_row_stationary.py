"""The row-stationary dataflow (compute.dataflow rs; hwsim/arch/fabrics/systolic/row_stationary.py,
docs/models/row-stationary.md). Expected values are worked by hand from the documented formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.errors import HwsimInputError

BASE = "eyeriss-like"


def _work(*ops):
    return hwsim.Workload("w", tuple(hwsim.Layer(f"l{i}", op) for i, op in enumerate(ops)))


def _accel(*overrides):
    return hwsim.load_accelerator(BASE, overrides=["compute.dataflow=rs", *overrides])


# AlexNet CONV3 at batch 4 (13x13x256 -> 13x13x384, 3x3, padding 1) on Eyeriss's 12 x 14 array,
# pads 224 / 12 / 24 words. By hand:
#   h = min(R=3, 12) = 3, r_folds = 1; e = min(E=13, 14) = 13, e_folds = 1
#   channel sets = 12 // 3 = 4, filter sets = 14 // 13 = 1
#   q = min(256, 12 // 3) = 4;  p = min(384, 24, 224 // (4 x 3) = 18) = 18
#   channel groups = ceil(256 / 16) = 16, filter groups = ceil(384 / 18) = 22
#   evened: q = ceil(256 / (16 x 4)) = 4, p = ceil(384 / 22) = 18
#   passes = 4 images x 22 x 16 x 1 x 1 = 1408
#   products per PE per pass = 18 x 4 x 3 x 13 = 2808; per pass + (h - 1) = 2810
#   compute cycles = 1408 x 2810 = 3,956,480
#   MACs = (4 x 13 x 13) x (3 x 3 x 256) x 384 = 598,081,536
#   mapping efficiency = MACs / (168 x 1408 x 2808) = 598,081,536 / 664,215,552
#   filter buffer reads = K x N x e_folds = 2304 x 384 = 884,736 words
#   ifmap buffer reads = distinct inputs x filter groups = (13 x 13 x 256 x 4) x 22 = 3,807,232 words
#   ofmap buffer writes = M x N x channel groups = 676 x 384 x 16 = 4,153,344 words
CONV3 = hwsim.Conv2d(13, 13, 256, 384, 3, 3, stride=1, padding=1, batch=4)


@pytest.fixture(scope="module")
def conv3_row():
    result = hwsim.simulate(_accel("dram.bandwidth_gb_s=unlimited"), _work(CONV3))
    return result.layers.iloc[0]


def test_conv3_cycles_and_passes_by_hand(conv3_row):
    assert conv3_row["macs"] == 598_081_536
    assert conv3_row["folds"] == 1408
    assert conv3_row["compute_cycles"] == 3_956_480
    assert conv3_row["mapping_efficiency"] == pytest.approx(598_081_536 / 664_215_552, rel=1e-12)


def test_conv3_buffer_reads_by_hand(conv3_row):
    assert conv3_row["sram_filter_reads_words"] == 884_736
    assert conv3_row["sram_ifmap_reads_words"] == 3_807_232
    assert conv3_row["sram_ofmap_writes_words"] == 4_153_344


def test_gemm_is_a_one_by_one_convolution():
    # GEMM 64 x 48 x 40: R = S = E = F = 1, 64 "images"; h = e = 1, channel sets 12, filter sets 14
    # q = min(48, 12) = 12, p = min(40, 24, 224 // 12 = 18) = 18; groups: ceil(48/144) = 1, ceil(40/252) = 1
    # evened: q = ceil(48 / 12) = 4, p = ceil(40 / 14) = 3; passes = 64; per pass 3 x 4 x 1 x 1 + 0 = 12
    row = hwsim.simulate(_accel("dram.bandwidth_gb_s=unlimited"), _work(hwsim.Gemm(64, 48, 40))).layers.iloc[0]
    assert row["folds"] == 64
    assert row["compute_cycles"] == 64 * 12
    assert row["mapping_efficiency"] == pytest.approx(64 * 48 * 40 / (168 * 64 * 12), rel=1e-12)


def test_a_filter_taller_than_the_array_folds_its_rows():
    # 13 x 13 kernel on a 4 x 14 array: h = 4, r_folds = ceil(13 / 4) = 4; E = 16 - 13 + 1 = 4, e = 4,
    # filter sets = 14 // 4 = 3, channel sets = 4 // 4 = 1; q = max(1, min(2, 12 // 13 = 0)) = 1,
    # p = min(8, 24, 224 // 13 = 17) = 8; groups: channels ceil(2 / 1) = 2, filters ceil(8 / 24) = 1;
    # evened p = ceil(8 / 3) = 3, q = 1; passes = 1 x 1 x 2 x 1 x 4 = 8; per pass 3 x 1 x 13 x 4 + 3 = 159
    accel = _accel("compute.rows=4", "dram.bandwidth_gb_s=unlimited")
    row = hwsim.simulate(accel, _work(hwsim.Conv2d(16, 16, 2, 8, 13, 13))).layers.iloc[0]
    assert row["folds"] == 8
    assert row["compute_cycles"] == 8 * 159


def test_partial_sums_leave_the_array_once_per_channel_group():
    # on-chip partial-sum traffic: (channel groups - 1) read-modify-writes of every output at psum_bits;
    # the ofmap buffer's written bits = outputs x out bits + RMWs x psum bits (+ DRAM psum reads: none
    # with unlimited buffers). CONV3: 676 x 384 x (16 x 16) + 676 x 384 x 15 x psum_bits
    big = ["buffers.ifmap.size_kib=4096", "buffers.filter.size_kib=4096", "buffers.ofmap.size_kib=4096",
           "dram.bandwidth_gb_s=unlimited"]
    rows = {}
    for psum in (32, 16):
        result = hwsim.simulate(_accel(*big, f"buffers.psum_bits={psum}"), _work(CONV3))
        rows[psum] = result.layers.iloc[0]
    mn = 676 * 384
    # sram_writes_bits = ifmap fills + filter fills + ofmap writes; only the ofmap part depends on psum_bits
    assert rows[32]["sram_writes_bits"] - rows[16]["sram_writes_bits"] == mn * 15 * (32 - 16)
    assert rows[16]["dram_psum_reads_bits"] == 0


def test_scratchpad_energy_is_four_accesses_per_mac_at_the_macs_energy():
    # compute energy = MACs x E_mac x (1 + 4 x fraction) with idle PEs gated (eyeriss-like: 0):
    # fraction 1 -> 5 x the fraction-0 figure, fraction 0.5 -> 3 x
    work = _work(CONV3)
    energy = {}
    for fraction in (0.0, 0.5, 1.0):
        spec = ["compute.dataflow=rs", f"compute.row_stationary.spad_access_mac_fraction={fraction}"]
        accel = hwsim.load_accelerator(BASE, overrides=spec)
        energy[fraction] = hwsim.simulate(accel, work).layers.iloc[0]["energy_compute_pj"]
    assert energy[1.0] == pytest.approx(5 * energy[0.0], rel=1e-12)
    assert energy[0.5] == pytest.approx(3 * energy[0.0], rel=1e-12)


def test_traffic_never_below_compulsory_and_macs_conserved():
    rng = np.random.default_rng(7)
    ops = [hwsim.Conv2d(int(h), int(h), int(c), int(m), int(k), int(k), padding=int(k) // 2, batch=int(b))
           for h, c, m, k, b in zip(rng.integers(5, 40, 6), rng.integers(1, 200, 6), rng.integers(1, 300, 6),
                                    rng.choice([1, 3, 5, 7], 6), rng.integers(1, 5, 6))]
    layers = hwsim.simulate(_accel(), _work(*ops)).layers
    dram = layers["dram_reads_bits"] + layers["dram_writes_bits"]
    assert (dram >= layers["compulsory_dram_bits"] * (1 - 1e-12)).all()
    expected = [op.gemm_view().macs for op in ops]
    assert layers["macs"].tolist() == expected
    assert (layers["mapping_efficiency"] <= 1.0).all() and (layers["mapping_efficiency"] > 0).all()


def test_evaluate_matches_simulate_for_row_stationary_points():
    work = _work(CONV3, hwsim.Gemm(100, 300, 50), hwsim.Conv2d(27, 27, 48, 128, 5, 5, padding=2))
    points = pd.DataFrame({"compute.dataflow": ["rs", "ws", "rs"], "compute.rows": [12, 12, 8],
                           "buffers.ofmap.size_kib": [44, 44, 20]})
    table = hwsim.evaluate(BASE, work, points)
    for i, row in points.iterrows():
        accel = hwsim.load_accelerator(BASE, overrides=[f"{k}={v}" for k, v in row.items()])
        one = hwsim.simulate(accel, work).layers
        assert table.loc[i, "energy_pj"] == pytest.approx(one["energy_pj"].sum(), rel=1e-9)
        assert table.loc[i, "total_cycles"] == pytest.approx(one["total_cycles"].sum(), rel=1e-12)


# -- refusals --------------------------------------------------------------------------------------

def test_row_stationary_refuses_a_fixed_mapping():
    with pytest.raises(HwsimInputError, match="mapping auto only"):
        hwsim.load_accelerator(BASE, overrides=["compute.dataflow=rs", "mapping=scalesim"])
    points = pd.DataFrame({"compute.dataflow": ["ws", "rs"], "mapping": ["scalesim", "scalesim"]})
    with pytest.raises(HwsimInputError, match="points row 1: compute.dataflow rs runs with mapping auto only"):
        hwsim.evaluate(BASE, _work(CONV3), points)


def test_a_row_stationary_preset_switches_dataflow():
    # the pads are read only under rs: eyeriss-like as weight stationary runs (a user's comparison)
    ws = hwsim.simulate(hwsim.load_accelerator(BASE, overrides=["compute.dataflow=ws"]), _work(CONV3)).layers
    rs = hwsim.simulate(hwsim.load_accelerator(BASE), _work(CONV3)).layers
    assert rs["folds"].iloc[0] == 1408
    # weight stationary folds the 2304 x 384 filter onto 12 x 14: ceil(2304/12) x ceil(384/14) = 192 x 28
    assert ws["folds"].iloc[0] == 192 * 28


def test_psum_bits_wider_than_the_accumulator_is_refused():
    with pytest.raises(HwsimInputError, match="buffers.psum_bits"):
        hwsim.load_accelerator(BASE, overrides=["buffers.psum_bits=48"])
