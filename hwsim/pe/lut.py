"""LUT PE: mixed-precision GEMM by table lookup (T-MAC, Wei et al., arXiv 2407.00088; LUT Tensor
Core, Mo et al., arXiv 2408.06003, ISCA 2025). docs/models/lut-pe.md has the whole model.

For each group of g activations along K, a table holds the sums of the g activations under every
pattern of weight bits; one weight bit-plane of g weights is an index into it. Weights are walked
bit-serially: a b-bit weight group takes b lookups, each shifted to its bit position and
accumulated, so the cost is linear in weight bits.

Datapath record:

* ``k_per_step`` = g x dot_product_width (one lookup covers g products of the dot product; a PE with
  dot_product_width d looks up d tables, of d consecutive K groups, per bit-plane);
* ``cycles_per_step`` = ceil(weight element bits / bits_per_cycle) (bit-planes; bits_per_cycle
  lookup lanes per table read in parallel): int1..int8 at 1 bit per cycle take 1..8 cycles;
* ``energy_per_mac_pj`` = weight bits x E_lookup / g, E_lookup = one lookup lane's share of a
  cycle: index (conditional invert with symmetry), table read (a mux tree over the stored entries,
  or a tiny SRAM read), conditional negate (symmetry), shift to the bit position (INT entries: a
  shifter; FP entries: an exponent add), the adder tree joining the lanes, the accumulator and the
  bit-plane index register. Exactly linear in weight bits by construction;
* ``energy_per_table_pj``, ``table_entries`` = 2^g (2^(g-1) with symmetry), ``table_group`` = g:
  precompute (adds, conversions, the table write), counted by the fabric once per (row of A, K
  group, column fold), i.e. amortised over the output columns sharing the table;
* ``energy_per_group_pj`` / ``group_size``: the group scale of ``int4@g128`` weights, once per group
  (hwsim.pe.mac._group_scale_cost, as the MAC and bit-serial PEs).

Precompute adds per table (derived):

* without symmetry (weight bits in {0, 1}): T[i] = sum of a_j over the set bits j of i. T[0] = 0
  and the g single-bit entries are the activations themselves; every other entry is an entry
  with one bit fewer plus one activation: 2^g - g - 1 adds (11 for g = 4);
* with symmetry (bits read as {-1, +1}; T[~i] = -T[i], so 2^(g-1) entries with a_(g-1) fixed
  positive are stored): the first entry is a sum of g terms, g - 1 adds; walking the other
  2^(g-1) - 1 sign patterns in Gray-code order, each differs from the previous one in one sign,
  T' = T -/+ 2 a_j, one add each: 2^(g-1) + g - 2 adds (10 for g = 4; ~half of 2^g - g - 1 for
  large g: 134 vs 247 at g = 8). 2 a_j is a wire shift for INT and an exponent increment for FP
  (g - 1 of them, counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from hwsim.errors import HwsimInputError
from hwsim.pe.base import DatapathFacts, spec_formats
from hwsim.pe.datapath import check_accumulator_width
from hwsim.formats import BlockFormat, FloatFormat, IntFormat, NumberFormat, Precision
from hwsim.pe.record import DatapathRecord
from hwsim.provenance import Sourced
from hwsim.tech import arith
from hwsim.tech.cells import MUX2, XOR2
from hwsim.tech.costs import COST_SOURCE, UnitCost, unit_cost
from hwsim.tech.netlist import Netlist
from hwsim.tech.nodes import TechPoint, as_tech_point

MAX_GROUP = 8          # the spec's bound (hwsim/pe/lut_spec.py: lut_group_size <= 8, 256-entry tables)
MAX_WEIGHT_BITS = 8    # weights 1-8 bits: the range (T-MAC and LUT Tensor Core run 1-4)
TABLE_STORAGES = ("registers", "sram")
SRAM_CELL = "lop"      # assumption: a table SRAM next to logic, CACTI itrs-lop cells (hwsim/memory/sram.py)


def adds_per_table(g: int, symmetry: bool) -> int:
    """Precompute additions for one table (derived in the module docstring)."""
    return 2 ** (g - 1) + g - 2 if symmetry else 2 ** g - g - 1


def stored_entries(g: int, symmetry: bool) -> int:
    return 2 ** (g - 1) if symmetry else 2 ** g


def _weight_element(fmt: NumberFormat):
    return fmt.element if isinstance(fmt, BlockFormat) else fmt


def _weights_ok(fmt: NumberFormat) -> bool:
    element = _weight_element(fmt)
    return isinstance(element, IntFormat) and 1 <= element.bits <= MAX_WEIGHT_BITS


def _weights_error(fmt: NumberFormat, field: str | None = "compute.pe.weights", where: str = "") -> HwsimInputError:
    prefix = f"{where}: " if where else ""
    return HwsimInputError(f"{prefix}weights '{fmt.name}' on a LUT PE: it indexes tables with integer weight "
                           "bit-planes", field=field, allowed="int1..int8, uint1..uint8, or group-scaled "
                                                             "integers such as int4@g128")


@dataclass(frozen=True)
class LutPE(DatapathFacts):
    weight_formats: tuple[NumberFormat, ...]
    activation_formats: tuple[NumberFormat, ...]
    accumulator: NumberFormat
    group_size: int = 4                # g: activations per table along K
    symmetry: bool = True
    table_storage: str = "registers"
    table_format: NumberFormat = IntFormat(8)
    bits_per_cycle: int = 1
    dot_product_width: int = 1
    published_energy_pj_per_cycle: float | None = None
    published_area_um2: float | None = None
    clock_mhz: float | None = None
    name: str = "lut"

    def __post_init__(self) -> None:
        if not 1 <= self.group_size <= MAX_GROUP:
            raise HwsimInputError(f"lut_group_size {self.group_size}", field="compute.pe.lut_group_size",
                                  allowed=f"1..{MAX_GROUP} activations per table")
        if self.table_storage not in TABLE_STORAGES:
            raise HwsimInputError(f"lut_table_storage '{self.table_storage}'", field="compute.pe.lut_table_storage",
                                  allowed=", ".join(TABLE_STORAGES))
        if self.bits_per_cycle < 1 or self.dot_product_width < 1:
            raise HwsimInputError("bits_per_cycle and dot_product_width must be positive", field="compute.pe")
        for fmt in self.weight_formats:
            if not _weights_ok(fmt):
                raise _weights_error(fmt)
        for fmt in self.activation_formats:
            if not isinstance(fmt, (IntFormat, FloatFormat)):
                raise HwsimInputError(f"activations '{fmt.name}' on a LUT PE: tables are sums of INT or FP "
                                      "activations", field="compute.pe.activations", allowed="e.g. int8, fp16")
        table = self.table_format
        if not isinstance(table, (IntFormat, FloatFormat)):
            raise HwsimInputError(f"table entries '{table.name}'", field="compute.pe.lut_table_format",
                                  allowed="an INT or FP format, e.g. int8, fp16")
        acc_fp = isinstance(self.accumulator, FloatFormat)
        if isinstance(table, FloatFormat) and not acc_fp:
            raise HwsimInputError(f"FP table entries ({table.name}) need an FP accumulator, not "
                                  f"'{self.accumulator.name}'", field="compute.pe.accumulator", allowed="fp16, fp32 ...")
        if self.bits_per_cycle > self.max_weight_bits:
            # a cycle looks up at most every bit-plane of the widest weight
            raise HwsimInputError(f"bits_per_cycle {self.bits_per_cycle} is more than the widest weight's "
                                  f"{self.max_weight_bits} bit-planes", field="compute.pe.bits_per_cycle",
                                  allowed=f"1..{self.max_weight_bits}")
        if acc_fp:
            # FP lookups and FP activations add into the accumulator: it must hold their exponent
            # range and significand (the MAC PE's rule, hwsim/pe/datapath.py)
            for a in self.activation_formats:
                check_accumulator_width(table, a, self.accumulator,
                                        f"compute.pe.accumulator (for {table.name} tables of {a.name} activations)")
        if isinstance(table, IntFormat):
            if acc_fp or not isinstance(self.accumulator, IntFormat):
                raise HwsimInputError(f"INT table entries ({table.name}) accumulate in an integer accumulator, not "
                                      f"'{self.accumulator.name}'", field="compute.pe.accumulator",
                                      allowed="int16, int24, int32 ...")
            need = table.bits + self.max_weight_bits - 1
            if self.accumulator.bits < need:
                raise HwsimInputError(f"accumulator '{self.accumulator.name}' is narrower than one shifted lookup "
                                      f"({table.bits} + {self.max_weight_bits} - 1 = {need} bits)",
                                      field="compute.pe.accumulator", allowed=f"int{need} or wider")

    # -- formats -----------------------------------------------------------------------------
    @property
    def max_weight_bits(self) -> int:
        return max(_weight_element(f).bits for f in self.weight_formats)

    @property
    def entries(self) -> int:
        return stored_entries(self.group_size, self.symmetry)

    @property
    def lanes(self) -> int:
        """Lookups per cycle: dot_product_width tables x bits_per_cycle bit-planes."""
        return self.dot_product_width * self.bits_per_cycle

    def check(self, precision: Precision, where: str) -> None:
        weights = precision.weights
        if not _weights_ok(weights):
            raise _weights_error(weights, field=None, where=where)
        if _weight_element(weights).bits > self.max_weight_bits:
            raise HwsimInputError(f"{where}: weights '{weights.name}' are wider than the LUT PE's "
                                  f"{self.max_weight_bits}-bit weights",
                                  allowed=f"int1..int{self.max_weight_bits} (and group-scaled ones)")
        if precision.activations not in self.activation_formats:
            raise HwsimInputError(f"{where}: activations format '{precision.activations.name}' is not supported by "
                                  "the lut PE", allowed=", ".join(f.name for f in self.activation_formats))

    def weight_bits(self, weights: NumberFormat) -> int:
        return _weight_element(weights).bits

    def cycles_per_step(self, weights: NumberFormat) -> int:
        return math.ceil(self.weight_bits(weights) / self.bits_per_cycle)

    # -- costs -------------------------------------------------------------------------------
    def lookup_cost(self, tech: TechPoint) -> UnitCost:
        """One lookup lane's share of a cycle (energy); area/leakage/delay: the whole cycle unit."""
        tech = as_tech_point(tech)
        return _cycle_cost(self, tech).per_operation(self.lanes)

    def table_cost_pj(self, activations: NumberFormat, tech: TechPoint) -> float:
        return _table_energy(self, activations, as_tech_point(tech))

    def record(self, precision: Precision, tech: TechPoint) -> DatapathRecord:
        return _record(self, precision, as_tech_point(tech))

    def energy_per_mac_pj(self, precision: Precision, tech: TechPoint) -> Sourced:
        record = self.record(precision, tech)
        bits = self.weight_bits(precision.weights)
        return Sourced(record.energy_per_mac_pj, "pJ",
                       f"derived: {bits} lookups x E_lookup / g = {self.group_size}; {COST_SOURCE}")

    def pipelined_paths_fo4(self) -> tuple[float, ...]:
        return ()  # one lookup cycle per cycle: no cost depends on the clock

    @property
    def scales_with_tech(self) -> bool:
        return self.published_energy_pj_per_cycle is None and self.published_area_um2 is None

    def datapath_cost(self, tech: TechPoint) -> UnitCost:
        """Area, leakage and delay of the PE: the cycle unit plus its table storage."""
        tech = as_tech_point(tech)
        unit = _cycle_cost(self, tech)
        store = _storage(self, tech)
        return UnitCost(unit.energy_pj, unit.area_um2 + store.area_um2, unit.leakage_uw + store.leakage_uw,
                        unit.delay_ns)



