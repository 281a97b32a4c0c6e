"""Processing elements: one module each behind one small protocol.

A PE answers three questions for a layer's formats: can I run it (else a clear error), how many
MACs per cycle do I complete (1 for a bit-parallel MAC; fewer for bit-serial PEs, more for
precision-decomposable ones), and what does one MAC cost (energy, with the PE's area and
leakage as hardware facts that do not depend on the layer).
"""

from __future__ import annotations

from typing import Protocol

from hwsim.formats import NumberFormat
from hwsim.provenance import Sourced
from hwsim.tech.nodes import TechPoint
from hwsim.workload.layer import Precision


class ProcessingElement(Protocol):
    name: str

    def check(self, precision: Precision, where: str) -> None:
        """Raise HwsimInputError naming ``where`` if the PE cannot run these formats."""

    def macs_per_cycle(self, precision: Precision) -> float:
        """MACs one PE completes per cycle at these formats."""

    def computed(self, precision: Precision) -> Precision:
        """The formats the datapath computes in, after the PE's declared conversions."""

    def energy_per_mac_pj(self, precision: Precision, tech: TechPoint) -> Sourced:
        """Dynamic energy of one MAC at these formats."""

    def conversion_energy_pj(self, operand: str, fmt: NumberFormat, tech: TechPoint) -> float:
        """Energy to convert one stored element of ``operand`` into the datapath's format."""

    def area_um2(self, tech: TechPoint) -> Sourced:
        """Silicon area of one PE, sized for its widest supported formats."""

    def leakage_uw(self, tech: TechPoint) -> Sourced:
        """Static power of one PE."""
