"""The event engine: each PIM kernel played on a SimPy discrete-event simulation of one channel.

The closed form (hwsim.arch.fabrics.pim.kernel_cycles) sums the per-channel command program of
hwsim.arch.fabrics.pim_program; this engine plays the same program as processes in time:

* **one representative channel per kernel.** All units of a channel, and all channels, run the
  same all-bank command program in lockstep, so the channels are symmetric and one channel's
  timeline is the kernel's (hwsim.arch.pim). Each (design point, layer) entry of the program is
  an independent kernel starting at t = 0.
* **channel process**: the kernel setup; per pass the session, then the even input tiles, then
  the odd ones, each tile as its row phases (every full or partial row stream tRCD + columns x
  column period + tRP, then the tile's broadcast writes); element-wise kernels the session then
  their bank halves, each as its fills (one row read into the registers; two for add/mul) and its
  store; then the host read-back: the latency, then one burst per tCCD_S. The channel is a SimPy
  Resource the channel process holds while a run of phases plays.
* **refresh process**: the first refresh falls ``program.first_refresh_cycles`` after the kernel
  starts, then one every tREFI (the grid does not slip when a refresh waits). A refresh due while
  a row phase plays waits for that phase to end (the row to close; between read-back bursts on
  the read-back); it then holds the channel ``costs.refresh`` cycles (tRFC plus closing and
  reopening the row). Counted: the refreshes the channel's work waited for. A refresh that would
  only start once the channel has finished its work is not one the kernel pays for.
* **host process**: the host reduces the lanes' partial sums burst by burst as they arrive
  (``program.host_reduce_cycles`` spread evenly over the bursts, one burst at a time, never
  before it has arrived). The kernel ends when both the read-back and the reduction are done.

Speed: a run of phases between two refreshes is one SimPy timeout, however many phases it holds
(the channel computes the first phase boundary at or after the moment the next refresh falls due
and advances to it in one step: exact, since nothing else can touch the channel meanwhile), and
read-back bursts reach the host in the same runs (the host's recurrence finish = max(finish,
arrival) + per-burst cycles is summed over a run of evenly spaced arrivals exactly). A kernel
costs a few events per refresh interval. Kernels are memoised on their numbers: LLM workloads
repeat identical layers and design sweeps repeat identical points, and each unique kernel is
simulated once per process.

Against the closed form (tests/engine/test_pim_engines.py): the same phases and refresh grid, so the
totals differ only where the two read the kernel's end differently: the closed form counts a
refresh that falls due during the last phase, this engine does not (it would start after the
work is done), and the host's last burst adds its share of the reduction after the read-back
(the closed form adds only the reduction's excess over the read-back).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hwsim.arch.fabrics.pim_program import PimProgram
from hwsim.arch.pim import PimDevice

# Float tolerance on phase boundaries (cycles): costs are whole or simple fractional cycles, sums
# of a few million of them stay far inside double precision.
_EPS = 1e-6


@dataclass(frozen=True)
class KernelContext:
    """What every kernel of one (device, program) shares: the phase lists, in DRAM clocks."""

    setup: float                 # the kernel setup before its tail
    tail: float                  # park-out at the kernel's end
    session: float
    first_refresh: float
    refresh_interval: float      # tREFI
    refresh: float               # one refresh's cost
    readback_latency: float
    readback_burst: float
    even_tile: tuple[float, ...]   # the row phases of one input tile on the even bank
    odd_tile: tuple[float, ...]
    add_half: tuple[float, ...]    # the row phases of one element-wise bank half (add/mul)
    relu_half: tuple[float, ...]


@dataclass(frozen=True)
class KernelTiming:
    total: float                 # kernel start to the end of both read-back and host reduction
    refreshes: int
    readback: float              # read-back span on the channel, refreshes that interrupt it included
    refresh_starts: tuple[float, ...]   # when each counted refresh took the channel


def _phases(total: float, phases: tuple[float, ...]) -> tuple[float, ...]:
    """The row phases the program's costs carry, or the whole as one phase when it carries none
    (a program built by hand: refresh then falls only between tiles)."""
    phases = tuple(float(p) for p in phases if p > 0)
    if phases:
        return phases
    return (float(total),) if total > 0 else ()


def kernel_context(program: PimProgram, device: PimDevice) -> KernelContext:
    """The program's phase costs as the row phases the channel plays (pim_program.phase_costs)."""
    c = program.costs
    return KernelContext(
        setup=float(program.setup_cycles - program.tail_cycles), tail=float(program.tail_cycles),
        session=float(program.session_cycles),
        first_refresh=float(program.first_refresh_cycles), refresh_interval=float(device.timing.tREFI),
        refresh=float(c.refresh), readback_latency=float(c.readback_latency), readback_burst=float(c.readback_burst),
        even_tile=_phases(c.even_tile, c.even_phases), odd_tile=_phases(c.odd_tile, c.odd_phases),
        add_half=_phases(c.add_half, c.add_phases), relu_half=_phases(c.relu_half, c.relu_phases))


