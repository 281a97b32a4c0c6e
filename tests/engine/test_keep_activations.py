"""buffers.keep_activations: a layer's output stays in the ifmap buffer for the next layer when the
buffer holds the layer's input and output at once and the next layer reads no more than it wrote
(docs/model-assumptions.md "Activations that stay on chip"). Expected values by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim import Gemm, Layer, VectorOp, Workload

# scalesim-default at 4 x 4, SCALE-Sim's order, single-buffered (loads exposed), 1 GHz, int8
BASE = ["compute.rows=4", "compute.cols=4", "compute.dataflow=os", "mapping=scalesim", "clock_mhz=1000",
        "buffers.double_buffered=false", "buffers.filter.size_kib=64", "buffers.ofmap.size_kib=64"]


def _run(*ops, ifmap_kib=1.0, keep=True, extra=()):
    accel = hwsim.load_accelerator("scalesim-default", BASE + [
        f"buffers.ifmap.size_kib={ifmap_kib}", f"buffers.keep_activations={str(keep).lower()}", *extra])
    work = Workload("w", tuple(Layer(f"l{i}", op) for i, op in enumerate(ops)))
    return hwsim.simulate(accel, work).layers


def _dram(layers):
    return (layers["dram_reads_bits"] + layers["dram_writes_bits"]).to_numpy()


# Gemm(8, 8, 8) then Gemm(8, 8, 4), int8: A1 = 64 x 8 = 512 bits, B1 = 512, C1 = 512; the second
# layer reads 64 distinct elements (= the 64 the first wrote), B2 = 8 x 4 x 8 = 256, C2 = 256.
# The ifmap buffer (1 KiB = 8192 bits) holds A1 + C1 = 1024 bits.
CHAIN = (Gemm(8, 8, 8), Gemm(8, 8, 4))


def test_off_every_activation_round_trips_dram():
    layers = _run(*CHAIN, keep=False)
    assert list(_dram(layers)) == [512 + 512 + 512, 512 + 256 + 256]
    assert list(layers["dram_spill_bits"]) == [512, 0]          # the last output is the result
    assert list(layers["compulsory_dram_bits"]) == [1536, 1024]


def test_kept_output_never_crosses_dram():
    layers = _run(*CHAIN)
    assert list(layers["dram_ofmap_writes_bits"]) == [0, 256]   # C1 stays; C2 is the result
    assert list(layers["dram_ofmap_writes_words"]) == [0, 32]    # the same in elements: C2 is 8 x 4
    assert list(layers["dram_ifmap_reads_bits"]) == [512, 0]    # A2 is C1, already on chip
    assert list(_dram(layers)) == [512 + 512, 256 + 256]
    assert list(layers["dram_spill_bits"]) == [0, 0]
    # the floor drops with what stays: A1 + B1, then B2 + C2
    assert list(layers["compulsory_dram_bits"]) == [1024, 512]
    # SRAM: C1 still drains from the ofmap buffer, now into the ifmap buffer (written there)
    off = _run(*CHAIN, keep=False)
    np.testing.assert_array_equal(layers["sram_reads_bits"], off["sram_reads_bits"])
    assert list(layers["sram_writes_bits"] - off["sram_writes_bits"]) == [512, -512]


def test_exposed_loads_shrink_by_the_bits_that_stay():
    # 1 GB/s at 1 GHz = 8 bits per cycle, single-buffered: every DRAM bit is exposed
    on = _run(*CHAIN, extra=["dram.bandwidth_gb_s=1"])
    off = _run(*CHAIN, keep=False, extra=["dram.bandwidth_gb_s=1"])
    assert list(off["stall_cycles"]) == [1536 / 8, 1024 / 8]
    assert list(on["stall_cycles"]) == [1024 / 8, 512 / 8]
    np.testing.assert_array_equal(on["compute_cycles"], off["compute_cycles"])


def test_nothing_stays_when_the_buffer_cannot_hold_input_and_output():
    # 0.1 KiB = 819.2 bits < A1 + C1 = 1024 bits
    layers = _run(*CHAIN, ifmap_kib=0.1)
    assert list(_dram(layers)) == [1536, 1024] and list(layers["dram_spill_bits"]) == [512, 0]


def test_nothing_stays_when_the_next_layer_reads_more_than_was_written():
    # Gemm(16, 8, 4) reads 128 distinct elements: more than the 64 the first layer wrote
    layers = _run(Gemm(8, 8, 8), Gemm(16, 8, 4), ifmap_kib=4)
    assert list(_dram(layers)) == [1536, 16 * 8 * 8 + 8 * 4 * 8 + 16 * 4 * 8]


def test_a_vector_op_between_breaks_the_chain():
    # the hand-off is GEMM to GEMM; a vector op between them keeps today's rule
    layers = _run(Gemm(8, 8, 8), VectorOp("relu", 64), Gemm(8, 8, 4), ifmap_kib=4)
    assert layers["dram_ofmap_writes_bits"].iloc[0] == 512
    assert layers["dram_ifmap_reads_bits"].iloc[2] == 512


@pytest.mark.parametrize("workload", ["resnet50", "bert_base_seq128", "llama2_7b_decode"])
def test_never_more_traffic_never_slower_and_fused_equals_per_layer(workload):
    """Over random designs: keeping activations never adds DRAM bits, never drops below the
    (reduced) compulsory floor, and the fused totals equal the per-layer rows and simulate."""
    rng = np.random.default_rng(7)
    n = 24
    points = pd.DataFrame({
        "compute.rows": rng.choice([8, 32, 128], n), "compute.cols": rng.choice([8, 32, 128], n),
        "compute.dataflow": rng.choice(["os", "ws", "is"], n), "mapping": rng.choice(["auto", "scalesim"], n),
        "buffers.ifmap.size_kib": rng.choice([16, 512, 8192], n), "dram.bandwidth_gb_s": rng.choice([8, 64], n),
    })
    off = hwsim.evaluate("tpu-v1-like", workload, points.assign(**{"buffers.keep_activations": False}), per_layer=True)
    on = hwsim.evaluate("tpu-v1-like", workload, points.assign(**{"buffers.keep_activations": True}), per_layer=True)
    scalesim = (on["mapping"] == "scalesim").to_numpy()
    assert (_dram(on)[scalesim] <= _dram(off)[scalesim] + 1e-6).all()
    assert (_dram(on) >= on["compulsory_dram_bits"].to_numpy() - 1e-6).all()
    assert on["dram_spill_bits"].sum() < off["dram_spill_bits"].sum()
    totals = hwsim.evaluate("tpu-v1-like", workload, points.assign(**{"buffers.keep_activations": True}))
    by_point = on.groupby("point")[["total_cycles", "energy_pj"]].sum()
    np.testing.assert_allclose(totals["total_cycles"], by_point["total_cycles"], rtol=1e-12)
    np.testing.assert_allclose(totals["energy_pj"], by_point["energy_pj"], rtol=1e-9)


def test_new_k_and_v_always_go_to_the_kv_cache():
    from hwsim.workload.layer import Layer as L

    # Gemm(1, 64, 64) writing new K: its output is the KV cache's, even when a GEMM follows that
    # reads no more than it wrote
    work = Workload("w", (L("k_proj", Gemm(1, 64, 64), writes_kv=True), L("next", Gemm(1, 64, 8))))
    accel = hwsim.load_accelerator("scalesim-default", BASE + ["buffers.ifmap.size_kib=4",
                                                               "buffers.keep_activations=true"])
    layers = hwsim.simulate(accel, work).layers
    assert layers["dram_ofmap_writes_bits"].iloc[0] == 64 * 8
    assert layers["dram_ifmap_reads_bits"].iloc[1] == 64 * 8


def test_lowered_llm_workloads_keep_nothing():
    """A config.json's layer list is no chain (q, k, v read one input; generate merges steps):
    keep_activations leaves it as it was, so a generate run is still the sum of its steps."""
    work = hwsim.load_workload("llm/llama-3-8b", phase="prefill", seq_len=16)
    on = hwsim.simulate(hwsim.load_accelerator("tpu-v1-like"), work).layers
    off = hwsim.simulate(hwsim.load_accelerator("tpu-v1-like", ["buffers.keep_activations=false"]), work).layers
    np.testing.assert_array_equal(_dram(on), _dram(off))
