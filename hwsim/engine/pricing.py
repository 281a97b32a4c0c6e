"""One pricing step for every fabric: counts (cycles, PE work, bits moved) -> energy in pJ.

    compute = MACs x E_mac + groups x E_group + tables x E_table
              + converted elements x E_convert + vector ops x E_vector_op
          + idle MAC slots x E_mac x idle fraction (PEs without a product in a compute cycle)
          + scratchpad accesses x E_mac x the pad's fraction of a MAC (row stationary's PE pads)
          + activation codec bits x a register bit's energy (activation compression)
    SRAM    = sum over buffers of bits read x E_read_bit(buffer) + bits written x E_write_bit(buffer)
    DRAM    = (bits read + bits written) x E_bit(DRAM)
    + each fabric's own priced terms (count x pJ per unit into one part: e.g. the PIM fabric's
      in-bank bits into DRAM, its register bits and lane operations into compute)
    leakage = static power of the whole design x latency (added by the engine per layer)

``cell_energy`` is the formula for one (design point, layer) of a compiled fabric's cell (the
engine's fused pass calls it); ``price`` applies the same function over a fabric's count arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from hwsim.arch.design import DesignBatch
from hwsim.arch.fabrics.base import (
    D_E_DRAM, D_IDLE, D_PE_ENERGY_SCALE, D_RS_SPAD_FRACTION, O_SPAD, D_REG_PJ_PER_BIT, O_CODEC, D_RD_A, D_RD_B, D_RD_C, D_WR_A, D_WR_B, D_WR_C, O_CONV_A, O_CONV_W,
    O_DRAM_A, O_DRAM_B, O_DRAM_PSUM, O_DRAM_W, O_GROUPS, O_IDLE, O_MACS, O_SRAM_RD_A, O_SRAM_RD_B, O_SRAM_RD_C,
    O_SRAM_WR_A, O_SRAM_WR_B, O_SRAM_WR_C, O_TABLES, O_VOPS, Q_E_CONV_A, Q_E_CONV_W, Q_E_GROUP, Q_E_MAC,
    Q_E_TABLE, Q_E_VOP, CellInputs, Counts, cell_matrix)


@dataclass(frozen=True, eq=False)
class Energies:
    compute_pj: np.ndarray
    sram_pj: np.ndarray
    dram_pj: np.ndarray


@njit(cache=True, inline="always")
def cell_energy(counts, q, i, design, p, e_mac, e_group, e_table, e_convert_w, e_convert_a, e_vector_op):
    """(compute, SRAM, DRAM) pJ of one cell's counts ``counts[:, q, i]`` (O_* slots) on design point
    ``p`` (read by index, not as a view: a view costs two atomic reference counts per cell).
    The unit energies are the structural group's (priced at its reference node and supply); the
    point's own node and supply scale them (DesignBatch.pe_energy_scale)."""
    compute = (counts[O_MACS, q, i] * e_mac + counts[O_GROUPS, q, i] * e_group
               + counts[O_TABLES, q, i] * e_table + counts[O_CONV_W, q, i] * e_convert_w
               + counts[O_CONV_A, q, i] * e_convert_a + counts[O_VOPS, q, i] * e_vector_op
               + counts[O_IDLE, q, i] * e_mac * design[D_IDLE, p]
               + counts[O_SPAD, q, i] * e_mac * design[D_RS_SPAD_FRACTION, p]
               + counts[O_CODEC, q, i] * design[D_REG_PJ_PER_BIT, p]) * design[D_PE_ENERGY_SCALE, p]
    sram = (counts[O_SRAM_RD_A, q, i] * design[D_RD_A, p] + counts[O_SRAM_RD_B, q, i] * design[D_RD_B, p]
            + counts[O_SRAM_RD_C, q, i] * design[D_RD_C, p] + counts[O_SRAM_WR_A, q, i] * design[D_WR_A, p]
            + counts[O_SRAM_WR_B, q, i] * design[D_WR_B, p] + counts[O_SRAM_WR_C, q, i] * design[D_WR_C, p])
    dram = (counts[O_DRAM_A, q, i] + counts[O_DRAM_B, q, i] + counts[O_DRAM_PSUM, q, i]
            + counts[O_DRAM_W, q, i]) * design[D_E_DRAM, p]
    return compute, sram, dram


# the precision rows that are unit energies, in cell_energy's argument order
UNIT_ROWS = (Q_E_MAC, Q_E_GROUP, Q_E_TABLE, Q_E_CONV_W, Q_E_CONV_A, Q_E_VOP)


@njit(cache=True)
def _price_cells(counts, design, units, energies):
    """``counts`` (N_OUT, P, L), ``units`` (6, P, L) -> ``energies`` (3, P, L)."""
    for p in range(counts.shape[1]):
        for i in range(counts.shape[2]):
            c, s, d = cell_energy(counts, p, i, design, p, units[0, p, i], units[1, p, i], units[2, p, i],
                                  units[3, p, i], units[4, p, i], units[5, p, i])
            energies[0, p, i] = c
            energies[1, p, i] = s
            energies[2, p, i] = d


def price(counts: Counts, cells: CellInputs, design: DesignBatch) -> Energies:
    """Energies of a fabric's counts, through ``cell_energy`` with each (point, layer)'s unit
    energies from the precision tensor, plus the fabric's own priced terms."""
    shape = np.broadcast_shapes(np.shape(counts.compute_cycles), (design.size, 1))
    matrix = cell_matrix(counts, shape)
    per_point = cells.precision[:, design.group]                # (N_PRECISION_INPUTS, P, L)
    units = np.stack([np.broadcast_to(per_point[row], shape) for row in UNIT_ROWS])
    energies = np.empty((3, *shape))
    _price_cells(matrix, cells.design, units, energies)
    parts = dict(zip(("compute", "sram", "dram"), energies))
    for term in counts.priced_terms:
        parts[term.part] = parts[term.part] + term.count * term.pj_per_unit
    return Energies(parts["compute"], parts["sram"], parts["dram"])
