"""Each layer's resolved formats and the PE's datapath record for them, as arrays over layers.

Resolved once per (accelerator group, workload, run-wide override): the trace's formats, then
the run's overrides, then the accelerator's default precision; the PE checks every GEMM's
formats (a clear error naming the layer otherwise) and returns its datapath record.

Energies are at the group accelerator's tech point; a point at another node or supply prices
them times its ``DesignBatch.pe_energy_scale`` (hwsim/arch/design.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.arch.accelerator import Accelerator
from hwsim.arch.pim import pim_placement
from hwsim.errors import HwsimInputError
from hwsim.formats import Precision
from hwsim.workload.batch import LayerBatch


@dataclass(frozen=True, eq=False)
class PrecisionTable:
    resolved: tuple[Precision, ...]
    a_bits: np.ndarray      # activation bits per element as stored (A operand)
    b_bits: np.ndarray      # B operand bits per element as stored (weights, or the KV cache)
    out_bits: np.ndarray    # bits per output element as written (the KV format for new K/V)
    acc_bits: np.ndarray    # partial-sum bits outside the PEs (buffers.psum_bits, else the accumulator's)
    k_per_step: np.ndarray
    cycles_per_step: np.ndarray
    energy_per_mac_pj: np.ndarray
    energy_per_group_pj: np.ndarray
    group_size: np.ndarray
    energy_per_table_pj: np.ndarray
    table_entries: np.ndarray
    table_group: np.ndarray
    energy_convert_weights_pj: np.ndarray
    energy_convert_activations_pj: np.ndarray
    energy_per_vector_op_pj: float
    on_pim: np.ndarray      # bool: the layer runs in the PIM units (compute.kind 'pim')


def pe_view(precision: Precision, b_is_kv: bool) -> Precision:
    """The PE multiplies A (activations) by B; for attention B is the KV cache, not weights."""
    if not b_is_kv:
        return precision
    return Precision(precision.kv, precision.activations, precision.outputs, precision.kv)


def precision_table(accel: Accelerator, layers: LayerBatch, override: Precision | None,
                    faster_side: str = "pim") -> PrecisionTable:
    """``faster_side``: for pim.offload 'faster', which side its candidate layers are costed on."""
    cache = accel.__dict__.setdefault("_precision_tables", {})
    key = (id(layers), override, faster_side)
    if key in cache and cache[key][0] is layers:
        return cache[key][1]
    table = _build(accel, layers, override, faster_side)
    cache[key] = (layers, table)
    return table


def _build(accel: Accelerator, layers: LayerBatch, override: Precision | None, faster_side: str) -> PrecisionTable:
    tech = accel.tech
    pe = accel.pe
    pim = accel.pim
    on_pim = pim_placement(accel.spec, layers, faster_side)
    resolved, rows = [], []
    for i, name in enumerate(layers.names):
        precision = layers.precisions[i]
        if override is not None:
            precision = precision.overridden_by(override)
        precision = precision.filled_from(accel.default_precision)
        resolved.append(precision)
        out_fmt = precision.kv if layers.writes_kv[i] else precision.outputs
        if layers.is_gemm[i] and on_pim[i]:
            view = pe_view(precision, bool(layers.b_is_kv[i]))
            pim.check_weights(view.weights, name, "the KV cache" if layers.b_is_kv[i] else "weights")
            rows.append((precision.activations.bits_per_element, view.weights.bits_per_element,
                         out_fmt.bits_per_element, 1, 1, pim.lane_mac_pj(view.weights),
                         0.0, 1, 0.0, 0, 0.0, 0.0, 1))
        elif layers.is_gemm[i]:
            view = pe_view(precision, bool(layers.b_is_kv[i]))
            where = f"layer '{name}'" + (" (its weights operand is the KV cache)" if layers.b_is_kv[i] else "")
            pe.check(view, where)
            try:
                r = pe.record(view, tech)
            except HwsimInputError as exc:
                raise HwsimInputError(f"{where}: {exc.message}", allowed=exc.allowed) from None
            rows.append((precision.activations.bits_per_element, view.weights.bits_per_element,
                         out_fmt.bits_per_element, r.k_per_step, r.cycles_per_step, r.energy_per_mac_pj,
                         r.energy_per_group_pj, r.group_size, r.energy_per_table_pj, r.table_entries,
                         r.energy_convert_weights_pj, r.energy_convert_activations_pj, r.table_group))
        else:  # element-wise; in memory its ops cost a lane operation each (energy_per_mac_pj)
            lane_pj = pim.lane_mac_pj() if on_pim[i] else 0.0
            rows.append((precision.activations.bits_per_element, 0.0, out_fmt.bits_per_element,
                         1, 1, lane_pj, 0.0, 1, 0.0, 0, 0.0, 0.0, 1))
    c = list(zip(*rows))
    f64 = lambda x: np.array(x, dtype=np.float64)  # noqa: E731
    i64 = lambda x: np.array(x, dtype=np.int64)  # noqa: E731
    lane = accel.vector_lane
    lane_precision = Precision(lane.accumulator, lane.accumulator, lane.accumulator)
    return PrecisionTable(
        resolved=tuple(resolved), a_bits=f64(c[0]), b_bits=f64(c[1]), out_bits=f64(c[2]),
        acc_bits=np.full(layers.size, accel.psum_bits),
        k_per_step=i64(c[3]), cycles_per_step=i64(c[4]), energy_per_mac_pj=f64(c[5]),
        energy_per_group_pj=f64(c[6]), group_size=i64(c[7]), energy_per_table_pj=f64(c[8]),
        table_entries=i64(c[9]), energy_convert_weights_pj=f64(c[10]),
        energy_convert_activations_pj=f64(c[11]), table_group=i64(c[12]),
        energy_per_vector_op_pj=lane.mac_cost(lane_precision, tech).energy_pj,
        on_pim=on_pim,
    )
