"""Round-3 mutation pin on the vector unit's SRAM ports (hwsim/arch/fabrics/vector.py): the ifmap
buffer's port carries the operands read in AND the spilled operands filled from DRAM; the unit
waits for it (a buffer delivers banks x port width bits per cycle)."""

from __future__ import annotations

import math

import hwsim


def test_a_spilled_operand_crosses_the_ifmap_port_twice():
    """scalesim-default (32 lanes, int8, 1 GHz, double-buffered) with a 1024-bit ifmap buffer (a
    512-bit working half) behind one 8-bit port, and 1000 GB/s of DRAM (8000 bits a cycle, so DRAM
    never bounds): ReLU on 65 int8 elements = 520 bits > 512 spills. Port A moves the 520 bits read
    by the lanes plus the 520 bits filled from DRAM: 1040 / 8 = 130 cycles against ceil(65 / 32) = 3
    of compute; the 1024-bit ofmap port moves (520 + 520) / 1024 ~ 1."""
    work = hwsim.Workload("v", (hwsim.Layer("v", hwsim.VectorOp("relu", 65)),))
    accel = hwsim.load_accelerator("scalesim-default", [
        f"buffers.ifmap.size_kib={1024 / 8192!r}", "dram.bandwidth_gb_s=1000", "buffers.double_buffered=true",
        "buffers.ifmap.port_width_bits=8", "buffers.ifmap.banks=1"])
    row = hwsim.simulate(accel, work).layers.iloc[0]
    assert row["dram_reads_bits"] == 520 and row["dram_writes_bits"] == 520
    assert row["compute_cycles"] == math.ceil(65 / 32) == 3
    assert row["total_cycles"] == (520 + 520) / 8 == 130
    assert row["stall_cycles"] == 130 - 3
