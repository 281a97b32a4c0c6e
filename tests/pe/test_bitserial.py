"""The bit-serial PE, pinned to first principles (cycles from bits and bits per cycle)."""

import math

import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.formats import Precision
from hwsim.workload import Gemm, Layer, Workload

BASE = ["compute.pe.type=bitserial", "compute.pe.weights=[int8]", "compute.pe.activations=[int8]",
        "compute.pe.accumulator=int32", "mapping=scalesim"]


def _accel(*extra):
    return hwsim.load_accelerator("scalesim-default", [*BASE, *extra])


def _record(accel, weights):
    return accel.pe.record(Precision(weights, "int8", "int8", "int8"), accel.tech)


def test_two_bits_per_cycle_take_two_cycles_per_int4_weight():
    accel = _accel("compute.pe.bits_per_cycle=2")
    assert _record(accel, "int4").cycles_per_step == 2
    assert _record(accel, "int8").cycles_per_step == 4
    assert _record(accel, "int3").cycles_per_step == 2   # ceil(3 / 2)
    # BitMoD's rule for an average width: ceil(floor(6.0625) / 2) = 3
    assert _record(accel, "6.0625").cycles_per_step == 3
    # a group-scaled weight serialises its element only; the scale is one per group
    record = _record(accel, "int4@g128")
    assert record.cycles_per_step == 2 and record.group_size == 128 and record.energy_per_group_pj > 0


def test_dot_product_width_packs_k():
    accel = _accel("compute.pe.dot_product_width=4")
    assert _record(accel, "int4").k_per_step == 4
    assert accel.info()["peak_macs_per_cycle"] == 32 * 32 * 4 / 8   # int8 default weights at 1 bit/cycle


def test_one_bit_per_cycle_is_4x_the_cycles_of_four_bits_on_a_compute_bound_layer():
    # OS: K streams through the array, so a bit-serial PE stretches the stream, not the folds
    work = Workload("fc", (Layer("fc", Gemm(64, 4096, 64)),))
    slow = hwsim.simulate(_accel("compute.pe.bits_per_cycle=1", "compute.dataflow=os"), work,
                          Precision(weights="int4")).layers.iloc[0]
    fast = hwsim.simulate(_accel("compute.pe.bits_per_cycle=4", "compute.dataflow=os"), work,
                          Precision(weights="int4")).layers.iloc[0]
    r = c = 32
    folds = math.ceil(64 / r) * math.ceil(64 / c)
    # SCALE-Sim's OS fold: T + R + C - 2 with T = K x cycles per step
    assert slow["compute_cycles"] == folds * (4096 * 4 + r + c - 2) - 1
    assert fast["compute_cycles"] == folds * (4096 * 1 + r + c - 2) - 1
    assert slow["folds"] == fast["folds"] == folds   # more cycles per step, never more folds
    assert slow["compute_cycles"] / fast["compute_cycles"] == pytest.approx(4, rel=0.02)   # fill/drain aside


def test_zero_bit_skipping_never_adds_cycles():
    for fraction in (0.1, 0.3, 0.5, 0.77, 1.0):
        accel = _accel("compute.pe.bits_per_cycle=1", f"compute.pe.essential_bit_fraction={fraction}")
        for bits in range(1, 9):
            cycles = _record(accel, f"int{bits}").cycles_per_step
            assert 1 <= cycles <= bits
            assert cycles == max(1, math.ceil(bits * fraction))


def test_energy_per_mac_is_linear_in_serial_cycles():
    accel = _accel("compute.pe.bits_per_cycle=1")
    e = {b: _record(accel, f"int{b}").energy_per_mac_pj for b in (2, 4, 8)}
    assert e[4] == pytest.approx(2 * e[2], rel=1e-12) and e[8] == pytest.approx(4 * e[2], rel=1e-12)


def test_published_pe_cost_replaces_the_model():
    accel = _accel("compute.pe.bits_per_cycle=2", "compute.pe.dot_product_width=4",
                   "compute.pe.energy_pj_per_cycle=0.84", "compute.pe.area_um2=1507.7")
    record = _record(accel, "int4")
    assert record.energy_per_mac_pj == pytest.approx(0.84 * 2 / 4)
    assert record.area_um2 == 1507.7
    assert accel.area_breakdown_mm2["pe_array"] == pytest.approx(32 * 32 * 1507.7 / 1e6)


def test_bad_bitserial_specs_are_refused():
    with pytest.raises(HwsimInputError, match="serialises integer weights"):
        _accel("compute.pe.weights=[fp16]")
    with pytest.raises(HwsimInputError, match="essential_bit_fraction"):
        _accel("compute.pe.essential_bit_fraction=1.5")
    with pytest.raises(HwsimInputError, match="'decomposable' is not a key of a bitserial PE"):
        _accel("compute.pe.decomposable=true")
    with pytest.raises(HwsimInputError, match="not supported by the bitserial PE"):
        hwsim.simulate(_accel(), Workload("w", (Layer("w", Gemm(4, 4, 4)),)), Precision(weights="int16"))


def test_bitmod_mapping_cycles_follow_its_tiles():
    # BitMoD's model: tiles = ceil(K/dp) ceil(N/rows) ceil(M/cols); compute = tiles x PE latency;
    # layer = max(compute, DRAM bits / bits per cycle); Llama-2-7B q_proj prefill of 256 tokens on
    # its lossy design (32x32, dp 4, int4 weights at 2 bits/cycle): 2,097,152 compute cycles
    # (../shared/reference/bitmod/llama2_7b_layers.csv)
    accel = _accel("mapping=bitmod", "compute.pe.activations=[fp16]", "compute.pe.accumulator=fp32",
                   "compute.pe.bits_per_cycle=2", "compute.pe.dot_product_width=4",
                   "default_precision.activations=fp16", "dram.bandwidth_gb_s=32")
    work = Workload("q", (Layer("q", Gemm(256, 4096, 4096)),))
    row = hwsim.simulate(accel, work, Precision(weights="int4@g128", outputs="fp16")).layers.iloc[0]
    assert row["compute_cycles"] == math.ceil(4096 / 4) * math.ceil(4096 / 32) * math.ceil(256 / 32) * 2
    assert row["total_cycles"] == max(row["compute_cycles"],
                                      (row["dram_reads_bits"] + row["dram_writes_bits"]) / 256)
