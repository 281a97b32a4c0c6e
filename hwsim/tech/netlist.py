"""A netlist summary: how many of each cell a unit holds, and its critical path.

Cells in ``ieee_add`` / ``ieee_mult`` are the floating-point control logic (exponent handling,
alignment and normalisation shifters, leading-zero count, rounding, special values) of FP adders
and FP multipliers; calibration gives each its own energy factor (hwsim/tech/calibration.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hwsim.tech.cells import Cell


@dataclass(frozen=True)
class Netlist:
    datapath: Counter = field(default_factory=Counter)   # Cell -> count
    ieee_add: Counter = field(default_factory=Counter)   # FP adder control logic
    ieee_mult: Counter = field(default_factory=Counter)  # FP multiplier control logic
    depth_fo4: float = 0.0

    @staticmethod
    def of(cells: dict[Cell, float], depth_fo4: float, ieee: str | None = None) -> "Netlist":
        counts = Counter({c: float(n) for c, n in cells.items() if n})
        return Netlist(counts, Counter(), Counter(), depth_fo4).as_ieee(ieee) if ieee else \
            Netlist(counts, Counter(), Counter(), depth_fo4)

    def _groups(self) -> tuple[Counter, Counter, Counter]:
        return self.datapath, self.ieee_add, self.ieee_mult

    def then(self, other: "Netlist") -> "Netlist":
        """``other`` after ``self`` on the critical path (depths add)."""
        return Netlist(*(a + b for a, b in zip(self._groups(), other._groups())), self.depth_fo4 + other.depth_fo4)

    def beside(self, other: "Netlist") -> "Netlist":
        """``other`` in parallel with ``self`` (the slower one sets the depth)."""
        return Netlist(*(a + b for a, b in zip(self._groups(), other._groups())),
                       max(self.depth_fo4, other.depth_fo4))

    def times(self, n: float) -> "Netlist":
        """``n`` copies side by side."""
        return Netlist(*(Counter({c: k * n for c, k in g.items()}) for g in self._groups()), self.depth_fo4)

    def as_ieee(self, kind: str) -> "Netlist":
        """The same cells, counted as the control logic of an FP 'add' or 'mult' unit."""
        everything = self.datapath + self.ieee_add + self.ieee_mult
        if kind == "add":
            return Netlist(Counter(), everything, Counter(), self.depth_fo4)
        if kind == "mult":
            return Netlist(Counter(), Counter(), everything, self.depth_fo4)
        raise ValueError(f"ieee kind {kind!r}")

    def all_cells(self) -> Counter:
        return self.datapath + self.ieee_add + self.ieee_mult
