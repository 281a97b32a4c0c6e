"""Regenerate benchmarks/data/zigzag_best_mappings.csv: ZigZag's best mappings and their DRAM traffic.

An independent reference for hwsim's `mapping: auto` mapper. ZigZag (KU Leuven MICAS, PyPI
``zigzag-dse``) searches the temporal mapping (loop order and the memory level of every loop,
LOMA engine) of each layer on an accelerator equivalent to hwsim's: an R x C MAC array, 8-bit
weights and activations, 32-bit partial sums (8-bit final outputs), three separate single-port
SRAMs (ifmap, filter, ofmap), no double buffering, one DRAM holding every operand. This script
writes the ZigZag inputs it uses to benchmarks/data/zigzag_arch/ and the per-layer best mappings
(minimal energy, minimal latency, and minimal DRAM bits among the mappings LOMA evaluated) with
their DRAM traffic per operand to the CSV.

It runs in its own venv, never imported by hwsim or its tests:

    python3 -m venv /tmp/zzvenv && /tmp/zzvenv/bin/pip install zigzag-dse six   # 3.9.1 imports six undeclared
    /tmp/zzvenv/bin/python benchmarks/run_zigzag_reference.py            # everything (32 min on 2 cores)
    /tmp/zzvenv/bin/python benchmarks/run_zigzag_reference.py --quick    # 3 layers, one config (smoke test)

Options: --jobs N (worker processes, default 2), --lpf-limit N (LOMA loop-prime-factor limit,
default 6 as in zigzag.api), --out PATH.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import logging
import math
import multiprocessing as mp
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ARCH_DIR = HERE / "data" / "zigzag_arch"
OUT_CSV = HERE / "data" / "zigzag_best_mappings.csv"
RESNET_TRACE = REPO / "workloads" / "resnet50.csv"

# ---------------------------------------------------------------------------------------------
# Architecture (written to benchmarks/data/zigzag_arch/ as ZigZag YAML)
# ---------------------------------------------------------------------------------------------

ARRAYS = (32, 16)                      # R = C
DATAFLOWS = ("ws", "os")
BUFFER_SETS = ((64, 64, 64), (16, 16, 16))   # ifmap, filter, ofmap KiB
W_BITS, I_BITS, PSUM_BITS, OUT_BITS = 8, 8, 32, 8
DRAM_BW_BITS = 128                     # bits/cycle, only used by ZigZag's latency model (hwsim preset: unlimited)
DRAM_PJ_PER_BIT = 20.3                 # hwsim scalesim-default (Horowitz ISSCC 2014)
REG_PJ_PER_BIT = 0.03                  # assumption: flip-flop register, order of magnitude


def sram_pj_per_access(size_kib: float, width_bits: int) -> float:
    """Energy of one full-width access, hwsim's SRAM law at 45 nm (hwsim/memory/sram.py, restated):
    E64 = 10 pJ * (KiB/8)^0.4746 (Horowitz 8 KB / 1 MB), times (width/64)^0.491 (CACTI 7)."""
    e64 = 10.0 * (size_kib / 8.0) ** (math.log(10.0) / math.log(128.0))
    return e64 * (width_bits / 64.0) ** (math.log(138.4416 / 70.0928) / math.log(4.0))


def _port(name: str, kind: str, bw: int, alloc: list[str]) -> dict[str, Any]:
    return {"name": name, "type": kind, "bandwidth_min": bw, "bandwidth_max": bw, "allocation": alloc}


def _sram(size_kib: int, operand: str, width: int) -> dict[str, Any]:
    """One single-port SRAM holding one operand: one read_write port for every direction."""
    alloc = [f"{operand}, fh", f"{operand}, tl"] + ([f"{operand}, fl", f"{operand}, th"] if operand == "O" else [])
    cost = round(sram_pj_per_access(size_kib, width), 4)
    return {
        "size": size_kib * 8192, "r_cost": cost, "w_cost": cost, "area": 0.0, "latency": 1,
        "operands": [operand], "ports": [_port("rw_port_1", "read_write", width, alloc)],
        "served_dimensions": ["D1", "D2"],
    }


def accelerator_yaml(rows: int, dataflow: str, kib: tuple[int, int, int]) -> dict[str, Any]:
    """ZigZag accelerator: D1 = rows, D2 = cols.

    Per-PE registers make the stationary operand explicit: ws keeps one weight per PE (I2 register,
    loops below it can only be weight-irrelevant, i.e. M), os keeps one 32-bit partial sum per PE
    (O register, loops below it can only be output-irrelevant, i.e. the reduction). They add no
    capacity worth mentioning; the three SRAMs and the DRAM are as in hwsim.
    """
    cols = rows
    ifmap_kib, filter_kib, ofmap_kib = kib
    memories: dict[str, Any] = {}
    if dataflow == "ws":
        memories["w_reg"] = {
            "size": W_BITS, "r_cost": REG_PJ_PER_BIT * W_BITS, "w_cost": REG_PJ_PER_BIT * W_BITS, "area": 0.0,
            "latency": 1, "operands": ["I2"],
            "ports": [_port("r_port_1", "read", W_BITS, ["I2, tl"]), _port("w_port_1", "write", W_BITS, ["I2, fh"])],
            "served_dimensions": [],
        }
    else:
        memories["o_reg"] = {
            "size": PSUM_BITS, "r_cost": REG_PJ_PER_BIT * PSUM_BITS, "w_cost": REG_PJ_PER_BIT * PSUM_BITS,
            "area": 0.0, "latency": 1, "operands": ["O"],
            "ports": [_port("r_port_1", "read", PSUM_BITS, ["O, tl"]), _port("r_port_2", "read", PSUM_BITS, ["O, th"]),
                      _port("w_port_1", "write", PSUM_BITS, ["O, fh"]), _port("w_port_2", "write", PSUM_BITS, ["O, fl"])],
            "served_dimensions": [],
        }
    # port widths as in hwsim's scalesim-default: ifmap one int8 per row, filter one per column,
    # ofmap one int32 per column
    memories["ifmap_sram"] = _sram(ifmap_kib, "I1", rows * I_BITS)
    memories["filter_sram"] = _sram(filter_kib, "I2", cols * W_BITS)
    memories["ofmap_sram"] = _sram(ofmap_kib, "O", cols * PSUM_BITS)
    memories["dram"] = {
        "size": 10_000_000_000, "r_cost": DRAM_PJ_PER_BIT * DRAM_BW_BITS, "w_cost": DRAM_PJ_PER_BIT * DRAM_BW_BITS,
        "area": 0.0, "latency": 1, "operands": ["I1", "I2", "O"],
        "ports": [_port("rw_port_1", "read_write", DRAM_BW_BITS,
                        ["I1, fh", "I1, tl", "I2, fh", "I2, tl", "O, fh", "O, tl", "O, fl", "O, th"])],
        "served_dimensions": ["D1", "D2"],
    }
    return {
        "name": f"hwsim_equiv_{rows}x{cols}_{dataflow}_{ifmap_kib}_{filter_kib}_{ofmap_kib}kib",
        "memories": memories,
        "operational_array": {
            "input_precision": [I_BITS, W_BITS], "unit_energy": 0.2, "unit_area": 1.0,
            "dimensions": ["D1", "D2"], "sizes": [rows, cols], "systolic_dimensions": ["D1", "D2"],
        },
    }


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------

def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def _touched(size: int, kernel: int, stride: int, padding: int) -> int:
    """Input indices (of one spatial axis, padding excluded) that some output reads."""
    out = _out_size(size, kernel, stride, padding)
    idx = {o * stride + f - padding for o in range(out) for f in range(kernel)}
    return sum(1 for i in idx if 0 <= i < size)


def load_layers() -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    with open(RESNET_TRACE) as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    for r in rows:
        if r["op"] == "conv2d":
            h, w, c, k = (int(r[x]) for x in ("in_h", "in_w", "in_c", "out_c"))
            fy, fx, s, p = int(r["kernel_h"]), int(r["kernel_w"]), int(r["stride"]), int(r["padding"])
            assert int(r["groups"] or 1) == 1 and int(r["batch"] or 1) == 1 and int(r["ceil_mode"] or 0) == 0
            oy, ox = _out_size(h, fy, s, p), _out_size(w, fx, s, p)
            layers.append(dict(workload="resnet50", layer=r["name"], op="conv2d", m=oy * ox, k=fy * fx * c, n=k,
                               in_h=h, in_w=w, in_c=c, out_c=k, kernel_h=fy, kernel_w=fx, stride=s, padding=p,
                               out_h=oy, out_w=ox,
                               unique_inputs=_touched(h, fy, s, p) * _touched(w, fx, s, p) * c))
        elif r["op"] == "gemm":
            m, k, n = int(r["m"]), int(r["k"]), int(r["n"])
            layers.append(dict(workload="resnet50", layer=r["name"], op="gemm", m=m, k=k, n=n, unique_inputs=m * k))
    bert = [("q_proj", 512, 768, 768), ("k_proj", 512, 768, 768), ("v_proj", 512, 768, 768),
            ("o_proj", 512, 768, 768), ("ffn_up", 512, 768, 3072), ("ffn_down", 512, 3072, 768),
            ("attn_qk", 512, 64, 512), ("attn_pv", 512, 512, 64)]
    for name, m, k, n in bert:
        layers.append(dict(workload="bert_base_seq512", layer=name, op="gemm", m=m, k=k, n=n, unique_inputs=m * k))
    llama = [("q_proj", 1, 4096, 4096), ("k_proj", 1, 4096, 4096), ("v_proj", 1, 4096, 4096),
             ("o_proj", 1, 4096, 4096), ("gate_proj", 1, 4096, 11008), ("up_proj", 1, 4096, 11008),
             ("down_proj", 1, 11008, 4096)]
    for name, m, k, n in llama:
        layers.append(dict(workload="llama2_7b_decode", layer=name, op="gemm", m=m, k=k, n=n, unique_inputs=m * k))
    for lay in layers:
        lay["compulsory_bits"] = lay["k"] * lay["n"] * W_BITS + lay["unique_inputs"] * I_BITS + lay["m"] * lay["n"] * OUT_BITS
    return layers


def shape_key(lay: dict[str, Any]) -> tuple:
    if lay["op"] == "conv2d":
        return ("conv2d", lay["in_h"], lay["in_w"], lay["in_c"], lay["out_c"], lay["kernel_h"], lay["kernel_w"],
                lay["stride"], lay["padding"])
    return ("gemm", lay["m"], lay["k"], lay["n"])


def zigzag_layer(lay: dict[str, Any]) -> dict[str, Any]:
    """One ZigZag layer. Conv layers stay convolutions (ZigZag models the sliding-window input
    reuse); GEMMs use GEMM dims M, N, K (K = reduction)."""
    prec = {"W": W_BITS, "I": I_BITS, "O": PSUM_BITS, "O_final": OUT_BITS}
    if lay["op"] == "conv2d":
        s = lay["stride"]
        return {
            "id": 0, "name": "layer", "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": [f"ix={s}*ox+1*fx", f"iy={s}*oy+1*fy"],
            "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
            "loop_sizes": [1, lay["out_c"], lay["in_c"], lay["out_h"], lay["out_w"], lay["kernel_h"], lay["kernel_w"]],
            "operand_precision": prec, "operand_source": {"I": 0, "W": 0},
            "pr_loop_dims": ["IX", "IY"], "pr_loop_sizes": [lay["in_w"], lay["in_h"]],
            "padding": [[lay["padding"], lay["padding"]], [lay["padding"], lay["padding"]]],
        }
    return {
        "id": 0, "name": "layer", "operator_type": "Gemm",
        "equation": "O[m][n]+=I[m][k]*W[k][n]", "dimension_relations": [],
        "loop_dims": ["M", "N", "K"], "loop_sizes": [lay["m"], lay["n"], lay["k"]],
        "operand_precision": prec, "operand_source": {"I": 0, "W": 0},
    }


def spatial_mapping(lay: dict[str, Any], rows: int, dataflow: str) -> dict[str, list[str]]:
    """ws: reduction on rows (D1), output columns N on columns (D2); os: M on rows, N on columns.
    Conv: the reduction on rows is C (C < rows: C x FX x FY up to the row count, as hwsim's
    im2col rows); M on rows is OX, with OY as well when OX < rows (hwsim's M = OY*OX)."""
    cols = rows
    if lay["op"] == "gemm":
        d1 = [f"K, {min(lay['k'], rows)}"] if dataflow == "ws" else [f"M, {min(lay['m'], rows)}"]
        return {"D1": d1, "D2": [f"N, {min(lay['n'], cols)}"]}
    if dataflow == "ws":
        c = min(lay["in_c"], rows)
        d1 = [f"C, {c}"]
        left = rows // c
        for dim, size in (("FX", lay["kernel_w"]), ("FY", lay["kernel_h"])):
            if left >= size > 1:
                d1.append(f"{dim}, {size}")
                left //= size
    else:
        ox = min(lay["out_w"], rows)
        d1 = [f"OX, {ox}"]
        if rows // ox > 1 and lay["out_h"] > 1:
            d1.append(f"OY, {min(lay['out_h'], rows // ox)}")
    return {"D1": d1, "D2": [f"K, {min(lay['out_c'], cols)}"]}


def temporal_sizes(lay: dict[str, Any], rows: int, dataflow: str) -> dict[str, int]:
    """Temporal loop sizes left after the spatial unrolling (ceil, as ZigZag's LOMA computes them)."""
    zl = zigzag_layer(lay)
    sizes = dict(zip(zl["loop_dims"], zl["loop_sizes"]))
    for entries in spatial_mapping(lay, rows, dataflow).values():
        for ent in entries:
            dim, size = ent.split(", ")
            sizes[dim] = math.ceil(sizes[dim] / int(size))
    return {k: v for k, v in sizes.items() if v > 1}


def loma_permutations(sizes: dict[str, int], lpf_limit: int) -> int:
    """How many loop orders LOMA enumerates for these temporal loops at this lpf_limit (ZigZag's own
    prime-factor merging, run without a layer)."""
    from zigzag.opt.loma.engine import LomaEngine

    engine = LomaEngine.__new__(LomaEngine)
    engine.lpf_limit, engine.has_constraints, engine.constraints, engine.layer = lpf_limit, False, [], "layer"
    engine.temporal_loop_dim_size = dict(sizes)
    engine.update_min_lpf_factor(engine.temporal_loop_dim_size)
    engine.get_prime_factors()
    return engine.nb_permutations


def choose_lpf_limit(sizes: dict[str, int], lpf_min: int, budget: int) -> tuple[int, int]:
    """The largest LOMA lpf_limit (>= lpf_min, <= 12) whose full enumeration stays within `budget` loop
    orders; lpf_min whatever its count."""
    best = (lpf_min, loma_permutations(sizes, lpf_min))
    for lpf in range(lpf_min + 1, 13):
        n = loma_permutations(sizes, lpf)
        if n <= budget:
            best = (lpf, n)
    return best


def mapping_yaml(lay: dict[str, Any], rows: int, dataflow: str) -> list[dict[str, Any]]:
    return [{"name": "default", "spatial_mapping": spatial_mapping(lay, rows, dataflow),
             "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]


# ---------------------------------------------------------------------------------------------
# Running ZigZag with one reduce stage that keeps the best mapping for three objectives
# ---------------------------------------------------------------------------------------------

OBJECTIVES = ("energy", "latency", "dram_bits")


def dram_traffic(cme) -> dict[str, int]:
    """DRAM bits per operand from ZigZag's own data-movement counts (elements x ZigZag's precision)
    at the top memory level (the DRAM), exact: not rounded to DRAM words."""
    from zigzag.mapping.data_movement import DataMoveAttr
    from zigzag.hardware.architecture.memory_port import DataDirection as D

    out: dict[str, int] = {}
    mapping = cme.mapping
    for layer_op in cme.layer.layer_operands:
        top = mapping.mem_level[layer_op] - 1
        move = mapping.unit_mem_data_movement[layer_op][top]
        count = move.get_attribute(DataMoveAttr.DATA_ELEM_MOVE_COUNT)
        prec = move.get_attribute(DataMoveAttr.DATA_PRECISION)
        name = str(layer_op)
        if name == "W":
            out["w_read_elems"] = count.get(D.RD_OUT_TO_LOW)
            out["w_read_bits"] = count.get(D.RD_OUT_TO_LOW) * prec.get(D.RD_OUT_TO_LOW)
        elif name == "I":
            out["i_read_elems"] = count.get(D.RD_OUT_TO_LOW)
            out["i_read_bits"] = count.get(D.RD_OUT_TO_LOW) * prec.get(D.RD_OUT_TO_LOW)
        else:
            out["o_write_elems"] = count.get(D.WR_IN_BY_LOW)
            out["o_write_bits"] = count.get(D.WR_IN_BY_LOW) * prec.get(D.WR_IN_BY_LOW)
            out["o_read_elems"] = count.get(D.RD_OUT_TO_LOW)
            out["o_read_bits"] = count.get(D.RD_OUT_TO_LOW) * prec.get(D.RD_OUT_TO_LOW)
    out["total_bits"] = out["w_read_bits"] + out["i_read_bits"] + out["o_write_bits"] + out["o_read_bits"]
    return out


def _size(size) -> str:
    return f"{size:g}" if isinstance(size, float) else str(size)


def loop_levels(cme) -> str:
    """Every temporal loop, innermost first, tagged with the memory level (0 = lowest) that holds it
    for each operand, e.g. 'M32[O0 I0 W0] N6[O0 I0 W1] ...'. Level names: column zigzag_levels."""
    tm = cme.temporal_mapping
    ops = list(cme.layer.layer_operands)
    per_op = {op: tm.mapping_dic_stationary[op] for op in ops}
    flat = [lp for lvl in per_op[ops[0]] for lp in lvl]
    cursor = {op: (0, 0) for op in ops}
    tags = []
    for dim, size in flat:
        lv = {}
        for op in ops:
            li, pos = cursor[op]
            while len(per_op[op][li]) <= pos:
                li, pos = li + 1, 0
            lv[op] = li
            cursor[op] = (li, pos + 1)
        tags.append(f"{dim}{_size(size)}[" + " ".join(f"{op}{lv[op]}" for op in ops) + "]")
    return " ".join(tags)


def loop_order(cme) -> str:
    """The temporal loops innermost first, with '|X' after the last loop whose iterations operand X
    keeps on chip: the loops after '|X' run at the DRAM level for X (each iteration of a loop relevant
    to X fetches or writes back a new tile of X). ZigZag's dims: GEMM M, N, K (K = reduction); conv
    K = out_c (GEMM N), C = in_c, FX/FY = kernel (C*FY*FX = GEMM K), OX/OY = output pixels (GEMM M)."""
    tm = cme.temporal_mapping
    ops = list(cme.layer.layer_operands)
    flat = [lp for lvl in tm.mapping_dic_stationary[ops[0]] for lp in lvl]
    on_chip = {op: sum(len(lvl) for lvl in tm.mapping_dic_stationary[op][:-1]) for op in ops}
    parts = []
    for i, (dim, size) in enumerate(flat):
        parts.append(f"{dim}{_size(size)}")
        parts.extend(f"|{op}" for op in ops if on_chip[op] == i + 1)
    head = [f"|{op}" for op in ops if on_chip[op] == 0]
    return " ".join(head + parts)


def mem_names(cme) -> dict[str, list[str]]:
    acc = cme.accelerator
    names = {}
    for op in cme.layer.layer_operands:
        mem_op = cme.layer.memory_operand_links.layer_to_mem_op(op)
        names[str(op)] = [ml.name for ml in acc.memory_hierarchy.get_memory_levels(mem_op)]
    return names


def summarise(cme, objective: str, seconds: float, evaluated: int) -> dict[str, Any]:
    traffic = dram_traffic(cme)
    tm = cme.temporal_mapping
    levels = mem_names(cme)
    # DRAM-level loops per operand (the loops that re-fetch)
    dram_loops = {}
    for op in cme.layer.layer_operands:
        top = tm.mapping_dic_stationary[op][-1]
        dram_loops[str(op)] = "x".join(f"{d}{s:g}" if isinstance(s, float) else f"{d}{s}" for d, s in top) or "-"
    return dict(
        objective=objective, energy_pj=cme.energy_total, latency_cycles=cme.latency_total2,
        ideal_cycles=cme.ideal_cycle, **traffic,
        loop_order=loop_order(cme), loop_levels=loop_levels(cme),
        dram_loops=";".join(f"{k}:{v}" for k, v in dram_loops.items()),
        level_names=";".join(f"{k}:{'/'.join(v)}" for k, v in levels.items()),
        spatial=str(cme.layer.spatial_mapping),
        seconds=seconds, mappings_evaluated=evaluated,
    )


def run_one(job: dict[str, Any]) -> list[dict[str, Any]]:
    """Run ZigZag's LOMA search on one layer and one configuration; return one summary per objective."""
    import yaml  # noqa: F401  (zigzag depends on pyyaml)
    from zigzag.stages.main import MainStage
    from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage
    from zigzag.stages.parser.workload_parser import WorkloadParserStage
    from zigzag.stages.workload_iterator import WorkloadStage
    from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
    from zigzag.stages.mapping.temporal_mapping_generator_stage import TemporalMappingGeneratorStage
    from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
    from zigzag.stages.stage import Stage
    from zigzag.mapping.temporal_mapping import TemporalMappingType

    logging.disable(logging.WARNING)
    start = time.perf_counter()

    class MultiObjectiveReduceStage(Stage):
        """Keeps, over every (spatial, temporal) mapping evaluated below it, the best CME for minimal
        energy (ties: latency), minimal latency (ties: energy) and minimal DRAM bits (ties: energy)."""

        def run(self):
            sub = self.list_of_callables[0](self.list_of_callables[1:], **self.kwargs)
            best: dict[str, Any] = {}
            keys = {
                "energy": lambda c, t: (c.energy_total, c.latency_total2),
                "latency": lambda c, t: (c.latency_total2, c.energy_total),
                "dram_bits": lambda c, t: (t, c.energy_total),
            }
            n = 0
            for cme, _extra in sub.run():
                n += 1
                t = dram_traffic(cme)["total_bits"]
                for obj, key in keys.items():
                    k = key(cme, t)
                    if obj not in best or k < best[obj][0]:
                        best[obj] = (k, cme)
            for obj in OBJECTIVES:
                yield best[obj][1], (obj, n)

    mainstage = MainStage(
        list_of_callables=[WorkloadParserStage, AcceleratorParserStage, WorkloadStage, MultiObjectiveReduceStage,
                           SpatialMappingGeneratorStage, TemporalMappingGeneratorStage, CostModelStage],
        accelerator=job["accel_path"], workload=[job["zz_layer"]], mapping=job["mapping_path"],
        dump_folder="/tmp/zz_dump", loma_lpf_limit=job["lpf_limit"], loma_show_progress_bar=False,
        nb_mappings_generated=1, enable_mix_spatial_mapping_generation=False,
        access_same_data_considered_as_no_access=True, temporal_mapping_type=TemporalMappingType("uneven"),
    )
    results = []
    raw = mainstage.run()
    seconds = time.perf_counter() - start
    for cme, (layer, (obj, n)) in raw:
        results.append(summarise(cme, obj, seconds, n))
    return results


def _worker(job):
    try:
        res = run_one(job)
        for r in res:
            r["lpf_limit"] = job["lpf_limit"]
        return job["key"], res, None
    except Exception as exc:  # report and go on
        import traceback
        return job["key"], None, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"


def main() -> int:
    import yaml

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 layers on 32x32 ws 64 KiB only")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--lpf-limit", type=int, default=7,
                    help="minimum LOMA lpf_limit (zigzag.api default: 6)")
    ap.add_argument("--perm-budget", type=int, default=5040,
                    help="raise lpf_limit per layer while LOMA's loop-order count stays within this")
    ap.add_argument("--out", type=Path, default=OUT_CSV)
    ap.add_argument("--only", default="", help="comma list of layer names to run (debug)")
    ap.add_argument("--configs", default="", help="comma list like 32x32_ws_64 (debug)")
    args = ap.parse_args()

    ARCH_DIR.mkdir(parents=True, exist_ok=True)
    layers = load_layers()
    configs = [(r, df, kib) for r in ARRAYS for df in DATAFLOWS for kib in BUFFER_SETS]
    if args.quick:
        layers = [lay for lay in layers if lay["layer"] in ("res2a_3x3", "ffn_up", "down_proj")]
        configs = [(32, "ws", (64, 64, 64))]
    if args.only:
        keep = set(args.only.split(","))
        layers = [lay for lay in layers if lay["layer"] in keep]
    if args.configs:
        keep = set(args.configs.split(","))
        configs = [c for c in configs if f"{c[0]}x{c[0]}_{c[1]}_{c[2][0]}" in keep]

    # accelerator files (inputs, kept in the repo)
    accel_paths = {}
    for rows, df, kib in configs:
        data = accelerator_yaml(rows, df, kib)
        path = ARCH_DIR / f"accel_{rows}x{rows}_{df}_{kib[0]}-{kib[1]}-{kib[2]}kib.yaml"
        path.write_text("# generated by benchmarks/run_zigzag_reference.py (ZigZag accelerator input)\n"
                        + yaml.safe_dump(data, sort_keys=False))
        accel_paths[(rows, df, kib)] = str(path)

    # unique shapes; one mapping file per (shape, rows, dataflow) spatial mapping
    shapes: dict[tuple, dict[str, Any]] = {}
    for lay in layers:
        shapes.setdefault(shape_key(lay), lay)
    mapping_store: dict[str, list] = {}
    jobs = []
    for (rows, df, kib) in configs:
        for skey, lay in shapes.items():
            sm = mapping_yaml(lay, rows, df)
            sm_key = f"{rows}x{rows}_{df}"
            tag = "_".join(str(x) for x in skey)
            mapping_store.setdefault(sm_key, []).append({"shape": tag, **sm[0]})
            mpath = Path("/tmp/zz_mappings") / f"{sm_key}_{tag}.yaml"
            mpath.parent.mkdir(exist_ok=True)
            mpath.write_text(yaml.safe_dump(sm, sort_keys=False))
            lpf, nperm = choose_lpf_limit(temporal_sizes(lay, rows, df), args.lpf_limit, args.perm_budget)
            jobs.append(dict(key=(rows, df, kib, skey), accel_path=accel_paths[(rows, df, kib)],
                             mapping_path=str(mpath), zz_layer=zigzag_layer(lay), lpf_limit=lpf, nperm=nperm))
    # the spatial mappings used, one file per array/dataflow (shape -> ZigZag mapping entry)
    for sm_key, entries in mapping_store.items():
        (ARCH_DIR / f"mapping_{sm_key}.yaml").write_text(
            "# generated by benchmarks/run_zigzag_reference.py: ZigZag mapping input per layer shape\n"
            "# (each entry is written as its own mapping file named 'default' for that layer)\n"
            + yaml.safe_dump(entries, sort_keys=False))
    # the workload layers, as ZigZag reads them
    (ARCH_DIR / "workload_layers.yaml").write_text(
        "# generated by benchmarks/run_zigzag_reference.py: one ZigZag layer per unique shape\n"
        + yaml.safe_dump([{"shape": "_".join(str(x) for x in k), **zigzag_layer(v)} for k, v in shapes.items()],
                         sort_keys=False))

    # biggest first, so the pool finishes evenly
    def weight(job):
        return job["nperm"]
    jobs.sort(key=weight, reverse=True)
    print(f"{len(jobs)} ZigZag runs ({len(shapes)} shapes x {len(configs)} configs), {args.jobs} workers",
          flush=True)
    start = time.perf_counter()
    results: dict[tuple, list] = {}
    errors = []
    ctx = mp.get_context("fork")
    with ctx.Pool(args.jobs, maxtasksperchild=4) as pool:
        for i, (key, res, err) in enumerate(pool.imap_unordered(_worker, jobs), 1):
            if err:
                errors.append((key, err))
                print(f"[{i}/{len(jobs)}] {key}: ERROR {err.splitlines()[0]}", flush=True)
            else:
                results[key] = res
                e = next(r for r in res if r["objective"] == "energy")
                print(f"[{i}/{len(jobs)}] {time.perf_counter() - start:7.1f}s {key[0]}x{key[0]} {key[1]} "
                      f"{key[2][0]}KiB {key[3]}: {e['mappings_evaluated']} mappings in {e['seconds']:.1f}s, "
                      f"DRAM {e['total_bits'] / 8e6:.3f} MB", flush=True)
    for key, err in errors:
        print("ERROR", key, err, file=sys.stderr)

    version = metadata.version("zigzag-dse")
    today = _dt.date.today().isoformat()
    header = (f"# generated by benchmarks/run_zigzag_reference.py with zigzag-dse {version} on {today}, LOMA "
              f"(exhaustive over its loop-prime-factor orders) with lpf_limit per layer = the largest >= "
              f"{args.lpf_limit} with <= {args.perm_budget} orders (column zigzag_lpf_limit), uneven temporal mappings; R x C MAC array (D1 = rows, D2 = cols), "
              f"int8 W/I, int32 partial sums, int8 final outputs; separate single-port ifmap/filter/ofmap SRAMs "
              f"(no double buffering), ws: per-PE weight register, os: per-PE 32-bit psum register; one DRAM "
              f"({DRAM_BW_BITS} b/cycle for ZigZag latency) for all operands; ws = reduction on rows, N on cols; "
              f"os = M on rows, N on cols; DRAM bits = ZigZag element moves x ZigZag precision (psum width for "
              f"all output writes/reads when any partial sum reaches DRAM); compulsory = weights + touched "
              f"inputs + final outputs at 8 bits; zigzag_loop_order: temporal loops innermost first, '|X' = end of operand "
              f"X's on-chip tile (loops after it re-fetch X from DRAM); inputs in benchmarks/data/zigzag_arch/")
    fields = ["layer", "workload", "array", "dataflow", "ifmap_kib", "filter_kib", "ofmap_kib", "m", "k", "n",
              "in_h", "in_w", "in_c", "out_c", "kernel_h", "kernel_w", "stride", "padding",
              "dram_weight_read_bits", "dram_input_read_bits", "dram_output_write_bits", "dram_output_read_bits",
              "dram_total_bits", "compulsory_bits", "zigzag_objective", "zigzag_loop_order",
              "dram_output_write_elems", "dram_output_read_elems", "dram_total_bits_final_int8",
              "zigzag_dram_loops", "zigzag_loop_levels", "zigzag_levels", "zigzag_spatial", "zigzag_energy_pj", "zigzag_latency_cycles",
              "zigzag_mappings_evaluated", "zigzag_lpf_limit", "zigzag_seconds"]
    rows_out = []
    for (rows, df, kib) in configs:
        for lay in load_layers() if not (args.quick or args.only) else layers:
            key = (rows, df, kib, shape_key(lay))
            if key not in results:
                continue
            for res in results[key]:
                # final outputs at 8 bits, partial sums at 32 (ZigZag charges all at 32 once any spill)
                mn = lay["m"] * lay["n"]
                final_int8 = (res["w_read_bits"] + res["i_read_bits"] + mn * OUT_BITS
                              + (res["o_write_elems"] - mn) * PSUM_BITS + res["o_read_elems"] * PSUM_BITS)
                conv = lay["op"] == "conv2d"
                rows_out.append({
                    "layer": lay["layer"], "workload": lay["workload"], "array": f"{rows}x{rows}", "dataflow": df,
                    "ifmap_kib": kib[0], "filter_kib": kib[1], "ofmap_kib": kib[2],
                    "m": lay["m"], "k": lay["k"], "n": lay["n"],
                    **{f: (lay[f] if conv else "") for f in ("in_h", "in_w", "in_c", "out_c", "kernel_h",
                                                             "kernel_w", "stride", "padding")},
                    "dram_weight_read_bits": res["w_read_bits"], "dram_input_read_bits": res["i_read_bits"],
                    "dram_output_write_bits": res["o_write_bits"], "dram_output_read_bits": res["o_read_bits"],
                    "dram_total_bits": res["total_bits"], "compulsory_bits": lay["compulsory_bits"],
                    "zigzag_objective": res["objective"], "zigzag_loop_order": res["loop_order"],
                    "dram_output_write_elems": res["o_write_elems"], "dram_output_read_elems": res["o_read_elems"],
                    "dram_total_bits_final_int8": final_int8,
                    "zigzag_dram_loops": res["dram_loops"], "zigzag_loop_levels": res["loop_levels"],
                    "zigzag_levels": res["level_names"], "zigzag_spatial": res["spatial"],
                    "zigzag_energy_pj": round(res["energy_pj"], 1), "zigzag_latency_cycles": round(res["latency_cycles"], 1),
                    "zigzag_mappings_evaluated": res["mappings_evaluated"], "zigzag_lpf_limit": res["lpf_limit"], "zigzag_seconds": round(res["seconds"], 2),
                })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", newline="") as fh:
        fh.write(header + "\n")
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows_out)
    print(f"wrote {len(rows_out)} rows to {args.out} in {time.perf_counter() - start:.0f}s"
          f"{f'; {len(errors)} runs failed' if errors else ''}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
