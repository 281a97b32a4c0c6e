"""The offline explorer: one HTML file holding plotly.js, the sweep's rows as JSON and the script
that links the views (assets/explorer.js).

    write_explorer(table_or_folder, "explorer.html", objectives={"latency_s": "min", ...})

Everything the page draws is in the file (plotly.js inlined, no network): rows as columns of
numbers or category codes (struct of arrays, not one object per row), the front flags
(hwsim.pareto), the run-line pieces, and the re-simulated breakdowns of the front and a sample.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hwsim.errors import HwsimInputError
from hwsim.explore.breakdown import DEFAULT_BREAKDOWNS, SettingsMaker, breakdowns, _PE_CONTEXT_KEYS
from hwsim.explore.data import (DEFAULT_MAX_ROWS, PRECISION_AXIS, ExplorerData, SweepOrigin, WorkloadRun,
                                explorer_data, is_categorical, levels, plain, set_text)

FORMAT = "hwsim-explorer/1"
_PLACEHOLDER = re.compile(r"\{\{(TITLE|CSS|PLOTLYJS|DATA|JS)\}\}")


def _asset(name: str) -> str:
    return resources.files("hwsim.explore.assets").joinpath(name).read_text(encoding="utf-8")


def _plotly_js() -> str:
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise HwsimInputError('the explorer needs plotly: pip install -e ".[plots]"') from None
    return get_plotlyjs()


def _category_colors(values: list) -> dict:
    from hwsim.plots import category_colors

    return category_colors(values)


def _column(series: pd.Series, kind: str) -> dict[str, Any]:
    """A column as the page reads it: numbers (null for missing), or codes into its levels."""
    if kind == "key" or is_categorical(series):
        found = levels(series)
        index = {v: i for i, v in enumerate(found)}
        codes = [None if plain(v) is None else index[plain(v)] for v in series]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in found)
        colors = _category_colors([str(v) for v in found])
        return {"kind": kind, "cat": True, "numeric": numeric, "codes": codes, "levels": found,
                "labels": [set_text(v) if kind == "key" else str(v) for v in found],
                "colors": [colors[str(v)] for v in found]}
    return {"kind": kind, "cat": False, "values": [plain(v) for v in series.to_numpy(dtype=np.float64)]}


def _precision_sets(data: ExplorerData, maker: SettingsMaker) -> tuple[dict, list[str]]:
    """{"<mix>|<pe type>|<lut table>": {"extra": [...], "sets": [...]}} for every distinct
    combination in the kept rows (the page builds any row's run line from these)."""
    if PRECISION_AXIS not in data.keys:
        return {}, []
    if not data.origin.accelerator_path or not data.origin.workloads:
        return {}, ["Run lines name the precision mix as a key (precision=...): the table does not say which "
                    "accelerator and workloads to expand it for."]
    table = data.table
    context_keys = [k for k in _PE_CONTEXT_KEYS if k in table.columns]
    combos = table[[PRECISION_AXIS, *context_keys]].drop_duplicates()
    out, notes = {}, []
    for _, row in combos.iterrows():
        design = maker.settings(_only(row, data.keys, context_keys))
        key = "|".join(set_text(plain(row[k])) if k in row.index else "" for k in (PRECISION_AXIS, *_PE_CONTEXT_KEYS))
        if design.problem:
            notes.append(f"Run lines cannot expand {design.problem}.")
            continue
        out[key] = {"extra": design.extra_args,
                    "sets": [f"{k}={set_text(v)}" for k, v in design.settings.items()
                             if k not in data.keys]}
    return out, notes


def _only(row: pd.Series, keys: list[str], context_keys: list[str]) -> pd.Series:
    """The precision and PE-context values of ``row``; every other key missing (not set)."""
    values = {k: (row[k] if k in row.index else None) for k in keys}
    values.update({k: row[k] for k in context_keys})
    return pd.Series(values, dtype=object)


def payload(data: ExplorerData, *, breakdown_cap: int = DEFAULT_BREAKDOWNS, title: str = "hwsim explorer") -> dict:
    """Everything the page draws, as JSON-ready values."""
    table = data.table
    columns = {}
    for name in data.keys:
        columns[name] = _column(table[name], "key")
    for name in data.objectives:
        columns[name] = _column(table[name], "objective")
    for name in data.results:
        columns[name] = _column(table[name], "result")
    maker = SettingsMaker(data)
    notes = list(data.notes)
    sets, set_notes = _precision_sets(data, maker)
    notes += set_notes
    embedded, breakdown_notes = breakdowns(data, maker, breakdown_cap)
    notes += breakdown_notes
    origin = data.origin
    from hwsim.plots import axis_title, component_colors

    parts = {k for d in embedded["designs"].values()
             for k in [*d["area_mm2"], *(p for w in d["workloads"].values() for p in w["energy_parts_pj"])]}
    embedded["component_colors"] = component_colors(parts)
    return {
        "format": FORMAT,
        "title": title,
        "source": data.source,
        "total_rows": data.total_rows,
        "shown_rows": len(table),
        "front_total": data.front_total,
        "notes": notes,
        "keys": data.keys,
        "objectives": [[c, d] for c, d in data.objectives.items()],
        "results": data.results,
        # axis titles with units, the house style of every hwsim figure (hwsim.plots.axis_title)
        "titles": {name: axis_title(name) for name in columns},
        "columns": columns,
        "row": [int(v) for v in table["row"]],
        "point_id": [int(v) for v in table["point_id"]] if "point_id" in table.columns else None,
        "front": [bool(v) for v in data.front],
        "run": {"accelerator": origin.accelerator or "BASE",
                "workloads": [{"label": w.label, "args": w.run_arguments()} for w in origin.workloads]
                or [{"label": "", "args": ["WORKLOAD"]}],
                "precision_sets": sets, "context_keys": list(_PE_CONTEXT_KEYS)},
        "breakdowns": embedded,
    }


def _json_for_script(value: dict) -> str:
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    # inside <script>, "</" could end the element and <!-- open a comment: escape them (still JSON)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render(data: ExplorerData, *, breakdown_cap: int = DEFAULT_BREAKDOWNS, title: str = "hwsim explorer") -> str:
    """The whole page as text."""
    import html

    parts = {"TITLE": html.escape(title), "CSS": _asset("explorer.css"), "PLOTLYJS": _plotly_js(),
             "DATA": _json_for_script(payload(data, breakdown_cap=breakdown_cap, title=title)),
             "JS": _asset("explorer.js")}
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], _asset("template.html"))


