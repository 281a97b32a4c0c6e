"""Bit-parallel MAC PE built from the arithmetic units of hwsim/tech.

A PE declares the formats it runs natively (per operand) and its accumulator. A layer runs:

* natively when its weight and activation formats are both declared; the energy per MAC is the
  datapath's at the layer's formats (narrower operands on a wider datapath are operand-gated);
* through a declared conversion (``conversions``: e.g. INT4 weights dequantised to FP16 at the
  array edge): the PE computes in the target format and every converted element pays the
  converter (INT -> FP convert and, for group formats, the scale multiply), charged by the engine
  per element delivered to the array;
* otherwise it fails with an error naming the layer, the operand and what the PE accepts.

Area: one datapath per arithmetic kind the PE supports (INT, FP, mixed, block), each sized for
its widest formats, plus operand registers (no sharing between kinds: an upper bound).

``decomposable`` (Bit Fusion, Sharma et al. ISCA 2018): the INT datapath is built from 2-bit
BitBricks; a W x A PE completes (W / w) x (A / a) products per cycle for w-bit weights and a-bit
activations (widths rounded up to 2, 4, 8, 16), e.g. 2 per cycle for INT4 x INT8 on an 8x8 PE,
4 for INT2 x INT8, 4 for INT4 x INT4, 16 for INT2 x INT2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from hwsim.errors import HwsimInputError
from hwsim.pe.base import DatapathFacts, spec_formats
from hwsim.formats import BlockFormat, FloatFormat, IntFormat, NumberFormat
from hwsim.pe.datapath import check_accumulator, check_accumulator_width, mac_cost, mac_path_fo4, pair_kind
from hwsim.pe.record import DatapathRecord
from hwsim.provenance import Sourced
from hwsim.tech import arith
from hwsim.tech.costs import COST_SOURCE, UnitCost, unit_cost
from hwsim.tech.nodes import TechPoint, as_tech_point
from hwsim.formats import Precision

MAC_OPERANDS = ("weights", "activations")
BRICK_BITS = 2  # Bit Fusion's BitBrick: a 2-bit x 2-bit signed multiplier


@dataclass(frozen=True)
class Conversion:
    """Elements of ``operand`` stored as ``source`` are converted to ``target`` before the MAC."""

    operand: str
    source: NumberFormat
    target: NumberFormat

    def netlist(self):
        src, dst = self.source, self.target
        if not isinstance(dst, FloatFormat):
            raise HwsimInputError(f"conversion {src.name} -> {dst.name}: only conversions to an FP format are modelled",
                                  field="compute.pe.conversions", allowed="to: fp16, bf16, fp32, fp8_e4m3 ...")
        element = src.element if isinstance(src, BlockFormat) else src
        if isinstance(element, FloatFormat):
            convert = arith.fp_adder(dst, rounded=True)  # re-bias and round: an FP adder's exponent path
        elif arith.is_integer_like(element):
            convert = arith.int_to_fp(element.bits, dst)
        else:
            raise HwsimInputError(f"cannot convert '{src.name}'", field="compute.pe.conversions")
        if isinstance(src, BlockFormat):  # apply the group's scale: one multiply per element
            scale = src.scale if isinstance(src.scale, FloatFormat) else dst  # integer scales: converted once
            convert = convert.then(arith.fp_multiplier(dst, scale, dst))
        return convert

    @lru_cache(maxsize=256)  # frozen and hashable; the engine asks once per layer
    def cost(self, tech: TechPoint) -> UnitCost:
        return unit_cost(self.netlist(), tech)


@lru_cache(maxsize=256)
def _group_scale_cost(scale: NumberFormat, accumulator: NumberFormat, tech: TechPoint) -> UnitCost:
    """Once per group of a group-scaled INT operand (``int4@g128``): the group's partial sum is
    multiplied by the group's scale and added into the running sum (derived: one multiplier of
    accumulator x scale width and one accumulator add; an FP scale on an FP accumulator is an FP
    multiply after the scale is widened once)."""
    if arith.is_integer_like(accumulator):
        net = arith.int_multiplier(accumulator.bits, scale.bits).then(arith.accumulator(accumulator))
    else:
        net = arith.fp_multiplier(accumulator, scale if isinstance(scale, FloatFormat) else accumulator,
                                  accumulator).then(arith.accumulator(accumulator))
    return unit_cost(net, tech)


def _is_group_scaled_int(fmt: NumberFormat) -> bool:
    return isinstance(fmt, BlockFormat) and isinstance(fmt.element, IntFormat) and fmt.alias is None


@lru_cache(maxsize=256)  # the engine asks once per layer
def _fused_unit_cost(w_max: int, a_max: int, accumulator: NumberFormat, tech: TechPoint) -> UnitCost:
    """Bit Fusion fusion unit: (W/2)(A/2) BitBricks (3x3 signed multipliers), a shift-add
    tree of (bricks - 1) adders of W+A bits with a shifter per brick, one accumulator;
    every brick toggles every cycle whatever the precision."""
    bricks = (w_max // BRICK_BITS) * (a_max // BRICK_BITS)
    brick = arith.int_multiplier(BRICK_BITS + 1, BRICK_BITS + 1).then(arith.shifter(2 * (BRICK_BITS + 1), w_max + a_max))
    tree = arith.int_adder(w_max + a_max).times(max(bricks - 1, 0))
    # a balanced tree is ceil(log2 bricks) adders deep: times() keeps one adder's depth, so each
    # further level adds an adder's delay and no cells (times(0))
    for _ in range(max(math.ceil(math.log2(bricks)) - 1, 0) if bricks > 1 else 0):
        tree = tree.then(arith.int_adder(w_max + a_max).times(0))
    net = brick.times(bricks).then(tree).then(arith.accumulator(accumulator))
    net = net.then(arith.register(w_max + a_max))
    return unit_cost(net, tech)


def _ceil_brick(bits: float) -> int:
    width = BRICK_BITS
    while width < bits:
        width *= 2
    return width


@dataclass(frozen=True)
class MacPE(DatapathFacts):
    weight_formats: tuple[NumberFormat, ...]
    activation_formats: tuple[NumberFormat, ...]
    accumulator: NumberFormat
    multiplier: str = "array"
    decomposable: bool = False
    conversions: tuple[Conversion, ...] = field(default=())
    name: str = "mac"
    clock_mhz: float | None = None  # None: unpipelined; else stages beyond one cost registers

    def __post_init__(self) -> None:
        if self.multiplier not in arith.MULTIPLIER_STYLES:
            raise HwsimInputError(f"multiplier style '{self.multiplier}'", field="compute.pe.multiplier",
                                  allowed=", ".join(arith.MULTIPLIER_STYLES))
        for w, a in self.native_pairs():
            kind = pair_kind(w, a)
            where = f"compute.pe.accumulator (for {w.name} weights x {a.name} activations)"
            check_accumulator(kind, self.accumulator, where)
            check_accumulator_width(w, a, self.accumulator, where)
        declared = set()
        for conv in self.conversions:
            natives = self.weight_formats if conv.operand == "weights" else self.activation_formats
            # conversion_for looks at the native formats first and at the first conversion of a
            # source: a conversion from a native format, or a second one, would never apply
            if conv.source in natives:
                raise HwsimInputError(f"conversion {conv.source.name} -> {conv.target.name}: {conv.operand} in "
                                      f"{conv.source.name} run natively on this PE, so it would never apply",
                                      field="compute.pe.conversions",
                                      allowed=f"a {conv.operand} format the PE does not run natively (natives: "
                                              + ", ".join(f.name for f in natives) + ")")
            if (conv.operand, conv.source) in declared:
                raise HwsimInputError(f"two conversions of {conv.operand} from {conv.source.name}",
                                      field="compute.pe.conversions", allowed="one conversion per operand and format")
            declared.add((conv.operand, conv.source))
            if conv.target not in natives:
                raise HwsimInputError(f"conversion target '{conv.target.name}' is not a native {conv.operand} format",
                                      field="compute.pe.conversions",
                                      allowed=", ".join(f.name for f in natives))
            conv.netlist()
        if self.decomposable:
            for fmt in (*self.weight_formats, *self.activation_formats):
                if not isinstance(fmt, IntFormat):
                    raise HwsimInputError(f"a decomposable (Bit Fusion) PE runs integer formats only, not '{fmt.name}'",
                                          field="compute.pe.decomposable", allowed="int2, int4, int8, int16")

    def native_pairs(self) -> list[tuple[NumberFormat, NumberFormat]]:
        return [(w, a) for w in self.weight_formats for a in self.activation_formats]

    # -- what the datapath computes --------------------------------------------------------
    def conversion_for(self, operand: str, fmt: NumberFormat) -> Conversion | None:
        natives = self.weight_formats if operand == "weights" else self.activation_formats
        if fmt in natives:
            return None
        for conv in self.conversions:
            if conv.operand == operand and conv.source == fmt:
                return conv
        if _is_group_scaled_int(fmt) and fmt.element in natives:
            self._check_group_scale(fmt)
            return None  # the element runs natively; the group scale is charged per group
        raise HwsimInputError(
            f"{operand} format '{fmt.name}' is not supported by the {self.name} PE",
            allowed=", ".join(f.name for f in natives)
            + "".join(f"; {c.source.name} via conversion to {c.target.name}" for c in self.conversions
                      if c.operand == operand))

    def _check_group_scale(self, fmt: BlockFormat) -> None:
        if arith.is_integer_like(self.accumulator) and not arith.is_integer_like(fmt.scale):
            raise HwsimInputError(
                f"'{fmt.name}': an FP group scale cannot be applied on an INT accumulator",
                allowed=f"an integer scale ({fmt.element.name}@g{fmt.block_size}:uint8) or an FP accumulator")

    def computed(self, precision: Precision) -> Precision:
        """The formats the datapath sees after declared conversions and group-scale stripping."""
        formats = {}
        for operand in MAC_OPERANDS:
            fmt = getattr(precision, operand)
            conv = self.conversion_for(operand, fmt)
            if conv is not None:
                formats[operand] = conv.target
            elif fmt not in (self.weight_formats if operand == "weights" else self.activation_formats):
                formats[operand] = fmt.element  # group-scaled INT: the element is native
            else:
                formats[operand] = fmt
        return Precision(formats["weights"], formats["activations"], precision.outputs, precision.kv)

    # -- protocol -------------------------------------------------------------------------
    def check(self, precision: Precision, where: str) -> None:
        try:
            computed = self.computed(precision)
        except HwsimInputError as exc:
            raise HwsimInputError(f"{where}: {exc.args[0]}") from None
        pair_kind(computed.weights, computed.activations)

    def record(self, precision: Precision, tech: TechPoint) -> DatapathRecord:
        tech = as_tech_point(tech)
        return _mac_record(self, precision, tech)

    def _group(self, precision: Precision) -> BlockFormat | None:
        """The group-scaled operand whose scale this PE applies per group (at most one)."""
        groups = [getattr(precision, op) for op in MAC_OPERANDS
                  if _is_group_scaled_int(getattr(precision, op))
                  and getattr(precision, op) not in (self.weight_formats if op == "weights" else self.activation_formats)
                  and self.conversion_for(op, getattr(precision, op)) is None]
        if len(groups) > 1:
            raise HwsimInputError("group scales on both weights and activations are not modelled",
                                  allowed="a group-scaled format on one operand")
        return groups[0] if groups else None

    def macs_per_cycle(self, precision: Precision) -> float:
        if not self.decomposable:
            return 1.0
        computed = self.computed(precision)
        w_max = max(f.bits for f in self.weight_formats)
        a_max = max(f.bits for f in self.activation_formats)
        return float((_ceil_brick(w_max) // _ceil_brick(computed.weights.bits))
                     * (_ceil_brick(a_max) // _ceil_brick(computed.activations.bits)))

    def mac_cost(self, precision: Precision, tech: TechPoint) -> UnitCost:
        tech = as_tech_point(tech)
        computed = self.computed(precision)
        if self.decomposable:
            return self._fused_unit(tech).per_operation(self.macs_per_cycle(precision))
        return mac_cost(computed.weights, computed.activations, self.accumulator, tech, self.multiplier,
                        self.clock_mhz)

    def energy_per_mac_pj(self, precision: Precision, tech: TechPoint) -> Sourced:
        tech = as_tech_point(tech)
        return Sourced(self.mac_cost(precision, tech).energy_pj, "pJ", COST_SOURCE)

    def conversion_energy_pj(self, operand: str, fmt: NumberFormat, tech: TechPoint) -> float:
        """Energy to convert one element of ``operand`` stored as ``fmt`` (0 if native)."""
        tech = as_tech_point(tech)
        conv = self.conversion_for(operand, fmt)
        return conv.cost(tech).energy_pj if conv else 0.0

    def _fused_unit(self, tech: TechPoint) -> UnitCost:
        return _fused_unit_cost(_ceil_brick(max(f.bits for f in self.weight_formats)),
                                _ceil_brick(max(f.bits for f in self.activation_formats)), self.accumulator, tech)

    def _widest_by_kind(self) -> dict[str, tuple[NumberFormat, NumberFormat]]:
        widest: dict[str, tuple[NumberFormat, NumberFormat]] = {}
        for w, a in self.native_pairs():
            kind = pair_kind(w, a)
            best = widest.get(kind)
            if best is None or w.element_bits * a.element_bits > best[0].element_bits * best[1].element_bits:
                widest[kind] = (w, a)
        return widest

    def pipelined_paths_fo4(self) -> tuple[float, ...]:
        """One path per native format pair (every pair mac_cost prices: conversions end in a
        native format, group-scaled operands run their native element); the fusion unit of a
        decomposable PE is not pipelined."""
        if self.decomposable or self.clock_mhz is None:
            return ()
        return tuple(sorted({mac_path_fo4(w, a, self.accumulator, self.multiplier) for w, a in self.native_pairs()}))

    @property
    def scales_with_tech(self) -> bool:
        return True  # no published figures: every cost is the tech model's

    def datapath_cost(self, tech: TechPoint) -> UnitCost:
        """Area, leakage and delay of the whole PE (energy field: of its widest native MAC)."""
        tech = as_tech_point(tech)
        if self.decomposable:
            return self._fused_unit(tech)
        parts = [mac_cost(w, a, self.accumulator, tech, self.multiplier, self.clock_mhz)
                 for w, a in self._widest_by_kind().values()]
        total = parts[0]
        for part in parts[1:]:
            total = UnitCost(max(total.energy_pj, part.energy_pj), total.area_um2 + part.area_um2,
                             total.leakage_uw + part.leakage_uw, max(total.delay_ns, part.delay_ns))
        return total




@lru_cache(maxsize=4096)  # (PE, formats, node) triples repeat across layers and design points
def _mac_record(pe: MacPE, precision: Precision, tech: TechPoint) -> DatapathRecord:
    group = pe._group(precision)
    group_cost = _group_scale_cost(group.scale, pe.accumulator, tech).energy_pj if group else 0.0
    return DatapathRecord(
        k_per_step=int(pe.macs_per_cycle(precision)),
        cycles_per_step=1,
        energy_per_mac_pj=pe.mac_cost(precision, tech).energy_pj,
        energy_per_group_pj=group_cost,
        group_size=group.block_size if group else 1,
        energy_per_table_pj=0.0,
        table_entries=0,
        energy_convert_weights_pj=pe.conversion_energy_pj("weights", precision.weights, tech),
        energy_convert_activations_pj=pe.conversion_energy_pj("activations", precision.activations, tech),
        area_um2=pe.area_um2(tech).value,
        leakage_uw=pe.leakage_uw(tech).value,
    )


def mac_pe_from_spec(spec, clock_mhz: float, source: str) -> MacPE:
    """The MAC PE a ``compute.pe`` section describes (formats parsed, errors naming the field)."""
    def formats(values, field):
        return spec_formats(values, field, source)

    try:
        conversions = tuple(
            Conversion(c.operand, formats(c.from_format, "compute.pe.conversions.from")[0],
                       formats(c.to, "compute.pe.conversions.to")[0]) for c in spec.conversions)
        return MacPE(formats(spec.weights, "compute.pe.weights"), formats(spec.activations, "compute.pe.activations"),
                     formats(spec.accumulator, "compute.pe.accumulator")[0], multiplier=spec.multiplier,
                     decomposable=spec.decomposable, conversions=conversions, clock_mhz=clock_mhz)
    except HwsimInputError as exc:
        raise exc.with_source(source) from None
