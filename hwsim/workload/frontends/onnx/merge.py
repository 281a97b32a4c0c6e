"""Repeated identical layers merged into counts (``merge=True`` / ``--merge-repeats``).

A block of p consecutive layers (same ops and formats, whatever their names) repeated r times in a
row becomes the first block's layers with ``count = r``: a result row then covers all r of them,
which is what hwsim's ``count`` means. The block chosen at each position is the one covering the
most layers (ties: the shortest block), so 12 identical transformer blocks become one block x 12.
"""

from __future__ import annotations

from dataclasses import replace

from hwsim.workload.layer import Layer

MAX_BLOCK_LAYERS = 512  # longest repeating block looked for (a transformer block is ~10-40 nodes)


def merge_repeats(layers: list[Layer]) -> list[Layer]:
    keys = [(layer.op, layer.precision, layer.writes_kv) for layer in layers]
    out: list[Layer] = []
    i, n = 0, len(layers)
    while i < n:
        best_p, best_r = 1, 1
        for p in range(1, min(MAX_BLOCK_LAYERS, (n - i) // 2) + 1):
            if keys[i + p] != keys[i]:  # cheap test before comparing whole blocks
                continue
            r = 1
            while i + (r + 1) * p <= n and keys[i + r * p:i + (r + 1) * p] == keys[i:i + p]:
                r += 1
            if r > 1 and p * r > best_p * best_r:
                best_p, best_r = p, r
        out.extend(replace(layer, count=layer.count * best_r) for layer in layers[i:i + best_p])
        i += best_p * best_r
    return out
