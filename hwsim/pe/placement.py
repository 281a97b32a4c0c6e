"""Area with its wiring: the place-and-route factor between a cell count and a placed PE.

hwsim's PE area is a cell count (hwsim/tech: Nangate cells x the Aladdin layout factor). A
synthesised, placed and routed PE is larger: wires between cells, placement density below 100 %,
clock-tree buffers, hold-fix and drive-strength upsizing, pipeline registers a tool inserts. One
factor, ``placed area / cell area``, is fitted here by least squares in log space (so over- and
under-estimates weigh alike) to published PE areas, which gives the closed form

    factor = exp(mean(log(published_um2 / cells_um2)))   over the fitted points.

It multiplies the PE, format-converter and vector-lane area (the logic an array is made of); SRAM
macros (CACTI figures are of placed macros already), DRAM PHYs and published PE areas
(``compute.pe.area_um2``, already placed) are not multiplied. Leakage stays the cell count's
(wires do not leak; the inserted buffers' leakage is not modelled). Energy is unchanged.

**One factor for every node.** Every point below is at 28 nm (BitMoD's synthesis, TPU v1), so the
data cannot resolve a per-node factor; a ratio of placed to cell area is node-independent when
wire pitch and cell height shrink together (both follow Stillmaker & Baas's area factor, which
scales the cell count already). ``placement_factor(node_nm)`` returns the one factor and names the
node range the data covers.

Points: each published area, the MAC PE hwsim counts for it (weights x activations ->
accumulator, built by hwsim.pe.datapath.mac_cost) and whether it is fitted or held out. The
held-out point checks the factor against a figure it was not fitted to (issue #19: within 1.5x).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from hwsim.formats import parse_format
from hwsim.tech.nodes import tech_point

BITMOD = ("BitMoD (Chen et al., HPCA 2025, arXiv 2411.11745) 28 nm synthesis, as its simulator's "
          "constants: ../shared/reference/bitmod/designs.json")
TPU_V1 = "Jouppi et al., In-Datacenter Performance Analysis of a TPU, ISCA 2017 (Sec. 2, Fig. 2)"

# TPU v1: the matrix unit is 24 % of the die (Fig. 2 floor plan) and the die is at most 331 mm2
# (Sec. 2: "less than half the size of" a 662 mm2 Haswell); 256 x 256 MACs.
# derived: 0.24 x 331e6 um2 / 65536 = 1212.16 um2 per MAC (an upper bound: the die is <= 331 mm2)
TPU_V1_MATRIX_UNIT_UM2_PER_MAC = 0.24 * 331e6 / (256 * 256)


@dataclass(frozen=True)
class PlacedPePoint:
    """One published placed PE area and the MAC PE hwsim counts for it."""

    name: str
    node_nm: float
    published_um2: float
    weights: str          # hwsim format names of the PE hwsim counts for it
    activations: str
    accumulator: str
    held_out: bool        # True: not in the fit, a check of it
    source: str
    note: str

    def cells_um2(self) -> float:
        """hwsim's cell-count area of this PE at its node (unpipelined: the published clocks are
        within one stage of a 28 nm MAC, so no pipeline registers are counted)."""
        from hwsim.pe.datapath import mac_cost

        return mac_cost(parse_format(self.weights), parse_format(self.activations),
                        parse_format(self.accumulator), tech_point(self.node_nm)).area_um2


PLACED_PE_POINTS: tuple[PlacedPePoint, ...] = (
    PlacedPePoint(
        "BitMoD FP16 baseline PE", 28, 1968.7, "fp16", "fp16", "fp16", False, BITMOD + ' designs["fp16/*"].pe_area_um2',
        "FP16 x FP16 MAC; FP16 accumulation: common.activation_bits = common.output_bits = 16"),
    PlacedPePoint(
        "BitMoD's ANT / OliVe PE", 28, 1318.6, "int8", "fp16", "fp16", False,
        BITMOD + ' designs["ant/*"], designs["olive/*"].pe_area_um2',
        "weight decoded to an integer (assumption: at most 8 bits) x FP16 activation, FP16 accumulation "
        "(common.activation_bits = common.output_bits = 16); the weight decoder is not counted"),
    PlacedPePoint(
        "TPU v1 matrix unit, per MAC", 28, TPU_V1_MATRIX_UNIT_UM2_PER_MAC, "int8", "int8", "int32", True, TPU_V1,
        "derived: 24 % of a <= 331 mm2 die / 65,536 MACs (an upper bound); INT8 x INT8 -> INT32 "
        "(Sec. 2: 8-bit MACs, 32-bit accumulators); a floor-plan block, not a PE synthesis: the independent check"),
)

# Not used, and why:
# * BitMoD's own bit-serial PE (1507.7 um2, designs["bitmod_*"]): hwsim's bitserial preset PE is a
#   stand-in for BitMoD's cycle counts (8-bit serial weights x 4 lanes), not its netlist; its cell
#   count (3139 um2 at 28 nm) is not a model of the synthesised PE.
# * LUT Tensor Core (Mo et al., ISCA 2025) and MixPE tables: not found in the stored public corpora
#   this was built from (searched); add them here with their table numbers when at hand.


@dataclass(frozen=True)
class PlacementFit:
    factor: float                      # placed / cell area, every node
    fitted: tuple[PlacedPePoint, ...]
    held_out: tuple[PlacedPePoint, ...]
    node_range_nm: tuple[float, float]  # the nodes the data covers


@lru_cache(maxsize=1)
def placement_fit() -> PlacementFit:
    """The least-squares fit in log space over the points not held out (its closed form: the
    geometric mean of published / cells)."""
    fitted = tuple(p for p in PLACED_PE_POINTS if not p.held_out)
    logs = [math.log(p.published_um2 / p.cells_um2()) for p in fitted]
    nodes = [p.node_nm for p in PLACED_PE_POINTS]
    return PlacementFit(math.exp(sum(logs) / len(logs)), fitted,
                        tuple(p for p in PLACED_PE_POINTS if p.held_out), (min(nodes), max(nodes)))


def placement_factor(node_nm: float | None = None) -> float:
    """Placed over cell-count area. One factor for every node (module docstring: the data are all
    at 28 nm and the ratio is taken as node-independent); ``node_nm`` is accepted so that callers
    state the node they price at."""
    return placement_fit().factor


PLACEMENT_SOURCE = ("place-and-route factor fitted to published placed PE areas (hwsim/pe/placement.py: "
                    "BitMoD HPCA 2025 28 nm PEs; held out: TPU v1 ISCA 2017 floor plan)")


def _factor_without(left_out: PlacedPePoint) -> float:
    """The fit over the fitted points other than ``left_out`` (leave-one-out)."""
    logs = [math.log(p.published_um2 / p.cells_um2()) for p in placement_fit().fitted if p is not left_out]
    return math.exp(sum(logs) / len(logs))


def placement_table():
    """Every point with its cell count, hwsim's placed area (cells x factor), the published area,
    the ratio, whether it was fitted, and ``ratio_left_out``: the ratio with the factor fitted
    without that point (leave-one-out; for the held-out point the same as ``ratio``). Printed by
    ``hwsim calibrate`` (table ``placement``)."""
    import pandas as pd

    fit = placement_fit()
    rows = []
    for p in PLACED_PE_POINTS:
        cells = p.cells_um2()
        placed = cells * fit.factor
        rows.append((p.name, p.node_nm, f"{p.weights} x {p.activations} -> {p.accumulator}", cells, fit.factor,
                     placed, p.published_um2, placed / p.published_um2, cells * _factor_without(p) / p.published_um2,
                     "held out" if p.held_out else "fitted", p.source))
    return pd.DataFrame(rows, columns=["point", "node_nm", "pe", "area_um2_cells", "factor", "area_um2",
                                       "published_um2", "ratio", "ratio_left_out", "use", "source"])
