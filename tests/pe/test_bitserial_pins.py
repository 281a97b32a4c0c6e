"""Pins on the bit-serial PE's zero-bit skipping with several bits per cycle, through the engine.

docs/models/bitserial.md: cycles per step = ceil(serial bits / b); with zero-bit skipping at an
essential-bit fraction f, max(1, ceil(serial bits x f / b)), never more than without; energy per
MAC = energy per cycle x cycles per step / dp; the array sees ceil(K / dp) steps along K.

The layer: Gemm(M=4, K=16, N=4) on a 4 x 4 OS array under SCALE-Sim's mapping, one fold, so
compute = F (T + R + C - 2) - 1 = ceil(16 / dp) x cycles per step + 4 + 4 - 2 - 1 (SCALE-Sim's
fold with the streamed K stretched by the cycles per step); int8 weights unless stated; a
published 0.5 pJ per PE cycle, so energy_compute = 256 MACs x 0.5 x cycles per step / dp.
"""

from __future__ import annotations

import math

import pytest

import hwsim

BASE = ["compute.pe.type=bitserial", "compute.pe.weights=[int8]", "compute.pe.activations=[int8]",
        "compute.pe.accumulator=int32", "compute.pe.energy_pj_per_cycle=0.5", "mapping=scalesim",
        "compute.rows=4", "compute.cols=4", "compute.dataflow=os"]
WORK = hwsim.Workload("w", (hwsim.Layer("l0", hwsim.Gemm(4, 16, 4)),))
MACS = 4 * 16 * 4

# (bits per cycle, essential-bit fraction or None, cycles per step for int8 weights, by hand)
CASES = [
    (1, None, 8), (2, None, 4), (3, None, 3), (4, None, 2), (8, None, 1),      # ceil(8 / b)
    (1, 0.5, 4), (2, 0.5, 2), (3, 0.5, 2), (4, 0.5, 1), (8, 0.5, 1),           # ceil(4 / b)
    (1, 0.3, 3), (2, 0.3, 2), (3, 0.3, 1), (4, 0.3, 1),                        # ceil(2.4 / b)
    (1, 0.05, 1), (4, 0.05, 1),                                                # max(1, ceil(0.4 / b))
    (2, 1.0, 4), (3, 1.0, 3),                                                  # f = 1: as without skipping
]


def _row(*extra, precision=None):
    accel = hwsim.load_accelerator("scalesim-default", [*BASE, *extra])
    return hwsim.simulate(accel, WORK, precision).layers.iloc[0]


@pytest.mark.parametrize("bits_per_cycle, fraction, cycles_per_step", CASES)
def test_cycles_and_energy_per_step_with_bits_per_cycle_and_skipping(bits_per_cycle, fraction, cycles_per_step):
    extra = [f"compute.pe.bits_per_cycle={bits_per_cycle}"]
    if fraction is not None:
        extra.append(f"compute.pe.essential_bit_fraction={fraction}")
    row = _row(*extra)
    assert row["folds"] == 1                                   # more cycles per step, never more folds
    assert row["compute_cycles"] == 16 * cycles_per_step + 4 + 4 - 2 - 1
    assert row["energy_compute_pj"] == pytest.approx(MACS * 0.5 * cycles_per_step, rel=1e-12)


def test_skipping_on_narrow_weights_and_a_dot_product():
    # int4 weights at 3 bits per cycle: ceil(4 / 3) = 2 cycles; f = 0.75 skips to ceil(3 / 3) = 1
    plain = _row("compute.pe.bits_per_cycle=3", precision=hwsim.Precision(weights="int4"))
    skip = _row("compute.pe.bits_per_cycle=3", "compute.pe.essential_bit_fraction=0.75",
                precision=hwsim.Precision(weights="int4"))
    assert plain["compute_cycles"] == 16 * 2 + 5
    assert skip["compute_cycles"] == 16 * 1 + 5
    # dp 4: K = 16 is 4 steps; int8 at 2 bits per cycle with f = 0.5: ceil(8 x 0.5 / 2) = 2 cycles
    dot = _row("compute.pe.bits_per_cycle=2", "compute.pe.dot_product_width=4", "compute.pe.essential_bit_fraction=0.5")
    assert dot["compute_cycles"] == math.ceil(16 / 4) * 2 + 5 == 13
    assert dot["energy_compute_pj"] == pytest.approx(MACS * 0.5 * 2 / 4, rel=1e-12)


def test_skipping_stretches_the_mapper_stream_too():
    # mapping auto, unlimited bandwidth, latency: one fold, one pass: K x cycles per step + R + C - 2
    row = _row("mapping=auto", "mapping_objective=latency", "compute.pe.bits_per_cycle=2",
               "compute.pe.essential_bit_fraction=0.5")
    assert row["compute_cycles"] == 16 * math.ceil(8 * 0.5 / 2) + (4 + 4 - 2) == 38


def test_one_lane_cycle_is_the_documented_netlist():
    """Stripes-like (1 weight bit a cycle, 16 lanes, int16 activations, int32 accumulator, int16
    weights): one cycle is 16 lane products of 1 x 16 bits, an adder tree of 15 adders of
    1 + 16 + log2 16 = 21 bits, a shifter aligning 21 bits over 16 weight-bit positions, the
    int32 accumulator, and registers for the 16 lanes' operands (16 x (16 + 1) bits). The unit
    costs are the arithmetic models' (tests/tech/test_arith_netlists.py counts them)."""
    from hwsim.formats import parse_format
    from hwsim.pe.bitserial import _lane_cycle_cost
    from hwsim.tech import arith
    from hwsim.tech.costs import unit_cost
    from hwsim.tech.nodes import tech_point

    tech = tech_point(45)
    net = (arith.int_multiplier(1, 16).times(16).then(arith.int_adder(21).times(15))
           .then(arith.shifter(21, 16)).then(arith.accumulator(parse_format("int32")))
           .then(arith.register(16 * (16 + 1))))
    got = _lane_cycle_cost(1, 16, parse_format("int16"), parse_format("int32"), 16, tech)
    want = unit_cost(net, tech)
    assert (got.energy_pj, got.area_um2, got.leakage_uw) == pytest.approx((want.energy_pj, want.area_um2, want.leakage_uw),
                                                                           rel=1e-12)
    # the preset's PE costs are that cycle
    pe = hwsim.load_accelerator("stripes-like").pe
    assert pe.datapath_cost(tech).energy_pj == pytest.approx(want.energy_pj, rel=1e-12)