# -- netlists ---------------------------------------------------------------------------------
def _mux_tree(entries: int, bits: int) -> Netlist:
    """Read one of ``entries`` stored words: a tree of entries - 1 two-input muxes per bit,
    log2(entries) levels deep (derived)."""
    levels = max(0, math.ceil(math.log2(entries))) if entries > 1 else 0
    return Netlist.of({MUX2: (entries - 1) * bits}, levels * MUX2.delay_fo4)


def _tiny_sram(pe: LutPE, tech: TechPoint):
    """One table as a tiny SRAM (hwsim/memory/sram.py's model, extrapolated below its 8 KB anchor:
    an approximation; a port of one entry)."""
    from hwsim.memory.sram import sram_cost

    bits = pe.entries * pe.table_format.bits
    return sram_cost(bits / 8192.0, 1, pe.table_format.bits, tech, cell=SRAM_CELL)


def _lane(pe: LutPE) -> Netlist:
    """One lookup lane: index, table read (registers: mux tree; SRAM: priced apart), negate, shift."""
    g, table = pe.group_size, pe.table_format
    net = Netlist()
    if pe.symmetry and g > 1:   # the index's top bit conditionally inverts the other g - 1 bits
        net = net.then(Netlist.of({XOR2: g - 1}, XOR2.delay_fo4))
    if pe.table_storage == "registers":
        net = net.then(_mux_tree(pe.entries, table.bits))
    if pe.symmetry:             # T[~i] = -T[i]: INT: invert (the +1 is the adder's carry-in); FP: the sign bit
        net = net.then(Netlist.of({XOR2: table.bits if isinstance(table, IntFormat) else 1}, XOR2.delay_fo4))
    if pe.max_weight_bits > 1:  # weight bit j weighs 2^j
        if isinstance(table, FloatFormat):
            net = net.then(arith.int_adder(table.exponent_bits))   # exponent + j
        else:
            net = net.then(arith.shifter(table.bits + pe.max_weight_bits - 1, pe.max_weight_bits - 1))
    return net


