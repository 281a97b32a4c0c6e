"""The PIM event engine (hwsim/engine/event.py) against the closed form and against hand timelines.

Agreement: event vs analytic within 2% on GEMVs 256..16384 (square and not, batch 1-4, 64/16/1
channels), element-wise add/mul/relu and a whole Llama-2-7B decode step. Goldens: kernel
timelines written by hand from the documented phase formulas with the hbm2-pim numbers
(PIMSimulator's ini: tRCD 14, tRP 14, tCCD_L 4, tCCD_S 2, 32 bursts per row, RL 20, BL 4 = 2 bus
cycles, tRFC 350, tREFI 3900), never from the code under test. No test depends on wall time.
"""

import dataclasses

import numpy as np
import pytest

import hwsim
from hwsim.arch.fabrics.pim import column_period, kernel_cycles
from hwsim.arch.fabrics.pim_program import PhaseCosts, PimProgram, phase_costs
from hwsim.engine import event
from hwsim.engine.event import KernelContext, event_kernel_cycles, simulate_kernel

PRESET = "pimsimulator-hbm2"

# hbm2-pim phases by hand
ROW = 14 + 1 + 31 * 4 + 2 + 14      # tRCD + 1 + 31 x tCCD_L + burst + tRP = 155 (PIMSimulator's trace)
BROADCAST = 31                      # even tile's overlapped broadcast (tests/test_pim.py derives it)
ODD_WRITE = 78                      # odd tile's same-bank broadcast (tests/test_pim.py)
LATENCY = 14 + 14 + 20 + 2 * 2 + 1  # read-back: tRP + tRCD + RL + 2 x burst + 1 = 53
BURST = 2                           # tCCD_S
REFRESH = 350 + 14                  # tRFC + tRP = 364
SETUP, SESSION = 331, 78


