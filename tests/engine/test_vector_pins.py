"""Pins on the vector unit's spills (hwsim/arch/fabrics/vector.py, its docstring): a tensor larger
than the ifmap buffer's working part (half of it when double-buffered) round-trips DRAM, read in
at the input format and written back at the output format; double-buffered transfers hide behind
compute and stall only by the excess, single-buffered ones are all exposed; the unit also waits
for its SRAM ports (banks x port width bits per cycle).

By hand: compute = ceil(ops / lanes), ops = elements x ops per element (softmax 5, relu 1:
hwsim/workload/ops.py); DRAM cycles = (read + write bits) / bits per cycle.

Base design: scalesim-default (32 lanes, int8 activations and outputs, 1 GHz so 1 GB/s is 8 bits
per cycle) with a 1024-bit ifmap buffer: 512 bits (64 int8 elements) per half when
double-buffered, 1024 bits (128 elements) single-buffered.
"""

from __future__ import annotations

import math

import hwsim

SPEC = [f"buffers.ifmap.size_kib={1024 / 8192!r}", "dram.bandwidth_gb_s=1"]


def _row(op, elements, *extra, precision=None):
    work = hwsim.Workload("v", (hwsim.Layer("v", hwsim.VectorOp(op, elements)),))
    accel = hwsim.load_accelerator("scalesim-default", [*SPEC, *extra])
    return hwsim.simulate(accel, work, precision).layers.iloc[0]


def test_a_tensor_that_fits_the_working_half_stays_on_chip():
    row = _row("softmax", 64, "buffers.double_buffered=true")      # 64 x 8 = 512 bits = the half
    assert row["dram_reads_bits"] == 0 and row["dram_writes_bits"] == 0
    assert row["compute_cycles"] == math.ceil(64 * 5 / 32) == 10
    assert row["total_cycles"] == 10
    assert row["sram_reads_bits"] == 64 * 8 and row["sram_writes_bits"] == 64 * 8


def test_one_element_over_the_half_spills_double_buffered():
    row = _row("softmax", 65, "buffers.double_buffered=true")      # 520 bits > 512
    assert row["dram_reads_bits"] == 65 * 8 and row["dram_writes_bits"] == 65 * 8
    assert row["dram_ifmap_reads_bits"] == 520 and row["dram_ofmap_writes_bits"] == 520
    compute = math.ceil(65 * 5 / 32)                               # 11
    dram = (520 + 520) / 8                                         # 130 cycles at 8 bits/cycle
    assert row["compute_cycles"] == compute
    assert row["stall_cycles"] == dram - compute == 119            # only the excess over compute
    assert row["total_cycles"] == 130
    # on chip: operands read + spilled results drained; spilled operands filled + results written
    assert row["sram_reads_bits"] == 520 + 520 and row["sram_writes_bits"] == 520 + 520
    assert row["energy_dram_pj"] == (520 + 520) * 20.3


def test_single_buffered_spill_threshold_is_the_whole_buffer_and_loads_are_exposed():
    fits = _row("softmax", 128, "buffers.double_buffered=false")   # 1024 bits = the whole buffer
    assert fits["dram_reads_bits"] == 0 and fits["total_cycles"] == math.ceil(128 * 5 / 32) == 20
    spills = _row("softmax", 129, "buffers.double_buffered=false")  # 1032 bits
    assert spills["dram_reads_bits"] == 1032 and spills["dram_writes_bits"] == 1032
    compute = math.ceil(129 * 5 / 32)                              # 21
    assert spills["compute_cycles"] == compute
    assert spills["total_cycles"] == compute + (1032 + 1032) / 8 == 279   # every transfer exposed


def test_spilled_results_go_back_at_the_output_width():
    # int16 outputs: 65 x 16 = 1040 bits written back, 520 read in: 1560 / 8 = 195 DRAM cycles
    row = _row("softmax", 65, "buffers.double_buffered=true", precision=hwsim.Precision(outputs="int16"))
    assert row["dram_reads_bits"] == 520 and row["dram_writes_bits"] == 1040
    assert row["total_cycles"] == (520 + 1040) / 8 == 195
    assert row["sram_reads_bits"] == 520 + 1040 and row["sram_writes_bits"] == 520 + 1040


def test_the_vector_unit_waits_for_its_ifmap_port():
    # an 8-bit ifmap port (one bank): 64 int8 operands take 512 / 8 = 64 cycles to read, the
    # 32 lanes need ceil(64 / 32) = 2
    row = _row("relu", 64, "buffers.double_buffered=true", "buffers.ifmap.port_width_bits=8",
               "buffers.ifmap.banks=1")
    assert row["dram_reads_bits"] == 0
    assert row["compute_cycles"] == 2
    assert row["total_cycles"] == 64


def test_an_add_reads_both_of_its_input_tensors():
    # a residual add: 2 x 32 int8 inputs in (512 bits = the working half), 32 int8 out; relu reads one
    add = _row("add", 32, "buffers.double_buffered=true")
    assert add["sram_ifmap_reads_words"] == 2 * 32 and add["sram_ofmap_writes_words"] == 32
    assert add["sram_reads_bits"] == 2 * 32 * 8 and add["sram_writes_bits"] == 32 * 8
    assert add["dram_reads_bits"] == 0 and add["compute_cycles"] == math.ceil(32 / 32) == 1
    relu = _row("relu", 32, "buffers.double_buffered=true")
    assert relu["sram_reads_bits"] == 32 * 8


def test_an_add_spills_when_its_two_inputs_do_not_fit():
    # 33 elements: 2 x 33 x 8 = 528 bits > 512: both inputs round-trip DRAM, the sum is written back
    row = _row("add", 33, "buffers.double_buffered=true")
    assert row["dram_ifmap_reads_bits"] == 528 and row["dram_ofmap_writes_bits"] == 33 * 8
    assert row["dram_ifmap_reads_words"] == 66
    # DRAM (528 + 264) / 8 = 99 cycles against ceil(33 / 32) = 2 of compute: 97 exposed
    assert row["compute_cycles"] == 2 and row["stall_cycles"] == 99 - 2
