"""Context limits (docs/workloads-llm.md, "Context limits"): a context beyond the limit a rotary config
states (max_position_embeddings, or factor x original_max_position_embeddings under rope_scaling) is
refused with one line and exit 2 unless allow_long_context / --allow-long-context."""

import json
from pathlib import Path

import pytest

import hwsim
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from hwsim.workload.frontends.hf_config import read_hf_config
from hwsim.workload.llm import Scenario, check_scenario

LLM = Path(__file__).resolve().parents[2] / "workloads" / "llm"


def _arch(tmp_path, base, **changes):
    data = json.loads((LLM / f"{base}.json").read_text())
    data.update(changes)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    return read_hf_config(path)


@pytest.mark.parametrize("model, limit", [
    ("llama-2-7b", 4096),        # max_position_embeddings
    ("qwen3-8b", 40960),         # max_position_embeddings, no rope_scaling
    ("deepseek-v3", 163840),     # yarn: 40 x 4096 = max_position_embeddings
    ("gpt-oss-20b", 131072),     # yarn: 32 x 4096
    ("phi-3-mini-4k", 4096),
    ("gemma-2-9b", 8192),
])
def test_shipped_limits(model, limit):
    assert read_hf_config(LLM / f"{model}.json").context_limit == limit


def test_rope_scaling_rules(tmp_path):
    # rope-scaled beyond max_position_embeddings: factor x original wins (Qwen3's YaRN recipe, card: 131072)
    yarn = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
    assert _arch(tmp_path, "qwen3-8b", rope_scaling=yarn).context_limit == 4 * 32768
    # Llama-3.1's llama3 scaling: 8 x 8192 = 65536 < max_position_embeddings 131072, which stays the limit
    llama3 = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192,
              "rope_type": "llama3"}
    assert _arch(tmp_path, "llama-3-8b", rope_scaling=llama3, max_position_embeddings=131072).context_limit == 131072
    # dynamic NTK without an original length stretches max_position_embeddings
    assert _arch(tmp_path, "llama-2-7b", rope_scaling={"type": "dynamic", "factor": 2.0}).context_limit == 8192
    # linear without an original length: the config's max_position_embeddings is already the scaled one
    assert _arch(tmp_path, "gemma-3-1b", rope_scaling={"rope_type": "linear", "factor": 8.0}).context_limit == 32768
    # Phi-3.5's top-level original length and longrope lists without a factor: max_position_embeddings
    longrope = {"type": "longrope", "long_factor": [1.0] * 48, "short_factor": [1.0] * 48}
    assert _arch(tmp_path, "phi-3-mini-4k", rope_scaling=longrope, max_position_embeddings=131072,
                 sliding_window=262144).context_limit == 131072


@pytest.mark.parametrize("scenario, field", [
    (Scenario("prefill", seq_len=40961), "seq_len"),
    (Scenario("decode", kv_len=40960), "kv_len"),          # the new token makes 40961
    (Scenario("generate", prompt=40000, new_tokens=961), "prompt + new_tokens"),
])
def test_beyond_the_limit_is_refused_unless_allowed(scenario, field):
    arch = read_hf_config(LLM / "qwen3-8b.json")
    with pytest.raises(HwsimInputError) as err:
        check_scenario(arch, scenario, "qwen3-8b.json")
    assert err.value.field == field and "40961 tokens" in str(err.value) and "40960" in str(err.value)
    allowed = Scenario(**{**scenario.__dict__, "allow_long_context": True})
    assert check_scenario(arch, allowed, "qwen3-8b.json") is allowed
    # at the limit exactly: accepted
    check_scenario(arch, Scenario("decode", kv_len=40959), "qwen3-8b.json")


def test_cli_refuses_in_one_line_and_allow_long_context_runs(capsys):
    argv = ["run", "tpu-v1-like", "llm/phi-3-mini-4k", "--phase", "decode", "--kv-len", "4096", "--out", ""]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--kv-len" in err and "4097 tokens" in err and "--allow-long-context" in err
    work = hwsim.load_workload("llm/phi-3-mini-4k", phase="decode", kv_len=4096, allow_long_context=True)
    assert work.layers  # built: the window (2047) caps its attention


def test_learned_positions_stay_a_hard_limit():
    with pytest.raises(HwsimInputError, match="learned positions"):
        hwsim.load_workload("llm/gpt2", phase="decode", kv_len=1024, allow_long_context=True)


def test_bad_rope_scaling_is_one_line(tmp_path, capsys):
    data = json.loads((LLM / "qwen3-8b.json").read_text())
    data["rope_scaling"] = {"rope_type": "yarn", "factor": -4, "original_max_position_embeddings": 32768}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    assert main(["run", "tpu-v1-like", str(path), "--phase", "decode", "--kv-len", "8", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rope_scaling" in err and "factor" in err
