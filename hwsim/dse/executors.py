"""Executors: where a sweep's chunks are evaluated. One task per chunk; the task is a picklable
callable ``task(chunk) -> result``; an executor yields ``(chunk, result)`` as chunks finish, in any
order (the store writes each chunk to its own part, so the order changes no row).

Registered in EXECUTORS by name; each entry takes ``jobs`` and its own options and offers ``map``.
The parent process writes every part, whatever the executor, so workers never touch the folder.
"""

from __future__ import annotations

import inspect
import os
import re
import socket
import uuid
from dataclasses import dataclass
from numbers import Integral
from typing import Callable, Iterable, Iterator, Protocol

import numpy as np

from hwsim.errors import HwsimInputError


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

    # The engine reads its thread count from numba's threading layer (GNU OpenMP here), which
    # starts threads that do not survive fork(); a forkserver forks workers from a clean process
    # (spawn where there is none, e.g. Windows).
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


# ---- Dask distributed ------------------------------------------------------------------------------

DASK_HINT = 'pip install -e ".[dask]"'
# what --scheduler takes: the address a Dask scheduler prints (TLS would need certificates passed
# along; not offered)
_ADDRESS = re.compile(r"^tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})$")
# seconds to wait for a scheduler to answer (derived: a LAN round trip is ~1 ms; a scheduler busy
# with another client's graph can take seconds to accept)
CONNECT_TIMEOUT_S = 10
# chunks in flight per worker thread: one running and one queued, so a worker does not idle while
# its last result travels (as ProcessPool's 2 x jobs); more would only hold finished frames in memory
IN_FLIGHT_PER_THREAD = 2


def _distributed():
    try:
        import distributed
    except ImportError:
        raise HwsimInputError(f"a Dask executor needs the dask[distributed] package (the 'dask' extra): "
                              f"{DASK_HINT}", field="executor") from None
    return distributed


def _on_worker(task, threads: int | None, version: str, chunk: int):
    """Runs on a Dask worker: one chunk, with the worker's share of cores for the kernels."""
    import sys

    # the package facade sits above this floor; it is loaded (this module is inside it)
    here = sys.modules["hwsim"].__version__
    if here != version:   # another version could give other rows under the same spec hash
        raise HwsimInputError(f"a Dask worker runs hwsim {here}, this process {version}",
                              field="--scheduler", allowed="workers with the same hwsim as the sweep")
    if threads is not None:
        try:
            import numba

            # per thread in numba (a Dask task runs in a worker's pool thread, so set here, not at start)
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        except ImportError:
            pass
    return task(chunk)


def _raise_failure(distributed, future, chunk: int) -> None:
    """The error of a chunk's task: its own (bad input is raised as it is), or the sweep stopped."""
    try:
        future.result()
    except distributed.KilledWorker:
        raise SweepInterrupted(f"chunk {chunk} was running on Dask workers that died (killed, or out "
                               f"of memory); the chunks written so far are kept") from None
    except (OSError, distributed.client.FutureCancelledError) as exc:
        raise SweepInterrupted(f"the Dask cluster was lost ({type(exc).__name__}: {exc}); the chunks "
                               f"written so far are kept") from None
    raise SweepInterrupted(f"chunk {chunk} ended as '{future.status}' on the Dask cluster; the chunks written "
                           f"so far are kept")


def _ignore_interrupt(distributed):
    """A worker plugin: Ctrl-C reaches the terminal's whole process group, local workers
    included; this process stops the sweep and the cluster, the workers just end with it (as
    ProcessPool's do), without a traceback each. Set on every worker, restarted ones too."""

    class IgnoreInterrupt(distributed.WorkerPlugin):
        name = "hwsim-ignore-interrupt"

        def setup(self, worker) -> None:
            import signal
            import threading

            if threading.current_thread() is threading.main_thread():   # where signals are set
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreInterrupt()


