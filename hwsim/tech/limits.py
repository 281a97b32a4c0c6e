"""Physical floors and ceilings of the hardware a spec may describe, each with its source.

A value past one of these cannot be built (refused); a value inside them but past what one die
holds (an array larger than a reticle) runs and is flagged (``DesignBatch.exceeds_reticle``).

* Reticle: a scanner exposes at most a 26 mm x 33 mm field at wafer scale (the 4x-reduction
  field of ASML's NXT and NXE scanners, the limit every large die quotes, e.g. NVIDIA's 814 mm^2
  GH100 "at the reticle limit"): one die is at most 858 mm^2.
* Wafer: 300 mm is the largest wafer in production (SEMI M1); a wafer-scale engine (Cerebras
  WSE) is the most silicon one design can be: pi x 150^2 = 70,686 mm^2.
* Smallest cell: hwsim's flip-flop (Nangate DFF_X1, hwsim/tech/cells.py) at its smallest node
  (5 nm, hwsim/tech/nodes.py): a PE, a lane or a unit holds at least one register bit.
* Densest SRAM: TSMC N5's 0.021 um^2 high-density bit cell (Yeap et al., IEDM 2019).
* Shortest clock period: a pipeline stage is a register (hwsim's DFF: 4 FO4 clock-to-Q +
  setup, hwsim/tech/cells.py) plus at least 6 FO4 of logic; deeper pipelining loses more to
  register overhead than it gains (Hrishikesh et al., "The Optimal Logic Depth per Pipeline
  Stage is 6 to 8 FO4 Inverter Delays", ISCA 2002). An FO4 at a node and supply is the 45 nm
  FO4 times the node's delay factor (hwsim/tech/nodes.py).
* Energy: a DRAM access costs 1.3-2.6 nJ per 64 bits, 20-41 pJ/bit (Horowitz, ISSCC 2014);
  an FP32 multiply-add 3.7 + 0.9 pJ at 45 nm, 0.9 V (same table). No irreversible operation
  costs less than erasing one bit, kT ln 2 (Landauer, IBM J. Res. Dev. 5(3), 1961): at 300 K
  2.87e-21 J = 2.87e-9 pJ, the floor of every published energy per access, cycle or MAC.
"""

from __future__ import annotations

import math

import numpy as np

from hwsim.tech.calibration import HOROWITZ_ENERGY_PJ
from hwsim.tech.cells import DFF, FO4_PS_AT_45NM
from hwsim.tech.nodes import MAX_NODE_NM, MIN_NODE_NM, TechPoint

RETICLE_MM2 = 26.0 * 33.0            # ASML NXT/NXE exposure field
RETICLE_UM2 = RETICLE_MM2 * 1e6
WAFER_DIAMETER_MM = 300.0            # SEMI M1, the largest production wafer
WAFER_MM2 = math.pi * (WAFER_DIAMETER_MM / 2) ** 2
WAFER_UM2 = WAFER_MM2 * 1e6

# derived: one Nangate DFF_X1 at 5 nm (area factor of hwsim/tech/nodes.py)
SMALLEST_CELL_UM2 = DFF.area_um2 * TechPoint(MIN_NODE_NM).area_factor
# the reason of a published area's limits (a PE's, a PIM unit's): from one cell to one reticle
CELL_TO_RETICLE_TEXT = ("holds at least one flip-flop at 5 nm and fits in one lithography field, 26 mm x 33 mm "
                        "(hwsim/tech/limits.py)")
# derived: PEs of one smallest cell each, in a row as long as a wafer is wide / on a whole wafer
MAX_ARRAY_EDGE = math.floor(WAFER_DIAMETER_MM * 1e3 / math.sqrt(SMALLEST_CELL_UM2))
MAX_UNITS = math.floor(WAFER_UM2 / SMALLEST_CELL_UM2)

SRAM_BIT_CELL_UM2 = 0.021            # TSMC N5 HD SRAM, Yeap et al. IEDM 2019
MAX_SRAM_KIB = math.floor(WAFER_UM2 / SRAM_BIT_CELL_UM2 / 8192)   # derived: a wafer of N5 bit cells

MIN_LOGIC_FO4_PER_STAGE = 6.0        # Hrishikesh et al. ISCA 2002
MIN_CYCLE_FO4 = DFF.delay_fo4 + MIN_LOGIC_FO4_PER_STAGE

