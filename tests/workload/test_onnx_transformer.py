"""A transformer encoder block as an exporter writes it (dynamic batch and sequence, reshapes from
Shape/Gather/Concat arithmetic, decomposed GELU): layers and MACs by hand."""

from __future__ import annotations

import math

import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

import hwsim  # noqa: E402
from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim.workload import Gemm, MatMul, VectorOp  # noqa: E402

F, I64 = TensorProto.FLOAT, TensorProto.INT64
D, HEADS, HEAD_DIM, FF = 64, 4, 16, 256


def const(name, dims, values, dtype=F):
    return helper.make_tensor(name, dtype, dims, values)


def zeros(name, dims):
    return const(name, dims, [0.0] * math.prod(dims))


@pytest.fixture(scope="module")
def block(tmp_path_factory):
    n = helper.make_node
    nodes = [
        n("LayerNormalization", ["x", "g1", "b1"], ["ln1"], name="ln1", axis=-1),
        # the exporter's runtime reshape target [batch, seq, heads, head_dim]
        n("Shape", ["x"], ["xs"], name="shape"),
        n("Gather", ["xs", "i0"], ["bd"], name="g_b", axis=0),
        n("Gather", ["xs", "i1"], ["sd"], name="g_s", axis=0),
        n("Unsqueeze", ["bd", "ax0"], ["bu"], name="u_b"),
        n("Unsqueeze", ["sd", "ax0"], ["su"], name="u_s"),
        n("Concat", ["bu", "su", "hh"], ["heads_shape"], name="cat", axis=0),
    ]
    for proj, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3])):
        nodes += [n("MatMul", ["ln1", f"w{proj}"], [f"{proj}0"], name=f"{proj}_proj"),
                  n("Add", [f"{proj}0", f"b{proj}"], [f"{proj}1"], name=f"{proj}_bias"),
                  n("Reshape", [f"{proj}1", "heads_shape"], [f"{proj}2"], name=f"{proj}_split"),
                  n("Transpose", [f"{proj}2"], [f"{proj}h"], name=f"{proj}_perm", perm=perm)]
    nodes += [
        n("MatMul", ["qh", "kh"], ["sc"], name="scores"),
        n("Div", ["sc", "sqrt_d"], ["scs"], name="scale"),
        n("Softmax", ["scs"], ["p"], name="softmax", axis=-1),
        n("MatMul", ["p", "vh"], ["o"], name="context"),
        n("Transpose", ["o"], ["ot"], name="o_perm", perm=[0, 2, 1, 3]),
        n("Reshape", ["ot", "merge_shape"], ["om"], name="o_merge"),
        n("MatMul", ["om", "wo"], ["o1"], name="o_proj"),
        n("Add", ["o1", "bo"], ["o2"], name="o_bias"),
        n("Add", ["x", "o2"], ["r1"], name="residual1"),
        n("LayerNormalization", ["r1", "g2", "b2"], ["ln2"], name="ln2", axis=-1),
        n("MatMul", ["ln2", "w1"], ["h0"], name="fc1"),
        n("Add", ["h0", "bf1"], ["h1"], name="fc1_bias"),
        # GELU as torch.onnx writes it: x * 0.5 * (1 + erf(x / sqrt 2))
        n("Div", ["h1", "sqrt2"], ["h2"], name="gelu_div"),
        n("Erf", ["h2"], ["h3"], name="gelu_erf"),
        n("Add", ["h3", "one"], ["h4"], name="gelu_add"),
        n("Mul", ["h1", "h4"], ["h5"], name="gelu_mul"),
        n("Mul", ["h5", "half"], ["h6"], name="gelu_half"),
        n("MatMul", ["h6", "w2"], ["f0"], name="fc2"),
        n("Add", ["f0", "bf2"], ["f1"], name="fc2_bias"),
        n("Add", ["r1", "f1"], ["y"], name="residual2"),
    ]
    inits = [zeros("g1", [D]), zeros("b1", [D]), zeros("g2", [D]), zeros("b2", [D]),
             const("i0", [], [0], I64), const("i1", [], [1], I64), const("ax0", [1], [0], I64),
             const("hh", [2], [HEADS, HEAD_DIM], I64), const("merge_shape", [3], [0, 0, D], I64),
             const("sqrt_d", [], [4.0]), const("sqrt2", [], [math.sqrt(2)]), const("one", [], [1.0]),
             const("half", [], [0.5]), zeros("wo", [D, D]), zeros("bo", [D]), zeros("w1", [D, FF]),
             zeros("bf1", [FF]), zeros("w2", [FF, D]), zeros("bf2", [D])]
    for proj in "qkv":
        inits += [zeros(f"w{proj}", [D, D]), zeros(f"b{proj}", [D])]
    graph = helper.make_graph(nodes, "encoder_block", [helper.make_tensor_value_info("x", F, ["batch", "seq", D])],
                              [helper.make_tensor_value_info("y", F, ["batch", "seq", D])], initializer=inits)
    path = tmp_path_factory.mktemp("onnx") / "block.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return str(path)


