"""buffers.activation_compression rlc (hwsim/arch/fabrics/systolic/compression.py): Eyeriss's
run-length format on activations to and from DRAM, by each layer's activation_density. Expected
values worked by hand from the module's formula."""

from __future__ import annotations

import pytest

import hwsim
from hwsim.arch.fabrics.systolic.compression import rlc_ratio
from hwsim.errors import HwsimInputError
from hwsim.workload.trace import parse_trace


def test_ratio_by_hand():
    # 16-bit values: floor(63 / 21) = 3 pairs per 64-bit word; density 0.5: a pair covers
    # (1 - 0.5^32) / 0.5 elements, so bits per element = 0.5 / (1 - 0.5^32) x 64 / 3, over 16
    assert rlc_ratio(0.5, 16.0) == pytest.approx(0.5 / (1 - 0.5 ** 32) * 64 / 3 / 16, rel=1e-12)
    # 8-bit values: floor(63 / 13) = 4 pairs per word; density 0.1: 0.1 / (1 - 0.9^32) x 16 / 8
    assert rlc_ratio(0.1, 8.0) == pytest.approx(0.1 / (1 - 0.9 ** 32) * 64 / 4 / 8, rel=1e-12)
    # dense data, and data the format would grow (0.8 x 64/3 / 16 = 1.07): bypassed
    assert rlc_ratio(1.0, 16.0) == 1.0
    assert rlc_ratio(0.8, 16.0) == 1.0
    # a value too wide for one pair in a word (5 + 59 > 63): nothing to compress with
    assert rlc_ratio(0.1, 59.0) == 1.0


TRACE = """name,op,count,m,k,n,activation_density
a,gemm,1,64,64,64,
b,gemm,1,64,64,64,0.25
"""
# the second layer reads the first's output, so the first's output has density 0.25 too


def _layers(compression: str):
    accel = hwsim.load_accelerator("scalesim-default", overrides=[
        "mapping=auto", f"buffers.activation_compression={compression}", "dram.bandwidth_gb_s=unlimited"])
    return hwsim.simulate(accel, parse_trace(TRACE)).layers


def test_dram_activation_traffic_shrinks_by_the_ratio():
    plain, rlc = _layers("none"), _layers("rlc")
    r = rlc_ratio(0.25, 8.0)    # scalesim-default: 8-bit activations and outputs
    # layer a: dense input (no change), output to b at density 0.25
    assert rlc.loc[0, "dram_ifmap_reads_bits"] == plain.loc[0, "dram_ifmap_reads_bits"]
    assert rlc.loc[0, "dram_ofmap_writes_bits"] == pytest.approx(plain.loc[0, "dram_ofmap_writes_bits"] * r, rel=1e-12)
    # layer b: its input at 0.25, its output (last layer) dense
    assert rlc.loc[1, "dram_ifmap_reads_bits"] == pytest.approx(plain.loc[1, "dram_ifmap_reads_bits"] * r, rel=1e-12)
    assert rlc.loc[1, "dram_ofmap_writes_bits"] == plain.loc[1, "dram_ofmap_writes_bits"]
    # weights are never compressed; traffic never below the (compressed) compulsory figure
    assert (rlc["dram_filter_reads_bits"] == plain["dram_filter_reads_bits"]).all()
    assert ((rlc["dram_reads_bits"] + rlc["dram_writes_bits"]) >= rlc["compulsory_dram_bits"] * (1 - 1e-12)).all()


def test_sram_holds_activations_decoded():
    # compressed bits cross DRAM; the codec decodes them on the way in, so the ifmap buffer is
    # written the full-width bits (reads and every other buffer unchanged). The mapper's tiling may
    # differ with the cheaper traffic, so compare against the compressed DRAM bits of the same run.
    plain, rlc = _layers("none"), _layers("rlc")
    r = rlc_ratio(0.25, 8.0)
    assert rlc.loc[1, "dram_ifmap_reads_bits"] < plain.loc[1, "dram_ifmap_reads_bits"]
    # layer b's ifmap fills: its compressed DRAM reads / r, which is what the dense run wrote when
    # both runs fetch A the same number of times
    assert rlc.loc[1, "dram_ifmap_reads_bits"] / r == pytest.approx(plain.loc[1, "dram_ifmap_reads_bits"], rel=1e-12)
    assert rlc.loc[1, "sram_writes_bits"] == pytest.approx(plain.loc[1, "sram_writes_bits"], rel=1e-12)


def test_codec_energy_is_a_register_write_per_compressed_bit():
    from hwsim.tech.arith import register
    from hwsim.tech.costs import unit_cost

    plain, rlc = _layers("none"), _layers("rlc")
    accel = hwsim.load_accelerator("scalesim-default")
    bit_pj = unit_cost(register(1.0), accel.tech).energy_pj
    # layer b decodes its compressed input: compute energy grows by those bits x a register bit
    extra = rlc.loc[1, "energy_compute_pj"] - plain.loc[1, "energy_compute_pj"]
    assert extra == pytest.approx(rlc.loc[1, "dram_ifmap_reads_bits"] * bit_pj, rel=1e-9)


