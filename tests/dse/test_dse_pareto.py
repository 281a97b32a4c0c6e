"""Pareto fronts and hypervolume (hwsim/dse/pareto.py, docs/user-guide.md "Pareto fronts and
hypervolume"): fronts against a brute-force O(n^2) dominance filter written here, volumes
against areas and volumes worked out by hand, and ``hwsim pareto`` end to end."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hwsim
from hwsim.cli import main
from hwsim.dse.pareto import hypervolume, pareto
from hwsim.errors import HwsimInputError


def brute_front(values: np.ndarray, maximise: list[bool]) -> np.ndarray:
    """Row i survives iff no row j is <= in every objective and < in one (max columns negated)."""
    x = np.where(maximise, -values.astype(np.float64), values.astype(np.float64))
    keep = np.ones(len(x), dtype=bool)
    for i in range(len(x)):
        no_worse = (x <= x[i]).all(axis=1)
        better = (x < x[i]).any(axis=1)
        keep[i] = not (no_worse & better).any()
    return keep


def _table(values: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Objective columns o0.., a tag column, and a shuffled non-range index (the front must keep it)."""
    frame = pd.DataFrame(values, columns=[f"o{j}" for j in range(values.shape[1])])
    frame["tag"] = [f"row{i}" for i in range(len(frame))]
    frame.index = rng.permutation(len(frame)) * 7 + 100
    return frame


def _check_against_brute(values: np.ndarray, maximise: list[bool], rng: np.random.Generator) -> None:
    table = _table(values, rng)
    objectives = {f"o{j}": ("max" if m else "min") for j, m in enumerate(maximise)}
    expected = table[brute_front(values, maximise)]
    got = pareto(table, objectives)
    pd.testing.assert_frame_equal(got, expected)  # same rows, same order, same index labels