@lru_cache(maxsize=1024)
def _cycle_cost(pe: LutPE, tech: TechPoint) -> UnitCost:
    """One cycle: ``lanes`` lookup lanes, an adder tree of lanes - 1 adders at the accumulator width,
    the accumulator, and the register holding the cycle's weight bit-plane indices."""
    acc = pe.accumulator
    lanes = pe.lanes
    net = _lane(pe).times(lanes)
    if lanes > 1:
        adder = arith.fp_adder(acc) if isinstance(acc, FloatFormat) else arith.int_adder(acc.bits)
        net = net.then(adder.times(lanes - 1))
    net = net.then(arith.accumulator(acc)).then(arith.register(lanes * pe.group_size))
    cost = unit_cost(net, tech)
    if pe.table_storage == "sram":
        sram = _tiny_sram(pe, tech)
        read = sram.read_pj_per_bit.value * pe.table_format.bits * lanes
        cost = UnitCost(cost.energy_pj + read, cost.area_um2, cost.leakage_uw, cost.delay_ns)
    return cost


@lru_cache(maxsize=256)
def _storage(pe: LutPE, tech: TechPoint) -> UnitCost:
    """The PE's tables (area, leakage): one per table read per cycle. Registers: entries x entry
    bits DFF cells per table (clock-gated between writes; write energy is per table); SRAM: one tiny
    SRAM per lookup lane (one read port each)."""
    if pe.table_storage == "registers":
        cost = unit_cost(arith.register(pe.entries * pe.table_format.bits * pe.dot_product_width), tech)
        return UnitCost(0.0, cost.area_um2, cost.leakage_uw, 0.0)
    sram = _tiny_sram(pe, tech)
    return UnitCost(0.0, sram.area_um2.value * pe.lanes, sram.leakage_uw.value * pe.lanes, 0.0)


