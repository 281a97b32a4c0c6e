"""Streaming evaluation: ``evaluate_chunks`` and the chunked ``evaluate``, and the fused pass.

* chunked results equal the whole-table results whatever the chunk size (row order, point index,
  every column);
* the fused pass (per-point totals only) equals the per-layer tables summed (the general path);
* an error in a later chunk names the row in the whole table;
* points given as an iterable of DataFrames are cut or joined into chunks as they come (never
  joining tables whose columns differ).
"""

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.engine.evaluate import SUMMARY_COLUMNS, default_chunk_points
from hwsim.errors import HwsimInputError


def _points(count: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "compute.rows": rng.choice([4, 8, 16, 32], count),
        "compute.cols": rng.choice([4, 8, 16, 32], count),
        "compute.dataflow": rng.choice(["os", "ws", "is"], count),
        "buffers.ifmap.size_kib": rng.choice([4, 16, 64], count),
        "buffers.filter.size_kib": rng.choice([4, 16, 64], count),
        "buffers.ofmap.size_kib": rng.choice([4, 16, 64], count),
        "buffers.double_buffered": rng.choice([True, False], count),
        "dram.bandwidth_gb_s": rng.uniform(2, 64, count).round(3),
        "mapping": rng.choice(["auto", "scalesim"], count),
        "mapping_objective": rng.choice(["latency", "energy", "edp"], count),
    })


@pytest.fixture(scope="module")
def work():
    return hwsim.Workload("small", (
        hwsim.Layer("conv", hwsim.Conv2d(in_h=14, in_w=14, in_c=16, out_c=24, kernel_h=3, kernel_w=3, padding=1)),
        hwsim.Layer("fc", hwsim.Gemm(m=3, k=96, n=40), count=2),
        hwsim.Layer("add", hwsim.VectorOp("add", elements=4704)),
    ))


# one-point chunks over fewer points: every chunk boundary is already a boundary at 23 points, and
# 150 one-point chunks (twice) would cost more than the rest of this file
@pytest.mark.parametrize("chunk, count", [(1, 23), (7, 150), (64, 150), (1000, 150)])
def test_chunked_equals_whole(work, chunk, count):
    points = _points(count)
    whole = hwsim.evaluate("scalesim-default", work, points, chunk_points=1000)
    parts = list(hwsim.evaluate_chunks("scalesim-default", work, points, chunk_points=chunk))
    assert len(parts) == -(-count // chunk)
    assert [len(p) for p in parts[:-1]] == [chunk] * (len(parts) - 1)
    joined = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)
    pd.testing.assert_frame_equal(hwsim.evaluate("scalesim-default", work, points, chunk_points=chunk), whole)


def test_per_layer_chunks_keep_the_global_point_index(work):
    points = _points(9)
    parts = list(hwsim.evaluate_chunks("scalesim-default", work, points, per_layer=True, chunk_points=4))
    joined = pd.concat(parts, ignore_index=True)
    assert joined["point"].tolist() == [p for p in range(9) for _ in range(3)]
    whole = hwsim.evaluate("scalesim-default", work, points, per_layer=True)
    pd.testing.assert_frame_equal(joined, whole)


def test_fused_totals_equal_the_per_layer_tables_summed(work):
    # the fused pass keeps only per-point totals; the per-layer path keeps every layer: the sums agree
    points = _points(120, seed=3)
    summary = hwsim.evaluate("scalesim-default", work, points)
    layers = hwsim.evaluate("scalesim-default", work, points, per_layer=True)
    summed = layers.groupby("point")[["total_cycles", "compute_cycles", "stall_cycles", "latency_s", "energy_pj",
                                      "energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj",
                                      "macs", "dram_reads_bits", "dram_writes_bits"]].sum()
    for column in ("total_cycles", "compute_cycles", "stall_cycles", "latency_s", "energy_pj", "energy_compute_pj",
                   "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj", "macs"):
        np.testing.assert_allclose(summary[column].to_numpy(), summed[column].to_numpy(), rtol=1e-9, err_msg=column)
    np.testing.assert_allclose(summary["dram_bits"].to_numpy(),
                               (summed["dram_reads_bits"] + summed["dram_writes_bits"]).to_numpy(), rtol=1e-9)
    # MACs are the workload's, whatever the design: 14*14*24*(3*3*16) + 2*(3*96*40)
    assert (summary["macs"] == 14 * 14 * 24 * 144 + 2 * 3 * 96 * 40).all()


