"""buffers.shared_ifmap_ofmap: one SRAM for ifmap tiles and partial sums, split per layer by the
mapper (hwsim/arch/fabrics/systolic/mapper.py, N_SPLITS). Expected traffic worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import hwsim

GEMM = hwsim.Workload("w", (hwsim.Layer("l", hwsim.Gemm(512, 512, 512)),))
# eyeriss-like as a 12 x 14 weight-stationary array with 16-bit operands and 32-bit partial sums,
# single-buffered, unlimited bandwidth; ifmap 16 KiB, ofmap 600 KiB, filter 16 KiB
BASE = ["compute.dataflow=ws", "buffers.psum_bits=32", "buffers.double_buffered=false",
        "buffers.ifmap.size_kib=16", "buffers.ofmap.size_kib=600", "buffers.filter.size_kib=16",
        "dram.bandwidth_gb_s=unlimited"]
A_BITS = 512 * 512 * 16      # 4,194,304: A, B and C are each 512 x 512 16-bit words


def _row(shared: bool):
    accel = hwsim.load_accelerator("eyeriss-like", overrides=[*BASE, f"buffers.shared_ifmap_ofmap={str(shared).lower()}"])
    return hwsim.simulate(accel, GEMM).layers.iloc[0]


def test_fixed_split_refetches_what_a_shared_buffer_keeps():
    # fixed: A (512 KiB) cannot stay in 16 KiB, so C stays: at most 600 KiB x 8192 / 32 = 153,600 partial
    # sums = 512 rows x 266 columns (19 array columns of 14; 20 would be 286,720 bits over); N = 512 takes
    # ceil(512 / 266) = 2 trips, and A is read once per trip: 2 x A
    fixed = _row(False)
    assert fixed["dram_ifmap_reads_bits"] == 2 * A_BITS
    assert fixed["dram_filter_reads_bits"] == A_BITS
    # shared: the 616 KiB split 7/8 to the ifmap share (539 KiB = 4,415,488 bits) holds all of A
    # (4,194,304 bits), which then stays while N streams: every operand crosses DRAM once
    shared = _row(True)
    assert shared["dram_ifmap_reads_bits"] == A_BITS
    assert shared["dram_filter_reads_bits"] == A_BITS
    assert shared["dram_ofmap_writes_bits"] == A_BITS
    assert (shared["dram_reads_bits"] + shared["dram_writes_bits"]) == shared["compulsory_dram_bits"]


def test_shared_is_an_array_key_and_matches_simulate():
    points = pd.DataFrame({"buffers.shared_ifmap_ofmap": [False, True]})
    table = hwsim.evaluate(hwsim.load_accelerator("eyeriss-like", overrides=BASE), GEMM, points)
    for i, shared in enumerate((False, True)):
        row = _row(shared)
        assert table.loc[i, "dram_bits"] == pytest.approx(row["dram_reads_bits"] + row["dram_writes_bits"], rel=1e-12)
