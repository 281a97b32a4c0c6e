"""Hand-computed single-layer goldens for every energy and area term (unit and accounting errors).

Every expected number below is written out from the documented formulas:

* compute cycles: SCALE-Sim's F * P - 1 (hwsim/arch/fabrics/systolic/timing.py docstring), SRAM word counts
  from the same table, DRAM traffic from SCALE-Sim's loop order (hwsim/arch/fabrics/systolic/fabric.py);
* energies: hwsim/engine/pricing.py docstring (compute = MACs x E_mac + groups x E_group +
  converted x E_convert + vector ops x E_op; SRAM = sum over buffers of bits x pJ/bit;
  DRAM = bits x pJ/bit; leakage = static power x latency);
* SRAM pJ/bit, area and leakage: hwsim/memory/sram.py docstring, its constants written out here;
* areas: pe_array = rows x cols x PE area, converters = one per edge lane, vector_unit = lanes x
  lane area, sram_<role>, overhead = fraction x the sum of the other parts.

Unit energies and areas of separately tested models (a PE's energy per MAC, area and leakage, the
vector lane, the converters, the node factors) are taken from their APIs as inputs; everything
the engine does with them (multiply by counts, sum over buffers, convert units) is checked here.
"""

from __future__ import annotations

import math

import pytest

import hwsim
from hwsim.formats import Precision, parse_format
from hwsim.memory.sram import sram_cost
from hwsim.pe.placement import placement_factor
from hwsim.tech.nodes import tech_point
from hwsim.workload import Gemm, Layer, VectorOp, Workload

EXACT = dict(rel=1e-9)

# ---------------------------------------------------------------------------------------------
# The documented SRAM model (hwsim/memory/sram.py docstring), constants written out.
# ---------------------------------------------------------------------------------------------
# E64 = 10 pJ * (KiB / 8) ** x, x through Horowitz's (8 KB, 10 pJ) and (1 MB, 100 pJ)
CAPACITY_EXP = math.log(100 / 10) / math.log(1024 / 8)
# E(width) = E64 * (width / 64) ** y, y through CACTI 7 512 KiB: 256-bit 70.0928 pJ, 1024-bit 138.4416 pJ
WIDTH_EXP = math.log(138.4416 / 70.0928) / math.log(1024 / 256)
# access energy x banks ** z, z through CACTI 7 512 KiB: 1 bank 0.206 nJ, 32 banks 0.364 nJ
BANK_ENERGY_EXP = math.log(0.364 / 0.206) / math.log(32 / 1)
# area x (banks / 8) ** u, u through 1 bank 1.83 mm2, 32 banks 3.36 mm2
BANK_AREA_EXP = math.log(3.36 / 1.83) / math.log(32 / 1)
# area x (port / 256) ** v, v through 8 B port 1.58 mm2, 128 B port 2.36 mm2
PORT_AREA_EXP = math.log(2.36 / 1.58) / math.log(128 / 8)
# 0.354 um2/bit at 28 nm: CACTI 7 512 KiB, 8 banks, 256-bit = 1.48456 mm2 over 4,194,304 bits
UM2_PER_BIT_28NM = 1.48456e6 / (512 * 8192)
LEAK_NW_PER_BIT_45NM = {"hp": 52.7, "lop": 2.2}

# node factors: the node model is tested elsewhere; here they are inputs
AREA_FACTOR_28 = tech_point(28).area_factor
ENERGY_FACTOR_28 = tech_point(28).energy_factor


def hand_sram_pj_per_bit(kib, banks, port, energy_factor=1.0):
    e64 = 10.0 * (kib / 8) ** CAPACITY_EXP * banks ** BANK_ENERGY_EXP
    return e64 * (port / 64) ** WIDTH_EXP * energy_factor / port


def hand_sram_area_um2(kib, banks, port, area_factor=1.0):
    """area_factor relative to 45 nm; the per-bit figure is a 28 nm one."""
    return (kib * 8192 * UM2_PER_BIT_28NM * (area_factor / AREA_FACTOR_28)
            * (banks / 8) ** BANK_AREA_EXP * (port / 256) ** PORT_AREA_EXP)


def hand_sram_leak_uw(kib, cell, leakage_factor=1.0):
    return kib * 8192 * LEAK_NW_PER_BIT_45NM[cell] * 1e-3 * leakage_factor  # nW -> uW


def test_written_out_constants_are_the_docstring_ones():
    assert CAPACITY_EXP == pytest.approx(0.4746, abs=5e-5)
    assert WIDTH_EXP == pytest.approx(0.491, abs=5e-4)
    assert BANK_ENERGY_EXP == pytest.approx(0.164, abs=5e-4)
    assert BANK_AREA_EXP == pytest.approx(0.175, abs=5e-4)
    assert PORT_AREA_EXP == pytest.approx(0.145, abs=5e-4)
    assert UM2_PER_BIT_28NM == pytest.approx(0.354, abs=5e-4)


# ---------------------------------------------------------------------------------------------
# sram_cost against the docstring, by hand
# ---------------------------------------------------------------------------------------------
def test_sram_capacity_anchors_at_45nm():
    # 8 KiB, 1 bank, 64-bit port: E64 = 10 pJ exactly, so 10/64 pJ per bit
    assert sram_cost(8, 1, 64, 45).read_pj_per_bit.value == pytest.approx(10.0 / 64, **EXACT)
    # 1 MiB: 100 pJ per 64-bit access
    assert sram_cost(1024, 1, 64, 45).read_pj_per_bit.value == pytest.approx(100.0 / 64, **EXACT)
    # 32 KiB: 10 * 4 ** 0.4746 = 19.3 pJ (docstring)
    assert sram_cost(32, 1, 64, 45).read_pj_per_bit.value * 64 == pytest.approx(19.3, abs=0.05)
    assert sram_cost(32, 1, 64, 45).read_pj_per_bit.value * 64 == pytest.approx(
        10 * (32 / 8) ** (math.log(10) / math.log(128)), **EXACT)


