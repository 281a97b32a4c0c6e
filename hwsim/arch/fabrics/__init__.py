"""Compute fabrics: each one module (or folder) that declares a ``FABRIC`` (base.Fabric): how it
counts a job (its layers x every design point) into typed Counts, its peak, its report columns and
its own priced terms. The registry below is the only list of them; the engine's placement step
(hwsim/engine/placement.py) maps each (design point, layer) to one by name, and one pricing step
turns every fabric's counts into energy. docs/extending.md shows a new fabric end to end.
"""

from __future__ import annotations

from hwsim.arch.fabrics.kernel_cache import configure_kernel_cache

configure_kernel_cache()   # before any module defines a cached numba function

from hwsim.arch.fabrics import pim, roofline, systolic, vector  # noqa: E402
from hwsim.arch.fabrics.base import Counts, Fabric, FabricJob  # noqa: E402

FABRICS: dict[str, Fabric] = {f.name: f for f in (systolic.FABRIC, vector.FABRIC, pim.FABRIC, roofline.FABRIC)}

__all__ = ["Counts", "FABRICS", "Fabric", "FabricJob"]
