"""GDDR6-AiM's own GEMV cadence (pim.gemv_order, pim.reduced_output_bits, pim.register_mode_switch_cycles).

Every expected number is worked out by hand from the formulas in docs/models/pim.md, never from the
code under test. The gddr6-aim numbers (hwsim/memory/dram.py, the AiM simulator's
GDDR6_2000_1350mV_double): tCK 0.57 ns, tRCD 26, tRP 26, tRAS 53, tCCD_S 4, tCCD_L 6, RL 24, WL 6,
tRTRS 1, a BL16 burst = 2 bus cycles (8 transfers per CK), 64 bursts per 2 KB row, 16 banks per
channel, 2 channels, tRFC 210, tREFI 3333. The preset: one 16-lane BF16 unit per bank, 64 input
registers (the 2 KB global buffer), one accumulator, a column MAC every 1 ns = 1 / 0.57 DRAM cycles,
broadcast writes at most a bus burst (2 cycles) apart, no setup or session cycles, 16-bit reduced
partial sums, 32-cycle register mode switches, inputs_outer.
"""

import math

import numpy as np
import pytest

import hwsim
from hwsim.arch.fabrics.pim_program import partial_sum_exchange, phase_costs
from hwsim.errors import HwsimInputError
from hwsim.memory.dram import dram_preset

TCK = 0.57
T = dram_preset("gddr6-aim")
BF16 = hwsim.Precision(weights="bf16", activations="bf16")

# one 64-column row stream at 1 ns a column: tRCD + 1 + 63 x (1 / 0.57) + burst + tRP
ROW = 26 + 1 + 63 / 0.57 + 2 + 26                                     # = 165.526
# the input tile's 64 broadcast writes between two row streams (docs: overlapped broadcast)
BROADCAST = (24 + 2 + 1 - 6) + 63 * 2 + (6 + 2 + 11) - (2 + 26 + 26 + 1)  # = 111
ROW_GAP = 2 + 26 + 26 + 1                                             # burst + tRP + tRCD + 1 = 55
# the partial-sum exchange in a row gap: 16 units x 16 bits = one 256-bit burst out (RD_MAC) and in
# (WR_BIAS), each way behind a 32-cycle mode switch; precharge a burst after the last MAC
#   first read  = max(tCCD_L 6, burst 2 + 1 + switch 32)              = 35
#   last write  = 35 + 2 x (1 - 1) x tCCD_S + (RL 24 + 2 + tRTRS 1 - WL 6) = 56
#   activate    = max(burst 2 + tRP 26, 56 + 1 + 32)                   = 89
#   first MAC   = max(89 + tRCD 26 + 1, 56 + WL 6 + 2)                = 116
EXCHANGE = 116 - ROW_GAP                                              # = 61
# the kernel's read-back: tRP + tRCD + RL + 2 bursts + 1, then 16 bursts (a channel's 16 output rows,
# one burst of lane partial sums each) tCCD_S apart
READBACK = (26 + 26 + 24 + 2 * 2 + 1) + 16 * 4                         # = 145