def test_sram_port_width_anchor():
    # per access, 1024-bit vs 256-bit port = CACTI's 138.4416 / 70.0928 (the fit's two points)
    e256 = sram_cost(512, 1, 256, 45).read_pj_per_bit.value * 256
    e1024 = sram_cost(512, 1, 1024, 45).read_pj_per_bit.value * 1024
    assert e1024 / e256 == pytest.approx(138.4416 / 70.0928, **EXACT)
    # per bit: a 4x wider port costs (4 ** 0.491) / 4 per bit
    e64 = 10 * (512 / 8) ** CAPACITY_EXP
    assert e256 == pytest.approx(e64 * (256 / 64) ** WIDTH_EXP, **EXACT)


def test_sram_bank_anchor():
    # 512 KiB, 64 B port: 32 banks vs 1 bank = CACTI's 0.364 / 0.206 nJ
    one = sram_cost(512, 1, 512, 45).read_pj_per_bit.value
    many = sram_cost(512, 32, 512, 45).read_pj_per_bit.value
    assert many / one == pytest.approx(0.364 / 0.206, **EXACT)
    a1 = sram_cost(512, 1, 512, 45).area_um2.value
    a32 = sram_cost(512, 32, 512, 45).area_um2.value
    assert a32 / a1 == pytest.approx(3.36 / 1.83, **EXACT)


def test_sram_port_area_anchor():
    # 1 bank, 8 B port vs 128 B port = CACTI's 1.58 vs 2.36 mm2
    small = sram_cost(512, 1, 64, 45).area_um2.value
    wide = sram_cost(512, 1, 1024, 45).area_um2.value
    assert wide / small == pytest.approx(2.36 / 1.58, **EXACT)


def test_sram_area_anchor_at_28nm():
    # CACTI 7 28 nm, 512 KiB, 8 banks, 256-bit port = 1.48456 mm2 exactly
    assert sram_cost(512, 8, 256, 28).area_um2.value == pytest.approx(1.48456e6, **EXACT)
    assert sram_cost(512, 8, 256, tech_point(28)).area_um2.value == pytest.approx(1.48456e6, **EXACT)
    # at 45 nm, 1 / area_factor(28) larger
    assert sram_cost(512, 8, 256, 45).area_um2.value == pytest.approx(1.48456e6 / AREA_FACTOR_28, **EXACT)


def test_sram_leakage_anchor():
    # 1 MiB = 8,388,608 bits; HP 52.7 nW/bit = 442,079.6416 uW; LOP 2.2 nW/bit = 18,454.9376 uW
    assert sram_cost(1024, 1, 64, 45, "hp").leakage_uw.value == pytest.approx(8388608 * 52.7e-3, **EXACT)
    assert sram_cost(1024, 1, 64, 45, "lop").leakage_uw.value == pytest.approx(8388608 * 2.2e-3, **EXACT)
    assert sram_cost(1024, 1, 64, 45, "hp").leakage_uw.value == pytest.approx(442079.6416, **EXACT)
    # default cell is lop
    assert sram_cost(1024, 1, 64, 45).leakage_uw.value == pytest.approx(18454.9376, **EXACT)
    # node-scaled like dynamic energy (docstring)
    assert sram_cost(1024, 1, 64, 28, "hp").leakage_uw.value == pytest.approx(
        442079.6416 * ENERGY_FACTOR_28, **EXACT)


@pytest.mark.parametrize("kib, banks, port, cell, node", [
    (16, 1, 128, "lop", 45),
    (64, 4, 256, "hp", 45),
    (0.0625, 1, 512, "lop", 45),
    (3, 2, 32, "hp", 45),
    (16, 1, 128, "lop", 28),
    (512, 8, 256, "hp", 28),
    (2048, 16, 1024, "lop", 28),
])
def test_sram_cost_by_hand(kib, banks, port, cell, node):
    e_f = 1.0 if node == 45 else ENERGY_FACTOR_28
    a_f = 1.0 if node == 45 else AREA_FACTOR_28
    # energy: E64 = 10 * (kib/8) ** (ln 10 / ln 128) * banks ** z; E = E64 * (port/64) ** y; per bit = E * f / port
    e64 = 10.0 * (kib / 8) ** (math.log(10) / math.log(128)) * banks ** BANK_ENERGY_EXP
    per_bit = e64 * (port / 64) ** WIDTH_EXP * e_f / port
    # area: bits * 0.354 um2 (28 nm) * area_factor / area_factor(28) * (banks/8)**u * (port/256)**v
    area = kib * 8192 * (1.48456e6 / 4194304) * a_f / AREA_FACTOR_28 \
        * (banks / 8) ** BANK_AREA_EXP * (port / 256) ** PORT_AREA_EXP
    # leakage: bits * nW/bit * 1e-3 (uW) * node factor (= energy factor)
    leak = kib * 8192 * {"hp": 52.7, "lop": 2.2}[cell] * 1e-3 * e_f
    c = sram_cost(kib, banks, port, node, cell)
    assert c.read_pj_per_bit.value == pytest.approx(per_bit, **EXACT)
    assert c.write_pj_per_bit.value == pytest.approx(per_bit, **EXACT)  # write = read
    assert c.area_um2.value == pytest.approx(area, **EXACT)
    assert c.leakage_uw.value == pytest.approx(leak, **EXACT)
    assert c.bits_per_cycle == banks * port
    assert (c.read_pj_per_bit.unit, c.area_um2.unit, c.leakage_uw.unit) == ("pJ/bit", "um2", "uW")


