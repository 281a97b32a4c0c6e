"""A workload's DRAM footprint (weights at their formats, the KV cache at its length and format,
the peak activations), by hand, and whether it fits a design's capacity."""

from pathlib import Path

import numpy as np
import pytest

import hwsim
from hwsim.cli import main
from hwsim.formats import Precision
from hwsim.workload.batch import layer_batch
from hwsim.workload.footprint import footprint, resolved_bits, workload_footprint

INT8 = Precision("int8", "int8", "int8")
GIB_BITS = 8 * 2 ** 30

# one 8 GiB design: a single DDR4-3200 channel of eight 8 Gb dies
DDR4_8GIB = str(Path(__file__).resolve().parents[1] / "specs" / "ddr4_8gib.yaml")


def _tiny():
    """Two blocks of: a 64 x 128 projection with INT4 weights, then attention of one query over 100
    cached tokens in 4 heads of 32 dims with an INT8 KV cache (Q.K^T and P.V)."""
    kv8 = Precision(kv="int8")
    return hwsim.Workload("tiny", (
        hwsim.Layer("proj", hwsim.Gemm(1, 64, 128), precision=Precision(weights="int4"), count=2),
        hwsim.Layer("attn_qk", hwsim.MatMul(1, 32, 100, 4), precision=kv8, count=2),
        hwsim.Layer("attn_pv", hwsim.MatMul(1, 100, 32, 4), precision=kv8, count=2),
    ))


def test_a_small_workload_by_hand():
    fp = workload_footprint(_tiny(), INT8)
    # weights: 64 x 128 per block x 2 blocks at 4 bits
    assert fp.weights_bits == 64 * 128 * 2 * 4 == 65536
    # KV: K (32 x 100 per head) and V (100 x 32) x 4 heads x 2 blocks at 8 bits:
    # 2 (K, V) x 2 blocks x 4 heads x 32 dims x 100 tokens x 8 bits
    assert fp.kv_bits == 2 * 2 * 4 * 32 * 100 * 8 == 409600
    # activations: the largest layer's input + output at INT8: the projection 64 in + 128 out;
    # Q.K^T 4 x 32 in + 4 x 100 scores out; P.V 4 x 100 in + 4 x 32 out -> 528 elements
    assert fp.activations_bits == max(64 + 128, 4 * 32 + 4 * 100, 4 * 100 + 4 * 32) * 8 == 4224
    assert fp.total_bits == 65536 + 409600 + 4224


def test_formats_follow_the_run_and_the_design():
    # a run-wide INT8 weight override replaces the layers' INT4; a 16-bit KV default applies where
    # a layer gives none
    work = _tiny()
    assert workload_footprint(work, INT8, Precision(weights="int8")).weights_bits == 64 * 128 * 2 * 8
    plain = hwsim.Workload("plain", tuple(hwsim.Layer(layer.name, layer.op, count=2) for layer in work.layers))
    assert workload_footprint(plain, Precision("int8", "int8", "int8", "fp16")).kv_bits == 2 * 2 * 4 * 32 * 100 * 16


def test_per_design_bit_arrays_give_one_footprint_each():
    work = _tiny()
    layers = layer_batch(work)
    one = resolved_bits(layers, [p.filled_from(INT8) for p in layers.precisions])
    two = resolved_bits(layers, [p.filled_from(Precision("fp16", "fp16", "fp16")) for p in layers.precisions])
    stacked = footprint(layers, *(np.stack([a, b]) for a, b in zip(one, two)))
    # design 2: INT4 weights stay (the layer sets them), the KV stays INT8, activations in FP16
    assert stacked.weights_bits.tolist() == [65536, 65536]
    assert stacked.kv_bits.tolist() == [409600, 409600]
    assert stacked.activations_bits.tolist() == [4224, 528 * 16]


def test_mixtral_stores_every_expert():
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=512)
    fp = workload_footprint(work, INT8)
    # Mixtral-8x7B (config.json: hidden 4096, 32 blocks, 32 heads, 8 KV heads of 128, 8 experts of
    # 14336, vocabulary 32000, LM head untied): per block attention 2 x 4096^2 + 2 x 4096 x 1024,
    # 2 RMSNorm scales, 8 experts x 3 x 4096 x 14336, a 4096 x 8 router; plus the embedding and the
    # LM head (32000 x 4096 each) and the final norm
    block = 2 * 4096 ** 2 + 2 * 4096 * 1024 + 2 * 4096 + 8 * 3 * 4096 * 14336 + 4096 * 8
    params = 32 * block + 2 * 32000 * 4096 + 4096
    assert params == 46_702_792_704
    assert fp.weights_bits == params * 8                       # 46.7 GB at INT8
    # KV: 2 x 32 blocks x 8 KV heads x 128 x (512 + 1 tokens) at 8 bits
    assert fp.kv_bits == 2 * 32 * 8 * 128 * 513 * 8
    # a decode step at batch 1 runs 2 of the 8 experts: the layers alone would hold about a quarter
    executed = sum(layer.op.gemm_view().k * layer.op.gemm_view().n * layer.count for layer in work.layers
                   if layer.op.gemm_view() is not None and layer.op.gemm_view().b_operand == "weights")
    assert executed < params / 3


def test_mixtral_does_not_fit_8_gib_and_gpt2_does():
    accel = hwsim.load_accelerator(DDR4_8GIB)
    assert accel.design.dram_capacity_bits[0] == 8 * GIB_BITS
    mixtral = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=512)
    gpt2 = hwsim.load_workload("llm/gpt2", phase="decode", kv_len=512)
    assert workload_footprint(mixtral, accel.default_precision).total_bits > 8 * GIB_BITS
    assert workload_footprint(gpt2, accel.default_precision).total_bits < 8 * GIB_BITS


def test_run_warns_on_one_line_when_it_does_not_fit(capsys):
    assert main(["run", DDR4_8GIB, "llm/mixtral-8x7b", "--phase", "decode", "--kv-len", "512", "--gemm-only",
                 "--format", "json"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hwsim: warning: ")
    # 46,702,792,704 INT8 weights = 43.5 GiB; the DRAM holds 8 GiB
    assert "does not fit" in err[0] and "weights 43.5 GiB" in err[0] and "holds 8 GiB" in err[0]
    assert main(["run", DDR4_8GIB, "llm/gpt2", "--phase", "decode", "--kv-len", "512", "--gemm-only",
                 "--format", "json"]) == 0
    assert capsys.readouterr().err == ""


def test_no_capacity_declared_never_warns(capsys):
    assert np.isinf(hwsim.load_accelerator("tpu-v1-like").design.dram_capacity_bits[0])
    assert main(["run", "tpu-v1-like", "llm/mixtral-8x7b", "--phase", "decode", "--kv-len", "16", "--gemm-only",
                 "--format", "json"]) == 0
    assert capsys.readouterr().err == ""


def test_the_window_caps_mistrals_cache():
    # Mistral-7B: sliding window 4096, 32 blocks x 8 KV heads x 128 dims; at 8000 tokens the cache
    # holds the window's 4096 tokens
    work = hwsim.load_workload("llm/mistral-7b", phase="decode", kv_len=7999, gemm_only=True)
    assert workload_footprint(work, INT8).kv_bits == pytest.approx(2 * 32 * 8 * 128 * 4096 * 8)
