"""The live explorer's smaller callbacks, asked in-process through the Dash app's Flask test client
(the same HTTP endpoint the browser uses, no socket): a new base resets every knob to that
preset's values; the LLM knobs are enabled for config.json workloads only."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("dash")   # the serve extra (in the test extra too)


@pytest.fixture(scope="module")
def app():
    from hwsim.explore.serve_app import build_app

    return build_app(None)


def _answer(app, output_ids: list[str], inputs: list[dict]) -> dict:
    spec = next(d for d in app._callback_list if all(f"{o}." in d["output"] for o in output_ids))
    outputs = [dict(zip(("id", "property"), o.split("."))) for o in spec["output"].strip(".").split("...")]
    body = {"output": spec["output"], "outputs": outputs, "inputs": inputs, "state": [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    response = app.server.test_client().post("/_dash-update-component", data=json.dumps(body),
                                             content_type="application/json")
    assert response.status_code == 200, response.data[:500]
    return response.get_json()["response"]


def test_a_new_base_resets_every_knob_to_its_values(app):
    answer = _answer(app, ["knob-compute-rows", "knob-precision"],
                     [{"id": "base", "property": "value", "value": "eyeriss-like"}])
    values = {key: prop["value"] for key, prop in answer.items()}
    # accelerators/eyeriss-like.yaml (Chen et al., JSSC 2017): a 12 x 14 PE array, 200 MHz, 65 nm,
    # 1.6 GB/s of DRAM bandwidth, no DRAM standard; the precision mix back to the base's formats
    assert values["knob-compute-rows"] == "12" and values["knob-compute-cols"] == "14"
    assert values["knob-clock-mhz"] == "200" and values["knob-tech-node-nm"] == "65"
    assert values["knob-dram-bandwidth-gb-s"] == "1.6" and values["knob-dram-standard"] == "none"
    assert values["knob-precision"] == ""


@pytest.mark.parametrize("workload, phase, disabled", [
    ("resnet50", "decode", {"phase": True, "kv-len": True, "seq-len": True, "batch": True}),
    ("llm/llama-2-7b", "decode", {"phase": False, "kv-len": False, "seq-len": True, "batch": False}),
    ("llm/llama-2-7b", "prefill", {"phase": False, "kv-len": True, "seq-len": False, "batch": False}),
])
def test_llm_knobs_are_enabled_for_model_configs_only(app, workload, phase, disabled):
    answer = _answer(app, ["phase", "kv-len", "seq-len", "batch"],
                     [{"id": "workload", "property": "value", "value": workload},
                      {"id": "phase", "property": "value", "value": phase}])
    assert {key: prop["disabled"] for key, prop in answer.items()} == disabled


def test_an_unexpected_exception_is_one_line_in_the_page(app, monkeypatch, capsys):
    from hwsim.explore import serve_app
    from hwsim.explore.serve_app import KNOB_IDS, initial_state

    def broken(*_args, **_kwargs):
        raise RuntimeError("kernel exploded\nsecond line")

    monkeypatch.setattr(serve_app, "render", broken)
    state = initial_state("tpu-v1-like", "resnet50")
    values = {"base": state["base"], "knob-precision": "", "workload": "resnet50", "phase": "decode",
              "kv-len": "2048", "seq-len": "512", "batch": "1", "design-b": None, "sweep-x": None, "sweep-y": None,
              "sweep-hold": []}
    values.update({KNOB_IDS[k]: v for k, v in state["knobs"].items()})
    spec = next(d for d in app._callback_list if "fig-pareto.figure" in d["output"])
    inputs = [{"id": i["id"], "property": i["property"], "value": values[i["id"]]} for i in spec["inputs"]]
    answer = _answer(app, ["error", "fig-pareto"], inputs)
    assert answer["error"]["children"] == ("internal error (a bug in hwsim; the server's output has the traceback): "
                                           "RuntimeError: kernel exploded")
    assert "fig-energy" not in answer          # the last good figures stay
    assert "Traceback" in capsys.readouterr().err
