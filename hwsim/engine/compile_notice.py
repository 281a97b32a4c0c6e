"""One line on stderr before the engine's kernels are first compiled (after install, or after an
upgrade changed them): numba compiles them for tens of seconds once and caches them on disk, and a
silent pause that long looks like a hang. Nothing is printed when the disk cache has them."""

from __future__ import annotations

import os
import sys

_announced = False


def announce_compilation(*dispatchers) -> None:
    """Print the notice once per process if any of ``dispatchers`` (numba functions compiled with
    cache=True) has no on-disk cache index yet."""
    global _announced
    if _announced:
        return
    for dispatcher in dispatchers:
        if dispatcher.signatures:          # already compiled or loaded in this process
            continue
        try:
            index = dispatcher._cache._cache_file._index_path   # numba's own cache index file
        except AttributeError:             # another numba layout: say nothing rather than guess
            return
        if not os.path.exists(index):
            sys.stderr.write("hwsim: compiling the engine's kernels (once after install; cached on disk)...\n")
            sys.stderr.flush()
            _announced = True
            return
