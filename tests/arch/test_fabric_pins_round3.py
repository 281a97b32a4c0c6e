"""Round-3 mutation pins on the roofline fabric (hwsim/arch/fabrics/roofline.py), by hand from the
A100 whitepaper figures the preset cites: traffic is each operand once, at its own format."""

from __future__ import annotations

import pytest

import hwsim


def test_roofline_writes_outputs_at_the_output_format():
    """A 1 x 4096 x 4096 GEMV with FP16 inputs and weights and FP32 outputs: reads (4096 + 4096 x
    4096) x 16 bits, writes 1 x 4096 outputs x 32 bits (the output format, not the activations');
    DRAM energy at the preset's 3.59 pJ/bit."""
    work = hwsim.Workload("g", (hwsim.Layer("fc", hwsim.Gemm(1, 4096, 4096)),))
    row = hwsim.simulate("gpu-a100-roofline", work, hwsim.Precision(outputs="fp32")).layers.iloc[0]
    reads = (4096 + 4096 * 4096) * 16
    writes = 1 * 4096 * 32
    assert row["dram_writes_bits"] == writes
    assert row["dram_reads_bits"] == reads
    assert row["energy_dram_pj"] == pytest.approx((reads + writes) * 3.59, rel=1e-12)
    # the word columns: each operand once (docs/columns.md)
    assert row["dram_ifmap_reads_words"] == 1 * 4096          # M x K inputs
    assert row["dram_filter_reads_words"] == 4096 * 4096      # K x N weights
    assert row["dram_ofmap_writes_words"] == 1 * 4096         # M x N outputs
    assert row["compulsory_dram_bits"] == reads + writes


def test_roofline_reads_each_input_of_a_convolution_once():
    """Compulsory traffic reads the inputs the windows touch once, not the im2col matrix: a 3 x 3
    convolution (stride 1, no padding) of an 8 x 8 x 16 FP16 input to 32 channels is a GEMM of M = 6 x
    6 = 36, K = 3 x 3 x 16 = 144, N = 32; its windows read all 8 x 8 x 16 = 1024 inputs, once, not
    M x K = 5184; weights 144 x 32, outputs 36 x 32, all FP16."""
    work = hwsim.Workload("c", (hwsim.Layer("conv", hwsim.Conv2d(8, 8, 16, 32, 3, 3)),))
    row = hwsim.simulate("gpu-a100-roofline", work).layers.iloc[0]
    assert row["dram_ifmap_reads_words"] == 8 * 8 * 16
    assert row["dram_reads_bits"] == (8 * 8 * 16 + 144 * 32) * 16
    assert row["dram_writes_bits"] == 36 * 32 * 16


def test_row_stationary_reloads_filters_for_every_output_row_fold():
    """docs/models/row-stationary.md: the filter buffer is read K x N x ceil(E / e) words (each pass's
    filters stay in the pads while one set of e output rows streams). A 3 x 3 convolution of a 30 x 30
    x 4 input to 8 channels (E = F = 28) on Eyeriss's 12 x 14 array: h = 3, e = min(28, 14) = 14, so
    ceil(28 / 14) = 2 output-row folds; K = 3 x 3 x 4 = 36, N = 8: 36 x 8 x 2 = 576 filter words.
    Channel sets 12 // 3 = 4, filter sets 14 // 14 = 1; q = min(4, 12 // 3) = 4, p = min(8, 24, 224 //
    12) = 8; one channel group and one filter group; evened q = ceil(4 / 4) = 1, p = 8; passes = 1 x 1
    x 1 x 2 x 1 = 2 of 8 x 1 x 3 x 28 = 672 products + h - 1 = 2: 1348 cycles. Ifmap reads: the 3600
    distinct inputs x 1 filter group; ofmap writes: 784 x 8 outputs x 1 channel group."""
    accel = hwsim.load_accelerator("eyeriss-like", ["compute.dataflow=rs", "dram.bandwidth_gb_s=unlimited"])
    work = hwsim.Workload("w", (hwsim.Layer("c", hwsim.Conv2d(30, 30, 4, 8, 3, 3)),))
    row = hwsim.simulate(accel, work).layers.iloc[0]
    assert row["folds"] == 2
    assert row["compute_cycles"] == 2 * (8 * 1 * 3 * 28 + 3 - 1) == 1348
    assert row["sram_filter_reads_words"] == 36 * 8 * 2 == 576
    assert row["sram_ifmap_reads_words"] == 30 * 30 * 4
    assert row["sram_ofmap_writes_words"] == 28 * 28 * 8
