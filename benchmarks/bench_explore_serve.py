"""Server time per knob change of the live explorer (`hwsim explore --serve`), issue #16 item 2.

Each knob change is one HTTP request to the Dash app's callback endpoint (POST
/_dash-update-component, through Flask's test client, so no socket and no browser): parse the
knobs, re-simulate through hwsim.evaluate (one point, per layer), draw the five figures and
serialise them, exactly what the server does for a browser. Every change sets a compute.rows
value not seen before, so no result comes from the explorer's caches. The target is < 100 ms
after warm-up (the first change compiles and loads).

The baseline, in the same run: the bare simulation of the same designs (hwsim.load_accelerator
with the --set line + hwsim.simulate), so the ratio says what the page adds on top.

    python benchmarks/bench_explore_serve.py [--changes 30] [--sweep OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

# (label, base accelerator, workload state): ResNet-50 on TPU v1 (both presets), and one
# Llama-2-7B decode step at a 2048-token KV cache, batch 1, on the HBM2 systolic preset
CASES = (
    ("ResNet-50 on tpu-v1-like", "tpu-v1-like", {"workload": "resnet50"}),
    ("Llama-2-7B decode (KV 2048) on systolic-hbm2", "systolic-hbm2",
     {"workload": "llm/llama-2-7b", "phase": "decode", "kv_len": "2048", "batch": "1"}),
)


def _payload(app, state: dict) -> dict:
    """The main callback's request body, as dash-renderer sends it."""
    from hwsim.explore.serve_app import KNOB_IDS

    values = {"base": state["base"], "knob-precision": state["precision"], "workload": state["workload"],
              "phase": state["phase"], "kv-len": state["kv_len"], "seq-len": state["seq_len"], "batch": state["batch"],
              "design-b": None, "sweep-x": None, "sweep-y": None, "sweep-hold": []}
    values.update({KNOB_IDS[k]: v for k, v in state["knobs"].items()})
    deps = app._callback_list
    spec = next(d for d in deps if "fig-pareto.figure" in d["output"])
    inputs = [{"id": i["id"], "property": i["property"], "value": values[i["id"]]} for i in spec["inputs"]]
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in spec["output"].strip(".").split("...")]
    return {"output": spec["output"], "outputs": outputs, "inputs": inputs, "state": [],
            "changedPropIds": ["knob-compute-rows.value"]}


def run_case(label: str, base: str, workload: dict, changes: int, sweep) -> None:
    import hwsim
    from hwsim.explore.serve_app import build_app, initial_state
    from hwsim.explore.serve_model import design_set_lines, scenario_workload
    from hwsim.explore.serve_app import design_of

    app = build_app(sweep, base=base, workload=workload["workload"])
    client = app.server.test_client()
    state = initial_state(base, workload["workload"])
    state.update(workload)
    rows0 = int(state["knobs"]["compute.rows"])
    server_ms, server_cpu_ms, simulate_ms = [], [], []
    warmup = 3
    for i in range(warmup + changes):
        state["knobs"]["compute.rows"] = str(rows0 - 1 - i)      # a value not seen before: no cache hit
        body = _payload(app, state)
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
        elapsed = (time.perf_counter() - start) * 1e3
        cpu = (time.process_time() - start_cpu) * 1e3
        answer = response.get_json()
        if response.status_code != 200 or answer["response"]["error"]["children"]:
            raise SystemExit(f"{label}: the page answered {response.status_code}: {answer}")
        # the baseline: the same design, loaded and simulated alone
        design = design_of(state)
        start = time.perf_counter()
        hwsim.simulate(hwsim.load_accelerator(base, list(design_set_lines(design))), scenario_workload(design.scenario))
        baseline = (time.perf_counter() - start) * 1e3
        if i >= warmup:
            server_ms.append(elapsed)
            server_cpu_ms.append(cpu)
            simulate_ms.append(baseline)
    med, p90 = statistics.median(server_ms), sorted(server_ms)[int(0.9 * (len(server_ms) - 1))]
    base_med = statistics.median(simulate_ms)
    cpu_med = statistics.median(server_cpu_ms)
    verdict = "within" if med < 100 else "OVER"
    print(f"{label}: server time per knob change median {med:.1f} ms, p90 {p90:.1f} ms, max {max(server_ms):.1f} ms "
          f"over {changes} changes ({verdict} the 100 ms target); its CPU time median {cpu_med:.1f} ms; "
          f"load+simulate alone median {base_med:.1f} ms (page / simulate = {med / base_med:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30, help="timed knob changes per case, after 3 warm-up ones")
    parser.add_argument("--sweep", default=None, help="a sweep folder to place the designs against (its front is "
                                                      "read once per filter, then cached)")
    args = parser.parse_args()
    from hwsim.explore.serve_sweep import SweepSource

    sweep = SweepSource(args.sweep) if args.sweep else None
    # the machine is shared: wall time stretches with its load, CPU time much less (both printed)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for label, base, workload in CASES:
        run_case(label, base, workload, args.changes, sweep)


if __name__ == "__main__":
    main()
