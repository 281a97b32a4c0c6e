"""What a fabric receives (a job: its layers x every design point) and what it returns (counts).

Every array is (P, L) for P design points and the fabric's L layers, per instance of a layer
(the engine multiplies by instances x count). Struct of arrays; no dicts of loose keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hwsim.arch.design import DesignBatch

ROLES = ("ifmap", "filter", "ofmap")


@dataclass(frozen=True, eq=False)
class FabricJob:
    design: DesignBatch
    # layer columns, (1, L) or (P, L)
    m: np.ndarray
    k: np.ndarray
    n: np.ndarray
    a_unique_words: np.ndarray
    a_input_words: np.ndarray
    vector_elements: np.ndarray
    vector_ops: np.ndarray
    # precision columns gathered per design group, (1, L) or (P, L)
    a_bits: np.ndarray
    b_bits: np.ndarray
    out_bits: np.ndarray
    acc_bits: np.ndarray
    k_per_step: np.ndarray
    cycles_per_step: np.ndarray
    group_size: np.ndarray
    table_group: np.ndarray = None   # activations per lookup table along K (LUT PEs); None: no tables
    table_entries: np.ndarray = None
    instances: np.ndarray | None = None  # (1, L): back-to-back instances of each layer (attention heads)
    is_gemm: np.ndarray | None = None        # (1, L): GEMM-like (else element-wise); the PIM fabric runs both
    vector_is_add: np.ndarray | None = None  # (1, L): element-wise add/mul (two operands) rather than one

    def for_rows(self, rows: np.ndarray) -> "FabricJob":
        """The job restricted to design points ``rows`` (per-point arrays sliced, shared ones kept)."""
        P = self.design.size
        values = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == P and P > 1:
                value = value[rows]
            values[name] = value
        return FabricJob(**values)

    def col(self, values: np.ndarray) -> np.ndarray:
        """A per-design array as a (P, 1) column."""
        return np.asarray(values)[:, None]


@dataclass(eq=False)
class Counts:
    """Per instance of each layer, (P, L)."""

    compute_cycles: np.ndarray
    stall_cycles: np.ndarray
    macs: np.ndarray
    groups: np.ndarray                 # per-group PE work (dequantise, scale combine)
    tables: np.ndarray                 # per-table PE work (LUT precompute)
    converted_weights: np.ndarray      # elements through a weight converter
    converted_activations: np.ndarray  # elements through an activation converter
    vector_ops: np.ndarray
    sram_read_bits: np.ndarray         # (3, P, L): ifmap, filter, ofmap
    sram_write_bits: np.ndarray        # (3, P, L)
    dram_read_bits: np.ndarray
    dram_write_bits: np.ndarray
    report: dict[str, np.ndarray] = field(default_factory=dict)  # fabric-specific columns, (P, L)
    # MAC slots of PEs with no product in a compute cycle (rows x cols x compute cycles x
    # k_per_step / cycles_per_step - MACs); priced at E_mac x compute.idle_pe_energy_fraction
    idle_mac_slots: np.ndarray | None = None
    pim_internal_bits: np.ndarray | None = None   # bits the PIM units move inside the banks
    pim_register_bits: np.ndarray | None = None   # bits through the PIM units' registers
