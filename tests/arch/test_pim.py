"""The PIM fabric: phase costs by hand from the DRAM timing set, a single-bank GEMV against its
hand bound, Samsung PIMSimulator's cycles, published peak throughputs, energy goldens, placement,
physics directions and bad input.

Expected values are written from the documented formulas (docs/models/pim.md) with the hbm2-pim
numbers (PIMSimulator's ini: tRCD 14, tRCD_WR 10, tRP 14, tRAS 33, tCCD_S 2, tCCD_L 4, RL 20,
WL 8, tWR 16, tWTR_L 9, tRTRS 1, BL 4 at DDR = 2 bus cycles, 32 bursts per row, tRFC 350, tREFI
3900), never from the code under test.
"""

import csv
import math
from pathlib import Path

import pytest

import hwsim
from hwsim.arch.fabrics.pim_program import phase_costs
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from hwsim.memory.dram import dram_preset

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"


def _trace(tmp_path, rows, name="t.csv"):
    path = tmp_path / name
    gemv = [r for r in rows if r[0] == "gemm"]
    vec = [r for r in rows if r[0] == "vector"]
    lines = ["name,op,m,k,n,vector_op,elements"]
    for i, r in enumerate(gemv):
        lines.append(f"g{i},gemm,{r[1]},{r[2]},{r[3]},,")
    for i, r in enumerate(vec):
        lines.append(f"v{i},vector,,,,{r[1]},{r[2]}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _cycles(accel, trace, engine="analytic"):
    return hwsim.simulate(accel, str(trace), engine=engine).layers["total_cycles"].tolist()


# --- phase costs, by hand -------------------------------------------------------------------

def test_phase_costs_on_the_pimsimulator_timing_by_hand():
    c = phase_costs(dram_preset("hbm2-pim"), registers=8, accumulators=8, column_period=4, banks_per_unit=2)
    # ACT, tRCD + 1 to the first read, 31 more reads tCCD_L apart, precharge a burst (2) after the
    # last, tRP: 155 cycles ACT to ACT, as PIMSimulator's command trace shows (the JEDEC-style bound
    # tRCD + 32 x tCCD_L + tRP = 156 is one more)
    row = 14 + 1 + 31 * 4 + 2 + 14
    broadcast_overlapped = (20 + 2 + 1 - 8) + 7 * 4 + (8 + 2 + 9) - (2 + 14 + 14 + 1)  # = 31
    broadcast_same_bank = 10 + 1 + 7 * 4 + 8 + 2 + 16 - 1 + 14                       # = 78
    assert c.even_tile == 2 * row + broadcast_overlapped == 341     # trace: 341
    assert c.odd_tile == 2 * row + broadcast_same_bank == 388       # trace: 388
    fill = 14 + 1 + 7 * 4 + 2 + 14            # an 8-column row: 59 (trace: 59)
    store = 10 + 7 * 4 + 8 + 2 + 9 - 14       # tRCD_WR + 7 x tCCD_L + WL + burst + tWTR_L - tRCD = 43
    assert c.add_half == 2 * fill + store == 161                    # trace: 161
    assert c.relu_half == fill + store == 102                       # trace: 102
    assert c.readback_burst == 2 and c.readback_latency == 14 + 14 + 20 + 2 * 2 + 1 == 53
    assert c.refresh == 350 + 14


def test_short_rows_stay_open_for_tras():
    # 2 columns per row: max(14 + 1 + 1 x 4 + 2, tRAS 33) + 14 = 47 = tRC
    c = phase_costs(dram_preset("hbm2-pim"), registers=2, accumulators=1, column_period=4, banks_per_unit=1)
    overlapped = max(0, (20 + 2 + 1 - 8) + 1 * 4 + (8 + 2 + 9) - (2 + 14 + 14 + 1))  # = 7
    assert c.even_tile == 47 + overlapped


# --- a single-bank GEMV against the hand bound ----------------------------------------------

SINGLE_BANK = """
name: single-bank
source: test
clock_mhz: 1000
tech_node_nm: 45
compute: {kind: pim, rows: 1, cols: 1, dataflow: ws, pe: {type: mac, weights: [fp16], activations: [fp16], accumulator: fp32}}
vector: {lanes: 100000}
buffers:
  ifmap: {size_kib: 1, port_width_bits: 64}
  filter: {size_kib: 1, port_width_bits: 64}
  ofmap: {size_kib: 1, port_width_bits: 64}
dram: {standard: hbm2-pim, channels: 1, energy_pj_per_bit: 3.59}
pim:
  lanes_per_unit: 16
  lane_formats: [fp16]
  banks_per_unit: 16
  unit_clock_mhz: 1000
  input_registers: 32
  accumulator_registers: 1
  kernel_setup_cycles: 0
  session_cycles: 0
  lane_mac_pj: 0.5
  internal_pj_per_bit: 0.55
default_precision: {weights: fp16, activations: fp16, outputs: fp16}
area_overhead_fraction: 0
"""


def _single_bank(tmp_path):
    spec = tmp_path / "single-bank.yaml"
    spec.write_text(SINGLE_BANK)
    return hwsim.load_accelerator(str(spec))


def test_single_bank_gemv_is_activations_times_the_row_stream(tmp_path):
    # One unit streams one bank (banks_per_unit 16 > 4 per group: column period tCCD_S would apply,
    # so the unit runs at tCCD_L only through its lanes: 16 lanes x 16 bits = one burst per unit cycle
    # of 1 ns; the bank period is tCCD_S = 2). Input tile: 32 registers x 16 = 512 inputs = one row of
    # 32 columns for the one output row (1 accumulator).
    accel = _single_bank(tmp_path)
    k, n = 512 * 6, 1                                 # 6 input tiles = 6 row activations
    [cycles] = _cycles(accel, _trace(tmp_path, [("gemm", 1, k, n)]))
    row = 14 + 1 + 31 * 2 + 2 + 14                     # tRCD + 1 + 31 x tCCD_S + burst + tRP = 93
    # (the JEDEC-style bound tRCD + 32 x tCCD_S + tRP = 92; PIMSimulator's read-to-precharge is a burst)
    broadcast = max(0, (20 + 2 + 1 - 8) + 31 * 4 + (8 + 2 + 9) - (2 + 14 + 14 + 1))  # 32 writes: 127
    readback = 53 + 1 * 2
    raw = 6 * (row + broadcast) + readback             # 6 x 220 + 55 = 1375 < 1950: no refresh
    assert cycles == raw


def test_single_bank_stream_with_refresh(tmp_path):
    accel = _single_bank(tmp_path)
    tiles = 200
    [cycles] = _cycles(accel, _trace(tmp_path, [("gemm", 1, 512 * tiles, 1)]))
    raw = tiles * (93 + 127) + 55                      # 44,055 cycles without refresh
    # first refresh tREFI/2 = 1950 cycles in, then every 3900; each costs tRFC + tRP = 364:
    # r = floor((raw + 364 r - 1950) / 3900) + 1 -> r = 12 (44,055 + 4,368 = 48,423; (48,423 - 1950)/3900 = 11.92)
    assert cycles == raw + 12 * 364


# --- PIMSimulator ---------------------------------------------------------------------------

def _pimsimulator_cases():
    rows = []
    for path in sorted(DATA.glob("pimsimulator_cases*.csv")):
        with open(path) as f:
            rows += [r for r in csv.DictReader(line for line in f if not line.startswith("#"))
                     if not r["kernel"].endswith("_nonpim")]
    return rows


@pytest.fixture(scope="module")
def pimsimulator_runs(tmp_path_factory):
    """(case, hwsim cycles) for every PIMSimulator case: one trace per channel count with each case
    as its own layer (a layer's cycles are its own; checked below against a case run alone)."""
    tmp = tmp_path_factory.mktemp("pimsimulator")
    cases = _pimsimulator_cases()
    runs = []
    for ch in sorted({int(r["channels"]) for r in cases}):
        accel = hwsim.load_accelerator("pimsimulator-hbm2", [f"dram.channels={ch}"])
        mine = [r for r in cases if int(r["channels"]) == ch]
        gemvs = [r for r in mine if r["kernel"] == "gemv"]
        vectors = [r for r in mine if r["kernel"] != "gemv"]
        rows = [("gemm", int(r["m"]), int(r["k"]), int(r["n"])) for r in gemvs]
        rows += [("vector", r["kernel"], int(r["n"])) for r in vectors]
        cycles = _cycles(accel, _trace(tmp, rows, f"ch{ch}.csv"))   # _trace puts GEMMs first
        assert len(cycles) == len(rows)
        assert cycles[0] == _cycles(accel, _trace(tmp, rows[:1], f"ch{ch}-alone.csv"))[0]
        assert cycles[-1] == _cycles(accel, _trace(tmp, rows[-1:], f"ch{ch}-alone.csv"))[0]
        runs += list(zip(gemvs + vectors, cycles))
    return runs


def test_pimsimulator_cycles_within_5_percent_on_90_percent_of_cases(pimsimulator_runs):
    assert len(pimsimulator_runs) >= 49
    hits, misses = 0, []
    for r, cycles in pimsimulator_runs:
        m, k, n, ch = (int(r[c]) for c in ("m", "k", "n", "channels"))
        if r["kernel"] == "gemv":   # the read-back of the lane partial sums is part of a GEMV's time
            ref = int(r["cycles_total"])
        else:                       # element-wise results stay in the banks
            ref = int(r["cycles_kernel"])
        if abs(cycles / ref - 1) <= 0.05:
            hits += 1
        else:
            misses.append((r["kernel"], m, k, n, ch, ref, cycles))
    assert hits / len(pimsimulator_runs) >= 0.9, misses


def test_pimsimulator_large_gemvs_within_2_percent(pimsimulator_runs):
    # long batch-1 kernels, where the refresh phase no longer matters: the phase costs must be right
    # (batched GEMVs pay less per refresh in PIMSimulator when it lands between sessions: within 5%)
    large = [(r, cycles) for r, cycles in pimsimulator_runs
             if r["kernel"] == "gemv" and int(r["cycles_total"]) > 20000 and r["m"] == "1"]
    assert large
    for r, cycles in large:
        assert cycles == pytest.approx(int(r["cycles_total"]), rel=0.02), r


def test_cli_run_with_channels(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    trace = _trace(tmp_path, [("gemm", 1, 4096, 4096)])
    assert main(["run", "pimsimulator-hbm2", str(trace), "--set", "dram.channels=16", "--format", "json",
                 "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    import json
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    # PIMSimulator: 209,758 cycles at 16 channels, batch 4 is 4x batch 1; batch 1 = 52,506
    assert summary["total_cycles"] == pytest.approx(52506, rel=0.02)


# --- published peaks ------------------------------------------------------------------------

def test_peak_tflops_match_the_published_figures(reference):
    with open(reference / "tech" / "pim_devices.csv") as f:
        published = {r["device"].split()[0] + " " + r["device"].split()[1]: float(r["peak_tflops"])
                     for r in csv.DictReader(f)}
    hbm = hwsim.load_accelerator("hbm-pim").info()["peak_tflops"]
    aim = hwsim.load_accelerator("gddr6-aim").info()["peak_tflops"]
    assert hbm == pytest.approx(published["Samsung HBM-PIM"], rel=0.05)
    assert aim == pytest.approx(published["SK hynix"], rel=0.05)
    # by hand: 16 lanes x 2 x 300 MHz x 8 units x 16 pseudo-channels; 16 x 2 x 1 GHz x 16 x 2
    assert hbm == pytest.approx(16 * 2 * 300e6 * 8 * 16 / 1e12)
    assert aim == pytest.approx(16 * 2 * 1e9 * 16 * 2 / 1e12)


def test_info_json_reports_peak_tflops(capsys):
    assert main(["info", "hbm-pim", "--format", "json"]) == 0
    import json
    info = json.loads(capsys.readouterr().out)
    assert info["peak_tflops"] == pytest.approx(1.2288) and info["pim_units"] == 128


# --- energy goldens -------------------------------------------------------------------------

def test_energy_terms_of_a_single_bank_gemv_by_hand(tmp_path):
    accel = _single_bank(tmp_path)
    k = 512 * 6
    row = hwsim.simulate(accel, str(_trace(tmp_path, [("gemm", 1, k, 1)]))).layers.iloc[0]
    macs = k
    internal_bits = 6 * 32 * 256                        # 6 rows x 32 columns x 256-bit bursts
    register_bits = 6 * 32 * 3 * 256                    # per column MAC: input + accumulator read and write
    io_bits = 6 * 32 * 256 + 1 * 256                    # broadcast 32 bursts per tile + one burst read back
    reduce_ops = 1 * (16 - 1)                           # the host adds 16 lane partial sums
    register_pj = 0.009                                 # Aladdin's register bit at 45 nm (energy factor 1)
    host_add_pj = 1.1 + 0.4                             # a host vector op: FP16 multiply + add, Horowitz ISSCC 2014
    assert row["macs"] == macs
    assert row["energy_dram_pj"] == pytest.approx(internal_bits * 0.55 + io_bits * 3.59)
    host = row["energy_compute_pj"] - macs * 0.5 - register_bits * register_pj
    assert host == pytest.approx(reduce_ops * host_add_pj, rel=0.02)
    assert row["dram_reads_bits"] == 256 and row["dram_writes_bits"] == 6 * 32 * 256


# --- placement --------------------------------------------------------------------------------

def _llama_decode(batch=1, kv=512):
    return hwsim.load_workload(str(Path(__file__).resolve().parents[2] / "workloads" / "llm" / "llama-2-7b.json"),
                               phase="decode", kv_len=kv, batch=batch)


def test_offload_rules_place_the_right_layers():
    wl = _llama_decode()
    attn = hwsim.simulate("attacc-hbm3", wl).layers
    on_pim = set(attn.loc[attn.mapping == "pim", "layer"])
    assert on_pim and all(name.endswith(("attn_qk", "attn_pv")) for name in on_pim)
    hybrid = hwsim.simulate("systolic-hbm-pim", _llama_decode(batch=4)).layers
    # batch 4: projections have m = 4 > gemv_max_rows 1 and run on the host; each sequence's
    # attention is still a GEMV (one query row per KV head) and stays in memory
    pim = hybrid[hybrid.mapping == "pim"]
    assert set(pim.layer.str.rsplit("/", n=1).str[-1]) == {"attn_qk", "attn_pv"} and (pim.m == 1).all()
    hybrid1 = hwsim.simulate("systolic-hbm-pim", wl).layers
    gemm = hybrid1[hybrid1.m > 0]
    assert (gemm.mapping == "pim").all()


def test_macs_are_conserved_across_fabrics():
    wl = _llama_decode()
    base = hwsim.simulate("systolic-hbm2", wl).layers["macs"].sum()
    for accel in ("hbm-pim", "systolic-hbm-pim", "attacc-hbm3", "gpu-a100-roofline"):
        gemm = hwsim.simulate(accel, wl).layers
        assert gemm.loc[gemm.m > 0, "macs"].sum() == base


# --- directions physics gives -----------------------------------------------------------------

def test_pim_gemv_time_is_linear_in_batch(tmp_path):
    one, two, four = _cycles("pimsimulator-hbm2", _trace(tmp_path, [("gemm", 1, 4096, 4096), ("gemm", 2, 4096, 4096),
                                                                   ("gemm", 4, 4096, 4096)]))
    assert two / one == pytest.approx(2, rel=0.03) and four / one == pytest.approx(4, rel=0.03)


def test_pim_advantage_shrinks_with_batch_and_vanishes_for_prefill():
    def speedup(workload):
        pim = hwsim.simulate("hbm-pim", workload).layers.latency_s.sum()
        host = hwsim.simulate("systolic-hbm2", workload).layers.latency_s.sum()
        return host / pim

    s1, s4, s16 = (speedup(_llama_decode(batch=b)) for b in (1, 4, 16))
    assert s1 > 2 and s1 > s4 > s16
    prefill = hwsim.load_workload(str(Path(__file__).resolve().parents[2] / "workloads" / "llm" / "llama-2-7b.json"),
                                  phase="prefill", seq_len=256, batch=1)
    assert speedup(prefill) < 1


def test_halving_weight_bits_nearly_halves_pim_decode_time():
    wl = hwsim.load_workload(str(Path(__file__).resolve().parents[2] / "workloads" / "llm" / "llama-2-7b.json"),
                             phase="decode", kv_len=512, batch=1, gemm_only=True)
    accel = hwsim.load_accelerator("pimsimulator-hbm2", ["pim.lane_formats=[fp16, int8, int4]"])
    t16 = hwsim.simulate(accel, wl).layers
    t8 = hwsim.simulate(accel, wl, precision=hwsim.Precision(weights="int8")).layers
    t4 = hwsim.simulate(accel, wl, precision=hwsim.Precision(weights="int4")).layers
    proj = lambda t: t.loc[~t.layer.str.contains("attn_"), "total_cycles"].sum()  # noqa: E731
    assert proj(t8) / proj(t16) == pytest.approx(0.5, abs=0.06)
    assert proj(t4) / proj(t8) == pytest.approx(0.5, abs=0.08)


def test_more_channels_never_slow_a_gemv(tmp_path):
    trace = _trace(tmp_path, [("gemm", 1, 4096, 11008)])
    frame = hwsim.evaluate("pimsimulator-hbm2", str(trace), {"dram.channels": [8, 16, 32, 64, 128]})
    cycles = frame["total_cycles"].tolist()
    assert cycles == sorted(cycles, reverse=True) and cycles[0] > 10 * cycles[-1] / 2


def test_attacc_bank_level_beats_bank_group_and_buffer_die_for_attention():
    wl = _llama_decode(batch=1, kv=4095)  # Llama-2's longest: 4095 cached + the new token = 4096 positions
    res = {}
    for level in ("attacc-hbm3", "attacc-hbm3-bankgroup", "attacc-hbm3-bufferdie"):
        layers = hwsim.simulate(level, wl).layers
        pim = layers[layers.mapping == "pim"]
        res[level] = (pim.latency_s.sum(), pim.energy_pj.sum())
    assert res["attacc-hbm3"][0] < res["attacc-hbm3-bankgroup"][0] < res["attacc-hbm3-bufferdie"][0]
    assert res["attacc-hbm3"][1] < res["attacc-hbm3-bankgroup"][1] < res["attacc-hbm3-bufferdie"][1]


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, fragments", [
    (["compute.kind=pim"], ["compute.kind 'pim' needs a pim section"]),
    (["dram.standard=ddr9"], ["dram.standard", "ddr9", "hbm2-pim"]),
    (["dram.channels=0"], ["dram.channels", "greater than 0"]),
    (["pim.banks_per_unit=3"], ["pim.banks_per_unit", "16 banks", "units of 3"]),
    (["dram.standard=lpddr5"], ["dram.standard", "lpddr5", "read/write latencies"]),
    (["pim.lane_formats=[fp9]"], ["pim.lane_formats", "fp9"]),
])
def test_bad_pim_specs_are_one_line(overrides, fragments, capsys):
    base = "systolic-hbm2" if overrides == ["compute.kind=pim"] else "pimsimulator-hbm2"
    argv = ["info", base] + [x for o in overrides for x in ("--set", o)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hwsim: error: ")
    for fragment in fragments:
        assert fragment in err[0], (fragment, err[0])


def test_weights_the_lanes_cannot_run_are_refused(tmp_path, capsys):
    trace = _trace(tmp_path, [("gemm", 1, 256, 256)])
    with pytest.raises(HwsimInputError, match="pim.lane_formats"):
        hwsim.simulate("pimsimulator-hbm2", str(trace), precision=hwsim.Precision(weights="int8"))
    assert math.isfinite(_cycles("pimsimulator-hbm2", trace)[0])


def test_dram_background_and_refresh_power_by_hand():
    # DRAMsim3 HBM2_8Gb_x128.ini: VDD 1.2 V, IDD3N 55 mA, IDD5AB 250 mA per x128 channel = 2 pseudo-channels
    per_pch_mw = 1.2 * (55 / 2 + (250 / 2 - 55 / 2) * 350 / 3900)
    info = hwsim.load_accelerator("systolic-hbm2").info()
    assert info["dram_static_mw"] == pytest.approx(16 * per_pch_mw) == pytest.approx(696.0)
    more = hwsim.load_accelerator("systolic-hbm2", ["dram.channels=32"]).info()
    # and 16 more pseudo-channels' PHYs on the die, clocked at 16 GB/s each: 0.3 pJ/bit (FGDRAM's
    # interposer I/O) x 256 GB/s x 8 bits = 614.4 mW (hwsim/memory/dram.py phy_mw)
    assert more["leakage_uw"] - info["leakage_uw"] == pytest.approx((16 * per_pch_mw + 0.3 * 256 * 8) * 1e3)


def test_pim_io_never_below_the_compulsory_floor(tmp_path):
    trace = _trace(tmp_path, [("gemm", 1, 4096, 4096), ("gemm", 3, 1000, 3000), ("gemm", 1, 128, 100)])
    layers = hwsim.simulate("pimsimulator-hbm2", str(trace)).layers
    floor = (layers.m * layers.k + layers.m * layers.n) * 16          # input in, outputs out, FP16
    assert (layers.compulsory_dram_bits == floor).all()
    assert (layers.dram_reads_bits + layers.dram_writes_bits >= floor).all()


def test_a_refresh_due_in_the_final_park_out_costs_nothing(tmp_path):
    # ReLU on 1M FP16 at 64 channels: 8 tiles of 2048 per channel, 2 bank halves each:
    # 331 + 78 + 16 x (59 + 43) = 2041 cycles; the refresh due at 1950 falls in the last 109 (park-out)
    trace = _trace(tmp_path, [("vector", "relu", 1 << 20)])
    assert _cycles("pimsimulator-hbm2", trace) == [2041]            # PIMSimulator: 2042
    assert _cycles("pimsimulator-hbm2", trace, engine="event") == [2041]
    # add on 2M: 331 + 78 + 32 x 161 = 5561; refreshes due at 1950 (paid: 364) and 5850 (in the tail)
    trace = _trace(tmp_path, [("vector", "add", 1 << 21)], name="add.csv")
    assert _cycles("pimsimulator-hbm2", trace) == [5561 + 364]      # PIMSimulator: 5926


def test_pim_unit_area_and_leakage_terms(tmp_path):
    accel = _single_bank(tmp_path)
    base = accel.area_breakdown_mm2["pim_units"]
    (tmp_path / "big.yaml").write_text(SINGLE_BANK.replace("  lane_mac_pj: 0.5", "  lane_mac_pj: 0.5\n  unit_area_um2: 1500")
                                       .replace("channels: 1,", "channels: 4,"))
    big = hwsim.load_accelerator(str(tmp_path / "big.yaml"))
    assert big.area_breakdown_mm2["pim_units"] == pytest.approx(4 * 1 * 1500 / 1e6)   # 4 channels x 1 unit
    assert base > 0 and "pim_units" not in hwsim.load_accelerator("systolic-hbm2").area_breakdown_mm2
    # the overhead fraction never applies to the units in the DRAM dies
    assert big.area_mm2 == pytest.approx(sum(big.area_breakdown_mm2.values()))
    # static power: 4x the units' lane leakage of 1 channel, plus 4x the channel's DRAM static power
    # and 4x its PHY's (0.3 pJ/bit x 16 GB/s x 8 bits = 38.4 mW: hwsim/memory/dram.py phy_mw)
    one, four = accel.leakage_uw, big.leakage_uw
    per_channel_dram_uw = 1e3 * 1.2 * (55 / 2 + (250 / 2 - 55 / 2) * 350 / 3900)
    per_channel_phy_uw = 1e3 * 0.3 * 16 * 8
    lanes_uw = (four - one - 3 * (per_channel_dram_uw + per_channel_phy_uw)) / 3   # one unit's 16 lanes
    assert 0 < lanes_uw < one - per_channel_dram_uw - per_channel_phy_uw


def test_offload_faster_keeps_the_quicker_side_of_each_layer():
    def layers(offload, batch):
        accel = hwsim.load_accelerator("systolic-hbm-pim", [f"pim.offload={offload}", "pim.gemv_max_rows=16"])
        return hwsim.simulate(accel, _llama_decode(batch=batch)).layers
    for batch in (1, 16):
        memory, faster = layers("gemv", batch), layers("faster", batch)
        host = hwsim.simulate("systolic-hbm2", _llama_decode(batch=batch)).layers
        best = memory.total_cycles.where(memory.total_cycles <= host.total_cycles, host.total_cycles)
        assert (faster.total_cycles == best).all()
        assert faster.total_cycles.sum() <= min(memory.total_cycles.sum(), host.total_cycles.sum())
        proj = faster[faster.layer.str.endswith("q_proj")]
        assert (proj.mapping == ("pim" if batch == 1 else "auto")).all()


def test_elementwise_in_memory_energy_by_hand(tmp_path):
    accel = _single_bank(tmp_path)
    n = 8192                                             # one tile: 16 banks x 32 registers x 16 FP16
    row = hwsim.simulate(accel, str(_trace(tmp_path, [("vector", "relu", n)]))).layers.iloc[0]
    assert row["mapping"] == "pim" and row["macs"] == 0
    assert row["energy_compute_pj"] == pytest.approx(n * 0.5)          # one lane op per element
    assert row["energy_dram_pj"] == pytest.approx(2 * n * 16 * 0.55)   # each element read and written in the bank
    assert row["dram_reads_bits"] == 0 and row["dram_writes_bits"] == 0  # results stay in the banks


def test_kv_formats_the_lanes_cannot_run_name_the_kv_cache():
    with pytest.raises(HwsimInputError, match="the KV cache in int8 cannot run on the PIM lanes"):
        hwsim.simulate("attacc-hbm3", _llama_decode(), precision=hwsim.Precision(kv="int8"))


def test_more_lanes_than_a_column_feeds_are_refused(capsys):
    assert main(["info", "hbm-pim", "--set", "pim.lanes_per_unit=32"]) == 2
    err = capsys.readouterr().err
    assert "pim.lanes_per_unit" in err and "at most 16" in err and len(err.strip().splitlines()) == 1


def test_pim_unit_area_composition_at_45nm(tmp_path):
    # units x (lanes x one FP16 lane's MAC area + register bits x a DFF's area); the lane MAC area
    # comes from hwsim's PE model (tested against published figures elsewhere), the DFF is Nangate's
    # DFF_X1: 17 tracks x 0.19 um x 1.4 um = 4.522 um^2 at 45 nm (area factor 1)
    from hwsim.formats import parse_format
    from hwsim.pe.mac import MacPE
    from hwsim.tech.nodes import tech_point

    accel = _single_bank(tmp_path)
    fp16 = parse_format("fp16")
    lane = MacPE((fp16,), (fp16,), fp16).area_um2(tech_point(45, None)).value
    registers = (32 + 1) * 256                          # input + accumulator registers, a burst each
    # registers placed like the lanes: cell area x the place-and-route factor (tests/pe/test_placement.py)
    from hwsim.pe.placement import placement_factor
    assert accel.area_breakdown_mm2["pim_units"] == pytest.approx(
        (16 * lane + registers * 17 * 0.19 * 1.4 * placement_factor()) / 1e6)


def test_weights_are_read_once_inside_the_banks(tmp_path):
    # 4096 x 4096 FP16 at 64 channels fills every unit's rows exactly: each weight bit read once
    row = hwsim.simulate("pimsimulator-hbm2", str(_trace(tmp_path, [("gemm", 1, 4096, 4096)]))).layers.iloc[0]
    assert row["pim_internal_bits"] == 4096 * 4096 * 16
    io = row["dram_reads_bits"] + row["dram_writes_bits"]
    assert row["energy_dram_pj"] == pytest.approx(4096 * 4096 * 16 * 0.55 + io * 3.59)


def test_pim_time_does_not_depend_on_the_host_clock(tmp_path):
    trace = _trace(tmp_path, [("gemm", 1, 4096, 4096)])
    at_1ghz = hwsim.simulate("pimsimulator-hbm2", str(trace)).layers.iloc[0]
    slow_host = hwsim.simulate(hwsim.load_accelerator("pimsimulator-hbm2", ["clock_mhz=500"]), str(trace)).layers.iloc[0]
    assert slow_host["total_cycles"] == pytest.approx(at_1ghz["total_cycles"] / 2, abs=1)
    assert slow_host["latency_s"] == pytest.approx(at_1ghz["latency_s"], rel=1e-3)
    # AttAcc: HBM3 at tCK 0.769 ns under a 1830 MHz host: cycles x 1.83 / 1.3004 (derived)
    attn = hwsim.simulate("attacc-hbm3", _llama_decode()).layers
    pim = attn[attn.mapping == "pim"].iloc[0]
    assert pim["latency_s"] == pytest.approx(pim["total_cycles"] / 1830e6)


def test_slow_lanes_stretch_the_column_period(tmp_path):
    # unit clock 250 MHz = 4 DRAM cycles per unit cycle, one unit cycle per burst: period max(tCCD_S 2, 4) = 4
    (tmp_path / "slow.yaml").write_text(SINGLE_BANK.replace("unit_clock_mhz: 1000", "unit_clock_mhz: 250"))
    accel = hwsim.load_accelerator(str(tmp_path / "slow.yaml"))
    [cycles] = _cycles(accel, _trace(tmp_path, [("gemm", 1, 512 * 6, 1)]))
    row = 14 + 1 + 31 * 4 + 2 + 14                      # 155 instead of 93
    assert cycles == 6 * (row + 127) + 55


def test_gddr6_aim_gemv_by_hand(tmp_path):
    # gddr6-aim: tCK 0.57 ns, tRCD 26, tRP 26, tCCD_S/L 4/6, RL 24, WL 6, tWTR_L 11, tRTRS 1, BL16 at 8
    # transfers per tCK = 2 bus cycles; 64 bursts per 2 KB row; 16 units per channel, 2 channels;
    # 64 input registers, 1 accumulator; no setup or session cycles.
    # GEMV k = 1024, n = 32: one input tile (64 x 16), 2 channel tiles of 16 rows over 2 channels: 1 pass
    trace = str(_trace(tmp_path, [("gemm", 1, 1024, 32)]))
    bf16 = hwsim.Precision(weights="bf16", activations="bf16")
    readback = (26 + 26 + 24 + 2 * 2 + 1) + 16 * 4    # 16 bursts per channel, tCCD_S apart = 145
    # the preset: AiM's own cadence, a column MAC each 1 ns = 1 / 0.57 DRAM cycles; a broadcast
    # write each 1 ns too, but never faster than a burst on the bus (BL16 = 2 CK at 0.57 ns)
    row = 26 + 1 + 63 * (1.0 / 0.57) + 2 + 26          # 64 columns at 1 ns = 165.5
    broadcast = (24 + 2 + 1 - 6) + 63 * 2 + (6 + 2 + 11) - (2 + 26 + 26 + 1)   # = 111
    layer = hwsim.simulate("gddr6-aim", trace, precision=bf16).layers.iloc[0]
    # the layer's cycles are whole: 421.5 -> 422
    assert layer["latency_s"] == pytest.approx(math.ceil(row + broadcast + readback) * 0.57e-9, rel=1e-6)
    # at the standard's tCCD_L (6 CK) instead: a column command through the bank group's I/O
    row = 26 + 1 + 63 * 6 + 2 + 26                     # = 433
    broadcast = (24 + 2 + 1 - 6) + 63 * 6 + (6 + 2 + 11) - (2 + 26 + 26 + 1)   # = 363
    dram_cycles = row + broadcast + readback           # 941 < the first refresh at 3333 / 2
    standard = hwsim.load_accelerator("gddr6-aim", ["pim.column_period_ns=null", "pim.broadcast_period_ns=null"])
    layer = hwsim.simulate(standard, trace, precision=bf16).layers.iloc[0]
    assert layer["latency_s"] == pytest.approx(dram_cycles * 0.57e-9, rel=1e-6)
    # element-wise relu on 1M elements in memory: each element read and written once in the banks
    relu = hwsim.simulate("pimsimulator-hbm2", str(_trace(tmp_path, [("vector", "relu", 1 << 20)]))).layers.iloc[0]
    assert relu["pim_internal_bits"] == 2 * (1 << 20) * 16


def test_peak_per_lane_format():
    info = hwsim.load_accelerator("pimsimulator-hbm2", ["pim.lane_formats=[fp16, int8, int4]"]).info()
    # 16 FP16 lanes per 256-bit burst -> 32 INT8, 64 INT4: x2, x4 (512 units at 1 GHz)
    assert info["pim_peak_tops_by_format"] == pytest.approx({"fp16": 16.384, "int8": 32.768, "int4": 65.536})


def test_the_hosts_lane_reduction_shows_beyond_the_read_back_and_follows_the_points_lanes():
    """HBM-PIM GEMV 1 x 4096 x 4096: every output leaves its unit as 16 fp16 lane partials, and the
    host sums them: 4096 x (16 - 1) = 61,440 adds. With 1,024 vector lanes that is 60 cycles,
    hidden under the read-back; with one lane it is 61,440 cycles, of which only the excess over
    the read-back shows (the reduction runs as the bursts arrive). hbm-pim runs at 1 GHz, its HBM2
    clock's period is 1 ns, so DRAM and accelerator cycles are equal here. evaluate's per-point
    vector lanes and simulate's agree (evaluate used the base design's lanes for every point)."""
    work = hwsim.Workload("g", (hwsim.Layer("gemv", hwsim.Gemm(1, 4096, 4096)),))
    wide = hwsim.simulate(hwsim.load_accelerator("hbm-pim", ["vector.lanes=1024"]), work).layers.iloc[0]
    one = hwsim.simulate(hwsim.load_accelerator("hbm-pim", ["vector.lanes=1"]), work).layers.iloc[0]
    assert one["pim_readback_cycles"] == wide["pim_readback_cycles"] < 4096 * 15
    assert one["total_cycles"] == wide["total_cycles"] + (4096 * 15 - one["pim_readback_cycles"])
    swept = hwsim.evaluate("hbm-pim", work, {"vector.lanes": [1024, 1]})
    assert swept["total_cycles"].tolist() == [wide["total_cycles"], one["total_cycles"]]


def test_input_tiles_alternate_the_banks_even_first():
    """HBM-PIM GEMV, 4,096 outputs (4 passes): input tiles of 8 registers x 16 fp16 elements = 128
    alternate the unit's two banks, the even bank first, so 33 tiles are 17 even + 16 odd and 34
    are 17 + 17. The 34th tile is an odd-bank tile: 388 cycles a pass (2 rows + a same-bank
    broadcast; test_phase_costs_on_the_pimsimulator_timing_by_hand), x 4 passes. (hbm-pim runs at
    1 GHz on HBM2's 1 ns clock: DRAM and accelerator cycles are equal.)"""
    rows = {k: hwsim.simulate("hbm-pim", hwsim.Workload("g", (hwsim.Layer("gemv", hwsim.Gemm(1, k, 4096)),)))
            .layers.iloc[0] for k in (33 * 128, 34 * 128)}
    assert [rows[k]["pim_input_tiles"] for k in rows] == [33, 34]
    assert rows[33 * 128]["pim_refreshes"] == rows[34 * 128]["pim_refreshes"]   # no refresh between them
    assert rows[33 * 128]["pim_passes"] == 4
    assert rows[34 * 128]["total_cycles"] - rows[33 * 128]["total_cycles"] == 4 * 388


def test_read_back_counts_every_lanes_partial_sum():
    """HBM-PIM with int8 lanes beside fp16: an int8 lane format packs 16 x 16 / 8 = 32 lanes
    (docs: a narrower format packs lanes_per_unit x first bits / its bits), each leaving a 16-bit
    (fp16 accumulator) partial sum per output row: 32 x 16 = 512 bits, two 256-bit bursts. A GEMV
    of 4,096 outputs reads back 4,096 x 512 bits (the outputs fill whole 64-row channel groups)."""
    accel = hwsim.load_accelerator("hbm-pim", ["pim.lane_formats=[fp16, int8]"])
    layer = hwsim.Layer("gemv", hwsim.Gemm(1, 4096, 4096), precision=hwsim.Precision(weights="int8", activations="fp16"))
    row = hwsim.simulate(accel, hwsim.Workload("g", (layer,))).layers.iloc[0]
    assert row["bound"] == "pim"
    assert row["dram_reads_bits"] == 4096 * 32 * 16
