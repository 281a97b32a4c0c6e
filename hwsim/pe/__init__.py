"""Processing elements: one module per PE type, registered by name (the spec's ``compute.pe.type``).

A PE answers, for a layer's formats: can I run it (else a clear error naming the layer, the
operand and what is allowed), and what is my datapath record (hwsim.pe.record): spatial packing
along K, cycles per streamed step, energy per MAC / per group / per table / per converted
element, area and leakage. Fabrics apply the record; nothing else about a PE leaks into them.

A new PE type is one module with a builder ``(PESpec, clock_mhz) -> ProcessingElement`` added to
``PE_TYPES`` (docs/extending.md).
"""

from __future__ import annotations

from typing import Callable, Protocol

from hwsim.formats import NumberFormat, Precision
from hwsim.pe.record import DatapathRecord
from hwsim.tech.nodes import TechPoint


class ProcessingElement(Protocol):
    name: str
    weight_formats: tuple[NumberFormat, ...]
    activation_formats: tuple[NumberFormat, ...]
    accumulator: NumberFormat

    def check(self, precision: Precision, where: str) -> None:
        """Raise HwsimInputError naming ``where`` if the PE cannot run these formats."""

    def record(self, precision: Precision, tech: TechPoint) -> DatapathRecord:
        """The datapath record at these formats and this technology point."""

    def area_um2(self, tech: TechPoint):
        """Silicon area of one PE (Sourced, um2), sized for its widest supported formats."""

    def leakage_uw(self, tech: TechPoint):
        """Static power of one PE (Sourced, uW)."""

    def critical_path_ns(self, tech: TechPoint) -> float:
        """Unpipelined critical path."""

    def pipeline_stages(self, tech: TechPoint) -> int:
        """Stages at the PE's clock."""


def _build_mac(spec, clock_mhz: float, source: str):
    from hwsim.pe.mac import mac_pe_from_spec

    return mac_pe_from_spec(spec, clock_mhz, source)


def _build_bitserial(spec, clock_mhz: float, source: str):
    from hwsim.pe.bitserial import bitserial_pe_from_spec

    return bitserial_pe_from_spec(spec, clock_mhz, source)


def _build_lut(spec, clock_mhz: float, source: str):
    from hwsim.pe.lut import lut_pe_from_spec

    return lut_pe_from_spec(spec, clock_mhz, source)


def _build_shiftadd(spec, clock_mhz: float, source: str):
    from hwsim.pe.shiftadd import shiftadd_pe_from_spec

    return shiftadd_pe_from_spec(spec, clock_mhz, source)


# PE type name -> builder(PESpec, clock_mhz, source file) -> ProcessingElement
PE_TYPES: dict[str, Callable] = {"mac": _build_mac, "bitserial": _build_bitserial}
PE_TYPES["lut"] = _build_lut
PE_TYPES["shiftadd"] = _build_shiftadd


def build_pe(spec, clock_mhz: float, source: str = "") -> ProcessingElement:
    return PE_TYPES[spec.type](spec, clock_mhz, source)


__all__ = ["DatapathRecord", "PE_TYPES", "ProcessingElement", "build_pe"]