# ---------------------------------------------------------------------------------------------
# Engine goldens: one small layer on scalesim-default shrunk to 4 x 4, distinct buffers
# ---------------------------------------------------------------------------------------------
# three buffers with three different pJ/bit, so bits landing on the wrong buffer show
BUFFERS = {"ifmap": (16, 1, 256), "filter": (32, 2, 64), "ofmap": (8, 1, 512)}  # KiB, banks, port bits
BASE = ["compute.rows=4", "compute.cols=4", "mapping=scalesim", "dram.bandwidth_gb_s=unlimited"] + [
    f"buffers.{role}.{key}={value}" for role, spec in BUFFERS.items()
    for key, value in zip(("size_kib", "banks", "port_width_bits"), spec)]
DRAM_PJ_PER_BIT = 20.3   # scalesim-default
LANES = 32               # scalesim-default
OVERHEAD = 0.69          # scalesim-default
CLOCK_HZ = 1000e6        # scalesim-default


def _accel(*extra):
    return hwsim.load_accelerator("scalesim-default", BASE + list(extra))


# the per-point totals evaluate() reports, each checked against the same hand value as the layer
FUSED_TOTALS = ("total_cycles", "stall_cycles", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj",
                "energy_leakage_pj", "energy_pj", "macs", "dram_bits")


def _run(accel, op, precision=None):
    """simulate's one-layer result and row; the result also carries evaluate()'s summary row of the
    same design and layer (the fused pass counts and prices in its own compiled loop: the same
    hand goldens must hold there, _check asserts them)."""
    layer = Layer("l", op, precision) if precision is not None else Layer("l", op)
    work = Workload("w", (layer,))
    result = hwsim.simulate(accel, work)
    assert len(result.layers) == 1
    result.fused = hwsim.evaluate(accel, work).iloc[0]
    return result, result.layers.iloc[0]


def _buffers(**changes):
    out = dict(BUFFERS)
    out.update(changes)
    return out


# A finite bandwidth with no dram.standard buys PHYs at the cheapest standard's price per GB/s:
# HBM3's 0.29 pJ/bit (hwsim/memory/dram.py, HBM3 InterfaceCost), charged at the provisioned rate.
UNNAMED_PHY_PJ_PER_BIT = 0.29


def _hand_leakage_uw(accel, buffers, rows=4, cols=4, lanes=LANES, cell="lop", factor=1.0, converters=(0.0, 0.0),
                     dram_gb_s=0.0):
    """rows x cols PEs + the converters on the edges + lanes + every buffer's cells + the DRAM PHYs
    (pJ/bit x GB/s x 8 bits/byte = mW; x 1e3 = uW)."""
    pe = accel.pe.leakage_uw(accel.tech).value
    lane = accel.vector_lane.leakage_uw(accel.tech).value
    sram = sum(hand_sram_leak_uw(kib, cell, factor) for kib, _, _ in buffers.values())
    phy = UNNAMED_PHY_PJ_PER_BIT * dram_gb_s * 8.0 * 1e3
    return rows * cols * pe + cols * converters[0] + rows * converters[1] + lanes * lane + sram + phy


def _check(result, row, *, macs, compute, stall, sram_read, sram_write, dram_ifmap, dram_filter, dram_psum,
           dram_out, e_compute, leak_uw, buffers=BUFFERS, clock_hz=CLOCK_HZ, energy_factor=1.0):
    """sram_read / sram_write: bits per buffer {role: bits}."""
    total = compute + stall
    assert row["macs"] == macs
    assert row["compute_cycles"] == compute
    assert row["stall_cycles"] == stall
    assert row["total_cycles"] == total
    assert row["latency_s"] == pytest.approx(total / clock_hz, **EXACT)
    assert row["sram_reads_bits"] == pytest.approx(sum(sram_read.values()), **EXACT)
    assert row["sram_writes_bits"] == pytest.approx(sum(sram_write.values()), **EXACT)
    assert row["dram_ifmap_reads_bits"] == pytest.approx(dram_ifmap, **EXACT)
    assert row["dram_filter_reads_bits"] == pytest.approx(dram_filter, **EXACT)
    assert row["dram_psum_reads_bits"] == pytest.approx(dram_psum, **EXACT)
    assert row["dram_ofmap_writes_bits"] == pytest.approx(dram_out, **EXACT)
    assert row["dram_reads_bits"] == pytest.approx(dram_ifmap + dram_filter + dram_psum, **EXACT)
    assert row["dram_writes_bits"] == pytest.approx(dram_out, **EXACT)
    # energies
    e_sram = sum((sram_read[r] + sram_write[r]) * hand_sram_pj_per_bit(*buffers[r], energy_factor)
                 for r in ("ifmap", "filter", "ofmap"))
    e_dram = (dram_ifmap + dram_filter + dram_psum + dram_out) * DRAM_PJ_PER_BIT
    # leakage: uW -> W (1e-6) x seconds (cycles / Hz) -> J, x 1e12 -> pJ
    e_leak = leak_uw * 1e-6 * (total / clock_hz) * 1e12
    assert row["energy_compute_pj"] == pytest.approx(e_compute, **EXACT)
    assert row["energy_sram_pj"] == pytest.approx(e_sram, **EXACT)
    assert row["energy_dram_pj"] == pytest.approx(e_dram, **EXACT)
    assert row["energy_leakage_pj"] == pytest.approx(e_leak, **EXACT)
    assert row["energy_pj"] == pytest.approx(e_compute + e_sram + e_dram + e_leak, **EXACT)
    fused = getattr(result, "fused", None)
    if fused is not None:
        hand = {"total_cycles": total, "stall_cycles": stall, "energy_compute_pj": e_compute,
                "energy_sram_pj": e_sram, "energy_dram_pj": e_dram, "energy_leakage_pj": e_leak,
                "energy_pj": e_compute + e_sram + e_dram + e_leak, "macs": macs,
                "dram_bits": dram_ifmap + dram_filter + dram_psum + dram_out}
        for name in FUSED_TOTALS:
            assert fused[name] == pytest.approx(hand[name], **EXACT), name
    s = result.summary()
    assert s["energy_pj"] == pytest.approx(e_compute + e_sram + e_dram + e_leak, **EXACT)
    assert s["energy_breakdown_pj"] == pytest.approx(
        {"compute": e_compute, "sram": e_sram, "dram": e_dram, "leakage": e_leak}, **EXACT)
    assert s["total_cycles"] == total and s["stall_cycles"] == stall
    assert s["dram_bits"] == pytest.approx(dram_ifmap + dram_filter + dram_psum + dram_out, **EXACT)


