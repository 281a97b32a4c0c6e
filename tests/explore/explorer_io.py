"""What the explorer tests share: a tiny sweep made with hwsim.sweep, and the data a written page embeds."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

# 3 shapes x 2 dataflows x 2 bandwidths x 2 mixes = 24 points (ties: cols = rows); small enough to
# sweep, explore and re-simulate in about a second, with a front of several designs
SPACE = """\
accelerator: tpu-v1-like
workloads: [mobilenet_v2]
axes:
  compute.rows: [8, 16, 32]
  compute.cols: {tie: compute.rows}
  compute.dataflow: [os, ws]
  dram.bandwidth_gb_s: [8, 32]
  precision: [w8a8, w4a8]
objectives: {latency_s: min, energy_pj: min, area_mm2: min}
sampler: {kind: grid}
"""
SPACE_KEYS = ["compute.rows", "compute.cols", "compute.dataflow", "dram.bandwidth_gb_s", "precision"]
SPACE_OBJECTIVES = {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"}

# the same space with a before constraint (32 x 32 not simulated) and an after constraint on a result
# that holds, whatever the model's numbers, exactly on the 8 GB/s rows (latency > 0)
SPACE_WITH_CONSTRAINTS = SPACE.replace("sampler: {kind: grid}\n", """\
constraints:
  before: ["compute.rows * compute.cols <= 256"]
  after: ["latency_s * dram.bandwidth_gb_s < 16 * latency_s"]
sampler: {kind: grid}
""")

# a 2-block Llama-style decode step (docs/workload-yaml.md's keys), beside mobilenet_v2: a sweep
# over two workloads whose precision axis must cover the KV cache too
TINY_DECODER = """\
kind: transformer_decoder
name: tiny_decode
source: "test workload: tests/explore/explorer_io.py"
hidden: 256
heads: 4
kv_heads: 2
blocks: 2
ffn: 512
seq_len: 64
phase: decode
kv_len: 64
"""
TWO_WORKLOAD_SPACE = """\
accelerator: tpu-v1-like
workloads: [mobilenet_v2, tiny_decode.yaml]
axes:
  compute.rows: [8, 32]
  compute.cols: [8, 32]
  precision: [w8a8, w4a8]
objectives: {latency_s: min, energy_pj: min}
sampler: {kind: grid}
"""


def make_sweep(folder: Path, space: str = SPACE, extra_files: dict[str, str] | None = None) -> Path:
    """Write the spec (and any files it names) into ``folder`` and sweep it into folder/out."""
    import hwsim

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (extra_files or {}).items():
        (folder / name).write_text(textwrap.dedent(text))
    spec = folder / "space.yaml"
    spec.write_text(textwrap.dedent(space))
    out = folder / "out"
    hwsim.sweep(str(spec), str(out), progress="quiet")
    return out


def embedded(html_path: Path) -> dict:
    """The JSON the page embeds (its <script type="application/json" id="explorer-data">)."""
    text = Path(html_path).read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', text, re.S)
    assert found, "the page embeds no explorer data"
    return json.loads(found.group(1))


def sweep_rows(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values("point_id").reset_index(drop=True)


def brute_force_front(values: np.ndarray) -> np.ndarray:
    """True where no other row is <= in every column and < in one (all columns minimised)."""
    n = len(values)
    flags = np.ones(n, dtype=bool)
    for i in range(n):
        for j in range(n):
            if i != j and np.all(values[j] <= values[i]) and np.any(values[j] < values[i]):
                flags[i] = False
                break
    return flags


def column_value(data: dict, name: str, row: int):
    """Row ``row``'s value of column ``name`` as the page holds it (a level for categories)."""
    column = data["columns"][name]
    if column["cat"]:
        code = column["codes"][row]
        return None if code is None else column["levels"][code]
    return column["values"][row]
