"""A PIM device: the spec's ``pim`` section on its DRAM standard, resolved into the facts the PIM
fabric, the event engine, ``hwsim info`` and the area model need.

Organisation (HBM-PIM, Kwon et al. ISSCC 2021; Samsung PIMSimulator):

* each (pseudo-)channel has ``banks`` banks and ``banks / banks_per_unit`` PIM units;
* a unit reads one column (a burst, ``burst_bits``) per column command from its bank and multiplies
  it with an input register of the broadcast vector on ``lanes`` MAC lanes;
* all units of a channel work in lockstep on all-bank commands, so a channel is the unit of
  parallelism and every channel runs the same command program (channels are symmetric: the
  engines simulate one representative channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hwsim.errors import HwsimInputError
from hwsim.formats import FloatFormat, IntFormat, NumberFormat, Precision, parse_format
from hwsim.memory.dram import DramTiming
from hwsim.pe.mac import MacPE
from hwsim.tech.calibration import ALADDIN_REGISTER_ENERGY_PJ
from hwsim.tech.cells import DFF
from hwsim.tech.limits import CLOCK_LIMIT_TEXT, max_clock_mhz
from hwsim.tech.nodes import TechPoint

# Vector ops a PIM unit's ALU runs in the banks (HBM-PIM's ADD, MUL and ReLU; Kwon et al. ISSCC
# 2021, PIMSimulator's PIMKernel::executeEltwise); the rest run on the host.
PIM_ELEMENTWISE_OPS = ("add", "mul", "relu")


@dataclass(frozen=True, eq=False)
class PimDevice:
    spec: object          # hwsim.arch.spec.PimSpec
    timing: DramTiming
    channels: int
    tech: TechPoint
    source: str = ""

    def __post_init__(self) -> None:
        for name in self.spec.lane_formats:
            fmt = self._lane_format(name)
            if not isinstance(fmt, (IntFormat, FloatFormat)):
                # a lane multiplies two elements; no PIM design (HBM-PIM, GDDR6-AiM, AttAcc) has the
                # shared-scale unit a block (MX, NVFP4) or group-scaled (int4@g128) format needs
                raise HwsimInputError(f"'{fmt.name}' cannot be a PIM lane format: a lane multiplies plain INT or FP "
                                      "elements, with no shared scale", source=self.source, field="pim.lane_formats",
                                      allowed="INT or FP formats, e.g. fp16, bf16, int8, int4")
        if not self.timing.has_pim_timing:
            raise HwsimInputError(f"DRAM standard '{self.timing.name}' has no read/write latencies for the PIM "
                                  "command program", source=self.source, field="dram.standard",
                                  allowed="hbm2-pim, hbm2, hbm3, hbm3-attacc, gddr6-aim")
        lane_bits = self.spec.lanes_per_unit * self.lane_formats[0].bits
        if lane_bits > self.timing.burst_bits:
            raise HwsimInputError(f"{self.spec.lanes_per_unit} lanes of {self.lane_formats[0].name} need "
                                  f"{lane_bits} bits per step, a {self.timing.name} column gives "
                                  f"{self.timing.burst_bits}", source=self.source, field="pim.lanes_per_unit",
                                  allowed=f"at most {self.timing.burst_bits // self.lane_formats[0].bits}")
        if self.timing.banks % self.spec.banks_per_unit:
            raise HwsimInputError(f"{self.timing.banks} banks per channel do not split into units of "
                                  f"{self.spec.banks_per_unit}", source=self.source, field="pim.banks_per_unit",
                                  allowed="a divisor of the banks per channel")
        for name in ("input_registers", "accumulator_registers"):
            # a register holds one burst (a column); a unit fills them from one open row, so more
            # registers than the row has columns hold bursts no row delivers (derived)
            count = getattr(self.spec, name)
            if count > self.timing.columns:
                raise HwsimInputError(f"{count} registers of one burst each are more than a {self.timing.name} row's "
                                      f"{self.timing.columns} columns", source=self.source, field=f"pim.{name}",
                                      allowed=f"1..{self.timing.columns}")
        for name in ("kernel_setup_cycles", "session_cycles", "register_mode_switch_cycles"):
            # the closed form and the event engine place refreshes between commands, not inside a
            # setup, a session or a row gap: one longer than a refresh interval would hide a refresh (derived)
            cycles = getattr(self.spec, name)
            if cycles > self.timing.tREFI:
                raise HwsimInputError(f"{cycles} cycles are more than one {self.timing.name} refresh interval",
                                      source=self.source, field=f"pim.{name}",
                                      allowed=f"0..{self.timing.tREFI} (tREFI)")
        bits = self.spec.reduced_output_bits
        if bits is not None and bits > self.timing.burst_bits:
            # one output's partial sum moves in a column burst with the other units' (derived)
            raise HwsimInputError(f"{bits}-bit partial sums do not fit a {self.timing.name} column burst of "
                                  f"{self.timing.burst_bits} bits", source=self.source,
                                  field="pim.reduced_output_bits", allowed=f"1..{self.timing.burst_bits}")
        widest = max(fmt.bits for fmt in self.lane_formats)
        if bits is not None and bits < widest:
            # a reduced partial sum narrower than a lane's own format would drop bits of every product it
            # sums (GDDR6-AiM: 16-bit sums of BF16 lanes)
            raise HwsimInputError(f"{bits}-bit partial sums are narrower than the {widest}-bit lane format",
                                  source=self.source, field="pim.reduced_output_bits",
                                  allowed=f"{widest}..{min(32, self.timing.burst_bits)} (at least the widest of "
                                          "pim.lane_formats)")
        fastest = max_clock_mhz(self.tech)
        for name in ("column_period_ns", "broadcast_period_ns"):
            period = getattr(self.spec, name)
            if period is not None and period < 1e3 / fastest:
                # a cadence is at least one cycle of the fastest clock the units' logic runs
                raise HwsimInputError(f"{period:g} ns is shorter than one cycle of {self.tech.node_nm:g} nm logic at "
                                      f"{self.tech.vdd_v:g} V", source=self.source, field=f"pim.{name}",
                                      allowed=f"at least {1e3 / fastest:.3g} ns: {CLOCK_LIMIT_TEXT}")
        if self.spec.unit_clock_mhz > fastest:
            raise HwsimInputError(f"{self.spec.unit_clock_mhz:g} MHz is faster than {self.tech.node_nm:g} nm logic "
                                  f"runs at {self.tech.vdd_v:g} V", source=self.source, field="pim.unit_clock_mhz",
                                  allowed=f"at most {fastest:.0f} MHz: {CLOCK_LIMIT_TEXT}")

    def _lane_format(self, name: str) -> NumberFormat:
        try:
            return parse_format(name)
        except HwsimInputError as exc:
            raise HwsimInputError(exc.message, source=self.source, field="pim.lane_formats",
                                  allowed=exc.allowed) from None

    @cached_property
    def lane_formats(self) -> tuple[NumberFormat, ...]:
        return tuple(self._lane_format(f) for f in self.spec.lane_formats)

    @property
    def units_per_channel(self) -> int:
        return self.timing.banks // self.spec.banks_per_unit

    @property
    def units(self) -> int:
        return self.units_per_channel * self.channels

    def lanes(self, fmt: NumberFormat) -> int:
        """Lanes for ``fmt``: the first lane format's lanes, packed for a narrower format (derived:
        same datapath width, lanes x first bits / bits)."""
        native = self.lane_formats[0]
        return self.spec.lanes_per_unit * native.bits // fmt.bits

    def lanes_for_bits(self, bits):
        """Lanes for a weight width in bits (array-friendly form of ``lanes``)."""
        return self.spec.lanes_per_unit * self.lane_formats[0].bits / bits

    def check_weights(self, fmt: NumberFormat, layer: str, operand: str = "weights") -> None:
        """``operand``: what the layer streams from the banks ('weights', or 'the KV cache')."""
        if not any(fmt == f for f in self.lane_formats):
            raise HwsimInputError(f"layer '{layer}': {operand} in {fmt.name} cannot run on the PIM lanes",
                                  source=self.source, field="pim.lane_formats",
                                  allowed=", ".join(f.name for f in self.lane_formats))
        if self.timing.burst_bits % fmt.bits:
            raise HwsimInputError(f"layer '{layer}': {fmt.name} does not pack a {self.timing.burst_bits}-bit burst",
                                  source=self.source, field="pim.lane_formats")

    def lane_partial_bursts(self) -> int:
        """Column bursts holding one output row's lane partial sums (no adder tree), the most over the
        lane formats (derived: ceil(lanes x the format's accumulator bits / burst bits))."""
        return max(-(-self.lanes(fmt) * self.lane_pe(fmt).accumulator.bits // self.timing.burst_bits)
                   for fmt in self.lane_formats)

    def peak_tflops(self, fmt: NumberFormat | None = None) -> float:
        """Peak throughput (derived: lanes x 2 FLOP x unit clock x units; 2 ops per MAC)."""
        lanes = self.lanes(fmt or self.lane_formats[0])
        return lanes * 2 * self.spec.unit_clock_mhz * 1e6 * self.units / 1e12

    @property
    def dram_cycles_per_unit_cycle(self) -> float:
        """derived: (1 / unit clock) / tCK."""
        return 1e3 / self.spec.unit_clock_mhz / self.timing.tck_ns

    def lane_pe(self, fmt: NumberFormat | None = None) -> MacPE:
        """One lane for ``fmt`` x ``fmt``: the broadcast input is sent in the lane format. FP lanes
        accumulate in their own format (HBM-PIM's FP16 GRF_B, Kwon et al. ISSCC 2021), INT lanes
        in int32."""
        fmt = fmt or self.lane_formats[0]
        acc = parse_format("int32") if fmt.kind == "int" else fmt
        return MacPE((fmt,), (fmt,), acc, name="pim-lane")

    def lane_mac_pj(self, fmt: NumberFormat | None = None) -> float:
        if self.spec.lane_mac_pj is not None:
            return self.spec.lane_mac_pj
        fmt = fmt or self.lane_formats[0]
        return self.lane_pe(fmt).energy_per_mac_pj(Precision(fmt, fmt, fmt), self.tech).value

    @property
    def register_bits_per_unit(self) -> int:
        """Input + accumulator registers, one burst each (derived: registers x burst bits)."""
        return (self.spec.input_registers + self.spec.accumulator_registers) * self.timing.burst_bits

    def unit_area_um2(self) -> float:
        if self.spec.unit_area_um2 is not None:
            return self.spec.unit_area_um2
        # lanes and registers placed alike: cells x the place-and-route factor (hwsim/pe/placement.py;
        # the lane's area_um2 carries it already)
        from hwsim.pe.placement import placement_factor

        lanes = self.spec.lanes_per_unit * self.lane_pe().area_um2(self.tech).value
        registers = self.register_bits_per_unit * DFF.area_um2 * self.tech.area_factor
        return lanes + registers * placement_factor(self.tech.node_nm)

    def area_mm2(self) -> float:
        return self.units * self.unit_area_um2() / 1e6

    def leakage_uw(self) -> float:
        return self.units * self.spec.lanes_per_unit * self.lane_pe().leakage_uw(self.tech).value

    def register_pj_per_bit(self) -> float:
        """A register bit written or read (Aladdin's register bit, node-scaled; hwsim.tech.cells)."""
        return ALADDIN_REGISTER_ENERGY_PJ * self.tech.energy_factor


def pim_placement(spec, layers, faster_side: str = "pim") -> np.ndarray:
    """Which layers run in memory (bool per layer), by the spec's pim.offload rule. Rule 'faster'
    is costed both ways by the engine: ``faster_side`` 'pim' places its candidates (the 'gemv'
    layers) in memory, 'host' none of them."""
    if spec.compute.kind != "pim":
        return np.zeros(layers.size, dtype=bool)
    rule = spec.pim.offload
    if rule == "faster":
        if faster_side == "host":
            return np.zeros(layers.size, dtype=bool)
        rule = "gemv"
    if rule == "all":
        return layers.is_gemm | np.array([op in PIM_ELEMENTWISE_OPS for op in layers.vector_op], dtype=bool)
    if rule == "gemv":
        return layers.is_gemm & (layers.m <= spec.pim.gemv_max_rows)
    return layers.is_gemm & layers.b_is_kv