INT8 = Precision("int8", "int8", "int8")
M, K, N = 6, 10, 5   # 300 MACs; A = 60 words, B = 50 words, C = 30 words


def _int8_e_mac(accel):
    return accel.pe.record(INT8, accel.tech).energy_per_mac_pj


def test_os_gemm_golden():
    accel = _accel("compute.dataflow=os")
    result, row = _run(accel, Gemm(M, K, N))
    # OS: Sr = M = 6, Sc = N = 5, T = K = 10; row folds ceil(6/4) = 2, col folds ceil(5/4) = 2, F = 4
    # P = T + R + C - 2 = 10 + 4 + 4 - 2 = 16; SCALE-Sim reports F * P - 1
    compute = 4 * 16 - 1
    assert compute == 63
    # SRAM words: ifmap M*K*colfolds = 60*2, filter K*N*rowfolds = 50*2, ofmap writes M*N + F*(R+C) = 30 + 32
    assert (row["folds"], row["sram_ifmap_reads_words"], row["sram_filter_reads_words"],
            row["sram_ofmap_writes_words"]) == (4, 120, 100, 62)
    # DRAM (all fits): A 60 words, B 50 words, C 30 words, all int8
    assert (row["dram_ifmap_reads_words"], row["dram_filter_reads_words"], row["dram_ofmap_writes_words"]) == (60, 50, 30)
    _check(result, row, macs=300, compute=63, stall=0,
           # reads: ifmap 120 x 8, filter 100 x 8, ofmap: no on-chip psums (OS), the 30 outputs drained x 8
           sram_read={"ifmap": 120 * 8, "filter": 100 * 8, "ofmap": 30 * 8},
           # writes: fills from DRAM (60 x 8, 50 x 8), the 30 outputs x 8
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8},
           dram_ifmap=60 * 8, dram_filter=50 * 8, dram_psum=0, dram_out=30 * 8,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS))
    assert row["compulsory_dram_bits"] == (60 + 50 + 30) * 8


def test_ws_gemm_golden():
    accel = _accel("compute.dataflow=ws")
    result, row = _run(accel, Gemm(M, K, N))
    # WS: Sr = K = 10, Sc = N = 5, T = M = 6; row folds 3, col folds 2, F = 6
    # P = 2R + C + T - 2 = 8 + 4 + 6 - 2 = 16; F * P - 1 = 95
    assert (row["folds"], row["sram_ifmap_reads_words"], row["sram_filter_reads_words"],
            row["sram_ofmap_writes_words"]) == (6, 60 * 2, 50, 30 * 3)
    # partial sums: M*N*(row folds - 1) = 60 int32 read-modify-writes in the ofmap buffer
    # (live tile M*min(N,C) = 24 words x 32 bits = 768 <= 8 KiB / 2: no spill)
    psum = 30 * (3 - 1)
    _check(result, row, macs=300, compute=6 * 16 - 1, stall=0,
           sram_read={"ifmap": 120 * 8, "filter": 50 * 8, "ofmap": psum * 32 + 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8 + psum * 32},
           dram_ifmap=60 * 8, dram_filter=50 * 8, dram_psum=0, dram_out=30 * 8,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS))


def test_is_gemm_golden():
    accel = _accel("compute.dataflow=is")
    result, row = _run(accel, Gemm(M, K, N))
    # IS: Sr = K = 10, Sc = M = 6, T = N = 5; row folds 3, col folds 2, F = 6
    # P = 2R + C + T - 2 = 8 + 4 + 5 - 2 = 15; F * P - 1 = 89
    assert (row["folds"], row["sram_ifmap_reads_words"], row["sram_filter_reads_words"],
            row["sram_ofmap_writes_words"]) == (6, 60, 50 * 2, 30 * 3)
    psum = 30 * (3 - 1)  # live tile min(M,C)*N = 20 words x 32 bits fits
    _check(result, row, macs=300, compute=6 * 15 - 1, stall=0,
           sram_read={"ifmap": 60 * 8, "filter": 100 * 8, "ofmap": psum * 32 + 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8 + psum * 32},
           dram_ifmap=60 * 8, dram_filter=50 * 8, dram_psum=0, dram_out=30 * 8,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS))


def test_ws_partial_sum_spill_golden():
    # ofmap 0.0625 KiB = 512 bits, 256 working bits double-buffered; the live psum tile is
    # M * min(N, C) = 24 words x 32 bits = 768 bits > 256: every K fold after the first spills
    buffers = _buffers(ofmap=(0.0625, 1, 512))
    accel = _accel("compute.dataflow=ws", "buffers.ofmap.size_kib=0.0625")
    result, row = _run(accel, Gemm(M, K, N))
    spill = 30 * (3 - 1)             # words, written out and read back, at 32 bits
    psum = 30 * (3 - 1)              # on-chip read-modify-writes, as without a spill
    out_write = 30 * 8 + spill * 32  # outputs + spilled partial sums to DRAM
    assert row["dram_ofmap_writes_words"] == 30 + spill
    _check(result, row, macs=300, compute=6 * 16 - 1, stall=0,
           # the ofmap buffer drains what goes to DRAM and takes back what comes from it
           sram_read={"ifmap": 120 * 8, "filter": 50 * 8, "ofmap": psum * 32 + out_write},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8 + psum * 32 + spill * 32},
           dram_ifmap=60 * 8, dram_filter=50 * 8, dram_psum=spill * 32, dram_out=out_write,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, buffers), buffers=buffers)


