"""A sweep folder (``hwsim sweep ... -o OUT``) as the live explorer reads it: lazily.

Opening reads ``_manifest.json`` and the Parquet schema only. Each view asks for two columns
under a filter (pyarrow.dataset: the filter is pushed into the scan, so only the matching rows of
those columns are read), and the answer is kept per (x, y, filter) in a small table, so moving a
design knob that does not change the filter reads nothing. The Pareto front on the two columns
shown is hwsim.pareto's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from hwsim.errors import HwsimInputError

MANIFEST = "_manifest.json"   # hwsim/dse/store.py names it so
POINT_ID = "point_id"         # every sweep row's id (docs/sweep-spec.md, "Output")
# at most this many non-front points are drawn behind the front (an evenly strided sample): a
# scatter of 10^6 points neither reads nor draws in the 100 ms a knob change has
BACKGROUND_POINTS_MAX = 4000
_CACHE_MAX = 16
# the summary columns a live design has too (serve_model._summary), so it can be placed among the rows
COMPARABLE = ("latency_s", "energy_pj", "area_mm2", "power_w", "edp_pj_s", "energy_compute_pj", "energy_sram_pj",
              "energy_dram_pj", "energy_leakage_pj", "macs")


@dataclass(frozen=True)
class SweepFront:
    x: str
    y: str
    x_key: str                   # the live design's summary key compared with x (SweepSource.summary_key)
    y_key: str
    rows: int                    # rows that passed the filter
    front: pd.DataFrame          # the non-dominated rows on (x, y), sorted by x
    background: pd.DataFrame     # a strided sample of the other rows


class SweepSource:
    """One sweep folder, read column by column under filters."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        manifest_path = self.folder / MANIFEST
        if not self.folder.is_dir():
            raise HwsimInputError("no such sweep folder", source=str(folder), allowed="a folder written by hwsim sweep -o OUT")
        if not manifest_path.is_file():
            raise HwsimInputError(f"not a sweep folder: no {MANIFEST}", source=str(folder),
                                  allowed="a folder written by hwsim sweep -o OUT")
        try:
            self.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HwsimInputError(f"unreadable manifest: {exc}", source=str(manifest_path)) from None
        try:
            import pyarrow.dataset as ds
        except ImportError:
            raise HwsimInputError('reading a sweep needs pyarrow (the dse extra): pip install -e ".[dse]"') from None
        self._ds = ds
        self.dataset = ds.dataset(str(self.folder), format="parquet")   # skips _manifest.json, _tmp-* (prefix '_')
        self.schema = self.dataset.schema
        spec = self.manifest.get("spec", {})
        self.objectives: dict[str, str] = {name: way for name, way in spec.get("objectives", [])}
        self.axes: tuple[str, ...] = tuple(name for name, _ in spec.get("axes", []))
        self.workloads: tuple[str, ...] = tuple(self.manifest.get("workloads", []))
        self._cache: dict[tuple, SweepFront] = {}

    @property
    def accelerator(self) -> str | None:
        """The sweep's base accelerator: a preset name, or a spec path resolved from the spec's folder."""
        name = self.manifest.get("spec", {}).get("accelerator", {}).get("name")
        if not name:
            return None
        spec_file = self.manifest.get("spec_file")
        if spec_file and (name.endswith((".yaml", ".yml")) and not Path(name).is_absolute()):
            candidate = Path(spec_file).parent / name
            if candidate.is_file():
                return str(candidate)
        return name

    def numeric_columns(self) -> list[str]:
        import pyarrow.types as pt

        return [f.name for f in self.schema if pt.is_integer(f.type) or pt.is_floating(f.type)]

    def summary_key(self, column: str) -> str:
        """The live design's summary key a sweep column compares with: ``<label>.latency_s`` (one
        workload's result in a sweep of several) is the design's ``latency_s``."""
        label, _, key = column.rpartition(".")
        return key if label in self.workloads else column

    def is_aggregate(self, column: str) -> bool:
        """A plain result column of a sweep over several workloads: their aggregate (sum, ...),
        not one workload's figure (area is the design's own)."""
        return len(self.workloads) > 1 and column in COMPARABLE and column != "area_mm2"

    def comparable_columns(self) -> list[str]:
        """Result columns a live design has too (one workload's, where the sweep has several),
        objectives first."""
        have = self.schema.names
        usable = [c for c in have if self.summary_key(c) in COMPARABLE and not self.is_aggregate(c)]
        ordered = [c for c in self.objectives if c in usable]
        return ordered + [c for c in usable if c not in ordered]

    def default_axes(self) -> tuple[str | None, str | None]:
        """x: the first comparable column; y: the next one of another quantity, from the same
        workload or the design's own (area)."""
        columns = self.comparable_columns()
        if not columns:
            return None, None
        x = columns[0]
        prefix = x.rpartition(".")[0]
        for column in columns[1:]:
            if self.summary_key(column) != self.summary_key(x) and column.rpartition(".")[0] in ("", prefix):
                return x, column
        return x, columns[1] if len(columns) > 1 else x

    def axis_values(self, column: str) -> list:
        """The values swept on an axis, from the manifest (no data read)."""
        for name, axis in self.manifest.get("spec", {}).get("axes", []):
            if name == column and isinstance(axis, Mapping):
                return list(axis.get("values", []))
        return []

    def _filter(self, fixed: Mapping[str, object]):
        ds = self._ds
        expression = None
        if "feasible" in self.schema.names:
            expression = ds.field("feasible") == True  # noqa: E712  (a pyarrow expression, not a test)
        for column, value in fixed.items():
            if column not in self.schema.names:
                raise HwsimInputError(f"no column {column!r} in the sweep", source=str(self.folder), field="filter",
                                      allowed=", ".join(self.axes))
            term = ds.field(column) == value
            expression = term if expression is None else expression & term
        return expression

    def front(self, x: str, y: str, fixed: Mapping[str, object] | None = None) -> SweepFront:
        """The rows passing ``fixed`` (column == value, and feasible), reading only x and y: their
        front on (x, y) (each in its objective's direction, min where the sweep names none), and
        a strided sample of the rest."""
        from hwsim.dse.pareto import pareto   # hwsim.pareto (the facade is a floor up)

        fixed = dict(fixed or {})
        for column in (x, y):
            if column not in self.schema.names:
                raise HwsimInputError(f"no column {column!r} in the sweep", source=str(self.folder), field="axis",
                                      allowed=", ".join(self.comparable_columns()))
        key = (x, y, tuple(sorted((k, repr(v)) for k, v in fixed.items())))
        if key in self._cache:
            return self._cache[key]
        columns = ([x] if x == y else [x, y]) + ([POINT_ID] if POINT_ID in self.schema.names else [])
        table = self.dataset.to_table(columns=columns, filter=self._filter(fixed)).to_pandas()
        table = table.dropna()
        directions = {x: self.objectives.get(x, "min"), y: self.objectives.get(y, "min")}
        front = pareto(table, directions) if len(table) else table
        rest = table.drop(index=front.index)
        stride = max(1, -(-len(rest) // BACKGROUND_POINTS_MAX))
        result = SweepFront(x, y, self.summary_key(x), self.summary_key(y), len(table), front.sort_values(x), rest.iloc[::stride])
        if len(self._cache) >= _CACHE_MAX:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = result
        return result

    def point(self, point_id: int) -> dict:
        """One row's axis values (a click on the front loads them as design A): the axis columns of
        the row with that point_id, nothing else read."""
        if POINT_ID not in self.schema.names:
            raise HwsimInputError(f"the sweep has no {POINT_ID} column", source=str(self.folder), field=POINT_ID)
        rows = self.dataset.to_table(columns=list(self.axes), filter=self._ds.field(POINT_ID) == int(point_id)).to_pylist()
        if not rows:
            raise HwsimInputError(f"no row with point_id {point_id}", source=str(self.folder), field=POINT_ID)
        return rows[0]

    def typed(self, column: str, text: str):
        """A knob's text as a value of the column's type (for a filter); None when it is not one."""
        import pyarrow.types as pt

        kind = self.schema.field(column).type
        try:
            if pt.is_integer(kind):
                value = float(text)
                return int(value) if value == int(value) else None
            if pt.is_floating(kind):
                return float(text)
        except ValueError:
            return None
        if pt.is_boolean(kind):
            return {"true": True, "false": False}.get(str(text).lower())
        return str(text)
