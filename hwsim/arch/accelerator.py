"""The Accelerator: a validated spec turned into hardware models (PE, tech point, defaults).

Per-design figures that a sweep varies (array shape, buffers, bandwidth, area, leakage) are
computed in one vectorised place, hwsim.arch.design; an Accelerator is the one-design case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from hwsim.arch.spec import BUFFER_ROLES, AcceleratorSpec  # noqa: F401  (BUFFER_ROLES re-exported)
from hwsim.errors import HwsimInputError
from hwsim.formats import NumberFormat, Precision, parse_format
from hwsim.pe import ProcessingElement, build_pe
from hwsim.pe.mac import MacPE
from hwsim.tech.nodes import REFERENCE_NODE_NM, REFERENCE_VDD_V, TechPoint, tech_point


# The vector unit computes in FP16: each element op is costed as one FP16 multiply + one FP16 add
# (Horowitz ISSCC 2014), i.e. one FP16 MAC lane; derived, see docs/model-assumptions.md.
VECTOR_FORMAT = "fp16"


def _formats(values: list[str] | str, field: str, source: str) -> tuple[NumberFormat, ...]:
    items = values if isinstance(values, list) else [values]
    try:
        return tuple(parse_format(v) for v in items)
    except HwsimInputError as exc:
        raise HwsimInputError(exc.message, source=source, field=field, allowed=exc.allowed) from None


@dataclass(frozen=True, eq=False)
class Accelerator:
    spec: AcceleratorSpec
    source_file: str = ""

    def __post_init__(self) -> None:
        self.tech  # refuse unsupported nodes and voltages up front
        self.pe  # build (and validate) the PE and the default precision now
        try:
            self.pe.check(self.default_precision, "default_precision")
        except HwsimInputError as exc:
            raise exc.with_source(self.source_file) from None
        psum_bits = self.spec.buffers.psum_bits
        if psum_bits is not None and psum_bits > self.accumulator.bits_per_element:
            raise HwsimInputError(f"{psum_bits} bits is wider than the {self.accumulator.bits_per_element:g}-bit "
                                  "accumulator that produces the partial sums", source=self.source_file,
                                  field="buffers.psum_bits",
                                  allowed=f"1..{self.accumulator.bits_per_element:g}, or unset")

    @property
    def psum_bits(self) -> float:
        """Bits a partial sum is stored and moved with outside the PEs (buffers.psum_bits, else the
        accumulator's width)."""
        psum_bits = self.spec.buffers.psum_bits
        return float(self.accumulator.bits_per_element if psum_bits is None else psum_bits)

    @cached_property
    def pe(self) -> ProcessingElement:
        return build_pe(self.spec.compute.pe, self.spec.clock_mhz, self.source_file)

    @cached_property
    def tech(self) -> TechPoint:
        try:
            return tech_point(self.spec.tech_node_nm, self.spec.supply_voltage_v)
        except HwsimInputError as exc:
            raise exc.with_source(self.source_file) from None

    @cached_property
    def pim(self):
        """The PIM device (compute.kind 'pim'), else None."""
        if self.spec.pim is None:
            return None
        from hwsim.arch.pim import PimDevice

        dram = self.spec.dram
        tech = self.tech
        if self.spec.pim.logic_node_nm is not None:
            try:
                tech = tech_point(self.spec.pim.logic_node_nm, None)
            except HwsimInputError as exc:
                raise HwsimInputError(exc.message, source=self.source_file, field="pim.logic_node_nm",
                                      allowed=exc.allowed) from None
        return PimDevice(self.spec.pim, dram.timing, dram.channel_count, tech, self.source_file)

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

    @property
    def scales_with_tech(self) -> bool:
        """Every cost a node or supply changes is the tech model's, so this design priced at 45 nm,
        0.9 V times a node's factors is the design at that node (``at_reference``). Not so with a
        published PE figure (at its own node), nor with PIM units (their logic node is their own and
        the PIM fabric times the host at the spec's clock)."""
        return self.spec.pim is None and self.pe.scales_with_tech

    def at_reference(self, reference_clock_mhz: float, source: str = "") -> "Accelerator":
        """This design at the tech model's reference point (45 nm, 0.9 V), clocked at
        ``reference_clock_mhz`` (hwsim.pe.datapath.reference_clock_mhz): its PE has the pipeline
        depths the design has at every (clock, node, supply) of that reference clock, and, when it
        ``scales_with_tech``, its costs times a node's energy, area and leakage factors are the
        costs at that node. The point's own clock and node are checked where they are given
        (hwsim/arch/design.py), so the spec is copied, not validated again."""
        spec = self.spec.model_copy(update={"clock_mhz": float(reference_clock_mhz),
                                            "tech_node_nm": REFERENCE_NODE_NM, "supply_voltage_v": REFERENCE_VDD_V})
        return Accelerator(spec, source or self.source_file)

    @cached_property
    def design(self):
        """This accelerator as a one-point design batch (area, leakage, bandwidths)."""
        from hwsim.arch.design import design_batch

        return design_batch(self)

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
        record = self.pe.record(self.default_precision, self.tech)
        return self.num_pes * record.k_per_step / record.cycles_per_step

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
        return self.spec.dram.bandwidth

    @property
    def area_breakdown_mm2(self) -> dict[str, float]:
        return {part: float(values[0]) for part, values in self.design.area_parts_mm2.items()}

    @property
    def area_mm2(self) -> float:
        return float(self.design.area_mm2[0])

    @property
    def leakage_uw(self) -> float:
        return float(self.design.leakage_uw[0])

    def info(self) -> dict:
        return {
            "name": self.name,
            "source": self.spec.source,
            "rows": self.rows,
            "cols": self.cols,
            "dataflow": self.dataflow,
            "mapping": self.spec.mapping,
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
            # the PE array as a cell count, without the place-and-route factor (hwsim/pe/placement.py)
            # that area_breakdown_mm2["pe_array"] carries; equal to it for a published PE area
            "pe_array_cells_mm2": self.num_pes * self.pe.area_um2_cells(self.tech).value / 1e6,
            "sram_kib": self.sram_kib,
            # JSON has no infinity: unlimited bandwidth (SCALE-Sim CALC) is reported as null
            "dram_bandwidth_gb_s": None if math.isinf(self.dram_bandwidth_gb_s) else self.dram_bandwidth_gb_s,
            "dram_energy_pj_per_bit": self.spec.dram.energy,
            "leakage_uw": self.leakage_uw,
            # DRAM background + refresh power (in leakage_uw too) where dram.standard gives currents
            "dram_static_mw": float(self.design.static_parts_uw["dram_device"][0]) / 1e3,
            # the accelerator-side DRAM PHYs' power (in leakage_uw too; hwsim.memory.dram.phy_mw)
            "dram_phy_mw": float(self.design.static_parts_uw["dram_phy"][0]) / 1e3,
            # static power beyond leakage, DRAM and PHYs (in leakage_uw too; spec idle_floor_w)
            "idle_floor_w": float(self.design.static_parts_uw["idle_floor"][0]) / 1e6,
            # JSON has no infinity: no capacity declared (no dram.standard, no dram.capacity_gib) is null
            "dram_capacity_gib": (None if math.isinf(self.design.dram_capacity_bits[0])
                                  else float(self.design.dram_capacity_bits[0]) / 2 ** 33),
            "default_precision": {op: (getattr(self.default_precision, op).name
                                       if getattr(self.default_precision, op) else None)
                                  for op in ("weights", "activations", "outputs", "kv")},
            "accumulator": self.accumulator.name,
            **self._pim_info(),
        }

    def _pim_info(self) -> dict:
        pim = self.pim
        if pim is None:
            return {}
        return {
            "dram_standard": self.spec.dram.standard,
            "dram_channels": pim.channels,
            "pim_units": pim.units,
            "pim_lanes_per_unit": pim.spec.lanes_per_unit,
            "pim_lane_format": pim.lane_formats[0].name,
            "pim_unit_clock_mhz": pim.spec.unit_clock_mhz,
            # derived: lanes x 2 FLOP x unit clock x units, in the first (native) lane format
            "peak_tflops": pim.peak_tflops(),
            "pim_peak_tops_by_format": {f.name: pim.peak_tflops(f) for f in pim.lane_formats},
            "pim_area_mm2": pim.area_mm2(),
        }


def load_accelerator(name_or_path: str, overrides: list[str] | None = None) -> Accelerator:
    from hwsim.arch.loader import load_spec

    spec, path = load_spec(name_or_path, overrides)
    return Accelerator(spec, str(path))
