"""The systolic MAC array fabric, in one folder: SCALE-Sim's fold timing (timing.py), its
USER-bandwidth memory semantics (scalesim_user.py), hwsim's mapper (mapper.py) and the fabric
that counts a layer on the array (fabric.py)."""

from hwsim.arch.fabrics.systolic.fabric import FABRIC, count_systolic

__all__ = ["FABRIC", "count_systolic"]