class Stage:
    """``reps`` repetitions of a pattern of phase groups ((count, (phase cycles, ...)), ...): the
    phases of a group play in order, ``count`` times, then the next group's."""

    __slots__ = ("reps", "groups", "period", "length")

    def __init__(self, reps: float, groups) -> None:
        kept = []
        for count, phases in groups:
            phases = tuple(float(p) for p in phases if p > 0)
            if count > 0 and phases:
                kept.append((int(count), phases, sum(phases)))
        self.groups = tuple(kept)
        self.period = sum(count * span for count, _, span in self.groups)
        self.reps = int(reps) if self.period > 0 else 0
        self.length = self.reps * self.period

    def boundary(self, x: float) -> float:
        """The first phase boundary at or after ``x`` cycles into the stage."""
        if x >= self.length - _EPS:
            return self.length
        if x <= _EPS:
            return 0.0
        rep = math.floor(x / self.period)
        y = x - rep * self.period
        base = rep * self.period
        for count, phases, span in self.groups:
            if y <= count * span + _EPS:
                whole = min(math.floor(y / span), count - 1)
                r = y - whole * span
                at = 0.0
                for p in phases:
                    if r <= at + _EPS:
                        break
                    at += p
                return base + whole * span + at
            y -= count * span
            base += count * span
        return base


class _Kernel:
    """One kernel on one channel: the channel, refresh and host processes of the module docstring."""

    def __init__(self, ctx: KernelContext, stages: list[Stage], bursts: int, host_cycles: float) -> None:
        import simpy

        self.env = env = simpy.Environment()
        self.ctx = ctx
        self.channel = simpy.Resource(env, capacity=1)
        interval = ctx.refresh_interval
        self.refreshing = math.isfinite(interval) and interval > 0 and math.isfinite(ctx.first_refresh)
        self.due = ctx.first_refresh if self.refreshing else math.inf
        self.refreshed = env.event()
        self.work_done = False
        self.refresh_starts: list[float] = []
        self.readback_start = None
        self.arrivals = simpy.Store(env)
        self.per_burst = host_cycles / bursts if bursts else 0.0
        self.stages = stages
        channel = env.process(self.channel_process())
        host = env.process(self.host_process())
        if self.refreshing:
            env.process(self.refresh_process())
        env.run(until=env.all_of([channel, host]))
        self.end = env.now
        self.channel_end = channel.value

    # --- processes -----------------------------------------------------------------------------

    def channel_process(self):
        setup, gemv, eltwise, tail, latency, bursts = self.stages
        for stage in (setup, gemv, eltwise):
            yield from self.play(stage)
        if bursts.length > 0:
            yield from self.play(tail)
            self.readback_start = self.env.now
            yield from self.play(latency)
            yield from self.play(bursts, deliver=True)
            self.work_done = True
        else:
            # the park-out's commands are queued: a refresh falling due now waits until after them
            self.work_done = True
            yield self.env.timeout(tail.length)
        self.arrivals.put(None)
        return self.env.now

    def refresh_process(self):
        env, ctx = self.env, self.ctx
        while True:
            yield env.timeout(max(0.0, self.due - env.now))
            with self.channel.request() as request:
                yield request                     # waits for the row phase in progress to end
                if self.work_done:
                    return
                self.refresh_starts.append(env.now)
                yield env.timeout(ctx.refresh)
            self.due += ctx.refresh_interval
            done, self.refreshed = self.refreshed, env.event()
            done.succeed()

    def host_process(self):
        env, h = self.env, self.per_burst
        finish = 0.0
        while True:
            chunk = yield self.arrivals.get()
            if chunk is None:
                return finish
            count, first, spacing = chunk
            # finish = max(finish, arrival) + h over arrivals first + i x spacing, i < count
            finish = max(finish + count * h, first + count * h, first + (count - 1) * spacing + h)
            yield env.timeout(max(0.0, finish - env.now))

    # --- the channel playing a stage -----------------------------------------------------------

    def play(self, stage: Stage, deliver: bool = False):
        env = self.env
        at = 0.0
        while at < stage.length - _EPS:
            if env.now >= self.due - _EPS:
                yield self.refreshed              # a refresh is due: it takes the channel first
                continue
            # every phase that starts before the refresh falls due plays, in one step
            stop = stage.boundary(at + (self.due - env.now))
            with self.channel.request() as request:
                yield request
                if deliver:
                    spacing = stage.period
                    count = round((stop - at) / spacing)
                    self.arrivals.put((count, env.now + spacing, spacing))
                yield env.timeout(stop - at)
            at = stop


