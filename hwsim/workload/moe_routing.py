"""How many experts an MoE step touches, and how many rows each gets: three routing models.

A step with N rows (batch x new tokens) routes each row to k of E experts: R = N k token-expert
assignments per MoE block. Each touched expert's weights are read once; the MACs are R x the
expert FFN's MACs whatever the split. The models differ in how many experts R touches:

* ``upper`` -- the upper bound: T = min(E, R) experts, R split as evenly as it goes (the worst case
  for weight traffic; every assignment on a different expert while experts remain).
* ``expected`` -- uniform random routing (each row picks k distinct experts, all k-subsets equally
  likely, rows independent). An expert is among one row's k with probability k/E, so it is missed
  by all N rows with probability (1 - k/E)^N, and by linearity of expectation
  E[T] = E (1 - (1 - k/E)^N). Derived in docs/workloads-llm.md; N = 1 gives k, N -> inf gives E.
  The expected count is fractional: the touched experts of all MoE blocks together are rounded to
  the nearest integer once (an error below half an expert in the whole model), and the
  assignments are split evenly over them, so the MACs stay exact.
* a routing histogram (JSON file) -- measured per-layer loads: for each MoE block, one weight per
  expert (e.g. token counts from a routing trace). The step's R assignments are shared in
  proportion (largest-remainder rounding, so they sum to R exactly), and the experts left with none
  are not touched.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hwsim.errors import HwsimInputError

MODELS = ("upper", "expected")


def expected_touched(experts: int, top_k: int, rows: int) -> float:
    """E[experts touched] under uniform random top-k routing of ``rows`` rows: E (1 - (1 - k/E)^N)."""
    return experts * (1.0 - (1.0 - top_k / experts) ** rows)


def even_split(routed: int, touched: int) -> list[tuple[int, int]]:
    """(rows per expert, experts) for ``routed`` assignments spread as evenly as possible over
    ``touched`` experts: R = q T + r gives r experts q + 1 rows and T - r experts q rows."""
    q, r = divmod(routed, touched)
    return [(m, n) for m, n in ((q + 1, r), (q, touched - r)) if n]


def upper_split(routed: int, experts: int, moe_blocks: int) -> list[tuple[int, int]]:
    """(rows, count over all MoE blocks): min(E, R) experts touched per block."""
    return [(m, n * moe_blocks) for m, n in even_split(routed, min(experts, routed))]


def expected_split(rows: int, top_k: int, experts: int, moe_blocks: int) -> list[tuple[int, int]]:
    """(rows, count over all MoE blocks) with round(blocks x E[T]) experts touched in all."""
    touched = round(moe_blocks * expected_touched(experts, top_k, rows))
    return even_split(rows * top_k * moe_blocks, touched)


def _assign(routed: int, weights: list[float]) -> list[int]:
    """``routed`` assignments shared in proportion to ``weights``, by largest remainder (ties: the
    lower expert index), so they sum to ``routed`` exactly."""
    total = sum(weights)
    shares = [routed * w / total for w in weights]
    counts = [math.floor(s) for s in shares]
    left = routed - sum(counts)
    order = sorted(range(len(weights)), key=lambda e: (-(shares[e] - counts[e]), e))
    for e in order[:left]:
        counts[e] += 1
    return counts


def histogram_split(hist: tuple[tuple[float, ...], ...], rows: int, top_k: int,
                    moe_blocks: int) -> list[tuple[int, int]]:
    """(rows, count over all MoE blocks, most rows first) from per-block expert loads."""
    per_block = hist if len(hist) == moe_blocks else hist * moe_blocks
    found: dict[int, int] = {}
    for weights in per_block:
        for m in _assign(rows * top_k, list(weights)):
            if m:
                found[m] = found.get(m, 0) + 1
    return sorted(found.items(), reverse=True)


# the keys a routing histogram file may hold
HISTOGRAM_KEYS = {"layers", "source"}


def read_histogram(path: str, experts: int, top_k: int, moe_blocks: int) -> tuple[tuple[float, ...], ...]:
    """A routing histogram file: ``{"layers": [[w_0, ..., w_{E-1}], ...]}`` with one list per MoE
    block (or one list for every block); w_e >= 0 is expert e's share of the block's assignments.
    An optional ``"source"`` says where it was measured; any other key is refused.
    Read afresh each time (a small file; a cache by path would miss an edit between runs)."""
    where = Path(path)
    try:
        data = json.loads(where.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise HwsimInputError(f"cannot read the routing histogram: {exc.strerror or exc}", source=path,
                              field="moe_routing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HwsimInputError(f"the routing histogram is not valid JSON: {exc}", source=path) from None
    if isinstance(data, dict):
        # a misspelt key would leave 'layers' missing or, beside it, be ignored: refused either way
        unknown = sorted(set(data) - HISTOGRAM_KEYS)
        if unknown:
            raise HwsimInputError(f"unknown key '{unknown[0]}'", source=path, field=unknown[0],
                                  allowed="layers (the per-block weights), source (where they were measured)")
        if "source" in data and not isinstance(data["source"], str):
            raise HwsimInputError("must be text", source=path, field="source", allowed="where the histogram comes from")
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list) or len(layers) not in (1, moe_blocks):
        raise HwsimInputError(f"needs 'layers': a list of 1 or {moe_blocks} per-expert weight lists (one per MoE "
                              "block)", source=path, field="layers",
                              allowed=f"1 or {moe_blocks} lists of {experts} numbers >= 0")
    out = []
    for i, weights in enumerate(layers):
        field = f"layers[{i}]"
        if (not isinstance(weights, list) or len(weights) != experts
                or not all(isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w >= 0
                           for w in weights)):
            raise HwsimInputError(f"must be a list of {experts} numbers >= 0 (one per expert)", source=path,
                                  field=field, allowed=f"{experts} finite numbers >= 0")
        total = sum(weights)
        if total <= 0:
            raise HwsimInputError("all weights are 0: no expert gets the block's tokens", source=path, field=field,
                                  allowed="at least one weight > 0")
        # each row puts at most one of its k assignments on one expert: a share above 1/k is impossible
        worst = max(range(experts), key=lambda e: weights[e])
        if weights[worst] * top_k > total * (1 + 1e-9):
            raise HwsimInputError(f"expert {worst} has {weights[worst] / total:.3g} of the assignments, more than 1/k "
                                  f"= 1/{top_k} (a row routes to k distinct experts)", source=path, field=field,
                                  allowed=f"every weight <= sum / {top_k}")
        out.append(tuple(float(w) for w in weights))
    return tuple(out)