def test_points_sharing_a_structure_are_each_timed_and_priced_on_their_own(work):
    # The fused pass does a structure's part of each layer once, for the first point of the
    # structure's group, and only the point's part (bandwidth, energies, the mapper's choice by the
    # point's objective) for the others. Two structures, each shared by 30 points that differ in
    # everything per point: the totals must equal each point's own per-layer table, summed.
    from hwsim.engine import evaluate as engine
    from hwsim.engine.fused import structure_groups

    rng = np.random.default_rng(11)
    count = 60
    points = pd.DataFrame({
        "compute.rows": np.repeat([8, 16], count // 2),
        "compute.cols": 8,
        "buffers.ifmap.size_kib": 4,
        "buffers.double_buffered": True,
        "dram.bandwidth_gb_s": rng.uniform(1, 64, count).round(3),
        "mapping": "auto",
        "mapping_objective": rng.choice(["latency", "energy", "edp"], count),
        "tech_node_nm": rng.choice([7, 16, 28, 45], count),
        "clock_mhz": rng.choice([500, 800, 1000], count),
    })
    design = engine._design(engine.resolve_accelerator("scalesim-default"), points, {}, 0)
    from hwsim.arch.fabrics.base import pack_design, pack_precision

    tables = tuple(engine.precision_table(a, engine.layer_batch(work), None) for a in design.accelerators)
    _, starts = structure_groups(pack_design(design), pack_precision(tables))
    assert len(starts) - 1 == 2                                          # two structures: two groups
    summary = hwsim.evaluate("scalesim-default", work, points)
    layers = hwsim.evaluate("scalesim-default", work, points, per_layer=True)
    summed = layers.groupby("point")[["total_cycles", "stall_cycles", "energy_pj", "energy_dram_pj",
                                      "energy_sram_pj"]].sum()
    for column in summed.columns:
        np.testing.assert_allclose(summary[column].to_numpy(), summed[column].to_numpy(), rtol=1e-9,
                                   err_msg=column)
    assert summary["stall_cycles"].nunique() > 10          # the points really differ within a group


def test_a_later_chunks_error_names_the_row_in_the_whole_table(work):
    points = _points(50)
    points.loc[37, "compute.rows"] = -3
    with pytest.raises(HwsimInputError, match="points row 37"):
        hwsim.evaluate("scalesim-default", work, points, chunk_points=10)


def test_points_as_an_iterable_of_frames(work):
    points = _points(30)
    frames = (points.iloc[i:i + 11] for i in range(0, 30, 11))
    parts = list(hwsim.evaluate_chunks("scalesim-default", work, frames, chunk_points=4))
    # tables of 11, 11 and 8 rows cut into chunks of 4 across their boundaries: 7 full, one of 2
    assert [len(p) for p in parts] == [4] * 7 + [2]
    whole = hwsim.evaluate("scalesim-default", work, points)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_small_frames_are_joined_into_chunks_unless_their_columns_differ(work):
    points = _points(30)
    frames = [points.iloc[i:i + 3] for i in range(0, 30, 3)]      # ten tables of 3 rows
    rows_only = pd.DataFrame({"compute.rows": [8, 16]})          # a table setting one key only
    parts = list(hwsim.evaluate_chunks("scalesim-default", work, [*frames[:5], rows_only, *frames[5:]],
                                       chunk_points=8))
    # 15 rows -> 8 + 7 (cut where the columns change), the 2-row table alone, 15 rows -> 8 + 7
    assert [len(p) for p in parts] == [8, 7, 2, 8, 7]
    assert list(parts[2]["compute.rows"]) == [8, 16] and "compute.cols" not in parts[2].columns
    alone = hwsim.evaluate("scalesim-default", work, rows_only)
    pd.testing.assert_frame_equal(parts[2].reset_index(drop=True), alone)
    joined = pd.concat([parts[0], parts[1], parts[3], parts[4]], ignore_index=True)
    pd.testing.assert_frame_equal(joined, hwsim.evaluate("scalesim-default", work, points))


@pytest.mark.parametrize("chunk", [0, -1, 2.5, True, "8"])
def test_bad_chunk_size_is_one_input_error(work, chunk):
    with pytest.raises(HwsimInputError, match="chunk_points"):
        hwsim.evaluate("scalesim-default", work, _points(3), chunk_points=chunk)


def test_default_chunk_bounds_the_cells():
    # per-layer tables: 2^18 cells per chunk: ResNet-50's 30 layers -> 8738 points; never below 64
    assert default_chunk_points(30) == 2 ** 18 // 30 == 8738
    assert default_chunk_points(10 ** 6) == 64
    # summaries: 2^19 points (the general path splits them again to 2^18 cells)
    assert default_chunk_points(30, per_layer=False) == 2 ** 19


def test_general_path_splits_a_large_chunk(work, monkeypatch):
    # a PIM design takes the general path: a chunk larger than CHUNK_CELLS cells is evaluated in parts
    from hwsim.engine import evaluate as engine

    monkeypatch.setattr(engine, "CHUNK_CELLS", 3 * 64)   # 64 points of 3 layers per part
    sizes = []
    real_run = engine.run
    monkeypatch.setattr(engine, "run", lambda design, *a, **k: sizes.append(design.size) or real_run(design, *a, **k))
    monkeypatch.setattr(engine, "fusable", lambda *a: False)
    points = _points(150)
    table = hwsim.evaluate("scalesim-default", work, points, chunk_points=1000)
    assert sizes == [64, 64, 22]
    monkeypatch.undo()
    pd.testing.assert_frame_equal(table, hwsim.evaluate("scalesim-default", work, points))


def test_summary_columns_present(work):
    table = hwsim.evaluate("scalesim-default", work, _points(4))
    assert list(table.columns[-len(SUMMARY_COLUMNS):]) == list(SUMMARY_COLUMNS)
    assert table["exceeds_reticle"].dtype == bool and not table["exceeds_reticle"].any()


def test_summaries_take_the_fused_pass_where_every_layer_is_compiled(work, monkeypatch):
    from hwsim.engine import evaluate as engine

    taken = []
    monkeypatch.setattr(engine, "run", lambda *a, **k: taken.append("general") or pytest.fail("general path"))
    hwsim.evaluate("scalesim-default", work, _points(5))   # systolic + vector unit only
    assert taken == []


def test_a_spec_file_is_read_once_and_again_when_edited(tmp_path, work):
    from hwsim.engine.evaluate import resolve_accelerator

    spec = tmp_path / "a.yaml"
    text = (hwsim.load_accelerator("scalesim-default").source_file and
            open(hwsim.load_accelerator("scalesim-default").source_file).read())
    spec.write_text(text)
    first = resolve_accelerator(str(spec))
    assert resolve_accelerator(str(spec)) is first          # parsed and validated once
    cycles = hwsim.evaluate(str(spec), work)["total_cycles"].iloc[0]
    spec.write_text(text.replace("rows: 32", "rows: 16"))     # an edit changes size: read again
    assert resolve_accelerator(str(spec)) is not first
    assert hwsim.evaluate(str(spec), work)["total_cycles"].iloc[0] != cycles


def test_a_die_beyond_one_reticle_runs_and_is_flagged(work):
    # 4096 x 4096 int8 MAC PEs: tens of thousands of mm^2, far over 26 mm x 33 mm = 858 mm^2
    big = hwsim.load_accelerator("scalesim-default", ["compute.rows=4096", "compute.cols=4096"])
    result = hwsim.simulate(big, work)
    assert result.summary()["area_mm2"] > 858 and result.summary()["exceeds_reticle"] is True
    assert "exceeds_reticle" in result.format_table()
    table = hwsim.evaluate("scalesim-default", work, {"compute.rows": [32, 4096], "compute.cols": [32, 4096]})
    assert table["exceeds_reticle"].tolist() == [False, True]
    assert hwsim.simulate("scalesim-default", work).summary()["exceeds_reticle"] is False


@pytest.mark.parametrize("key, good, bad", [("compute.dataflow", "ws", "xx"), ("clock_mhz", 500.0, -1.0)])
def test_a_later_chunks_error_names_the_row_in_message_and_source(work, key, good, bad):
    # sweeps read the error's message and source to name the point: both count rows in the whole table
    points = pd.DataFrame({key: [good] * 100})
    points.loc[70, key] = bad
    with pytest.raises(HwsimInputError) as caught:
        hwsim.evaluate("scalesim-default", work, points, chunk_points=50)
    error = caught.value
    assert "points row 70" in str(error)
    assert "points row 20" not in f"{error.message} {error.source}"
    assert "points row 70" in f"{error.message} {error.source}"
