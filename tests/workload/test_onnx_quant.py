"""Quantised ONNX graphs: each layer's weight / activation / output formats read from the graph."""

from __future__ import annotations

import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

import hwsim  # noqa: E402
from hwsim.formats import parse_format  # noqa: E402
from hwsim.workload import Conv2d, Gemm, Precision  # noqa: E402

F, U8, I8, I4, I32 = TensorProto.FLOAT, TensorProto.UINT8, TensorProto.INT8, TensorProto.INT4, TensorProto.INT32


def tensor(name, dtype, dims):
    count = 1
    for d in dims:
        count *= d
    return helper.make_tensor(name, dtype, dims, [0] * count if dims else [0])


def save(tmp_path, nodes, inputs, outputs, inits, opset=21):
    graph = helper.make_graph(nodes, "q", inputs, outputs, initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / "q.onnx"
    onnx.save(m, str(path))
    return str(path)


def qdq_model(tmp_path):
    """x (float) -> Q/DQ uint8 -> Conv with int8 per-channel weights -> Q/DQ uint8 -> Flatten ->
    MatMul with int4 weights in blocks of 32 along K (fp32 scales) -> float output."""
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q_x"),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dq_x"),
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], name="dq_w", axis=0),
        helper.make_node("Conv", ["xd", "wd", "b"], ["c"], name="conv"),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("QuantizeLinear", ["r", "cs", "cz"], ["cq"], name="q_c"),
        helper.make_node("DequantizeLinear", ["cq", "cs", "cz"], ["cd"], name="dq_c"),
        helper.make_node("Flatten", ["cd"], ["f"], name="flat"),
        helper.make_node("DequantizeLinear", ["mq", "ms"], ["md"], name="dq_m", axis=0, block_size=32),
        helper.make_node("MatMul", ["f", "md"], ["y"], name="fc"),
    ]
    inits = [
        helper.make_tensor("xs", F, [], [0.02]), tensor("xz", U8, []),
        tensor("wq", I8, [16, 3, 3, 3]), helper.make_tensor("ws", F, [16], [0.01] * 16), tensor("wz", I8, [16]),
        helper.make_tensor("b", F, [16], [0.0] * 16),
        helper.make_tensor("cs", F, [], [0.05]), tensor("cz", U8, []),
        # 14400 = 16 x 30 x 30 inputs in 450 blocks of 32, one fp32 scale per block and output
        tensor("mq", I4, [14400, 10]), helper.make_tensor("ms", F, [450, 10], [0.1] * 4500),
    ]
    return save(tmp_path, nodes, [helper.make_tensor_value_info("x", F, [1, 3, 32, 32])],
                [helper.make_tensor_value_info("y", F, None)], inits)


def test_qdq_graph_formats_are_read(tmp_path):
    work = hwsim.load_workload(qdq_model(tmp_path))
    conv, relu, fc = work.layers
    # the conv reads uint8 activations and int8 (per-channel) weights and writes what q_c quantises
    # to, through the fused ReLU: uint8
    assert conv.name == "conv"
    assert conv.op == Conv2d(32, 32, 3, 16, 3, 3)
    assert conv.precision == Precision(weights="int8", activations="uint8", outputs="uint8")
    assert relu.name == "relu" and relu.precision.outputs == parse_format("uint8")
    # the MatMul's weights: int4 in groups of 32 with fp32 scales = 4 + 32/32 = 5 bits per weight
    assert fc.op == Gemm(m=1, k=14400, n=10)
    assert fc.precision == Precision(weights="int4@g32:fp32", activations="uint8")
    assert fc.precision.weights.bits_per_element == 5.0
    # 30 x 30 x 16 x 27 + 14400 x 10
    assert work.macs == 388_800 + 144_000


def test_int4_group_with_the_default_uint8_scale_is_hwsims_int4_g128(tmp_path):
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws"], ["wd"], name="dq", axis=0, block_size=128),
             helper.make_node("MatMul", ["x", "wd"], ["y"], name="proj")]
    # scales stored as uint8 (a double-quantised scale): DequantizeLinear needs a float scale, so the
    # uint8 case is checked on the name hwsim gives the group format
    inits = [tensor("wq", I4, [256, 64]), helper.make_tensor("ws", TensorProto.FLOAT16, [2, 64], [1.0] * 128)]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [8, 256])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT16, None)], inits)
    layer = hwsim.load_workload(path).layers[0]
    assert layer.precision.weights.name == "int4@g128:fp16"
    assert layer.precision.weights.bits_per_element == 4 + 16 / 128
    assert parse_format("int4@g128").name == "int4@g128"  # uint8 scale: hwsim's default spelling


