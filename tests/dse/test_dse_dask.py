"""`hwsim sweep` on Dask: a real LocalCluster (2 worker processes, on 127.0.0.1) gives the same rows
as this process; a lost worker stops the sweep as resumable; bad addresses and a missing extra are
one line.

One cluster serves the module (started once, by the executor's own code for --dask-local 2:
worker processes take seconds to import hwsim and load its kernels); the sweeps join it with
--scheduler, and --dask-local is pointed at it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys

import pandas as pd
import pytest

import hwsim.dse.sweep as sweep_module
from hwsim.cli import main
from _sweep_io import REFUSED_IN_COMBINATION, run, table, write  # noqa: E402  (tests/dse/_sweep_io.py)

pytest.importorskip("pyarrow")
distributed = pytest.importorskip("distributed")

A_CSV = "name,op,m,k,n\nfc1,gemm,8,16,8\nfc2,gemm,4,8,4\n"
# 2 x 3 x 2 = 12 points
SPACE = """\
accelerator: scalesim-default
workloads: [{{name: a.csv}}]
axes:
  compute.rows: [4, 8]
  compute.cols: {{tie: compute.rows}}
  buffers.ifmap.size_kib: {{range: [16, 64], scale: log2}}
  compute.dataflow: [os, ws]
objectives: {{latency_s: min, energy_pj: min, area_mm2: min}}
sampler: {{kind: grid}}
chunk_points: {chunk}
"""
# the chunk whose evaluation kills its worker in test_a_lost_worker_stops_the_sweep_resumably
DEADLY_CHUNK = 2
_REAL_TASK = sweep_module.evaluate_kept


def _kills_its_worker(spec, keep, chunk):
    if chunk == DEADLY_CHUNK:
        os._exit(3)          # as SIGKILL or the OOM killer would end the worker process
    return _REAL_TASK(spec, keep, chunk)


@pytest.fixture(scope="module")
def cluster():
    """The LocalCluster --dask-local 2 starts (the executor's own code), whose scheduler gives up
    on a chunk after the first worker it kills (Dask retries it 3 times by default, each on a
    freshly restarted worker)."""
    import cloudpickle
    import dask

    from hwsim.dse.executors import DaskCluster

    # workers cannot import this test module: tasks defined here travel by value
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        client, local, _ = DaskCluster(workers=2)._connect()
    client.close()
    try:
        yield local
    finally:
        local.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture
def scheduler(cluster) -> str:
    return cluster.scheduler_address


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.csv").write_text(A_CSV)
    return tmp_path


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """The reference: every keep mode's rows, swept in this process in one chunk (once for the module)."""
    folder = tmp_path_factory.mktemp("reference")
    (folder / "a.csv").write_text(A_CSV)
    space = write(folder, SPACE.format(chunk=12), "reference.yaml")
    tables = {}
    for keep in ("all", "pareto"):
        assert main(["sweep", str(space), "-o", str(folder / f"ref-{keep}"), "--keep", keep, "--quiet"]) == 0
        tables[keep] = table(folder / f"ref-{keep}")
    return tables


@pytest.mark.parametrize("keep", ["all", "pareto"])
def test_rows_on_a_cluster_equal_in_process(folder, capsys, scheduler, in_process, keep):
    space = write(folder, SPACE.format(chunk=2))   # 6 chunks over 2 workers
    code, _, err = run(["sweep", space, "-o", folder / "out", "--scheduler", scheduler, "--keep", keep, "--quiet"],
                       capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(table(folder / "out"), in_process[keep])


def test_the_local_cluster_is_loopback_processes_without_dashboard(cluster):
    assert cluster.processes and cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    workers = cluster.scheduler_info["workers"]
    assert len(workers) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers)
    assert all(w["nthreads"] == 1 for w in workers.values())   # one chunk at a time per process
    assert cluster.scheduler_spec["options"]["dashboard"] is False
    # the scheduler's own HTTP routes (health, metrics) listen on loopback only
    assert [s.getsockname()[0] for s in cluster.scheduler.http_server._sockets.values()] == ["127.0.0.1"]
    # Ctrl-C on the terminal stops this process's sweep; the workers ignore it (no traceback each)
    with distributed.Client(cluster) as client:
        ignored = client.run(lambda: signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
    assert list(ignored.values()) == [True, True]


def _connect_to(cluster, seen: list):
    """DaskCluster._connect that joins the module's cluster (as --dask-local's own, not closed by
    the sweep) and records which executor asked."""
    from hwsim.dse.executors import DaskCluster

    def connect(self):
        seen.append((self.workers, self.scheduler))
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        return distributed.Client(cluster), None, threads

    return connect


def test_dask_local_n_runs_n_workers_with_their_share_of_cores(folder, capsys, cluster, in_process, monkeypatch):
    import numba

    from hwsim.dse.executors import DaskCluster

    seen = []
    monkeypatch.setattr(DaskCluster, "_connect", _connect_to(cluster, seen))
    space = write(folder, SPACE.format(chunk=5))   # chunks of 5, 5 and 2 points
    code, _, err = run(["sweep", space, "-o", folder / "out", "--dask-local", "2", "--quiet"], capsys)
    assert code == 0, err
    assert seen == [(2, None)]
    pd.testing.assert_frame_equal(table(folder / "out"), in_process["all"])
    # each task's kernels get cores / workers threads, as ProcessPool's workers do
    threads = dict(DaskCluster(workers=2).map(lambda chunk: numba.get_num_threads(), [0, 1]))
    assert threads == {0: max(1, (os.cpu_count() or 1) // 2), 1: max(1, (os.cpu_count() or 1) // 2)}


def test_a_lost_worker_stops_the_sweep_resumably(folder, capsys, scheduler, in_process, monkeypatch):
    space = write(folder, SPACE.format(chunk=2))
    out = folder / "out"
    monkeypatch.setattr(sweep_module, "evaluate_kept", _kills_its_worker)
    code, _, err = run(["sweep", space, "-o", out, "--scheduler", scheduler, "--quiet"], capsys)
    assert code == 1
    # the deadly chunk, or another queued on the same worker (each counts that worker's death)
    assert re.search(r"chunk \d+ was running on Dask workers that died", err), err
    assert f"finish it with: hwsim sweep {space} -o {out} --resume" in err
    assert DEADLY_CHUNK not in json.loads((out / "_manifest.json").read_text())["done"]
    monkeypatch.undo()
    with distributed.Client(scheduler) as client:   # the nanny restarts the worker
        client.wait_for_workers(2, timeout=60)
    code, _, err = run(["sweep", space, "-o", out, "--scheduler", scheduler, "--resume", "--quiet"], capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(table(out), in_process["all"])   # every point exactly once


def test_bad_input_found_on_a_worker_is_one_line(folder, capsys, scheduler):
    # as in test_dse_sweep.py: 1 KiB holds 8192 bits, too few for 524288 banks; the probe's points
    # are all os, which the before constraint skips, so only a worker meets the bad point (id 7)
    space = write(folder, REFUSED_IN_COMBINATION + "chunk_points: 2\n")
    code, _, err = run(["sweep", space, "-o", folder / "out", "--scheduler", scheduler], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert str(space) in err and "axes.buffers.ifmap.banks" in err
    assert "point_id 7 (buffers.ifmap.size_kib=1, buffers.ifmap.banks=524288, compute.dataflow='ws')" in err


def test_a_worker_with_another_hwsim_is_refused(folder, capsys, scheduler, monkeypatch):
    monkeypatch.setattr(sys.modules["hwsim"], "__version__", "0.0.0-other")
    space = write(folder, SPACE.format(chunk=6))
    code, _, err = run(["sweep", space, "-o", folder / "out", "--scheduler", scheduler, "--quiet"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "a Dask worker runs hwsim" in err and "this process 0.0.0-other" in err


@pytest.mark.parametrize("flags, words", [
    (["--scheduler", "127.0.0.1:8786"], ["--scheduler", "not a scheduler address", "tcp://HOST:PORT"]),
    (["--scheduler", "tcp://127.0.0.1:99999"], ["not a scheduler address"]),
    # port 1 (tcpmux) has no listener here: the connection is refused at once
    (["--scheduler", "tcp://127.0.0.1:1"], ["no Dask scheduler answers at tcp://127.0.0.1:1"]),
    (["--dask-local", "0"], ["--dask-local", "not a number of workers"]),
    # 10^5 local worker processes spawned for minutes
    (["--dask-local", "100000"], ["--dask-local", "not a number of workers", "from 1 to 1024"]),
    (["--jobs", "100000"], ["--jobs", "from 1 to 1024"]),
])
def test_bad_executor_options_are_one_line_before_anything_is_written(folder, capsys, flags, words):
    space = write(folder, SPACE.format(chunk=6))
    code, _, err = run(["sweep", space, "-o", folder / "out", *flags], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert all(w in err for w in words), err
    assert not (folder / "out").exists()


def test_one_executor_at_a_time(folder, capsys):
    space = write(folder, SPACE.format(chunk=6))
    with pytest.raises(SystemExit) as stop:
        main(["sweep", str(space), "-o", str(folder / "out"), "--jobs", "2", "--dask-local", "2"])
    assert stop.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_missing_dask_is_one_line_naming_the_extra(folder, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)   # import distributed -> ImportError
    space = write(folder, SPACE.format(chunk=6))
    code, _, err = run(["sweep", space, "-o", folder / "out", "--dask-local", "2"], capsys)
    assert code == 2 and err.count("\n") == 1 and "'dask' extra" in err and '.[dask]' in err
    assert not (folder / "out").exists()
