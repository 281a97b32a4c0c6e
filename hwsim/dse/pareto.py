"""Exact Pareto fronts and dominated hypervolume of result tables.

Every objective is turned into a minimisation (a ``"max"`` column is negated). Row a dominates
row b iff a <= b in every objective and a < b in at least one; the front is every row that no
other row dominates. Consequences, by that definition alone:

- rows with identical objective vectors are kept or dropped together (neither dominates the
  other), so a front can hold exact duplicates;
- a tie in some objectives is broken by the others only: (1, 2) dominates (1, 3);
- +inf and -inf are ordinary values (the worst and the best); NaN has no order and is refused.

The hypervolume is the Lebesgue measure of the region dominated by the rows and bounded by a
reference point (same orientation: a ``"max"`` objective's values and reference are negated). A
row that is not strictly better than the reference in every objective adds nothing to it.

The numerical work is moocore's (the ``dse`` extra, imported on first use).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError, require_flag

DIRECTIONS = ("min", "max")
EXTRA_HINT = 'pip install -e ".[dse]"'
TABLE_INPUTS = "a Parquet dataset folder, a .parquet file or a .csv file"
# float64 holds every integer of magnitude <= 2^53 exactly (IEEE 754 binary64: 53-bit significand);
# wider integer columns are compared through their ranks instead, which keeps dominance exact
_EXACT_INT_LIMIT = 2**53


def _moocore():
    try:
        import moocore
    except ImportError:
        raise HwsimInputError(f"Pareto fronts and hypervolume need the moocore package (the 'dse' extra): "
                              f"{EXTRA_HINT}") from None
    return moocore


def _columns_listing(df: pd.DataFrame) -> str:
    return ", ".join(str(c) for c in df.columns) or "(the table has no columns)"


def _checked_objectives(df: object, objectives: object) -> list[tuple[str, bool]]:
    """(column, is_max) per objective, in the order given; one HwsimInputError for anything else."""
    if not isinstance(df, pd.DataFrame):
        raise HwsimInputError(f"expected a pandas DataFrame, got {type(df).__name__}", field="df")
    if not isinstance(objectives, Mapping) or not objectives:
        raise HwsimInputError(f"expected a non-empty mapping of column -> direction, got {objectives!r}",
                              field="objectives", allowed='e.g. {"latency_s": "min", "energy_pj": "min"}')
    chosen = []
    for column, direction in objectives.items():
        if column not in df.columns:
            raise HwsimInputError("no such column in the table", field=str(column), allowed=_columns_listing(df))
        if not isinstance(direction, str) or direction not in DIRECTIONS:
            raise HwsimInputError(f"direction {direction!r} is not one of the directions", field=str(column),
                                  allowed=", ".join(DIRECTIONS))
        series = df[column]
        if isinstance(series, pd.DataFrame):
            raise HwsimInputError(f"the table has {series.shape[1]} columns of that name", field=str(column),
                                  allowed="one column per objective")
        # a header-only CSV reads as text columns: an empty table has an empty front whatever its types
        if len(series) and (not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_complex_dtype(series)):
            raise HwsimInputError(f"holds {series.dtype} values, not real numbers", field=str(column),
                                  allowed="integer, float or boolean columns")
        missing = series.isna().to_numpy()
        if missing.any():
            first = series.index[int(np.argmax(missing))]
            first = first.item() if isinstance(first, np.generic) else first  # 6, not np.int64(6)
            raise HwsimInputError(f"holds {int(missing.sum())} missing value(s) (NaN), the first at row {first!r}; "
                                  "NaN has no order, so no row can be compared with it", field=str(column),
                                  allowed="numbers only: drop or fill those rows first")
        chosen.append((column, direction == "max"))
    return chosen


def _ordered_values(series: pd.Series) -> np.ndarray:
    """float64 values with the same order and ties as the column's (ranks where float64 would not be)."""
    values = np.asarray(series.to_numpy())
    if values.dtype.kind in "iu" and values.size and (values.max() > _EXACT_INT_LIMIT
                                                      or values.min() < -_EXACT_INT_LIMIT):
        return np.unique(values, return_inverse=True)[1].astype(np.float64)
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        # moocore 0.3.2 crashed (SIGSEGV) on a 4-objective table holding both +inf and -inf; ranks
        # are finite and order rows exactly as the values do
        return np.unique(values, return_inverse=True)[1].astype(np.float64)
    return values


def _minimisation_matrix(df: pd.DataFrame, chosen: list[tuple[str, bool]], *, exact_order: bool) -> np.ndarray:
    columns = []
    for column, is_max in chosen:
        values = _ordered_values(df[column]) if exact_order else df[column].to_numpy(dtype=np.float64)
        columns.append(-values if is_max else values)
    return np.column_stack(columns) if columns else np.empty((len(df), 0))