# --- fronts against the brute-force filter --------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.integers(2, 4), st.integers(0, 60), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_front_equals_brute_force_on_tied_integer_tables(objectives, rows, levels, seed):
    # few levels per column: many ties; rows drawn again from the table: exact duplicates
    rng = np.random.default_rng(seed)
    values = rng.integers(0, levels, size=(rows, objectives))
    if rows:
        values = np.concatenate([values, values[rng.integers(0, rows, size=rows // 2)]])
    maximise = list(rng.random(objectives) < 0.5)
    _check_against_brute(values, maximise, rng)


@pytest.mark.parametrize("objectives", [2, 3, 4])
def test_front_equals_brute_force_on_larger_tables(objectives):
    # about a thousand rows: moocore's dimension sweep (2-3 objectives) and Kung's recursion (4),
    # far past its 16-row fallback; one table in three lies on a plane, where every row is on the front
    rng = np.random.default_rng(2024 + objectives)
    for case in range(3):
        rows = int(rng.integers(800, 1200))
        values = rng.integers(0, 12, size=(rows, objectives)).astype(np.float64)
        if case % 3 == 0:
            values[:, -1] = 12 * objectives - values[:, :-1].sum(axis=1)
        elif case % 3 == 1:
            values = rng.random((rows, objectives))
        values = np.concatenate([values, values[: rows // 4]])
        _check_against_brute(values, list(rng.random(objectives) < 0.5), rng)


@pytest.mark.parametrize("objectives", [2, 3, 4])
def test_infinities_are_ordinary_values(objectives):
    # +inf is the worst value, -inf the best; both in one table (moocore 0.3.2 crashed on that
    # with raw values: hwsim compares such columns by rank)
    rng = np.random.default_rng(77 + objectives)
    for _ in range(20):
        values = rng.integers(0, 3, size=(200, objectives)).astype(np.float64)
        values[rng.random(values.shape) < 0.1] = np.inf
        values[rng.random(values.shape) < 0.1] = -np.inf
        _check_against_brute(values, list(rng.random(objectives) < 0.5), rng)


def test_ties_and_duplicates_by_hand():
    table = pd.DataFrame({"latency_s": [1, 1, 2, 1, 3], "energy_pj": [3, 2, 1, 2, 1]}, index=[10, 11, 12, 13, 14])
    front = pareto(table, {"latency_s": "min", "energy_pj": "min"})
    # (1,3) loses to (1,2): tied latency, lower energy. (1,2) appears twice: both kept.
    # (2,1) survives; (3,1) loses to (2,1).
    assert list(front.index) == [11, 12, 13]


def test_max_objective_by_hand():
    table = pd.DataFrame({"tops": [4.0, 8.0, 8.0, 2.0], "area_mm2": [1.0, 3.0, 2.0, 0.5]})
    front = pareto(table, {"tops": "max", "area_mm2": "min"})
    # (8, 3) loses to (8, 2): same TOPS, smaller area; the others trade TOPS for area
    assert list(front.index) == [0, 2, 3]


def test_one_objective_keeps_every_row_at_the_best_value():
    table = pd.DataFrame({"energy_pj": [5.0, 2.0, 7.0, 2.0]})
    assert list(pareto(table, {"energy_pj": "min"}).index) == [1, 3]
    assert list(pareto(table, {"energy_pj": "max"}).index) == [2]


def test_integers_beyond_float64_precision_stay_exact():
    # 2^60 and 2^60 + 1 are the same float64 (53-bit significand); as integers neither row
    # dominates the other: (2^60, 1) is better in the first column, (2^60 + 1, 0) in the second
    big = 2**60
    table = pd.DataFrame({"a": np.array([big, big + 1], dtype=np.int64), "b": np.array([1, 0], dtype=np.int64)})
    assert list(pareto(table, {"a": "min", "b": "min"}).index) == [0, 1]


def test_empty_table_gives_an_empty_front_with_the_columns():
    table = pd.DataFrame({"latency_s": pd.Series([], dtype=float), "tag": pd.Series([], dtype=object)})
    front = pareto(table, {"latency_s": "min"})
    assert len(front) == 0 and list(front.columns) == ["latency_s", "tag"]


def test_public_names():
    assert hwsim.pareto is pareto and hwsim.hypervolume is hypervolume


# --- bad input ------------------------------------------------------------------------------------

def test_nan_is_refused_naming_the_column_and_row():
    table = pd.DataFrame({"latency_s": [1.0, 2.0, 3.0], "energy_pj": [1.0, np.nan, np.nan]}, index=[5, 6, 7])
    with pytest.raises(HwsimInputError, match=r"field 'energy_pj': holds 2 missing value\(s\) \(NaN\), the first at row 6"):
        pareto(table, {"latency_s": "min", "energy_pj": "min"})


@pytest.mark.parametrize("objectives, message", [
    ({"latncy_s": "min"}, r"field 'latncy_s': no such column in the table \(allowed: latency_s, name\)"),
    ({"latency_s": "minimise"}, r"field 'latency_s': direction 'minimise' is not one of the directions \(allowed: min, max\)"),
    ({"latency_s": None}, r"direction None .*\(allowed: min, max\)"),
    ({"name": "min"}, r"field 'name': holds (object|str) values, not real numbers"),
    ({}, r"field 'objectives': expected a non-empty mapping"),
    (["latency_s"], r"field 'objectives': expected a non-empty mapping"),
])
def test_bad_objectives(objectives, message):
    table = pd.DataFrame({"latency_s": [1.0, 2.0], "name": ["a", "b"]})
    with pytest.raises(HwsimInputError, match=message):
        pareto(table, objectives)
    with pytest.raises(HwsimInputError, match=message):
        hypervolume(table, objectives, {"latency_s": 3.0})


def test_not_a_dataframe():
    with pytest.raises(HwsimInputError, match="expected a pandas DataFrame, got ndarray"):
        pareto(np.zeros((3, 2)), {"a": "min"})


def test_missing_library_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "moocore", None)  # `import moocore` now raises ImportError
    table = pd.DataFrame({"a": [1.0]})
    with pytest.raises(HwsimInputError, match=r"moocore package \(the 'dse' extra\): pip install -e \"\.\[dse\]\""):
        pareto(table, {"a": "min"})


# --- hypervolume by hand --------------------------------------------------------------------------

def test_hypervolume_2d_staircase():
    # (1,3), (2,2), (3,1) against (4,4): a staircase of three 1-high strips,
    # [1,4]x[3,4] = 3, [2,4]x[2,3] = 2, [3,4]x[1,2] = 1; total 6
    table = pd.DataFrame({"latency_s": [1, 2, 3], "energy_pj": [3, 2, 1]})
    objectives = {"latency_s": "min", "energy_pj": "min"}
    assert hypervolume(table, objectives, {"latency_s": 4, "energy_pj": 4}) == 6.0
    # a dominated row, a row on the reference's edge and a row outside it add nothing
    more = pd.concat([table, pd.DataFrame({"latency_s": [3, 4, 5], "energy_pj": [3, 1, 0]})])
    assert hypervolume(more, objectives, {"latency_s": 4, "energy_pj": 4}) == 6.0


def test_hypervolume_3d_two_boxes():
    # (1,1,2) boxes [1,3]x[1,3]x[2,3] = 2*2*1 = 4; (2,2,1) boxes [2,3]x[2,3]x[1,3] = 1*1*2 = 2;
    # they overlap in [2,3]x[2,3]x[2,3] = 1; union 4 + 2 - 1 = 5
    table = pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0], "c": [2.0, 1.0]})
    assert hypervolume(table, {"a": "min", "b": "min", "c": "min"}, {"a": 3, "b": 3, "c": 3}) == 5.0


def test_hypervolume_max_objective_is_flipped():
    # tops (max) 8 and 4 against reference 0; area (min) 2 and 1 against reference 3:
    # negated tops -8, -4 with reference 0: boxes [-8,0]x[2,3] = 8 and [-4,0]x[1,3] = 8,
    # overlap [-4,0]x[2,3] = 4; union 12
    table = pd.DataFrame({"tops": [8.0, 4.0], "area_mm2": [2.0, 1.0]})
    assert hypervolume(table, {"tops": "max", "area_mm2": "min"}, {"tops": 0.0, "area_mm2": 3.0}) == 12.0


def test_hypervolume_log_scaled():
    # log10: (1e-3, 1e3) -> (-3, 3), (1e-2, 1e2) -> (-2, 2), reference (1, 1e4) -> (0, 4):
    # [-3,0]x[3,4] = 3 and [-2,0]x[2,3] = 2 (its [3,4] part lies in the first); total 5
    table = pd.DataFrame({"latency_s": [1e-3, 1e-2], "energy_pj": [1e3, 1e2]})
    volume = hypervolume(table, {"latency_s": "min", "energy_pj": "min"}, {"latency_s": 1.0, "energy_pj": 1e4},
                         log=True)
    assert volume == pytest.approx(5.0, rel=1e-12)
    # a max objective in log space: tops 100 -> 2 against reference 1 -> 0, negated: [-2,0];
    # latency 1e-3 -> -3 against 1 -> 0: area 2 * 3 = 6
    table = pd.DataFrame({"tops": [100.0], "latency_s": [1e-3]})
    assert hypervolume(table, {"tops": "max", "latency_s": "min"}, {"tops": 1.0, "latency_s": 1.0},
                       log=True) == pytest.approx(6.0, rel=1e-12)
    # log="no" is truthy text: it would have scaled
    with pytest.raises(HwsimInputError, match="'no' is not true or false"):
        hypervolume(table, {"tops": "max", "latency_s": "min"}, {"tops": 1.0, "latency_s": 1.0}, log="no")


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3), st.integers(0, 12), st.integers(0, 2**32 - 1))
def test_hypervolume_counts_unit_cells(objectives, rows, seed):
    # integer points, reference 6 in every objective: the volume is the number of unit cells
    # [c, c+1]^m inside the reference box whose lower corner c some point is <= everywhere
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 8, size=(rows, objectives))
    table = pd.DataFrame(values, columns=[f"o{j}" for j in range(objectives)])
    cells = np.stack(np.meshgrid(*[np.arange(6)] * objectives, indexing="ij"), axis=-1).reshape(-1, objectives)
    covered = sum(bool((values <= cell).all(axis=1).any()) for cell in cells) if rows else 0
    reference = {f"o{j}": 6 for j in range(objectives)}
    assert hypervolume(table, {f"o{j}": "min" for j in range(objectives)}, reference) == covered


