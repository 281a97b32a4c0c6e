"""Placement: which fabric runs each (design point, layer), by the spec's own words.

* a layer the spec's pim.offload rule puts in memory runs on the ``pim`` fabric (the precision
  table's ``on_pim``, from hwsim/arch/pim.py's rule);
* any other GEMM-like layer runs on the fabric the spec names for its host: ``compute.kind``, or
  ``pim.host`` when compute is a PIM device (its host's array or a roofline);
* any other element-wise layer runs on the spec's vector unit.

The result is a mask per fabric name; the engine runs each fabric on its layers and names none.
"""

from __future__ import annotations

import numpy as np

IN_MEMORY_FABRIC = "pim"
ELEMENTWISE_FABRIC = "vector"


def host_gemm_fabric(spec) -> str:
    """The fabric name that runs a spec's GEMM-like layers when they are not offloaded to memory."""
    return spec.pim.host if spec.pim is not None else spec.compute.kind


def place(design, layers, on_pim: np.ndarray) -> dict[str, np.ndarray]:
    """{fabric name: (P, L) bool}, every (point, layer) in exactly one mask; ``on_pim`` (P, L)."""
    host = np.array([host_gemm_fabric(a.spec) for a in design.accelerators])[design.group]
    return fabric_masks(host, layers.is_gemm, on_pim)


def fabric_names(host: np.ndarray, is_gemm: np.ndarray, on_pim: np.ndarray) -> np.ndarray:
    """fabric_masks as names, (P, L) (the per-layer table's view of the same rule)."""
    names = np.empty(on_pim.shape, dtype=object)
    for name, mask in fabric_masks(host, is_gemm, on_pim).items():
        names[mask] = name
    return names


def fabric_masks(host: np.ndarray, is_gemm: np.ndarray, on_pim: np.ndarray) -> dict[str, np.ndarray]:
    """The rule: {fabric name: (P, L) bool} from each point's host fabric name ``host`` (P,), which
    layers are GEMM-like ``is_gemm`` (L,) and which run in memory ``on_pim`` (P, L)."""
    gemm = np.broadcast_to(is_gemm[None, :], on_pim.shape)
    masks: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(host.tolist()):
        masks[name] = gemm & ~on_pim & (host == name)[:, None]
    masks[ELEMENTWISE_FABRIC] = masks.get(ELEMENTWISE_FABRIC, False) | (~gemm & ~on_pim)
    masks[IN_MEMORY_FABRIC] = masks.get(IN_MEMORY_FABRIC, False) | on_pim
    return masks


def costed_both_ways(design) -> bool:
    """A spec whose pim.offload rule is 'faster' has each candidate layer costed in memory and on
    the host; the engine keeps the side with fewer cycles per (point, layer)."""
    return any(a.spec.pim is not None and a.spec.pim.offload == "faster" for a in design.accelerators)
