"""MoE routing models (docs/workloads-llm.md, "MoE routing"): the upper bound, the expected number of
experts touched under uniform random routing E (1 - (1 - k/E)^N), and a per-layer routing histogram;
expected values by hand and by exhaustive enumeration of small cases."""

import itertools
import json
from fractions import Fraction
from pathlib import Path

import pytest

import hwsim
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from hwsim.workload.moe_routing import expected_touched

LLM = Path(__file__).resolve().parents[2] / "workloads" / "llm"


def _experts(work) -> dict[int, int]:
    """rows per expert -> (block, expert) pairs with that many rows, from the expert_gate layers."""
    found: dict[int, int] = {}
    for layer in work.layers:
        if "/expert_gate" in layer.name and layer.op.kind == "gemm":
            found[layer.op.m] = found.get(layer.op.m, 0) + layer.count
    return found


def test_expected_touched_closed_form_by_hand():
    assert expected_touched(8, 2, 1) == pytest.approx(2)            # one row: exactly its k experts
    assert expected_touched(8, 2, 2) == pytest.approx(8 * (1 - (6 / 8) ** 2))  # = 3.5
    assert expected_touched(8, 2, 2) == pytest.approx(3.5)
    assert expected_touched(8, 2, 4) == pytest.approx(8 * 175 / 256)  # 1 - (3/4)^4 = 175/256
    assert expected_touched(128, 8, 10_000) == pytest.approx(128)     # a large batch touches them all


@pytest.mark.parametrize("experts, k, rows", [(4, 2, 2), (5, 2, 3), (6, 3, 2)])
def test_expected_touched_equals_exhaustive_enumeration(experts, k, rows):
    """Every row picks one of the C(E, k) expert sets, all equally likely: the mean number of distinct
    experts over all C(E, k)^N outcomes, counted exactly, is the closed form."""
    subsets = list(itertools.combinations(range(experts), k))
    outcomes = list(itertools.product(subsets, repeat=rows))
    mean = Fraction(sum(len(set().union(*choice)) for choice in outcomes), len(outcomes))
    assert expected_touched(experts, k, rows) == pytest.approx(float(mean), rel=1e-12)


def test_qwen3_moe_decode_batch16_upper_vs_expected():
    """Qwen3-30B-A3B: 128 experts, top-8, 48 MoE blocks. Batch 16 routes 128 assignments per block."""
    upper = hwsim.load_workload("llm/qwen3-30b-a3b", phase="decode", kv_len=100, batch=16)
    expected = hwsim.load_workload("llm/qwen3-30b-a3b", phase="decode", kv_len=100, batch=16, moe_routing="expected")
    assert _experts(upper) == {1: 48 * 128}  # min(128, 16 x 8) experts, one row each
    # E[T] = 128 (1 - (120/128)^16) = 82.42... per block; 48 blocks: 3956.2 -> 3956 experts in all
    touched = round(48 * 128 * (1 - (120 / 128) ** 16))
    assert touched == 3956
    split = _experts(expected)
    assert sum(split.values()) == touched
    # the 48 x 128 = 6144 assignments split exactly: 6144 = 1 x 3956 + 2188 -> 2188 experts get 2 rows
    assert split == {2: 2188, 1: 3956 - 2188}
    expert_macs = 3 * 2048 * 768
    expert_layers = lambda w: sum(l.op.gemm_view().macs * l.count for l in w.layers if "/expert_" in l.name
                                  and l.op.kind == "gemm")
    assert expert_layers(expected) == expert_layers(upper) == 48 * 16 * 8 * expert_macs


def test_expected_routing_at_batch_1_reads_exactly_k_experts():
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=10, moe_routing="expected")
    assert _experts(work) == {1: 32 * 2}


def test_routing_histogram_per_layer(tmp_path):
    """Mixtral (8 experts, top-2, 32 blocks), batch 4: R = 8 assignments per block, shared in proportion."""
    hot = [4, 2, 1, 1, 0, 0, 0, 0]    # 8 of 16 per 4 rows... each expert <= 1/k of the total
    flat = [1] * 8
    layers = [hot] * 16 + [flat] * 16
    path = tmp_path / "routing.json"
    path.write_text(json.dumps({"layers": layers}))
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=10, batch=4, moe_routing=str(path))
    # hot blocks: experts get 4, 2, 1, 1 rows; flat blocks: all 8 get 1
    assert _experts(work) == {4: 16, 2: 16, 1: 16 * 2 + 16 * 8}
    assert [l.name for l in work.layers if "/expert_gate." in l.name] == [
        "decode/expert_gate.m4", "decode/expert_gate.m2", "decode/expert_gate.m1"]
    # one list applies to every block
    path.write_text(json.dumps({"layers": [hot]}))
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=10, batch=4, moe_routing=str(path))
    assert _experts(work) == {4: 32, 2: 32, 1: 64}


def test_histogram_largest_remainder_rounding(tmp_path):
    # batch 1 on Mixtral: 2 assignments; weights 3:3:2:2 of 10 give shares 0.6, 0.6, 0.4, 0.4 -> experts 0, 1
    path = tmp_path / "routing.json"
    path.write_text(json.dumps({"layers": [[3, 3, 2, 2, 0, 0, 0, 0]]}))
    work = hwsim.load_workload("llm/mixtral-8x7b", phase="decode", kv_len=10, moe_routing=str(path))
    assert _experts(work) == {1: 2 * 32}


