"""Samplers: which points of a sweep's space are evaluated, and each point's ``point_id``.

A space is a list of free axes, each a finite list of values (ranges are expanded to their values
first; tied axes follow their target). A sampler maps point ids ``0 .. size-1`` to one value index
per free axis, for any slice of ids on its own: a chunk is ``indices(start, stop)``, so a point's
values do not depend on how the ids are chunked, which worker draws them or in what order.

- grid: every combination; point_id is the mixed-radix number of the value indices, the first
  axis most significant (itertools.product order);
- random: independent uniform draws (numpy PCG64), in fixed blocks of BLOCK ids, each block
  seeded by (seed, block) so a chunk draws only its own blocks;
- lhs: scipy.stats.qmc.LatinHypercube over all ``count`` points at once (a Latin hypercube is a
  property of the whole sample), held per process;
- sobol, halton: scipy.stats.qmc's scrambled sequences, ``fast_forward`` to the chunk's first id.

Random and quasi-random samplers draw u in [0, 1) per free axis and take value index
floor(u * n); two ids may land on the same combination (a sample, not a set).

- nsga2, tpe: multi-objective search (optuna's NSGA-II and TPE samplers), which proposes points
  from earlier results generation by generation (hwsim/dse/search.py drives it). Its point ids
  are grid ids (the mixed-radix number of the chosen value indices), so a design found by a
  search has the id it has in a grid sweep; ``indices`` maps them like the grid.

Kinds are registered in SAMPLERS with their own keys; docs/sweep-spec.md lists them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from hwsim.errors import HwsimInputError

# ids drawn per random block: a chunk of any size draws the blocks it overlaps (derived: 2^16
# ids x 8 bytes x axes stays a few MB per block at tens of axes)
BLOCK = 2 ** 16
# scipy's Sobol generator holds 30-bit direction numbers by default: at most 2^30 points
SOBOL_MAX_POINTS = 2 ** 30
# point ids are int64; a grid beyond this cannot be numbered (derived: 2^63 - 1, with headroom)
MAX_POINTS = 2 ** 62
# a Latin hypercube is drawn whole (its balance is a property of the whole sample), as count x axes
# float64 and as many index words in every process that draws a chunk: 2^24 points stay within
# 2 GiB up to 8 axes (derived: 2^24 x 8 x 16 bytes); random, sobol and halton stream any count
LHS_MAX_POINTS = 2 ** 24


# new designs per generation of a search when the spec does not say (measured: studies/dse/
# search_vs_exhaustive.py's space, budget 512, seeds 0-2, mean hypervolume ratio for populations
# 16 / 32 / 64: NSGA-II 0.9880 / 0.9908 / 0.9888, TPE 0.9972 / 0.9952 / 0.9917; TPE proposes a
# batch from one model, so smaller batches learn more often)
DEFAULT_POPULATION = {"nsga2": 32, "tpe": 16}


@dataclass(frozen=True)
class SamplerSpec:
    kind: str
    count: int | None = None
    seed: int | None = None
    population: int | None = None   # search kinds: points per generation


@dataclass(frozen=True)
class SamplerKind:
    keys: tuple[str, ...]                                                # besides `kind`; all required
    size: Callable[[SamplerSpec, tuple[int, ...]], int]
    indices: Callable[[SamplerSpec, tuple[int, ...], int, int], np.ndarray]  # (stop - start, axes) int64
    text: str                                                            # one line for docs and errors
    optional: tuple[tuple[str, int], ...] = ()                           # (key, default)
    search: bool = False                                                 # proposes points from results


def _grid_size(spec: SamplerSpec, lengths: tuple[int, ...]) -> int:
    return int(np.prod([int(n) for n in lengths], dtype=object))


def _grid_indices(spec: SamplerSpec, lengths: tuple[int, ...], start: int, stop: int) -> np.ndarray:
    return grid_indices_of(np.arange(start, stop, dtype=np.int64), lengths)


def grid_indices_of(ids: np.ndarray, lengths: tuple[int, ...]) -> np.ndarray:
    """Value indices (len(ids), axes) of grid point ids (mixed radix, the first axis most significant)."""
    ids = np.asarray(ids, dtype=np.int64)
    out = np.empty((len(ids), len(lengths)), dtype=np.int64)
    for axis in range(len(lengths) - 1, -1, -1):   # the last axis varies fastest
        out[:, axis] = ids % lengths[axis]
        ids = ids // lengths[axis]
    return out


def _count(spec: SamplerSpec, lengths: tuple[int, ...]) -> int:
    return int(spec.count)


def _to_indices(u: np.ndarray, lengths: tuple[int, ...]) -> np.ndarray:
    n = np.asarray(lengths, dtype=np.int64)
    # u < 1, but u * n can round up to n in floating point when n is large
    return np.minimum(np.floor(u * n).astype(np.int64), n - 1)


def _random_indices(spec: SamplerSpec, lengths: tuple[int, ...], start: int, stop: int) -> np.ndarray:
    parts = []
    for block in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        u = np.random.default_rng([int(spec.seed), block]).random((BLOCK, len(lengths)))
        lo, hi = max(start, block * BLOCK) - block * BLOCK, min(stop, (block + 1) * BLOCK) - block * BLOCK
        parts.append(u[lo:hi])
    return _to_indices(np.concatenate(parts), lengths)


def _qmc():
    try:
        from scipy.stats import qmc
    except ImportError:
        raise HwsimInputError("the lhs, sobol and halton samplers need the scipy package (the 'dse' extra): "
                              'pip install -e ".[dse]"', field="sampler.kind") from None
    return qmc


@lru_cache(maxsize=2)
def _lhs_table(seed: int, count: int, lengths: tuple[int, ...]) -> np.ndarray:
    return _to_indices(_qmc().LatinHypercube(len(lengths), rng=seed).random(count), lengths)


def _lhs_indices(spec: SamplerSpec, lengths: tuple[int, ...], start: int, stop: int) -> np.ndarray:
    return _lhs_table(int(spec.seed), int(spec.count), lengths)[start:stop]


def _sequence_indices(kind: str) -> Callable:
    def indices(spec: SamplerSpec, lengths: tuple[int, ...], start: int, stop: int) -> np.ndarray:
        qmc = _qmc()
        engine = (qmc.Sobol if kind == "sobol" else qmc.Halton)(len(lengths), scramble=True, rng=int(spec.seed))
        if start:  # scipy's Sobol refuses fast_forward(0)
            engine.fast_forward(start)
        with warnings.catch_warnings():
            # a chunk of a 2^k-point Sobol sample is rarely 2^k long itself; the whole sample is
            warnings.simplefilter("ignore", UserWarning)
            return _to_indices(engine.random(stop - start), lengths)
    return indices


def optuna_module():
    try:
        import optuna
    except ImportError:
        raise HwsimInputError("the nsga2 and tpe samplers need the optuna package (the 'search' extra): "
                              'pip install -e ".[search]"', field="sampler.kind") from None
    return optuna


def _search_indices(spec: SamplerSpec, lengths: tuple[int, ...], start: int, stop: int) -> np.ndarray:
    optuna_module()
    return _grid_indices(spec, lengths, start, stop)


SAMPLERS: dict[str, SamplerKind] = {
    "grid": SamplerKind((), _grid_size, _grid_indices, "every combination of the axes' values"),
    "random": SamplerKind(("count", "seed"), _count, _random_indices, "count uniform random points, seeded"),
    "lhs": SamplerKind(("count", "seed"), _count, _lhs_indices, "a Latin hypercube of count points, seeded"),
    "sobol": SamplerKind(("count", "seed"), _count, _sequence_indices("sobol"),
                         "a scrambled Sobol sequence of count (a power of two) points, seeded"),
    "halton": SamplerKind(("count", "seed"), _count, _sequence_indices("halton"),
                          "a scrambled Halton sequence of count points, seeded"),
    "nsga2": SamplerKind(("count", "seed"), _count, _search_indices,
                         "NSGA-II (optuna) over the axes' values: count distinct designs, population per "
                         "generation, seeded", (("population", DEFAULT_POPULATION["nsga2"]),), search=True),
    "tpe": SamplerKind(("count", "seed"), _count, _search_indices,
                       "multi-objective TPE (optuna) over the axes' values: count distinct designs, population "
                       "per batch, seeded", (("population", DEFAULT_POPULATION["tpe"]),), search=True),
}


def _integer(value, field: str, where: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        upper = f" and <= 2^{high.bit_length() - 1}" if high is not None and high & (high - 1) == 0 else (
            f" and <= {high}" if high is not None else "")
        raise HwsimInputError(f"{value!r} is not allowed", source=where, field=f"sampler.{field}",
                              allowed=f"an integer >= {low}{upper}")
    return value


def sampler_spec(data: object, where: str) -> SamplerSpec:
    """The ``sampler`` section of a spec, checked (one line naming the file and key)."""
    if not isinstance(data, dict):
        raise HwsimInputError(f"{data!r} is not a mapping", source=where, field="sampler",
                              allowed="e.g. {kind: grid} or {kind: sobol, count: 1024, seed: 0}")
    kind = data.get("kind")
    if kind not in SAMPLERS:
        raise HwsimInputError(f"unknown kind {kind!r}" if "kind" in data else "no kind", source=where,
                              field="sampler.kind", allowed=", ".join(SAMPLERS))
    entry = SAMPLERS[kind]
    optional = dict(entry.optional)
    for key in data:
        if key != "kind" and key not in entry.keys and key not in optional:
            takes = ", ".join(("kind", *entry.keys, *optional))
            raise HwsimInputError(f"unknown key '{key}' for kind {kind}", source=where, field="sampler",
                                  allowed=takes)
    for key in entry.keys:
        if key not in data:
            raise HwsimInputError(f"kind {kind} needs '{key}'", source=where, field="sampler",
                                  allowed=", ".join(("kind", *entry.keys)))
    count = seed = None
    if "count" in entry.keys:
        if kind == "lhs" and isinstance(data["count"], int) and data["count"] > LHS_MAX_POINTS:
            raise HwsimInputError(f"{data['count']} points: a Latin hypercube is drawn whole, in memory",
                                  source=where, field="sampler.count",
                                  allowed="1 to 2^24 for lhs; random, sobol and halton stream larger counts")
        count = _integer(data["count"], "count", where, 1,
                         {"sobol": SOBOL_MAX_POINTS, "lhs": LHS_MAX_POINTS}.get(kind, MAX_POINTS))
        if kind == "sobol" and count & (count - 1):
            raise HwsimInputError(f"{count} is not a power of two (a Sobol sample keeps its balance only at 2^k "
                                  "points)", source=where, field="sampler.count", allowed="1, 2, 4, ..., 2^30")
    if "seed" in entry.keys:
        seed = _integer(data["seed"], "seed", where, 0, 2 ** 63)
    population = None
    if "population" in optional:
        # NSGA-II breeds from two parents at least (optuna refuses a population below 2)
        population = _integer(data.get("population", optional["population"]), "population", where, 2, MAX_POINTS)
    return SamplerSpec(kind, count, seed, population)


def size(spec: SamplerSpec, lengths: tuple[int, ...]) -> int:
    return SAMPLERS[spec.kind].size(spec, lengths)


def indices(spec: SamplerSpec, lengths: tuple[int, ...], start: int, stop: int) -> np.ndarray:
    """Value indices (stop - start, len(lengths)) of point ids start .. stop - 1."""
    return SAMPLERS[spec.kind].indices(spec, lengths, start, stop)
