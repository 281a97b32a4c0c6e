"""The mapper's objectives (spec key ``mapping_objective``): each a name, the code the compiled
mapper dispatches on, and the quantity it minimises over a layer's candidate tilings.

The energy terms are the ones a tiling changes: DRAM bits at the DRAM's and the mean buffer's pJ
per bit (every DRAM bit is also written into or read out of a buffer), and leakage over the
layer's cycles (derived: a slower tiling leaks longer). MAC energy is the same for every tiling.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Objective:
    name: str
    code: int
    minimises: str


OBJECTIVES = (
    Objective("latency", 0, "total cycles"),
    Objective("energy", 1, "DRAM bits x (E_dram + E_sram mean) + leakage pJ per cycle x total cycles"),
    Objective("edp", 2, "the energy above x total cycles"),
)
OBJECTIVE_CODES = {o.name: o.code for o in OBJECTIVES}
LATENCY, ENERGY, EDP = (OBJECTIVE_CODES[name] for name in ("latency", "energy", "edp"))
