"""The engine's entry points: points -> chunks -> design batches -> a table.

    points ──chunks──> DesignBatch ─┐
    workload ────────> LayerBatch ──┼─> fused pass (engine/fused.py: systolic + vector cells,
                                    │   counted, priced and summed per point) ─> summary rows
                                    └─> run(): placement -> each fabric's Counts -> pricing
                                        ─> per-layer tables, or summaries of other fabrics

``evaluate_chunks`` yields one table per chunk of points, ``evaluate`` concatenates them;
``simulate`` (analytical.py) is the one-point, per-layer case of ``run``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hwsim.arch.accelerator import Accelerator
from hwsim.arch.design import DesignBatch, design_batch
from hwsim.arch.fabrics import FABRICS, FabricJob
from hwsim.arch.fabrics.base import CellInputs, pack_design, pack_layers, pack_precision
from hwsim.engine.precisions import PrecisionTable, precision_table
from hwsim.engine.fused import fusable
from hwsim.engine.placement import costed_both_ways, place
from hwsim.engine.pricing import price
from hwsim.errors import HwsimInputError, require_flag
from hwsim.formats import Precision, as_precision
from hwsim.workload.batch import LayerBatch, layer_batch
from hwsim.workload.layer import Workload

ENGINES = ("analytic", "event")

SUMMARY_COLUMNS = ("total_cycles", "compute_cycles", "stall_cycles", "latency_s", "energy_pj", "energy_compute_pj",
                   "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj", "area_mm2", "macs", "dram_bits",
                   "exceeds_reticle", "power_w", "dram_footprint_bits", "fits_memory")

# per-layer (P, L) arrays the engine produces, besides the fabric's report columns
_LAYER_FIELDS = ("macs", "compute_cycles", "stall_cycles", "total_cycles", "sram_reads_bits", "sram_writes_bits",
                 "dram_reads_bits", "dram_writes_bits", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj")


@dataclass(eq=False)
class Evaluation:
    """Per (design point, layer) arrays, every figure covering all instances and repeats."""

    design: DesignBatch
    layers: LayerBatch
    tables: tuple[PrecisionTable, ...]
    values: dict[str, np.ndarray]   # (P, L)
    on_pim: np.ndarray              # (P, L) bool: the layer ran in the PIM units

    def summary(self) -> dict[str, np.ndarray]:
        v = self.values
        out = {key: v[key].sum(axis=1) for key in ("total_cycles", "compute_cycles", "stall_cycles")}
        out["latency_s"] = v["latency_s"].sum(axis=1)
        for part in ("compute", "sram", "dram", "leakage"):
            out[f"energy_{part}_pj"] = v[f"energy_{part}_pj"].sum(axis=1)
        out["energy_pj"] = v["energy_pj"].sum(axis=1)
        out["macs"] = v["macs"].sum(axis=1)
        out["dram_bits"] = (v["dram_reads_bits"] + v["dram_writes_bits"]).sum(axis=1)
        out["area_mm2"] = self.design.area_mm2
        out["exceeds_reticle"] = self.design.exceeds_reticle
        out.update(_power_and_memory(self.design, self.layers, self.tables, out))
        return out


def _power_and_memory(design: DesignBatch, layers: LayerBatch, tables: tuple[PrecisionTable, ...],
                      summary: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """power_w (derived: energy / latency; the energy holds the static power x latency, so this is
    dynamic power + static power), the workload's DRAM footprint at each design's formats
    (hwsim/workload/footprint.py) and whether it fits the design's DRAM capacity."""
    from hwsim.workload.footprint import footprint

    need = footprint(layers, *(np.stack([np.asarray(getattr(t, name)) for t in tables])
                               for name in ("a_bits", "b_bits", "out_bits"))).total_bits[design.group]
    return {"power_w": summary["energy_pj"] * 1e-12 / summary["latency_s"], "dram_footprint_bits": need,
            "fits_memory": np.asarray(need <= design.dram_capacity_bits, dtype=bool)}


def _gather(tables: tuple[PrecisionTable, ...], design: DesignBatch, name: str) -> np.ndarray:
    if len(tables) == 1:
        return np.asarray(getattr(tables[0], name))[None, :]
    return np.stack([np.asarray(getattr(t, name)) for t in tables])[design.group]


