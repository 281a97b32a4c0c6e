"""The PIM fabric: GEMV-like layers and add/mul/relu run by MAC units beside the DRAM banks.

Closed form: each layer is one kernel whose per-channel command program (pim_program.py) is
summed phase by phase; refresh adds round(t / tREFI) refreshes; the host's read-back of the
lane partial sums is part of the layer's time. Cycles are returned in the accelerator's clock
(derived: DRAM clocks x tCK x clock). The event engine (hwsim/engine/event.py) plays the same
program and must agree within 2% (tests/engine/test_pim_engines.py).
"""

from __future__ import annotations

import numpy as np

from hwsim.arch.fabrics.base import (COMMON_REPEAT_SCALED, COMMON_REPORT, Q_E_MAC, Counts, Fabric, FabricJob,
                                     PricedTerm)
from hwsim.arch.fabrics.pim_program import PimProgram, phase_costs, refreshes
from hwsim.arch.pim import PimDevice

# Register traffic per column MAC (derived): read the input register, read and write back the
# accumulator register, one burst each.
REGISTER_BURSTS_PER_MAC_COLUMN = 3


def column_period(device: PimDevice) -> float:
    """DRAM cycles between a unit's column MACs: the unit's own cadence where the spec gives one
    (pim.column_period_ns / tCK: a unit that reads its bank's columns directly, as AiM's do), else
    tCCD_L within a bank group, tCCD_S for a unit spanning bank groups (it interleaves them, as a
    buffer-die unit does); never faster than the lanes take per burst (derived: ceil(burst bits /
    (lanes x native bits)) unit cycles)."""
    t = device.timing
    native_bits = device.lane_formats[0].bits
    steps = -(-t.burst_bits // (device.spec.lanes_per_unit * native_bits))
    if device.spec.column_period_ns is not None:
        bank_period = device.spec.column_period_ns / t.tck_ns
    else:
        bank_period = t.tCCD_S if device.spec.banks_per_unit > t.banks_per_group else t.tCCD_L
    return max(float(bank_period), steps * device.dram_cycles_per_unit_cycle)


def broadcast_period(device: PimDevice) -> float | None:
    """DRAM cycles between the input broadcast's writes where the units take them at their own
    cadence (pim.broadcast_period_ns / tCK, never faster than a burst on the bus); None: tCCD_L."""
    ns = device.spec.broadcast_period_ns
    return None if ns is None else max(ns / device.timing.tck_ns, float(device.timing.burst_cycles))


def build_program(device: PimDevice, job: FabricJob, host_lanes: "float | np.ndarray", host_clock_mhz: float) -> PimProgram:
    """The per-channel program of every layer of ``job`` (arrays (1 or P, L)); ``host_lanes``: the
    host's vector lanes that sum the units' lane partials, one number or per point ((P, 1))."""
    t, spec = device.timing, device.spec
    ch = device.channels
    gemm = job.is_gemm.astype(bool)
    b_bits = np.where(gemm, job.b_bits, 16.0)
    per_burst = t.burst_bits // np.maximum(b_bits, 1.0)          # weights per column burst
    input_tile = spec.input_registers * per_burst
    tiles = np.where(gemm, np.ceil(job.k / input_tile), 0.0)
    rows_per_channel = device.units_per_channel * spec.accumulator_registers
    instances = job.instances if job.instances is not None else np.ones_like(job.m)
    channel_tiles = instances * np.ceil(job.n / rows_per_channel)
    passes = np.where(gemm, np.ceil(channel_tiles / ch) * job.m, 0.0)      # per channel: sets the time
    channel_passes = np.where(gemm, channel_tiles * job.m, 0.0)             # over all channels: sets the work
    output_passes, input_tiles = passes, tiles
    if spec.banks_per_unit == 2:
        even, odd = np.ceil(tiles / 2), np.floor(tiles / 2)
    else:
        even, odd = tiles, np.zeros_like(tiles)
    inputs_outer = spec.gemv_order == "inputs_outer"
    if inputs_outer:
        # each instance (its own input vector) spreads its output tiles over the channels: a channel
        # runs ceil(per instance / channels) of them per instance it serves; an instance narrower than
        # the channels takes one tile on each of its channels, floor(channels / per instance) instances
        # side by side (derived)
        per_instance = np.ceil(job.n / rows_per_channel)
        outputs_per_input = np.ceil(per_instance / ch)
        side_by_side = np.maximum(1.0, np.floor(ch / np.maximum(per_instance, 1.0)))
        served = np.where(per_instance >= ch, instances, np.ceil(instances / side_by_side))
        # a pass: one input tile of one input vector, broadcast once, then every output tile on it
        passes = np.where(gemm, job.m * served * tiles, 0.0)
        odd = np.where(gemm, 1.0, 0.0)
        even = np.where(gemm, outputs_per_input - 1, 0.0)
        output_passes = np.where(gemm, job.m * served * outputs_per_input, 0.0)
        # the broadcast reaches every channel holding tiles of the instance, once per input tile and vector
        broadcasts = np.where(gemm, job.m * tiles * instances * np.minimum(ch, per_instance), 0.0)
    # element-wise: a tile is banks x input registers bursts of activations per channel
    a_per_burst = t.burst_bits // np.maximum(job.a_bits, 1.0)
    elt_tile = t.banks * spec.input_registers * a_per_burst
    halves = np.where(gemm, 0.0, np.ceil(job.vector_elements / (elt_tile * ch)) * spec.banks_per_unit)
    channel_halves = np.where(gemm, 0.0, np.ceil(job.vector_elements / elt_tile) * spec.banks_per_unit)
    # one accumulator per lane, in the lane's accumulator format (FP16 lanes: FP16, HBM-PIM's GRF_B)
    acc_bits = np.where(gemm, float(device.lane_pe().accumulator.bits), 0.0)
    bursts_per_row = np.ceil(device.lanes_for_bits(b_bits) * acc_bits / t.burst_bits)
    # results spread over all channels, rows_per_channel at a time (PIMSimulator's readResult)
    outputs_all = instances * job.n * job.m
    readback = np.where(gemm, np.ceil(outputs_all / (rows_per_channel * ch)) * rows_per_channel * bursts_per_row, 0.0)
    readback_total = np.where(gemm, np.ceil(outputs_all / rows_per_channel) * rows_per_channel * bursts_per_row, 0.0)
    outputs = job.m * job.n * instances
    lane_partials = outputs                     # outputs whose lanes the host sums
    broadcast_bursts = channel_passes * tiles * spec.input_registers
    exchange_total, exchange_bursts = 0.0, None
    if inputs_outer:
        # a channel's partial sums of one output tile: rows_per_channel outputs, each a reduced sum
        # (adder tree) or a burst-aligned set of lane partial sums (derived)
        if spec.reduced_output_bits is not None:
            exchange_bursts = float(np.ceil(rows_per_channel * spec.reduced_output_bits / t.burst_bits))
        else:
            exchange_bursts = float(rows_per_channel * device.lane_partial_bursts())
        # only the kernel's last output tile per channel leaves by the read-back
        channels_used = np.minimum(ch, channel_tiles)
        readback = np.where(gemm, rows_per_channel * bursts_per_row, 0.0)
        readback_total = np.where(gemm, channels_used * rows_per_channel * bursts_per_row, 0.0)
        broadcast_bursts = broadcasts * spec.input_registers
        # every other output tile's partial sums go out (and back) once per input tile (derived: all output
        # tiles x input tiles, less the one a broadcast precedes on each channel)
        exchange_total = np.where(gemm, np.maximum(0.0, channel_passes * tiles - broadcasts), 0.0) * exchange_bursts
        if spec.reduced_output_bits is not None:
            lane_partials = np.minimum(outputs, channels_used * rows_per_channel)
    reduce_ops = np.where(gemm, lane_partials * (device.lanes_for_bits(b_bits) - 1), 0.0)
    host_dram_cycles = np.ceil(reduce_ops / host_lanes) * (1e3 / host_clock_mhz) / t.tck_ns
    return PimProgram(
        passes=passes, even_tiles=even, odd_tiles=odd, eltwise_halves=halves,
        eltwise_is_add=np.asarray(job.vector_is_add, dtype=bool) & ~gemm, readback_bursts=readback,
        host_reduce_cycles=host_dram_cycles, setup_cycles=float(spec.kernel_setup_cycles),
        tail_cycles=float(min(spec.kernel_tail_cycles, spec.kernel_setup_cycles)),
        session_cycles=float(spec.session_cycles), first_refresh_cycles=spec.refresh_phase * t.tREFI,
        costs=phase_costs(t, spec.input_registers, spec.accumulator_registers, column_period(device),
                          spec.banks_per_unit, broadcast_period(device), exchange_bursts,
                          float(spec.register_mode_switch_cycles)),
        reduce_ops=reduce_ops,
        columns=channel_passes * tiles * spec.input_registers * spec.accumulator_registers,
        broadcast_bursts=broadcast_bursts, readback_bursts_total=readback_total,
        eltwise_halves_total=channel_halves, exchange_bursts_total=exchange_total,
        output_passes=output_passes, input_tiles=input_tiles)


def kernel_cycles(program: PimProgram, device: PimDevice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(total, refreshes, read-back) in DRAM clocks: the closed form."""
    raw = program.pim_cycles() + program.readback_cycles()
    tail = program.free_tail_cycles()
    count = refreshes(raw - tail, device.timing, program.costs.refresh, program.first_refresh_cycles)
    total = raw + count * program.costs.refresh + program.exposed_host_cycles()
    return total, count, program.readback_cycles()


# kernel timing models by name (FabricJob.engine): the closed form here; the SimPy event engine
# (hwsim/engine/event.py) adds 'event' when it is imported, so this fabric never imports an engine
KERNEL_TIMINGS = {"analytic": kernel_cycles}


def count_pim(job: FabricJob) -> Counts:
    """Counts of the PIM layers; ``job.engine`` 'event' times each kernel on the SimPy engine
    instead of the closed form (same program, same counts otherwise)."""
    timing = KERNEL_TIMINGS[job.engine]
    d = job.design
    P = d.size
    L = job.m.shape[1]
    out = {name: np.zeros((P, L)) for name in ("total", "refreshes", "readback", "macs", "vector_ops", "io_read",
                                               "io_write", "internal", "registers", "passes", "tiles", "compulsory", "readback_report",
                                               "lane_ops", "internal_pj", "register_pj")}
    for g, accel in enumerate(d.accelerators):
        rows = np.flatnonzero(d.group == g)
        if not len(rows):
            continue
        device = accel.pim
        sub = job.for_rows(rows)
        # the host's vector lanes per point (an array key: the group's spec holds the base value)
        host_lanes = d.vector_lanes[rows].astype(np.float64)[:, None]
        program = build_program(device, sub, host_lanes, accel.spec.clock_mhz)
        total, count, readback = timing(program, device)
        t = device.timing
        to_host = t.tck_ns * accel.spec.clock_mhz / 1e3   # derived: DRAM clocks -> accelerator clocks
        gemm = sub.is_gemm.astype(bool)
        instances = sub.instances if sub.instances is not None else np.ones_like(sub.m)
        fill = {
            # whole cycles of the kernel, which runs every instance: split over them below, never
            # rounded per instance (ceil(1767 / 2) x 2 made a 2-instance kernel a cycle longer)
            "total": np.ceil(total * to_host - 1e-9), "refreshes": count, "readback": np.ceil(readback * to_host - 1e-9),
            "macs": np.where(gemm, sub.m * sub.k * sub.n * instances, 0.0),
            # host lane reduction for GEMVs (vector-unit ops); the in-bank ALU ops of element-wise
            # layers, priced per lane operation
            "vector_ops": np.where(gemm, program.reduce_ops, 0.0),
            "lane_ops": np.where(gemm, 0.0, sub.vector_ops * instances),
            # (inputs_outer: and the partial sums read out and written back between row streams)
            "io_read": (program.readback_bursts_total + program.exchange_bursts_total) * t.burst_bits,
            "io_write": (program.broadcast_bursts + program.exchange_bursts_total) * t.burst_bits,
            # in-bank traffic: every column MAC reads a burst; element-wise reads 2 or 1 and writes 1
            "internal": (program.columns * device.units_per_channel
                         + program.eltwise_halves_total * np.where(program.eltwise_is_add, 3, 2)
                         * device.spec.input_registers * device.units_per_channel) * t.burst_bits,
            "registers": program.columns * device.units_per_channel * REGISTER_BURSTS_PER_MAC_COLUMN * t.burst_bits,
            "passes": program.output_passes, "tiles": program.input_tiles,
            # off-chip floor: the input vector in and the outputs out once (the weights stay in the banks)
            "compulsory": np.where(gemm, (sub.m * sub.k * sub.a_bits + sub.m * sub.n * sub.out_bits) * instances, 0.0),
        }
        fill["internal_pj"] = np.full(np.shape(gemm), device.spec.internal_pj_per_bit)
        fill["register_pj"] = np.full(np.shape(gemm), device.register_pj_per_bit())
        # per-kernel figures and unit energies are not split over instances
        per_kernel = {"passes", "tiles", "refreshes", "readback_report", "internal_pj", "register_pj"}
        fill["readback_report"] = readback * to_host
        for name, value in fill.items():
            # the engine counts per instance and multiplies by instances; a kernel here runs them all
            # (the report's per-kernel figures stay per kernel)
            scale = 1.0 if name in per_kernel else instances
            out[name][rows] = np.broadcast_to(value / scale, (len(rows), L))
    total = out["total"]
    stall = np.minimum(total, out["readback"])
    zeros = np.zeros((P, L))
    nan = np.full((P, L), np.nan)
    report = {
        "folds": zeros, "mapping_efficiency": nan, "compute_utilization": nan,
        "sram_ifmap_reads_words": zeros, "sram_filter_reads_words": zeros, "sram_ofmap_writes_words": zeros,
        "dram_ifmap_reads_words": zeros, "dram_filter_reads_words": zeros, "dram_ofmap_writes_words": zeros,
        # the per-operand columns describe a host fetching operands; PIM I/O is in dram_reads/writes_bits
        "dram_ifmap_reads_bits": zeros, "dram_filter_reads_bits": zeros, "dram_ofmap_writes_bits": zeros, "dram_psum_reads_bits": zeros, "compulsory_dram_bits": out["compulsory"],
        "map_scheme": nan, "tile_m": nan, "tile_n": nan, "tile_k": nan, "tiles_double_buffered": nan,
        # a PIM layer's time is its command program's (bound `pim`), not a host transfer or port
        "dram_transfer_cycles": nan, "sram_port_cycles": nan, "dram_spill_bits": nan,
        "pim_passes": out["passes"], "pim_input_tiles": out["tiles"], "pim_refreshes": out["refreshes"],
        "pim_readback_cycles": out["readback_report"], "pim_internal_bits": out["internal"],
    }
    stack = np.stack([zeros, zeros, zeros])
    return Counts(compute_cycles=total - stall, stall_cycles=stall, macs=out["macs"], groups=zeros, tables=zeros,
                  converted_weights=zeros, converted_activations=zeros, vector_ops=out["vector_ops"],
                  sram_read_bits=stack, sram_write_bits=stack.copy(),
                  # host I/O: partial sums read back, input vectors broadcast into the units
                  dram_read_bits=out["io_read"], dram_write_bits=out["io_write"], report=report,
                  priced_terms=(
                      # in-bank access at the bank's pJ/bit (DRAM energy); register bits in the units
                      PricedTerm("pim_internal_bits", "dram", out["internal"], out["internal_pj"]),
                      PricedTerm("pim_register_bits", "compute", out["registers"], out["register_pj"]),
                      PricedTerm("pim_lane_ops", "compute", out["lane_ops"],
                                 job.cells.precision[Q_E_MAC][d.group] + zeros)))


def in_memory_bound(compute: np.ndarray, port: np.ndarray, dram: np.ndarray) -> np.ndarray:
    """A layer run in the banks is bound by the banks (its timing is the command program's)."""
    return np.full(compute.shape, "pim", dtype=object)


FABRIC = Fabric(name="pim", count=count_pim, peak_per_cycle=None, work="macs",
                report_columns=COMMON_REPORT + ("pim_passes", "pim_input_tiles", "pim_refreshes",
                                                "pim_readback_cycles", "pim_internal_bits"),
                repeat_scaled=COMMON_REPEAT_SCALED | {"pim_internal_bits"}, mapping_label="pim",
                bound=in_memory_bound)