# Landauer 1961: kT ln 2 at 300 K (k = 1.380649e-23 J/K, SI 2019), in pJ
LANDAUER_PJ = 1.380649e-23 * 300.0 * math.log(2) * 1e12
LANDAUER_WHY = ("at least kT ln 2 = 2.87e-9 pJ at 300 K: erasing one bit (Landauer 1961), the least any "
                "irreversible access, cycle or MAC costs (hwsim/tech/limits.py)")
LANDAUER_TEXT = "kT ln 2 = 2.87e-9 pJ (Landauer 1961)"   # the same floor, within a longer reason

# the slowest clock a spec may state, in MHz (a design's, a PIM unit's)
MIN_CLOCK_MHZ = 1e-3
MIN_CLOCK_WHY = "at least 1 kHz: below the 32.768 kHz watch crystal, the slowest clock digital silicon runs from"

# Horowitz ISSCC 2014: DRAM 1.3-2.6 nJ per 64-bit access (<= 41 pJ/bit); 100 pJ/bit leaves 2.4x
# for older interfaces. An on-chip access (SRAM, a DRAM bank read inside the die) costs no more.
MAX_DRAM_PJ_PER_BIT = 100.0
# derived: the widest supply range's highest energy factor (130 nm at 1.8 V, hwsim/tech/nodes.py)
MAX_ENERGY_FACTOR = TechPoint(MAX_NODE_NM, 1.8).energy_factor
# derived: Horowitz's FP32 multiply + add at 45 nm, 0.9 V, scaled by the highest energy factor
MAX_MAC_PJ = (HOROWITZ_ENERGY_PJ[("fp_mult", 32)] + HOROWITZ_ENERGY_PJ[("fp_add", 32)]) * MAX_ENERGY_FACTOR
# The widest published dot-product PEs take 16 (Stripes, MICRO 2016) to 64 products per cycle
# (NVDLA's atomic-C); a PE wider than 1024 is an array, described by rows and cols.
MAX_DOT_PRODUCT_WIDTH = 1024
MAX_PE_ENERGY_PJ_PER_CYCLE = MAX_DOT_PRODUCT_WIDTH * MAX_MAC_PJ   # derived: every lane an FP32 MAC

# Control, interconnect and I/O beyond 10x the priced parts is not an accelerator this model prices
# (TPU v1's die: the unpriced share is ~0.7 of the rest, Jouppi et al. ISCA 2017 Fig. 2).
MAX_AREA_OVERHEAD_FRACTION = 10.0


def max_clock_mhz(tech: TechPoint) -> float:
    """The fastest clock at this node and supply (``max_clocks_mhz`` at one point)."""
    return float(max_clocks_mhz(tech.delay_factor))


def max_clocks_mhz(delay_factor):
    """The fastest clock at each point of ``delay_factor`` (hwsim/tech/nodes.py: delay_factors;
    a float or an array) (derived: 1 / (MIN_CYCLE_FO4 x FO4 at 45 nm x the node's delay factor))."""
    return 1e6 / (MIN_CYCLE_FO4 * FO4_PS_AT_45NM * np.asarray(delay_factor, dtype=np.float64))


CLOCK_LIMIT_TEXT = (f"a period of at least {MIN_CYCLE_FO4:g} FO4 (a register + 6 FO4 of logic, Hrishikesh et al. "
                    "ISCA 2002)")

# The idle floor (AcceleratorSpec.idle_floor_w): at most 1.2 kW, the board power of the most
# power-hungry shipped accelerator (NVIDIA B200 SXM, 1,000-1,200 W); per area, at most 1 W/mm^2,
# above any shipped chip's TDP density (B200: ~1,000 W over 2 x ~800 mm^2 dies = 0.63 W/mm^2).
MAX_IDLE_FLOOR_W = 1200.0
IDLE_FLOOR_WHY = "at most 1.2 kW: the board power of NVIDIA's B200 SXM, the most power-hungry shipped accelerator"
MAX_IDLE_FLOOR_W_PER_MM2 = 1.0
IDLE_FLOOR_DENSITY_WHY = ("at most 1 W/mm^2: above any shipped chip's TDP density (B200: ~1,000 W over two "
                          "~800 mm^2 dies, 0.63 W/mm^2)")
