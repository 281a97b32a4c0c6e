"""The analytical engine: (Accelerator, Workload) -> Result in O(layers), vectorised with numpy.

A pipeline of small typed steps: resolve each layer's formats and check the PE runs them; lower
to GEMM views; time the systolic array (closed form, SCALE-Sim exact); model off-chip and
partial-sum traffic; add stall cycles from the DRAM bandwidth; cost energy; assemble the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hwsim.arch.accelerator import Accelerator
from hwsim.arch.systolic import systolic_timing
from hwsim.memory.traffic import gemm_traffic
from hwsim.results import LAYER_COLUMNS, Result
from hwsim.workload.layer import Layer, Precision, Workload
from hwsim.workload.ops import VectorOp


@dataclass(frozen=True)
class ResolvedLayer:
    index: int
    layer: Layer
    precision: Precision  # every operand set


def resolve_precisions(accel: Accelerator, workload: Workload,
                       override: Precision | None = None) -> list[ResolvedLayer]:
    resolved = []
    for index, layer in enumerate(workload.layers):
        precision = layer.precision
        if override is not None:
            precision = precision.overridden_by(override)
        precision = precision.filled_from(accel.default_precision)
        view = layer.op.gemm_view()
        if view is not None:
            where = f"layer '{layer.name}'" + (" (its weights operand is the KV cache)" if view.b_operand == "kv" else "")
            accel.pe.check(_as_pe_sees_it(precision, view.b_operand), where)
        resolved.append(ResolvedLayer(index, layer, precision))
    return resolved


def _as_pe_sees_it(precision: Precision, b_operand: str) -> Precision:
    """The PE multiplies A (activations) by B; for attention B is the KV cache, not weights."""
    if b_operand == "weights":
        return precision
    return Precision(precision.kv, precision.activations, precision.outputs, precision.kv)


def _stall_cycles(dram_bits: np.ndarray, folds: np.ndarray, cycles_per_fold: np.ndarray,
                  bandwidth_bits_per_cycle: float) -> np.ndarray:
    """Double-buffered fold pipeline: the first fold's load is exposed, later loads hide behind
    the previous fold's compute and stall only by the excess."""
    if math.isinf(bandwidth_bits_per_cycle):
        return np.zeros_like(folds)
    load_per_fold = dram_bits / (folds * bandwidth_bits_per_cycle)
    exposed = load_per_fold + (folds - 1) * np.maximum(0.0, load_per_fold - cycles_per_fold)
    return np.ceil(exposed - 1e-9).astype(np.int64)


