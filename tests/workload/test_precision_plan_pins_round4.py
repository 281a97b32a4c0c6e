"""Round-4 mutation pins on hwsim/workload/precision_plan.py (rules in its module docstring) and on
the gpt-oss reader's default window pattern (hwsim/workload/frontends/hf_families.py)."""

from __future__ import annotations

import hwsim
from hwsim.formats import Precision, parse_format
from hwsim.workload.frontends.hf_config import read_hf_config

from _llm_configs import edited_config  # noqa: E402  (tests/workload/_llm_configs.py)


def test_rows_apply_operand_by_operand_and_keep_the_traces_other_formats():
    """'an empty cell leaves the operand as it was; a later matching row wins, operand by operand':
    a layer with INT4 weights of its own, then '*' setting activations INT8, then 'fc' setting outputs
    INT16, ends with weights INT4, activations INT8, outputs INT16."""
    work = hwsim.Workload("w", (hwsim.Layer("fc", hwsim.Gemm(2, 8, 8), precision=Precision(weights="int4")),))
    plan = hwsim.parse_precision_plan("layer,weights,activations,outputs,kv\n*,,int8,,\nfc,,,int16,\n")
    got = plan.apply(work).layers[0].precision
    assert got.weights == parse_format("int4")
    assert got.activations == parse_format("int8")
    assert got.outputs == parse_format("int16")


def test_a_kv_only_row_may_match_only_the_layers_writing_new_kv():
    """The KV format applies to attention's K/V operand and to new K/V: a kv-only row matching just
    the K projection (it writes new K) is accepted and sets its kv format."""
    work = hwsim.Workload("w", (hwsim.Layer("k_proj", hwsim.Gemm(1, 8, 8), writes_kv=True),
                                hwsim.Layer("q_proj", hwsim.Gemm(1, 8, 8))))
    got = hwsim.parse_precision_plan("layer,kv\nk_proj,int4\n").apply(work)
    assert got.layers[0].precision.kv == parse_format("int4")
    assert got.layers[1].precision.kv is None


def test_gpt_oss_without_layer_types_slides_on_the_even_blocks(tmp_path):
    """GptOssConfig: without layer_types, even layers use the 128-token sliding window and odd ones
    attend fully: a 3-block gpt-oss has windows (128, 0, 128)."""
    path = edited_config(tmp_path, "gpt-oss-20b", layer_types=..., num_hidden_layers=3)
    assert read_hf_config(path).windows == (128, 0, 128)
