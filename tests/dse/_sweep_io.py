"""Helpers the sweep tests share: write a spec, run the CLI in-process, read a sweep's rows."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from hwsim.cli import main


def write(folder: Path, text: str, name: str = "space.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def table(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values("point_id").reset_index(drop=True)
