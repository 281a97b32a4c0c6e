"""The PIM command program of a layer, per channel, as counts of timed phases.

Both engines read this one description: the closed form (fabrics/pim.py) sums it, the event
engine (engine/event.py) plays it on a SimPy channel with refresh and a host beside it. Every
phase cost is derived from the DRAM timing set; docs/models/pim.md derives each one from
PIMSimulator's command trace and checks it against its cycle counts.

GEMV y = W x, W n x k, in HBM-PIM's mapping (Kwon et al. ISSCC 2021; PIMSimulator PIMKernel::
executeGemv):

* a channel's units work on ``units x accumulator_registers`` output rows of one input vector at
  a time (an output tile); a layer's instances (attention heads) take separate channel tiles,
  and tiles spread over the channels: passes = ceil(instances x ceil(n / rows per channel) /
  channels) x m, since every activation row (batch element) streams the weights again;
* per pass, the input is broadcast ``input_registers`` bursts at a time (an input tile of
  input_registers x elements per burst inputs), then each unit issues input_registers x
  accumulator_registers column MACs from one row-aligned stretch of its bank: ceil(that /
  columns per row) row activations, each tRCD + columns x column period + tRP;
* with two banks per unit, input tiles alternate between the even and odd bank; the broadcast
  writes of an even tile go through the other bank's address and overlap the stream except for
  the bus turnarounds, an odd tile's must open, write and close that bank first (PIMSimulator);
* per pass a session (mode switch in and out, accumulator write-back); per kernel a setup;
* the host reads one burst of lane partial sums per output row back (tCCD_S apart, bank groups
  interleaved; the results are spread over all channels a unit-row at a time, so a channel
  reads ceil(outputs / (rows per channel x channels)) x rows per channel bursts) and reduces the
  lanes on its vector unit while later bursts arrive.

GEMV with pim.gemv_order 'inputs_outer' (GDDR6-AiM's global buffer; the outer-product GEMV of CENT,
Gu et al. ASPLOS 2025, as its simulator issues AiM's commands: WR_GB once per input tile, then per
row WR_BIAS, MAC_ABK, RD_MAC): each channel writes an input tile into the buffer once and runs every
output tile of it; between two row streams the units' partial sums go out and come back
(partial_sum_exchange). A pass is then one input tile of one input vector: its first output tile
(the odd tile: the broadcast, then the row stream) and the other output tiles (even tiles: the
exchange, then the row stream). The kernel's last output tile per channel leaves by the general
read-back.

Element-wise add/mul/relu: a tile is banks x input_registers bursts per channel; per bank half
the unit fills its registers from one row, (add/mul) combines them with a second row, and writes
the result to a third.

Refresh: all-bank, tRFC every tREFI, after precharging every bank. A kernel's phase
in the refresh interval is unknown; both engines put the first refresh pim.refresh_phase x tREFI
after the kernel starts (0.5, the expected phase, by default: a kernel of t cycles then sees
round(t / tREFI) refreshes). A refresh due during a row stream waits for the row to close; one due
in the kernel's final park-out (pim.kernel_tail_cycles, when no read-back follows) costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.memory.dram import DramTiming


@dataclass(frozen=True)
class PhaseCosts:
    """Cycles of the program's phases on one DRAM timing set, in DRAM clocks."""

    even_tile: float        # GEMV input tile on the even bank (broadcast overlapped); inputs_outer: an
                            # output tile after the partial-sum exchange
    odd_tile: float         # GEMV input tile on the odd bank (broadcast on the same bank); inputs_outer:
                            # a pass's first output tile, after the input tile's broadcast
    add_half: float         # element-wise add/mul, one bank half of a tile
    relu_half: float        # element-wise relu, one bank half of a tile
    readback_burst: float   # host read of one burst
    readback_latency: float
    refresh: float          # one refresh: precharge all banks, tRFC
    # the row phases each tile / half is made of, in order (a refresh can fall between them);
    # empty: the event engine plays the whole tile as one phase
    even_phases: tuple[float, ...] = ()
    odd_phases: tuple[float, ...] = ()
    add_phases: tuple[float, ...] = ()
    relu_phases: tuple[float, ...] = ()


def read_row(t: DramTiming, columns: float, column_period: float) -> float:
    """Open a row, read ``columns`` bursts ``column_period`` apart, close it, ACT to ACT (derived,
    as PIMSimulator's command trace issues it: tRCD + 1 command cycle to the first read, (columns
    - 1) x period to the last, precharge a burst later, tRP; at least tRAS + tRP). The JEDEC-style
    bound tRCD + columns x tCCD_L + tRP (DramTiming.row_cycles) is this plus tCCD_L - burst - 1
    (one cycle on HBM2)."""
    return max(t.tRCD + 1 + (columns - 1) * column_period + t.burst_cycles, t.tRAS) + t.tRP


