"""The roofline fabric (compute.kind 'roofline'): a GPU-like device as peak throughput and bandwidth.

A layer takes max(compute at peak, compulsory DRAM traffic at the DRAM bandwidth) (Williams,
Waterman & Patterson, "Roofline", CACM 2009): peak = rows x cols MACs per cycle (e.g. tensor
cores x FMAs per tensor core per clock) x the PE's k_per_step / cycles_per_step; traffic is
each operand once (inputs the windows read, weights or KV, outputs). No tiling, no SRAM model:
an upper bound on what a well-mapped GPU kernel achieves. SRAM energy is not charged.
"""

from __future__ import annotations

import numpy as np

from hwsim.arch.fabrics.base import COMMON_REPEAT_SCALED, COMMON_REPORT, Counts, Fabric, FabricJob, array_peak


def count_roofline(job: FabricJob) -> Counts:
    d = job.design
    # what a real software stack reaches of each roof (compute.achievable_*_fraction; 1 = the roofline)
    peak = array_peak(job) * job.col(d.achievable_compute_fraction)
    macs = (job.m * job.k * job.n).astype(np.float64) + np.zeros_like(peak)
    compute = np.ceil(macs / peak - 1e-9)
    read = job.a_unique_words * job.a_bits + job.k * job.n * job.b_bits
    write = job.m * job.n * job.out_bits + np.zeros_like(read)
    bw = job.col(d.dram_bits_per_cycle * d.achievable_bandwidth_fraction)
    dram_cycles = np.where(np.isinf(bw), 0.0, (read + write) / bw)
    stall = np.maximum(0.0, np.ceil(dram_cycles - 1e-9) - compute)
    zeros = np.zeros_like(compute)
    nan = np.full_like(compute, np.nan)
    report = {
        "folds": zeros, "mapping_efficiency": nan, "compute_utilization": nan,
        "sram_ifmap_reads_words": zeros, "sram_filter_reads_words": zeros, "sram_ofmap_writes_words": zeros,
        "dram_ifmap_reads_words": job.a_unique_words + zeros, "dram_filter_reads_words": job.k * job.n + zeros,
        "dram_ofmap_writes_words": job.m * job.n + zeros,
        "dram_ifmap_reads_bits": job.a_unique_words * job.a_bits + zeros,
        "dram_filter_reads_bits": job.k * job.n * job.b_bits + zeros, "dram_ofmap_writes_bits": write,
        "dram_psum_reads_bits": zeros, "compulsory_dram_bits": read + write,
        "map_scheme": nan, "tile_m": nan, "tile_n": nan, "tile_k": nan, "tiles_double_buffered": nan,
        # the two roofs (docs/columns.md, `bound`); no SRAM model, so no port term
        "dram_transfer_cycles": dram_cycles + zeros, "sram_port_cycles": nan, "dram_spill_bits": nan,
    }
    stack = np.stack([zeros, zeros, zeros])
    return Counts(compute_cycles=compute, stall_cycles=stall, macs=macs, groups=zeros, tables=zeros,
                  converted_weights=zeros, converted_activations=zeros, vector_ops=zeros,
                  sram_read_bits=stack, sram_write_bits=stack.copy(), dram_read_bits=read + zeros,
                  dram_write_bits=write, report=report)


def roofline_bound(compute: np.ndarray, port: np.ndarray, dram: np.ndarray) -> np.ndarray:
    """Under the memory roof when the compulsory traffic's time exceeds the peak compute time."""
    return np.where(dram > compute, "roofline_memory", "roofline_compute").astype(object)


FABRIC = Fabric(name="roofline", count=count_roofline, peak_per_cycle=array_peak, work="macs",
                report_columns=COMMON_REPORT, repeat_scaled=COMMON_REPEAT_SCALED, mapping_label="roofline",
                bound=roofline_bound)