def test_qlinearconv_formats_and_shape(tmp_path):
    # uint8 activations, int8 per-channel weights, uint8 output; 8 -> 16 channels, 3x3 pad 1 at 16x16:
    # 256 x 16 x 72 = 294,912 MACs
    nodes = [helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"], name="qconv",
                              pads=[1, 1, 1, 1])]
    inits = [helper.make_tensor("xs", F, [], [0.02]), tensor("xz", U8, []), tensor("w", I8, [16, 8, 3, 3]),
             helper.make_tensor("ws", F, [16], [0.01] * 16), tensor("wz", I8, [16]),
             helper.make_tensor("ys", F, [], [0.05]), tensor("yz", U8, [])]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", U8, [1, 8, 16, 16])],
                [helper.make_tensor_value_info("y", U8, None)], inits, opset=13)
    layer = hwsim.load_workload(path).layers[0]
    assert layer.op == Conv2d(16, 16, 8, 16, 3, 3, padding=1)
    assert layer.op.gemm_view().macs == 294_912
    assert layer.precision == Precision(weights="int8", activations="uint8", outputs="uint8")


def test_qlinear_matmul_and_the_integer_ops(tmp_path):
    # QLinearMatMul int8 x int8 weights -> int8; MatMulInteger uint8 x int8 weights -> int32;
    # ConvInteger uint8 x uint8 weights -> int32 (1x1 conv 4 -> 8 at 5x5: 25 x 8 x 4 = 800 MACs)
    nodes = [
        helper.make_node("QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y1"], name="qmm"),
        helper.make_node("MatMulInteger", ["u", "b"], ["y2"], name="mmi"),
        helper.make_node("ConvInteger", ["img", "cw"], ["y3"], name="convi"),
    ]
    inits = [helper.make_tensor("as", F, [], [0.1]), tensor("az", I8, []), tensor("b", I8, [64, 32]),
             helper.make_tensor("bs", F, [], [0.1]), tensor("bz", I8, []), helper.make_tensor("ys", F, [], [0.1]),
             tensor("yz", I8, []), tensor("cw", U8, [8, 4, 1, 1])]
    inputs = [helper.make_tensor_value_info("a", I8, [4, 64]), helper.make_tensor_value_info("u", U8, [4, 64]),
              helper.make_tensor_value_info("img", U8, [1, 4, 5, 5])]
    outputs = [helper.make_tensor_value_info("y1", I8, None), helper.make_tensor_value_info("y2", I32, None),
               helper.make_tensor_value_info("y3", I32, None)]
    qmm, mmi, convi = hwsim.load_workload(save(tmp_path, nodes, inputs, outputs, inits, opset=13)).layers
    assert qmm.op == Gemm(m=4, k=64, n=32)
    assert qmm.precision == Precision(weights="int8", activations="int8", outputs="int8")
    assert mmi.op == Gemm(m=4, k=64, n=32)
    assert mmi.precision == Precision(weights="int8", activations="uint8", outputs="int32")
    assert convi.op == Conv2d(5, 5, 4, 8, 1, 1) and convi.op.gemm_view().macs == 800
    assert convi.precision == Precision(weights="uint8", activations="uint8", outputs="int32")


def test_float_model_leaves_formats_to_the_accelerator(tmp_path):
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", F, [2, 8])],
                [helper.make_tensor_value_info("y", F, None)], [tensor("w", F, [8, 4])], opset=17)
    assert hwsim.load_workload(path).layers[0].precision == Precision()


def test_quantised_trace_round_trips_and_runs(tmp_path):
    from hwsim.cli import main
    from hwsim.workload.trace import read_trace

    model = qdq_model(tmp_path)
    out = tmp_path / "q.csv"
    assert main(["trace", "onnx", model, "-o", str(out)]) == 0
    again = read_trace(out)
    assert again.layers == hwsim.load_workload(model).layers
    assert "int4@g32:fp32" in out.read_text()


def contrib(op, inputs, outputs, name, **attrs):
    return helper.make_node(op, inputs, outputs, name=name, domain="com.microsoft", **attrs)


def test_onnx_runtime_qoperator_graph(tmp_path):
    """ONNX Runtime's QOperator format: QLinearConv, then the com.microsoft QLinearAdd (residual),
    QLinearGlobalAveragePool and QGemm, whose shapes ONNX's own inference cannot see."""
    nodes = [
        helper.make_node("QLinearConv", ["x", "s", "z", "w", "ws", "wz", "s", "z"], ["c"], name="qconv",
                         pads=[1, 1, 1, 1]),
        contrib("QLinearAdd", ["c", "s", "z", "x", "s", "z", "s", "z"], ["a"], "qadd"),
        contrib("QLinearGlobalAveragePool", ["a", "s", "z", "s", "z"], ["p"], "gap", channels_last=0),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        contrib("QGemm", ["f", "s", "z", "fw", "ws1", "wz1", "", "s", "z"], ["y"], "qfc", transB=1),
    ]
    inits = [helper.make_tensor("s", F, [], [0.1]), tensor("z", U8, []), tensor("w", I8, [8, 8, 3, 3]),
             helper.make_tensor("ws", F, [8], [0.1] * 8), tensor("wz", I8, [8]), tensor("fw", I8, [10, 8]),
             helper.make_tensor("ws1", F, [], [0.1]), tensor("wz1", I8, [])]
    graph = helper.make_graph(nodes, "qop", [helper.make_tensor_value_info("x", U8, [1, 8, 8, 8])],
                              [helper.make_tensor_value_info("y", U8, None)], initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])
    path = tmp_path / "qop.onnx"
    onnx.save(m, str(path))
    qconv, qadd, gap, qfc = hwsim.load_workload(str(path)).layers
    # 64 outputs x 8 filters x 72 taps = 36,864 MACs; the add and the pool over 8 x 8 x 8 = 512
    assert qconv.op == Conv2d(8, 8, 8, 8, 3, 3, padding=1) and qconv.op.gemm_view().macs == 36_864
    assert (qadd.op.op, qadd.op.elements) == ("add", 512)
    assert qadd.precision == Precision(activations="uint8", outputs="uint8")
    assert (gap.op.op, gap.op.elements) == ("avgpool", 512)
    assert qfc.op == Gemm(m=1, k=8, n=10)
    assert qfc.precision == Precision(weights="int8", activations="uint8", outputs="uint8")


