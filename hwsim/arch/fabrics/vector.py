"""The vector unit fabric: element-wise and reduction ops (softmax, norms, activations, adds).

``lanes`` element ops complete per cycle. Operands stream from the ifmap buffer and results go
to the ofmap buffer; a tensor larger than the ifmap buffer's working part round-trips DRAM
(read in, written back). Double-buffered transfers hide behind compute and stall only by the
excess; single-buffered, every transfer is exposed. Like the array, the vector unit waits for
SRAM ports: a buffer delivers banks x port width bits per cycle.
"""

from __future__ import annotations

import numpy as np

from hwsim.arch.fabrics.base import Counts, FabricJob


def count_vector(job: FabricJob) -> Counts:
    d = job.design
    lanes = job.col(d.vector_lanes)
    elements = job.vector_elements.astype(np.float64)
    ops = job.vector_ops.astype(np.float64)
    compute = np.ceil(ops / lanes)
    in_bits, out_bits = elements * job.a_bits, elements * job.out_bits
    spills = in_bits > job.col(d.working_bits[0])
    dram_read = np.where(spills, in_bits, 0.0)
    dram_write = np.where(spills, out_bits, 0.0)
    bw = job.col(d.dram_bits_per_cycle)
    dram_cycles = np.where(np.isinf(bw), 0.0, (dram_read + dram_write) / bw)
    exposed = np.where(job.col(d.double_buffered), np.maximum(0.0, dram_cycles - compute), dram_cycles)
    stall = np.ceil(exposed - 1e-9)
    zeros = np.zeros_like(compute)
    sram_read = np.stack([in_bits + zeros, zeros, dram_write])    # operands in; spilled results drained
    sram_write = np.stack([dram_read, zeros, out_bits + zeros])   # spilled operands filled; results out
    port_cycles = np.max((sram_read + sram_write) / d.sram_bits_per_cycle[:, :, None], axis=0)
    stall = stall + np.maximum(0.0, np.ceil(port_cycles - 1e-9) - (compute + stall))
    nan = np.full_like(compute, np.nan)
    report = {
        "folds": zeros, "mapping_efficiency": nan, "compute_utilization": nan,
        "sram_ifmap_reads_words": elements + zeros, "sram_filter_reads_words": zeros,
        "sram_ofmap_writes_words": elements + zeros,
        "dram_ifmap_reads_words": np.where(spills, elements, 0.0), "dram_filter_reads_words": zeros,
        "dram_ofmap_writes_words": np.where(spills, elements, 0.0),
        "dram_ifmap_reads_bits": dram_read, "dram_filter_reads_bits": zeros,
        "dram_ofmap_writes_bits": dram_write, "dram_psum_reads_bits": zeros,
        "compulsory_dram_bits": zeros, "map_scheme": nan, "tile_m": nan, "tile_n": nan, "tile_k": nan,
        "tiles_double_buffered": job.col(d.double_buffered).astype(np.float64) + zeros,
    }
    return Counts(compute_cycles=compute, stall_cycles=stall, macs=zeros, groups=zeros, tables=zeros,
                  converted_weights=zeros, converted_activations=zeros, vector_ops=ops + zeros,
                  sram_read_bits=sram_read, sram_write_bits=sram_write, dram_read_bits=dram_read,
                  dram_write_bits=dram_write, report=report)