# cycle counts are float64 and exact below 2^53 (the compiled cells round some through int64, which
# wraps negative beyond 2^63): a count outside [0, 2^53) is refused, never reported
MAX_EXACT_CYCLES = 2.0 ** 53


def check_countable(total_cycles: np.ndarray) -> None:
    """One line for the first point whose cycles (per layer (P, L) or per point (P,)) are not a
    count hwsim holds exactly: a workload too large for the design's bandwidth and clock."""
    with np.errstate(invalid="ignore"):
        bad = ~((total_cycles >= 0) & (total_cycles < MAX_EXACT_CYCLES))
    if bad.any():
        p = int(np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))[0])
        where = f"points row {p}: " if len(bad) > 1 else ""   # one design: simulate's, or one point
        raise HwsimInputError(f"{where}the workload takes more cycles than hwsim counts exactly "
                              f"(2^53 = {MAX_EXACT_CYCLES:.3g}) on this design", field="dram.bandwidth_gb_s",
                              allowed="a higher bandwidth, clock or achievable fraction, or a smaller workload")


def run(design: DesignBatch, layers: LayerBatch, override: Precision | None = None,
        engine: str = "analytic", per_layer_report: bool = True) -> Evaluation:
    """The batched pass. ``per_layer_report=False`` skips the per-layer report columns (folds,
    tiles, traffic per operand ...) that only the per-layer tables show.

    Designs with pim.offload 'faster' are costed with their candidate layers in memory and on the
    host; each (point, layer) keeps the side with fewer cycles."""
    if engine not in ENGINES:
        raise HwsimInputError(f"unknown engine '{engine}'", field="engine", allowed=", ".join(ENGINES))
    if engine == "event":
        import hwsim.engine.event  # noqa: F401  (registers its kernel timing with the PIM fabric)
    in_memory = _run_placed(design, layers, override, engine, per_layer_report, "pim")
    check_countable(in_memory.values["total_cycles"])
    if not costed_both_ways(design):
        return in_memory
    on_host = _run_placed(design, layers, override, engine, per_layer_report, "host")
    check_countable(on_host.values["total_cycles"])
    keep = in_memory.values["total_cycles"] <= on_host.values["total_cycles"]
    values = {}
    for name in in_memory.values.keys() | on_host.values.keys():
        a = in_memory.values.get(name, np.full(keep.shape, np.nan))
        b = on_host.values.get(name, np.full(keep.shape, np.nan))
        values[name] = np.where(keep, a, b)
    return Evaluation(design, layers, in_memory.tables, values, in_memory.on_pim & keep)


