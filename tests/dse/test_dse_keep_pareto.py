"""`hwsim sweep --keep pareto`: only the running Pareto front of the spec's objectives is kept.

The oracle is a brute-force dominance filter (every pair of rows compared, written here) over the
feasible rows of the same sweep kept whole (`--keep all`); the store's merge is also checked on
objective vectors small enough to work out by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from _sweep_io import (  # noqa: E402  (tests/dse/_sweep_io.py)
    hanging_sweep, run, sigkill_after_three_chunks, table, write)

pytest.importorskip("pyarrow")
pytest.importorskip("moocore")

A_CSV = "name,op,m,k,n\nfc1,gemm,8,16,8\nfc2,gemm,4,8,4\n"
OBJECTIVES = {"latency_s": "min", "energy_pj": "min", "area_mm2": "min"}
# 3 x 3 x 3 = 27 points; the after constraint leaves rows x ifmap > 512 infeasible (16 x 64), so
# the front must come from the feasible rows only
SPACE = """\
accelerator: scalesim-default
workloads: [{{name: a.csv}}]
axes:
  compute.rows: [4, 8, 16]
  compute.cols: {{tie: compute.rows}}
  buffers.ifmap.size_kib: [16, 32, 64]
  compute.dataflow: [os, ws, is]
constraints:
  after: ["compute.rows * buffers.ifmap.size_kib <= 512"]
objectives: {{latency_s: min, energy_pj: min, area_mm2: min}}
sampler: {{kind: grid}}
chunk_points: {chunk}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.csv").write_text(A_CSV)
    return tmp_path