def test_finite_bandwidth_double_buffered_golden():
    # 0.3 GB/s at 1000 MHz: 0.3e9 B/s x 8 / 1e9 Hz = 2.4 bits per cycle
    accel = _accel("compute.dataflow=os", "dram.bandwidth_gb_s=0.3")
    assert accel.design.dram_bits_per_cycle[0] == pytest.approx(2.4, **EXACT)
    result, row = _run(accel, Gemm(M, K, N))
    dram = (60 + 50 + 30) * 8                 # 1120 bits
    load = dram / (4 * 2.4)                   # per fold: 116.67 cycles; P = 16
    stall = math.ceil(load + (4 - 1) * max(0.0, load - 16))  # 116.67 + 3 x 100.67 = 418.67 -> 419
    assert stall == 419
    _check(result, row, macs=300, compute=63, stall=419,
           sram_read={"ifmap": 120 * 8, "filter": 100 * 8, "ofmap": 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8},
           dram_ifmap=480, dram_filter=400, dram_psum=0, dram_out=240,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS, dram_gb_s=0.3))


def test_single_buffered_every_load_exposed_golden():
    accel = _accel("compute.dataflow=os", "dram.bandwidth_gb_s=0.3", "buffers.double_buffered=false")
    result, row = _run(accel, Gemm(M, K, N))
    stall = math.ceil(1120 / 2.4)   # 466.67 -> 467: total = compute + DRAM cycles
    _check(result, row, macs=300, compute=63, stall=stall,
           sram_read={"ifmap": 120 * 8, "filter": 100 * 8, "ofmap": 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8},
           dram_ifmap=480, dram_filter=400, dram_psum=0, dram_out=240,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS, dram_gb_s=0.3))
    assert row["total_cycles"] == 63 + 467


def test_bandwidth_is_gb_per_second_at_any_clock_golden():
    # 500 MHz: 0.3 GB/s = 0.3e9 x 8 / 500e6 = 4.8 bits per cycle; latency = cycles / 500e6
    accel = _accel("compute.dataflow=os", "dram.bandwidth_gb_s=0.3", "buffers.double_buffered=false",
                   "clock_mhz=500")
    assert accel.design.dram_bits_per_cycle[0] == pytest.approx(4.8, **EXACT)
    result, row = _run(accel, Gemm(M, K, N))
    stall = math.ceil(1120 / 4.8)   # 233.33 -> 234
    _check(result, row, macs=300, compute=63, stall=stall,
           sram_read={"ifmap": 120 * 8, "filter": 100 * 8, "ofmap": 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8},
           dram_ifmap=480, dram_filter=400, dram_psum=0, dram_out=240,
           e_compute=300 * _int8_e_mac(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS, dram_gb_s=0.3), clock_hz=500e6)


def _lane_energy(accel):
    fp16 = parse_format("fp16")
    return accel.vector_lane.record(Precision(fp16, fp16, fp16), accel.tech).energy_per_mac_pj


@pytest.mark.parametrize("op, per_element", [("relu", 1), ("softmax", 5)])
def test_vector_op_golden(op, per_element):
    accel = _accel()
    elements = 100
    ops = elements * per_element
    result, row = _run(accel, VectorOp(op, elements))
    # ceil(ops / 32 lanes); int8 in from the ifmap buffer, int8 out to the ofmap buffer; fits: no DRAM
    # (ifmap port 256 bits: 800 bits in <= 4 cycles x 256, no port stall)
    compute = math.ceil(ops / LANES)
    _check(result, row, macs=0, compute=compute, stall=0,
           sram_read={"ifmap": elements * 8, "filter": 0, "ofmap": 0},
           sram_write={"ifmap": 0, "filter": 0, "ofmap": elements * 8},
           dram_ifmap=0, dram_filter=0, dram_psum=0, dram_out=0,
           # one FP16 MAC lane per element op
           e_compute=ops * _lane_energy(accel), leak_uw=_hand_leakage_uw(accel, BUFFERS))


def test_vector_op_spill_at_finite_bandwidth_golden():
    # ifmap 0.0625 KiB: 256 working bits < 100 x 8: the tensor round-trips DRAM
    buffers = _buffers(ifmap=(0.0625, 1, 256))
    accel = _accel("buffers.ifmap.size_kib=0.0625", "dram.bandwidth_gb_s=0.3")
    result, row = _run(accel, VectorOp("relu", 100))
    compute = math.ceil(100 / 32)                  # 4
    stall = math.ceil(1600 / 2.4 - compute)        # double-buffered: only the excess, 662.67 -> 663
    _check(result, row, macs=0, compute=compute, stall=stall,
           sram_read={"ifmap": 800, "filter": 0, "ofmap": 800},    # operands in; spilled results drained
           sram_write={"ifmap": 800, "filter": 0, "ofmap": 800},   # operands filled; results out
           dram_ifmap=800, dram_filter=0, dram_psum=0, dram_out=800,
           e_compute=100 * _lane_energy(accel), leak_uw=_hand_leakage_uw(accel, buffers, dram_gb_s=0.3), buffers=buffers)


def test_vector_op_port_limited_golden():
    # ifmap port 64 bits, one bank: 800 bits take ceil(12.5) = 13 cycles against 4 of compute
    buffers = _buffers(ifmap=(16, 1, 64))
    accel = _accel("buffers.ifmap.port_width_bits=64")
    result, row = _run(accel, VectorOp("relu", 100))
    _check(result, row, macs=0, compute=4, stall=13 - 4,
           sram_read={"ifmap": 800, "filter": 0, "ofmap": 0},
           sram_write={"ifmap": 0, "filter": 0, "ofmap": 800},
           dram_ifmap=0, dram_filter=0, dram_psum=0, dram_out=0,
           e_compute=100 * _lane_energy(accel), leak_uw=_hand_leakage_uw(accel, buffers), buffers=buffers)


