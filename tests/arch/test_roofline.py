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


# -- what a real stack reaches (compute.achievable_*_fraction; the 80 GB card) --------------------

def test_the_80gb_card_has_its_own_bandwidth_and_capacity():
    info = hwsim.load_accelerator("gpu-a100-80gb-roofline").info()
    assert info["dram_bandwidth_gb_s"] == 2039 and info["dram_capacity_gib"] == 80
    assert info["peak_tops"] == pytest.approx(312, rel=0.001)      # the same tensor cores


def test_fractions_scale_each_roof_by_hand(tmp_path):
    sets = ["compute.achievable_bandwidth_fraction=0.88", "compute.achievable_compute_fraction=0.5"]
    accel = hwsim.load_accelerator("gpu-a100-80gb-roofline", sets)
    gemv = _run(tmp_path, 1, 4096, 4096, accel)
    bits = (4096 + 4096 * 4096 + 4096) * 16
    bits_per_cycle = 2039e9 * 8 / 1.41e9 * 0.88          # 88% of 2039 GB/s at 1410 MHz
    assert gemv["compute_cycles"] == math.ceil(4096 * 4096 / (432 * 256 * 0.5))
    assert gemv["total_cycles"] == math.ceil(bits / bits_per_cycle)
    assert gemv["dram_reads_bits"] + gemv["dram_writes_bits"] == bits   # the traffic is the traffic
    gemm = _run(tmp_path, 8192, 8192, 8192, accel)
    assert gemm["total_cycles"] == math.ceil(8192 ** 3 / (432 * 256 * 0.5))


def test_fractions_are_refused_off_a_roofline(capsys):
    from hwsim.cli import main

    assert main(["run", "tpu-v1-like", "--set", "compute.achievable_bandwidth_fraction=0.5", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "applies to a roofline only" in err
    # a PIM design with a systolic host reads no fraction either
    assert main(["run", "hbm-pim", "--set", "compute.achievable_compute_fraction=0.5", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "host is systolic" in err
    for bad in ("0", "1.5"):
        assert main(["run", "gpu-a100-80gb-roofline", "--set", f"compute.achievable_compute_fraction={bad}",
                     "--out", ""]) == 2
        assert "achievable_compute_fraction" in capsys.readouterr().err


def test_fractions_swept_as_arrays_and_refused_off_a_roofline():
    import pandas as pd

    swept = hwsim.evaluate("gpu-a100-80gb-roofline", "llama2_7b_decode",
                           pd.DataFrame({"compute.achievable_bandwidth_fraction": [1.0, 0.5]}))
    # decode on a roofline is bandwidth-bound: half the bandwidth, (nearly) twice the time
    assert swept["latency_s"].iloc[1] / swept["latency_s"].iloc[0] == pytest.approx(2.0, rel=0.01)
    with pytest.raises(hwsim.errors.HwsimInputError, match="points row 1.*roofline only"):
        hwsim.evaluate("tpu-v1-like", "resnet50", pd.DataFrame({"compute.achievable_bandwidth_fraction": [1.0, 0.5]}))


def test_a_pim_design_with_a_roofline_host_takes_the_fractions():
    import pandas as pd

    # AttAcc: the GPU host is a roofline, so its fractions apply (they were refused as "roofline
    # only"): halving both fractions on a decode step roughly doubles the host's share of the time
    base = hwsim.evaluate("attacc-hbm3", "llama2_7b_decode")
    swept = hwsim.evaluate("attacc-hbm3", "llama2_7b_decode",
                           pd.DataFrame({"compute.achievable_compute_fraction": [1.0, 0.5],
                                         "compute.achievable_bandwidth_fraction": [1.0, 0.5]}))
    assert swept["latency_s"].iloc[0] == pytest.approx(base["latency_s"].iloc[0], rel=1e-12)
    assert swept["latency_s"].iloc[1] > 1.5 * swept["latency_s"].iloc[0]
    one = hwsim.load_accelerator("attacc-hbm3", ["compute.achievable_bandwidth_fraction=0.5",
                                                 "compute.achievable_compute_fraction=0.5"])
    assert hwsim.simulate(one, "llama2_7b_decode").summary()["latency_s"] == pytest.approx(
        swept["latency_s"].iloc[1], rel=1e-9)