# a design too slow for its workload (a clock, rate or fraction near zero) overflows to inf: no numpy
# warnings on stderr, check_countable refuses it in one line
@np.errstate(over="ignore", divide="ignore", invalid="ignore")
def _run_placed(design: DesignBatch, layers: LayerBatch, override: Precision | None, engine: str,
                per_layer_report: bool, faster_side: str) -> Evaluation:
    from hwsim.engine.compile_notice import announce_compilation
    from hwsim.engine.pricing import _price_cells

    tables = tuple(precision_table(a, layers, override, faster_side) for a in design.accelerators)
    g = lambda name: _gather(tables, design, name)  # noqa: E731
    P, L = design.size, layers.size
    values = {name: np.zeros((P, L)) for name in _LAYER_FIELDS}
    report: dict[str, np.ndarray] = {}
    on_pim = np.broadcast_to(g("on_pim").astype(bool), (P, L))
    is_add = np.array([op in ("add", "mul") for op in layers.vector_op], dtype=bool)[None, :]
    cells = CellInputs(pack_design(design), pack_layers(layers), pack_precision(tables))
    for name, mask in place(design, layers, on_pim).items():
        idx = np.flatnonzero(mask.any(axis=0))
        if not len(idx):
            continue
        fabric = FABRICS[name]
        here = mask[:, idx]
        pick = lambda a: a[:, idx]  # noqa: E731
        job = FabricJob(
            design=design, m=layers.m[None, idx], k=layers.k[None, idx], n=layers.n[None, idx],
            a_unique_words=layers.a_unique_words[None, idx], a_input_words=layers.a_input_words[None, idx],
            vector_elements=layers.vector_elements[None, idx], vector_ops=layers.vector_ops[None, idx],
            a_bits=pick(g("a_bits")), b_bits=pick(g("b_bits")), out_bits=pick(g("out_bits")),
            acc_bits=pick(g("acc_bits")), k_per_step=pick(g("k_per_step")),
            cycles_per_step=pick(g("cycles_per_step")), group_size=pick(g("group_size")),
            table_group=pick(g("table_group")), table_entries=pick(g("table_entries")),
            instances=layers.instances[None, idx], is_gemm=layers.is_gemm[None, idx], vector_is_add=is_add[:, idx],
            cells=cells.for_layers(idx), engine=engine)
        announce_compilation(*fabric.kernels, _price_cells)   # only the kernels this run calls
        counts = fabric.count(job)
        energy = price(counts, job.cells, design)
        repeats = (layers.instances * layers.count)[None, idx]
        produced = {
            "macs": counts.macs, "compute_cycles": counts.compute_cycles, "stall_cycles": counts.stall_cycles,
            "total_cycles": counts.compute_cycles + counts.stall_cycles,
            "sram_reads_bits": counts.sram_read_bits.sum(axis=0), "sram_writes_bits": counts.sram_write_bits.sum(axis=0),
            "dram_reads_bits": counts.dram_read_bits, "dram_writes_bits": counts.dram_write_bits,
            "energy_compute_pj": energy.compute_pj, "energy_sram_pj": energy.sram_pj, "energy_dram_pj": energy.dram_pj,
        }
        for key, value in produced.items():
            values[key][:, idx] = np.where(here, value * repeats, values[key][:, idx])
        if not per_layer_report:
            continue
        total = counts.compute_cycles + counts.stall_cycles
        if fabric.peak_per_cycle is not None:
            utilization = getattr(counts, fabric.work) / (total * fabric.peak_per_cycle(job))
        else:
            utilization = np.full(total.shape, np.nan)
        target = values.setdefault("utilization", np.full((P, L), np.nan))
        target[:, idx] = np.where(here, utilization, target[:, idx])
        for key in fabric.report_columns:
            if key not in counts.report:
                continue
            value = counts.report[key]
            target = report.setdefault(key, np.full((P, L), np.nan))
            scaled = value * repeats if key in fabric.repeat_scaled else value
            target[:, idx] = np.where(here, np.broadcast_to(scaled, (P, len(idx))), target[:, idx])
    values.update(report)
    clock_hz = design.clock_mhz[:, None] * 1e6
    values["latency_s"] = values["total_cycles"] / clock_hz
    values["energy_leakage_pj"] = design.leakage_uw[:, None] * 1e-6 * values["latency_s"] * 1e12
    values["energy_pj"] = (values["energy_compute_pj"] + values["energy_sram_pj"] + values["energy_dram_pj"]
                           + values["energy_leakage_pj"])
    return Evaluation(design, layers, tables, values, on_pim.copy())


# Accelerators and workloads loaded by name or path, keyed by the file's identity (path, size,
# mtime): a sweep or a script calling evaluate in a loop parses and validates a file once (and a
# workload keeps its compiled LayerBatch), and an edited file is read again. Bounded.
_LOADED: dict[tuple, object] = {}
_LOADED_MAX = 64