@pytest.mark.parametrize("reference, log, message", [
    ({"a": 3.0}, False, r"field 'reference': no value for objective 'b'"),
    ({"a": 3.0, "b": 3.0, "c": 1.0}, False, r"field 'reference': 'c' is not an objective \(allowed: a, b\)"),
    ({"a": math.inf, "b": 3.0}, False, r"field 'reference.a': inf is not a finite number"),
    ({"a": True, "b": 3.0}, False, r"field 'reference.a': True is not a finite number"),
    ({"a": "3", "b": 3.0}, False, r"field 'reference.a': '3' is not a finite number"),
    ({"a": 0.0, "b": 3.0}, True, r"field 'reference.a': 0.0 has no logarithm"),
    ([3.0, 3.0], False, r"field 'reference': expected a mapping"),
])
def test_bad_reference(reference, log, message):
    table = pd.DataFrame({"a": [1.0], "b": [1.0]})
    with pytest.raises(HwsimInputError, match=message):
        hypervolume(table, {"a": "min", "b": "min"}, reference, log=log)


def test_log_refuses_values_without_a_logarithm():
    table = pd.DataFrame({"a": [1.0, 0.0, -2.0], "b": [1.0, 1.0, 1.0]})
    with pytest.raises(HwsimInputError, match=r"field 'a': holds 2 value\(s\) <= 0, which have no logarithm"):
        hypervolume(table, {"a": "min", "b": "min"}, {"a": 3.0, "b": 3.0}, log=True)


