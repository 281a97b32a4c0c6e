"""``hwsim explore --serve [OUT]``: the live explorer, a Dash page that re-simulates as a knob moves.

    hwsim explore --serve                       # tpu-v1-like on resnet50, no sweep
    hwsim explore --serve sweeps/resnet50       # the sweep's base and workload, placed on its front

Bound to 127.0.0.1 unless ``--host`` says otherwise; ``--port 0`` (or none) takes a free port.
The URL is printed once the socket is listening. SIGINT (Ctrl-C) and SIGTERM stop it cleanly:
the server finishes the request in hand, closes its socket and the command returns 0.

Dash is an optional extra (``pip install -e ".[serve]"``), imported only here and in
serve_app.build_app. The page is docs/explorer-live.md.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from hwsim.errors import HwsimInputError

EXTRA_HINT = 'pip install -e ".[serve]"'
DEFAULT_HOST = "127.0.0.1"


def _check_dash() -> None:
    try:
        import dash  # noqa: F401
    except ImportError:
        raise HwsimInputError(f"the live explorer needs Dash: {EXTRA_HINT}") from None


def _port(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise HwsimInputError(f"{value!r} is not a TCP port", field="--port", allowed="0..65535 (0: a free port)")
    return value


class LiveServer:
    """The explorer's WSGI server on a socket bound at construction (so the port is known before
    it serves). ``serve_forever`` blocks; ``stop`` (from any other thread) ends it."""

    def __init__(self, app, host: str, port: int):
        import errno
        import socket

        from werkzeug.serving import make_server   # Flask's (so Dash's) own server library

        # the socket is bound here, not by werkzeug, whose make_server prints a paragraph and
        # exits the process when the port is taken: here that is one HwsimInputError line
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
            listener.listen(128)
        except OSError as exc:
            listener.close()
            # an address this machine cannot bind (no such name, not its interface) is the host's fault,
            # a taken or forbidden port the port's
            host_fault = isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL
            raise HwsimInputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                                  field="--host" if host_fault else "--port",
                                  allowed="an address of this machine (default 127.0.0.1)" if host_fault
                                  else "a free port, or 0 for any") from None
        try:
            self._server = make_server(host, listener.getsockname()[1], app.server, threaded=True,
                                       fd=listener.fileno())
        finally:
            listener.close()       # werkzeug holds its own duplicate of the socket
        self.host = host
        self.port = int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.1)   # a stop is noticed within 0.1 s

    def stop(self) -> None:
        self._server.shutdown()       # waits for serve_forever to return
        self._server.server_close()


def make_server(table: str | None = None, host: str = DEFAULT_HOST, port: int | None = 0) -> LiveServer:
    """The app built (the sweep opened, its manifest checked) and its socket bound."""
    _check_dash()
    from hwsim.explore.serve_app import build_app
    from hwsim.explore.serve_sweep import SweepSource

    sweep = SweepSource(table) if table else None
    app = build_app(sweep)
    server = LiveServer(app, host, _port(port))
    # the first design simulated before the URL is printed: loading the engine's compiled kernels
    # (seconds, once per process) happens here, not in the user's first knob change
    warm_up(sweep)
    return server


def warm_up(sweep) -> None:
    from hwsim.explore.serve_app import first_state, render

    render(first_state(sweep), None, sweep)


def serve(args) -> int:
    """The ``--serve`` command (hwsim/explore/cli.py): ``args.sweep`` (OUT, the sweep folder; optional;
    ``args.table`` is read as the same), ``args.host``, ``args.port`` (None or 0: a free port)."""
    import logging

    table = getattr(args, "sweep", None) or getattr(args, "table", None)
    host = getattr(args, "host", None) or DEFAULT_HOST
    # werkzeug logs every request to stderr; a knob change is not news (errors still show)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(table, host, getattr(args, "port", None))
    stop_requested = threading.Event()

    def on_signal(signum, _frame):
        stop_requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=server.serve_forever, name="hwsim-explore-serve", daemon=True)
    worker.start()
    print(f"hwsim explore: serving on {server.url} (Ctrl-C to stop)", flush=True)
    try:
        while not stop_requested.wait(0.5):
            if not worker.is_alive():     # the server thread died: say so, do not hang
                raise HwsimInputError("the explorer's server stopped unexpectedly")
    finally:
        server.stop()
        worker.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("hwsim explore: stopped", flush=True)
    sys.stdout.flush()
    return 0