def pareto(df: pd.DataFrame, objectives: Mapping[str, str]) -> pd.DataFrame:
    """The rows of ``df`` that no other row dominates, in their original order, index kept.

    ``objectives`` maps each objective column to ``"min"`` or ``"max"``; any number of them.
    Rows with identical objective vectors are all kept (none dominates another); see the module
    docstring for the rule. NaN in an objective column, an unknown column or direction: one
    HwsimInputError naming it.

        >>> front = hwsim.pareto(table, {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"})
    """
    chosen = _checked_objectives(df, objectives)
    moocore = _moocore()
    if len(df) == 0:
        return df.iloc[0:0]
    points = _minimisation_matrix(df, chosen, exact_order=True)
    keep = moocore.is_nondominated(points, keep_weakly=True)  # keep_weakly: duplicates of a front row stay
    return df.iloc[np.flatnonzero(keep)]


def _checked_reference(reference: object, chosen: list[tuple[str, bool]], log: bool) -> np.ndarray:
    names = [column for column, _ in chosen]
    if not isinstance(reference, Mapping):
        raise HwsimInputError(f"expected a mapping of objective column -> value, got {reference!r}",
                              field="reference", allowed=", ".join(map(str, names)))
    extra = [key for key in reference if key not in names]
    if extra:
        raise HwsimInputError(f"{extra[0]!r} is not an objective", field="reference",
                              allowed=", ".join(map(str, names)))
    values = []
    for column in names:
        if column not in reference:
            raise HwsimInputError(f"no value for objective '{column}'", field="reference",
                                  allowed="one value per objective")
        value = reference[column]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise HwsimInputError(f"{value!r} is not a finite number", field=f"reference.{column}",
                                  allowed="a finite number")
        if log and value <= 0:
            raise HwsimInputError(f"{value!r} has no logarithm", field=f"reference.{column}",
                                  allowed="a number > 0 with log=True")
        values.append(float(value))
    return np.array(values)


def hypervolume(df: pd.DataFrame, objectives: Mapping[str, str], reference: Mapping[str, float], *,
                log: bool = False) -> float:
    """The hypervolume dominated by the rows of ``df`` and bounded by ``reference``.

    ``reference`` gives one finite value per objective column. ``log=True`` takes log10 of every
    objective value and of the reference first (every one must be > 0), which weighs a 10x
    improvement the same wherever it happens. Rows not strictly better than the reference in
    every objective add nothing; a row at -inf in a minimised objective (+inf in a maximised one)
    inside the reference box makes the volume unbounded and is refused.

        >>> hwsim.hypervolume(table, {"latency_s": "min", "energy_pj": "min"},
        ...                   {"latency_s": 1e-2, "energy_pj": 1e9}, log=True)
    """
    require_flag(log, "log")
    chosen = _checked_objectives(df, objectives)
    ref = _checked_reference(reference, chosen, log)
    moocore = _moocore()
    points = _minimisation_matrix(df, [(column, False) for column, _ in chosen], exact_order=False)
    if log:
        for j, (column, _) in enumerate(chosen):
            bad = points[:, j] <= 0
            if bad.any():
                raise HwsimInputError(f"holds {int(bad.sum())} value(s) <= 0, which have no logarithm",
                                      field=str(column), allowed="values > 0 with log=True")
        points, ref = np.log10(points), np.log10(ref)
    flip = np.array([-1.0 if is_max else 1.0 for _, is_max in chosen])
    points, ref = points * flip, ref * flip
    inside = points[(points < ref).all(axis=1)]
    if len(inside) == 0:
        return 0.0
    unbounded = ~np.isfinite(inside).all(axis=0)
    if unbounded.any():
        column, is_max = chosen[int(np.argmax(unbounded))]
        raise HwsimInputError(f"a row at {'+' if is_max else '-'}inf makes the hypervolume unbounded",
                              field=str(column), allowed="finite values in rows better than the reference")
    return float(moocore.hypervolume(inside, ref=ref))


def parse_objectives(text: str, flag: str = "--objectives") -> dict[str, str]:
    """``"latency_s:min,energy_pj:min"`` -> ``{"latency_s": "min", "energy_pj": "min"}``."""
    allowed = "COLUMN:min or COLUMN:max, comma-separated, e.g. latency_s:min,energy_pj:min"
    objectives: dict[str, str] = {}
    for item in text.split(","):
        column, sep, direction = item.strip().rpartition(":")
        if not sep or not column:
            raise HwsimInputError(f"'{item.strip()}' is not COLUMN:DIRECTION", field=flag, allowed=allowed)
        if direction not in DIRECTIONS:
            raise HwsimInputError(f"direction '{direction}' for column '{column}'", field=flag,
                                  allowed=", ".join(DIRECTIONS))
        if column in objectives:
            raise HwsimInputError(f"column '{column}' is given twice", field=flag, allowed="each column once")
        objectives[column] = direction
    return objectives


