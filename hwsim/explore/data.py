"""What the explorer shows: a sweep's rows, which columns are swept keys, objectives and results,
the Pareto front, and which rows fit in one HTML file.

A sweep folder (``hwsim sweep SPACE.yaml -o OUT``) is read with its ``_manifest.json``: the
manifest's spec names the swept keys (axes, ties included), the objectives, the base accelerator
and the workloads (what a ``hwsim run ... --set`` line needs). A DataFrame from Python carries
none of that, so its keys are given (or every column that is not a known result) and its
objectives are required.

The front is ``hwsim.pareto`` over every row whose objectives are all numbers (a point a
``before`` constraint skipped has none), computed on the whole table before any sampling: a flag
means what ``hwsim pareto OUT`` means. Rows that fail an ``after`` constraint stay candidates,
as there; the page says how many front rows are infeasible (colour by ``feasible`` shows them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
# the run flags of a workload's scenario keys (docs/sweep-spec.md, "Workloads"; hwsim run --help)
from hwsim.workload.scenario_args import SCENARIO_FLAGS, SCENARIO_SWITCHES

from hwsim.explore.limits import MAX_ROWS as DEFAULT_MAX_ROWS  # noqa: E402
# the seed of the row sample (so the same sweep gives the same file, byte for byte)
SAMPLE_SEED = 0
# columns a sweep adds that are neither keys nor results (docs/sweep-spec.md, "Output")
ID_COLUMN = "point_id"
FLAG_COLUMNS = ("simulated", "feasible")
PRECISION_AXIS = "precision"


@dataclass(frozen=True)
class WorkloadRun:
    """One workload of a sweep: how ``hwsim run`` names it and how Python loads it."""

    label: str                                   # its result columns' prefix in a multi-workload sweep
    name: str                                    # as written in the spec (the run line's WORKLOAD)
    path: str                                    # what hwsim.load_workload reads
    scenario: tuple[tuple[str, Any], ...] = ()   # phase, kv_len, batch, ... (load_workload's keywords)

    def run_arguments(self) -> list[str]:
        """WORKLOAD and its scenario flags, as ``hwsim run`` takes them."""
        args = [self.name]
        for key, value in self.scenario:
            if key in SCENARIO_SWITCHES:
                if value:
                    args.append(SCENARIO_FLAGS[key])
            elif value is not None:
                args += [SCENARIO_FLAGS[key], str(value)]
        return args


@dataclass(frozen=True)
class SweepOrigin:
    """What the sweep's spec says about how its rows were made (None parts: a DataFrame's)."""

    accelerator: str | None = None        # the base, as the run line names it
    accelerator_path: str | None = None   # what hwsim.load_accelerator reads
    workloads: tuple[WorkloadRun, ...] = ()
    precision_plans: tuple[tuple[str, str], ...] = ()   # (value as written, resolved file)


@dataclass
class ExplorerData:
    """The rows the file holds and what each column is."""

    table: pd.DataFrame           # the kept rows, index 0..n-1; ``row`` holds their row in the whole table
    total_rows: int
    keys: list[str]               # swept keys (spec keys and ``precision``), spec order
    objectives: dict[str, str]    # column -> min | max
    results: list[str]            # every other column shown (numbers and flags)
    front: np.ndarray             # bool per kept row: non-dominated in the whole table
    front_total: int              # front rows in the whole table
    origin: SweepOrigin = field(default_factory=SweepOrigin)
    source: str = "DataFrame"
    notes: list[str] = field(default_factory=list)   # said in the file, visibly


# ---- reading -----------------------------------------------------------------------------------

def read_sweep(folder: str | Path) -> tuple[pd.DataFrame, dict]:
    """(rows, manifest) of a sweep folder; one HwsimInputError when it is not one."""
    from hwsim.dse.pareto import read_table
    from hwsim.dse.store import MANIFEST, read_manifest

    path = Path(folder)
    if not path.exists():
        raise HwsimInputError("no such folder", source=str(folder), field="OUT",
                              allowed="a sweep output folder (hwsim sweep SPACE.yaml -o OUT)")
    if not path.is_dir() or not (path / MANIFEST).is_file():
        raise HwsimInputError(f"is not a sweep output (no {MANIFEST})", source=str(folder), field="OUT",
                              allowed="a sweep output folder (hwsim sweep SPACE.yaml -o OUT)")
    manifest = read_manifest(path)
    table = read_table(str(path)) if any(p.suffix == ".parquet" for p in path.iterdir()) else pd.DataFrame()
    if len(table) == 0:
        raise HwsimInputError("the sweep holds no rows", source=str(folder), field="OUT",
                              allowed="a sweep with at least one row")
    return table, manifest


def _spec_origin(manifest: dict, folder: str) -> tuple[SweepOrigin, list[str]]:
    """The base accelerator and workloads, resolved through the spec file the manifest names when
    it still loads (else as the canonical spec wrote them); a note when the spec, the accelerator
    or a workload changed since the sweep (the hash differs), since re-simulated breakdowns then
    come from today's files, not the ones the rows came from."""
    notes: list[str] = []
    spec = manifest.get("spec") or {}
    spec_file = manifest.get("spec_file")
    loaded = None
    if spec_file and Path(spec_file).is_file():
        from hwsim.dse.spec import load_sweep_spec   # hwsim.load_sweep_spec (the facade sits a floor above)

        try:
            loaded = load_sweep_spec(spec_file)
        except HwsimInputError:
            loaded = None
    if loaded is not None:
        if loaded.sha256() != manifest.get("spec_sha256"):
            notes.append(f"The sweep's spec ({spec_file}), its accelerator or a workload changed since the sweep "
                         "(their hash differs from the manifest's): the breakdowns and run lines use the files as "
                         "they are now and may not reproduce the rows.")
        return SweepOrigin(
            accelerator=_run_name(loaded.accelerator, loaded.accelerator_path),
            accelerator_path=loaded.accelerator_path,
            workloads=tuple(WorkloadRun(w.label, _run_name(w.name, w.path), w.path, tuple(w.scenario))
                            for w in loaded.workloads),
            precision_plans=tuple((value, str(Path(path).resolve())) for value, path, _ in loaded.precision_plans)), notes
    accelerator = (spec.get("accelerator") or {}).get("name")
    workloads = []
    for entry in spec.get("workloads") or []:
        scenario = tuple((k, entry[k]) for k in SCENARIO_FLAGS if entry.get(k) is not None)
        workloads.append(WorkloadRun(entry["label"], entry["name"], entry["name"], scenario))
    notes.append(f"The sweep's spec file ({spec_file or 'not recorded'}) cannot be read now, so the base accelerator "
                 "and workloads are named as the spec wrote them (relative paths from the current folder); the "
                 "breakdowns and run lines may not reproduce the rows.")
    plans = tuple((v, v) for _, axis in spec.get("axes") or [] for v in (axis.get("values") or [])
                  if isinstance(v, str) and v.lower().endswith(".csv"))
    return SweepOrigin(accelerator, accelerator, tuple(workloads), plans), notes


