"""One pricing step for every fabric: counts (cycles, PE work, bits moved) -> energy in pJ.

    compute = MACs x E_mac + groups x E_group + tables x E_table
              + converted elements x E_convert + vector ops x E_vector_op
          + idle MAC slots x E_mac x idle fraction (PEs without a product in a compute cycle)
    SRAM    = sum over buffers of bits read x E_read_bit(buffer) + bits written x E_write_bit(buffer)
    DRAM    = (bits read + bits written) x E_bit(DRAM)
              + PIM in-bank bits x E_bit(in-bank)  (PIM registers go to compute)
    leakage = static power of the whole design x latency (added by the engine per layer)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.arch.design import DesignBatch
from hwsim.arch.fabrics.base import Counts


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


def price(counts: Counts, unit: UnitEnergies, design: DesignBatch) -> Energies:
    compute = (counts.macs * unit.per_mac_pj + counts.groups * unit.per_group_pj
               + counts.tables * unit.per_table_pj
               + counts.converted_weights * unit.convert_weights_pj
               + counts.converted_activations * unit.convert_activations_pj
               + counts.vector_ops * unit.per_vector_op_pj)
    if counts.idle_mac_slots is not None:
        compute = compute + counts.idle_mac_slots * unit.per_mac_pj * design.idle_pe_energy_fraction[:, None]
    sram = (counts.sram_read_bits * design.sram_read_pj_per_bit[:, :, None]
            + counts.sram_write_bits * design.sram_write_pj_per_bit[:, :, None]).sum(axis=0)
    dram = (counts.dram_read_bits + counts.dram_write_bits) * design.dram_pj_per_bit[:, None]
    if counts.pim_internal_bits is not None:
        dram = dram + counts.pim_internal_bits * unit.pim_internal_pj_per_bit
        compute = compute + counts.pim_register_bits * unit.pim_register_pj_per_bit
    return Energies(compute, sram, dram)
