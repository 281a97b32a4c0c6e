"""Result: the per-layer table (pandas, unit-suffixed columns) and its summary.

Every row's figures cover all ``count`` repeats (and instances) of the layer. docs/columns.md
documents each column. Output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError

LAYER_COLUMNS = (
    "layer", "op", "count", "instances", "m", "k", "n",
    "weight_format", "activation_format", "output_format", "kv_format",
    "macs", "folds", "compute_cycles", "stall_cycles", "total_cycles",
    "utilization", "mapping_efficiency", "compute_utilization",
    "sram_ifmap_reads_words", "sram_filter_reads_words", "sram_ofmap_writes_words",
    "dram_ifmap_reads_words", "dram_filter_reads_words", "dram_ofmap_writes_words",
    "sram_reads_bits", "sram_writes_bits", "dram_reads_bits", "dram_writes_bits",
    "energy_pj", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj",
    "latency_s",
    "mapping", "loop_order", "tile_m", "tile_n", "tile_k", "buffering",
    "dram_ifmap_reads_bits", "dram_filter_reads_bits", "dram_ofmap_writes_bits", "dram_psum_reads_bits",
    "compulsory_dram_bits", "dram_spill_bits", "dram_transfer_cycles", "sram_port_cycles", "bound",
)
# columns built here from others, not read from the engine's values
_DERIVED_COLUMNS = ("mapping", "loop_order", "buffering", "bound")

PIM_COLUMNS = ("pim_passes", "pim_input_tiles", "pim_refreshes", "pim_readback_cycles", "pim_internal_bits")
# mapping: bitmod only: BitMoD's own memory model's figures (docs/models/bitmod.md), so a
# reproduction compares them with BitMoD's per-layer output through the public table
BITMOD_COLUMNS = ("bitmod_dram_cycles", "bitmod_refetch_a", "bitmod_refetch_b")

ENERGY_PARTS = ("compute", "sram", "dram", "leakage")
_INTEGER_COLUMNS = ("macs", "folds", "compute_cycles", "stall_cycles", "total_cycles",
                    "sram_ifmap_reads_words", "sram_filter_reads_words", "sram_ofmap_writes_words",
                    "dram_ifmap_reads_words", "dram_filter_reads_words", "dram_ofmap_writes_words")


def layer_bound(fabric: np.ndarray, compute_cycles: np.ndarray, sram_port_cycles: np.ndarray,
                dram_transfer_cycles: np.ndarray) -> np.ndarray:
    """The limit that sets each layer's time (docs/columns.md, `bound`), by the rule of the fabric
    that ran it (``fabric``: its names, hwsim/arch/fabrics Fabric.bound): for the array and the
    vector unit the largest of their own timing components, compute (array or vector-unit busy
    cycles), the SRAM ports' cycles and the DRAM transfer cycles, a tie going to compute, then to
    the ports; `pim` in memory; `roofline_compute` or `roofline_memory` on a roofline."""
    from hwsim.arch.fabrics import FABRICS

    compute = np.asarray(compute_cycles, dtype=np.float64)
    port = np.nan_to_num(np.asarray(sram_port_cycles, dtype=np.float64), nan=-np.inf)
    dram = np.nan_to_num(np.asarray(dram_transfer_cycles, dtype=np.float64), nan=-np.inf)
    fabric = np.asarray(fabric, dtype=object)
    bound = np.empty(fabric.shape, dtype=object)
    for name in dict.fromkeys(fabric.tolist()):
        on = fabric == name
        bound[on] = FABRICS[name].bound(compute[on], port[on], dram[on])
    return bound


def mapping_column(fabric: np.ndarray, mapping_name) -> np.ndarray:
    """The per-layer `mapping`: the fabric's own label, or the design's mapping (``mapping_name``,
    one name or one per row) where the fabric has none (the array's scalesim, auto, bitmod)."""
    from hwsim.arch.fabrics import FABRICS

    fabric = np.asarray(fabric, dtype=object)
    mapping = np.broadcast_to(np.asarray(mapping_name, dtype=object), fabric.shape).copy()
    for name in dict.fromkeys(fabric.tolist()):
        if FABRICS[name].mapping_label is not None:
            mapping[fabric == name] = FABRICS[name].mapping_label
    return mapping


def layer_frame(evaluation, point: int) -> pd.DataFrame:
    """One design point's per-layer table from an engine evaluation."""
    from hwsim.arch.fabrics.systolic.mapper import LOOP_ORDERS
    from hwsim.engine.placement import fabric_names, host_gemm_fabric

    layers, v = evaluation.layers, evaluation.values
    table = evaluation.tables[evaluation.design.group[point]]
    frame = {
        "layer": list(layers.names), "op": list(layers.kinds), "count": layers.count,
        "instances": layers.instances, "m": layers.m, "k": layers.k, "n": layers.n,
        "weight_format": [p.weights.name for p in table.resolved],
        "activation_format": [p.activations.name for p in table.resolved],
        "output_format": [p.outputs.name for p in table.resolved],
        "kv_format": [p.kv.name for p in table.resolved],
    }
    for column in LAYER_COLUMNS:
        if column in frame or column in _DERIVED_COLUMNS:
            continue
        values = v[column][point]
        if column in _INTEGER_COLUMNS:
            values = np.rint(values).astype(np.int64)
        frame[column] = values
    from hwsim.arch.design import MAPPING_CODES

    mapping_name = {code: name for name, code in MAPPING_CODES.items()}[int(evaluation.design.mapping[point])]
    spec = evaluation.design.accelerators[evaluation.design.group[point]].spec
    scheme = v["map_scheme"][point]
    # the fabric that ran each layer (the engine's placement rule)
    fabric = fabric_names(np.array([host_gemm_fabric(spec)]), layers.is_gemm, evaluation.on_pim[point][None, :])[0]
    frame["mapping"] = mapping_column(fabric, mapping_name)
    frame["loop_order"] = [LOOP_ORDERS[int(s)] if s == s else "" for s in scheme]
    # BitMoD's mapping is the array's: layers it ran (not a roofline's, not those in memory)
    bitmod = frame["mapping"] == "bitmod"
    if bitmod.any():
        frame["loop_order"] = np.where(bitmod, "bitmod", "")
    frame["buffering"] = np.where(v["tiles_double_buffered"][point] > 0.5, "double", "single")
    frame["bound"] = layer_bound(fabric, frame["compute_cycles"], frame["sram_port_cycles"],
                                 frame["dram_transfer_cycles"])
    columns = list(LAYER_COLUMNS)
    if evaluation.design.accelerators[evaluation.design.group[point]].pim is not None:  # docs/columns.md
        for column in PIM_COLUMNS:  # empty where no layer ran in memory
            frame[column] = v[column][point] if column in v else np.full(layers.size, np.nan)
        columns += list(PIM_COLUMNS)
    if bitmod.any():  # docs/columns.md
        nan = np.full(layers.size, np.nan)
        # the fabric reports DRAM cycles per instance; the table's unit is one repeat, all instances
        frame["bitmod_dram_cycles"] = v["bitmod_dram_cycles"][point] * layers.instances \
            if "bitmod_dram_cycles" in v else nan
        for column in BITMOD_COLUMNS[1:]:
            frame[column] = v[column][point] if column in v else nan
        columns += list(BITMOD_COLUMNS)
    return pd.DataFrame(frame)[columns]


def layer_frames(evaluation) -> pd.DataFrame | None:
    """Every design point's per-layer table as one frame with a leading ``point`` column (the batch
    position), built column-wise; None when some point needs its own columns (PIM units, BitMoD's
    mapping or a roofline: layer_frame per point then)."""
    from hwsim.arch.design import MAPPING_CODES
    from hwsim.arch.fabrics import FABRICS
    from hwsim.arch.fabrics.systolic.mapper import LOOP_ORDERS
    from hwsim.engine.placement import fabric_names, host_gemm_fabric

    design, layers, v = evaluation.design, evaluation.layers, evaluation.values
    for accel in design.accelerators:
        # PIM designs add their units' columns, and a fabric that labels its own layers (a roofline)
        # leaves the array's columns empty: layer_frame per point for those
        if accel.spec.pim is not None or FABRICS[host_gemm_fabric(accel.spec)].mapping_label is not None:
            return None
    if (design.mapping == MAPPING_CODES["bitmod"]).any():
        return None
    P, L = design.size, layers.size
    group = np.repeat(design.group, L)
    def per_group(pick):
        names = np.array([[pick(p) for p in t.resolved] for t in evaluation.tables], dtype=object)  # (G, L)
        return names[design.group].reshape(-1)
    tile = lambda a: np.tile(np.asarray(a), P)  # noqa: E731
    frame = {
        "point": np.repeat(np.arange(P), L),
        "layer": tile(np.array(layers.names, dtype=object)), "op": tile(np.array(layers.kinds, dtype=object)),
        "count": tile(layers.count), "instances": tile(layers.instances), "m": tile(layers.m),
        "k": tile(layers.k), "n": tile(layers.n),
        "weight_format": per_group(lambda p: p.weights.name),
        "activation_format": per_group(lambda p: p.activations.name),
        "output_format": per_group(lambda p: p.outputs.name), "kv_format": per_group(lambda p: p.kv.name),
    }
    del group
    for column in LAYER_COLUMNS:
        if column in frame or column in _DERIVED_COLUMNS:
            continue
        values = v[column].reshape(-1)
        if column in _INTEGER_COLUMNS:
            values = np.rint(values).astype(np.int64)
        frame[column] = values
    names = {code: name for name, code in MAPPING_CODES.items()}
    mapping = np.array([names[int(c)] for c in range(max(names) + 1)], dtype=object)[design.mapping]
    host = np.array([host_gemm_fabric(a.spec) for a in design.accelerators])[design.group]
    fabric = fabric_names(host, layers.is_gemm, evaluation.on_pim).reshape(-1)
    frame["mapping"] = mapping_column(fabric, np.repeat(mapping, L))
    orders = np.array(LOOP_ORDERS + ("",), dtype=object)
    scheme = v["map_scheme"].reshape(-1)
    frame["loop_order"] = orders[np.where(scheme == scheme, scheme, len(LOOP_ORDERS)).astype(np.int64)]
    frame["buffering"] = np.where(v["tiles_double_buffered"].reshape(-1) > 0.5, "double", "single").astype(object)
    frame["bound"] = layer_bound(fabric, frame["compute_cycles"], frame["sram_port_cycles"],
                                 frame["dram_transfer_cycles"])
    return pd.DataFrame(frame)[["point", *LAYER_COLUMNS]]


def write_files(out_dir: str | Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name -> text) into the folder ``out_dir`` (created if missing); a path that
    is a file or cannot be written is one clear error naming ``--out``."""
    from hwsim.outpaths import check_output_folder

    check_output_folder(str(out_dir), "--out")   # over-long names, a file, no permission: one line
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HwsimInputError(f"cannot write results: {exc.strerror or exc}", source=str(out),
                              field="--out") from None
    return out


@dataclass
class Result:
    accelerator: str
    workload: str
    layers: pd.DataFrame
    area_mm2: float
    area_breakdown_mm2: dict[str, float] = field(default_factory=dict)
    freq_mhz: float = 0.0
    # the die is larger than one lithography field (hwsim/tech/limits.py): evaluated, flagged
    exceeds_reticle: bool = False
    # the design's idle floor (spec idle_floor_w + idle_floor_w_per_mm2 x area), part of its static power
    idle_floor_w: float = 0.0

    def summary(self) -> dict:
        t = self.layers
        breakdown = {part: float(t[f"energy_{part}_pj"].to_numpy().sum()) for part in ENERGY_PARTS}
        latency_s = float(t["latency_s"].to_numpy().sum())
        if self.idle_floor_w > 0:
            # its own part, out of the static energy that energy_leakage_pj carries (the parts still sum)
            breakdown["idle_floor"] = self.idle_floor_w * latency_s * 1e12
            breakdown["leakage"] -= breakdown["idle_floor"]
        return {
            "accelerator": self.accelerator,
            "workload": self.workload,
            "layers": int(len(t)),
            "macs": int(t["macs"].sum()),
            "compute_cycles": int(t["compute_cycles"].sum()),
            "stall_cycles": int(t["stall_cycles"].sum()),
            "total_cycles": int(t["total_cycles"].sum()),
            "latency_s": float(t["latency_s"].to_numpy().sum()),
            "energy_pj": float(t["energy_pj"].to_numpy().sum()),
            "energy_breakdown_pj": breakdown,
            # derived: energy / latency; the energy holds static power x latency, so dynamic + static power
            "power_w": float(t["energy_pj"].to_numpy().sum()) * 1e-12 / float(t["latency_s"].to_numpy().sum()),
            "dram_bits": float((t["dram_reads_bits"] + t["dram_writes_bits"]).to_numpy().sum()),
            "compulsory_dram_bits": float(t["compulsory_dram_bits"].fillna(0).to_numpy().sum()),
            "area_mm2": float(self.area_mm2),
            "area_breakdown_mm2": {k: float(v) for k, v in self.area_breakdown_mm2.items()},
            "freq_mhz": float(self.freq_mhz),
            "exceeds_reticle": bool(self.exceeds_reticle),
        }

    def to_csv(self) -> str:
        return self.layers.to_csv(index=False, float_format="%.10g", lineterminator="\n")

    def to_json(self) -> str:
        return json.dumps(self.summary(), indent=2) + "\n"

    def write(self, out_dir: str | Path) -> Path:
        return write_files(out_dir, {"layers.csv": self.to_csv(), "summary.json": self.to_json()})

    def format_table(self) -> str:
        """The per-layer table, then the totals."""
        return self.format_layers() + "\n" + self.format_totals()

    def format_layers(self) -> str:
        """The per-layer table as text: one line per layer, with what bounds it."""
        shown = self.layers[["layer", "op", "count", "macs", "total_cycles", "stall_cycles", "utilization",
                             "energy_pj", "latency_s", "bound"]].copy()
        shown["utilization"] = shown["utilization"].map(lambda v: f"{v:.3f}")
        shown["energy_pj"] = shown["energy_pj"].map(lambda v: f"{v:.4g}")
        shown["latency_s"] = shown["latency_s"].map(lambda v: f"{v:.4g}")
        return shown.to_string(index=False) + "\n"

    def format_totals(self) -> str:
        """The summary's totals as text (cycles, latency, energy and area with their breakdowns)."""
        s = self.summary()
        lines = [f"accelerator {s['accelerator']}  workload {s['workload']}  layers {s['layers']}",
                 f"total_cycles {s['total_cycles']}  (compute {s['compute_cycles']}, stall {s['stall_cycles']})"
                 f"  latency_s {s['latency_s']:.6g}",
                 "energy_pj {:.6g}  (".format(s["energy_pj"])
                 + ", ".join(f"{k} {v:.4g}" for k, v in s["energy_breakdown_pj"].items()) + ")",
                 f"dram_bits {s['dram_bits']:.6g}  (compulsory {s['compulsory_dram_bits']:.6g})",
                 f"area_mm2 {s['area_mm2']:.4g}  ("
                 + ", ".join(f"{k} {v:.4g}" for k, v in s["area_breakdown_mm2"].items()) + ")"]
        if s["exceeds_reticle"]:
            lines.append("exceeds_reticle: the die is larger than one lithography field (26 mm x 33 mm)")
        return "\n".join(lines) + "\n"