def test_unbounded_hypervolume_is_refused():
    table = pd.DataFrame({"a": [1.0, -math.inf], "b": [1.0, 2.0]})
    with pytest.raises(HwsimInputError, match=r"field 'a': a row at -inf makes the hypervolume unbounded"):
        hypervolume(table, {"a": "min", "b": "min"}, {"a": 3.0, "b": 3.0})
    # +inf in a minimised column is simply outside the reference box
    table = pd.DataFrame({"a": [1.0, math.inf], "b": [1.0, 0.0]})
    assert hypervolume(table, {"a": "min", "b": "min"}, {"a": 3.0, "b": 3.0}) == 4.0  # [1,3]x[1,3]


# --- hwsim pareto ---------------------------------------------------------------------------------

# Nine designs; by hand, on (latency_s min, energy_pj min): point 1 (1, 9) 2 (2, 5) 5 (4, 2) and
# 8 (6, 1) are the front; 7 duplicates point 2's (2, 5) and is kept too; 0 (1, 10) loses to 1,
# 3 (3, 5) to 2, 4 (4, 6) to 2, 6 (5, 3) to 5.
_DESIGNS = pd.DataFrame({
    "point_id": np.arange(9),
    "latency_s": [1.0, 1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 2.0, 6.0],
    "energy_pj": [10.0, 9.0, 5.0, 5.0, 6.0, 2.0, 3.0, 5.0, 1.0],
    "array": ["a", "b", "c", "d", "e", "f", "g", "h", "i"],
})
_FRONT_IDS = [1, 2, 5, 7, 8]


