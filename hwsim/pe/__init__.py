"""Processing elements: one module per PE type, registered by name (the spec's ``compute.pe.type``).

A PE answers, for a layer's formats: can I run it (else a clear error naming the layer, the
operand and what is allowed), and what is my datapath record (hwsim.pe.record): spatial packing
along K, cycles per streamed step, energy per MAC / per group / per table / per converted
element, area and leakage. Fabrics apply the record; nothing else about a PE leaks into them.

A new PE type is its module, its spec section ``hwsim/pe/<type>_spec.py`` (a ``PESection`` with a
``type`` literal and a ``build`` method, found by name) and a preset (docs/extending.md).
"""

from __future__ import annotations

from typing import Protocol

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
        """Placed silicon area of one PE (Sourced, um2), sized for its widest supported formats:
        its cell count x the place-and-route factor (hwsim/pe/placement.py), or a published area."""

    def area_um2_cells(self, tech: TechPoint):
        """The same area as a cell count, without the place-and-route factor (Sourced, um2)."""

    def leakage_uw(self, tech: TechPoint):
        """Static power of one PE (Sourced, uW)."""

    def critical_path_ns(self, tech: TechPoint) -> float:
        """Unpipelined critical path."""

    def pipeline_stages(self, tech: TechPoint) -> int:
        """Stages at the PE's clock."""

    def pipelined_paths_fo4(self) -> tuple[float, ...]:
        """Unpipelined depths (FO4) of every path whose pipeline depth the clock sets; the PE's
        costs depend on its clock only through hwsim.pe.datapath.stages_at of these paths (empty:
        the clock changes no cost)."""

    @property
    def scales_with_tech(self) -> bool:
        """True when every cost is the tech model's (no published figure): each energy, area and
        leakage at a node and supply is its value at 45 nm, 0.9 V times the node's energy, area
        and leakage factor (hwsim/tech/costs.py), with the same pipeline depths."""


def _discover() -> dict[str, type]:
    """PE type name -> its spec section class, from every ``hwsim/pe/<type>_spec.py`` module
    (sorted by module name, so the order is the same on every machine). A new PE type is found
    here without editing this file."""
    import importlib
    import pkgutil

    from hwsim.pe.spec_base import PESection

    found: dict[str, type] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.endswith("_spec") or info.name == "spec_base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, PESection) and value.TYPE and \
                    value.__module__ == module.__name__:
                found[value.TYPE] = value
    # the conventional order: the MAC PE first, as the error messages list it
    return dict(sorted(found.items(), key=lambda item: (item[0] != "mac", item[0])))


# PE type name -> its ``compute.pe`` section (a PESection subclass whose ``build`` makes the PE)
PE_TYPES: dict[str, type] = _discover()


def build_pe(spec, clock_mhz: float, source: str = "") -> ProcessingElement:
    """The PE a validated ``compute.pe`` section describes."""
    return spec.build(clock_mhz, source)


__all__ = ["DatapathRecord", "PE_TYPES", "ProcessingElement", "build_pe"]