def test_bit_fusion_int4_weights_pack_k_by_two_golden():
    accel = _accel("compute.dataflow=os", "compute.pe.decomposable=true", "compute.pe.weights=[int8, int4]")
    precision = Precision("int4", "int8", "int8")
    record = accel.pe.record(precision, accel.tech)
    assert record.k_per_step == 2   # (8 / 4) x (8 / 8) products per cycle (input)
    result, row = _run(accel, Gemm(M, K, N), Precision(weights="int4"))
    # the array sees K' = 10 / 2 = 5 words of 2 elements: A words 16 bits, B words 8 bits
    # OS: Sr = 6, Sc = 5, T = 5: F = 2 x 2 = 4, P = 5 + 4 + 4 - 2 = 11, F * P - 1 = 43
    # SRAM words: ifmap M*K'*2 = 60, filter K'*N*2 = 50; DRAM A 30 words, B 25 words
    assert (row["sram_ifmap_reads_words"], row["sram_filter_reads_words"]) == (60, 50)
    _check(result, row, macs=300, compute=4 * 11 - 1, stall=0,
           sram_read={"ifmap": 60 * 16, "filter": 50 * 8, "ofmap": 30 * 8},
           sram_write={"ifmap": 30 * 16, "filter": 25 * 8, "ofmap": 30 * 8},
           dram_ifmap=30 * 16, dram_filter=25 * 8, dram_psum=0, dram_out=30 * 8,
           e_compute=300 * record.energy_per_mac_pj,   # per product, every one of the 300
           leak_uw=_hand_leakage_uw(accel, BUFFERS))


def test_group_scaled_weights_golden():
    # int4@g4: 4 + 8/4 = 6 bits per weight; one scale combine per M x N x ceil(K / 4) groups
    accel = _accel("compute.dataflow=os", "compute.pe.weights=[int8, int4]")
    precision = Precision("int4@g4", "int8", "int8")
    record = accel.pe.record(precision, accel.tech)
    assert record.group_size == 4 and record.energy_per_group_pj > 0
    result, row = _run(accel, Gemm(M, K, N), Precision(weights="int4@g4"))
    groups = 6 * 5 * math.ceil(10 / 4)
    _check(result, row, macs=300, compute=63, stall=0,
           sram_read={"ifmap": 120 * 8, "filter": 100 * 6, "ofmap": 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 6, "ofmap": 30 * 8},
           dram_ifmap=480, dram_filter=50 * 6, dram_psum=0, dram_out=240,
           e_compute=300 * record.energy_per_mac_pj + groups * record.energy_per_group_pj,
           leak_uw=_hand_leakage_uw(accel, BUFFERS))


FP16_PE = ["compute.pe.weights=[fp16]", "compute.pe.activations=[fp16]", "compute.pe.accumulator=fp32",
           "default_precision.weights=fp16", "default_precision.activations=fp16",
           "default_precision.outputs=fp16",
           "compute.pe.conversions=[{operand: weights, from: int4, to: fp16}, "
           "{operand: activations, from: int8, to: fp16}]"]


def _converter_units(accel):
    """(weights, activations) converter UnitCosts: a separately tested model, an input here."""
    by_operand = {c.operand: c.cost(accel.tech) for c in accel.pe.conversions}
    return by_operand["weights"], by_operand["activations"]


def test_converted_operands_golden():
    # 4 rows x 6 cols (not square, so edge lanes cannot be swapped unnoticed)
    accel = _accel("compute.dataflow=ws", "compute.cols=6", *FP16_PE)
    precision = Precision("int4", "int8", "fp16")
    record = accel.pe.record(precision, accel.tech)
    cw, ca = _converter_units(accel)
    assert record.energy_convert_weights_pj == pytest.approx(cw.energy_pj, **EXACT)
    assert record.energy_convert_activations_pj == pytest.approx(ca.energy_pj, **EXACT)
    result, row = _run(accel, Gemm(M, K, N), precision)
    # WS on 4 x 6: Sr = K = 10 -> 3 row folds, Sc = N = 5 -> 1 col fold, T = M = 6
    # P = 2*4 + 6 + 6 - 2 = 18, F * P - 1 = 53; ifmap reads M*K = 60, filter K*N = 50 (each converted once)
    psum = 30 * (3 - 1)      # fp32 accumulator
    _check(result, row, macs=300, compute=3 * 18 - 1, stall=0,
           sram_read={"ifmap": 60 * 8, "filter": 50 * 4, "ofmap": psum * 32 + 30 * 16},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 4, "ofmap": 30 * 16 + psum * 32},
           dram_ifmap=60 * 8, dram_filter=50 * 4, dram_psum=0, dram_out=30 * 16,
           e_compute=300 * record.energy_per_mac_pj + 50 * cw.energy_pj + 60 * ca.energy_pj,
           leak_uw=_hand_leakage_uw(accel, BUFFERS, cols=6, converters=(cw.leakage_uw, ca.leakage_uw)))


# ---------------------------------------------------------------------------------------------
# Area: every part of the breakdown, and the total
# ---------------------------------------------------------------------------------------------
AREA_PARTS = {"pe_array", "converters", "vector_unit", "sram_ifmap", "sram_filter", "sram_ofmap", "overhead"}


