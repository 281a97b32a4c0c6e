"""The live explorer as a real server: a subprocess on a free port of 127.0.0.1, asked over HTTP
as the page asks it (Dash's callback endpoint), stopped by SIGTERM. One server for the module."""

from __future__ import annotations

import json
import selectors
import signal
import socket
import subprocess
import sys
import time
import types
import urllib.request
from urllib.parse import urlsplit

import pytest

from hwsim.errors import HwsimInputError

pytest.importorskip("dash")   # the serve extra (in the test extra too)

# `hwsim explore --serve` (no sweep; the default host and a free port) in its own process
LAUNCH = "import sys; from hwsim.cli import main; sys.exit(main(['explore', '--serve']))"
# a cold start compiles the engine's kernels (cached on disk after): generous, never hit when warm
FIRST_ANSWER_S = 180


def start_server(command: list[str], timeout_s: float = FIRST_ANSWER_S) -> tuple[subprocess.Popen, str]:
    """The server process and the URL it printed once listening (after its warm-up simulation,
    which compiles the engine's kernels on a cold cache)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            line = process.stdout.readline()
            if "serving on" in line:
                return process, line.split("serving on", 1)[1].split()[0]
            if not line and process.poll() is not None:
                break
    process.kill()
    raise AssertionError(f"the server did not print its URL: {process.stderr.read()}")


@pytest.fixture(scope="module")
def server():
    process, url = start_server([sys.executable, "-c", LAUNCH])
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait(10)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=FIRST_ANSWER_S) as response:
        assert response.status == 200
        return response.read()


def _main_callback(url: str) -> dict:
    dependencies = json.loads(_get(url + "_dash-dependencies"))
    return next(d for d in dependencies if "fig-pareto.figure" in d["output"])


def _ask(url: str, callback: dict, values: dict, changed: str) -> dict:
    """POST the main callback with ``values`` (id -> value) as dash-renderer does on a knob change."""
    inputs = [{"id": i["id"], "property": i["property"], "value": values[i["id"]]} for i in callback["inputs"]]
    outputs = [dict(zip(("id", "property"), o.split("."))) for o in callback["output"].strip(".").split("...")]
    body = {"output": callback["output"], "outputs": outputs, "inputs": inputs, "state": [],
            "changedPropIds": [changed]}
    request = urllib.request.Request(url + "_dash-update-component", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=FIRST_ANSWER_S) as response:
        return json.loads(response.read())["response"]


def _page_values(url: str) -> dict:
    """Every component's value as the page first shows it (its layout)."""
    values: dict = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if "id" in props:
                values[props["id"]] = props.get("value", props.get("data"))
            for child in props.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(json.loads(_get(url + "_dash-layout")))
    return values


def test_the_server_answers_on_127_0_0_1_with_local_scripts_only(server):
    _, url = server
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1" and parts.port > 0
    page = _get(url).decode()
    assert "<title>hwsim live explorer</title>" in page
    assert "http://" not in page and "https://" not in page    # no CDN: every script from this server


def test_a_knob_change_re_simulates(server):
    import hwsim

    _, url = server
    callback = _main_callback(url)
    values = _page_values(url)
    assert values["base"] == "tpu-v1-like" and values["knob-compute-rows"] == "256"
    values["knob-compute-rows"] = "64"
    answer = _ask(url, callback, values, "knob-compute-rows.value")
    assert answer["error"]["children"] == ""
    assert "--set compute.rows=64" in answer["command"]["children"]
    expected = hwsim.simulate(hwsim.load_accelerator("tpu-v1-like", ["compute.rows=64"]), "resnet50")
    bars = answer["fig-layers"]["figure"]["data"][0]
    # latency per layer in us (derived: 1 s = 1e6 us)
    assert bars["y"] == pytest.approx(list(expected.layers["latency_s"] * 1e6), rel=1e-12)
    # one stacked bar (design A), one trace per component: they add up to the run's energy in uJ
    energy = answer["fig-energy"]["figure"]["data"]
    assert sum(t["y"][0] for t in energy) == pytest.approx(expected.summary()["energy_pj"] * 1e-6, rel=1e-12)


def test_a_bad_knob_is_one_line_in_the_page(server):
    _, url = server
    callback = _main_callback(url)
    values = _page_values(url)
    values["knob-clock-mhz"] = "fast"
    answer = _ask(url, callback, values, "knob-clock-mhz.value")
    error = answer["error"]["children"]
    assert "field 'clock_mhz'" in error and "'fast'" in error and "\n" not in error
    assert "fig-energy" not in answer       # the figures keep their last good state


def test_sigterm_stops_the_server_cleanly(server):
    process, url = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert "stopped" in process.stdout.read()
    assert "Traceback" not in process.stderr.read()
    parts = urlsplit(url)
    with pytest.raises(OSError):
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()


# ---- without a server ------------------------------------------------------------------------------

def test_without_dash_one_line_says_which_extra(monkeypatch):
    from hwsim.explore import serve

    monkeypatch.setitem(sys.modules, "dash", None)      # import dash raises ImportError
    with pytest.raises(HwsimInputError, match=r'pip install -e "\.\[serve\]"'):
        serve.serve(types.SimpleNamespace(sweep=None, host="127.0.0.1", port=None))


def test_a_port_in_use_or_out_of_range_is_one_line():
    from hwsim.explore.serve import make_server

    with pytest.raises(HwsimInputError, match="field '--port'.*not a TCP port"):
        make_server(None, "127.0.0.1", 70000)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(HwsimInputError, match="field '--port'.*cannot listen on 127.0.0.1"):
            make_server(None, "127.0.0.1", taken.getsockname()[1])
    # a name that resolves to nothing is the host's fault, not the port's
    with pytest.raises(HwsimInputError, match="field '--host'.*cannot listen on no.such.invalid"):
        make_server(None, "no.such.invalid", 0)


def test_a_sweep_that_is_not_one_stops_before_serving(tmp_path):
    from hwsim.explore.serve import make_server

    with pytest.raises(HwsimInputError, match="not a sweep folder"):
        make_server(str(tmp_path), "127.0.0.1", 0)