@pytest.mark.parametrize("content, words", [
    ({"layers": [[1] * 7]}, ["layers[0]", "8 numbers"]),
    ({"layers": [[1] * 8] * 5}, ["layers", "32"]),
    ({"layers": [[9, 1, 1, 1, 1, 1, 1, 1]]}, ["layers[0]", "1/k", "expert 0"]),
    ({"layers": [[0] * 8]}, ["layers[0]", "all weights are 0"]),
    ({"layers": [[1, -1, 1, 1, 1, 1, 1, 1]]}, ["layers[0]", ">= 0"]),
    ({"experts": 8}, ["'experts'", "unknown key", "allowed: layers"]),
    # a misspelt key beside 'layers' was read past
    ({"layers": [[1] * 8], "layer": [[1] * 8]}, ["unknown key 'layer'"]),
    ({"layers": [[1] * 8], "source": 3}, ["'source'", "must be text"]),
])
def test_bad_routing_histograms_are_one_line_exit_2(tmp_path, capsys, content, words):
    path = tmp_path / "routing.json"
    path.write_text(json.dumps(content))
    assert main(["run", "tpu-v1-like", "llm/mixtral-8x7b", "--phase", "decode", "--kv-len", "8",
                 "--moe-routing", str(path), "--out", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwsim: error: ") and err.count("\n") == 1 and str(path) in err, err
    for word in words:
        assert word in err, err


def test_routing_option_refused_where_it_does_not_apply(capsys):
    with pytest.raises(HwsimInputError, match="no mixture of experts"):
        hwsim.load_workload("llm/llama-3-8b", phase="decode", kv_len=8, moe_routing="expected")
    assert main(["run", "tpu-v1-like", "llm/mixtral-8x7b", "--phase", "decode", "--kv-len", "8",
                 "--moe-routing", "optimistic", "--out", ""]) == 2
    err = capsys.readouterr().err
    assert "--moe-routing" in err and "upper, expected" in err and err.count("\n") == 1
    with pytest.raises(HwsimInputError, match="config.json"):
        hwsim.load_workload("resnet50", moe_routing="expected")


def test_expected_routing_deepseek_v2_lite_batch_8():
    """DeepSeek-V2-Lite decode at batch 8: 48 assignments on 64 experts in each of 26 MoE blocks. Upper
    bound: 48 experts per block; expected: 64 (1 - (58/64)^8) = 34.88 per block, 906.9 -> 907 in all."""
    touched = {}
    for routing in ("upper", "expected"):
        work = hwsim.load_workload("llm/deepseek-v2-lite", phase="decode", kv_len=64, batch=8, moe_routing=routing)
        touched[routing] = sum(_experts(work).values())
    assert touched["upper"] == 26 * 48
    assert touched["expected"] == round(26 * 64 * (1 - (58 / 64) ** 8)) == 907


def test_cli_moe_routing_changes_the_expert_weight_traffic(tmp_path, capsys):
    """A small Qwen3-MoE (16 experts of 32, top-2, 2 blocks) at batch 4: upper 8 experts per block,
    expected 16 (1 - (14/16)^4) = 6.62 -> 13 in all; each touched expert's weights are read once."""
    config = {"model_type": "qwen3_moe", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
              "num_key_value_heads": 2, "head_dim": 16, "num_hidden_layers": 2, "vocab_size": 100,
              "num_experts": 16, "num_experts_per_tok": 2, "moe_intermediate_size": 32}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    weights = {}
    for routing in ("upper", "expected"):
        out = tmp_path / routing
        assert main(["run", "tpu-v1-like", str(path), "--phase", "decode", "--kv-len", "16", "--batch", "4",
                     "--moe-routing", routing, "--out", str(out)]) == 0
        capsys.readouterr()
        work = hwsim.load_workload(str(path), phase="decode", kv_len=16, batch=4, moe_routing=routing)
        weights[routing] = sum(l.op.k * l.op.n * l.count for l in work.layers
                               if "/expert_" in l.name and l.op.kind == "gemm")
    expert = 3 * 64 * 32
    assert weights["upper"] == 2 * 8 * expert
    assert weights["expected"] == round(2 * 16 * (1 - (14 / 16) ** 4)) * expert == 13 * expert


def test_largest_remainder_ties_go_to_the_lower_expert():
    # four equal shares of 2 assignments (0.5 each): the documented tie rule, lowest index first
    from hwsim.workload.moe_routing import _assign

    assert _assign(2, [1.0, 1.0, 1.0, 1.0]) == [1, 1, 0, 0]
    # shares 1.5, 1.5, 0: floors 1, 1; one left over, tied -> expert 0
    assert _assign(3, [1.0, 1.0, 0.0]) == [2, 1, 0]
    # remainders decide before the index: 0.2, 0.8 -> expert 1 takes the one left
    assert _assign(1, [1.0, 4.0]) == [0, 1]