def _check_area(accel, rows, cols, lanes, buffers, converters_um2, area_factor=1.0):
    parts = accel.area_breakdown_mm2
    assert set(parts) == AREA_PARTS
    pe = accel.pe.area_um2(accel.tech).value
    lane = accel.vector_lane.area_um2(accel.tech).value
    expected = {
        "pe_array": rows * cols * pe / 1e6,                                  # um2 -> mm2
        "converters": (cols * converters_um2[0] + rows * converters_um2[1]) / 1e6,
        "vector_unit": lanes * lane / 1e6,
    }
    for role, (kib, banks, port) in buffers.items():
        expected[f"sram_{role}"] = hand_sram_area_um2(kib, banks, port, area_factor) / 1e6
    expected["overhead"] = OVERHEAD * sum(expected.values())
    total = sum(expected.values())
    for part, value in expected.items():
        assert parts[part] == pytest.approx(value, **EXACT), part
    assert accel.area_mm2 == pytest.approx(total, **EXACT)
    assert sum(parts.values()) == pytest.approx(total, **EXACT)
    return total


def test_area_breakdown_golden():
    accel = _accel()
    total = _check_area(accel, 4, 4, LANES, BUFFERS, (0.0, 0.0))
    # spelled out for one buffer: 16 KiB = 131072 bits x 0.354 um2 (28 nm) / area_factor(28)
    # x (1 bank / 8) ** 0.175 x (256 / 256) ** 0.145
    assert accel.area_breakdown_mm2["sram_ifmap"] == pytest.approx(
        131072 * (1.48456e6 / 4194304) / AREA_FACTOR_28 * (1 / 8) ** BANK_AREA_EXP / 1e6, **EXACT)
    result, _ = _run(accel, Gemm(M, K, N))
    assert result.area_mm2 == pytest.approx(total, **EXACT)
    assert result.summary()["area_mm2"] == pytest.approx(total, **EXACT)


def test_area_breakdown_with_converters_golden():
    accel = _accel("compute.cols=6", "vector.lanes=8", "area_overhead_fraction=0.25", *FP16_PE)
    cw, ca = _converter_units(accel)
    parts = accel.area_breakdown_mm2
    assert set(parts) == AREA_PARTS
    pe = accel.pe.area_um2(accel.tech).value
    lane = accel.vector_lane.area_um2(accel.tech).value
    others = {
        "pe_array": 4 * 6 * pe / 1e6,
        # a weight converter per column, an activation one per row; converters are array logic, placed:
        # cells x the place-and-route factor (its fit is tested by hand in tests/pe/test_placement.py)
        "converters": (6 * cw.area_um2 + 4 * ca.area_um2) * placement_factor() / 1e6,
        "vector_unit": 8 * lane / 1e6,
        **{f"sram_{r}": hand_sram_area_um2(*BUFFERS[r]) / 1e6 for r in BUFFERS},
    }
    expected = dict(others, overhead=0.25 * sum(others.values()))
    for part, value in expected.items():
        assert parts[part] == pytest.approx(value, **EXACT), part
    assert accel.area_mm2 == pytest.approx(sum(expected.values()), **EXACT)
    # leakage of the same design: PEs, converters, lanes, SRAM cells
    assert accel.leakage_uw == pytest.approx(
        _hand_leakage_uw(accel, BUFFERS, cols=6, lanes=8, converters=(cw.leakage_uw, ca.leakage_uw)), **EXACT)


