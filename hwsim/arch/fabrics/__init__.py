"""Compute fabrics: each takes its layers and the design batch and returns typed counts.

A fabric is one module with a ``count(job) -> Counts`` function registered in ``FABRICS``; the
engine places each layer on a fabric (GEMM-like layers on the spec's ``compute.kind``, element-
wise ops on the vector unit) and one pricing step turns every fabric's counts into energy.
A PIM device is one more module here (docs/extending.md).
"""

from __future__ import annotations

from hwsim.arch.fabrics.base import Counts, FabricJob
from hwsim.arch.fabrics.systolic import count_systolic
from hwsim.arch.fabrics.vector import count_vector

FABRICS = {"systolic": count_systolic, "vector": count_vector}

__all__ = ["Counts", "FABRICS", "FabricJob"]
