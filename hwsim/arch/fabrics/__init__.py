"""Compute fabrics: each takes its layers and the design batch and returns typed counts.

A fabric is one module with a ``count(job) -> Counts`` function registered in ``FABRICS``; the
engine places each layer on a fabric (GEMM-like layers on the spec's ``compute.kind``, element-
wise ops on the vector unit) and one pricing step turns every fabric's counts into energy.
The PIM fabric (pim.py) runs the layers the spec's pim.offload rule places in memory.
"""

from __future__ import annotations

from hwsim.arch.fabrics.base import Counts, FabricJob
from hwsim.arch.fabrics.systolic import count_systolic
from hwsim.arch.fabrics.pim import count_pim
from hwsim.arch.fabrics.roofline import count_roofline
from hwsim.arch.fabrics.vector import count_vector

FABRICS = {"systolic": count_systolic, "vector": count_vector, "pim": count_pim, "roofline": count_roofline}

__all__ = ["Counts", "FABRICS", "FabricJob"]
