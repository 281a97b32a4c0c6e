"""Bit-serial PE (Stripes, Judd et al. MICRO 2016; BitMoD, HPCA 2025): weights are consumed b bits
per cycle, activations in parallel, ``dot_product_width`` products of one dot product per step.

Datapath record:

* ``k_per_step`` = dot_product_width (dp multiply-adds along K per PE per step);
* ``cycles_per_step`` = ceil(serial weight bits / bits_per_cycle): an int4 weight at 2 bits per
  cycle takes 2 cycles, at 1 bit per cycle 4. Serial weight bits are the element's bits (the
  group scale of ``int4@g128`` is applied by the dequantisation unit, not serialised); an
  average width such as 6.0625 serialises its whole bits, floor(6.0625) = 6 (BitMoD's rule,
  ../shared/reference/README.md: latency = ceil(floor(bits) / 2));
* zero-bit skipping (Bit-Pragmatic, Albericio et al. MICRO 2017): with an average essential-bit
  fraction f (given per PE or per format), a step takes ceil(serial bits x f / b) cycles, never
  more than without skipping and at least one;
* energy per cycle from the tech model: dp lanes, each a (b x activation) partial product
  (integer, or a mixed integer x FP significand product for FP activations), a dp-input adder
  tree and a shift-accumulate into the accumulator, operand registers; energy per MAC = energy
  per cycle x cycles per step / dp;
* the per-group dequantisation unit (BitMoD): once per group of a group-scaled weight format, the
  group's partial sum is rescaled by the group scale (one multiply and accumulate), so the
  fabric counts M x N x ceil(K / g) groups;
* a published per-cycle energy and PE area (``energy_pj_per_cycle``, ``area_um2`` in the spec,
  e.g. BitMoD's synthesised PE) replace the tech model's when given, with the spec citing them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from hwsim.errors import HwsimInputError
from hwsim.pe.base import DatapathFacts, spec_formats
from hwsim.pe.datapath import check_accumulator, check_accumulator_width, pair_kind
from hwsim.formats import BlockFormat, EffectiveBits, FloatFormat, IntFormat, NumberFormat, Precision
from hwsim.pe.record import DatapathRecord
from hwsim.tech import arith
from hwsim.tech.costs import UnitCost, unit_cost
from hwsim.tech.nodes import TechPoint, as_tech_point


def serial_bits(fmt: NumberFormat) -> int:
    """Weight bits the PE walks through serially."""
    if isinstance(fmt, BlockFormat):
        return fmt.element.bits
    if isinstance(fmt, EffectiveBits):
        return max(1, math.floor(fmt.bits))
    return fmt.bits


def _serial_view(fmt: NumberFormat) -> NumberFormat:
    """The weight as the datapath sees it: a group format's element, an average width's whole bits."""
    if isinstance(fmt, BlockFormat):
        return fmt.element
    if isinstance(fmt, EffectiveBits):
        return IntFormat(serial_bits(fmt))
    return fmt


def _serial_ok(fmt: NumberFormat) -> bool:
    element = fmt.element if isinstance(fmt, BlockFormat) else fmt
    return isinstance(element, (IntFormat, EffectiveBits))


@dataclass(frozen=True)
class BitSerialPE(DatapathFacts):
    weight_formats: tuple[NumberFormat, ...]
    activation_formats: tuple[NumberFormat, ...]
    accumulator: NumberFormat
    bits_per_cycle: int = 1
    dot_product_width: int = 1
    essential_bit_fraction: float | None = None   # None: no zero-bit skipping
    published_energy_pj_per_cycle: float | None = None
    published_area_um2: float | None = None
    clock_mhz: float | None = None
    name: str = "bitserial"

    def __post_init__(self) -> None:
        for fmt in self.weight_formats:
            if not _serial_ok(fmt):
                raise HwsimInputError(f"a bit-serial PE serialises integer weights, not '{fmt.name}'",
                                      field="compute.pe.weights",
                                      allowed="int1..int16, int4@g128-style group formats, or an average width like 5.25")
        for fmt in self.activation_formats:
            if not isinstance(fmt, (IntFormat, FloatFormat)):
                raise HwsimInputError(f"activations '{fmt.name}' on a bit-serial PE", field="compute.pe.activations",
                                      allowed="an INT or FP format, e.g. int8, fp16")
        acc_fp = isinstance(self.accumulator, FloatFormat)
        if any(isinstance(a, FloatFormat) for a in self.activation_formats) and not acc_fp:
            raise HwsimInputError(f"FP activations need an FP accumulator, not '{self.accumulator.name}'",
                                  field="compute.pe.accumulator", allowed="fp16, fp32 ...")
        widest = max(serial_bits(w) for w in self.weight_formats)
        if not 1 <= self.bits_per_cycle <= widest:
            # more bits per cycle than the widest weight has is a bit-parallel PE, not a serial one
            raise HwsimInputError(f"bits_per_cycle {self.bits_per_cycle} is more than the widest weight's "
                                  f"{widest} bits", field="compute.pe.bits_per_cycle",
                                  allowed=f"1..{widest} (the serialised weight's bits)")
        for w in self.weight_formats:
            for a in self.activation_formats:
                # every serial step shift-adds a (b x activation) partial product into the
                # accumulator; the finished product is w x a bits (derived, as on the MAC PE)
                where = f"compute.pe.accumulator (for {w.name} weights x {a.name} activations)"
                check_accumulator(pair_kind(_serial_view(w), a), self.accumulator, where)
                check_accumulator_width(_serial_view(w), a, self.accumulator, where)
        if self.essential_bit_fraction is not None and not 0 < self.essential_bit_fraction <= 1:
            raise HwsimInputError(f"essential_bit_fraction {self.essential_bit_fraction}",
                                  field="compute.pe.essential_bit_fraction", allowed="a fraction in (0, 1]")

    # -- formats -----------------------------------------------------------------------------
    def _native(self, fmt: NumberFormat, natives) -> bool:
        if fmt in natives:
            return True
        if isinstance(fmt, BlockFormat) and isinstance(fmt.element, IntFormat):
            # a group-scaled weight runs if its element fits the serial datapath's widest weight
            return any(serial_bits(n) >= fmt.element.bits for n in natives)
        if isinstance(fmt, (IntFormat, EffectiveBits)):
            return any(serial_bits(n) >= serial_bits(fmt) for n in natives if _serial_ok(n))
        return False

    def check(self, precision: Precision, where: str) -> None:
        if not self._native(precision.weights, self.weight_formats):
            raise HwsimInputError(f"{where}: weights format '{precision.weights.name}' is not supported by the "
                                  f"bitserial PE", allowed=", ".join(f.name for f in self.weight_formats)
                                  + " (and narrower integers)")
        if precision.activations not in self.activation_formats:
            raise HwsimInputError(f"{where}: activations format '{precision.activations.name}' is not supported by "
                                  "the bitserial PE", allowed=", ".join(f.name for f in self.activation_formats))

    def cycles_per_step(self, weights: NumberFormat) -> int:
        bits = serial_bits(weights)
        if self.essential_bit_fraction is None:
            return math.ceil(bits / self.bits_per_cycle)
        skipped = math.ceil(bits * self.essential_bit_fraction / self.bits_per_cycle)
        return max(1, min(skipped, math.ceil(bits / self.bits_per_cycle)))

    # -- costs -------------------------------------------------------------------------------
    def _cycle_cost(self, activations: NumberFormat, tech: TechPoint) -> UnitCost:
        return _lane_cycle_cost(self.bits_per_cycle, self.dot_product_width, activations, self.accumulator,
                                max(serial_bits(w) for w in self.weight_formats), tech)

    def record(self, precision: Precision, tech: TechPoint) -> DatapathRecord:
        tech = as_tech_point(tech)
        return _record(self, precision, tech)

    def pipelined_paths_fo4(self) -> tuple[float, ...]:
        return ()  # one serial step per cycle: no cost depends on the clock

    @property
    def scales_with_tech(self) -> bool:
        return self.published_energy_pj_per_cycle is None and self.published_area_um2 is None

    def datapath_cost(self, tech: TechPoint) -> UnitCost:
        tech = as_tech_point(tech)
        widest = max(self.activation_formats, key=lambda f: f.bits)
        return self._cycle_cost(widest, tech)



@lru_cache(maxsize=1024)
def _lane_cycle_cost(b: int, dp: int, activations: NumberFormat, accumulator: NumberFormat, max_weight_bits: int,
                     tech: TechPoint) -> UnitCost:
    """One cycle of the PE: dp partial products (b weight bits x an activation), an adder tree of
    dp - 1 adders, a shifter aligning the bit position, the accumulator, operand registers."""
    if isinstance(activations, FloatFormat):
        lane = arith.mixed_multiplier(b, activations)
        tree = arith.fp_adder(accumulator) if isinstance(accumulator, FloatFormat) else arith.int_adder(accumulator.bits)
        width = accumulator.bits
    else:
        lane = arith.int_multiplier(b, activations.bits)
        width = b + activations.bits + math.ceil(math.log2(max(dp, 2)))
        tree = arith.int_adder(width)
    net = lane.times(dp)
    if dp > 1:
        net = net.then(tree.times(dp - 1))
    net = net.then(arith.shifter(width, max_weight_bits)).then(arith.accumulator(accumulator))
    net = net.then(arith.register(dp * (activations.bits + b)))
    return unit_cost(net, tech)


@lru_cache(maxsize=4096)
def _record(pe: BitSerialPE, precision: Precision, tech: TechPoint) -> DatapathRecord:
    cycles = pe.cycles_per_step(precision.weights)
    dp = pe.dot_product_width
    if pe.published_energy_pj_per_cycle is not None:
        per_cycle = pe.published_energy_pj_per_cycle
    else:
        per_cycle = pe._cycle_cost(precision.activations, tech).energy_pj
    weights = precision.weights
    group = weights if isinstance(weights, BlockFormat) else None
    if group is not None:
        from hwsim.pe.mac import _group_scale_cost

        scale = group.scale if isinstance(pe.accumulator, FloatFormat) or arith.is_integer_like(group.scale) \
            else group.scale
        group_energy = _group_scale_cost(scale, pe.accumulator, tech).energy_pj
    else:
        group_energy = 0.0
    return DatapathRecord(
        k_per_step=dp, cycles_per_step=cycles,
        energy_per_mac_pj=per_cycle * cycles / dp,
        energy_per_group_pj=group_energy, group_size=group.block_size if group else 1,
        energy_per_table_pj=0.0, table_entries=0,
        energy_convert_weights_pj=0.0, energy_convert_activations_pj=0.0,
        area_um2=pe.area_um2(tech).value, leakage_uw=pe.leakage_uw(tech).value)


def bitserial_pe_from_spec(spec, clock_mhz: float, source: str) -> BitSerialPE:
    def formats(values, field):
        return spec_formats(values, field, source)

    try:
        return BitSerialPE(formats(spec.weights, "compute.pe.weights"),
                           formats(spec.activations, "compute.pe.activations"),
                           formats(spec.accumulator, "compute.pe.accumulator")[0],
                           bits_per_cycle=spec.bits_per_cycle, dot_product_width=spec.dot_product_width,
                           essential_bit_fraction=spec.essential_bit_fraction,
                           published_energy_pj_per_cycle=spec.energy_pj_per_cycle,
                           published_area_um2=spec.area_um2, clock_mhz=clock_mhz)
    except HwsimInputError as exc:
        raise exc.with_source(source) from None
