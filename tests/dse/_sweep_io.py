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


# A value refused only in combination: 1 KiB holds 8192 bits, too few for 524288 banks; 64 KiB holds
# 524288. The probe (each value on a point with the other axes at their first value, os) skips every
# os point (the before constraint), so the refusal comes from a chunk. Grid ids (size, banks,
# dataflow): 0 (64,1,os) 1 (64,1,ws) 2 (64,524288,os) 3 (64,524288,ws) 4 (1,1,os) 5 (1,1,ws)
# 6 (1,524288,os) 7 (1,524288,ws): the only simulated bad point is 7.
REFUSED_IN_COMBINATION = textwrap.dedent("""\
        accelerator: scalesim-default
        workloads: [a.csv]
        axes:
          buffers.ifmap.size_kib: [64, 1]
          buffers.ifmap.banks: [1, 524288]
          compute.dataflow: [os, ws]
        constraints: {before: ["compute.dataflow == 'ws'"]}
        sampler: {kind: grid}
        """)

