"""One pricing step for every fabric: counts (cycles, PE work, bits moved) -> energy in pJ.

    compute = MACs x E_mac + groups x E_group + tables x E_table
              + converted elements x E_convert + vector ops x E_vector_op
          + idle MAC slots x E_mac x idle fraction (PEs without a product in a compute cycle)
    SRAM    = sum over buffers of bits read x E_read_bit(buffer) + bits written x E_write_bit(buffer)
    DRAM    = (bits read + bits written) x E_bit(DRAM)
              + PIM in-bank bits x E_bit(in-bank)  (PIM registers go to compute)
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
    D_E_DRAM, D_IDLE, D_RD_A, D_RD_B, D_RD_C, D_WR_A, D_WR_B, D_WR_C, O_CONV_A, O_CONV_W, O_DRAM_A, O_DRAM_B,
    O_DRAM_PSUM, O_DRAM_W, O_GROUPS, O_IDLE, O_MACS, O_SRAM_RD_A, O_SRAM_RD_B, O_SRAM_RD_C, O_SRAM_WR_A,
    O_SRAM_WR_B, O_SRAM_WR_C, O_TABLES, O_VOPS, Counts)


@dataclass(frozen=True, eq=False)
class UnitEnergies:
    """Per-operation energies gathered per (design, layer): (1, L) or (P, L)."""

    per_mac_pj: np.ndarray
    per_group_pj: np.ndarray
    per_table_pj: np.ndarray
    convert_weights_pj: np.ndarray
    convert_activations_pj: np.ndarray
    per_vector_op_pj: np.ndarray
    pim_internal_pj_per_bit: np.ndarray | None = None   # (P, 1): in-bank access (PIM fabric)
    pim_register_pj_per_bit: np.ndarray | None = None   # (P, 1): a PIM unit's register bit


@dataclass(frozen=True, eq=False)
class Energies:
    compute_pj: np.ndarray
    sram_pj: np.ndarray
    dram_pj: np.ndarray


@njit(cache=True)
def cell_energy(out, design, p, e_mac, e_group, e_table, e_convert_w, e_convert_a, e_vector_op):
    """(compute, SRAM, DRAM) pJ of one cell's counts ``out`` (O_* slots) on design point ``p``."""
    compute = (out[O_MACS] * e_mac + out[O_GROUPS] * e_group + out[O_TABLES] * e_table
               + out[O_CONV_W] * e_convert_w + out[O_CONV_A] * e_convert_a + out[O_VOPS] * e_vector_op
               + out[O_IDLE] * e_mac * design[D_IDLE, p])
    sram = (out[O_SRAM_RD_A] * design[D_RD_A, p] + out[O_SRAM_RD_B] * design[D_RD_B, p]
            + out[O_SRAM_RD_C] * design[D_RD_C, p] + out[O_SRAM_WR_A] * design[D_WR_A, p]
            + out[O_SRAM_WR_B] * design[D_WR_B, p] + out[O_SRAM_WR_C] * design[D_WR_C, p])
    dram = (out[O_DRAM_A] + out[O_DRAM_B] + out[O_DRAM_PSUM] + out[O_DRAM_W]) * design[D_E_DRAM, p]
    return compute, sram, dram


@njit(cache=True)
def _price_cells(counts, design, units, energies):
    """``counts`` (N_OUT, P, L), ``units`` (6, P, L) -> ``energies`` (3, P, L)."""
    for p in range(counts.shape[1]):
        for i in range(counts.shape[2]):
            c, s, d = cell_energy(counts[:, p, i], design, p, units[0, p, i], units[1, p, i], units[2, p, i],
                                  units[3, p, i], units[4, p, i], units[5, p, i])
            energies[0, p, i] = c
            energies[1, p, i] = s
            energies[2, p, i] = d


def price(counts: Counts, unit: UnitEnergies, design: DesignBatch, design_matrix: np.ndarray) -> Energies:
    """Energies of a fabric's counts, through ``cell_energy``; ``design_matrix`` is the batch's
    (N_DESIGN_INPUTS, P) matrix (hwsim/arch/fabrics/base.py: pack_design)."""
    from hwsim.arch.fabrics.base import N_OUT, cell_matrix

    shape = np.broadcast_shapes(np.shape(counts.compute_cycles), (design.size, 1))
    cells = cell_matrix(counts, shape)
    units = np.stack([np.broadcast_to(np.asarray(x, dtype=np.float64), shape) for x in (
        unit.per_mac_pj, unit.per_group_pj, unit.per_table_pj, unit.convert_weights_pj,
        unit.convert_activations_pj, unit.per_vector_op_pj)])
    energies = np.empty((3, *shape))
    assert cells.shape[0] == N_OUT
    _price_cells(cells, design_matrix, units, energies)
    compute, sram, dram = energies
    if counts.pim_internal_bits is not None:
        dram = dram + counts.pim_internal_bits * unit.pim_internal_pj_per_bit
        compute = compute + counts.pim_register_bits * unit.pim_register_pj_per_bit
    return Energies(compute, sram, dram)