def _trace(tmp_path, rows, name="t.csv"):
    """rows: (m, k, n, batch) GEMMs; batch is the layer's instances."""
    lines = ["name,op,m,k,n,batch"] + [f"g{i},gemm,{m},{k},{n},{b}" for i, (m, k, n, b) in enumerate(rows)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _layers(tmp_path, rows, overrides=(), engine="analytic", preset="gddr6-aim"):
    accel = hwsim.load_accelerator(preset, list(overrides))
    precision = BF16 if preset == "gddr6-aim" else None
    return hwsim.simulate(accel, _trace(tmp_path, rows), engine=engine, precision=precision).layers


def _cycles(tmp_path, rows, overrides=(), engine="analytic"):
    return _layers(tmp_path, rows, overrides, engine)["total_cycles"].tolist()


# --- the phases, by hand -------------------------------------------------------------------------

def test_partial_sum_exchange_by_hand():
    assert partial_sum_exchange(T, bursts=1, mode_switch=32) == pytest.approx(EXCHANGE)
    # no mode switch: reads from tCCD_L = 6, last write 6 + 21 = 27, ACT max(28, 28) = 28, first MAC
    # max(28 + 27, 27 + 8) = 55 = the row gap: hidden
    assert partial_sum_exchange(T, bursts=1, mode_switch=0) == 0
    # lane partial sums instead (no adder tree): 16 units x 16 lanes x 16 bits = 16 bursts each way
    #   last write = 35 + 2 x 15 x 4 + 21 = 176; ACT = 176 + 33 = 209; first MAC = 209 + 27 = 236
    assert partial_sum_exchange(T, bursts=16, mode_switch=32) == pytest.approx(236 - ROW_GAP)   # 181
    #   no switch: last write = 6 + 120 + 21 = 147; ACT 148; first MAC max(175, 155) = 175
    assert partial_sum_exchange(T, bursts=16, mode_switch=0) == pytest.approx(175 - ROW_GAP)    # 120


def test_inputs_outer_phases_by_hand():
    c = phase_costs(T, registers=64, accumulators=1, column_period=1 / TCK, banks_per_unit=1,
                    broadcast_period=2, exchange_bursts=1, mode_switch=32)
    # an output tile after an exchange; a pass's first output tile after its input tile's broadcast
    assert c.even_phases == pytest.approx((EXCHANGE, ROW))
    assert c.odd_phases == pytest.approx((BROADCAST, ROW))
    # outputs_outer (no exchange given): the row stream, then the broadcast, on every tile
    old = phase_costs(T, registers=64, accumulators=1, column_period=1 / TCK, banks_per_unit=1, broadcast_period=2)
    assert old.even_phases == pytest.approx((ROW, BROADCAST))


# --- whole GEMVs, by hand ------------------------------------------------------------------------

def test_gemv_by_hand_and_each_field_switched_off(tmp_path):
    # k = 2048: 2 input tiles of 1024; n = 64: 4 output tiles of 16 rows, 2 per channel. No refresh:
    # every total below is under the first one at tREFI / 2 = 1666.5.
    gemv = [(1, 2048, 64, 1)]
    # inputs_outer: per channel 2 passes (one per input tile), each the broadcast + a row stream, then
    # the exchange + the second output tile's row stream; the last tile's 16 outputs read back
    new = 2 * ((BROADCAST + ROW) + (EXCHANGE + ROW)) + READBACK          # = 1151.1
    assert _cycles(tmp_path, gemv) == [math.ceil(new)]                    # 1152
    # register mode switches off: the exchange hides in the row gap
    assert _cycles(tmp_path, gemv, ["pim.register_mode_switch_cycles=0"]) == \
        [math.ceil(2 * ((BROADCAST + ROW) + ROW) + READBACK)]             # 1030
    # no adder tree: 16 bursts each way, 181 cycles a gap
    assert _cycles(tmp_path, gemv, ["pim.reduced_output_bits=null"]) == \
        [math.ceil(2 * ((BROADCAST + ROW) + (181 + ROW)) + READBACK)]     # 1392
    # outputs_outer restores the old timing: 2 output passes per channel, each 2 input tiles of
    # row stream + broadcast; 2 x 16 bursts read back (64 outputs over 2 channels, 16 rows each)
    old = 2 * 2 * (ROW + BROADCAST) + (26 + 26 + 24 + 2 * 2 + 1) + 32 * 4   # = 1315.1
    assert _cycles(tmp_path, gemv, ["pim.gemv_order=outputs_outer"]) == [math.ceil(old)]   # 1316


def test_the_bench_gemv_by_hand(tmp_path):
    # 4096 x 4096 BF16: 4 input tiles; 256 output tiles of 16 rows, 128 per channel. Per channel 4
    # passes of (broadcast + row) + 127 x (exchange + row), then the read-back:
    raw = 4 * ((BROADCAST + ROW) + 127 * (EXCHANGE + ROW)) + READBACK     # = 116,326.5
    # refresh: tRFC + tRP = 236 each, the first at 3333 / 2, then every 3333: r = floor((raw + 236 r -
    # 1666.5) / 3333) + 1 -> r = 38: (116,326.5 + 8,968 - 1,666.5) / 3333 = 37.09 -> 38
    r = 38
    assert math.floor((raw + 236 * r - 1666.5) / 3333) + 1 == r
    total = math.ceil(raw + 236 * r)                                      # 125,295
    layer = _layers(tmp_path, [(1, 4096, 4096, 1)]).iloc[0]
    assert layer["total_cycles"] == total
    assert layer["pim_refreshes"] == r
    assert layer["latency_s"] == pytest.approx(total * TCK * 1e-9, rel=1e-6)
    # against the chip's pins (2 channels x 16 pins x 14 Gb/s = 56 GB/s) streaming the 32 MiB of weights
    pins_s = 4096 * 4096 * 2 / 56e9
    assert pins_s / layer["latency_s"] == pytest.approx(8.39, abs=0.01)


def test_activation_rows_and_instances_by_hand(tmp_path):
    # k = 1024: one input tile. Batch 2 (m = 2): each input vector is its own pass; n = 32: one
    # output tile per channel, so each pass is the broadcast + one row stream
    assert _cycles(tmp_path, [(2, 1024, 32, 1)]) == [math.ceil(2 * (BROADCAST + ROW) + READBACK)]   # 699
    # 3 instances (own inputs and weights) of n = 32: each spreads its 2 output tiles over the 2
    # channels, so a channel serves all 3: 3 passes. The engine counts a layer per instance and rounds
    # each: ceil(974.58 / 3) x 3 = 325 x 3
    kernel = 3 * (BROADCAST + ROW) + READBACK
    assert _cycles(tmp_path, [(1, 1024, 32, 3)]) == [math.ceil(kernel / 3) * 3]                    # 975
    # 3 instances of n = 16 (one output tile each): two side by side on the 2 channels, then the third:
    # 2 passes. ceil(698.05 / 3) x 3 = 233 x 3
    kernel = 2 * (BROADCAST + ROW) + READBACK
    assert _cycles(tmp_path, [(1, 1024, 16, 3)]) == [math.ceil(kernel / 3) * 3]                    # 699


def test_host_io_and_report_by_hand(tmp_path):
    layer = _layers(tmp_path, [(1, 2048, 64, 1)]).iloc[0]
    # written: the input, once per input tile and channel: 2 tiles x 2 channels x 64 bursts = 256,
    # and the partial sums back in, one burst per exchange: per channel 2 passes x 1 = 2, so 4
    assert layer["dram_writes_bits"] == (256 + 4) * 256
    # read: the 4 exchanges out, and the read-back of the last output tile on each channel: 2 x 16
    assert layer["dram_reads_bits"] == (4 + 32) * 256
    # the report keeps its meaning in either order: output tiles x activation rows per channel, and
    # input tiles per output tile
    assert (layer["pim_passes"], layer["pim_input_tiles"]) == (2, 2)
    old = _layers(tmp_path, [(1, 2048, 64, 1)], ["pim.gemv_order=outputs_outer"]).iloc[0]
    # outputs_outer: 4 output tiles x 2 input tiles x 64 bursts written; 64 outputs x one burst read
    assert old["dram_writes_bits"] == 4 * 2 * 64 * 256
    assert old["dram_reads_bits"] == 64 * 256
    assert (old["pim_passes"], old["pim_input_tiles"]) == (2, 2)
    # the weights are read once inside the banks in either order
    assert layer["pim_internal_bits"] == old["pim_internal_bits"] == 2048 * 64 * 16


def test_event_engine_plays_the_same_program(tmp_path):
    rows = [(1, 2048, 64, 1), (2, 1024, 32, 1), (1, 1024, 16, 3), (1, 4096, 4096, 1), (1, 4096, 11008, 1),
            (1, 11008, 4096, 1), (4, 1000, 3000, 1)]
    analytic = np.array(_cycles(tmp_path, rows))
    timed = np.array(_cycles(tmp_path, rows, engine="event"))
    assert np.all(np.abs(timed / analytic - 1) < 0.02)
    # without a refresh the two engines play the same phases: equal
    assert timed[:3].tolist() == analytic[:3].tolist() == [1152, 699, 699]


# --- presets and validation ----------------------------------------------------------------------

def test_hbm_pim_presets_keep_the_pimsimulator_order(tmp_path):
    for name in ("hbm-pim", "pimsimulator-hbm2", "pim-gpt", "attacc-hbm3"):
        pim = hwsim.load_accelerator(name).spec.pim
        assert (pim.gemv_order, pim.reduced_output_bits, pim.register_mode_switch_cycles) == ("outputs_outer", None, 0)
    # pimsimulator-hbm2, 256 x 256 FP16 at 64 channels, by hand (docs/models/pim.md; PIMSimulator's own
    # trace): setup 331 + session 78 + even tile (2 rows of 155 + broadcast 31) + odd tile (2 x 155 +
    # 78), then the read-back 14 + 14 + 20 + 2 x 2 + 1 = 53 and 64 bursts tCCD_S = 2 apart
    path = tmp_path / "p.csv"
    path.write_text("name,op,m,k,n\ng,gemm,1,256,256\n")
    layer = hwsim.simulate("pimsimulator-hbm2", str(path)).layers.iloc[0]
    assert layer["total_cycles"] == 331 + 78 + (2 * 155 + 31) + (2 * 155 + 78) + 53 + 64 * 2   # 1319


@pytest.mark.parametrize("override, fragments", [
    ("pim.gemv_order=sideways", ["pim.gemv_order", "'outputs_outer'", "'inputs_outer'"]),
    ("pim.reduced_output_bits=0", ["pim.reduced_output_bits", "greater than 0"]),
    ("pim.reduced_output_bits=33", ["pim.reduced_output_bits", "at most 32"]),
    # a reduced sum of BF16 lane products in fewer bits than one BF16 value
    ("pim.reduced_output_bits=8", ["pim.reduced_output_bits", "8-bit partial sums are narrower than the 16-bit lane format",
                                   "allowed: 16..32"]),
    ("pim.register_mode_switch_cycles=-1", ["pim.register_mode_switch_cycles", "greater than or equal to 0"]),
    ("pim.register_mode_switch_cycles=3334", ["pim.register_mode_switch_cycles", "refresh interval", "0..3333"]),
])
def test_bad_values_are_one_line_and_exit_2(override, fragments, tmp_path, capsys):
    from hwsim.cli import main

    assert main(["run", "gddr6-aim", _trace(tmp_path, [(1, 1024, 32, 1)]), "--set", override]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hwsim: error: "), captured.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_device_limits_are_refused_in_one_line(tmp_path):
    # a unit pair's tiles alternate banks: inputs_outer is refused there
    with pytest.raises(HwsimInputError) as err:
        hwsim.load_accelerator("hbm-pim", ["pim.gemv_order=inputs_outer"])
    assert "pim.gemv_order" in str(err.value) and "\n" not in str(err.value)
    # a partial sum wider than a column burst: a 16-bit-burst DRAM (x1 pins, BL16) under one FP16 lane
    import dataclasses

    from hwsim.arch.pim import PimDevice

    device = hwsim.load_accelerator("gddr6-aim").pim
    narrow = dataclasses.replace(device.timing, io_bits=1)
    spec = device.spec.model_copy(update={"lanes_per_unit": 1, "lane_formats": ["bf16"], "reduced_output_bits": 32})
    assert narrow.burst_bits == 16
    with pytest.raises(HwsimInputError) as err:
        PimDevice(spec, narrow, device.channels, device.tech)
    assert "pim.reduced_output_bits" in str(err.value) and "\n" not in str(err.value)


def test_instances_side_by_side_only_in_whole_channel_groups():
    """GDDR6-AiM on 3 channels (16 units x 1 accumulator = 16 output rows a channel; 64 input
    registers x 16 bf16 = 1,024 inputs a tile). Attention of 4 instances, each 1 x 64 x 32: an
    instance's 32 outputs take ceil(32 / 16) = 2 channels, so 3 channels hold floor(3 / 2) = 1
    instance at a time (half a group serves nothing): 4 instances x 1 row x 1 input tile = 4
    passes."""
    accel = hwsim.load_accelerator("gddr6-aim", ["dram.channels=3"])
    row = hwsim.simulate(accel, hwsim.Workload("g", (hwsim.Layer("attn", hwsim.MatMul(1, 64, 32, 4)),))).layers.iloc[0]
    assert (row["bound"], row["pim_input_tiles"], row["pim_passes"]) == ("pim", 1, 4)


def test_host_lane_reduction_by_hand_with_and_without_the_adder_tree(tmp_path):
    # a one-lane host (vector.lanes=1) at the preset's clock (1754.39 MHz: one host cycle = one tCK)
    # sums each output's 16 BF16 lane partial sums: 15 adds an output, one a cycle; only its excess
    # over the read-back (READBACK = 145) shows (docs/models/pim.md). 64 outputs on 4 output tiles.
    gemv = [(1, 2048, 64, 1)]
    # no adder tree: every output's lane partials reach the host, 64 x 15 = 960 cycles
    raw = 2 * ((BROADCAST + ROW) + (181 + ROW)) + READBACK                   # 1391.1, as above
    assert _cycles(tmp_path, gemv, ["pim.reduced_output_bits=null", "vector.lanes=1"]) == \
        [math.ceil(raw + 64 * 15 - READBACK)]                               # 2207
    # the adder tree reduces the exchanged partial sums in the banks: only the last output tile on
    # each channel comes back as lane partials, 2 channels x 16 rows x 15 = 480 cycles
    raw = 2 * ((BROADCAST + ROW) + (EXCHANGE + ROW)) + READBACK              # 1151.1
    assert _cycles(tmp_path, gemv, ["vector.lanes=1"]) == [math.ceil(raw + 32 * 15 - READBACK)]   # 1487