def _read_errors() -> tuple[type[BaseException], ...]:
    try:
        import pyarrow
    except ImportError:
        return (OSError, ValueError)
    return (OSError, ValueError, pyarrow.ArrowException)


def _read_csv_strictly(path) -> pd.DataFrame:
    """A CSV whose rows all have the header's cells and whose columns have distinct names: pandas
    would take a row's extra first cell for an index (shifting every value a column) and rename a
    repeated column to NAME.1, both silently."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise HwsimInputError(f"column '{repeated[0]}' appears twice in the header", source=str(path),
                                  allowed="distinct column names")
        for number, row in enumerate(reader, start=2):
            if row and len(row) != len(header):
                raise HwsimInputError(f"line {number} has {len(row)} cells, the header {len(header)}",
                                      source=str(path), allowed="as many cells in every row as in the header")
    return pd.read_csv(path, index_col=False)


def read_table(path: str) -> pd.DataFrame:
    """A results table: a Parquet dataset folder (``pandas.read_parquet``; files whose names start
    with ``_`` or ``.``, such as a sweep's ``_manifest.json``, are not part of it), one .parquet
    file, or one .csv file."""
    where = Path(path)
    if where.is_dir():
        if not any(f.is_file() and not f.name.startswith(("_", ".")) for f in where.rglob("*")):
            raise HwsimInputError("the folder holds no part files", source=path, allowed=TABLE_INPUTS)
        reader = pd.read_parquet
    elif not where.exists():
        raise HwsimInputError("no such file or folder", source=path, allowed=TABLE_INPUTS)
    elif where.suffix.lower() == ".parquet":
        reader = pd.read_parquet
    elif where.suffix.lower() == ".csv":
        reader = _read_csv_strictly
    else:
        found = f"'{where.suffix}' is not a table format" if where.suffix else "has no .parquet or .csv suffix"
        raise HwsimInputError(found, source=path, allowed=TABLE_INPUTS)
    try:
        return reader(where)
    except HwsimInputError:
        raise
    except ImportError:
        raise HwsimInputError(f"reading Parquet needs pyarrow (the 'dse' extra): {EXTRA_HINT}", source=path) from None
    except _read_errors() as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise HwsimInputError(f"cannot be read as a table: {reason}", source=path, allowed=TABLE_INPUTS) from None


def front_paths(table_path: str, front: str | None, flag: str = "-o") -> tuple[Path, Path]:
    """(FRONT.parquet, FRONT.csv); FRONT defaults to the table's name plus ``-pareto``, beside it
    (``sweeps/resnet`` -> ``sweeps/resnet-pareto.parquet`` and ``.csv``). A .parquet or .csv
    suffix on FRONT is dropped, so ``-o front.csv`` also means both files."""
    from hwsim.outpaths import check_output_file, check_path_text

    table = Path(table_path)
    if front is None:
        base = table if table.name not in ("", "..") else table.resolve()
        stem = base.parent / f"{base.stem if base.suffix.lower() in ('.parquet', '.csv') else base.name}-pareto"
    else:
        stem = Path(front)
        check_path_text(front, flag)   # before stem.is_dir(): an over-long name is an OSError there
        if not front.strip() or front.endswith(("/", os.sep)) or stem.name in ("", ".", "..") or stem.is_dir():
            raise HwsimInputError("names a folder or nothing, not a front's file name", source=front or "''",
                                  field=flag, allowed="a file name such as fronts/resnet (writes .parquet and .csv)")
        if stem.suffix.lower() in (".parquet", ".csv"):
            stem = stem.with_suffix("")
    paths = (stem.with_name(stem.name + ".parquet"), stem.with_name(stem.name + ".csv"))
    for target in paths:
        check_output_file(str(target), flag)
        if target.resolve() == table.resolve():
            raise HwsimInputError("would overwrite the input table", source=str(target), field=flag,
                                  allowed="a path other than the input")
        if table.is_dir() and target.resolve().is_relative_to(table.resolve()):
            raise HwsimInputError(f"is inside the dataset folder '{table_path}', whose next read would take "
                                  "the front for a part", source=str(target), field=flag,
                                  allowed="a path outside the dataset folder")
    return paths


def write_front(front: pd.DataFrame, parquet_path: Path, csv_path: Path) -> None:
    """The front as Parquet and CSV, every column kept, without the reader's row index (a sweep's
    rows carry their ``point_id``)."""
    try:
        front.to_parquet(parquet_path, index=False)
    except ImportError:
        raise HwsimInputError(f"writing Parquet needs pyarrow (the 'dse' extra): {EXTRA_HINT}",
                              source=str(parquet_path)) from None
    except OSError as exc:
        raise HwsimInputError(f"cannot write: {exc.strerror or exc}", source=str(parquet_path)) from None
    try:
        front.to_csv(csv_path, index=False)
    except OSError as exc:
        raise HwsimInputError(f"cannot write: {exc.strerror or exc}", source=str(csv_path)) from None
