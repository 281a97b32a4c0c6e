"""Helpers the LLM frontend tests share (tests/workload/test_llm_*.py): the shipped configs, a
config edited for one case, and hand-countable figures of a lowered workload."""

import json
from pathlib import Path

LLM = Path(__file__).resolve().parents[2] / "workloads" / "llm"


def edited_config(tmp_path, base: str, name: str = "config.json", **changes) -> Path:
    """workloads/llm/<base>.json with ``changes`` set (a value of ``...`` removes the key), written
    to ``tmp_path / name``."""
    data = json.loads((LLM / f"{base}.json").read_text())
    for key, value in changes.items():
        if value is ...:
            data.pop(key)
        else:
            data[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def gemm_macs(work, *, contains: str = "") -> int:
    """MACs of the workload's weight GEMMs (all repeats) whose name contains ``contains``."""
    return sum(layer.op.gemm_view().macs * layer.count for layer in work.layers
               if layer.op.kind == "gemm" and contains in layer.name)


def layer_named(work, name):
    return next(layer for layer in work.layers if layer.name == name)