def brute_front(rows: pd.DataFrame, objectives: dict[str, str]) -> pd.DataFrame:
    """Rows no other row dominates (<= in every objective, < in one), by comparing every pair."""
    m = np.column_stack([rows[c].to_numpy(dtype=float) * (1.0 if d == "min" else -1.0) for c, d in objectives.items()])
    keep = [not any((m[j] <= m[i]).all() and (m[j] < m[i]).any() for j in range(len(m))) for i in range(len(m))]
    return rows[np.asarray(keep, dtype=bool)].sort_values("point_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def whole_front(tmp_path_factory) -> pd.DataFrame:
    """The front of every feasible point, from a sweep that kept every row (once for the module)."""
    from hwsim.cli import main

    folder = tmp_path_factory.mktemp("whole")
    (folder / "a.csv").write_text(A_CSV)
    space = write(folder, SPACE.format(chunk=27), "whole.yaml")
    assert main(["sweep", str(space), "-o", str(folder / "whole"), "--quiet"]) == 0
    rows = table(folder / "whole")
    feasible = rows[rows["feasible"]]
    assert 0 < len(feasible) < len(rows)     # the constraint removes some points
    front = brute_front(feasible, OBJECTIVES)
    assert 1 < len(front) < len(feasible)    # a front that is neither one point nor everything
    return front


@pytest.mark.parametrize("chunk", [1, 4, 27])
def test_kept_front_is_the_front_of_every_point(folder, capsys, whole_front, chunk):
    space = write(folder, SPACE.format(chunk=chunk))
    out = folder / "out"
    code, _, err = run(["sweep", space, "-o", out, "--keep", "pareto", "--quiet"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("_")) == ["front.parquet"]
    pd.testing.assert_frame_equal(table(out), whole_front)
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["keep"] == "pareto" and manifest["complete"] and manifest["front_rows"] == len(whole_front)
    # every point counted once: kept off its chunk's own front or dropped
    assert sum(manifest["rows"].values()) + sum(manifest["dropped"].values()) == 27


def test_interrupted_then_resumed_front_is_exact(folder, capsys, whole_front, monkeypatch):
    import hwsim.dse.sweep as sweep_module

    space = write(folder, SPACE.format(chunk=2))   # 14 chunks
    out = folder / "out"
    real, calls = sweep_module.evaluate_chunk, []

    def stops_after_three(spec, chunk):
        calls.append(chunk)
        if len(calls) > 3:
            raise KeyboardInterrupt
        return real(spec, chunk)

    monkeypatch.setattr(sweep_module, "evaluate_chunk", stops_after_three)
    code, _, err = run(["sweep", space, "-o", out, "--keep", "pareto"], capsys)
    assert code == 130 and "--resume" in err
    assert json.loads((out / "_manifest.json").read_text())["done"] == [0, 1, 2]
    monkeypatch.undo()
    code, _, err = run(["sweep", space, "-o", out, "--keep", "pareto", "--resume"], capsys)
    assert code == 0 and "21 points" in err and "(6 done before)" in err   # 27 - 3 chunks x 2
    pd.testing.assert_frame_equal(table(out), whole_front)
    # hwsim pareto on the folder finds the same front (it is already one)
    code, text, _ = run(["pareto", out, "--objectives", "latency_s:min,energy_pj:min,area_mm2:min",
                         "-o", folder / "again"], capsys)
    assert code == 0 and f"{len(whole_front)} rows in, {len(whole_front)} on the front" in text
    again = pd.read_parquet(folder / "again.parquet").sort_values("point_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(again, whole_front)


def test_sigkill_mid_sweep_then_resume(folder, capsys, request):
    space = write(folder, SPACE.format(chunk=1))    # 27 chunks of one point
    out = folder / "out"
    with hanging_sweep(space, out, "--keep", "pareto") as child:
        # the reference front (a module fixture: swept in this process while the child starts,
        # when no test before this one has asked for it)
        whole_front = request.getfixturevalue("whole_front")
        assert 3 <= len(sigkill_after_three_chunks(child, out)) < 27
    code, _, err = run(["sweep", space, "-o", out, "--keep", "pareto", "--resume"], capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(table(out), whole_front)


def test_keep_pareto_needs_numeric_objectives(folder, capsys):
    none = write(folder, SPACE.format(chunk=4).replace("objectives: {latency_s: min, energy_pj: min, area_mm2: min}\n",
                                                      ""), "none.yaml")
    code, _, err = run(["sweep", none, "-o", folder / "out"], capsys)   # --keep all needs none
    assert code == 0
    code, _, err = run(["sweep", none, "-o", folder / "out2", "--keep", "pareto"], capsys)
    assert code == 2 and err.count("\n") == 1 and "'objectives'" in err and "has none" in err
    text = write(folder, SPACE.format(chunk=4).replace("area_mm2: min}", "compute.dataflow: min}"), "text.yaml")
    code, _, err = run(["sweep", text, "-o", folder / "out3", "--keep", "pareto"], capsys)
    assert code == 2 and err.count("\n") == 1 and "objectives.compute.dataflow" in err
    assert not (folder / "out2").exists() and not (folder / "out3").exists()


# ---- the store's merge, by hand --------------------------------------------------------------

DTYPES = {"point_id": np.dtype("int64"), "x": np.dtype("float64"), "y": np.dtype("float64")}


def _header(chunks: int) -> dict:
    return {"hwsim_version": "test", "spec_sha256": "0" * 64, "chunks": chunks, "keep": "pareto",
            "objectives": {"x": "min", "y": "min"}}


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["point_id", "x", "y"]).astype(DTYPES)


def test_front_store_merges_chunks_by_hand(tmp_path):
    from hwsim.dse.store import FrontStore

    out = tmp_path / "out"
    store = FrontStore.open(str(out), _header(2), DTYPES, resume=False)
    assert table(out).empty    # an empty front from the start: the folder always reads
    # chunk 0: (1, 5), (3, 3) and (4, 4); (4, 4) is off the chunk's own front (3, 3 dominates it)
    store.write(0, _frame([(0, 1, 5), (1, 3, 3)]), dropped=1)
    # chunk 1: (2, 2) twice (ids 3 and 5) and (5, 1). Merged: (2, 2) dominates (3, 3); (1, 5)
    # stays (x 1 < 2), (5, 1) stays (y 1 < 2); the two (2, 2) dominate neither each other: both kept
    store.write(1, _frame([(3, 2, 2), (4, 5, 1), (5, 2, 2)]), dropped=0)
    store.close()
    pd.testing.assert_frame_equal(table(out), _frame([(0, 1, 5), (3, 2, 2), (4, 5, 1), (5, 2, 2)]))
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["done"] == [0, 1] and manifest["complete"] and manifest["front_rows"] == 4
    assert manifest["rows"] == {"0": 2, "1": 3} and manifest["dropped"] == {"0": 1, "1": 0}


def test_front_part_not_manifest_says_what_is_done(tmp_path):
    from hwsim.dse.store import FRONT, MANIFEST, FrontStore

    out = tmp_path / "out"
    store = FrontStore.open(str(out), _header(3), DTYPES, resume=False)
    store.write(0, _frame([(0, 1, 5)]), dropped=0)
    store.write(1, _frame([(1, 5, 1)]), dropped=0)
    store.close()
    # a kill after chunk 1's front was renamed into place but before the manifest followed
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["done"], manifest["complete"] = [0], False
    (out / MANIFEST).write_text(json.dumps(manifest))
    store = FrontStore.open(str(out), _header(3), DTYPES, resume=True)
    assert store.pending() == [2]     # chunk 1 is in the front: not redone, not counted twice
    store.write(2, _frame([(2, 2, 2)]), dropped=0)
    store.close()
    pd.testing.assert_frame_equal(table(out), _frame([(0, 1, 5), (1, 5, 1), (2, 2, 2)]))
    # a damaged front: nothing it covered can be trusted, every chunk is redone
    (out / FRONT).write_bytes(b"damaged")
    store = FrontStore.open(str(out), _header(3), DTYPES, resume=True)
    assert store.pending() == [0, 1, 2] and table(out).empty
    store.close()
