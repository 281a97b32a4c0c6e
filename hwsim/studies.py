"""The shared runner of the scripts in studies/ (public API).

A study is a function from its parsed arguments to ``Outputs``: tables by file name, figures by
file name (each a function that builds a plotly figure; they are built after the tables are
written, so a missing plotly still leaves the tables) and the text to print. ``run_study`` does
what every study would otherwise repeat:

* ``--out`` (``study_parser``): the output folder, default ``hwsim-out/<study>`` under the
  current directory, never inside the package;
* every table written as CSV (numbers to 6 significant digits unless the study says otherwise),
  every figure as one self-contained HTML page (plotly.js inlined, so it opens offline);
* the study's report on stdout, then on stderr where the files went and how long it took
  (stdout stays the study's own, e.g. a CSV contract);
* bad input (a HwsimInputError, an ``--out`` that is a file or cannot be written, a file that
  cannot be read) as one line ``error: ...`` on stderr and exit code 2, never a traceback.

    def compute(args) -> Outputs:
        table = ...
        return Outputs({"table.csv": table}, {"figure.html": lambda: figure(table)}, report=str(table))

    def main(argv=None) -> int:
        parser = study_parser("my_study", __doc__)
        parser.add_argument("--quick", action="store_true")
        return run_study(parser, compute, argv)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from hwsim.errors import HwsimInputError

FLOAT_FORMAT = "%.6g"   # 6 significant digits: above every model's stated accuracy, stable in diffs


@dataclass
class Outputs:
    """What one study run produced. ``float_formats`` maps a table's file name to its CSV number
    format (None: full precision); tables not named use FLOAT_FORMAT."""

    tables: Mapping[str, Any]                                  # file name -> pandas DataFrame
    figures: Mapping[str, Callable[[], Any]] = field(default_factory=dict)   # file name -> builds a figure
    report: str = ""
    float_formats: Mapping[str, str | None] = field(default_factory=dict)


def study_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """An argument parser described by the first line of ``doc``, with the shared ``--out``."""
    parser = argparse.ArgumentParser(description=(doc or name).strip().split("\n")[0])
    parser.add_argument("--out", default=f"hwsim-out/{name}", help=f"output folder (default hwsim-out/{name})")
    return parser


def _check_folder(out: Path) -> None:
    # before the study runs, so a bad --out costs nothing
    if out.exists() and not out.is_dir():
        raise HwsimInputError("is a file; --out names a folder", source=str(out), field="--out",
                              allowed="a folder path (created if missing)")


def write_outputs(out: str | Path, outputs: Outputs) -> list[Path]:
    """Write ``outputs``' tables (CSV), then its figures (offline HTML), into the folder ``out``
    (created if missing); returns the files in the order written."""
    from hwsim.results import write_files

    out = Path(out)
    _check_folder(out)
    texts = {name: table.to_csv(index=False, float_format=outputs.float_formats.get(name, FLOAT_FORMAT))
             for name, table in outputs.tables.items()}
    if texts:
        write_files(out, texts)
    written = [out / name for name in texts]
    if outputs.figures:
        from hwsim.plots import to_html

        for name, build in outputs.figures.items():
            write_files(out, {name: to_html(build())})
            written.append(out / name)
    return written


def wrote_line(out: str | Path, files: list[Path], seconds: float) -> str:
    """``wrote DIR/a.csv, b.csv, c.html (1.2 s)``."""
    names = ", ".join(f.name for f in files)
    return f"wrote {Path(out)}/{names} ({seconds:.1f} s)"


def run_study(parser: argparse.ArgumentParser, compute: Callable[[argparse.Namespace], Outputs],
              argv: list[str] | None = None) -> int:
    """Parse ``argv``, run ``compute``, write its outputs into ``--out`` and print its report;
    returns the exit code (0, or 2 with one ``error:`` line on stderr for bad input)."""
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        _check_folder(Path(args.out))
        outputs = compute(args)
        files = write_outputs(args.out, outputs)
    except (HwsimInputError, OSError) as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        return 2
    if outputs.report:
        sys.stdout.write(outputs.report if outputs.report.endswith("\n") else outputs.report + "\n")
        sys.stdout.flush()
    if files:
        sys.stderr.write(wrote_line(args.out, files, time.perf_counter() - start) + "\n")
    return 0


__all__ = ["FLOAT_FORMAT", "Outputs", "run_study", "study_parser", "write_outputs", "wrote_line"]