def _fp_to_int(fp: FloatFormat, bits: int) -> Netlist:
    """Quantise one FP entry to a ``bits``-bit integer against the table's shared scale (derived:
    align the significand by the exponent difference, round, two's-complement the sign)."""
    return (arith.shifter(bits, bits).then(arith.incrementer(bits))
            .then(Netlist.of({XOR2: bits}, XOR2.delay_fo4)))


@lru_cache(maxsize=1024)
def _table_energy(pe: LutPE, activations: NumberFormat, tech: TechPoint) -> float:
    """Once per table: the precompute adds, activation/entry conversions and the table write."""
    g, table, entries = pe.group_size, pe.table_format, pe.entries
    adds = adds_per_table(g, pe.symmetry)
    net = Netlist()
    if isinstance(table, FloatFormat):
        if isinstance(activations, IntFormat):   # INT activations into FP tables: convert each once
            net = net.then(arith.int_to_fp(activations.bits, table).times(g))
        net = net.then(arith.fp_adder(table).times(adds))
        if pe.symmetry and g > 1:                # 2 a_j: exponent increments for the Gray-code walk
            net = net.then(arith.incrementer(table.exponent_bits).times(g - 1))
    elif isinstance(activations, FloatFormat):   # T-MAC: FP sums quantised to INT entries per table
        net = net.then(arith.fp_adder(activations).times(adds))
        if pe.symmetry and g > 1:
            net = net.then(arith.incrementer(activations.exponent_bits).times(g - 1))
        # the table's scale: a max-|entry| search (entries - 1 compares), then each entry quantised
        net = net.then(arith.comparator(activations.bits).times(max(entries - 1, 0)))
        net = net.then(_fp_to_int(activations, table.bits).times(entries))
    else:                                        # INT activations, INT entries: exact sums
        width = activations.bits + (math.ceil(math.log2(g)) if g > 1 else 0)
        net = net.then(arith.int_adder(width).times(adds))
        if width > table.bits:                   # requantise to the entry width (power-of-two scale)
            net = net.then(arith.comparator(width).times(max(entries - 1, 0)))
            net = net.then(arith.shifter(width, width - table.bits).then(arith.incrementer(table.bits))
                           .times(entries))
    energy = unit_cost(net, tech).energy_pj if net.all_cells() else 0.0
    bits = entries * table.bits
    if pe.table_storage == "registers":
        energy += unit_cost(arith.register(bits), tech).energy_pj   # one DFF write per entry bit
    else:
        energy += _tiny_sram(pe, tech).write_pj_per_bit.value * bits
    return energy