def _run_name(written: str, resolved: str) -> str:
    """A preset keeps its name in the run line (hwsim run tpu-v1-like ..., llm/gpt2); a file (every
    spec, trace and config file has a suffix) its resolved path, which works from any folder."""
    looks_like_file = Path(written).suffix != ""
    return str(Path(resolved).resolve()) if looks_like_file else written


# ---- columns -----------------------------------------------------------------------------------

def _result_like(column: str) -> bool:
    from hwsim.engine.evaluate import SUMMARY_COLUMNS

    return column in SUMMARY_COLUMNS or column.rsplit(".", 1)[-1] in SUMMARY_COLUMNS


def _checked_objectives(table: pd.DataFrame, objectives: dict[str, str], where: str) -> dict[str, str]:
    for column, direction in objectives.items():
        if column not in table.columns:
            shown = ", ".join(c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])
                              and table[c].dtype != bool)
            raise HwsimInputError(f"objective column '{column}' is not in the table", source=where,
                                  field="--objectives", allowed=shown)
        if direction not in ("min", "max"):
            raise HwsimInputError(f"direction '{direction}' for objective '{column}'", source=where,
                                  field="--objectives", allowed="min, max")
        series = table[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            raise HwsimInputError(f"objective column '{column}' holds {series.dtype} values, not numbers",
                                  source=where, field="--objectives", allowed="a numeric result column")
    return dict(objectives)


def _eligible(table: pd.DataFrame, objectives: dict[str, str]) -> np.ndarray:
    """Rows that may be on the front: every objective a number (hwsim.pareto refuses NaN)."""
    ok = np.ones(len(table), dtype=bool)
    for column in objectives:
        ok &= ~table[column].isna().to_numpy()
    return ok


def front_flags(table: pd.DataFrame, objectives: dict[str, str]) -> np.ndarray:
    """True on the rows of ``table`` that are on the Pareto front of ``objectives`` (hwsim.pareto
    over the rows whose objectives are all numbers)."""
    from hwsim.dse.pareto import pareto   # hwsim.pareto

    eligible = _eligible(table, objectives)
    flags = np.zeros(len(table), dtype=bool)
    candidates = table.reset_index(drop=True).iloc[np.flatnonzero(eligible)]
    if len(candidates):
        front = pareto(candidates, objectives)
        flags[front.index.to_numpy()] = True
    return flags


def kept_rows(front: np.ndarray, max_rows: int, seed: int = SAMPLE_SEED) -> tuple[np.ndarray, str | None]:
    """Row numbers to draw (sorted) and, when not all, the sentence that says which: every front
    row and a seeded uniform sample of the others; a sample of the front too when the front
    alone is larger than ``max_rows``."""
    n = len(front)
    if n <= max_rows:
        return np.arange(n), None
    rng = np.random.default_rng(seed)
    on, off = np.flatnonzero(front), np.flatnonzero(~front)
    if len(on) >= max_rows:
        keep = np.sort(rng.choice(on, size=max_rows, replace=False))
        return keep, (f"The views show {max_rows:,} of the {n:,} rows: a random sample (seed {seed}) of the "
                      f"{len(on):,} front rows and none of the others (the limit is {max_rows:,} rows; "
                      "--max-rows raises it).")
    rest = rng.choice(off, size=max_rows - len(on), replace=False)
    keep = np.sort(np.concatenate([on, rest]))
    return keep, (f"The views show {max_rows:,} of the {n:,} rows: all {len(on):,} front rows and a random sample "
                  f"(seed {seed}) of {len(rest):,} of the other {len(off):,} (the limit is {max_rows:,} rows; "
                  "--max-rows raises it).")


def explorer_data(table: pd.DataFrame | str | Path, *, objectives: dict[str, str] | None = None,
                  keys: list[str] | None = None, max_rows: int = DEFAULT_MAX_ROWS) -> ExplorerData:
    """Read a sweep folder (or take a DataFrame), classify its columns, flag its front, keep
    what fits."""
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise HwsimInputError(f"{max_rows!r} rows", field="--max-rows", allowed="an integer >= 1")
    notes: list[str] = []
    origin = SweepOrigin()
    if isinstance(table, (str, Path)):
        source = str(table)
        frame, manifest = read_sweep(table)
        origin, spec_notes = _spec_origin(manifest, source)
        notes += spec_notes
        try:   # a hand-edited or damaged manifest: one line naming it, not a TypeError
            axes = [axis[0] for axis in (manifest.get("spec") or {}).get("axes") or []]
            stated = dict(manifest.get("objectives") or {})
        except (TypeError, ValueError, AttributeError, IndexError, KeyError):
            raise HwsimInputError("the sweep manifest's spec axes or objectives are damaged",
                                  source=str(Path(source) / "_manifest.json"), field="objectives",
                                  allowed="the manifest hwsim sweep wrote (rerun the sweep, or give "
                                          "--objectives)") from None
        if keys is None:
            keys = [a for a in axes if a in frame.columns]
        if objectives is None:
            objectives = stated
            if not objectives:
                raise HwsimInputError("the sweep's spec names no objectives", source=source, field="--objectives",
                                      allowed="COLUMN:min or COLUMN:max, comma-separated, e.g. latency_s:min,energy_pj:min")
        if not manifest.get("complete", True):
            done = len(manifest.get("done") or [])
            notes.append(f"The sweep is not complete: {done} of {manifest.get('chunks')} chunks are written "
                         "(hwsim sweep --resume finishes it); the views show those.")
        if manifest.get("keep") == "pareto":
            notes.append("The folder holds only the sweep's front (--keep pareto): every dominated point was "
                         "left out when the sweep ran.")
        elif manifest.get("keep") == "feasible":
            dropped = sum(int(v) for v in (manifest.get("dropped") or {}).values())
            notes.append(f"The folder holds only the sweep's feasible rows (--keep feasible; {dropped:,} left out).")
    elif isinstance(table, pd.DataFrame):
        source = "DataFrame"
        frame = table
        if len(frame) == 0:
            raise HwsimInputError("the table holds no rows", source=source, allowed="a table with at least one row")
        if objectives is None:
            raise HwsimInputError("a DataFrame names no objectives", source=source, field="objectives",
                                  allowed='e.g. {"latency_s": "min", "energy_pj": "min"}')
        if keys is None:
            keys = [c for c in frame.columns if c != ID_COLUMN and c not in FLAG_COLUMNS and not _result_like(c)]
    else:
        raise HwsimInputError(f"{type(table).__name__} is not a sweep", field="table",
                              allowed="a sweep output folder or a pandas DataFrame")
    frame = frame.reset_index(drop=True)
    if ID_COLUMN in frame.columns:   # a sweep's rows in point order (its parts may come in any order)
        frame = frame.sort_values(ID_COLUMN, kind="stable").reset_index(drop=True)
    objectives = _checked_objectives(frame, dict(objectives), source)
    for key in keys:
        if key not in frame.columns:
            raise HwsimInputError(f"key column '{key}' is not in the table", source=source, field="keys",
                                  allowed=", ".join(map(str, frame.columns)))
    keys = [k for k in keys if k not in objectives]
    flags = front_flags(frame, objectives)
    ineligible = int((~_eligible(frame, objectives)).sum())
    if ineligible:
        notes.append(f"{ineligible:,} rows lack an objective value (not simulated: a before constraint skipped "
                     "them); they cannot be on the front.")
    if "feasible" in frame.columns:
        infeasible_front = int((flags & ~frame["feasible"].fillna(False).to_numpy(dtype=bool)).sum())
        if infeasible_front:
            notes.append(f"{infeasible_front:,} of the {int(flags.sum()):,} front rows are infeasible (they fail an "
                         "after constraint): the front is over every row, as hwsim pareto OUT computes it; "
                         "colour by feasible to tell them apart.")
    keep, note = kept_rows(flags, max_rows)
    if note:
        notes.append(note)
    results = [c for c in frame.columns if c not in keys and c not in objectives and c != ID_COLUMN
               and _showable(frame[c])]
    kept = frame.iloc[keep].reset_index(drop=True)
    kept.insert(0, "row", keep.astype(np.int64))
    return ExplorerData(table=kept, total_rows=len(frame), keys=list(keys), objectives=objectives,
                        results=results, front=flags[keep], front_total=int(flags.sum()), origin=origin,
                        source=source, notes=notes)


def _showable(series: pd.Series) -> bool:
    """Numbers, flags and short texts; not lists or dicts (which no axis can draw)."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return True
    sample = series.dropna()
    return all(isinstance(v, (str, bool, np.bool_)) for v in sample.iloc[:100])


# ---- values as the file stores them ----------------------------------------------------------------

def plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python's, NaN, infinities and pandas' NA as null."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def levels(series: pd.Series) -> list:
    """Distinct values, numbers in numeric order, texts and flags in text order (missing last)."""
    values = [plain(v) for v in pd.unique(series.dropna())]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return sorted(values)
    return sorted(values, key=lambda v: str(v))


def set_text(value: Any) -> str:
    """A value as ``--set KEY=VALUE`` writes it (lists as [a, b], booleans as true/false)."""
    value = plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(set_text(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return repr(value)
    return str(value)
