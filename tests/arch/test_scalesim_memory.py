"""hwsim.arch.fabrics.systolic.scalesim_user against SCALE-Sim 3.0.0 in USER-bandwidth mode (never runs SCALE-Sim)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hwsim.arch.fabrics.systolic.scalesim_user import _reflect_stall, parse_scalesim_bandwidths, scalesim_user_memory
from hwsim.arch.fabrics.systolic.timing import DATAFLOWS, systolic_timing

DATA = Path(__file__).resolve().parent / "data" / "scalesim_user_cases.csv"
DF_CODE = {"os": 0, "ws": 1, "is": 2}


def _total_cycles(d: pd.DataFrame) -> np.ndarray:
    compute = np.zeros(len(d), dtype=np.int64)
    for (r, c, df), g in d.groupby(["array_rows", "array_cols", "dataflow"]):
        pos = d.index.get_indexer(g.index)
        compute[pos] = systolic_timing(g.M.values, g.K.values, g.N.values, int(r), int(c), df).compute_cycles
    mem = scalesim_user_memory(d.M.values, d.K.values, d.N.values, d.array_rows.values, d.array_cols.values,
                               d.dataflow.map(DF_CODE).values, d.ifmap_sram_kb.values * 1024,
                               d.filter_sram_kb.values * 1024, d.ofmap_sram_kb.values * 1024,
                               d.bw_ifmap.values, d.bw_filter.values, d.bw_ofmap.values)
    return compute + mem.stall_cycles


def _within(d: pd.DataFrame, tol: float = 0.05) -> float:
    err = np.abs(_total_cycles(d) - d.total_cycles.values) / d.total_cycles.values
    return float(np.mean(err <= tol))


# The target is 90% of layers within 5% (tests below); the per-segment window model
# reaches 96.3% / 95.2% (measured 2026-11-23). The guards hold the reached level.
def _shared(reference) -> pd.DataFrame:
    d = pd.read_csv(reference / "scalesim" / "scalesim_v3_user_bandwidth.csv")
    d = d.rename(columns={"gemm_M_ofmap_px": "M", "gemm_N_filters": "N", "gemm_K_window": "K"})
    # a32x32_*_s64_user.cfg: Bandwidth 10 and [layout] Ifmap/FilterSRAMBankBandwidth 10.
    d["bw_ifmap"], d["bw_filter"], d["bw_ofmap"] = parse_scalesim_bandwidths("10", 10, 10)
    return d


def test_own_cases_regression_guard():
    assert _within(pd.read_csv(DATA, comment="#")) >= 0.96


def test_shared_reference_regression_guard(reference):
    assert _within(_shared(reference)) >= 0.95


def test_own_cases_within_5pct():
    d = pd.read_csv(DATA, comment="#")
    assert len(d) >= 150
    assert _within(d) >= 0.90


def test_shared_reference_within_5pct(reference):
    assert _within(_shared(reference)) >= 0.90


def test_hand_cases():
    # 1x1x1 on 32x32 IS, 64 KB, 10 words/cycle: the IS ifmap prefetch list is one 32-wide padded
    # column block (32 words -> 4 lines of 10), the filter one 32-wide padded row fold: 40 words
    # each; one output word; no stall (first fill precedes cycle 0).
    r = scalesim_user_memory(1, 1, 1, 32, 32, 2, 65536, 65536, 65536, 10, 10, 10)
    assert (int(r.dram_ifmap_reads_words), int(r.dram_filter_reads_words), int(r.dram_ofmap_writes_words)) == (40, 40, 1)
    assert int(r.stall_cycles) == 0
    # 100^3 OS on 32x32, 64 KB: everything fits in one half buffer. ifmap list = 4 row folds x 32
    # x K=100 = 12800 words (padding included), filter = 4 col folds x 32 x 100 = 12800: whole
    # list in the first fill (< 32768 words), no prefetch, no stall; ofmap = M*N.
    r = scalesim_user_memory(100, 100, 100, 32, 32, 0, 65536, 65536, 65536, 10, 10, 10)
    assert (int(r.dram_ifmap_reads_words), int(r.dram_filter_reads_words)) == (12800, 12800)
    assert int(r.dram_ofmap_writes_words) == 10000 and int(r.stall_cycles) == 0
    # A list longer than half the buffer: first fill = ceil(32768/10) lines of 10 = 32770 words.
    # 257x300 ifmap (OS, 32x32) is 9 row folds x 32 x 300 = 86400 padded words, 77100 real ones
    # = 118 sets of 656; the window (50 sets) slides 50 sets per prefetch; 5 column folds walk
    # the list 5 times: (5*118 - 1 - 50)//50 + 1 = 11 forward prefetches, plus 3 more where a
    # window boundary falls in a fold seam and the next fold's first word is behind the window.
    # SCALE-Sim (shared reference): 491550 = 15 fills of 32770 words.
    r = scalesim_user_memory(257, 300, 130, 32, 32, 0, 65536, 65536, 65536, 10, 10, 10)
    assert int(r.dram_ifmap_reads_words) == 32770 * 15
    # Doubling recursion S <- max(S, 2d - S): one event of deficit 10 -> 20; deficits 5, 8, 11 ->
    # 10, 10, 12.
    assert _reflect_stall(np.array(10.0), np.array(0.0), np.array(1)) == 20
    assert _reflect_stall(np.array(5.0), np.array(3.0), np.array(3)) == 12
    assert _reflect_stall(np.array(-4.0), np.array(3.0), np.array(1)) == 0


def test_ofmap_write_buffer_drains_by_hand():
    # 32 x 8 x 32 OS on 32x32: one fold of t + R + C - 2 = 8 + 62 = 70 cycles, the first output at
    # t + R - 1 = 39, so 31 cycles of writing. A 64-word ofmap buffer drains its 32-word half as 8
    # lines of 4 words; SCALE-Sim's write_buffer.empty_drain_buf issues a line a cycle through a
    # write_port of latency 0, so a drain ends 8 - 1 = 7 cycles after it starts: 32/7 words a cycle.
    # The 1024 - 64 words beyond the buffer take 960 x 7 / 32 = 210 cycles, 31 of them while
    # computing: 179 stall cycles (ifmap and filter fit, at 1000 words a cycle: none)
    r = scalesim_user_memory(32, 8, 32, 32, 32, 0, 65536, 65536, 64, 1000, 1000, 4)
    assert int(r.dram_ofmap_writes_words) == 32 * 32
    assert int(r.stall_cycles) == 960 * 7 // 32 - 31 == 179


def test_cfg_bandwidth_mapping():
    assert parse_scalesim_bandwidths("10") == (10, 10, 10)
    assert parse_scalesim_bandwidths("8, 4, 2", 16, 32) == (16, 32, 8)
    assert parse_scalesim_bandwidths([5, 7], 3, 9) == (3, 9, 5)
    with pytest.raises(ValueError):
        parse_scalesim_bandwidths("10", 10, 10, ifmap_sram_bank_num=3)


def test_broadcast_grid_matches_elementwise():
    rng = np.random.default_rng(7)
    layers = rng.integers(1, 400, size=(3, 6))  # M, K, N of 6 layers
    dfc = np.array([0, 1, 2, 0, 1, 2])
    points = np.array([[4096, 1], [16384, 4], [65536, 10], [262144, 64]])  # (sram words, bw) per design point
    words, bw = points[:, :1], points[:, 1:]
    grid = scalesim_user_memory(layers[0], layers[1], layers[2], 16, 32, dfc, words, words * 2, words, bw, bw, bw * 2)
    assert grid.stall_cycles.shape == (4, 6)
    assert grid.stall_cycles.dtype == np.int64
    for p in range(4):
        for layer in range(6):
            one = scalesim_user_memory(int(layers[0, layer]), int(layers[1, layer]), int(layers[2, layer]), 16, 32,
                                       int(dfc[layer]), int(words[p, 0]), int(words[p, 0] * 2), int(words[p, 0]),
                                       int(bw[p, 0]), int(bw[p, 0]), int(bw[p, 0] * 2))
            for field in ("stall_cycles", "dram_ifmap_reads_words", "dram_filter_reads_words", "dram_ofmap_writes_words"):
                assert int(getattr(grid, field)[p, layer]) == int(getattr(one, field))


def test_dataflow_names_consistent():
    assert tuple(DF_CODE) == DATAFLOWS


def test_a_cfg_saved_with_a_byte_order_mark_reads_as_without(reference, tmp_path):
    # spreadsheet and Windows editors save UTF-8 with a BOM; configparser took it for text before
    # the first section ("File contains no section headers")
    import hwsim

    source = reference / "scalesim" / "configs" / "a8x8_os_s64_calc.cfg"
    marked = tmp_path / "a8x8_os_s64_calc.cfg"
    marked.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    assert hwsim.load_accelerator(str(marked)).spec.compute == hwsim.load_accelerator(str(source)).spec.compute
