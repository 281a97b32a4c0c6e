"""The roofline fabric (compute.kind: roofline): a layer takes max(MACs at peak, compulsory traffic
at the DRAM bandwidth), by hand from the A100 whitepaper's figures."""

import math

import pytest

import hwsim


def _run(tmp_path, m, k, n, accel="gpu-a100-roofline"):
    trace = tmp_path / "t.csv"
    trace.write_text(f"name,op,m,k,n\nfc,gemm,{m},{k},{n}\n")
    return hwsim.simulate(accel, str(trace)).layers.iloc[0]


def test_peak_matches_the_whitepaper():
    # 432 tensor cores x 256 FP16 FMA x 2 x 1.41 GHz = 312 TFLOPS; H100 528 x 512 x 2 x 1.83 GHz = 989.4
    assert hwsim.load_accelerator("gpu-a100-roofline").info()["peak_tops"] == pytest.approx(312, rel=0.001)
    assert hwsim.load_accelerator("gpu-h100-roofline").info()["peak_tops"] == pytest.approx(989.4, rel=0.001)


def test_a_gemv_is_bandwidth_bound(tmp_path):
    row = _run(tmp_path, 1, 4096, 4096)
    bits = (4096 + 4096 * 4096 + 4096) * 16             # input, weights, output once, FP16
    bits_per_cycle = 1555e9 * 8 / 1.41e9                # 1555 GB/s at the 1410 MHz clock
    assert row["compute_cycles"] == math.ceil(4096 * 4096 / (432 * 256))
    assert row["total_cycles"] == math.ceil(bits / bits_per_cycle)
    assert row["dram_reads_bits"] + row["dram_writes_bits"] == bits
    assert row["energy_dram_pj"] == pytest.approx(bits * 3.59)


def test_a_big_gemm_is_compute_bound(tmp_path):
    row = _run(tmp_path, 8192, 8192, 8192)
    assert row["stall_cycles"] == 0
    assert row["total_cycles"] == math.ceil(8192 ** 3 / (432 * 256))
    assert row["mapping"] == "roofline"


def test_weight_only_int4_cuts_the_traffic_not_the_peak(tmp_path):
    trace = tmp_path / "t.csv"
    trace.write_text("name,op,m,k,n\nfc,gemm,1,4096,4096\n")
    fp16 = hwsim.simulate("gpu-h100-roofline", str(trace)).layers.iloc[0]
    int4 = hwsim.simulate("gpu-h100-roofline", str(trace), precision=hwsim.Precision(weights="int4")).layers.iloc[0]
    assert int4["dram_reads_bits"] == 4096 * 16 + 4096 * 4096 * 4
    assert int4["total_cycles"] < fp16["total_cycles"] / 3.5
