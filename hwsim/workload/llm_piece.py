"""One layer of an LLM step before it gets its phase prefix: the unit ``llm.py``, ``mla.py`` and
``moe_routing.py`` build workloads from."""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.workload.ops import Op


@dataclass(frozen=True)
class Piece:
    name: str
    op: Op
    count: int  # repeats per step (blocks, experts x blocks, or 1)
    writes_kv: bool = False
