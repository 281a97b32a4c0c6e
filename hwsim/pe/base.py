"""What every PE type shares: its facts derived from one datapath cost, and spec format parsing."""

from __future__ import annotations

from hwsim.errors import HwsimInputError
from hwsim.formats import NumberFormat, parse_format
from hwsim.pe.datapath import pipeline_stages
from hwsim.provenance import Sourced
from hwsim.tech.costs import COST_SOURCE
from hwsim.tech.nodes import TechPoint


class DatapathFacts:
    """Area, leakage, critical path and pipeline depth of a PE from its ``datapath_cost(tech)``
    (a UnitCost); a published area (``published_area_um2``, when the PE has one) wins."""

    def area_um2(self, tech: TechPoint) -> Sourced:
        """Placed area: the cell count x the place-and-route factor (hwsim/pe/placement.py), or a
        published area as given (a published PE area is of a placed PE already: not multiplied)."""
        published = getattr(self, "published_area_um2", None)
        if published is not None:
            return Sourced(published, "um2", "spec: compute.pe.area_um2 (published)")
        from hwsim.pe.placement import PLACEMENT_SOURCE, placement_factor

        return Sourced(self.datapath_cost(tech).area_um2 * placement_factor(tech.node_nm), "um2",
                       f"{COST_SOURCE} x {PLACEMENT_SOURCE}")

    def area_um2_cells(self, tech: TechPoint) -> Sourced:
        """The cell-count area (no wiring), or the published area where the PE has one."""
        published = getattr(self, "published_area_um2", None)
        if published is not None:
            return Sourced(published, "um2", "spec: compute.pe.area_um2 (published)")
        return Sourced(self.datapath_cost(tech).area_um2, "um2", COST_SOURCE)

    def leakage_uw(self, tech: TechPoint) -> Sourced:
        return Sourced(self.datapath_cost(tech).leakage_uw, "uW", COST_SOURCE)

    def critical_path_ns(self, tech: TechPoint) -> float:
        """Unpipelined critical path of the widest datapath."""
        return self.datapath_cost(tech).delay_ns

    def pipeline_stages(self, tech: TechPoint) -> int:
        return pipeline_stages(self.critical_path_ns(tech), self.clock_mhz)


def spec_formats(values, field: str, source: str) -> tuple[NumberFormat, ...]:
    """A spec's format list (or one name) parsed; a bad name names the file and the field."""
    items = values if isinstance(values, list) else [values]
    try:
        return tuple(parse_format(v) for v in items)
    except HwsimInputError as exc:
        raise HwsimInputError(exc.message, source=source, field=field, allowed=exc.allowed) from None