def _check_origin(accelerator, workloads) -> None:
    """The base and workloads a DataFrame's rows ran, found now: a run line naming one that does
    not exist would fail only when a reader runs it."""
    from hwsim import presets

    if accelerator is not None:
        presets.resolve(accelerator, presets.accelerator_presets(), "accelerator")
    if workloads is not None:
        if isinstance(workloads, (str, bytes)) or not all(isinstance(w, str) for w in workloads):
            raise HwsimInputError(f"{workloads!r} is not a list of workload names", field="workloads",
                                  allowed="a list of presets or files, e.g. ['resnet50']")
        found = presets.all_workload_presets()
        for name in workloads:
            presets.resolve(name, found, "workload")


def write_explorer(table: pd.DataFrame | str | Path, path: str | Path, *, objectives: dict[str, str] | None = None,
                   keys: list[str] | None = None, max_rows: int = DEFAULT_MAX_ROWS,
                   breakdowns: int = DEFAULT_BREAKDOWNS, accelerator: str | None = None,
                   workloads: list[str] | None = None, title: str | None = None) -> Path:
    """Write the offline explorer of a sweep (its output folder, or a DataFrame) to ``path``.

    ``objectives``: column -> "min" | "max" (default: the sweep spec's); ``keys``: the swept
    columns (default: the spec's axes; for a DataFrame every column that is not a result);
    ``max_rows``: rows drawn at most (the front and a seeded sample beyond it; the page says what
    it kept); ``breakdowns``: designs re-simulated and embedded at most; ``accelerator`` and
    ``workloads``: for a DataFrame, the base and workloads its rows ran (for run lines and
    breakdowns). Returns the path written.
    """
    from hwsim.outpaths import check_output_file

    if isinstance(breakdowns, bool) or not isinstance(breakdowns, int) or breakdowns < 0:
        raise HwsimInputError(f"{breakdowns!r} designs", field="--breakdowns", allowed="an integer >= 0")
    if title is not None and not isinstance(title, str):
        raise HwsimInputError(f"{title!r} is not text", field="title", allowed="the page's title")
    _check_origin(accelerator, workloads)
    check_output_file(str(path), "-o")
    data = explorer_data(table, objectives=objectives, keys=keys, max_rows=max_rows)
    if not isinstance(table, pd.DataFrame):   # a page inside the sweep's folder would be read as a part
        check_output_file(str(path), "-o", inputs=(table,))
    if accelerator is not None or workloads is not None:
        data.origin = SweepOrigin(accelerator=accelerator, accelerator_path=accelerator,
                                  workloads=tuple(WorkloadRun(_label(w), w, w) for w in workloads or ()))
    title = title or f"hwsim explorer: {data.source}"
    text = render(data, breakdown_cap=breakdowns, title=title)
    target = Path(path)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HwsimInputError(f"cannot write: {exc.strerror or exc}", source=str(path), field="-o") from None
    return target


def _label(name: str) -> str:
    return re.sub(r"\W", "_", Path(name).stem)