def _load_once(kind: str, path, load):
    """``load()`` of ``path`` once per file identity (path, size, mtime), in a bounded table."""
    stat = path.stat()
    key = (kind, str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _LOADED:
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.clear()
        _LOADED[key] = load()
    return _LOADED[key]


def resolve_accelerator(accelerator) -> Accelerator:
    if isinstance(accelerator, Accelerator):
        return accelerator
    from hwsim import presets
    from hwsim.arch.accelerator import load_accelerator

    path = presets.resolve(accelerator, presets.accelerator_presets(), "accelerator")
    return _load_once("accelerator", path, lambda: load_accelerator(str(accelerator)))


def resolve_workload(workload) -> Workload:
    if isinstance(workload, Workload):
        return workload
    from hwsim import presets
    from hwsim.workload.load import load_workload

    path = presets.resolve(workload, presets.all_workload_presets(), "workload")
    return _load_once("workload", path, lambda: load_workload(str(workload)))


# Chunk sizes. The general path holds ~40 float64 (P, L) arrays (~0.7 KB a cell): 2^18 cells
# (~200 MB) at most per pass. The fused pass holds ~0.5 KB per point and nothing per layer: 2^19
# points (~270 MB), so that points sharing a structure meet in one chunk and its mapper tables are
# prepared once (measured, benchmarks/bench_evaluate.py at 10^6 random ResNet-50 points: 1.64x the
# rate of 2^17-point chunks; 2^20 gains nothing more and costs 0.5 GB more). (derived)
CHUNK_CELLS = 2 ** 18
SUMMARY_CHUNK_POINTS = 2 ** 19
MIN_CHUNK_POINTS = 64


def default_chunk_points(layer_count: int, per_layer: bool = True) -> int:
    """Points per chunk: CHUNK_CELLS / layers for per-layer tables, SUMMARY_CHUNK_POINTS for summaries
    (whose general path splits a chunk again to CHUNK_CELLS)."""
    if not per_layer:
        return SUMMARY_CHUNK_POINTS
    return max(MIN_CHUNK_POINTS, CHUNK_CELLS // max(1, layer_count))


def evaluate_chunks(accelerator, workload, points=None, *, precision: Precision | None = None,
                    per_layer: bool = False, engine: str = "analytic", chunk_points: int | None = None):
    """``evaluate`` as an iterator: one DataFrame per chunk of ``chunk_points`` points (default:
    default_chunk_points), in point order; memory is bounded by one chunk, whatever the number of
    points. ``points`` may also be an iterable of DataFrames (chunks made elsewhere, e.g. a sweep's
    sampler), read as they come and cut or joined into chunks the same way (tables with other columns
    never share a chunk). Rows carry the point's position in ``points`` as ``point``
    when ``per_layer``; concatenated, the chunks are exactly ``evaluate``'s table."""
    accel = resolve_accelerator(accelerator)
    layers = layer_batch(resolve_workload(workload))
    precision = as_precision(precision)
    require_flag(per_layer, "per_layer")
    if engine not in ENGINES:
        raise HwsimInputError(f"unknown engine '{engine}'", field="engine", allowed=", ".join(ENGINES))
    if chunk_points is None:
        chunk_points = default_chunk_points(layers.size, per_layer)
    elif isinstance(chunk_points, bool) or not isinstance(chunk_points, (int, np.integer)) or chunk_points < 1:
        raise HwsimInputError(f"{chunk_points!r} is not a chunk size", field="chunk_points",
                              allowed="an integer >= 1")
    cache: dict = {}
    start = 0
    for part in _point_chunks(points, int(chunk_points)):
        design = _design(accel, part, cache, start)
        base = part.reset_index(drop=True) if part is not None else pd.DataFrame(index=range(design.size))
        if per_layer:
            yield _layer_rows(design, layers, base, start, precision, engine)
        elif fusable(design):
            yield _with_summary(base, _fused_summary(design, layers, precision))
        else:
            # the general path holds (P, L) arrays: at most CHUNK_CELLS of them at a time
            step = max(MIN_CHUNK_POINTS, CHUNK_CELLS // layers.size)
            frames = []
            for begin in range(0, design.size, step):
                sub = base.iloc[begin:begin + step] if part is not None else None
                sub_design = design if design.size <= step else _design(accel, sub, cache, start + begin)
                summary = run(sub_design, layers, precision, engine, per_layer_report=False).summary()
                frames.append(_with_summary(sub.reset_index(drop=True) if sub is not None else base, summary))
            yield frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        start += design.size


def _design(accel: Accelerator, part, cache: dict, start: int) -> DesignBatch:
    try:
        return design_batch(accel, part, cache, pe_energy_per_point=True)
    except HwsimInputError as exc:
        raise _shift_row(exc, start) from None


def _with_summary(base: pd.DataFrame, summary: dict) -> pd.DataFrame:
    results = pd.DataFrame({key: summary[key] for key in SUMMARY_COLUMNS}, index=base.index)
    if base.shape[1] == 0:
        return results
    return pd.concat([base, results], axis=1)


def evaluate(accelerator, workload, points=None, *, precision: Precision | None = None, per_layer: bool = False,
             engine: str = "analytic", chunk_points: int | None = None) -> pd.DataFrame:
    """Evaluate ``workload`` on every design point of ``points`` (one column per dotted spec key,
    one row per design) around ``accelerator`` (a preset name, a spec path or an Accelerator).

    Returns one row per point: the point's columns, then the summary columns; with
    ``per_layer=True`` the long per-layer table with a ``point`` index column. Evaluated in chunks
    (evaluate_chunks), so memory is the result table plus one chunk.
    """
    frames = list(evaluate_chunks(accelerator, workload, points, precision=precision, per_layer=per_layer,
                                  engine=engine, chunk_points=chunk_points))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _point_chunks(points, chunk_points: int):
    """Chunks of ``chunk_points`` rows from the tables point_tables yields: a large table is sliced,
    and small tables of one iterable are joined (evaluated one by one, 10^3-point tables ran at
    about half the speed of full chunks: each pays the per-chunk set-up) while their columns agree
    (tables with other columns set other keys, so they are never mixed in one chunk)."""
    import pandas as pd

    from hwsim.arch.design import point_tables

    pending: list = []      # the start of the next chunk, from tables with these columns
    count = 0

    def flush():
        nonlocal pending, count
        joined = pending[0] if len(pending) == 1 else pd.concat(pending)
        pending, count = [], 0
        return joined

    for frame in point_tables(points):
        if frame is None:
            yield None
            continue
        if pending and not frame.columns.equals(pending[0].columns):
            yield flush()
        begin, size = 0, len(frame)
        if count:
            begin = min(chunk_points - count, size)
            pending.append(frame.iloc[:begin])
            count += begin
            if count == chunk_points:
                yield flush()
        while size - begin >= chunk_points:
            yield frame.iloc[begin:begin + chunk_points]
            begin += chunk_points
        if begin < size:
            pending.append(frame.iloc[begin:])
            count += size - begin
    if pending:
        yield flush()


def _shift_row(exc: HwsimInputError, start: int) -> HwsimInputError:
    """A chunk's error names the row in the whole table, not in the chunk (design.py numbers rows
    from 0 within the table it is given): in the printed line, the message and the source alike
    (sweeps read the message and the source to name the point)."""
    import re

    if start == 0:
        return exc
    def shift(text):
        if text is None:
            return None
        return re.sub(r"points row (\d+)", lambda m: f"points row {int(m.group(1)) + start}", text)
    shifted = HwsimInputError(shift(exc.args[0]))
    shifted.message, shifted.source = shift(exc.message), shift(exc.source)
    shifted.field, shifted.allowed = exc.field, exc.allowed
    return shifted


def _layer_rows(design: DesignBatch, layers: LayerBatch, base: pd.DataFrame, start: int,
                precision: Precision | None, engine: str) -> pd.DataFrame:
    from hwsim.results import layer_frame, layer_frames

    result = run(design, layers, precision, engine, per_layer_report=True)
    table = layer_frames(result)
    if table is None:   # points with columns of their own (PIM, BitMoD, roofline): one table each
        frames = []
        for p in range(design.size):
            frame = layer_frame(result, p)
            frame.insert(0, "point", p)
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
    rows = table["point"].to_numpy()
    table["point"] = rows + start
    for column in reversed(list(base.columns)):
        # a point column the layer table already has (e.g. mapping) is named point.<key>
        name = column if column not in table.columns else f"point.{column}"
        table.insert(1, name, base[column].to_numpy()[rows])
    return table


def _fused_summary(design: DesignBatch, layers: LayerBatch, precision: Precision | None) -> dict[str, np.ndarray]:
    from hwsim.engine.compile_notice import announce_compilation
    from hwsim.arch.fabrics.systolic.mapper import table_rows
    from hwsim.engine.fused import TOTALS, fused_groups, fused_totals, structure_groups

    announce_compilation(fused_groups)
    tables = tuple(precision_table(a, layers, precision) for a in design.accelerators)
    totals = np.empty((len(TOTALS), design.size))
    matrix, precision_matrix = pack_design(design), pack_precision(tables)
    fused_totals(matrix, pack_layers(layers), precision_matrix, *structure_groups(matrix, precision_matrix), totals,
                 table_rows(matrix))
    summary = {name: totals[row] for row, name in enumerate(TOTALS)}
    check_countable(summary["total_cycles"])
    summary["area_mm2"] = design.area_mm2
    summary["exceeds_reticle"] = design.exceeds_reticle
    summary.update(_power_and_memory(design, layers, tables, summary))
    return summary