def write_row_same_bank(t: DramTiming, columns: float) -> float:
    """Open a row, write ``columns`` bursts, recover and close (derived: tRCD_WR + 1 + (columns-1)
    x tCCD_L + WL + burst + tWR - 1 + tRP; the -1: write recovery counts from the last data beat)."""
    return t.tRCD_WR + 1 + (columns - 1) * t.tCCD_L + t.WL + t.burst_cycles + t.tWR - 1 + t.tRP


def write_then_read_other_bank(t: DramTiming, columns: float) -> float:
    """A write stretch whose bank is not the one read next: only the bus waits (derived: tRCD_WR +
    (columns-1) x tCCD_L + WL + burst + tWTR_L - tRCD, the next ACT overlapping the writes)."""
    return t.tRCD_WR + (columns - 1) * t.tCCD_L + t.WL + t.burst_cycles + t.tWTR_L - t.tRCD


def overlapped_broadcast(t: DramTiming, writes: float, write_period: float | None = None) -> float:
    """Broadcast writes between two row streams of another bank: read-to-write and write-to-read
    turnarounds plus the writes, less the row gap they hide in (derived: (RL + burst + tRTRS - WL)
    + (writes-1) x period + (WL + burst + tWTR_L) - (burst + tRP + tRCD + 1)); the period between
    writes is tCCD_L, or the units' own (pim.broadcast_period_ns, in DRAM cycles)."""
    half = t.burst_cycles
    period = t.tCCD_L if write_period is None else write_period
    busy = (t.RL + half + t.tRTRS - t.WL) + (writes - 1) * period + (t.WL + half + t.tWTR_L)
    return max(0.0, busy - (half + t.tRP + t.tRCD + 1))


def partial_sum_exchange(t: DramTiming, bursts: float, mode_switch: float = 0.0) -> float:
    """Cycles a row gap grows by when the units' partial sums go out to the host and the next output
    tile's come back in between two row streams (pim.gemv_order 'inputs_outer'; GDDR6-AiM's RD_MAC
    then WR_BIAS). From the last column MAC (derived; AiM simulator src/dram/impl/GDDR6.cpp):

    * the row precharges a burst later, as every row stream does (read_row);
    * the channel switches into register access, ``mode_switch`` cycles in which no command issues
      (TMOD -> any command: nMODCH), and reads the bursts tCCD_S apart, the first at least tCCD_L
      after the last MAC (MAC16 -> RDMAC16: nCCDL): first read = max(tCCD_L, burst + 1 + switch);
    * the bus turns around (RL + burst + tRTRS - WL, as overlapped_broadcast) and the bursts are
      written back tCCD_S apart: last write = first read + 2 (bursts - 1) tCCD_S + RL + burst + tRTRS - WL;
    * the channel switches back; the next activate follows the switch (and the precharge by tRP):
      ACT = max(burst + tRP, last write + 1 + switch); the first column MAC tRCD + 1 later, once the
      written partial sums have landed: first MAC = max(ACT + tRCD + 1, last write + WL + burst).

    The gap grows by first MAC - (burst + tRP + tRCD + 1), the row gap alone (0 when it hides the
    exchange). RL and WL are the bank's: the AiM simulator's register latencies (nCLREG 0, nCWLREG 1)
    are shorter, so this leans long (~16 cycles a gap on gddr6-aim)."""
    half = t.burst_cycles
    first_read = max(float(t.tCCD_L), half + 1 + mode_switch)
    last_write = first_read + 2 * (bursts - 1) * t.tCCD_S + (t.RL + half + t.tRTRS - t.WL)
    activate = max(half + t.tRP, last_write + 1 + mode_switch)
    first_mac = max(activate + t.tRCD + 1, last_write + t.WL + half)
    return max(0.0, first_mac - (half + t.tRP + t.tRCD + 1))