@pytest.mark.parametrize("cell", ["0", "1.5", "nan", "abc", "-0.2"])
def test_a_bad_density_is_refused_naming_the_column(cell):
    with pytest.raises(HwsimInputError, match="activation_density"):
        parse_trace(f"name,op,m,k,n,activation_density\na,gemm,4,4,4,{cell}\n")


def test_density_does_not_apply_to_a_vector_op():
    with pytest.raises(HwsimInputError, match="activation_density"):
        parse_trace("name,op,vector_op,elements,activation_density\nr,vector,relu,16,0.5\n")


def test_density_round_trips_through_the_trace():
    from hwsim.workload.trace import format_trace

    work = parse_trace(TRACE)
    again = parse_trace(format_trace(work))
    assert [layer.activation_density for layer in again.layers] == [None, 0.25]


def test_layer_api_refuses_a_bad_density():
    with pytest.raises(HwsimInputError, match="activation_density"):
        hwsim.Layer("x", hwsim.Gemm(4, 4, 4), activation_density=True)


def test_fused_pass_equals_simulate_across_the_new_keys():
    # the fused summary pass (evaluate) and the per-layer path (simulate) give the same totals on
    # random points over dataflow (with rs), the shared buffer and compression
    import numpy as np
    import pandas as pd

    work = parse_trace("""name,op,count,batch,in_h,in_w,in_c,out_c,kernel_h,kernel_w,stride,padding,activation_density
c1,conv2d,1,2,20,20,3,16,5,5,1,2,
c2,conv2d,1,2,20,20,16,32,3,3,1,1,0.4
c3,conv2d,2,2,20,20,32,32,3,3,2,1,0.6
""")
    rng = np.random.default_rng(3)
    size = 12
    points = pd.DataFrame({
        "compute.dataflow": rng.choice(["os", "ws", "is", "rs"], size),
        "buffers.shared_ifmap_ofmap": rng.choice([False, True], size),
        "buffers.activation_compression": rng.choice(["none", "rlc"], size),
        "buffers.ifmap.size_kib": rng.choice([2, 8, 64], size),
        "buffers.ofmap.size_kib": rng.choice([2, 8, 64], size),
    })
    table = hwsim.evaluate("eyeriss-like", work, points)
    for i, row in points.iterrows():
        accel = hwsim.load_accelerator("eyeriss-like", overrides=[f"{k}={str(v).lower()}" for k, v in row.items()])
        layers = hwsim.simulate(accel, work).layers
        assert table.loc[i, "energy_pj"] == pytest.approx(layers["energy_pj"].sum(), rel=1e-9)
        assert table.loc[i, "total_cycles"] == pytest.approx(layers["total_cycles"].sum(), rel=1e-12)
        assert table.loc[i, "dram_bits"] == pytest.approx((layers["dram_reads_bits"] + layers["dram_writes_bits"]).sum(),
                                                          rel=1e-12)


def test_assumed_density_for_outputs_the_trace_leaves_unstated():
    # no densities in the trace: with buffers.assumed_activation_density 0.5, the network's input
    # stays dense, a's output and b's input (a previous layer's output) take 0.5, b's output (read by
    # no layer) stays dense
    trace = "name,op,count,m,k,n\na,gemm,1,64,64,64\nb,gemm,1,64,64,64\n"

    def layers(overrides):
        accel = hwsim.load_accelerator("scalesim-default", overrides=[
            "mapping=auto", "dram.bandwidth_gb_s=unlimited", *overrides])
        return hwsim.simulate(accel, parse_trace(trace)).layers

    plain = layers([])
    assumed = layers(["buffers.activation_compression=rlc", "buffers.assumed_activation_density=0.5"])
    r = rlc_ratio(0.5, 8.0)
    assert assumed.loc[0, "dram_ifmap_reads_bits"] == plain.loc[0, "dram_ifmap_reads_bits"]
    assert assumed.loc[0, "dram_ofmap_writes_bits"] == pytest.approx(plain.loc[0, "dram_ofmap_writes_bits"] * r,
                                                                     rel=1e-12)
    assert assumed.loc[1, "dram_ifmap_reads_bits"] == pytest.approx(plain.loc[1, "dram_ifmap_reads_bits"] * r,
                                                                    rel=1e-12)
    assert assumed.loc[1, "dram_ofmap_writes_bits"] == plain.loc[1, "dram_ofmap_writes_bits"]
    # without compression the assumption changes nothing
    unused = layers(["buffers.assumed_activation_density=0.5"])
    assert (unused["dram_ofmap_writes_bits"] == plain["dram_ofmap_writes_bits"]).all()


@pytest.mark.parametrize("value", ["0", "1.5", "true"])
def test_a_bad_assumed_density_is_refused(value):
    with pytest.raises(HwsimInputError, match="assumed_activation_density"):
        hwsim.load_accelerator("scalesim-default", overrides=[f"buffers.assumed_activation_density={value}"])
