"""The PE datapath record: what one PE type tells a fabric about one precision.

A fabric never asks a PE "how many MACs per cycle"; it asks for this record and applies each
factor where it belongs:

* ``k_per_step`` (spatial packing along K): products of one dot product a PE completes per
  step. Bit Fusion's 2x INT4 or a dot-product-width-4 bit-serial PE both shrink the reduction
  dimension the array sees to ceil(K / k_per_step) and pack that many elements into one word.
* ``cycles_per_step`` (temporal): cycles a PE spends on one streamed step; 1 for a bit-parallel
  MAC, ceil(weight bits / bits per cycle) for a bit-serial PE. The fabric stretches the streamed
  dimension by it, never the spatial folds.
* ``energy_per_mac_pj``: dynamic energy per multiply-accumulate (one product of the dot product).
* ``energy_per_group_pj`` and ``group_size``: work done once per group of ``group_size`` products
  along K for each output (group dequantisation of ``int4@g128`` weights, MX scale combine);
  the fabric counts M * N * ceil(K / group_size) groups.
* ``energy_per_table_pj``, ``table_entries`` and ``table_group``: work done once per lookup table
  (LUT PEs' precompute over ``table_group`` activations along K); the fabric counts one table per
  (row of A, group of K) per column fold, i.e. amortised over the output columns that share it.
* ``energy_convert_weights_pj`` / ``energy_convert_activations_pj``: per element delivered to the
  array through a declared conversion (dequantise-then-MAC), 0 when native.
* ``area_um2`` and ``leakage_uw``: one PE's silicon; the same for every precision it runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatapathRecord:
    k_per_step: int
    cycles_per_step: int
    energy_per_mac_pj: float
    energy_per_group_pj: float
    group_size: int
    energy_per_table_pj: float
    table_entries: int
    energy_convert_weights_pj: float
    energy_convert_activations_pj: float
    area_um2: float
    leakage_uw: float
    table_group: int = 1   # activations per table along K (LUT PEs)

    def __post_init__(self) -> None:
        if self.k_per_step < 1 or self.cycles_per_step < 1 or self.group_size < 1:
            raise ValueError(f"a datapath record needs positive packing, step and group sizes: {self}")
