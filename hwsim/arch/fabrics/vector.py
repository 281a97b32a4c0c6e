"""The vector unit fabric: element-wise and reduction ops (softmax, norms, activations, adds).

``lanes`` element ops complete per cycle. Operands stream from the ifmap buffer and results go
to the ofmap buffer; an add or mul reads two input tensors (a residual add, a gate), the other
ops one. Inputs larger than the ifmap buffer's working part round-trip DRAM (read in, written
back). Double-buffered transfers hide behind compute and stall only by the
excess; single-buffered, every transfer is exposed. Like the array, the vector unit waits for
SRAM ports: a buffer delivers banks x port width bits per cycle.

``vector_cell`` is the one copy of that arithmetic; ``count_vector`` runs it over a job's cells
and the engine's fused pass calls it per (design point, layer).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from hwsim.arch.fabrics.base import (
    COMMON_REPEAT_SCALED, COMMON_REPORT, D_BW, D_DBUF, D_GROUP, D_LANES, D_PORT_A, D_PORT_B, D_PORT_C, D_SIZE_A,
    L_VEC_ELEMENTS, L_VEC_OPERANDS, L_VEC_OPS, N_OUT, O_COMPUTE, O_DRAM_A, O_DRAM_CYCLES, O_DRAM_IFMAP_WORDS,
    O_DRAM_OFMAP_WORDS, O_DRAM_W, O_OVERLAP, O_PORT_CYCLES, O_SPILL_BITS, O_SRAM_IFMAP_WORDS, O_SRAM_OFMAP_WORDS,
    O_SRAM_RD_A, O_SRAM_RD_C, O_SRAM_WR_A, O_SRAM_WR_C, O_STALL, O_VOPS, Q_A_BITS, Q_OUT_BITS, REPORT_NAN_OUTPUTS,
    Counts, Fabric, FabricJob, cells_to_counts, timing_bound)
from hwsim.arch.fabrics.threads import in_threads


@njit(cache=True)
def vector_cell(design, p, layer, i, prec, out, q):
    """Every count of element-wise layer ``i`` on design point ``p`` into ``out[:, q, i]`` (O_* slots)."""
    g = int(design[D_GROUP, p])
    for slot in range(N_OUT):   # every slot not written below is zero (no MACs, folds, filter traffic ...)
        out[slot, q, i] = 0.0
    for slot in REPORT_NAN_OUTPUTS:
        out[slot, q, i] = math.nan
    elements = layer[L_VEC_ELEMENTS, i]
    in_elements = elements * layer[L_VEC_OPERANDS, i]
    ops = layer[L_VEC_OPS, i]
    compute = math.ceil(ops / design[D_LANES, p])
    in_bits = in_elements * prec[Q_A_BITS, g, i]
    out_bits = elements * prec[Q_OUT_BITS, g, i]
    spills = in_bits > design[D_SIZE_A, p] * (0.5 if design[D_DBUF, p] > 0 else 1.0)
    dram_read = in_bits if spills else 0.0
    dram_write = out_bits if spills else 0.0
    bw = design[D_BW, p]
    dram_cycles = 0.0 if math.isinf(bw) else (dram_read + dram_write) / bw
    exposed = max(0.0, dram_cycles - compute) if design[D_DBUF, p] > 0 else dram_cycles
    stall = math.ceil(exposed - 1e-9)
    # operands in and spilled results drained (ifmap); spilled operands filled; results out (ofmap)
    port_cycles = max((in_bits + dram_read) / design[D_PORT_A, p], 0.0 / design[D_PORT_B, p],
                      (dram_write + out_bits) / design[D_PORT_C, p])
    stall = stall + max(0.0, math.ceil(port_cycles - 1e-9) - (compute + stall))
    out[O_COMPUTE, q, i] = compute
    out[O_STALL, q, i] = stall
    out[O_VOPS, q, i] = ops
    out[O_SRAM_RD_A, q, i] = in_bits
    out[O_SRAM_RD_C, q, i] = dram_write
    out[O_SRAM_WR_A, q, i] = dram_read
    out[O_SRAM_WR_C, q, i] = out_bits
    out[O_DRAM_A, q, i] = dram_read
    out[O_DRAM_W, q, i] = dram_write
    out[O_SRAM_IFMAP_WORDS, q, i] = in_elements
    out[O_SRAM_OFMAP_WORDS, q, i] = elements
    out[O_DRAM_IFMAP_WORDS, q, i] = in_elements if spills else 0.0
    out[O_DRAM_OFMAP_WORDS, q, i] = elements if spills else 0.0
    out[O_OVERLAP, q, i] = 1.0 if design[D_DBUF, p] > 0 else 0.0
    out[O_DRAM_CYCLES, q, i] = dram_cycles    # the timing components (docs/columns.md, `bound`)
    out[O_PORT_CYCLES, q, i] = port_cycles
    out[O_SPILL_BITS, q, i] = dram_write      # a spilled result goes to DRAM and comes back


@njit(cache=True, nogil=True)
def _vector_cells(design, layer, prec, out, p0, p1):
    for p in range(p0, p1):
        for i in range(layer.shape[1]):
            vector_cell(design, p, layer, i, prec, out, p)


def count_vector(job: FabricJob) -> Counts:
    cells = job.cells
    out = np.empty((N_OUT, cells.design.shape[1], cells.layer.shape[1]))
    in_threads(lambda p0, p1: _vector_cells(cells.design, cells.layer, cells.precision, out, p0, p1),
               cells.design.shape[1])
    return cells_to_counts(out, idle=False)


def _lanes(job: FabricJob) -> np.ndarray:
    return job.col(job.design.vector_lanes).astype(np.float64)


FABRIC = Fabric(name="vector", count=count_vector, peak_per_cycle=_lanes, work="vector_ops",
                report_columns=COMMON_REPORT, repeat_scaled=COMMON_REPEAT_SCALED, kernels=(_vector_cells,),
                mapping_label="vector", bound=timing_bound("vector_unit"))
