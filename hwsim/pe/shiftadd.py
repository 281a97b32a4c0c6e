"""Shift-add mixed-precision PE after MixPE (Zhang et al., "MixPE: Quantization and Hardware
Co-design for Efficient LLM Inference", arXiv 2411.16158): low-bit integer weights times INT8
(W4A8) or FP16 (W4A16) activations by shifts and adds, dequantisation once per quantisation
group, after the group's partial sum (docs/models/shiftadd-pe.md).

What the arXiv abstract states and this module uses: (1) scale and zero point are shared by a
quantisation group, so the group's products are summed first and dequantised once per group;
(2) the multiply is shift-and-add instead of a multiplier. The structures below are derived
here (the paper's RTL is not public; its released simulator has no shift-add PE model,
/work/shared/background.md), counted cell by cell with hwsim/tech/arith.py:

* INT activations, a w-bit weight (two's complement): one copy of the activation per weight bit,
  shifted by the bit's position (fixed wiring, no shifter cells) and gated by the bit (a AND2
  per copy); the sign bit's copy is subtracted (a XOR2 and a carry-in). The w copies are summed
  by a shift-add tree of w - 1 adders: w - 2 carry-save rows of a full adders (the copy shifted
  by i overlaps the running sum on a bits; its i low bits are final and pass by wire) and one
  (a + w)-bit carry-propagate adder (Brent-Kung, arith.int_adder). Then an add into the group partial sum (the declared
  ``accumulator``), and operand registers (w + a bits) as every systolic PE has.
* FP activations (assumption, stated in the model doc): the integer weight scales the FP
  significand by the same shift-add tree over the significand's bits (mantissa + 1), the
  (significand + w)-bit result is normalised (leading-zero count and a shifter of up to w
  positions) and the exponent adjusted (one exponent-width adder): "exponent add plus mantissa
  shift"; the product is added into an FP group partial sum (the declared FP ``accumulator``).
* Per group of g weights (``int4@g128``), once, after the group's sum: zero-point correction
  (zero point x the group's activation sum, w x (a + ceil(log2 g)) multiplier, then a subtract
  of the partial sum's width), scale multiply (partial sum x scale) and an add into the PE's
  output accumulator (INT: partial-sum + scale bits wide; FP: the accumulator format). The
  fabric counts M x N x ceil(K / g) groups (hwsim/arch/fabrics/systolic/fabric.py).
* Area: the per-MAC datapath, the output register and a snapshot register (the finished group
  sum waits there while the next group accumulates) per PE, plus one dequantisation unit
  (multipliers, subtract and the output adder) shared by g_min PEs (derived: a PE finishes a group every g cycles,
  a unit dequantises one group per cycle, so one unit keeps up with g PEs; g_min is the smallest
  group among the PE's declared weight formats), selected through a P-bit g:1 multiplexer
  (about P MUX2 per PE). A PE declaring no group-scaled weight format has no dequantisation
  unit and refuses group-scaled layers; a layer whose group is smaller than g_min is refused
  (the shared unit could not keep up).
* The group's activation sum (for the zero-point correction) is computed once per (row of A,
  group) at the array edge and shared by every column; it is not charged (<= 1/N of one adder
  per MAC on an N-column array).
* A published per-MAC energy and PE area (``energy_pj_per_cycle``, ``area_um2``) replace the
  tech model's when given (one MAC per cycle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from hwsim.errors import HwsimInputError
from hwsim.pe.base import DatapathFacts, spec_formats
from hwsim.formats import BlockFormat, FloatFormat, IntFormat, NumberFormat, Precision
from hwsim.pe.datapath import check_accumulator_width, stages_at
from hwsim.pe.record import DatapathRecord
from hwsim.provenance import Sourced
from hwsim.tech import arith
from hwsim.tech.cells import AND2, FULL_ADDER, MUX2, XOR2
from hwsim.tech.costs import COST_SOURCE, UnitCost, unit_cost
from hwsim.tech.netlist import Netlist
from hwsim.tech.nodes import TechPoint, as_tech_point

MIN_WEIGHT_BITS, MAX_WEIGHT_BITS = 2, 8     # MixPE's low-bit weights (INT2/3/4) up to INT8
MAX_INT_ACTIVATION_BITS = 16
WEIGHTS_ALLOWED = "int2..int8, or group-scaled int2..int8 such as int4@g128"


def _element(fmt: NumberFormat) -> NumberFormat:
    return fmt.element if isinstance(fmt, BlockFormat) else fmt


def _weight_ok(fmt: NumberFormat) -> bool:
    el = _element(fmt)
    return isinstance(el, IntFormat) and MIN_WEIGHT_BITS <= el.bits <= MAX_WEIGHT_BITS


def _sig_bits(fmt: FloatFormat) -> int:
    return fmt.mantissa_bits + 1


def _log2(n: float) -> int:
    return max(1, math.ceil(math.log2(max(n, 2))))


# -- netlists ------------------------------------------------------------------------------------
def shift_add_tree(w: int, a: int) -> Netlist:
    """w gated, shifted copies of an a-bit operand summed by w - 1 adders (w - 2 carry-save rows
    of a full adders and one carry-propagate adder of the product's a + w bits); the sign copy is
    subtracted (inverted, plus a carry-in)."""
    width = a + w
    copies = Netlist.of({AND2: w * a, XOR2: a}, AND2.delay_fo4 + XOR2.delay_fo4)
    net = copies
    if w > 2:  # a copy shifted by i overlaps the running carry-save sum on a bits; the i low bits pass by wire
        net = net.then(Netlist.of({FULL_ADDER: (w - 2) * a}, (w - 2) * FULL_ADDER.delay_fo4))
    return net.then(arith.int_adder(width))


def product_netlist(w: int, activations: NumberFormat) -> Netlist:
    """One w-bit integer weight times one activation, by shift-add."""
    if isinstance(activations, FloatFormat):
        sig = _sig_bits(activations)
        tree = shift_add_tree(w, sig)
        normalise = arith.leading_zero_counter(sig + w).then(arith.shifter(sig + w, w)).as_ieee("mult")
        exponent = arith.int_adder(activations.exponent_bits + 1).as_ieee("mult")
        return tree.then(normalise.beside(exponent))
    return shift_add_tree(w, activations.bits)


def output_width(accumulator: NumberFormat, scale: NumberFormat) -> float:
    """Bits of the output accumulator (derived: a group sum times an integer scale)."""
    return accumulator.bits + scale.bits


def dequant_netlist(w: int, activations: NumberFormat, accumulator: NumberFormat, scale: NumberFormat,
                    group: int) -> Netlist:
    """Once per group: zero-point correction, scale multiply (the shared unit's work)."""
    if isinstance(accumulator, FloatFormat):
        zero_point = arith.mixed_multiplier(w, accumulator).then(arith.fp_adder(accumulator))
        widen = Netlist() if isinstance(scale, FloatFormat) else arith.int_to_fp(scale.bits, accumulator)
        return zero_point.then(widen).then(arith.fp_multiplier(accumulator, accumulator, accumulator))
    act_sum = activations.bits + _log2(group)
    zero_point = arith.int_multiplier(w, act_sum).then(arith.int_adder(accumulator.bits))
    return zero_point.then(arith.int_multiplier(accumulator.bits, scale.bits))


def output_accumulator_netlist(accumulator: NumberFormat, scale: NumberFormat) -> Netlist:
    if isinstance(accumulator, FloatFormat):
        return arith.accumulator(accumulator)
    width = output_width(accumulator, scale)
    return arith.int_adder(width).then(arith.register(width))


def select_netlist(accumulator: NumberFormat, group: int) -> Netlist:
    """A finished group sum: written to the PE's snapshot register, read through the shared
    unit's g:1 multiplexer (log2 g levels of P bits on the path)."""
    p = accumulator.bits
    return arith.register(p).then(Netlist.of({MUX2: p * _log2(group)}, _log2(group) * MUX2.delay_fo4))


@dataclass(frozen=True)
class ShiftAddPE(DatapathFacts):
    weight_formats: tuple[NumberFormat, ...]
    activation_formats: tuple[NumberFormat, ...]
    accumulator: NumberFormat
    published_energy_pj_per_mac: float | None = None
    published_area_um2: float | None = None
    clock_mhz: float | None = None
    name: str = "shiftadd"

    def __post_init__(self) -> None:
        for fmt in self.weight_formats:
            if not _weight_ok(fmt):
                raise HwsimInputError(f"a shift-add PE shifts by integer weight bits (2 to 8 of them), not "
                                      f"'{fmt.name}'", field="compute.pe.weights", allowed=WEIGHTS_ALLOWED)
        kinds = set()
        for fmt in self.activation_formats:
            if isinstance(fmt, IntFormat) and fmt.bits <= MAX_INT_ACTIVATION_BITS:
                kinds.add("int")
            elif isinstance(fmt, FloatFormat):
                kinds.add("fp")
            else:
                raise HwsimInputError(f"activations '{fmt.name}' on a shift-add PE", field="compute.pe.activations",
                                      allowed="int2..int16, or an FP format such as fp16, bf16")
        if len(kinds) > 1:
            raise HwsimInputError("a shift-add PE has one activation datapath: INT or FP activations, not both",
                                  field="compute.pe.activations", allowed="e.g. [int8] or [fp16]")
        fp = kinds == {"fp"}
        if fp != isinstance(self.accumulator, FloatFormat) or not (fp or isinstance(self.accumulator, IntFormat)):
            raise HwsimInputError(f"{'FP' if fp else 'INT'} activations on a shift-add PE need an "
                                  f"{'FP' if fp else 'INT'} accumulator, not '{self.accumulator.name}'",
                                  field="compute.pe.accumulator",
                                  allowed="fp32, fp16 ..." if fp else "int16 .. int32")
        for w in self.weight_formats:
            for a in self.activation_formats:
                self._check_width(w, a, "compute.pe.accumulator")
            if isinstance(w, BlockFormat):
                self._check_scale(w, "compute.pe.weights")

    # -- formats -----------------------------------------------------------------------------
    @property
    def fp(self) -> bool:
        return isinstance(self.accumulator, FloatFormat)

    @property
    def groups(self) -> tuple[BlockFormat, ...]:
        return tuple(f for f in self.weight_formats if isinstance(f, BlockFormat))

    @property
    def unit_group(self) -> int | None:
        """PEs sharing one dequantisation unit: the smallest declared group (None: no unit)."""
        return min((g.block_size for g in self.groups), default=None)

    def _check_width(self, weights: NumberFormat, activations: NumberFormat, field: str | None) -> None:
        """An INT group partial sum must hold a whole group's sum (w + a + ceil(log2 g) bits; an
        ungrouped layer at least one product: w + a bits)."""
        if self.fp:
            # an FP group sum must hold the FP activation's exponent range and significand
            # (the MAC PE's rule, hwsim/pe/datapath.py)
            check_accumulator_width(_element(weights), activations, self.accumulator,
                                    field or "compute.pe.accumulator")
            return
        need = _element(weights).bits + activations.bits
        if isinstance(weights, BlockFormat):
            need += _log2(weights.block_size)
        if self.accumulator.bits < need:
            raise HwsimInputError(f"'{self.accumulator.name}' cannot hold the sum of a '{weights.name}' x "
                                  f"'{activations.name}' group ({need} bits)", field=field,
                                  allowed=f"int{need} or wider")

    def _check_scale(self, fmt: BlockFormat, field: str | None) -> None:
        if not self.fp and not arith.is_integer_like(fmt.scale):
            raise HwsimInputError(f"'{fmt.name}': an FP group scale on an INT shift-add datapath is not modelled",
                                  field=field, allowed=f"an integer scale ({fmt.element.name}@g{fmt.block_size}) "
                                                       "or FP activations")

    def check(self, precision: Precision, where: str) -> None:
        w, a = precision.weights, precision.activations
        widest = max(_element(f).bits for f in self.weight_formats)
        if not _weight_ok(w) or _element(w).bits > widest:
            raise HwsimInputError(f"{where}: weights format '{w.name}' is not supported by the shiftadd PE",
                                  allowed=", ".join(f.name for f in self.weight_formats) + " (and narrower integers)")
        if isinstance(w, BlockFormat):
            if self.unit_group is None:
                raise HwsimInputError(f"{where}: group-scaled weights '{w.name}' on a shiftadd PE without a "
                                      "dequantisation unit", allowed="declare the group format in compute.pe.weights "
                                                                     "(e.g. int4@g128): it sizes the unit")
            if w.block_size < self.unit_group:
                raise HwsimInputError(f"{where}: group {w.block_size} is smaller than the {self.unit_group} PEs that "
                                      "share a dequantisation unit", allowed=f"groups of {self.unit_group} or more")
            self._check_scale(w, None)
        if a not in self.activation_formats:
            raise HwsimInputError(f"{where}: activations format '{a.name}' is not supported by the shiftadd PE",
                                  allowed=", ".join(f.name for f in self.activation_formats))
        try:
            self._check_width(w, a, None)
        except HwsimInputError as exc:
            raise HwsimInputError(f"{where}: {exc.message}", allowed=exc.allowed) from None

    # -- costs -------------------------------------------------------------------------------
    def mac_cost(self, weight_bits: int, activations: NumberFormat, tech: TechPoint) -> UnitCost:
        return _mac_cost(weight_bits, activations, self.accumulator, tech, self.clock_mhz)

    def energy_per_mac_pj(self, precision: Precision, tech: TechPoint) -> Sourced:
        tech = as_tech_point(tech)
        if self.published_energy_pj_per_mac is not None:
            return Sourced(self.published_energy_pj_per_mac, "pJ", "spec: compute.pe.energy_pj_per_cycle (published)")
        w = _element(precision.weights).bits
        return Sourced(self.mac_cost(w, precision.activations, tech).energy_pj, "pJ", COST_SOURCE)

    def group_energy_pj(self, group: BlockFormat, precision: Precision, tech: TechPoint) -> float:
        tech = as_tech_point(tech)
        return _group_cost(_element(group).bits, precision.activations, self.accumulator, group.scale,
                           group.block_size, tech).energy_pj

    def record(self, precision: Precision, tech: TechPoint) -> DatapathRecord:
        return _record(self, precision, as_tech_point(tech))

    def pipelined_paths_fo4(self) -> tuple[float, ...]:
        """One MAC path per (weight width the PE runs, activation format): check() admits every
        integer weight from MIN_WEIGHT_BITS up to the widest declared one."""
        if self.clock_mhz is None:
            return ()
        widest = max(_element(f).bits for f in self.weight_formats)
        return tuple(sorted({_mac_path_fo4(w, a, self.accumulator)
                             for w in range(MIN_WEIGHT_BITS, widest + 1) for a in self.activation_formats}))

    @property
    def scales_with_tech(self) -> bool:
        return self.published_energy_pj_per_mac is None and self.published_area_um2 is None

    def datapath_cost(self, tech: TechPoint) -> UnitCost:
        """Area, leakage and delay of one PE (energy field: its widest MAC's)."""
        tech = as_tech_point(tech)
        return _pe_cost(self, tech)



def _mac_netlists(w: int, activations: NumberFormat, accumulator: NumberFormat) -> tuple[Netlist, Netlist]:
    """(the shift-add product and the add into the group partial sum, the operand registers)."""
    return product_netlist(w, activations).then(arith.accumulator(accumulator)), arith.register(w + activations.bits)


def _mac_path_fo4(w: int, activations: NumberFormat, accumulator: NumberFormat) -> float:
    return _path_fo4(*_mac_netlists(w, activations, accumulator))


def _path_fo4(net: Netlist, registers: Netlist) -> float:
    return net.depth_fo4 + registers.depth_fo4


@lru_cache(maxsize=1024)
def _mac_cost(w: int, activations: NumberFormat, accumulator: NumberFormat, tech: TechPoint,
              clock_mhz: float | None = None) -> UnitCost:
    """Per MAC: the shift-add product, the add into the group partial sum, operand registers;
    above the unpipelined clock, a register across each extra stage's cut (the MAC PE's rule,
    hwsim/pe/datapath.py mac_cost: weight + activation + accumulator bits per cut)."""
    net, registers = _mac_netlists(w, activations, accumulator)
    cost = unit_cost(net, tech) + unit_cost(registers, tech)
    stages = stages_at(_path_fo4(net, registers), clock_mhz, tech)
    if stages > 1:
        pipe = unit_cost(arith.register((w + activations.bits + accumulator.bits) * (stages - 1)), tech)
        cost = UnitCost(cost.energy_pj + pipe.energy_pj, cost.area_um2 + pipe.area_um2,
                        cost.leakage_uw + pipe.leakage_uw, cost.delay_ns)
    return cost


@lru_cache(maxsize=1024)
def _group_cost(w: int, activations: NumberFormat, accumulator: NumberFormat, scale: NumberFormat, group: int,
                tech: TechPoint) -> UnitCost:
    """Per group: snapshot and select the finished sum, zero-point correction, scale multiply,
    add into the output accumulator."""
    net = select_netlist(accumulator, group).then(dequant_netlist(w, activations, accumulator, scale, group))
    return unit_cost(net.then(output_accumulator_netlist(accumulator, scale)), tech)


@lru_cache(maxsize=256)
def _pe_cost(pe: ShiftAddPE, tech: TechPoint) -> UnitCost:
    w = max(_element(f).bits for f in pe.weight_formats)
    a = max(pe.activation_formats, key=lambda f: f.bits)
    mac = _mac_cost(w, a, pe.accumulator, tech, pe.clock_mhz)
    if not pe.groups:
        return mac
    share = pe.unit_group
    widest_group = max(pe.groups, key=lambda g: (g.block_size, g.scale.bits))
    out_bits = pe.accumulator.bits if pe.fp else output_width(pe.accumulator, widest_group.scale)
    # per PE: the snapshot register and its multiplexer input, the output register
    per_pe = unit_cost(arith.register(pe.accumulator.bits + out_bits), tech)
    per_pe = per_pe + unit_cost(Netlist.of({MUX2: pe.accumulator.bits}, MUX2.delay_fo4), tech)
    # shared by `share` PEs: zero-point correction, scale multiply, the output adder
    out_adder = arith.fp_adder(pe.accumulator) if pe.fp else arith.int_adder(out_bits)
    unit = unit_cost(dequant_netlist(w, a, pe.accumulator, widest_group.scale, widest_group.block_size)
                     .then(out_adder), tech)
    return UnitCost(mac.energy_pj, mac.area_um2 + per_pe.area_um2 + unit.area_um2 / share,
                    mac.leakage_uw + per_pe.leakage_uw + unit.leakage_uw / share,
                    max(mac.delay_ns, per_pe.delay_ns))


@lru_cache(maxsize=4096)
def _record(pe: ShiftAddPE, precision: Precision, tech: TechPoint) -> DatapathRecord:
    weights = precision.weights
    group = weights if isinstance(weights, BlockFormat) else None
    return DatapathRecord(
        k_per_step=1, cycles_per_step=1,
        energy_per_mac_pj=pe.energy_per_mac_pj(precision, tech).value,
        energy_per_group_pj=pe.group_energy_pj(group, precision, tech) if group else 0.0,
        group_size=group.block_size if group else 1,
        energy_per_table_pj=0.0, table_entries=0,
        energy_convert_weights_pj=0.0, energy_convert_activations_pj=0.0,
        area_um2=pe.area_um2(tech).value, leakage_uw=pe.leakage_uw(tech).value)


def shiftadd_pe_from_spec(spec, clock_mhz: float, source: str) -> ShiftAddPE:
    def formats(values, field):
        return spec_formats(values, field, source)

    try:
        return ShiftAddPE(formats(spec.weights, "compute.pe.weights"),
                          formats(spec.activations, "compute.pe.activations"),
                          formats(spec.accumulator, "compute.pe.accumulator")[0],
                          published_energy_pj_per_mac=spec.energy_pj_per_cycle,
                          published_area_um2=spec.area_um2, clock_mhz=clock_mhz)
    except HwsimInputError as exc:
        raise exc.with_source(source) from None