def _gemm_rows(accel: Accelerator, items: list[ResolvedLayer]) -> dict[str, np.ndarray]:
    views = [item.layer.op.gemm_view() for item in items]
    m = np.array([v.m for v in views], dtype=np.int64)
    k = np.array([v.k for v in views], dtype=np.int64)
    n = np.array([v.n for v in views], dtype=np.int64)
    pe_precisions = [_as_pe_sees_it(item.precision, v.b_operand) for v, item in zip(views, items)]
    # A precision-decomposable PE completes `pack` products of one dot product per cycle: the
    # array sees the reduction dimension packed, `pack` elements to a word.
    pack = np.array([accel.pe.macs_per_cycle(p) for p in pe_precisions])
    k_array = np.ceil(k / pack).astype(np.int64)
    a_unique = np.ceil(np.array([v.a_unique_words for v in views]) / pack).astype(np.int64)
    repeats = np.array([v.instances * item.layer.count for v, item in zip(views, items)], dtype=np.int64)
    a_bits = np.array([item.precision.activations.bits_per_element for item in items]) * pack
    b_bits = np.array([p.weights.bits_per_element for p in pe_precisions]) * pack
    out_bits = np.array([item.precision.outputs.bits_per_element for item in items])
    acc_bits = accel.accumulator.bits_per_element

    timing = systolic_timing(m, k_array, n, accel.rows, accel.cols, accel.dataflow)
    traffic = gemm_traffic(timing, m, k_array, n, a_unique, accel.dataflow, accel.cols, a_bits, b_bits, acc_bits,
                           accel.buffer_working_bits("ifmap"), accel.buffer_working_bits("filter"),
                           accel.buffer_working_bits("ofmap"))
    mn = m * n
    dram_read_bits = (traffic.dram_ifmap_reads_words * a_bits + traffic.dram_filter_reads_words * b_bits
                      + traffic.dram_psum_reads_words * acc_bits)
    dram_write_bits = mn * out_bits + traffic.psum_spill_words * acc_bits
    stall = _stall_cycles(dram_read_bits + dram_write_bits, timing.folds, timing.cycles_per_fold,
                          accel.spec.dram.bandwidth)

    sram = {role: accel.sram(role) for role in ("ifmap", "filter", "ofmap")}
    ifmap_read_bits = timing.sram_ifmap_reads_words * a_bits
    filter_read_bits = timing.sram_filter_reads_words * b_bits
    ofmap_write_bits = (mn * out_bits + traffic.psum_writes_words * acc_bits
                        + traffic.dram_psum_reads_words * acc_bits)
    ofmap_read_bits = traffic.sram_psum_reads_words * acc_bits + dram_write_bits
    fill_ifmap_bits = traffic.dram_ifmap_reads_words * a_bits
    fill_filter_bits = traffic.dram_filter_reads_words * b_bits
    energy_sram = (ifmap_read_bits * sram["ifmap"].read_pj_per_bit.value
                   + fill_ifmap_bits * sram["ifmap"].write_pj_per_bit.value
                   + filter_read_bits * sram["filter"].read_pj_per_bit.value
                   + fill_filter_bits * sram["filter"].write_pj_per_bit.value
                   + ofmap_write_bits * sram["ofmap"].write_pj_per_bit.value
                   + ofmap_read_bits * sram["ofmap"].read_pj_per_bit.value)
    macs = m * k * n
    tech = accel.tech
    e_mac = np.array([accel.pe.energy_per_mac_pj(p, tech).value for p in pe_precisions])
    # declared conversions (e.g. INT4 weights dequantised to FP16) pay per element entering the array
    e_convert_b = np.array([accel.pe.conversion_energy_pj("weights", p.weights, tech) for p in pe_precisions])
    e_convert_a = np.array([accel.pe.conversion_energy_pj("activations", p.activations, tech) for p in pe_precisions])
    energy_convert = (timing.sram_filter_reads_words * pack * e_convert_b
                      + timing.sram_ifmap_reads_words * pack * e_convert_a)
    compute_cycles = timing.compute_cycles
    total = compute_cycles + stall
    return {
        "m": m, "k": k, "n": n, "instances": np.array([v.instances for v in views], dtype=np.int64),
        "macs": macs * repeats,
        "folds": timing.folds * repeats,
        "compute_cycles": compute_cycles * repeats,
        "stall_cycles": stall * repeats,
        "total_cycles": total * repeats,
        "utilization": macs / (total * float(accel.num_pes) * pack),
        "mapping_efficiency": timing.mapping_efficiency,
        "compute_utilization": timing.compute_utilization,
        "sram_ifmap_reads_words": timing.sram_ifmap_reads_words * repeats,
        "sram_filter_reads_words": timing.sram_filter_reads_words * repeats,
        "sram_ofmap_writes_words": timing.sram_ofmap_writes_words * repeats,
        "dram_ifmap_reads_words": traffic.dram_ifmap_reads_words * repeats,
        "dram_filter_reads_words": traffic.dram_filter_reads_words * repeats,
        "dram_ofmap_writes_words": traffic.dram_ofmap_writes_words * repeats,
        "sram_reads_bits": (ifmap_read_bits + filter_read_bits + ofmap_read_bits) * repeats,
        "sram_writes_bits": (ofmap_write_bits + fill_ifmap_bits + fill_filter_bits) * repeats,
        "dram_reads_bits": dram_read_bits * repeats,
        "dram_writes_bits": dram_write_bits * repeats,
        "energy_compute_pj": (macs * e_mac + energy_convert) * repeats,
        "energy_sram_pj": energy_sram * repeats,
        "energy_dram_pj": (dram_read_bits + dram_write_bits) * accel.spec.dram.energy_pj_per_bit * repeats,
    }


