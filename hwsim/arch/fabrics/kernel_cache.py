"""Where numba keeps hwsim's compiled kernels.

numba caches a kernel per entry function and checks only that function's own source file, so an
edit to a callee in another module (the mapper under the systolic cell, the cell under the fused
pass) would keep a stale kernel in use, with stale numbers. hwsim points numba's cache at a
folder named by a hash of every module its kernels are compiled from: any change to any of them
compiles afresh, and versions side by side keep their own caches. A NUMBA_CACHE_DIR the user
sets chooses where that folder goes, not whether it is keyed: numba's own check alone, there,
served a kernel compiled before an edit to one of its callees (measured: a fault injected into
the pricing step left evaluate's fused pass pricing as before).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# every module whose numba functions or layout constants end up in a kernel (tests/engine/test_compile_notice.py
# checks the list against the package: a module with numba code missing here fails)
KERNEL_MODULES = ("arch/objectives.py", "arch/fabrics/base.py", "arch/fabrics/vector.py", "arch/fabrics/unowned.py",
                  "arch/fabrics/systolic/timing.py", "arch/fabrics/systolic/cell.py", "arch/fabrics/systolic/mapper.py",
                  "arch/fabrics/systolic/fabric.py", "arch/fabrics/systolic/row_stationary.py",
                  "arch/fabrics/systolic/compression.py", "engine/pricing.py", "engine/fused.py")
PACKAGE = Path(__file__).resolve().parents[2]


def kernel_sources_digest() -> str:
    digest = hashlib.sha256()
    for relative in KERNEL_MODULES:
        digest.update(relative.encode())
        digest.update((PACKAGE / relative).read_bytes())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    """The per-user cache folder (XDG_CACHE_HOME, else ~/.cache), as numba's own fallback uses."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hwsim"


def configure_kernel_cache() -> None:
    """Set numba's cache folder before any kernel module is imported (numba reads it when a
    cached function is defined): ``kernels-<digest>`` under NUMBA_CACHE_DIR when set, else under
    the per-user cache folder."""
    from numba.core import config

    base = os.environ.get("NUMBA_CACHE_DIR") or str(cache_root())
    config.CACHE_DIR = str(Path(base) / f"kernels-{kernel_sources_digest()}")