@lru_cache(maxsize=4096)
def _record(pe: LutPE, precision: Precision, tech: TechPoint) -> DatapathRecord:
    bits = pe.weight_bits(precision.weights)
    cycles = pe.cycles_per_step(precision.weights)
    g, dp = pe.group_size, pe.dot_product_width
    if pe.published_energy_pj_per_cycle is not None:
        per_mac = pe.published_energy_pj_per_cycle * cycles / (g * dp)
    else:
        per_mac = bits * pe.lookup_cost(tech).energy_pj / g
    weights = precision.weights
    group = weights if isinstance(weights, BlockFormat) else None
    if group is not None:
        from hwsim.pe.mac import _group_scale_cost

        group_energy = _group_scale_cost(group.scale, pe.accumulator, tech).energy_pj
    else:
        group_energy = 0.0
    return DatapathRecord(
        k_per_step=g * dp, cycles_per_step=cycles,
        energy_per_mac_pj=per_mac,
        energy_per_group_pj=group_energy, group_size=group.block_size if group else 1,
        energy_per_table_pj=_table_energy(pe, precision.activations, tech), table_entries=pe.entries,
        energy_convert_weights_pj=0.0, energy_convert_activations_pj=0.0,
        area_um2=pe.area_um2(tech).value, leakage_uw=pe.leakage_uw(tech).value,
        table_group=g)


def lut_pe_from_spec(spec, clock_mhz: float, source: str) -> LutPE:
    def formats(values, field):
        return spec_formats(values, field, source)

    try:
        return LutPE(formats(spec.weights, "compute.pe.weights"),
                     formats(spec.activations, "compute.pe.activations"),
                     formats(spec.accumulator, "compute.pe.accumulator")[0],
                     group_size=spec.lut_group_size, symmetry=spec.lut_symmetry,
                     table_storage=spec.lut_table_storage,
                     table_format=formats(spec.lut_table_format, "compute.pe.lut_table_format")[0],
                     bits_per_cycle=spec.bits_per_cycle, dot_product_width=spec.dot_product_width,
                     published_energy_pj_per_cycle=spec.energy_pj_per_cycle,
                     published_area_um2=spec.area_um2, clock_mhz=clock_mhz)
    except HwsimInputError as exc:
        raise exc.with_source(source) from None