def _vector_rows(accel: Accelerator, items: list[ResolvedLayer]) -> dict[str, np.ndarray]:
    ops: list[VectorOp] = [item.layer.op for item in items]
    count = np.array([item.layer.count for item in items], dtype=np.int64)
    elements = np.array([op.elements for op in ops], dtype=np.int64)
    op_count = np.array([op.ops for op in ops], dtype=np.int64)
    a_bits = np.array([item.precision.activations.bits_per_element for item in items])
    out_bits = np.array([item.precision.outputs.bits_per_element for item in items])
    lanes = accel.spec.vector.lanes
    compute_cycles = -(-op_count // lanes)
    spills = elements * a_bits > accel.buffer_working_bits("ifmap")
    dram_read_bits = np.where(spills, elements * a_bits, 0.0)
    dram_write_bits = np.where(spills, elements * out_bits, 0.0)
    bandwidth = accel.spec.dram.bandwidth
    if math.isinf(bandwidth):
        stall = np.zeros_like(compute_cycles)
    else:
        stall = np.maximum(0, np.ceil((dram_read_bits + dram_write_bits) / bandwidth - 1e-9).astype(np.int64)
                           - compute_cycles)
    sram_read_bits = elements * a_bits
    sram_write_bits = elements * out_bits
    energy_sram = (sram_read_bits * accel.sram("ifmap").read_pj_per_bit.value
                   + sram_write_bits * accel.sram("ofmap").write_pj_per_bit.value)
    lane = accel.vector_lane
    lane_precision = Precision(lane.accumulator, lane.accumulator, lane.accumulator)
    e_op = lane.energy_per_mac_pj(lane_precision, accel.tech).value
    total = compute_cycles + stall
    zeros = np.zeros_like(count)
    nan = np.full(len(items), np.nan)
    return {
        "m": zeros, "k": zeros, "n": zeros, "instances": np.ones_like(count), "macs": zeros, "folds": zeros,
        "compute_cycles": compute_cycles * count, "stall_cycles": stall * count, "total_cycles": total * count,
        "utilization": op_count / (total * float(lanes)), "mapping_efficiency": nan, "compute_utilization": nan,
        "sram_ifmap_reads_words": elements * count, "sram_filter_reads_words": zeros,
        "sram_ofmap_writes_words": elements * count,
        "dram_ifmap_reads_words": np.where(spills, elements, 0) * count, "dram_filter_reads_words": zeros,
        "dram_ofmap_writes_words": np.where(spills, elements, 0) * count,
        "sram_reads_bits": sram_read_bits * count, "sram_writes_bits": sram_write_bits * count,
        "dram_reads_bits": dram_read_bits * count, "dram_writes_bits": dram_write_bits * count,
        "energy_compute_pj": op_count * e_op * count, "energy_sram_pj": energy_sram * count,
        "energy_dram_pj": (dram_read_bits + dram_write_bits) * accel.spec.dram.energy_pj_per_bit * count,
    }


def simulate(accel: Accelerator, workload: Workload, precision: Precision | None = None) -> Result:
    """Simulate ``workload`` on ``accel``; ``precision`` overrides operand formats for every layer."""
    resolved = resolve_precisions(accel, workload, precision)
    gemm_items = [r for r in resolved if r.layer.op.gemm_view() is not None]
    vector_items = [r for r in resolved if r.layer.op.gemm_view() is None]
    parts = []
    for items, builder in ((gemm_items, _gemm_rows), (vector_items, _vector_rows)):
        if items:
            frame = pd.DataFrame(builder(accel, items))
            frame.index = [r.index for r in items]
            parts.append(frame)
    table = pd.concat(parts).sort_index()
    table.insert(0, "layer", [r.layer.name for r in resolved])
    table.insert(1, "op", [r.layer.op.kind for r in resolved])
    table.insert(2, "count", [r.layer.count for r in resolved])
    for column, operand in (("weight_format", "weights"), ("activation_format", "activations"),
                            ("output_format", "outputs"), ("kv_format", "kv")):
        table[column] = [getattr(r.precision, operand).name for r in resolved]
    table["latency_s"] = table["total_cycles"] / (accel.freq_mhz * 1e6)
    table["energy_leakage_pj"] = accel.leakage_uw.value * 1e-6 * table["latency_s"] * 1e12
    table["energy_pj"] = (table["energy_compute_pj"] + table["energy_sram_pj"] + table["energy_dram_pj"]
                          + table["energy_leakage_pj"])
    table = table[list(LAYER_COLUMNS)].reset_index(drop=True)
    return Result(accel.name, workload.name, table, accel.area_mm2, dict(accel.area_breakdown_mm2),
                  accel.freq_mhz)