def test_area_and_leakage_at_28nm_hp_golden():
    accel = _accel("tech_node_nm=28", "buffers.sram_cell=hp")
    # at 28 nm the SRAM area is bits x 0.354 um2 x the bank and port terms (area factor ratio 1)
    _check_area(accel, 4, 4, LANES, BUFFERS, (0.0, 0.0), area_factor=AREA_FACTOR_28)
    assert accel.area_breakdown_mm2["sram_filter"] == pytest.approx(
        32 * 8192 * (1.48456e6 / 4194304) * (2 / 8) ** BANK_AREA_EXP * (64 / 256) ** PORT_AREA_EXP / 1e6, **EXACT)
    # leakage: 52.7 nW/bit x node energy factor (docstring: scaled like dynamic energy)
    assert accel.leakage_uw == pytest.approx(
        _hand_leakage_uw(accel, BUFFERS, cell="hp", factor=ENERGY_FACTOR_28), **EXACT)
    # and the whole energy accounting at 28 nm (SRAM pJ/bit x energy factor)
    result, row = _run(accel, Gemm(M, K, N))
    e_mac = accel.pe.record(Precision("int8", "int8", "int8"), accel.tech).energy_per_mac_pj
    _check(result, row, macs=300, compute=95, stall=0,
           sram_read={"ifmap": 120 * 8, "filter": 50 * 8, "ofmap": 60 * 32 + 30 * 8},
           sram_write={"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8 + 60 * 32},
           dram_ifmap=480, dram_filter=400, dram_psum=0, dram_out=240,
           e_compute=300 * e_mac, leak_uw=_hand_leakage_uw(accel, BUFFERS, cell="hp", factor=ENERGY_FACTOR_28),
           energy_factor=ENERGY_FACTOR_28)


def test_leakage_golden_default_design():
    accel = _accel()
    # 16 PEs + 32 lanes + (16 + 32 + 8) KiB of lop cells at 2.2 nW/bit
    pe = accel.pe.leakage_uw(accel.tech).value
    lane = accel.vector_lane.leakage_uw(accel.tech).value
    assert accel.leakage_uw == pytest.approx(16 * pe + 32 * lane + (16 + 32 + 8) * 8192 * 2.2e-3, **EXACT)


def test_repeats_scale_every_term():
    """count x instances multiply every energy, cycle and bit figure of a layer row."""
    accel = _accel("compute.dataflow=ws")
    _, one = _run(accel, Gemm(M, K, N))
    work = Workload("w", (Layer("l", Gemm(M, K, N, batch=3), count=2),))
    many = hwsim.simulate(accel, work).layers.iloc[0]
    for column in ("macs", "compute_cycles", "total_cycles", "sram_reads_bits", "sram_writes_bits",
                   "dram_reads_bits", "dram_writes_bits", "energy_compute_pj", "energy_sram_pj",
                   "energy_dram_pj", "energy_leakage_pj", "energy_pj", "latency_s"):
        assert many[column] == pytest.approx(6 * one[column], **EXACT), column


# ---------------------------------------------------------------------------------------------
# Disagreements between the code and its documentation / physics (code left unchanged)
# ---------------------------------------------------------------------------------------------
USER_MODE = ["dram.bandwidth_gb_s=1", "dram.operand_bandwidth_gb_s={ifmap: 1, filter: 1, ofmap: 1}"]


def test_user_bandwidth_mode_dram_bits_at_the_operand_width():
    accel = _accel("compute.dataflow=ws", *USER_MODE, *FP16_PE)
    _, row = _run(accel, Gemm(M, K, N))
    # physics: every fp16 element moves at least once at 16 bits
    assert row["dram_ifmap_reads_bits"] >= 60 * 16
    assert row["dram_filter_reads_bits"] >= 50 * 16
    assert row["dram_ofmap_writes_bits"] >= 30 * 16
    assert row["dram_reads_bits"] + row["dram_writes_bits"] >= row["compulsory_dram_bits"]


def test_user_bandwidth_mode_ofmap_words_match_its_bits():
    accel = _accel("compute.dataflow=ws", *USER_MODE)
    _, row = _run(accel, Gemm(M, K, N))
    # int8 operands: one SCALE-Sim word = 8 bits; its ofmap count includes the WS partial sums,
    # which are accumulator-wide (int32): final outputs M*N at 8 bits, the rest at 32
    assert row["dram_ifmap_reads_words"] * 8 == row["dram_ifmap_reads_bits"]
    assert row["dram_filter_reads_words"] * 8 == row["dram_filter_reads_bits"]
    partial = row["dram_ofmap_writes_words"] - M * N
    assert partial > 0
    assert row["dram_ofmap_writes_bits"] == M * N * 8 + partial * 32


def test_bit_fusion_dram_words_are_elements():
    accel = _accel("compute.dataflow=os", "compute.pe.decomposable=true", "compute.pe.weights=[int8, int4]")
    _, row = _run(accel, Gemm(M, K, N), Precision(weights="int4"))
    assert row["dram_ifmap_reads_bits"] == 60 * 8 and row["dram_filter_reads_bits"] == 50 * 4  # passes
    assert row["dram_ifmap_reads_words"] == 60      # 6 x 10 int8 activations
    assert row["dram_filter_reads_words"] == 50     # 10 x 5 int4 weights


def test_published_read_and_write_costs_per_buffer_golden():
    # buffers.<role>.read_pj_per_access / write_pj_per_access replace the model per bit: read cost /
    # port width, write cost / write_access_bits (unset: the port) (hwsim/memory/sram.py docstring).
    # Six different figures, so a read priced as a write, or one buffer's bits at another's price,
    # changes the total. OS counts as test_os_gemm_golden: reads ifmap 120 x 8, filter 100 x 8,
    # ofmap 30 x 8; writes ifmap 60 x 8, filter 50 x 8, ofmap 30 x 8.
    accel = _accel("compute.dataflow=os",
                   "buffers.ifmap.read_pj_per_access=30", "buffers.ifmap.write_pj_per_access=50",
                   "buffers.ifmap.write_access_bits=128",
                   "buffers.filter.read_pj_per_access=7", "buffers.filter.write_pj_per_access=11",
                   "buffers.ofmap.read_pj_per_access=13", "buffers.ofmap.write_pj_per_access=17")
    read_pj_per_bit = {"ifmap": 30 / 256, "filter": 7 / 64, "ofmap": 13 / 512}
    write_pj_per_bit = {"ifmap": 50 / 128, "filter": 11 / 64, "ofmap": 17 / 512}
    reads = {"ifmap": 120 * 8, "filter": 100 * 8, "ofmap": 30 * 8}
    writes = {"ifmap": 60 * 8, "filter": 50 * 8, "ofmap": 30 * 8}
    e_sram = sum(reads[r] * read_pj_per_bit[r] + writes[r] * write_pj_per_bit[r] for r in reads)
    assert e_sram == pytest.approx(960 * 30 / 256 + 800 * 7 / 64 + 240 * 13 / 512
                                   + 480 * 50 / 128 + 400 * 11 / 64 + 240 * 17 / 512, **EXACT)
    result, row = _run(accel, Gemm(M, K, N))
    assert row["energy_sram_pj"] == pytest.approx(e_sram, **EXACT)
    # the fused pass (evaluate's summaries) prices through the same cell
    table = hwsim.evaluate(accel, Workload("w", (Layer("l", Gemm(M, K, N)),)))
    assert table["energy_sram_pj"].iloc[0] == pytest.approx(e_sram, **EXACT)


@pytest.mark.parametrize("double_buffered, a_fetches", [(True, 2), (False, 1)])
def test_scalesim_order_tests_fit_against_the_working_half_golden(double_buffered, a_fetches):
    # ifmap 0.0625 KiB = 512 bits; A = 60 words x 8 = 480 bits. Double-buffered, a tile must fit the
    # working half (256 bits): A does not, and SCALE-Sim's order refetches it once per column fold
    # (ceil(5 / 4) = 2); single-buffered the whole 512 bits hold it and it is read once
    flag = "true" if double_buffered else "false"
    accel = _accel("compute.dataflow=os", "buffers.ifmap.size_kib=0.0625", f"buffers.double_buffered={flag}")
    result, row = _run(accel, Gemm(M, K, N))
    assert row["dram_ifmap_reads_bits"] == 60 * 8 * a_fetches
    assert row["dram_ifmap_reads_words"] == 60 * a_fetches
    assert result.fused["dram_bits"] == (60 * a_fetches + 50 + 30) * 8