def phase_costs(t: DramTiming, registers: int, accumulators: int, column_period: float,
                banks_per_unit: int, broadcast_period: float | None = None,
                exchange_bursts: float | None = None, mode_switch: float = 0.0) -> PhaseCosts:
    """The phases on timing ``t``. ``exchange_bursts`` set: the inputs_outer program, whose even tile is
    an output tile after the partial-sum exchange of that many bursts each way, and whose odd tile is a
    pass's first output tile after its input tile's broadcast."""
    full_rows, rest = divmod(registers * accumulators, t.columns)
    rows = (read_row(t, t.columns, column_period),) * full_rows + ((read_row(t, rest, column_period),) if rest else ())
    broadcast = overlapped_broadcast(t, registers, broadcast_period)
    if exchange_bursts is not None:
        even = (partial_sum_exchange(t, exchange_bursts, mode_switch),) + rows
        odd = (broadcast,) + rows
    else:
        even = rows + (broadcast,)
        odd = rows + ((write_row_same_bank(t, registers),) if banks_per_unit == 2 else (broadcast,))
    fill = read_row(t, registers, t.tCCD_L)
    store = write_then_read_other_bank(t, registers)
    add, relu = (fill, fill, store), (fill, store)
    return PhaseCosts(
        even_tile=sum(even), odd_tile=sum(odd), add_half=sum(add), relu_half=sum(relu),
        even_phases=even, odd_phases=odd, add_phases=add, relu_phases=relu,
        readback_burst=t.tCCD_S,
        # derived: precharge, open, read latency, the burst on the bus, one command cycle
        readback_latency=t.tRP + t.tRCD + t.RL + 2 * t.burst_cycles + 1,
        # derived: precharge every bank, then tRFC; the row the next phase needs it opens itself
        # (PIMSimulator's trace: 2,994-cycle passes take 3,358 with a refresh, i.e. 364 = tRFC + tRP)
        refresh=t.tRFC + t.tRP)


def refreshes(cycles: np.ndarray, t: DramTiming, refresh_cycles: float, first_refresh: float) -> np.ndarray:
    """Refreshes a kernel of ``cycles`` (without refresh) sees when the first falls ``first_refresh``
    cycles after it starts and then every tREFI: the count r solving r = max(0, floor((cycles + r x
    refresh - first) / tREFI) + 1). Fixed-point steps from r = 0 only add refreshes and stop at the
    least solution (a refresh is a tenth of the interval, so a few steps converge)."""
    r = np.zeros_like(cycles, dtype=np.float64)
    for _ in range(8):
        r = np.maximum(0.0, np.floor((cycles + r * refresh_cycles - first_refresh) / t.tREFI) + 1)
    return r


@dataclass(frozen=True, eq=False)
class PimProgram:
    """Per layer instance set (one kernel), per channel; arrays (P, L), cycles in DRAM clocks."""

    passes: np.ndarray          # GEMV sessions (output tiles x activation rows; inputs_outer: input tiles x
                                # input vectors); 0 for element-wise
    even_tiles: np.ndarray      # input tiles per pass on the even bank (inputs_outer: output tiles after an exchange)
    odd_tiles: np.ndarray       # ... on the odd bank (inputs_outer: 1, the output tile after the broadcast)
    eltwise_halves: np.ndarray  # element-wise bank passes per channel (tiles x banks_per_unit)
    eltwise_is_add: np.ndarray  # bool: add/mul (two reads) vs relu (one)
    readback_bursts: np.ndarray
    host_reduce_cycles: np.ndarray   # host vector-unit cycles to reduce the lanes (DRAM clocks)
    setup_cycles: float          # per kernel, kernel_tail_cycles of it at the very end
    tail_cycles: float
    session_cycles: float
    first_refresh_cycles: float  # the first refresh's offset from the kernel start
    costs: PhaseCosts
    # work over all channels (energy), whole layer:
    reduce_ops: np.ndarray       # host adds reducing the lanes' partial sums
    columns: np.ndarray          # column MACs per unit, summed over channels
    broadcast_bursts: np.ndarray  # input bursts written into the units' registers
    readback_bursts_total: np.ndarray
    eltwise_halves_total: np.ndarray
    # inputs_outer: partial-sum bursts read out (and as many written back), all channels, whole layer
    exchange_bursts_total: np.ndarray | float = 0.0
    # the report's figures per channel and kernel, the same in either order: output tiles x activation
    # rows, and input tiles per output tile
    output_passes: np.ndarray | float = 0.0
    input_tiles: np.ndarray | float = 0.0

    def pim_cycles(self) -> np.ndarray:
        """Kernel cycles in the banks without refresh."""
        c = self.costs
        per_pass = self.session_cycles + self.even_tiles * c.even_tile + self.odd_tiles * c.odd_tile
        eltwise = np.where(self.eltwise_halves > 0,
                           self.session_cycles + self.eltwise_halves * np.where(self.eltwise_is_add, c.add_half,
                                                                                 c.relu_half), 0.0)
        return self.setup_cycles + self.passes * per_pass + eltwise

    def free_tail_cycles(self) -> np.ndarray:
        """The kernel's last cycles in which a refresh falling due no longer delays it: the park-out
        tail when the kernel ends with it (no read-back follows)."""
        return np.where(self.readback_bursts > 0, 0.0, self.tail_cycles)

    def readback_cycles(self) -> np.ndarray:
        c = self.costs
        return np.where(self.readback_bursts > 0, c.readback_latency + self.readback_bursts * c.readback_burst, 0.0)

    def exposed_host_cycles(self) -> np.ndarray:
        """The host's lane reduction runs as the bursts arrive; only its excess over the read-back shows."""
        return np.maximum(0.0, self.host_reduce_cycles - self.readback_cycles())