@dataclass
class DaskCluster:
    """Chunks as tasks on a Dask cluster: a ``LocalCluster`` of ``workers`` processes started for
    the sweep (bound to 127.0.0.1, no dashboard), or the existing cluster whose scheduler is at
    ``scheduler``. One task per chunk, at most 2 x (worker threads) in flight; results come back
    to this process, which writes them. A worker that dies has its chunks rerun elsewhere by
    Dask; a chunk that kills more workers than Dask allows (distributed.scheduler.allowed-failures)
    or a lost scheduler stops the sweep as SweepInterrupted."""

    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if (self.workers is None) == (self.scheduler is None):
            raise HwsimInputError("a Dask executor takes a number of local workers or a scheduler address, "
                                  "not both or neither", field="executor",
                                  allowed="--dask-local N, or --scheduler tcp://HOST:PORT")
        if self.scheduler is not None:
            self._check_address()
        _distributed()

    def _check_address(self) -> None:
        match = _ADDRESS.match(self.scheduler) if isinstance(self.scheduler, str) else None
        if not match or not 0 < int(match["port"]) < 65536:
            raise HwsimInputError(f"{self.scheduler!r} is not a scheduler address", field="--scheduler",
                                  allowed="tcp://HOST:PORT, as the Dask scheduler prints it")
        # reached now, before the sweep writes anything: a typo is one line, not a half-made folder
        host = match["host"].strip("[]")
        try:
            socket.create_connection((host, int(match["port"])), timeout=CONNECT_TIMEOUT_S).close()
        except OSError as exc:
            raise HwsimInputError(f"no Dask scheduler answers at {self.scheduler} ({exc.strerror or exc})",
                                  field="--scheduler", allowed="the address of a running scheduler") from None

    def _connect(self):
        """(client, the LocalCluster started here or None, kernel threads per worker or None)."""
        import logging

        distributed = _distributed()
        if self.scheduler is not None:
            # a cluster someone else runs: its workers' threads are its own (NUMBA_NUM_THREADS there)
            return distributed.Client(self.scheduler, timeout=f"{CONNECT_TIMEOUT_S}s"), None, None
        # as ProcessPool: each worker one task at a time, its kernels on cores / workers threads
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        # loopback only, no dashboard; the scheduler still serves its small HTTP routes (health,
        # metrics): on loopback too, at a free port rather than 8787
        cluster = distributed.LocalCluster(n_workers=self.workers, processes=True, threads_per_worker=1,
                                           host="127.0.0.1", scheduler_port=0, dashboard_address=None,
                                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                           silence_logs=logging.ERROR)
        try:
            client = distributed.Client(cluster)
            client.register_plugin(_ignore_interrupt(distributed))
            return client, cluster, threads
        except BaseException:
            cluster.close()
            raise

    def map(self, task, chunks):
        import sys

        distributed = _distributed()
        try:
            client, cluster, threads = self._connect()
        except OSError as exc:
            raise SweepInterrupted(f"the Dask cluster could not be reached ({exc})") from None
        version = sys.modules["hwsim"].__version__
        tag = uuid.uuid4().hex[:12]    # task keys unique to this sweep call, however many share a cluster
        pending = iter(chunks)
        running: dict = {}
        try:
            # the task (the spec, a few kB) goes with every chunk rather than scattered once: data
            # scattered to a worker that dies is gone, and every chunk still to run would fail with it
            # with_results: each finished chunk's frame is fetched in the background while this
            # process writes the previous one
            finished = distributed.as_completed(with_results=True, raise_errors=False)

            def submit() -> None:
                limit = IN_FLIGHT_PER_THREAD * max(1, sum(client.nthreads().values()))
                while len(running) < limit:
                    chunk = next(pending, None)
                    if chunk is None:
                        return
                    future = client.submit(_on_worker, task, threads, version, chunk, key=f"hwsim-chunk-{tag}-{chunk}",
                                           pure=False)
                    running[future] = chunk
                    finished.add(future)

            submit()
            for future, result in finished:
                chunk = running.pop(future)
                if future.status != "finished":
                    _raise_failure(distributed, future, chunk)
                future.release()
                yield chunk, result
                submit()
        finally:
            for future in running:
                future.cancel()
            client.close()
            if cluster is not None:
                cluster.close()


# name -> factory(jobs, **options); options are the executor's own (e.g. a scheduler address)
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "inprocess": lambda jobs: InProcess(jobs),
    "process": lambda jobs: ProcessPool(jobs or 2),
    # --dask-local N: jobs = N local worker processes; --scheduler ADDRESS: an existing cluster
    "dask": lambda jobs, scheduler=None: DaskCluster(jobs, scheduler),
}


# local worker processes at most: each is a Python process holding the engine (~300 MB); 1,024 is
# beyond the largest single machine's cores (two 192-core sockets with SMT: 768 threads), and
# 10^5 local workers spawned for minutes
MAX_LOCAL_WORKERS = 1024


def make_executor(name: str, jobs: int | None, **options) -> Executor:
    if name not in EXECUTORS:
        raise HwsimInputError(f"unknown executor '{name}'", field="executor", allowed=", ".join(EXECUTORS))
    if jobs is not None and (isinstance(jobs, (bool, np.bool_)) or not isinstance(jobs, Integral)
                             or not 1 <= jobs <= MAX_LOCAL_WORKERS):
        raise HwsimInputError(f"{jobs!r} is not a number of workers", field="--dask-local" if name == "dask" else "--jobs",
                              allowed=f"an integer from 1 to {MAX_LOCAL_WORKERS} (worker processes on this machine; "
                                      "a larger cluster is --scheduler ADDRESS)")
    jobs = None if jobs is None else int(jobs)
    # each executor's own options (only dask takes one: scheduler): another would be a TypeError
    takes = set(inspect.signature(EXECUTORS[name]).parameters) - {"jobs"}
    unknown = sorted(set(options) - takes)
    if unknown:
        raise HwsimInputError(f"the {name} executor takes no option '{unknown[0]}'", field="executor_options",
                              allowed=", ".join(sorted(takes)) or "none")
    return EXECUTORS[name](jobs, **options)
