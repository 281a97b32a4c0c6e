"""Helpers the sweep tests share: write a spec, run the CLI in-process, read a sweep's rows, kill
a sweeping process mid-chunk."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
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


@contextlib.contextmanager
def hanging_sweep(space: Path, out: Path, *options: str):
    """``hwsim sweep SPACE -o OUT OPTIONS`` in a child process whose fourth chunk hangs until it is
    killed, so that a kill lands mid-sweep (inside a chunk) once 3 chunks are written, whatever the
    machine's load. Yields the child (the caller works beside it while it starts); it never outlives
    the block."""
    script = textwrap.dedent(f"""
        import time, hwsim.dse.sweep as s
        real = s.evaluate_chunk
        def hangs_from_the_fourth(spec, chunk):
            if chunk >= 3:
                time.sleep(600)
            return real(spec, chunk)
        s.evaluate_chunk = hangs_from_the_fourth
        from hwsim.cli import main
        raise SystemExit(main(["sweep", {str(space)!r}, "-o", {str(out)!r}, *{list(options)!r}, "--quiet"]))
        """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def sigkill_after_three_chunks(child: subprocess.Popen, out: Path) -> list:
    """Wait (at most 120 s) until the sweep's manifest lists 3 written chunks, SIGKILL the child and
    return the chunks written when it died."""
    manifest = out / "_manifest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        try:
            if len(json.loads(manifest.read_text())["done"]) >= 3:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    assert child.poll() is None, child.communicate()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    return json.loads(manifest.read_text())["done"]


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

