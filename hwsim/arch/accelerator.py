"""The Accelerator: a validated spec turned into hardware models (PE, buffers, vector unit)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from hwsim.arch.spec import AcceleratorSpec
from hwsim.errors import HwsimInputError
from hwsim.formats import NumberFormat, parse_format
from hwsim.memory.sram import SramCost, sram_cost
from hwsim.pe import ProcessingElement
from hwsim.pe.mac import Conversion, MacPE
from hwsim.provenance import Sourced
from hwsim.tech.nodes import TechPoint, tech_point
from hwsim.workload.layer import Precision

BUFFER_ROLES = ("ifmap", "filter", "ofmap")

# The vector unit computes in FP16: each element op is costed as one FP16 multiply + one FP16 add
# (Horowitz ISSCC 2014), i.e. one FP16 MAC lane; derived, see docs/model-assumptions.md.
VECTOR_FORMAT = "fp16"


def _formats(values: list[str] | str, field: str, source: str) -> tuple[NumberFormat, ...]:
    items = values if isinstance(values, list) else [values]
    try:
        return tuple(parse_format(v) for v in items)
    except HwsimInputError as exc:
        raise HwsimInputError(exc.args[0], source=source, field=field) from None


@dataclass(frozen=True)
class Accelerator:
    spec: AcceleratorSpec
    source_file: str = ""

    def __post_init__(self) -> None:
        self.tech  # refuse unsupported nodes and voltages up front
        self.pe  # build (and validate) the PE and the default precision now
        for role in BUFFER_ROLES:
            self.sram(role)
        self.pe.check(self.default_precision, "default_precision")

    # -- models built from the spec -------------------------------------------------------
    @cached_property
    def pe(self) -> ProcessingElement:
        pe = self.spec.compute.pe
        src = self.source_file
        try:
            conversions = tuple(
                Conversion(c.operand, _formats(c.from_format, "compute.pe.conversions.from", src)[0],
                           _formats(c.to, "compute.pe.conversions.to", src)[0]) for c in pe.conversions)
            return MacPE(_formats(pe.weights, "compute.pe.weights", src),
                         _formats(pe.activations, "compute.pe.activations", src),
                         _formats(pe.accumulator, "compute.pe.accumulator", src)[0],
                         multiplier=pe.multiplier, decomposable=pe.decomposable, conversions=conversions,
                         clock_mhz=self.spec.clock_mhz)
        except HwsimInputError as exc:
            raise exc.with_source(src) from None

    @cached_property
    def tech(self) -> TechPoint:
        try:
            return tech_point(self.spec.tech_node_nm, self.spec.supply_voltage_v)
        except HwsimInputError as exc:
            raise exc.with_source(self.source_file) from None

    @cached_property
    def vector_lane(self) -> MacPE:
        fp = parse_format(VECTOR_FORMAT)
        return MacPE((fp,), (fp,), fp, name="vector-lane")

    @cached_property
    def default_precision(self) -> Precision:
        d = self.spec.default_precision
        src = self.source_file
        return Precision(
            _formats(d.weights, "default_precision.weights", src)[0],
            _formats(d.activations, "default_precision.activations", src)[0],
            _formats(d.outputs, "default_precision.outputs", src)[0],
            _formats(d.kv, "default_precision.kv", src)[0] if d.kv else None,
        )

    @property
    def accumulator(self) -> NumberFormat:
        return self.pe.accumulator

    def sram(self, role: str) -> SramCost:
        return self._srams[role]

    @cached_property
    def _srams(self) -> dict[str, SramCost]:
        buffers = self.spec.buffers
        return {role: sram_cost(getattr(buffers, role).size_kib, getattr(buffers, role).banks,
                                getattr(buffers, role).port_width_bits, self.tech)
                for role in BUFFER_ROLES}

    def buffer_working_bits(self, role: str) -> float:
        """Bits available to the current tile: half the buffer when double-buffered."""
        bits = getattr(self.spec.buffers, role).size_kib * 8192
        return bits / 2 if self.spec.buffers.double_buffered else bits

    # -- derived facts ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def rows(self) -> int:
        return self.spec.compute.rows

    @property
    def cols(self) -> int:
        return self.spec.compute.cols

    @property
    def dataflow(self) -> str:
        return self.spec.compute.dataflow

    @property
    def node_nm(self) -> float:
        return self.spec.tech_node_nm

    @property
    def freq_mhz(self) -> float:
        return self.spec.clock_mhz

    @property
    def num_pes(self) -> int:
        return self.rows * self.cols

    @property
    def peak_macs_per_cycle(self) -> float:
        return self.num_pes * self.pe.macs_per_cycle(self.default_precision)

    @property
    def peak_tops(self) -> float:
        """2 ops per MAC at the default precision."""
        return 2 * self.peak_macs_per_cycle * self.freq_mhz * 1e6 / 1e12

    @property
    def sram_kib(self) -> float:
        return sum(getattr(self.spec.buffers, r).size_kib for r in BUFFER_ROLES)

    @property
    def dram_bandwidth_gb_s(self) -> float:
        """Gigabytes per second (1e9 bytes); infinite for 'unlimited'."""
        return self.spec.dram.bandwidth * self.freq_mhz * 1e6 / 8 / 1e9

    @cached_property
    def area_breakdown_mm2(self) -> dict[str, float]:
        tech = self.tech
        parts = {
            "pe_array": self.num_pes * self.pe.area_um2(tech).value / 1e6,
            "converters": self.converter_area_um2 / 1e6,
            "vector_unit": self.spec.vector.lanes * self.vector_lane.area_um2(tech).value / 1e6,
        }
        for role in BUFFER_ROLES:
            parts[f"sram_{role}"] = self.sram(role).area_um2.value / 1e6
        parts["overhead"] = self.spec.area_overhead_fraction * sum(parts.values())
        return parts

    def _converter_lanes(self, conversion) -> int:
        """One converter per array edge lane the operand enters on: weights along the columns,
        activations along the rows (derived: a systolic array feeds operands from two edges)."""
        return self.cols if conversion.operand == "weights" else self.rows

    @property
    def converter_area_um2(self) -> float:
        return sum(self._converter_lanes(c) * c.cost(self.tech).area_um2 for c in self.pe.conversions)

    @property
    def area_mm2(self) -> float:
        return sum(self.area_breakdown_mm2.values())

    @cached_property
    def leakage_uw(self) -> Sourced:
        tech = self.tech
        converters = sum(self._converter_lanes(c) * c.cost(tech).leakage_uw for c in self.pe.conversions)
        total = (self.num_pes * self.pe.leakage_uw(tech).value + converters
                 + self.spec.vector.lanes * self.vector_lane.leakage_uw(tech).value
                 + sum(self.sram(r).leakage_uw.value for r in BUFFER_ROLES))
        return Sourced(total, "uW", "sum of PE, vector-lane and SRAM leakage models")

    def info(self) -> dict:
        return {
            "name": self.name,
            "source": self.spec.source,
            "rows": self.rows,
            "cols": self.cols,
            "dataflow": self.dataflow,
            "pe": self.pe.name,
            "tech_node_nm": self.node_nm,
            "supply_voltage_v": self.tech.vdd_v,
            "pe_critical_path_ns": self.pe.critical_path_ns(self.tech),
            "pe_max_clock_mhz": 1e3 / self.pe.critical_path_ns(self.tech),
            # derived: unpipelined critical path over the clock period; stages beyond one add
            # pipeline registers to the PE's energy and area
            "pe_pipeline_stages": self.pe.pipeline_stages(self.tech),
            "freq_mhz": self.freq_mhz,
            "peak_macs_per_cycle": self.peak_macs_per_cycle,
            "peak_tops": self.peak_tops,
            "area_mm2": self.area_mm2,
            "area_breakdown_mm2": self.area_breakdown_mm2,
            "sram_kib": self.sram_kib,
            # JSON has no infinity: unlimited bandwidth (SCALE-Sim CALC) is reported as null
            "dram_bandwidth_gb_s": None if math.isinf(self.dram_bandwidth_gb_s) else self.dram_bandwidth_gb_s,
            "dram_energy_pj_per_bit": self.spec.dram.energy_pj_per_bit,
            "leakage_uw": self.leakage_uw.value,
            "default_precision": {op: (getattr(self.default_precision, op).name
                                       if getattr(self.default_precision, op) else None)
                                  for op in ("weights", "activations", "outputs", "kv")},
            "accumulator": self.accumulator.name,
        }


def load_accelerator(name_or_path: str, overrides: list[str] | None = None) -> Accelerator:
    from hwsim.arch.loader import load_spec

    spec, path = load_spec(name_or_path, overrides)
    return Accelerator(spec, str(path))