def test_encoder_block_layers_and_macs(block):
    batch, seq = 2, 10
    work = hwsim.load_workload(block, input_shapes={"x": (batch, seq, D)})
    ops = {layer.name: layer.op for layer in work.layers}
    tokens = batch * seq
    for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
        assert ops[proj] == Gemm(m=tokens, k=D, n=D)
    # per (sequence, head): scores [10 x 16] x [16 x 10], context [10 x 10] x [10 x 16]; no weights
    assert ops["scores"] == MatMul(m=seq, k=HEAD_DIM, n=seq, batch=batch * HEADS)
    assert ops["context"] == MatMul(m=seq, k=seq, n=HEAD_DIM, batch=batch * HEADS)
    assert ops["fc1"] == Gemm(m=tokens, k=D, n=FF) and ops["fc2"] == Gemm(m=tokens, k=FF, n=D)
    assert ops["softmax"] == VectorOp("softmax", batch * HEADS * seq * seq)
    assert ops["ln1"] == VectorOp("layernorm", tokens * D)
    assert ops["gelu_erf"] == VectorOp("unary", tokens * FF)
    assert ops["residual2"] == VectorOp("add", tokens * D)
    # the shape arithmetic, reshapes and transposes are free: no layer of theirs
    assert not {"shape", "g_b", "cat", "q_split", "q_perm", "o_merge"} & set(ops)
    # 4 projections + 2 attention products + the MLP:
    # 4 x 20 x 64 x 64 + 2 x 8 x 10 x 16 x 10 + 2 x 20 x 64 x 256 = 327,680 + 25,600 + 655,360
    assert work.macs == 1_008_640


def test_encoder_block_batch_flag_still_needs_the_sequence(block):
    with pytest.raises(HwsimInputError, match=r"input 'x' dimension 1 \('seq'\) is dynamic"):
        hwsim.load_workload(block, batch=2)
    work = hwsim.load_workload(block, batch=1, input_shapes={"x": (1, 128, D)})
    assert work.macs == 4 * 128 * D * D + 2 * HEADS * 128 * HEAD_DIM * 128 + 2 * 128 * D * FF


def test_onnx_attention_op_with_grouped_kv_heads_and_a_past(tmp_path):
    # opset 23 Attention: Q [1, 8 heads, 4, 16], K/V [1, 2 kv heads, 4, 16] after 12 cached positions:
    # T = 16; each K/V head serves 4 query heads, whose 4 x 4 = 16 rows stack:
    # scores 2 x (16 x 16 x 16) and context 2 x (16 x 16 x 16) = 8,192 + 8,192 MACs;
    # softmax over 8 heads x 4 x 16 = 512 scores
    if onnx.defs.onnx_opset_version() < 23:
        pytest.skip("the Attention op needs onnx >= 1.18 (opset 23)")
    node = helper.make_node("Attention", ["q", "k", "v", "", "pk", "pv"], ["y", "present_k", "present_v"],
                            name="attn")
    vi = helper.make_tensor_value_info
    graph = helper.make_graph([node], "attn", [vi("q", F, [1, 8, 4, 16]), vi("k", F, [1, 2, 4, 16]),
                                               vi("v", F, [1, 2, 4, 16]), vi("pk", F, [1, 2, 12, 16]),
                                               vi("pv", F, [1, 2, 12, 16])],
                              [vi("y", F, None), vi("present_k", F, None), vi("present_v", F, None)])
    path = tmp_path / "attn.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)]), str(path))
    layers = {layer.name: layer.op for layer in hwsim.load_workload(str(path)).layers}
    assert layers["attn/scores"] == MatMul(m=16, k=16, n=16, batch=2)
    assert layers["attn/context"] == MatMul(m=16, k=16, n=16, batch=2)
    assert layers["attn/softmax"] == VectorOp("softmax", 512)
    assert hwsim.load_workload(str(path)).macs == 16_384