def _sweep_folder(tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    _DESIGNS.iloc[:5].to_parquet(out / "part-00000.parquet", index=False)
    _DESIGNS.iloc[5:].to_parquet(out / "part-00001.parquet", index=False)
    (out / "_manifest.json").write_text(json.dumps({"chunks": 2}))  # Parquet readers skip _-files
    return out


def test_cli_dataset_folder(tmp_path, capsys):
    out = _sweep_folder(tmp_path)
    assert main(["pareto", str(out), "--objectives", "latency_s:min,energy_pj:min"]) == 0
    stem = tmp_path / "sweep-pareto"
    line = capsys.readouterr().out
    assert line == f"pareto: 9 rows in, 5 on the front; wrote {stem}.parquet and {stem}.csv\n"
    from_parquet = pd.read_parquet(f"{stem}.parquet")
    from_csv = pd.read_csv(f"{stem}.csv")
    assert list(from_parquet["point_id"]) == _FRONT_IDS
    pd.testing.assert_frame_equal(from_parquet, _DESIGNS.iloc[_FRONT_IDS].reset_index(drop=True))
    pd.testing.assert_frame_equal(from_csv, from_parquet)


def test_cli_csv_input_three_objectives_and_named_front(tmp_path, capsys):
    table = _DESIGNS.assign(area_mm2=[1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0])
    source = tmp_path / "designs.csv"
    table.to_csv(source, index=False)
    front = tmp_path / "front.csv"  # the suffix is dropped: front.parquet and front.csv
    assert main(["pareto", str(source), "--objectives", "latency_s:min,energy_pj:min,area_mm2:min",
                 "-o", str(front)]) == 0
    # point 3 (3, 5, 0.5) now trades area against point 2 (2, 5, 1.0) and joins the front
    assert "9 rows in, 6 on the front" in capsys.readouterr().out
    assert list(pd.read_csv(front)["point_id"]) == [1, 2, 3, 5, 7, 8]
    assert list(pd.read_parquet(tmp_path / "front.parquet")["point_id"]) == [1, 2, 3, 5, 7, 8]


@pytest.mark.parametrize("args, message", [
    (["missing.csv", "--objectives", "a:min"], r"missing\.csv: no such file or folder \(allowed: a Parquet dataset folder"),
    (["designs.txt", "--objectives", "a:min"], r"designs\.txt: '\.txt' is not a table format"),
    (["sweep", "--objectives", "latency:min"], r"sweep: field 'latency': no such column in the table \(allowed: point_id, latency_s, energy_pj, array\)"),
    (["sweep", "--objectives", "latency_s:fast"], r"field '--objectives': direction 'fast' for column 'latency_s' \(allowed: min, max\)"),
    (["sweep", "--objectives", "latency_s"], r"field '--objectives': 'latency_s' is not COLUMN:DIRECTION"),
    (["sweep", "--objectives", "latency_s:min,latency_s:max"], r"column 'latency_s' is given twice"),
    (["sweep", "--objectives", "array:min"], r"field 'array': holds (object|str) values, not real numbers"),
    (["sweep", "--objectives", "latency_s:min", "-o", "sweep/front"], r"is inside the dataset folder 'sweep'"),
    (["designs.csv", "--objectives", "latency_s:min", "-o", "designs"], r"would overwrite the input table"),
    # a folder or nothing as the front's name: '' and '.' were ValueError tracebacks, 'outp/' wrote beside it
    (["designs.csv", "--objectives", "latency_s:min", "-o", ""], r"field '-o': names a folder or nothing"),
    (["designs.csv", "--objectives", "latency_s:min", "-o", "."], r"field '-o': names a folder or nothing"),
    (["designs.csv", "--objectives", "latency_s:min", "-o", "empty/"], r"field '-o': names a folder or nothing"),
    (["empty", "--objectives", "a:min"], r"empty: the folder holds no part files"),
    (["broken.parquet", "--objectives", "a:min"], r"broken\.parquet: cannot be read as a table"),
    (["nan.csv", "--objectives", "latency_s:min"], r"nan\.csv: field 'latency_s': holds 1 missing value\(s\) \(NaN\)"),
    # pandas took a row's extra cell for an index (every value a column off) and renamed a repeat
    (["ragged.csv", "--objectives", "latency_s:min"], r"ragged\.csv: line 2 has 3 cells, the header 2"),
    (["dup.csv", "--objectives", "latency_s:min"], r"dup\.csv: column 'latency_s' appears twice"),
    (["sweep"], r"the following arguments are required: --objectives"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch, args, message):
    import re

    monkeypatch.chdir(tmp_path)
    _sweep_folder(tmp_path)
    _DESIGNS.to_csv("designs.csv", index=False)
    (tmp_path / "designs.txt").write_text("latency_s\n1\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "_manifest.json").write_text("{}")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    (tmp_path / "nan.csv").write_text("latency_s\n1\n\n2\nnan\n")
    (tmp_path / "ragged.csv").write_text("latency_s,energy_pj\n1,2,3\n")
    (tmp_path / "dup.csv").write_text("latency_s,latency_s,energy_pj\n1,2,3\n")
    try:
        code = main(["pareto", *args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("hwsim: error: "), err
    assert re.search(message, err), err
    assert not list(tmp_path.glob("*pareto*")) and not (tmp_path / "sweep" / "front.parquet").exists()
