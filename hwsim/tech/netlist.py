"""A netlist summary: how many of each cell a unit holds, and its critical path.

Cells in ``ieee`` are the floating-point control logic (exponent handling, alignment and
normalisation shifters, leading-zero count, rounding, special values) of a stand-alone IEEE
unit; calibration gives them their own energy factor (see hwsim/tech/calibration.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hwsim.tech.cells import Cell


@dataclass(frozen=True)
class Netlist:
    datapath: Counter = field(default_factory=Counter)  # Cell -> count
    ieee: Counter = field(default_factory=Counter)      # Cell -> count (FP control logic)
    depth_fo4: float = 0.0

    @staticmethod
    def of(cells: dict[Cell, float], depth_fo4: float, ieee: bool = False) -> "Netlist":
        counts = Counter({c: float(n) for c, n in cells.items() if n})
        return Netlist(Counter(), counts, depth_fo4) if ieee else Netlist(counts, Counter(), depth_fo4)

    def then(self, other: "Netlist") -> "Netlist":
        """``other`` after ``self`` on the critical path (depths add)."""
        return Netlist(self.datapath + other.datapath, self.ieee + other.ieee, self.depth_fo4 + other.depth_fo4)

    def beside(self, other: "Netlist") -> "Netlist":
        """``other`` in parallel with ``self`` (the slower one sets the depth)."""
        return Netlist(self.datapath + other.datapath, self.ieee + other.ieee, max(self.depth_fo4, other.depth_fo4))

    def times(self, n: float) -> "Netlist":
        """``n`` copies side by side."""
        return Netlist(Counter({c: k * n for c, k in self.datapath.items()}),
                       Counter({c: k * n for c, k in self.ieee.items()}), self.depth_fo4)

    def as_ieee(self) -> "Netlist":
        """The same cells, counted as FP control logic."""
        return Netlist(Counter(), self.datapath + self.ieee, self.depth_fo4)

    def cell_count(self) -> float:
        return sum(self.datapath.values()) + sum(self.ieee.values())
