"""Technology-node scaling of energy and area, relative to 45 nm.

Factors for 28 nm and 7 nm are the Stillmaker & Baas (Integration 58, 2017) equations at 0.8 V
as tabulated in ../shared/reference/tech/node_scaling_from_45nm.csv. 40 nm (the node of the
Aladdin primitive table) uses classical constant-voltage scaling: energy ~ C ~ L, area ~ L^2
(derived). Nodes without a sourced pair of factors are refused rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwsim.errors import HwsimInputError


@dataclass(frozen=True)
class NodeScaling:
    energy_factor: float
    area_factor: float
    source: str


NODE_SCALING_FROM_45NM: dict[int, NodeScaling] = {
    45: NodeScaling(1.0, 1.0, "identity"),
    40: NodeScaling(40 / 45, (40 / 45) ** 2, "derived: classical scaling, energy ~ L, area ~ L^2"),
    28: NodeScaling(0.367, 0.293, "Stillmaker & Baas 2017 equations at 0.8 V (shared/reference/tech)"),
    7: NodeScaling(0.0943, 0.059, "Stillmaker & Baas 2017 equations at 0.8 V (shared/reference/tech)"),
}

# Leakage power scales like dynamic energy per op at fixed frequency (~ C V^2) to first order;
# derived, and stated in docs/model-assumptions.md.


def node_scaling(node_nm: int) -> NodeScaling:
    try:
        return NODE_SCALING_FROM_45NM[node_nm]
    except KeyError:
        raise HwsimInputError(f"technology node {node_nm} nm has no sourced scaling factors",
                              field="tech_node_nm",
                              allowed=", ".join(str(n) for n in sorted(NODE_SCALING_FROM_45NM))) from None


def scale_from(node_from_nm: int, node_to_nm: int) -> tuple[float, float]:
    """(energy factor, area factor) that take a cost at ``node_from_nm`` to ``node_to_nm``."""
    a, b = node_scaling(node_from_nm), node_scaling(node_to_nm)
    return b.energy_factor / a.energy_factor, b.area_factor / a.area_factor