def _stages(ctx: KernelContext, passes: float, even: float, odd: float, halves: float, is_add: bool,
            bursts: float) -> list[Stage]:
    gemv = Stage(passes, ((1, (ctx.session,)), (even, ctx.even_tile), (odd, ctx.odd_tile)))
    half = ctx.add_half if is_add else ctx.relu_half
    eltwise = Stage(1 if halves > 0 else 0, ((1, (ctx.session,)), (halves, half)))
    return [Stage(1, ((1, (ctx.setup,)),)), gemv, eltwise, Stage(1, ((1, (ctx.tail,)),)),
            Stage(1, ((1, (ctx.readback_latency,)),)), Stage(bursts, ((1, (ctx.readback_burst,)),))]


def simulate_kernel(ctx: KernelContext, passes: float, even: float, odd: float, halves: float, is_add: bool,
                    bursts: float, host_cycles: float) -> KernelTiming:
    """One kernel (the numbers of one program entry) on the SimPy channel, with its refresh times."""
    kernel = _Kernel(ctx, _stages(ctx, passes, even, odd, halves, is_add, bursts), int(bursts), host_cycles)
    readback = kernel.channel_end - kernel.readback_start if kernel.readback_start is not None else 0.0
    return KernelTiming(total=kernel.end, refreshes=len(kernel.refresh_starts), readback=readback,
                        refresh_starts=tuple(kernel.refresh_starts))


@lru_cache(maxsize=1 << 16)
def kernel_numbers(ctx: KernelContext, passes: float, even: float, odd: float, halves: float, is_add: bool,
                   bursts: float, host_cycles: float) -> tuple[float, int, float]:
    """(total, refreshes, read-back) of one kernel, memoised per process (a few numbers per entry)."""
    timing = simulate_kernel(ctx, passes, even, odd, halves, is_add, bursts, host_cycles)
    return timing.total, timing.refreshes, timing.readback


def event_kernel_cycles(program: PimProgram, device: PimDevice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(total, refreshes, read-back) in DRAM clocks per program entry, as the closed form
    ``kernel_cycles`` returns them, each unique kernel simulated once."""
    ctx = kernel_context(program, device)
    arrays = np.broadcast_arrays(program.passes, program.even_tiles, program.odd_tiles, program.eltwise_halves,
                                 program.eltwise_is_add, program.readback_bursts, program.host_reduce_cycles)
    shape = arrays[0].shape
    table = np.stack([np.asarray(a, dtype=np.float64).ravel() for a in arrays], axis=1)
    unique, inverse = np.unique(table, axis=0, return_inverse=True)
    timed = np.empty((len(unique), 3))
    for i, (passes, even, odd, halves, is_add, bursts, host) in enumerate(unique):
        timed[i] = kernel_numbers(ctx, passes, even, odd, halves, bool(is_add), bursts, host)
    out = timed[np.asarray(inverse).ravel()]
    return out[:, 0].reshape(shape), out[:, 1].reshape(shape), out[:, 2].reshape(shape)


def _register() -> None:
    """The PIM fabric finds this timing model by name (FabricJob.engine 'event')."""
    from hwsim.arch.fabrics.pim import KERNEL_TIMINGS

    KERNEL_TIMINGS["event"] = event_kernel_cycles


_register()
