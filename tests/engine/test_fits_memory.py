"""hwsim.evaluate's power_w, dram_footprint_bits and fits_memory columns (the engine side of
hwsim/workload/footprint.py and DesignBatch.dram_capacity_bits)."""

from pathlib import Path

import numpy as np
import pytest

import hwsim

# the one 8 GiB DDR4 design the footprint tests use
SPEC = str(Path(__file__).resolve().parents[1] / "specs" / "ddr4_8gib.yaml")


def test_mixtral_is_flagged_on_8_gib_and_fits_on_64():
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=512, gemm_only=True)
    frame = hwsim.evaluate(SPEC, work, {"dram.channels": [1, 8]})
    # 46,702,792,704 INT8 weights + 2 x 32 x 8 x 128 x 513 INT8 KV entries (+ a step's activations)
    # against 8 GiB (1 channel) and 64 GiB (8 channels)
    need = 46_702_792_704 * 8 + 2 * 32 * 8 * 128 * 513 * 8
    assert frame["dram_footprint_bits"].iloc[0] == pytest.approx(need, rel=1e-6)
    assert frame["fits_memory"].tolist() == [False, True]
    assert frame["power_w"].to_numpy() == pytest.approx(frame["energy_pj"] * 1e-12 / frame["latency_s"])
    assert np.diff(frame["power_w"])[0] > 0


def test_no_capacity_declared_always_fits():
    frame = hwsim.evaluate("tpu-v1-like", "resnet50", {"compute.rows": [64, 256]})
    assert frame["fits_memory"].all()
