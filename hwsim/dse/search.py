"""Multi-objective search over a sweep's space: sampler kinds ``nsga2`` and ``tpe`` through optuna.

    ask a generation of trials ─> designs (grid point ids) ─> the new ones evaluated as one chunk
      ─> one Parquet part ─> every trial told its objectives ─> the next generation

A trial picks one value per free axis (categorical distributions over the axes' listed values,
ties follow), so a design is a grid point and keeps its grid ``point_id``. ``count`` is the
number of distinct designs evaluated: a trial that proposes a design already evaluated is told
that design's results again and costs nothing; a generation asks until it holds ``population``
new designs (the last one what is left of ``count``). A sampler that keeps proposing known designs
(MAX_ASKS_PER_DESIGN asks per new design) has its generation filled with unseen designs drawn
uniformly at random (seeded), enqueued as trials, so a search always ends with ``count`` rows.

Infeasible points. A point that fails an ``after`` constraint is told its objectives with one
constraint value, the number of ``after`` constraints it fails (optuna's constrained
domination: feasible beats infeasible, fewer failures beat more); a point a ``before``
constraint skipped, or whose objectives are not finite, has no objectives and is told as a
failed trial (both samplers ignore failed trials).

Determinism and resume. The study lives in ``OUT/_optuna.journal`` (optuna's JournalStorage).
Each trial is proposed by a sampler seeded with (seed, trial number), and every trial of a
generation is asked before any is told, so a proposal depends only on the seed and the journal:
``--resume`` continues the study where it stopped (trials asked but not told are evaluated and
told; a generation cut short is asked to its end) and gives the rows an uninterrupted search
gives. (A trial cut inside optuna's ask, before all its values were drawn, is closed as failed
and asked anew: from there the trial numbers, and so the proposals, differ.)
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from hwsim.dse import samplers
from hwsim.errors import HwsimInputError

JOURNAL = "_optuna.journal"   # '_': Parquet readers skip it
STUDY_NAME = "hwsim-search"
# asks per new design before a generation is filled at random (derived: a sampler that proposes
# nine known designs for every new one has converged on them; more asks only cost sampler time)
MAX_ASKS_PER_DESIGN = 10
# a trial's label, one user attribute (one journal record, so a kill leaves it whole or absent):
# {"generation": g, "point_id": the design's grid id, "new": whether the design was new then}
LABEL = "hwsim"
CONSTRAINT = "after_constraints_failed"


def _generation_task(evaluate: Callable, ids: np.ndarray, chunk: int):
    """One generation as an executor task (the chunk number is the generation's)."""
    return evaluate(ids)


def _seed(seed: int, number: int) -> int:
    # optuna's samplers take numpy RandomState seeds, below 2^32
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


def _sampler(optuna, kind: str, population: int, seed: int):
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


class _Space:
    """The free axes as optuna distributions, and designs <-> grid point ids."""

    def __init__(self, optuna, spec):
        self.axes = spec.free_axes
        self.lengths = spec.lengths
        self.distributions = {a.key: optuna.distributions.CategoricalDistribution(list(a.values)) for a in self.axes}
        self.position = [{v: i for i, v in enumerate(a.values)} for a in self.axes]
        self.strides = [math.prod(self.lengths[j + 1:]) for j in range(len(self.lengths))]
        self.size = math.prod(self.lengths)

    def point_id(self, params: dict) -> int:
        return sum(self.position[j][params[a.key]] * self.strides[j] for j, a in enumerate(self.axes))

    def params(self, point_id: int) -> dict:
        idx = samplers.grid_indices_of(np.array([point_id]), self.lengths)[0]
        return {a.key: a.values[int(i)] for a, i in zip(self.axes, idx)}


def _open_study(optuna, spec, folder: Path, fresh: bool):
    path = folder / JOURNAL
    if not fresh and not path.is_file():
        raise HwsimInputError("the search's study is missing, so the search cannot go on from its parts",
                              source=str(path), field="--resume", allowed="restore the file, or sweep into a new folder")
    if path.is_file():
        _repair(path)
    # the sweep's lock (_sweep.lock) makes this process the folder's only writer, so a journal
    # lock left by a killed process is stale (optuna would wait out its grace period)
    lock = Path(str(path) + ".lock")
    if os.path.lexists(lock):
        lock.unlink()
    backend = _backend(optuna)(str(path))
    storage = optuna.storages.JournalStorage(backend)
    directions = ["minimize" if sense == "min" else "maximize" for _, sense in spec.objectives]
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, directions=directions, load_if_exists=True)
    return study, backend


