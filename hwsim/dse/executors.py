"""Executors: where a sweep's chunks are evaluated. One task per chunk; the task is a picklable
callable ``task(chunk) -> result``; an executor yields ``(chunk, result)`` as chunks finish, in any
order (the store writes each chunk to its own part, so the order changes no row).

Registered in EXECUTORS by name; a new one (e.g. a Dask cluster) is one more entry taking
``jobs`` and offering ``map``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol


class SweepInterrupted(RuntimeError):
    """The sweep stopped before every chunk was done (a worker died); the chunks written so far
    are kept and ``--resume`` finishes the rest."""


class Executor(Protocol):
    def map(self, task: Callable[[int], object], chunks: Iterable[int]) -> Iterator[tuple[int, object]]: ...


@dataclass
class InProcess:
    """Chunks one after another in this process (the engine's compiled kernels use its threads)."""

    jobs: int | None = None

    def map(self, task, chunks):
        for chunk in chunks:
            yield chunk, task(chunk)


def _worker_init(threads: int) -> None:
    import signal

    # Ctrl-C reaches the whole process group; the parent stops the sweep, workers just end with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import numba

        numba.set_num_threads(threads)
    except ImportError:  # the engine's kernels need numba; nothing to share out without it
        pass


def _context():
    import multiprocessing

    # The engine's kernels run in GNU OpenMP threads, which do not survive fork(); a forkserver
    # forks workers from a clean process (spawn where there is none, e.g. Windows).
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # imported once in the server, not once per worker (no kernel has run there: fork-safe)
        context.set_forkserver_preload(["hwsim.dse.sweep", "hwsim.engine.evaluate"])
    return context


@dataclass
class ProcessPool:
    """A local pool of ``jobs`` worker processes (concurrent.futures), one task per chunk, at
    most 2 x jobs chunks in flight so finished chunks do not pile up in memory."""

    jobs: int = 2

    def map(self, task, chunks):
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        threads = max(1, (os.cpu_count() or 1) // self.jobs)
        pending = iter(chunks)
        running: dict = {}
        pool = ProcessPoolExecutor(self.jobs, mp_context=_context(), initializer=_worker_init, initargs=(threads,))
        try:
            while True:
                while len(running) < 2 * self.jobs:
                    chunk = next(pending, None)
                    if chunk is None:
                        break
                    running[pool.submit(task, chunk)] = chunk
                if not running:
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=running.get):
                    chunk = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise SweepInterrupted("a worker process ended abruptly (killed, or out of memory); "
                                               "the chunks written so far are kept") from None
                    yield chunk, result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


# name -> factory(jobs, **options); options are the executor's own (e.g. a scheduler address)
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "inprocess": lambda jobs: InProcess(jobs),
    "process": lambda jobs: ProcessPool(jobs or 2),
}


def make_executor(name: str, jobs: int | None, **options) -> Executor:
    from hwsim.errors import HwsimInputError

    if name not in EXECUTORS:
        raise HwsimInputError(f"unknown executor '{name}'", field="executor", allowed=", ".join(EXECUTORS))
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise HwsimInputError(f"{jobs!r} is not a number of workers", field="--jobs", allowed="an integer >= 1")
    return EXECUTORS[name](jobs, **options)