def _trace(tmp_path, gemvs=(), vectors=(), name="t.csv"):
    lines = ["name,op,m,k,n,vector_op,elements"]
    lines += [f"g{i},gemm,{m},{k},{n},," for i, (m, k, n) in enumerate(gemvs)]
    lines += [f"v{i},vector,,,,{op},{elements}" for i, (op, elements) in enumerate(vectors)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _both(accel, work):
    analytic = hwsim.simulate(accel, work)
    timed = hwsim.simulate(accel, work, engine="event")
    return analytic.layers, timed.layers


def _program(device, costs, passes=0, even=0, odd=0, halves=0, is_add=False, bursts=0, host=0.0,
             first_refresh=None):
    """A one-kernel program written directly (fields this engine does not read are zero)."""
    arrays = {f.name: np.zeros((1, 1)) for f in dataclasses.fields(PimProgram)}
    arrays.update(passes=np.array([[passes]], float), even_tiles=np.array([[even]], float),
                  odd_tiles=np.array([[odd]], float), eltwise_halves=np.array([[halves]], float),
                  eltwise_is_add=np.array([[is_add]]), readback_bursts=np.array([[bursts]], float),
                  host_reduce_cycles=np.array([[host]], float), setup_cycles=float(SETUP),
                  tail_cycles=0.0, session_cycles=float(SESSION), costs=costs,
                  first_refresh_cycles=0.5 * device.timing.tREFI if first_refresh is None else first_refresh)
    return PimProgram(**arrays)


def _device(tREFI=None):
    device = hwsim.load_accelerator(PRESET).pim
    if tREFI is None:
        return device
    return dataclasses.replace(device, timing=dataclasses.replace(device.timing, tREFI=tREFI))


def _context(first_refresh=10**12, interval=3900):
    """The hbm2-pim kernel phases, by hand."""
    return KernelContext(setup=SETUP, tail=0.0, session=SESSION, first_refresh=first_refresh, refresh_interval=interval,
                         refresh=REFRESH, readback_latency=LATENCY, readback_burst=BURST,
                         even_tile=(ROW, ROW, BROADCAST), odd_tile=(ROW, ROW, ODD_WRITE),
                         add_half=(59, 59, 43), relu_half=(59, 43))


# --- agreement with the closed form ---------------------------------------------------------------

SHAPES = [(256, 256), (1024, 1024), (4096, 4096), (16384, 16384), (256, 4096), (4096, 256), (1024, 16384),
          (16384, 1024), (4096, 11008), (11008, 4096), (2048, 5120)]


@pytest.mark.parametrize("channels", [64, 16, 1])
def test_gemv_sweep_agrees_within_2_percent(tmp_path, channels):
    gemvs = [(batch, k, n) for k, n in SHAPES for batch in (1, 2, 4)
             if channels > 1 or batch * k * n <= 2 * 16384 * 16384]  # 1 channel: keep the run short
    vectors = [(op, elements) for op in ("add", "mul", "relu") for elements in (1 << 16, 1 << 20, 3_000_000)]
    accel = hwsim.load_accelerator(PRESET, [f"dram.channels={channels}"])
    analytic, timed = _both(accel, hwsim.load_workload(_trace(tmp_path, gemvs, vectors)))
    ratio = timed["total_cycles"] / analytic["total_cycles"]
    assert np.all(np.abs(ratio - 1) < 0.02), analytic.loc[np.abs(ratio - 1) >= 0.02, "layer"].tolist()
    # the same refresh grid: counts agree but for a refresh due in a kernel's very last phase
    assert np.all(np.abs(timed["pim_refreshes"] - analytic["pim_refreshes"]) <= 1)
    assert np.all(timed["total_cycles"] >= analytic["total_cycles"] - REFRESH)


def test_llama2_7b_decode_step_agrees_within_2_percent():
    accel = hwsim.load_accelerator(PRESET)
    work = hwsim.load_workload("workloads/llm/llama-2-7b.json", phase="decode", kv_len=2048, batch=1)
    analytic, timed = _both(accel, work)
    assert abs(timed["total_cycles"].sum() / analytic["total_cycles"].sum() - 1) < 0.02
    pim = analytic["pim_passes"].notna().to_numpy()
    assert pim.sum() >= 10
    ratio = timed["total_cycles"][pim] / analytic["total_cycles"][pim]
    assert np.all(np.abs(ratio - 1) < 0.02)


def test_other_pim_presets_agree_on_a_decode_step():
    work = hwsim.load_workload("workloads/llm/gpt2.json", phase="decode", kv_len=512, batch=2)
    for name in ("hbm-pim", "pim-gpt", "gddr6-aim", "attacc-hbm3-bankgroup"):
        analytic, timed = _both(hwsim.load_accelerator(name), work)
        assert abs(timed["total_cycles"].sum() / analytic["total_cycles"].sum() - 1) < 0.02, name


# --- goldens: timelines by hand --------------------------------------------------------------------

def test_golden_gemv_without_refresh():
    # 2 passes of 2 even + 1 odd input tiles, 128 bursts read back, no refresh (tREFI out of reach)
    device = _device(tREFI=10**12)
    costs = PhaseCosts(even_tile=2 * ROW + BROADCAST, odd_tile=2 * ROW + ODD_WRITE, add_half=0, relu_half=0,
                       readback_burst=BURST, readback_latency=LATENCY, refresh=REFRESH)
    total, count, readback = event_kernel_cycles(_program(device, costs, passes=2, even=2, odd=1, bursts=128),
                                                 device)
    by_hand = 331 + 2 * (78 + 2 * 341 + 388) + 53 + 128 * 2      # = 2936
    assert total.tolist() == [[by_hand]] == [[2936]]
    assert count.tolist() == [[0]]
    assert readback.tolist() == [[53 + 256]]


def test_golden_refresh_waits_for_the_row_to_close():
    # setup 0-331, session -409, first even row 409-564: the refresh due at 500 starts at 564
    kernel = simulate_kernel(_context(first_refresh=500), passes=1, even=2, odd=2, halves=0, is_add=False,
                             bursts=64, host_cycles=0.0)
    assert kernel.refresh_starts == (564,)
    assert kernel.total == 331 + 78 + 2 * 341 + 2 * 388 + 364 + 53 + 64 * 2 == 2412
    assert kernel.readback == 53 + 128


def test_golden_refresh_between_readback_bursts():
    # no refresh: bank work ends at 409 + 2 x 341 + 2 x 388 = 1867, read-back latency to 1920, bursts
    # 1920-1922, ..., 2046-2048; a refresh due at 1943 waits for the burst 1942-1944 (the 12th), then
    # the 52 bursts left follow it
    kernel = simulate_kernel(_context(first_refresh=1943), passes=1, even=2, odd=2, halves=0, is_add=False,
                             bursts=64, host_cycles=0.0)
    assert kernel.refresh_starts == (1944,)
    assert kernel.total == 1944 + 364 + 52 * 2 == 2048 + 364
    assert kernel.readback == kernel.total - 1867


def test_golden_refresh_due_in_the_last_burst_is_not_paid():
    # due at 2047, during the last burst 2046-2048: it would start once the work is done (the closed
    # form counts it: the one place the engines' refresh counts can differ)
    kernel = simulate_kernel(_context(first_refresh=2047), passes=1, even=2, odd=2, halves=0, is_add=False,
                             bursts=64, host_cycles=0.0)
    assert kernel.refreshes == 0 and kernel.total == 2048


def test_golden_elementwise_add_and_relu():
    # setup, session, then the bank halves: add = 2 fills of an 8-column row + a store
    add = simulate_kernel(_context(), passes=0, even=0, odd=0, halves=6, is_add=True, bursts=0, host_cycles=0.0)
    relu = simulate_kernel(_context(), passes=0, even=0, odd=0, halves=6, is_add=False, bursts=0, host_cycles=0.0)
    assert add.total == 331 + 78 + 6 * (59 + 59 + 43) == 1375
    assert relu.total == 331 + 78 + 6 * (59 + 43) == 1021
    # a refresh due at 500, inside the second fill (468-527), waits for it
    add = simulate_kernel(_context(first_refresh=500), passes=0, even=0, odd=0, halves=6, is_add=True, bursts=0,
                          host_cycles=0.0)
    assert add.refresh_starts == (527,)
    assert add.total == 1375 + 364


def test_golden_host_reduction_behind_and_ahead_of_the_read_back():
    # 64 bursts 2 cycles apart arrive at 1922, 1924, ..., 2048 (bank work ends at 1867, latency 53)
    fast = simulate_kernel(_context(), passes=1, even=2, odd=2, halves=0, is_add=False, bursts=64, host_cycles=64.0)
    assert fast.total == 2048 + 1                # 1 cycle per burst: only the last burst's share shows
    slow = simulate_kernel(_context(), passes=1, even=2, odd=2, halves=0, is_add=False, bursts=64,
                           host_cycles=64 * 3.0)
    assert slow.total == 1922 + 64 * 3 == 2114   # 3 per burst: the host sets the pace from the first burst
    assert slow.readback == 53 + 128


# --- refresh is really scheduled ----------------------------------------------------------------------

def _long_program(device):
    t, spec = device.timing, device.spec
    costs = phase_costs(t, spec.input_registers, spec.accumulator_registers, column_period(device),
                        spec.banks_per_unit)
    # a 4096 x 4096 GEMV on one channel: 64 passes of 32 input tiles, about 200 refresh intervals
    return _program(device, costs, passes=64, even=16, odd=16, bursts=64 * 64)


def test_long_kernel_sees_one_refresh_per_trefi():
    device = _device()
    program = _long_program(device)
    total, count, _ = event_kernel_cycles(program, device)
    t = device.timing
    assert total[0, 0] > 100 * t.tREFI
    assert abs(count[0, 0] - total[0, 0] / t.tREFI) <= 1
    analytic, analytic_count, _ = kernel_cycles(program, device)
    assert count[0, 0] == analytic_count[0, 0]
    assert abs(total[0, 0] / analytic[0, 0] - 1) < 1e-3


def test_refreshes_start_on_their_grid_after_the_phase_in_progress():
    ctx = _context(first_refresh=1950)
    kernel = simulate_kernel(ctx, passes=64, even=16, odd=16, halves=0, is_add=False, bursts=4096, host_cycles=0.0)
    starts = np.array(kernel.refresh_starts)
    due = 1950 + 3900 * np.arange(len(starts))
    longest_phase = max(SETUP, SESSION, ROW, LATENCY)
    assert len(starts) > 100
    assert np.all(starts >= due) and np.all(starts < due + longest_phase)
    assert kernel.total == pytest.approx(
        331 + 64 * (78 + 16 * 341 + 16 * 388) + 53 + 4096 * 2 + len(starts) * 364)


def test_no_refresh_when_trefi_is_out_of_reach():
    device = _device(tREFI=10**12)
    total, count, _ = event_kernel_cycles(_long_program(device), device)
    assert count[0, 0] == 0
    assert total[0, 0] == 331 + 64 * (78 + 16 * 341 + 16 * 388) + 53 + 4096 * 2


# --- memoisation and shapes ---------------------------------------------------------------------

def test_unique_kernels_are_simulated_once_and_broadcast():
    device = _device()
    costs = _long_program(device).costs
    prog = _program(device, costs)
    # (P=2, L=4) passes against (1, L) tiles: 3 unique kernels
    prog = dataclasses.replace(prog, passes=np.array([[1, 2, 1, 2], [1, 1, 3, 2]], float),
                               even_tiles=np.full((1, 4), 4.0), odd_tiles=np.full((1, 4), 4.0),
                               readback_bursts=np.array([[64, 128, 64, 128], [64, 64, 192, 128]], float),
                               eltwise_halves=np.zeros((1, 4)), eltwise_is_add=np.zeros((1, 4), bool),
                               host_reduce_cycles=np.zeros((1, 4)))
    event.kernel_numbers.cache_clear()
    total, count, readback = event_kernel_cycles(prog, device)
    assert total.shape == count.shape == readback.shape == (2, 4)
    assert event.kernel_numbers.cache_info().misses == 3
    assert total[0, 0] == total[0, 2] == total[1, 0] == total[1, 1]
    assert total[0, 1] == total[0, 3] == total[1, 3] < total[1, 2]
    event_kernel_cycles(prog, device)
    assert event.kernel_numbers.cache_info().misses == 3


def test_cli_route_reports_the_event_refreshes(tmp_path):
    accel = hwsim.load_accelerator(PRESET, ["dram.channels=16"])
    analytic, timed = _both(accel, hwsim.load_workload(_trace(tmp_path, [(1, 4096, 4096)])))
    assert timed["pim_refreshes"].iloc[0] == analytic["pim_refreshes"].iloc[0] > 0
    assert abs(timed["total_cycles"].iloc[0] / analytic["total_cycles"].iloc[0] - 1) < 0.01
