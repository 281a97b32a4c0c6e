"""Compiled kernels run on threads from Python, not in numba's parallel loops.

numba's ``parallel=True`` compiles each parallel kernel's loop into a threading-layer function:
seconds per kernel the first time after install. A kernel compiled ``nogil=True`` and called on a
range of its work from a few Python threads runs as fast (it holds no GIL while it runs) and
compiles as a plain function.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

# ranges per thread: the last range's wait is short when ranges take unequal time (derived:
# 8 ranges per thread leave at most ~1/8 of a thread's share idle at the end)
RANGES_PER_THREAD = 8


def thread_count() -> int:
    """numba's thread count (NUMBA_NUM_THREADS, or numba.set_num_threads), the cores by default."""
    import numba

    return numba.get_num_threads()


def in_threads(run, items: int) -> None:
    """``run(lo, hi)`` over consecutive ranges covering ``0..items``, on thread_count() threads."""
    threads = min(thread_count(), items)
    if threads <= 1:
        if items > 0:
            run(0, items)
        return
    ranges = min(items, threads * RANGES_PER_THREAD)
    bounds = [(r * items // ranges, (r + 1) * items // ranges) for r in range(ranges)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(run, lo, hi) for lo, hi in bounds]:
            future.result()
