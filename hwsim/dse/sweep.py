"""``hwsim sweep``: a sweep spec streamed through the engine into a resumable Parquet dataset.

    spec -> sampler -> chunk of point ids -> points -> before constraints -> evaluate (per workload)
         -> per-workload + aggregated columns -> derived columns -> after constraints -> part file

A chunk is ``point_id`` range [c x chunk_points, (c + 1) x chunk_points); ``evaluate_chunk(spec, c)``
computes its rows from the spec alone, so any executor (this process, a process pool, a cluster)
gives the same rows, and a resumed sweep redoes exactly the chunks that were not written.
"""

from __future__ import annotations

import functools
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from hwsim.dse import expr, samplers
from hwsim.dse.executors import SweepInterrupted, make_executor
from hwsim.dse.precision import PRECISION_AXIS, evaluate_precision
from hwsim.dse.spec import COLUMN_KINDS, SweepSpec, load_sweep_spec
from hwsim.errors import HwsimInputError, require_flag
from hwsim.inputs import is_path

__all__ = ["sweep", "iter_sweep", "evaluate_chunk", "evaluate_kept", "SweepReport", "SweepInterrupted", "KEEP"]


def _feasible(frame: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    return frame[frame["feasible"].to_numpy()]


def _chunk_front(frame: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """The chunk's feasible rows that no other of them dominates in the spec's objectives."""
    from hwsim.dse.pareto import pareto

    try:
        return pareto(_feasible(frame, spec), dict(spec.objectives))
    except HwsimInputError as exc:   # e.g. a derived objective that is NaN on a feasible point
        raise HwsimInputError(f"--keep pareto: {exc.message}", source=spec.source,
                              field=f"objectives.{exc.field}", allowed=exc.allowed) from None


# which rows of a chunk are kept, computed where the chunk is evaluated (a worker returns only
# them): every point (the default), the feasible ones, or the chunk's own Pareto front, which the
# store (FrontStore) merges into the running front; the rest are counted in the manifest's "dropped"
KEEP: dict[str, Callable[[pd.DataFrame, SweepSpec], pd.DataFrame]] = {
    "all": lambda frame, spec: frame,
    "feasible": _feasible,
    "pareto": _chunk_front,
}

# summary columns that are true/false (nullable in a sweep: a point a before constraint skipped
# has no value)
_BOOLEAN_SUMMARY = {"exceeds_reticle"}


def as_spec(spec: SweepSpec | str | Path | dict) -> SweepSpec:
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return SweepSpec.from_mapping(spec, source="<sweep spec>", base_dir=".")
    if isinstance(spec, (str, Path)):
        return load_sweep_spec(spec)
    raise HwsimInputError(f"{type(spec).__name__} is not a sweep spec", field="spec",
                          allowed="a SweepSpec, a spec file path or a mapping")


# ---- one process's loaded inputs --------------------------------------------------------------

@dataclass
class _Loaded:
    accelerator: Any
    workloads: tuple


_LOADED: dict[str, _Loaded] = {}


def _loaded(spec: SweepSpec) -> _Loaded:
    """The accelerator and workloads, loaded once per process and spec."""
    key = spec.sha256()
    if key not in _LOADED:
        from hwsim.arch.accelerator import load_accelerator
        from hwsim.workload.load import load_workload

        _LOADED.clear()  # one sweep at a time per process; a worker's memory stays one spec's
        _LOADED[key] = _Loaded(load_accelerator(spec.accelerator_path),
                               tuple(load_workload(w.path, **dict(w.scenario)) for w in spec.workloads))
    return _LOADED[key]


# ---- points -----------------------------------------------------------------------------------

def _axis_array(values: tuple) -> np.ndarray:
    if all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray(values, dtype=object)


def _points_from_indices(spec: SweepSpec, ids: np.ndarray, idx: np.ndarray) -> pd.DataFrame:
    position = {a.key: j for j, a in enumerate(spec.free_axes)}
    arrays = {a.key: _axis_array(a.values) for a in spec.free_axes}
    data: dict[str, Any] = {"point_id": ids.astype(np.int64)}
    for axis in spec.axes:
        source = axis.tie or axis.key
        data[axis.key] = arrays[source][idx[:, position[source]]]
    return pd.DataFrame(data)


def chunk_range(spec: SweepSpec, chunk: int) -> tuple[int, int]:
    start = chunk * spec.chunk_points
    return start, min(spec.points, start + spec.chunk_points)


def chunk_points(spec: SweepSpec, chunk: int) -> pd.DataFrame:
    """Chunk ``chunk``'s points: ``point_id`` and one column per axis (ties filled)."""
    start, stop = chunk_range(spec, chunk)
    return _points_from_indices(spec, np.arange(start, stop), samplers.indices(spec.sampler, spec.lengths, start, stop))


# ---- evaluation -------------------------------------------------------------------------------

def _values(column: pd.Series) -> np.ndarray:
    """A column as expressions see it: numbers (booleans as 1/0, missing as NaN) or text."""
    if pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    return column.to_numpy(dtype=object)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _check(expression, frame: pd.DataFrame, source: str, name_row: Callable[[int], str] | None = None) -> np.ndarray:
    if name_row is None:
        def name_row(row: int) -> str:
            return f"point_id {frame['point_id'].iloc[row]}" if "point_id" in frame.columns else f"row {row}"
    try:
        return np.asarray(expression.evaluate(lambda name: _values(frame[name]), name_row))
    except HwsimInputError as exc:   # 0 / 0 on a row: the spec file is where to fix it
        raise HwsimInputError(exc.message, source=source, field=exc.field, allowed=exc.allowed) from None
    except TypeError:  # the language has numbers and text: only mixing them fails (numpy's UFuncTypeError too)
        raise HwsimInputError(f"cannot evaluate '{expression.text}': it mixes text and numbers", source=source,
                              field=expression.where,
                              allowed="arithmetic and comparisons on numbers; text only in == and != against "
                                      "\"text\"") from None


def _blamed(exc: HwsimInputError, spec: SweepSpec, label: str, name_row: Callable[[int], str]) -> HwsimInputError:
    """An engine error on a sweep's points, naming the spec file, the axis and the point."""
    text = exc.message
    match = re.search(r"points row (\d+)", text)
    if match:
        text = text.replace(match.group(0), name_row(int(match.group(1))))
    field = f"axes.{exc.field}" if exc.field in spec.axis_keys else exc.field
    where = f"workload {label}: " if len(spec.workloads) > 1 or not match else ""
    return HwsimInputError(f"{where}{text}", source=spec.source, field=field, allowed=exc.allowed)


def evaluate_points(spec: SweepSpec, points: pd.DataFrame,
                    name_row: Callable[[int], str] | None = None) -> pd.DataFrame:
    """Rows of ``points`` (``point_id`` and the axis columns): simulated where every ``before``
    constraint holds, results aggregated across workloads, derived columns, flags."""
    from hwsim.engine.evaluate import SUMMARY_COLUMNS, evaluate

    loaded = _loaded(spec)
    n = len(points)
    ids = points["point_id"].to_numpy()
    if name_row is None:
        def name_row(row: int) -> str:   # row: a row of ``points``
            values = ", ".join(f"{k}={_plain(points[k].iloc[row])!r}" for k in spec.axis_keys)
            return f"point_id {ids[row]} ({values})"
    simulated = np.ones(n, dtype=bool)
    for constraint in spec.before:
        simulated &= _check(constraint, points, spec.source, name_row).astype(bool)
    keep = np.flatnonzero(simulated)
    frames = []
    if len(keep):
        inputs = points.iloc[keep][list(spec.axis_keys)].reset_index(drop=True)
        for index, (entry, workload) in enumerate(zip(spec.workloads, loaded.workloads)):
            try:
                if spec.precision_search is not None:  # each design's own best plan (precision_search.py)
                    from hwsim.dse.precision_search import evaluate_search

                    frames.append(evaluate_search(spec.precision_search, loaded.accelerator, workload, inputs))
                elif PRECISION_AXIS in spec.axis_keys:  # mix names and plans become spec columns and workloads
                    frames.append(evaluate_precision(spec, loaded.accelerator, loaded.workloads, index, inputs))
                else:
                    frames.append(evaluate(loaded.accelerator, workload, inputs))
            except HwsimInputError as exc:
                raise _blamed(exc, spec, entry.label, lambda row: name_row(int(keep[row]))) from None

    def spread(name: str, values) -> pd.Series:
        """Values of the simulated rows placed in a full-length column (missing elsewhere)."""
        boolean = name in _BOOLEAN_SUMMARY or (frames and frames[0][name].dtype == bool)
        if boolean:
            # built from (values, mask) arrays: pd.array([pd.NA] * n) coerces element by element
            data, missing = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
            if len(keep):
                got = pd.array(np.asarray(values) if not isinstance(values, pd.Series) else values.array,
                               dtype="boolean")
                data[keep] = got.to_numpy(dtype=bool, na_value=False)
                missing[keep] = got.isna()
            return pd.Series(pd.arrays.BooleanArray(data, missing), index=points.index)
        full = np.full(n, np.nan)
        if len(keep):
            full[keep] = np.asarray(values)
        return pd.Series(full, index=points.index)

    out = {key: points[key] for key in points.columns}
    workloads = spec.workloads
    if len(workloads) == 1:
        for column in SUMMARY_COLUMNS:
            out[column] = spread(column, frames[0][column] if frames else ())
    else:
        for entry, frame_index in zip(workloads, range(len(workloads))):
            for column in SUMMARY_COLUMNS:
                if COLUMN_KINDS.get(column) != "design":
                    out[f"{entry.label}.{column}"] = spread(column, frames[frame_index][column] if frames else ())
        for column in SUMMARY_COLUMNS:
            kind = COLUMN_KINDS.get(column)
            if kind == "design":
                out[column] = spread(column, frames[0][column] if frames else ())
            elif kind == "additive":
                out[column] = spread(column, _aggregate(spec, [f[column].to_numpy(dtype=np.float64)
                                                               for f in frames]) if frames else ())
    searched = spec.precision_search is not None
    if searched:  # the plan each design got: its omega, its candidates, whether it meets its budgets
        out["precision_omega"] = spread("precision_omega", frames[0]["precision_omega"] if frames else ())
        plans = np.full(n, None, dtype=object)
        met = pd.array([pd.NA] * n, dtype="boolean")
        if len(keep):
            plans[keep] = frames[0]["precision_plan"].to_numpy(dtype=object)
            met[keep] = frames[0]["precision_met"].to_numpy(dtype=bool)
        out["precision_plan"] = pd.Series(plans, index=points.index, dtype=object)
        out["precision_met"] = pd.Series(met, index=points.index)
    table = pd.DataFrame(out, index=points.index)
    for name, expression in spec.derived:
        value = _check(expression, table, spec.source, name_row)
        if expr.is_text(value):   # a derived column is a number (a text column or literal is not)
            raise HwsimInputError(f"'{expression.text}' gives text, not a number", source=spec.source,
                                  field=expression.where, allowed="arithmetic on numeric columns")
        table[name] = np.asarray(value, dtype=np.float64) + np.zeros(n)
    if searched:  # the search's columns after the derived ones (spec.columns)
        moved = ["precision_omega", "precision_plan", "precision_met"]
        table = table[[c for c in table.columns if c not in moved] + moved]
    feasible = simulated.copy()
    for constraint in spec.after:
        feasible &= _check(constraint, table, spec.source, name_row).astype(bool)
    table["simulated"] = simulated
    table["feasible"] = feasible
    return table.reset_index(drop=True)


def _aggregate(spec: SweepSpec, columns: list[np.ndarray]) -> np.ndarray:
    if spec.aggregate == "max":
        return np.maximum.reduce(columns)
    total = np.zeros_like(columns[0])
    try:   # weights of 1e308 would make finite results infinite: an overflow, said once
        with np.errstate(over="raise"):
            for entry, values in zip(spec.workloads, columns):
                total = total + (entry.weight if spec.aggregate == "weighted_sum" else 1.0) * values
    except FloatingPointError:
        raise HwsimInputError(f"the {spec.aggregate} of the workloads' results overflows a float64", source=spec.source,
                              field="workloads", allowed="weights that keep the aggregate below 1.8e308") from None
    return total


def evaluate_chunk(spec: SweepSpec, chunk: int) -> pd.DataFrame:
    """Chunk ``chunk``'s rows (every point, feasible or not)."""
    return evaluate_points(spec, chunk_points(spec, chunk))


def evaluate_ids(spec: SweepSpec, ids: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of grid point ids ``ids`` (a search's designs) and, per row, how many ``after``
    constraints it fails (what a search tells its sampler of an infeasible point)."""
    ids = np.asarray(ids, dtype=np.int64)
    rows = evaluate_points(spec, _points_from_indices(spec, ids, samplers.grid_indices_of(ids, spec.lengths)))
    failed = np.zeros(len(rows), dtype=np.int64)
    for constraint in spec.after:
        failed += ~_check(constraint, rows, spec.source).astype(bool)
    return rows, failed


def evaluate_kept(spec: SweepSpec, keep: str, chunk: int) -> tuple[pd.DataFrame, int]:
    """The rows of chunk ``chunk`` that ``keep`` keeps, and its point count: the task every
    executor runs."""
    frame = evaluate_chunk(spec, chunk)
    return KEEP[keep](frame, spec), len(frame)


def probe_points(spec: SweepSpec) -> tuple[pd.DataFrame, list[str]]:
    """One point per axis value: every free axis at its first value but one (ties follow). Each
    is a point of the space; the engine checks every axis value on them before a sweep starts."""
    free = spec.free_axes
    rows, names = [], []
    for j, axis in enumerate(free):
        for i, value in enumerate(axis.values):
            index = [0] * len(free)
            index[j] = i
            rows.append(index)
            names.append(f"{axis.key} = {value!r}")
    idx = np.asarray(rows, dtype=np.int64)
    return _points_from_indices(spec, np.full(len(rows), -1), idx), names


def prepare(spec: SweepSpec) -> dict:
    """Checks the spec against the engine before anything is written (every axis value on a
    point of the space, the constraints and derived columns on the results) and returns the
    rows' column dtypes."""
    try:  # the sampler's own needs (scipy) are checked here, not at the first chunk
        samplers.indices(spec.sampler, spec.lengths, 0, min(1, spec.points))
    except HwsimInputError as exc:
        raise exc.with_source(spec.source) from None
    points, names = probe_points(spec)
    # probe points a before constraint skips are not checked: they would never be simulated
    table = evaluate_points(spec, points, lambda row: f"on the point with {names[row]}")
    if tuple(table.columns) != spec.columns:  # a bug, not bad input: the engine's columns moved
        raise AssertionError(f"sweep columns {list(table.columns)} != {list(spec.columns)}")
    return {column: table[column].dtype for column in table.columns}


def iter_sweep(spec: SweepSpec | str | Path | dict) -> Iterator[pd.DataFrame]:
    """Every chunk's rows in order, in this process, written nowhere (for Python use)."""
    spec = as_spec(spec)
    if samplers.SAMPLERS[spec.sampler.kind].search:
        raise HwsimInputError(f"a {spec.sampler.kind} search keeps its study in an output folder", source=spec.source,
                              field="sampler.kind", allowed="hwsim.sweep(spec, out) for a search; iter_sweep for "
                              "grid, random, lhs, sobol, halton")
    for chunk in range(spec.chunks):
        yield evaluate_chunk(spec, chunk)


# ---- the sweep --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SweepReport:
    out: str
    points: int
    chunks: int
    chunks_run: int          # this call (the rest were done before a resume)
    rows_written: int        # by this call
    rows_dropped: int        # by this call (--keep feasible; pareto: off each chunk's own front)
    seconds: float

    @property
    def points_per_s(self) -> float:
        return self.points_run / self.seconds if self.seconds > 0 else float("inf")

    @property
    def points_run(self) -> int:
        return self.rows_written + self.rows_dropped


def _header(spec: SweepSpec, keep: str) -> dict:
    import sys

    # the package facade sits above this floor; it is always loaded (it is this module's parent)
    version = sys.modules["hwsim"].__version__
    return {"hwsim_version": version, "spec_sha256": spec.sha256(), "spec_file": spec.source,
            "points": spec.points, "chunk_points": spec.chunk_points, "chunks": spec.chunks, "keep": keep,
            "columns": list(spec.columns), "workloads": [w.label for w in spec.workloads],
            "objectives": dict(spec.objectives), "spec": spec.canonical()}


def _check_pareto_objectives(spec: SweepSpec, dtypes: dict) -> None:
    if not spec.objectives:
        raise HwsimInputError("--keep pareto keeps the front of the spec's objectives, and it has none",
                              source=spec.source, field="objectives",
                              allowed="result columns mapped to min or max, e.g. {latency_s: min, energy_pj: min}")
    for column, _ in spec.objectives:
        dtype = dtypes[column]
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise HwsimInputError(f"'{column}' holds {dtype} values: no order for a Pareto front", source=spec.source,
                                  field=f"objectives.{column}", allowed="numeric columns with --keep pareto")


def sweep(spec: SweepSpec | str | Path | dict, out: str | Path, *, resume: bool = False, jobs: int | None = None,
          executor: str | None = None, executor_options: dict | None = None, keep: str = "all",
          progress: str = "auto") -> SweepReport:
    """Evaluate every point of ``spec`` into ``out`` (a Parquet dataset folder; read it with
    ``pandas.read_parquet(out)``). ``jobs``: worker processes (None: this process);
    ``executor``: a name in hwsim.dse.executors.EXECUTORS (default: 'process' with ``jobs``, else
    'inprocess'), built with ``jobs`` and ``executor_options`` ('dask': ``jobs`` local workers, or
    ``executor_options={"scheduler": "tcp://HOST:PORT"}``). ``keep``: 'all', 'feasible', or
    'pareto' (only the front of the spec's objectives over every point, in ``out/front.parquet``).
    ``resume``: finish a sweep ``out`` already holds. ``progress``: 'auto' (a bar on a terminal,
    one line otherwise), 'bar', 'line' or 'quiet'."""
    from hwsim.dse.progress import reporter
    from hwsim.dse.store import FrontStore, Store, pyarrow_modules

    pyarrow_modules()
    if not is_path(out) or not os.fspath(out).strip():
        # None would become a folder named 'None', '' the current folder
        raise HwsimInputError(f"{out!r} is not an output folder", field="out",
                              allowed="a folder path (created; a Parquet dataset of the rows)")
    if keep not in KEEP:
        raise HwsimInputError(f"unknown keep '{keep}'", field="--keep", allowed=", ".join(KEEP))
    require_flag(resume, "resume")
    if executor_options is not None and not isinstance(executor_options, dict):
        raise HwsimInputError(f"{type(executor_options).__name__} is not a mapping", field="executor_options",
                              allowed="{'scheduler': 'tcp://HOST:PORT'} for dask")
    spec = as_spec(spec)
    runner = make_executor(executor or ("process" if jobs is not None else "inprocess"), jobs,
                           **(executor_options or {}))
    dtypes = prepare(spec)
    if keep == "pareto":
        _check_pareto_objectives(spec, dtypes)
    opener = FrontStore.open if keep == "pareto" else Store.open
    store = opener(str(out), _header(spec, keep), dtypes, resume=resume)
    if samplers.SAMPLERS[spec.sampler.kind].search:  # generations proposed from results (closes the store)
        from hwsim.dse.search import run_search

        started = time.perf_counter()
        written, dropped, run = run_search(spec, store, runner, functools.partial(evaluate_ids, spec),
                                           lambda frame: KEEP[keep](frame, spec), progress, str(out))
        return SweepReport(str(out), spec.points, spec.chunks, run, written, dropped, time.perf_counter() - started)
    started = time.perf_counter()
    written = dropped = run = 0
    try:
        pending = store.pending()
        done_points = sum(min(spec.chunk_points, spec.points - c * spec.chunk_points) for c in store.done)
        with reporter(progress, spec.points, done_points, str(out)) as bar:
            for chunk, (kept, points) in runner.map(functools.partial(evaluate_kept, spec, keep), pending):
                store.write(chunk, kept, points - len(kept))
                written, dropped, run = written + len(kept), dropped + points - len(kept), run + 1
                bar.advance(points)
    finally:
        store.close()
    return SweepReport(str(out), spec.points, spec.chunks, run, written, dropped, time.perf_counter() - started)
