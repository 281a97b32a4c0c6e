"""Values that carry their unit and where they come from (Accelergy-style estimates)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sourced:
    """A number with its unit and its source: a paper + table, a datasheet or 'derived: <formula>'."""

    value: float
    unit: str
    source: str

    def scaled(self, factor: float, why: str) -> "Sourced":
        return Sourced(self.value * factor, self.unit, f"{self.source}; {why}")
