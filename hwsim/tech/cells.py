"""Primitive logic cells: the bricks every arithmetic unit is counted in.

Areas are the X1-drive cells of the Nangate 45 nm Open Cell Library (FreePDK45, typical
corner): every cell is a whole number of 0.19 um placement tracks on a 1.4 um row
(0.266 um^2 per track), listed next to each cell. Dynamic energy per toggle is taken
proportional to cell area (switched capacitance grows with the transistors a cell holds;
derived), with one energy density fitted to Horowitz's integer operations (see
hwsim/tech/calibration.py) - except the flip-flop, whose clock load makes it toggle every cycle:
its energy is Aladdin's register bit (0.009 pJ at 40 nm, Shao et al. ISCA 2014). Leakage is
proportional to area, at the density of Aladdin's 40 nm adder and multiplier (derived in
calibration.py). Delays are in FO4 inverter delays from logical effort (Weste & Harris, CMOS
VLSI Design, 4th ed., ch. 4 and 11); one FO4 at 45 nm is 16.2 ps, derived: 360 ps per um of
drawn gate length (Ho, Mai & Horowitz, "The Future of Wires", Proc. IEEE 2001) x 0.045 um.
"""

from __future__ import annotations

from dataclasses import dataclass

NANGATE45 = "Nangate 45 nm Open Cell Library (X1 cells; 0.266 um^2 per 0.19 um track x 1.4 um row)"
TRACK_UM2 = 0.19 * 1.4
FO4_PS_AT_45NM = 360.0 * 0.045  # Ho, Mai & Horowitz 2001: FO4 ~ 360 ps/um x L_drawn


@dataclass(frozen=True)
class Cell:
    name: str
    tracks: int          # Nangate X1 cell width in 0.19 um placement tracks
    delay_fo4: float     # input-to-output delay on the critical path, in FO4
    description: str

    @property
    def area_um2(self) -> float:
        return self.tracks * TRACK_UM2


# name: (tracks, FO4 delay, what it is). Delays: logical effort of each gate driving a
# fan-out of about 4 (Weste & Harris 4th ed.), rounded to half an FO4.
FULL_ADDER = Cell("full_adder", 16, 3.0, "FA_X1: 3-input sum and carry (carry path ~2 FO4, sum ~3)")
HALF_ADDER = Cell("half_adder", 10, 2.0, "HA_X1: 2-input sum and carry")
AND2 = Cell("and2", 4, 1.5, "AND2_X1: partial-product bit")
XOR2 = Cell("xor2", 6, 2.0, "XOR2_X1: sum bit, conditional invert, Booth sign")
MUX2 = Cell("mux2", 7, 2.0, "MUX2_X1: one bit of one shifter stage, operand swap")
AO21 = Cell("ao21", 5, 1.5, "AO21_X1: one parallel-prefix carry cell (g + p.g')")
DFF = Cell("flip_flop", 17, 4.0, "DFF_X1: one register bit (clock-to-Q + setup)")

CELLS = (FULL_ADDER, HALF_ADDER, AND2, XOR2, MUX2, AO21, DFF)

# Composite primitives named by issue #3, expressed in cells (derived):
# a leading-zero-counter bit = AO21 + AND2 (one node of the priority tree),
# a comparator bit = XOR2 + AND2 (bit equality + a node of the AND-reduction tree; magnitude
# compares in hwsim are subtractions, i.e. adders),
# a shifter stage bit = MUX2.
LZC_BIT = {AO21: 1, AND2: 1}
COMPARATOR_BIT = {XOR2: 1, AND2: 1}
SHIFTER_STAGE_BIT = {MUX2: 1}