def test_matmul_nbits_int4_llm_weights(tmp_path):
    # ONNX Runtime's 4-bit LLM linear layer: K = 256, N = 64, blocks of 32 along K with fp16 scales:
    # unsigned 4-bit weights + 16/32 = 4.5 bits each; [4, 256] x [256, 64] = 65,536 MACs
    node = contrib("MatMulNBits", ["a", "b", "scales"], ["y"], "proj", K=256, N=64, bits=4, block_size=32)
    inits = [tensor("b", U8, [64, 8, 16]), helper.make_tensor("scales", TensorProto.FLOAT16, [512], [1.0] * 512)]
    graph = helper.make_graph([node], "nbits", [helper.make_tensor_value_info("a", TensorProto.FLOAT16, [4, 256])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT16, None)], initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    path = tmp_path / "nbits.onnx"
    onnx.save(m, str(path))
    (layer,) = hwsim.load_workload(str(path)).layers
    assert layer.op == Gemm(m=4, k=256, n=64) and layer.op.gemm_view().macs == 65_536
    assert layer.precision.weights.name == "uint4@g32:fp16"
    assert layer.precision.weights.bits_per_element == 4.5


def test_int8_qdq_model_runs_at_its_own_formats(tmp_path):
    # symmetric int8 activations and per-channel int8 weights (what tpu-v1-like runs): the conv's
    # 32 x 32 x 16 x 27 = 442,368 MACs simulated at int8 x int8 with no override
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="q_x"),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dq_x"),
        helper.make_node("DequantizeLinear", ["wq", "ws"], ["wd"], name="dq_w", axis=0),
        helper.make_node("Conv", ["xd", "wd"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("QuantizeLinear", ["c", "cs", "xz"], ["cq"], name="q_c"),
        helper.make_node("DequantizeLinear", ["cq", "cs", "xz"], ["y"], name="dq_c"),
    ]
    inits = [helper.make_tensor("xs", F, [], [0.02]), tensor("xz", I8, []), tensor("wq", I8, [16, 3, 3, 3]),
             helper.make_tensor("ws", F, [16], [0.01] * 16), helper.make_tensor("cs", F, [], [0.05])]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("x", F, [1, 3, 32, 32])],
                [helper.make_tensor_value_info("y", F, None)], inits, opset=17)
    work = hwsim.load_workload(path)
    assert work.layers[0].precision == Precision(weights="int8", activations="int8", outputs="int8")
    result = hwsim.simulate(hwsim.load_accelerator("tpu-v1-like"), work)
    assert result.layers["macs"].tolist() == [442_368]


@pytest.mark.parametrize("a_type, w_type, a_name, w_name", [
    (TensorProto.INT16, I8, "int16", "int8"),                                 # A16W8
    (TensorProto.FLOAT8E4M3FN, TensorProto.FLOAT8E4M3FN, "fp8_e4m3", "fp8_e4m3"),
    (TensorProto.FLOAT8E5M2, TensorProto.UINT4, "fp8_e5m2", "uint4"),
])
def test_dequantized_operand_types(tmp_path, a_type, w_type, a_name, w_name):
    nodes = [helper.make_node("DequantizeLinear", ["aq", "s"], ["a"], name="dq_a"),
             helper.make_node("DequantizeLinear", ["wq", "s"], ["w"], name="dq_w"),
             helper.make_node("MatMul", ["a", "w"], ["y"], name="mm")]
    inits = [helper.make_tensor("s", F, [], [0.5]), tensor("wq", w_type, [16, 8])]
    path = save(tmp_path, nodes, [helper.make_tensor_value_info("aq", a_type, [4, 16])],
                [helper.make_tensor_value_info("y", F, None)], inits)
    (layer,) = hwsim.load_workload(path).layers
    assert layer.op == Gemm(m=4, k=16, n=8)
    assert layer.precision == Precision(weights=w_name, activations=a_name)
