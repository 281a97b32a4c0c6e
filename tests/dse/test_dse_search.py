"""Search samplers (nsga2, tpe through optuna): distinct designs with their grid ids, generations,
infeasible points, the journal and resume, and the search-vs-exhaustive study's mechanics.

The space is small enough to sweep whole (3 x 3 x 2 x 2 = 36 designs of a tiny GEMM trace), so
every searched row can be checked against the grid sweep's row of the same id.
"""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.cli import main
from hwsim.dse import search
from hwsim.errors import HwsimInputError

pytest.importorskip("pyarrow")
optuna = pytest.importorskip("optuna")

TRACE = "name,op,m,k,n\nfc1,gemm,8,16,8\nfc2,gemm,4,8,4\n"
AXES = {"compute.rows": [4, 8, 16], "compute.cols": [4, 8, 16], "buffers.ifmap.size_kib": [16, 64],
        "compute.dataflow": ["os", "ws"]}
SPACE = """\
accelerator: scalesim-default
workloads: [{{name: a.csv}}]
axes:
  compute.rows: [4, 8, 16]
  compute.cols: [4, 8, 16]
  buffers.ifmap.size_kib: [16, 64]
  compute.dataflow: [os, ws]
objectives: {{latency_s: min, energy_pj: min, area_mm2: min}}
{extra}sampler: {{kind: {kind}, count: {count}, seed: {seed}, population: {population}}}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.csv").write_text(TRACE)
    return tmp_path


def write(folder: Path, kind="nsga2", count=12, seed=0, population=4, extra="", name="space.yaml") -> Path:
    path = folder / name
    path.write_text(SPACE.format(kind=kind, count=count, seed=seed, population=population, extra=extra))
    return path


def rows(out) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values("point_id").reset_index(drop=True)


def grid(folder: Path) -> pd.DataFrame:
    text = SPACE.format(kind="grid", count=0, seed=0, population=0, extra="")
    text = text.replace("sampler: {kind: grid, count: 0, seed: 0, population: 0}", "sampler: {kind: grid}")
    (folder / "grid.yaml").write_text(text)
    hwsim.sweep(folder / "grid.yaml", folder / "grid", progress="quiet")
    return rows(folder / "grid")


@pytest.fixture(scope="module")
def grid_rows(tmp_path_factory) -> pd.DataFrame:
    """The whole space swept as a grid, once for the module: the row every searched design must equal."""
    folder = tmp_path_factory.mktemp("grid")
    (folder / "a.csv").write_text(TRACE)
    return grid(folder)


@pytest.fixture(scope="module")
def whole_search(tmp_path_factory):
    """``whole_search(kind)``: the folder of the uninterrupted 14-design search (population 4) of
    sampler ``kind``, swept once for the module; the resumed searches must equal it."""
    done = {}

    def get(kind: str) -> Path:
        if kind not in done:
            folder = tmp_path_factory.mktemp(f"whole-{kind}")
            (folder / "a.csv").write_text(TRACE)
            hwsim.sweep(write(folder, kind, count=14, population=4), folder / "whole", progress="quiet")
            done[kind] = folder / "whole"
        return done[kind]

    return get


def trials(out) -> list:
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(Path(out) / search.JOURNAL)))
    return optuna.load_study(study_name=search.STUDY_NAME, storage=storage).get_trials(deepcopy=False)


# ---- designs, ids, generations -----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["nsga2", "tpe"])
def test_search_rows_are_distinct_designs_with_their_grid_ids(folder, kind, grid_rows):
    hwsim.sweep(write(folder, kind), folder / "out", progress="quiet")
    got = rows(folder / "out")
    assert len(got) == 12 and got["point_id"].is_unique
    # grid id = mixed radix of the value indices, last axis fastest: radices 3, 3, 2, 2
    for _, row in got.iterrows():
        i = [AXES[k].index(row[k]) for k in AXES]
        assert row["point_id"] == ((i[0] * 3 + i[1]) * 2 + i[2]) * 2 + i[3]
    whole = grid_rows.set_index("point_id").loc[got["point_id"]].reset_index()
    pd.testing.assert_frame_equal(got, whole)


def test_generations_and_labels(folder):
    hwsim.sweep(write(folder, count=10, population=4), folder / "out", progress="quiet")
    # 10 designs in generations of 4: 4 + 4 + 2, one part each
    assert sorted(p.name for p in (folder / "out").glob("part-*")) == [f"part-00000{g}.parquet" for g in range(3)]
    sizes = [len(pd.read_parquet(folder / "out" / f"part-00000{g}.parquet")) for g in range(3)]
    assert sizes == [4, 4, 2]
    found = trials(folder / "out")
    labels = [t.user_attrs[search.LABEL] for t in found]
    new = [label for label in labels if label["new"]]
    # every design new exactly once; every trial finished (repeats told again, at no cost)
    assert len(new) == 10 and len({label["point_id"] for label in new}) == 10
    assert all(t.state.is_finished() for t in found)
    assert [sum(1 for label in new if label["generation"] == g) for g in range(3)] == [4, 4, 2]
    # a repeat was told its design's results
    told = {}
    for t, label in zip(found, labels):
        told.setdefault(label["point_id"], t.values)
        assert t.values == told[label["point_id"]]


def test_count_equal_to_the_space_is_the_grid(folder, monkeypatch, grid_rows):
    # a sampler that keeps proposing known designs gets its generation filled with unseen ones:
    # with one ask per new design allowed, the search still ends with every design once
    monkeypatch.setattr(search, "MAX_ASKS_PER_DESIGN", 1)
    hwsim.sweep(write(folder, count=36, population=8), folder / "out", progress="quiet")
    pd.testing.assert_frame_equal(rows(folder / "out"), grid_rows)


@pytest.mark.parametrize("kind", ["nsga2", "tpe"])
def test_same_seed_same_rows(folder, kind):
    hwsim.sweep(write(folder, kind), folder / "a", progress="quiet")
    hwsim.sweep(write(folder, kind), folder / "b", progress="quiet")
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "a"), pd.read_parquet(folder / "b"))


# ---- infeasible points ---------------------------------------------------------------------------

def test_infeasible_points_are_told_their_failed_constraints(folder):
    extra = 'constraints:\n  before: ["compute.rows != 16"]\n  after: ["area_mm2 <= 1e9", "compute.cols <= 4"]\n'
    hwsim.sweep(write(folder, count=16, extra=extra), folder / "out", progress="quiet")
    got = rows(folder / "out").set_index("point_id")
    for t in trials(folder / "out"):
        row = got.loc[t.user_attrs[search.LABEL]["point_id"]]
        if row["compute.rows"] == 16:   # skipped by the before constraint: a failed trial, no row results
            assert t.state == optuna.trial.TrialState.FAIL and not row["simulated"]
            assert math.isnan(row["latency_s"])
        else:   # the area bound holds everywhere; cols 8 and 16 fail the second constraint: 1
            assert t.state == optuna.trial.TrialState.COMPLETE
            assert t.constraints == {search.CONSTRAINT: 0.0 if row["compute.cols"] == 4 else 1.0}
            assert t.values == [row["latency_s"], row["energy_pj"], row["area_mm2"]]
            assert row["feasible"] == (row["compute.cols"] == 4)


# ---- resume --------------------------------------------------------------------------------------

class Stop(BaseException):
    """Stands for a kill at a chosen instant (raised from inside the search)."""


def interrupt(monkeypatch, module, name, after: int):
    real = getattr(module, name)
    calls = [0]

    def wrapper(*args, **kwargs):
        calls[0] += 1
        if calls[0] > after:
            raise Stop
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, wrapper)


def _ask_then_stop(monkeypatch, after):
    # a kill right after optuna created a trial, before hwsim labelled it
    real = optuna.trial.Trial.set_user_attr
    calls = [0]

    def wrapper(self, key, value):
        calls[0] += 1
        if calls[0] > after:
            raise Stop
        return real(self, key, value)
    monkeypatch.setattr(optuna.trial.Trial, "set_user_attr", wrapper)


@pytest.mark.parametrize("kind", ["nsga2", "tpe"])
@pytest.mark.parametrize("where", ["before a part", "between tells", "after an ask"])
def test_resume_gives_the_uninterrupted_rows(folder, monkeypatch, whole_search, kind, where):
    spec = write(folder, kind, count=14, population=4)
    whole_out = whole_search(kind)     # the same spec in a folder of its own, swept whole
    with monkeypatch.context() as patch:
        if where == "before a part":
            from hwsim.dse.store import Store
            interrupt(patch, Store, "write", 2)
        elif where == "between tells":
            interrupt(patch, search, "_tell", 9)
        else:
            _ask_then_stop(patch, 7)
        with pytest.raises(Stop):
            hwsim.sweep(spec, folder / "cut", progress="quiet")
    assert len(pd.read_parquet(folder / "cut")) < 14
    hwsim.sweep(spec, folder / "cut", resume=True, progress="quiet")
    pd.testing.assert_frame_equal(rows(folder / "cut"), rows(whole_out))
    # the same trials too: every one finished, the same designs in the same order
    whole, cut = trials(whole_out), trials(folder / "cut")
    assert [t.params for t in cut] == [t.params for t in whole]
    assert all(t.state.is_finished() for t in cut)


def test_resume_of_a_finished_search_adds_nothing(folder):
    spec = write(folder)
    hwsim.sweep(spec, folder / "out", progress="quiet")
    report = hwsim.sweep(spec, folder / "out", resume=True, progress="quiet")
    assert (report.chunks_run, report.rows_written) == (0, 0)
    assert len(rows(folder / "out")) == 12


def test_a_torn_journal_line_is_dropped_on_resume(folder):
    spec = write(folder)
    hwsim.sweep(spec, folder / "out", progress="quiet")
    journal = folder / "out" / search.JOURNAL
    journal.write_bytes(journal.read_bytes() + b'{"op_code": 5, "worker_id"')   # a kill mid-append
    hwsim.sweep(spec, folder / "out", resume=True, progress="quiet")
    assert journal.read_bytes().endswith(b"\n") and len(trials(folder / "out")) >= 12


def test_resume_without_the_journal_is_refused(folder, capsys):
    spec = write(folder)
    hwsim.sweep(spec, folder / "out", progress="quiet")
    (folder / "out" / search.JOURNAL).unlink()
    code = main(["sweep", str(spec), "-o", str(folder / "out"), "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "_optuna.journal" in err and "study is missing" in err


def test_cli_search_and_resume(folder, capsys):
    spec = write(folder, "tpe")
    assert main(["sweep", str(spec), "-o", str(folder / "out"), "--quiet"]) == 0
    assert main(["sweep", str(spec), "-o", str(folder / "out"), "--quiet", "--resume"]) == 0
    assert len(rows(folder / "out")) == 12


# ---- the spec ----------------------------------------------------------------------------------

SPEC_ERRORS = [
    ("no objectives", lambda t: t.replace("objectives: {latency_s: min, energy_pj: min, area_mm2: min}\n", ""),
     ["field 'objectives'", "nsga2 search needs objectives"]),
    ("count beyond the space", lambda t: t.replace("count: 12", "count: 37"),
     ["field 'sampler.count'", "count 37 is more than the 36 designs", "at most 36"]),
    ("chunk_points", lambda t: t + "chunk_points: 8\n", ["field 'chunk_points'", "sampler.population"]),
    ("population 1", lambda t: t.replace("population: 4", "population: 1"),
     ["field 'sampler.population'", "an integer >= 2"]),
    ("unknown key", lambda t: t.replace("population: 4", "generations: 4"),
     ["unknown key 'generations'", "allowed: kind, count, seed, population"]),
]


@pytest.mark.parametrize("what, change, words", SPEC_ERRORS, ids=[w for w, _, _ in SPEC_ERRORS])
def test_search_spec_refusals(folder, capsys, what, change, words):
    path = write(folder)
    path.write_text(change(path.read_text()))
    code = main(["sweep", str(path), "-o", str(folder / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


def test_population_default_is_recorded_in_the_hash(folder):
    path = write(folder)
    path.write_text(path.read_text().replace(", population: 4", ""))
    spec = hwsim.load_sweep_spec(path)
    assert spec.sampler.population == 32 and spec.canonical()["sampler"]["population"] == 32  # nsga2's default


def test_iter_sweep_refuses_a_search(folder):
    from hwsim.dse.sweep import iter_sweep

    with pytest.raises(HwsimInputError, match="keeps its study in an output folder"):
        next(iter_sweep(write(folder)))


def test_without_optuna_one_line_names_the_extra(folder, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)   # import optuna -> ImportError
    code = main(["sweep", str(write(folder)), "-o", str(folder / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "need the optuna package" in err and '".[search]"' in err


# ---- the study's mechanics ----------------------------------------------------------------------

def test_search_vs_exhaustive_small(study_run):
    """The benchmark's mechanics on its --quick space (budget 32): three ratios in (0, 1], the
    exhaustive front's volume the largest, tables written; not its 0.98 target. The --quick run is
    the one tests/browser opens the page of (tests/conftest.py: study_run asserts its exit code 0)."""
    run = study_run("search_vs_exhaustive")
    out = run.stdout
    ratios = pd.read_csv(run.out / "ratios.csv")
    assert list(ratios["method"]) == ["nsga2", "tpe", "random"]
    assert (ratios["evaluations"] == 32).all()
    assert ((ratios["hypervolume_ratio"] > 0) & (ratios["hypervolume_ratio"] <= 1 + 1e-12)).all()
    for method in ("nsga2", "tpe", "random"):
        assert method in out


def test_a_trial_cut_inside_an_ask_is_closed_and_the_search_finishes(folder, monkeypatch):
    spec = write(folder, count=14, population=4)
    with monkeypatch.context() as patch:
        # the 4 axes of a trial are drawn one by one: the 11th draw is the 3rd of the 3rd trial
        interrupt(patch, optuna.trial.Trial, "_suggest", 10)
        with pytest.raises(Stop):
            hwsim.sweep(spec, folder / "cut", progress="quiet")
    hwsim.sweep(spec, folder / "cut", resume=True, progress="quiet")
    got = rows(folder / "cut")
    assert len(got) == 14 and got["point_id"].is_unique
    cut = [t for t in trials(folder / "cut") if search.LABEL not in t.user_attrs]
    assert len(cut) == 1 and cut[0].state == optuna.trial.TrialState.FAIL and len(cut[0].params) == 2
