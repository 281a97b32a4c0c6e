"""Pins on the systolic engine's paths that injected one-line faults used to leave green: the
mapper's tile bounds against buffer capacity, the first-tile prologue of overlapped timing, the
SRAM energy in the mapper's objective, partial-sum read-modify-writes on the ofmap port, and
fill and drain by dataflow (``mapping: auto`` and ``scalesim``).

Only the public API is used (``hwsim.simulate``, ``hwsim.evaluate``, ``hwsim.load_accelerator``
with overrides, the layer columns of docs/columns.md). Every expected value is written out from
the documented formulas (docs/models/mapper.md, hwsim/arch/systolic.py's docstring):

* folds F = ceil(Sr/R) ceil(Sc/C) with (Sr, Sc, T) = (M, N, K) OS, (K, N, M) WS, (K, M, N) IS;
* ``auto`` compute = F T + passes x fill/drain, fill/drain = R + C - 2 (OS) or 2R + C - 2
  (WS/IS), passes = F x ceil(T / streamed tile); ``scalesim`` compute = F (T + fill/drain) - 1;
* double-buffered total = max(busy, DRAM) + min(busy, DRAM) / tiles, single-buffered busy + DRAM;
* tiles fit their working buffers: Mt Kt a <= W_A, Kt Nt b <= W_B, Mt Nt acc <= W_C, W = half the
  buffer when double-buffered;
* ofmap SRAM: reads = psum x acc + DRAM output writes, writes = M N out + psum x acc + psum
  DRAM reads, psum = M N (max(array K folds (WS/IS; OS 1), buffer K passes) - 1).

Base design: scalesim-default (int8 operands and outputs, int32 accumulators, 1 GHz, so 1 GB/s is
8 bits per cycle; SRAM ports 256/256/1024 bits per cycle, never the limit below).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import hwsim

A_BITS = B_BITS = OUT_BITS = 8
ACC_BITS = 32
SCALESIM_ORDER = "scalesim: n>k folds"


def _kib(bits: float) -> str:
    """A buffer size in KiB for ``bits`` bits (1 KiB = 8192 bits)."""
    return repr(bits / 8192)


def _row(gemm, overrides, mapping="auto"):
    work = hwsim.Workload("w", (hwsim.Layer("l0", hwsim.Gemm(*gemm)),))
    accel = hwsim.load_accelerator("scalesim-default", overrides=[f"mapping={mapping}", *overrides])
    return hwsim.simulate(accel, work).layers.iloc[0]


def _dram(row) -> float:
    return float(row["dram_reads_bits"] + row["dram_writes_bits"])


def _buffers(ifmap_bits, filter_bits, ofmap_bits):
    return [f"buffers.ifmap.size_kib={_kib(ifmap_bits)}", f"buffers.filter.size_kib={_kib(filter_bits)}",
            f"buffers.ofmap.size_kib={_kib(ofmap_bits)}"]


# -- fill and drain by dataflow -------------------------------------------------------------------

# Gemm(M=10, K=6, N=7) on a 4 x 3 array (R = 4 rows, C = 3 columns, so R and C terms differ);
# unlimited bandwidth, 64 KiB buffers: every operand fetched once, the latency objective keeps
# SCALE-Sim's order (no candidate has fewer passes than F).
FILL_DRAIN = {
    # dataflow: (folds, T, fill/drain)
    "os": (math.ceil(10 / 4) * math.ceil(7 / 3), 6, 4 + 3 - 2),        # 9 folds, T = K, R + C - 2 = 5
    "ws": (math.ceil(6 / 4) * math.ceil(7 / 3), 10, 2 * 4 + 3 - 2),    # 6 folds, T = M, 2R + C - 2 = 9
    "is": (math.ceil(6 / 4) * math.ceil(10 / 3), 7, 2 * 4 + 3 - 2),    # 8 folds, T = N, 9
}


def test_fill_and_drain_by_dataflow_auto_and_scalesim():
    work = hwsim.Workload("w", (hwsim.Layer("l0", hwsim.Gemm(10, 6, 7)),))
    points = pd.DataFrame({"compute.dataflow": list(FILL_DRAIN)})
    for mapping in ("auto", "scalesim"):
        accel = hwsim.load_accelerator("scalesim-default", overrides=[
            f"mapping={mapping}", "mapping_objective=latency", "compute.rows=4", "compute.cols=3"])
        table = hwsim.evaluate(accel, work, points, per_layer=True)
        for dataflow, (folds, t, fill_drain) in FILL_DRAIN.items():
            row = table[table["compute.dataflow"] == dataflow].iloc[0]
            auto = folds * t + folds * fill_drain          # os 99, ws 114, is 128
            expected = auto if mapping == "auto" else auto - 1   # SCALE-Sim's F x P - 1: 98, 113, 127
            assert row["folds"] == folds
            assert row["compute_cycles"] == expected, (mapping, dataflow)
            assert row["total_cycles"] == expected, (mapping, dataflow)


def test_stationary_double_buffering_overlaps_the_preload_of_each_pass():
    # WS with TPU-v1-style stationary double buffering: max(stream, passes x R) + one fill/drain
    sdb = ["mapping_objective=latency", "compute.rows=4", "compute.cols=3", "compute.dataflow=ws",
           "compute.pe.stationary_double_buffered=true"]
    # Gemm(10, 6, 7): F = 6, stream = 6 x 10 = 60 > 6 passes x 4 = 24: 60 + 9
    assert _row((10, 6, 7), sdb)["compute_cycles"] == max(6 * 10, 6 * 4) + (2 * 4 + 3 - 2) == 69
    # Gemm(2, 6, 7): stream 6 x 2 = 12 < 24 preload cycles: 24 + 9
    assert _row((2, 6, 7), sdb)["compute_cycles"] == max(6 * 2, 6 * 4) + (2 * 4 + 3 - 2) == 33


def test_os_buffer_k_passes_pay_fill_and_drain_and_read_modify_write_partial_sums():
    # OS 4x4, Gemm(M=8, K=64, N=8), single-buffered ifmap and filter of 1024 bits, 64 KiB ofmap.
    # SCALE-Sim's order: A (8 x 64 x 8 = 4096 bits) does not fit -> once per column fold (2); its
    # B tile (K x 4 columns x 8 = 2048 bits) does not fit -> once per row fold (2): 8192 + 8192 + 512.
    # The only tiling with compulsory traffic (4096 + 4096 + 512 = 8704) keeps the 8 x 8 C tile
    # resident over K: Kt <= 1024 / (8 x 8) = 16 for both A (Mt Kt a) and B (Kt Nt b); any 64 x ... A
    # or B resident tile needs K = 64 rows of 8 x 8 bits > 1024. F = 2 x 2 = 4, T = K = 64.
    spec = ["compute.rows=4", "compute.cols=4", "compute.dataflow=os", "buffers.double_buffered=false",
            *_buffers(1024, 1024, 64 * 8192)]
    fast = _row((8, 64, 8), [*spec, "mapping_objective=latency"])
    assert fast["loop_order"] == SCALESIM_ORDER
    assert fast["compute_cycles"] == 4 * 64 + 4 * (4 + 4 - 2) == 280
    assert _dram(fast) == 2 * 4096 + 2 * 4096 + 512
    # the energy objective trades 72 cycles for 8192 fewer DRAM bits (8192 x 20.3 pJ = 166 nJ, far
    # above 72 cycles of this chip's leakage: checked below)
    assert hwsim.load_accelerator("scalesim-default").info()["leakage_uw"] * 1e-6 * 72e-9 * 1e12 < 8192 * 20.3
    lean = _row((8, 64, 8), [*spec, "mapping_objective=energy"])
    assert lean["loop_order"] == "m>n>k"
    assert (lean["tile_m"], lean["tile_n"], lean["tile_k"]) == (8, 8, 16)
    assert _dram(lean) == 4096 + 4096 + 512
    # passes = F x ceil(64 / 16) = 16, each with the OS fill/drain R + C - 2 = 6
    assert lean["compute_cycles"] == 4 * 64 + 16 * (4 + 4 - 2) == 352
    # 4 buffer K passes: M N (4 - 1) = 192 partial sums read-modify-written at 32 bits = 6144 bits
    psum_bits = 8 * 8 * (4 - 1) * ACC_BITS
    ifmap_reads = 8 * 64 * 2 * A_BITS          # SCALE-Sim's OS count: M K x column folds
    filter_reads = 64 * 8 * 2 * B_BITS         # K N x row folds
    assert lean["sram_reads_bits"] == ifmap_reads + filter_reads + psum_bits + 8 * 8 * OUT_BITS == 23040
    assert lean["sram_writes_bits"] == 4096 + 4096 + 8 * 8 * OUT_BITS + psum_bits == 14848


# -- the first-tile prologue of overlapped timing ------------------------------------------------

# WS 4x4, Gemm(M=8, K=4, N=4): one fold (K = 4 rows, N = 4 columns), T = M = 8: compute =
# 8 + (2 x 4 + 4 - 2) = 18 for any tiling that streams M whole. DRAM: A 8x4 + B 4x4 + C 8x4 at
# 8 bits = 256 + 128 + 256 = 640 bits, the compulsory traffic every candidate reaches. The most
# tiles at 18 compute cycles: B resident (m innermost), Mt = 1 -> 8 tiles (Kt = 4, Nt = 4 are one
# array unit each). total = max(18, DRAM) + min(18, DRAM) / 8.
PROLOGUE = ["mapping_objective=latency", "compute.rows=4", "compute.cols=4", "compute.dataflow=ws"]


def test_overlap_prologue_dram_bound():
    row = _row((8, 4, 4), [*PROLOGUE, "dram.bandwidth_gb_s=1"])    # 8 bits/cycle: 640 / 8 = 80
    assert (row["loop_order"], row["tile_m"], row["tile_n"], row["tile_k"]) == ("n>k>m", 1, 4, 4)
    assert _dram(row) == 640
    assert row["compute_cycles"] == 18
    assert row["total_cycles"] == math.ceil(max(18, 80) + min(18, 80) / 8) == 83   # 82.25


def test_overlap_prologue_compute_bound():
    row = _row((8, 4, 4), [*PROLOGUE, "dram.bandwidth_gb_s=16"])   # 128 bits/cycle: 640 / 128 = 5
    assert row["compute_cycles"] == 18
    assert row["total_cycles"] == math.ceil(max(18, 5) + min(18, 5) / 8) == 19      # 18.625


def test_single_buffered_loads_are_exposed():
    row = _row((8, 4, 4), [*PROLOGUE, "dram.bandwidth_gb_s=1", "buffers.double_buffered=false"])
    assert row["buffering"] == "single"
    assert row["total_cycles"] == 18 + 80


# -- tile bounds against buffer capacity ---------------------------------------------------------

# WS 4x4, Gemm(M=64, K=8, N=8): F = 2 x 2 = 4, T = M = 64. Compulsory DRAM: A 64x8 + B 8x8 + C 64x8
# at 8 bits = 4096 + 512 + 4096 = 8704. Working buffers (W_A, W_B, W_C) = (2048, 256, 16384) bits.
# The only tile reaching 8704 at F passes (296 cycles = 4 x 64 + 4 x 10) is C resident with
# Mt = 64, Nt = 8, Kt = 4, which fills all three exactly: 64 x 4 x 8 = 2048, 4 x 8 x 8 = 256,
# 64 x 8 x 32 = 16384. (B resident needs Kt Nt = 64 B elements > 32; A resident revisits C over K;
# SCALE-Sim's order refetches A, 4096 > 2048, per column fold.)
EXACT_BITS = (2048, 256, 16384)
# (a 64-bit filter port: a bank must hold one port word, and 255 bits < 256; B is read 512 bits per
# layer, never the limit)
TILE_SPEC = ["mapping_objective=energy", "compute.rows=4", "compute.cols=4", "compute.dataflow=ws",
             "buffers.filter.port_width_bits=64"]
COMPULSORY = 4096 + 512 + 4096


@pytest.mark.parametrize("buffering", ["single", "double"])
def test_tiles_that_exactly_fill_the_working_buffers_are_taken(buffering):
    share = 2 if buffering == "double" else 1          # double-buffered: tiles live in half
    sizes = [bits * share for bits in EXACT_BITS]
    row = _row((64, 8, 8), [*TILE_SPEC, f"buffers.double_buffered={str(buffering == 'double').lower()}",
                            *_buffers(*sizes)])
    assert row["loop_order"] == "m>n>k"
    assert (row["tile_m"], row["tile_n"], row["tile_k"]) == (64, 8, 4)
    assert row["buffering"] == buffering
    assert _dram(row) == COMPULSORY
    assert row["compute_cycles"] == 4 * 64 + 4 * (2 * 4 + 4 - 2) == 296
    # two K tiles = two array K folds: M N (2 - 1) partial sums read-modify-written at 32 bits
    psum_bits = 64 * 8 * 1 * ACC_BITS
    ifmap_reads, filter_reads = 64 * 8 * 2 * A_BITS, 8 * 8 * B_BITS   # SCALE-Sim's WS counts: M K x col folds, K N
    assert row["sram_reads_bits"] == ifmap_reads + filter_reads + psum_bits + 64 * 8 * OUT_BITS == 29184
    assert row["sram_writes_bits"] == 4096 + 512 + 64 * 8 * OUT_BITS + psum_bits == 25088


def _assert_fits(row, sizes, double):
    share = 0.5 if double and row["buffering"] == "double" else 1.0
    w_a, w_b, w_c = (bits * share for bits in sizes)
    if row["loop_order"] != SCALESIM_ORDER:
        mt, nt, kt = row["tile_m"], row["tile_n"], row["tile_k"]
        assert mt * kt * A_BITS <= w_a and kt * nt * B_BITS <= w_b and mt * nt * ACC_BITS <= w_c, row


@pytest.mark.parametrize("role", [0, 1, 2], ids=["ifmap", "filter", "ofmap"])
def test_one_bit_less_loses_the_exact_tile_single_buffered(role):
    sizes = list(EXACT_BITS)
    sizes[role] -= 1
    row = _row((64, 8, 8), [*TILE_SPEC, "buffers.double_buffered=false", *_buffers(*sizes)])
    _assert_fits(row, sizes, double=False)
    assert _dram(row) > COMPULSORY          # no tile that fits reaches the compulsory traffic
    if role == 0:
        # A tiles of Mt x 4 x 8 <= 2047 bits: Mt <= 63, so B is fetched twice (Tm = 2): 4096 + 2 x 512
        # + 4096, C still resident (Nt = 8, Kt = 4 <= 256 / 64); passes F x 2, 8 x 10 fill/drain
        assert row["loop_order"] == "m>n>k" and (row["tile_n"], row["tile_k"]) == (8, 4)
        assert 32 <= row["tile_m"] <= 63
        assert _dram(row) == 4096 + 2 * 512 + 4096
        assert row["compute_cycles"] == 4 * 64 + 8 * (2 * 4 + 4 - 2) == 336


@pytest.mark.parametrize("role", [0, 1, 2], ids=["ifmap", "filter", "ofmap"])
def test_half_a_double_buffer_one_bit_short_runs_single_buffered(role):
    # halves one bit short of the exact tile: no half-buffer tiling reaches 8704; the whole buffers
    # (twice the exact sizes, less 2 bits) do, with exposed loads that cost nothing at unlimited
    # bandwidth, so the layer runs single-buffered at the compulsory traffic
    sizes = [2 * bits for bits in EXACT_BITS]
    sizes[role] -= 2
    row = _row((64, 8, 8), [*TILE_SPEC, "buffers.double_buffered=true", *_buffers(*sizes)])
    assert row["buffering"] == "single"
    assert _dram(row) == COMPULSORY
    _assert_fits(row, sizes, double=True)


# -- the objective's energy terms -----------------------------------------------------------------

def test_energy_objective_counts_sram_fills():
    # WS 4x4, Gemm(64, 8, 8), ifmap 0.25 KiB (2048 bits, double-buffered: W_A = 1024), filter and
    # ofmap 64 KiB, unlimited bandwidth, DRAM at 0 pJ/bit: the only energy a DRAM bit costs in the
    # objective is its SRAM fill. SCALE-Sim's order refetches A (4096 > 1024) per column fold:
    # 2 x 4096 + 512 + 4096 = 12800 bits in 296 cycles. B resident (m innermost, Mt = 1, Nt = 8,
    # Kt = 8: A tile 64 <= 1024, B tile 512) fetches everything once, 8704 bits, in the same 296
    # cycles (M streams whole). Equal time and leakage, fewer SRAM fills: energy picks it.
    spec = ["compute.rows=4", "compute.cols=4", "compute.dataflow=ws", "dram.energy_pj_per_bit=0",
            *_buffers(2048, 64 * 8192, 64 * 8192)]
    for objective in ("energy", "edp"):
        row = _row((64, 8, 8), [*spec, f"mapping_objective={objective}"])
        assert row["energy_sram_pj"] > 0
        assert row["loop_order"] == "n>k>m", objective
        assert (row["tile_m"], row["tile_n"], row["tile_k"]) == (1, 8, 8)
        assert _dram(row) == 4096 + 512 + 4096
        assert row["total_cycles"] == 4 * 64 + 4 * (2 * 4 + 4 - 2) == 296


# -- partial-sum read-modify-writes on the ofmap port ---------------------------------------------

# Gemm(M=10, K=12, N=7) on a 4 x 3 array, SCALE-Sim's order (latency, unlimited bandwidth, 64 KiB
# buffers: every operand fetched once, A 960 + B 672 DRAM bits in, C 560 out).
RMW = {
    # dataflow: (SCALE-Sim ifmap reads words, filter reads words, array K folds)
    "ws": (10 * 12 * math.ceil(7 / 3), 12 * 7, math.ceil(12 / 4)),         # M K x col folds, K N; 3
    "is": (10 * 12, 12 * 7 * math.ceil(10 / 3), math.ceil(12 / 4)),         # M K, K N x col folds; 3
    "os": (10 * 12 * math.ceil(7 / 3), 12 * 7 * math.ceil(10 / 4), 1),     # OS: sums stay in the PEs
}


@pytest.mark.parametrize("dataflow", list(RMW))
def test_partial_sums_are_read_modify_written_per_array_k_fold(dataflow):
    ifmap_words, filter_words, k_folds = RMW[dataflow]
    row = _row((10, 12, 7), ["mapping_objective=latency", "compute.rows=4", "compute.cols=3",
                             f"compute.dataflow={dataflow}"])
    psum_bits = 10 * 7 * (k_folds - 1) * ACC_BITS           # ws/is: 70 x 2 x 32 = 4480; os: 0
    out_bits = 10 * 7 * OUT_BITS                            # 560
    assert row["dram_writes_bits"] == out_bits and row["dram_psum_reads_bits"] == 0
    assert row["sram_reads_bits"] == ifmap_words * A_BITS + filter_words * B_BITS + psum_bits + out_bits
    assert row["sram_writes_bits"] == 10 * 12 * A_BITS + 12 * 7 * B_BITS + out_bits + psum_bits


def test_spilled_partial_sums_come_back_through_the_ofmap_port():
    # WS, SCALE-Sim's mapping, an ofmap of 819 bits (409.5 per half) < the live tile M x min(N, C) x
    # 32 = 960: M N (3 - 1) = 140 partial sums spill (written at 32 bits, read back), and are
    # read-modify-written on chip like the others
    row = _row((10, 12, 7), ["compute.rows=4", "compute.cols=3", "compute.dataflow=ws",
                             f"buffers.ofmap.size_kib={_kib(819)}", "buffers.ofmap.port_width_bits=64"],
               mapping="scalesim")   # (a bank holds at least one port word; SCALE-Sim has no port limits)
    spill_bits = 10 * 7 * 2 * ACC_BITS                     # 4480
    out_bits = 10 * 7 * OUT_BITS                           # 560
    assert row["dram_ofmap_writes_bits"] == out_bits + spill_bits
    assert row["dram_psum_reads_bits"] == spill_bits
    assert row["dram_reads_bits"] == 10 * 12 * A_BITS + 12 * 7 * B_BITS + spill_bits == 6112
    ofmap_reads = spill_bits + (out_bits + spill_bits)     # accumulate + drain outputs and spills
    ofmap_writes = out_bits + spill_bits + spill_bits      # outputs + accumulate + spills back
    assert row["sram_reads_bits"] == 10 * 12 * 3 * A_BITS + 12 * 7 * B_BITS + ofmap_reads == 13072
    assert row["sram_writes_bits"] == 10 * 12 * A_BITS + 12 * 7 * B_BITS + ofmap_writes == 11152