@functools.lru_cache(maxsize=1)
def _backend(optuna) -> type:
    class Journal(optuna.storages.journal.JournalFileBackend):
        """optuna's journal file, appended without a lock or an fsync per record: the sweep's
        lock already makes this process the only writer, and a record a killed process wrote
        is in the file (only an OS crash loses unsynced records). ``sync`` is called before each
        generation's part is written, so the part never runs ahead of the trials it holds;
        told results lost with an OS crash are evaluated and told again on resume."""

        def append_logs(self, logs: list[dict[str, Any]]) -> None:
            text = "\n".join(json.dumps(log, separators=(",", ":")) for log in logs) + "\n"
            with open(self._file_path, "ab") as handle:
                handle.write(text.encode("utf-8"))

        def sync(self) -> None:
            with open(self._file_path, "ab") as handle:
                os.fsync(handle.fileno())

    return Journal


def _repair(path: Path) -> None:
    """A kill mid-append leaves a last line without its newline; the next append would join it.
    Only whole lines are kept (optuna skips a broken last line when reading)."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


class _Outcome:
    __slots__ = ("values", "failed")

    def __init__(self, values: list[float] | None, failed: int):
        self.values, self.failed = values, failed


def _outcomes(spec, rows, failed: np.ndarray) -> dict[int, _Outcome]:
    columns = [rows[c].to_numpy(dtype=np.float64, na_value=np.nan) for c, _ in spec.objectives]
    simulated = rows["simulated"].to_numpy(dtype=bool)
    out = {}
    for i, point in enumerate(rows["point_id"].to_numpy()):
        values = [float(c[i]) for c in columns]
        ok = simulated[i] and all(math.isfinite(v) for v in values)
        out[int(point)] = _Outcome(values if ok else None, int(failed[i]))
    return out


def _from_trial(trial) -> _Outcome:
    """What a finished trial was told."""
    if trial.values is None:
        return _Outcome(None, 0)
    return _Outcome(list(trial.values), int(trial.constraints.get(CONSTRAINT, 0)))


def _finished(optuna, trial) -> bool:
    """A trial read from the journal knows its state; one asked in this process is running."""
    return not isinstance(trial, optuna.trial.Trial) and trial.state.is_finished()


def _tell(optuna, study, trial, outcome: _Outcome, constrained: bool) -> None:
    if outcome.values is None:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return
    if constrained:
        trial.set_constraint(CONSTRAINT, float(outcome.failed))
    study.tell(trial, values=outcome.values)


def run_search(spec, store, runner, evaluate: Callable, keep: Callable, progress: str, out: str) -> tuple[int, int, int]:
    """Runs (or resumes) the search ``spec`` describes into ``store`` (closed on return);
    ``evaluate(ids) -> (rows, after-constraints failed per row)``, ``keep(rows) -> rows written``.
    Returns (rows written, rows dropped, generations evaluated) by this call."""
    from hwsim.dse.progress import reporter

    try:
        optuna = samplers.optuna_module()
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # no line per trial
        try:
            return _search(optuna, spec, store, runner, evaluate, keep, progress, out, reporter)
        finally:
            optuna.logging.set_verbosity(verbosity)
    finally:
        store.close()


def _labelled(optuna, study) -> tuple[dict[int, list], list]:
    """The journal's trials by generation, and the trials asked but never labelled (a kill
    between an ask and its label: they belong to the generation in progress)."""
    generations: dict[int, list] = {}
    loose = []
    for t in study.get_trials(deepcopy=False):
        if LABEL in t.user_attrs:
            generations.setdefault(int(t.user_attrs[LABEL]["generation"]), []).append(t)
        elif t.state == optuna.trial.TrialState.RUNNING:
            loose.append(t)
    return generations, loose


def _search(optuna, spec, store, runner, evaluate, keep, progress, out, reporter) -> tuple[int, int, int]:
    folder = Path(out)
    sampler = spec.sampler
    space = _Space(optuna, spec)
    study, journal = _open_study(optuna, spec, folder, fresh=not (folder / JOURNAL).is_file() and not store.done)
    constrained = bool(spec.after)
    generations, loose = _labelled(optuna, study)
    seen: set[int] = set()
    outcomes: dict[int, _Outcome] = {}
    written = dropped = run = designs = 0
    done_points = sum(1 for g in store.done for t in generations.get(g, []) if t.user_attrs[LABEL]["new"])
    with reporter(progress, spec.points, done_points, out) as bar:
        generation = 0
        while designs < sampler.count:
            target = min(sampler.population, sampler.count - designs)
            asked = [(t.number, int(t.user_attrs[LABEL]["point_id"]), bool(t.user_attrs[LABEL]["new"]), t)
                     for t in generations.get(generation, [])]
            seen.update(point for _, point, new, _ in asked if new)
            if sum(new for _, _, new, _ in asked) < target:
                asked += _ask(optuna, study, spec, space, generation, target, asked, seen, loose)
                loose = []
            new_ids = np.array([point for _, point, new, _ in asked if new], dtype=np.int64)
            if generation in store.done and all(_finished(optuna, a[3]) for a in asked):
                # done before a resume: what its trials were told stands for its designs
                outcomes.update((point, _from_trial(t)) for _, point, new, t in asked if new)
            else:
                for _, (rows, failed) in runner.map(functools.partial(_generation_task, evaluate, new_ids),
                                                    [generation]):
                    outcomes.update(_outcomes(spec, rows, failed))
                    if generation not in store.done:
                        journal.sync()   # the trials a part holds are on disk before the part
                        kept = keep(rows)
                        store.write(generation, kept, len(rows) - len(kept))
                        written, dropped, run = written + len(kept), dropped + len(rows) - len(kept), run + 1
                        bar.advance(len(rows))
            for _, point, _, t in asked:
                if not _finished(optuna, t):
                    trial = t if isinstance(t, optuna.trial.Trial) else optuna.trial.Trial(study, t._trial_id)
                    _tell(optuna, study, trial, outcomes[point], constrained)
            designs += len(new_ids)
            generation += 1
    journal.sync()
    return written, dropped, run


def _ask(optuna, study, spec, space: _Space, generation: int, target: int, asked: list, seen: set[int],
         loose: list) -> list:
    """Trials asked (and labelled) until the generation holds ``target`` new designs."""
    out = []
    new = sum(n for _, _, n, _ in asked)
    count = len(asked)
    pending = list(loose)
    while new < target:
        if pending:
            frozen = pending.pop(0)
            trial = optuna.trial.Trial(study, frozen._trial_id)
            params = frozen.params
            if set(params) != set(space.distributions):  # cut mid-ask: closed, and asked anew
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                continue
        else:
            waiting = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
            number = len(study.get_trials(deepcopy=False))
            if count >= MAX_ASKS_PER_DESIGN * target and not waiting:
                rng = np.random.default_rng([spec.sampler.seed, number])
                study.enqueue_trial(space.params(_unseen(rng, space, seen)))   # the next ask takes it
            study.sampler = _sampler(optuna, spec.sampler.kind, spec.sampler.population, _seed(spec.sampler.seed, number))
            trial = study.ask(space.distributions)
            params = trial.params
        point = space.point_id(params)
        fresh = point not in seen
        trial.set_user_attr(LABEL, {"generation": generation, "point_id": point, "new": fresh})
        if fresh:
            seen.add(point)
            new += 1
        count += 1
        out.append((trial.number, point, fresh, trial))
    return out


def _unseen(rng, space: _Space, seen: set[int]) -> int:
    """A design not yet evaluated, uniformly at random (the spec's count <= the space's size)."""
    while True:
        point = int(rng.integers(space.size))
        if point not in seen:
            return point
