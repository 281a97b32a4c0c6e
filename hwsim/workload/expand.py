"""Repeated layers as named instances, so that each repeat can take its own precision.

A layer with ``count`` = n (n identical repeats, e.g. 12 encoder blocks, one result row for all)
becomes n layers of count 1 named ``<name>#<i>`` for i = 0 .. n-1, each with the same op, precision
and KV flag. Consecutive layers with the same count > 1 are one repeated block (a trace writes a
block of an encoder as its layers, each with count 12) and are expanded block by block, in the
order a run takes them: ``q#0, k#0, ..., q#1, k#1, ...``. A layer with count 1 keeps its name. MACs, weights and every per-layer cost are conserved: the sum over the instances is the
repeated layer's (tests/workload/test_expand.py).

``#`` is not an fnmatch character, so ``q_proj#3`` is a plain name in a precision plan and
``q_proj#*`` selects every instance.
"""

from __future__ import annotations

from dataclasses import replace

from hwsim.errors import HwsimInputError
from hwsim.workload.layer import Layer, Workload

INSTANCE_SEPARATOR = "#"
# named layers an expansion may make: every one is a row of each per-layer table and a variable of a
# precision search; the largest model lowered here expands to ~1,500 (Llama 3.1 405B: 126 blocks of
# ~12 layers), so 10^5 is far beyond any network (a count of 10^7 expanded for minutes)
MAX_EXPANDED_LAYERS = 100_000


def instance_name(name: str, index: int) -> str:
    return f"{name}{INSTANCE_SEPARATOR}{index}"


def expand_repeats(workload: Workload) -> Workload:
    """``workload`` with every repeated layer split into its named instances (module docstring);
    a name the expansion would make twice is refused, naming both layers."""
    total = sum(layer.count for layer in workload.layers)
    if total > MAX_EXPANDED_LAYERS:
        raise HwsimInputError(f"expanding repeats would make {total:,} layers", source=workload.source or workload.name,
                              field="expand_repeats", allowed=f"at most {MAX_EXPANDED_LAYERS:,} layers once expanded "
                              "(a repeat count is one row otherwise)")
    layers: list[Layer] = []
    source = list(workload.layers)
    start = 0
    while start < len(source):
        count = source[start].count
        end = start + 1
        while count > 1 and end < len(source) and source[end].count == count:
            end += 1  # the block: consecutive layers repeated the same number of times
        block = source[start:end]
        if count == 1:
            layers.extend(block)
        else:
            layers.extend(replace(layer, name=instance_name(layer.name, i), count=1)
                          for i in range(count) for layer in block)
        start = end
    seen: dict[str, int] = {}
    for position, layer in enumerate(layers):
        if layer.name in seen:
            raise HwsimInputError(f"expanding repeats makes the layer name '{layer.name}' twice (layers "
                                  f"{seen[layer.name]} and {position} of the expanded workload)",
                                  source=workload.source or workload.name, field="layer",
                                  allowed="layer names that stay distinct once repeats are named <name>#<i>")
        seen[layer.name] = position
    return replace(workload, layers=tuple(layers))
