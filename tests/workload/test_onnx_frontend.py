"""The ONNX frontend on graphs built with onnx.helper: shapes and MACs by hand (docs/onnx.md)."""

from __future__ import annotations

import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

import hwsim  # noqa: E402
from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim.workload import Conv2d, Gemm, MatMul, VectorOp  # noqa: E402

F = TensorProto.FLOAT


def weight(name, dims, dtype=F):
    """An initializer of the given shape (values irrelevant: hwsim reads shapes and types only)."""
    count = 1
    for d in dims:
        count *= d
    if dtype in (TensorProto.INT4, TensorProto.UINT4):
        return helper.make_tensor(name, dtype, dims, [0] * count)
    return helper.make_tensor(name, dtype, dims, [0] * count)


def model(nodes, inputs, outputs, inits=(), opset=17, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def save(tmp_path, m, name="m.onnx"):
    path = tmp_path / name
    onnx.save(m, str(path))
    return str(path)


def vi(name, dims, dtype=F):
    return helper.make_tensor_value_info(name, dtype, dims)


def conv_model(x_dims, w_dims, out="y", **attrs):
    node = helper.make_node("Conv", ["x", "w"], [out], name="conv", **attrs)
    return model([node], [vi("x", x_dims)], [vi(out, None)], [weight("w", w_dims)])


def only_layer(tmp_path, m, **kwargs):
    work = hwsim.load_workload(save(tmp_path, m), **kwargs)
    assert len(work.layers) == 1
    return work.layers[0]


# ------------------------------------------------------------------------------------ convolutions

def test_grouped_conv(tmp_path):
    # 32 -> 64 channels in 4 groups, 3x3, pad 1: 56*56 outputs x 64 filters x (8*9) = 14,450,688 MACs
    layer = only_layer(tmp_path, conv_model([1, 32, 56, 56], [64, 8, 3, 3], group=4, pads=[1, 1, 1, 1]))
    assert layer.name == "conv"
    assert layer.op == Conv2d(56, 56, 32, 64, 3, 3, stride=1, padding=1, groups=4)
    view = layer.op.gemm_view()
    assert (view.m, view.k, view.n, view.instances) == (3136, 72, 16, 4)
    assert view.macs == 14_450_688


def test_depthwise_strided_conv_batch_2(tmp_path):
    # 112 -> floor((112 + 2 - 3) / 2) + 1 = 56; 2 images x 56*56 x 32 channels x 9 = 1,806,336
    layer = only_layer(tmp_path, conv_model([2, 32, 112, 112], [32, 1, 3, 3], group=32, strides=[2, 2],
                                            pads=[1, 1, 1, 1]))
    assert layer.op == Conv2d(112, 112, 32, 32, 3, 3, stride=2, padding=1, groups=32, batch=2)
    assert (layer.op.out_h, layer.op.out_w) == (56, 56)
    assert layer.op.gemm_view().macs == 1_806_336


def test_dilated_conv_is_its_im2col_gemm(tmp_path):
    # dilation 2, pad 2: effective kernel 5, 64 -> 64 + 4 - 5 + 1 = 64; 64*64 x 32 x 16*9 = 18,874,368
    layer = only_layer(tmp_path, conv_model([1, 16, 64, 64], [32, 16, 3, 3], dilations=[2, 2], pads=[2, 2, 2, 2]))
    assert layer.op == Gemm(m=4096, k=144, n=32, batch=1)
    assert layer.op.gemm_view().macs == 18_874_368


def test_asymmetric_same_pads_stride_2(tmp_path):
    # TF 'SAME' at stride 2: pads (0, 0, 1, 1): floor((224 + 1 - 3) / 2) + 1 = 112 per side;
    # 112*112 x 32 x 27 = 10,838,016 MACs. The end pad is the last partial window: ceil_mode
    for attrs in ({"pads": [0, 0, 1, 1]}, {"auto_pad": "SAME_UPPER"}):
        layer = only_layer(tmp_path, conv_model([1, 3, 224, 224], [32, 3, 3, 3], strides=[2, 2], **attrs))
        assert layer.op == Conv2d(224, 224, 3, 32, 3, 3, stride=2, padding=0, ceil_mode=True)
        assert (layer.op.out_h, layer.op.out_w) == (112, 112)
        assert layer.op.gemm_view().macs == 10_838_016


def test_asymmetric_pads_stride_1_fold_into_the_input(tmp_path):
    # 2x2 kernel, pads end 1: 10 + 1 - 2 + 1 = 10 outputs per side; 100 x 8 x 32 = 25,600 MACs.
    # hwsim's Conv2d pads symmetrically: the extra end row/column is counted as input (11x11)
    layer = only_layer(tmp_path, conv_model([1, 8, 10, 10], [8, 8, 2, 2], pads=[0, 0, 1, 1]))
    assert layer.op == Conv2d(11, 11, 8, 8, 2, 2, stride=1, padding=0)
    assert layer.op.gemm_view().macs == 25_600


def test_unequal_strides(tmp_path):
    # strides (2, 1), pad 1: out 10 x 20; 200 x 8 x 36 = 57,600 MACs
    layer = only_layer(tmp_path, conv_model([1, 4, 20, 20], [8, 4, 3, 3], strides=[2, 1], pads=[1, 1, 1, 1]))
    assert layer.op == Gemm(m=200, k=36, n=8)
    assert layer.op.gemm_view().macs == 57_600


def test_conv1d_as_a_height_1_conv2d(tmp_path):
    # Whisper's audio stem: 80 mel x 3000 frames, 3-tap convs with pad 1 to 384 channels, the second
    # with stride 2: 3000 x 384 x 240 = 276,480,000 and 1500 x 384 x 1152 = 663,552,000 MACs
    nodes = [helper.make_node("Conv", ["x", "w1"], ["h"], name="conv1", pads=[1, 1]),
             helper.make_node("Conv", ["h", "w2"], ["y"], name="conv2", pads=[1, 1], strides=[2])]
    m = model(nodes, [vi("x", [1, 80, 3000])], [vi("y", None)],
              [weight("w1", [384, 80, 3]), weight("w2", [384, 384, 3])])
    work = hwsim.load_workload(save(tmp_path, m))
    conv1, conv2 = work.layers
    assert conv1.op == Conv2d(1, 3002, 80, 384, 1, 3, stride=1, padding=0)
    assert conv1.op.out_w == 3000 and conv1.op.gemm_view().macs == 276_480_000
    assert conv2.op.out_w == 1500 and conv2.op.gemm_view().macs == 663_552_000
    assert work.macs == 276_480_000 + 663_552_000


@pytest.mark.parametrize("group, w_dims, macs", [
    # input pixels x C/group x (M/group x kernel) x group: 16*16 x 64 x 32*16 = 8,388,608
    (1, [64, 32, 4, 4], 8_388_608),
    # 2 groups: 256 x 32 x (16 x 16) x 2 = 4,194,304
    (2, [64, 16, 4, 4], 4_194_304),
])
def test_conv_transpose(tmp_path, group, w_dims, macs):
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1],
                            group=group)
    m = model([node], [vi("x", [1, 64, 16, 16])], [vi("y", None)], [weight("w", w_dims)])
    layer = only_layer(tmp_path, m)
    # (16 - 1) * 2 - 2 + 4 = 32: 32 output channels at 32x32, lowered as the scatter GEMM
    assert layer.op == Gemm(m=256, k=64 // group, n=w_dims[1] * 16, batch=group)
    assert layer.op.gemm_view().macs == macs


# --------------------------------------------------------------------------------- matrix products

def test_matmul_activation_times_weight_folds_the_batch_into_rows(tmp_path):
    # [2, 128, 768] x W[768, 3072]: 256 rows; 256 x 768 x 3072 = 603,979,776 MACs, with weights
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="fc1")
    m = model([node], [vi("x", [2, 128, 768])], [vi("y", None)], [weight("w", [768, 3072])])
    layer = only_layer(tmp_path, m)
    assert layer.op == Gemm(m=256, k=768, n=3072)
    assert layer.op.gemm_view().b_operand == "weights"
    assert layer.op.gemm_view().macs == 603_979_776


def test_batched_matmul_of_two_activations_has_no_weights(tmp_path):
    # attention scores: [2, 8, 128, 64] x [2, 8, 64, 128]: 16 instances of 128x64x128 = 16,777,216
    node = helper.make_node("MatMul", ["q", "k"], ["s"], name="qk")
    m = model([node], [vi("q", [2, 8, 128, 64]), vi("k", [2, 8, 64, 128])], [vi("s", None)])
    layer = only_layer(tmp_path, m)
    assert layer.op == MatMul(m=128, k=64, n=128, batch=16)
    assert layer.op.gemm_view().b_operand == "kv"
    assert layer.op.gemm_view().macs == 16_777_216


def test_matmul_broadcast_batch(tmp_path):
    # [4, 12, 128, 64] x [12, 64, 32] -> [4, 12, 128, 32]: B has 12 slices, each read by 4 x 128 rows;
    # 4 x 12 x 128 x 64 x 32 = 12,582,912 MACs
    node = helper.make_node("MatMul", ["a", "b"], ["c"], name="bmm")
    m = model([node], [vi("a", [4, 12, 128, 64]), vi("b", [12, 64, 32])], [vi("c", None)])
    layer = only_layer(tmp_path, m)
    assert layer.op == MatMul(m=512, k=64, n=32, batch=12)
    assert layer.op.gemm_view().macs == 12_582_912


def test_matmul_weight_on_the_left(tmp_path):
    # W[10, 20] x X[4, 20, 30]: out^T = X^T W^T, 4 x 30 rows of 20 against 10 columns = 24,000 MACs
    node = helper.make_node("MatMul", ["w", "x"], ["y"], name="left")
    m = model([node], [vi("x", [4, 20, 30])], [vi("y", None)], [weight("w", [10, 20])])
    layer = only_layer(tmp_path, m)
    assert layer.op == Gemm(m=120, k=20, n=10)
    assert layer.op.gemm_view().macs == 24_000


def test_matmul_vector_times_matrix(tmp_path):
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="gemv")
    m = model([node], [vi("x", [64])], [vi("y", None)], [weight("w", [64, 10])])
    assert only_layer(tmp_path, m).op == Gemm(m=1, k=64, n=10)


@pytest.mark.parametrize("attrs, b_dims", [({"transB": 1}, [1000, 512]), ({}, [512, 1000])])
def test_gemm_trans_b(tmp_path, attrs, b_dims):
    # [4, 512] x [512, 1000] + bias: 4 x 512 x 1000 = 2,048,000 MACs (the bias starts the accumulator)
    node = helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", **attrs)
    m = model([node], [vi("x", [4, 512])], [vi("y", None)], [weight("w", b_dims), weight("b", [1000])])
    layer = only_layer(tmp_path, m)
    assert layer.op == Gemm(m=4, k=512, n=1000)
    assert layer.op.gemm_view().macs == 2_048_000


def test_gemm_trans_a(tmp_path):
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transA=1)
    m = model([node], [vi("x", [512, 4])], [vi("y", None)], [weight("w", [512, 1000])])
    assert only_layer(tmp_path, m).op == Gemm(m=4, k=512, n=1000)


def test_einsum_attention_and_projection(tmp_path):
    # scores 'bhqd,bhkd->bhqk' on [1, 8, 64, 32] x2: 8 x 64 x 32 x 64 = 1,048,576 MACs, no weights;
    # projection 'bsd,df->bsf' on [2, 10, 256] x W[256, 512]: 20 x 256 x 512 = 2,621,440 with weights
    nodes = [helper.make_node("Einsum", ["q", "k"], ["s"], name="scores", equation="bhqd,bhkd->bhqk"),
             helper.make_node("Einsum", ["x", "w"], ["y"], name="proj", equation="bsd,df->bsf"),
             helper.make_node("Einsum", ["q", "k"], ["s2"], name="ellipsis", equation="...qd,...kd->...qk")]
    m = model(nodes, [vi("q", [1, 8, 64, 32]), vi("k", [1, 8, 64, 32]), vi("x", [2, 10, 256])],
              [vi("s", None), vi("y", None), vi("s2", None)], [weight("w", [256, 512])], opset=17)
    scores, proj, ellipsis = hwsim.load_workload(save(tmp_path, m)).layers
    assert scores.op == MatMul(m=64, k=32, n=64, batch=8) and scores.op.gemm_view().macs == 1_048_576
    assert proj.op == Gemm(m=20, k=256, n=512) and proj.op.gemm_view().macs == 2_621_440
    assert ellipsis.op == scores.op


def test_einsum_ellipsis_broadcasts_from_the_right(tmp_path):
    # '...ij,...jk->...ik' on [1, 4, 5, 6] x [3, 4, 6, 7]: the size-1 batch dimension broadcasts over
    # 3: 12 products of 5x6x7 = 2,520 MACs
    node = helper.make_node("Einsum", ["a", "b"], ["c"], name="bmm", equation="...ij,...jk->...ik")
    m = model([node], [vi("a", [1, 4, 5, 6]), vi("b", [3, 4, 6, 7])], [vi("c", None)])
    assert hwsim.load_workload(save(tmp_path, m)).macs == 2_520


def test_einsum_that_is_not_a_matmul_is_refused(tmp_path):
    node = helper.make_node("Einsum", ["a", "b"], ["c"], name="hadamard", equation="ij,ij->ij")
    m = model([node], [vi("a", [4, 4]), vi("b", [4, 4])], [vi("c", None)])
    with pytest.raises(HwsimInputError, match=r"hadamard.*element-wise"):
        hwsim.load_workload(save(tmp_path, m))


# ---------------------------------------------------------------------------- vector and free ops

def test_vector_ops_and_free_ops(tmp_path):
    # conv 3->8 at 8x8 pad 1 (8*8 x 8 x 27 = 13,824 MACs), then: BN and ReLU over 8*8*8 = 512
    # elements; max pool 2x2 stride 2 -> 4x4x8 = 128 outputs x 4 window reads = 512; flatten (free);
    # Gemm 128 -> 10 (1,280 MACs); softmax over 10
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "b", "mu", "var"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fw"], ["g"], name="fc", transB=1),
        helper.make_node("Softmax", ["g"], ["y"], name="prob"),
    ]
    inits = [weight("w", [8, 3, 3, 3]), weight("s", [8]), weight("b", [8]), weight("mu", [8]), weight("var", [8]),
             weight("fw", [10, 128])]
    work = hwsim.load_workload(save(tmp_path, model(nodes, [vi("x", [1, 3, 8, 8])], [vi("y", None)], inits)))
    assert [(layer.name, layer.op) for layer in work.layers] == [
        ("conv", Conv2d(8, 8, 3, 8, 3, 3, stride=1, padding=1)),
        ("bn", VectorOp("batchnorm", 512)),
        ("relu", VectorOp("relu", 512)),
        ("pool", VectorOp("maxpool", 512)),
        ("fc", Gemm(m=1, k=128, n=10)),
        ("prob", VectorOp("softmax", 10)),
    ]
    assert work.macs == 13_824 + 1_280


def test_unnamed_and_duplicate_node_names_stay_unique(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Relu", ["a"], ["b"], name="act"),
             helper.make_node("Relu", ["b"], ["c"], name="act"),
             helper.make_node("Relu", ["c"], ["y"], name=" #block.0,\nrelu ")]
    path = save(tmp_path, model(nodes, [vi("x", [4])], [vi("y", None)]))
    work = hwsim.load_workload(path)
    assert [layer.name for layer in work.layers] == ["relu_0", "act", "act#2", "block.0, relu"]
    # and the names survive the native trace (one line per row, read stripped)
    from hwsim.workload.trace import format_trace, parse_trace

    assert parse_trace(format_trace(work)).layers == work.layers


def test_merge_repeats_counts_a_repeated_block(tmp_path):
    from hwsim.workload.frontends.onnx import load_onnx_workload

    # three identical (MatMul 64x64 weight, ReLU) blocks in a row become one block x 3
    nodes, inits, prev = [], [], "x"
    for i in range(3):
        nodes += [helper.make_node("MatMul", [prev, f"w{i}"], [f"h{i}"], name=f"fc{i}"),
                  helper.make_node("Relu", [f"h{i}"], [f"r{i}"], name=f"act{i}")]
        inits.append(weight(f"w{i}", [64, 64]))
        prev = f"r{i}"
    path = save(tmp_path, model(nodes, [vi("x", [8, 64])], [vi(prev, None)], inits))
    merged = load_onnx_workload(path, merge=True)
    assert [(layer.name, layer.count) for layer in merged.layers] == [("fc0", 3), ("act0", 3)]
    assert merged.macs == 3 * 8 * 64 * 64 == hwsim.load_workload(path).macs


# --------------------------------------------------------------------------------- dynamic inputs

def dynamic_model():
    node = helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")
    return model([node], [vi("x", ["batch", "seq", 64])], [vi("y", None)], [weight("w", [64, 32])])


def test_dynamic_dims_unbound_are_refused_naming_the_input(tmp_path):
    with pytest.raises(HwsimInputError, match=r"input 'x' dimension 0 \('batch'\) is dynamic"):
        hwsim.load_workload(save(tmp_path, dynamic_model()))
    # --batch binds the leading dimension only; 'seq' still needs a shape
    with pytest.raises(HwsimInputError, match=r"input 'x' dimension 1 \('seq'\) is dynamic.*--input-shape x=4xNx64"):
        hwsim.load_workload(save(tmp_path, dynamic_model()), batch=4)


def test_dynamic_dims_bound_by_input_shape_and_batch(tmp_path):
    path = save(tmp_path, dynamic_model())
    # 2 x 16 rows x 64 x 32 = 65,536 MACs
    assert hwsim.load_workload(path, input_shapes={"x": (2, 16, 64)}).layers[0].op == Gemm(m=32, k=64, n=32)
    assert hwsim.load_workload(path, input_shapes={"x": "2x16x64"}).macs == 65_536
    # a --batch that agrees with the shape's leading dimension is the same binding
    assert hwsim.load_workload(path, input_shapes={"x": (2, 16, 64)}, batch=2).macs == 65_536


@pytest.mark.parametrize("kwargs, message", [
    ({"input_shapes": {"nope": (1, 2, 64)}}, r"'nope'.*allowed: x"),
    ({"input_shapes": {"x": (2, 64)}}, r"input 'x' has 3 dimensions, --input-shape gives 2"),
    ({"input_shapes": {"x": (2, 16, 65)}}, r"dimension 2 is fixed at 64"),
    ({"input_shapes": {"x": (2, 0, 64)}}, r"not a shape"),
    # int() and isdigit() read other scripts' digits: a full-width 2 was a batch of 2
    ({"input_shapes": {"x": "２x16x64"}}, r"is not NAME=D1xD2x"),
    # both bind the leading dimension: the shape's 2 would win and --batch 4 be dropped silently
    ({"input_shapes": {"x": (2, 16, 64)}, "batch": 4}, r"leading \(batch\) dimension of 2, --batch 4"),
    ({"phase": "prefill"}, r"phase applies only to a model config.json"),
])
def test_bad_binding_arguments(tmp_path, kwargs, message):
    with pytest.raises(HwsimInputError, match=message):
        hwsim.load_workload(save(tmp_path, dynamic_model()), **kwargs)


def test_fixed_batch_is_not_rebound(tmp_path):
    node = helper.make_node("Relu", ["x"], ["y"], name="r")
    path = save(tmp_path, model([node], [vi("x", [1, 8])], [vi("y", None)]))
    with pytest.raises(HwsimInputError, match=r"fixed batch of 1; --batch 4"):
        hwsim.load_workload(path, batch=4)
    assert hwsim.load_workload(path, batch=1).layers[0].op == VectorOp("relu", 8)


# ------------------------------------------------------------------------------ unsupported / bad

def unsupported_model():
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="r"),
             helper.make_node("TopK", ["a", "k"], ["v", "i"], name="top", axis=-1),
             helper.make_node("NonZero", ["a"], ["nz"], name="nz1"),
             helper.make_node("NonZero", ["v"], ["nz2"], name="nz2")]
    i64 = TensorProto.INT64
    return model(nodes, [vi("x", [1, 100])], [vi("nz", None, i64), vi("nz2", None, i64), vi("i", None, i64)],
                 [helper.make_tensor("k", TensorProto.INT64, [1], [5])])


def test_unsupported_ops_listed_in_one_line(tmp_path):
    with pytest.raises(HwsimInputError) as err:
        hwsim.load_workload(save(tmp_path, unsupported_model()))
    assert "unsupported ONNX op type(s): NonZero (x2), TopK;" in str(err.value)
    assert "\n" not in str(err.value)


def test_skip_unsupported_counts_and_reports(tmp_path):
    from hwsim.workload.frontends.onnx import read_onnx

    path = save(tmp_path, unsupported_model())
    report = read_onnx(path, skip_unsupported=True)
    assert report.skipped == {"NonZero": 2, "TopK": 1}
    assert [layer.name for layer in report.workload.layers] == ["r"]
    work = hwsim.load_workload(path, skip_unsupported=True)
    assert work.source.endswith("(onnx; skipped unsupported: NonZero x2, TopK x1)")


def test_corrupt_and_non_onnx_files(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not a protobuf \xff\xfe\x00")
    with pytest.raises(HwsimInputError, match=r"bad.onnx: not (a readable )?ONNX model"):
        hwsim.load_workload(str(bad))
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(HwsimInputError, match=r"empty.onnx: not an ONNX model"):
        hwsim.load_workload(str(empty))


def test_an_opset_the_installed_onnx_does_not_know_is_refused(tmp_path):
    # a later opset may change an op's inputs or meaning (Attention in 23, block sizes in 21): a
    # model declaring one is refused rather than read with the older schemas
    known = onnx.defs.onnx_opset_version()
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"])]
    for version in (known + 1, 0):
        path = save(tmp_path, model(nodes, [vi("x", [4, 8])], [vi("y", None)], [weight("w", [8, 16])], opset=version))
        with pytest.raises(HwsimInputError) as err:
            hwsim.load_workload(path)
        text = str(err.value)
        assert f"opset {version} of the default ONNX domain" in text and f"allowed: 1..{known}" in text, text
        assert "opset_import" in text and "\n" not in text
    # the newest it knows traces
    path = save(tmp_path, model(nodes, [vi("x", [4, 8])], [vi("y", None)], [weight("w", [8, 16])], opset=known))
    assert hwsim.load_workload(path).macs == 4 * 8 * 16


def test_onnx_only_arguments_refused_for_other_workloads():
    with pytest.raises(HwsimInputError, match=r"input_shapes.*applies only to an .onnx model"):
        hwsim.load_workload("resnet50", input_shapes={"x": (1,)})


# ------------------------------------------------------------------------- recurrent and resize

def test_bidirectional_lstm(tmp_path):
    # 20 steps x batch 2 x 40 inputs, hidden 64, both directions: the input projection of all steps
    # (40 rows x 40 x 256, per direction: 819,200 MACs) and one recurrent GEMM per step (2 x 64 x 256 x
    # 2 directions x 20 steps: 1,310,720 MACs); 3 sigmoids per hidden unit and step
    node = helper.make_node("LSTM", ["x", "w", "r"], ["y"], name="lstm", hidden_size=64, direction="bidirectional")
    m = model([node], [vi("x", [20, 2, 40])], [vi("y", None)], [weight("w", [2, 256, 40]), weight("r", [2, 256, 64])])
    layers = {layer.name: layer for layer in hwsim.load_workload(save(tmp_path, m)).layers}
    assert layers["lstm/input"].op == Gemm(m=40, k=40, n=256, batch=2) and layers["lstm/input"].count == 1
    assert layers["lstm/recurrent"].op == Gemm(m=2, k=64, n=256, batch=2) and layers["lstm/recurrent"].count == 20
    assert layers["lstm/sigmoid"].op == VectorOp("sigmoid", 20 * 2 * 2 * 64 * 3)
    assert hwsim.load_workload(save(tmp_path, m)).macs == 819_200 + 1_310_720


def test_gru_batch_first(tmp_path):
    # layout 1: [batch 3, seq 5, 8 inputs], hidden 16: 15 x 8 x 48 = 5,760 + 5 steps x 3 x 16 x 48 = 11,520
    node = helper.make_node("GRU", ["x", "w", "r"], ["y"], name="gru", hidden_size=16, layout=1)
    m = model([node], [vi("x", [3, 5, 8])], [vi("y", None)], [weight("w", [1, 48, 8]), weight("r", [1, 48, 16])],
              opset=14)
    assert hwsim.load_workload(save(tmp_path, m)).macs == 5_760 + 11_520


@pytest.mark.parametrize("mode, layers", [("nearest", []), ("linear", [("up", VectorOp("avgpool", 3200 * 4))])])
def test_resize(tmp_path, mode, layers):
    # 8 x 10 x 10 doubled to 8 x 20 x 20 = 3,200 outputs; bilinear reads 2 x 2 neighbours per output
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["u"], name="up", mode=mode),
             helper.make_node("Relu", ["u"], ["y"], name="act")]
    m = model(nodes, [vi("x", [1, 8, 10, 10])], [vi("y", None)],
              [helper.make_tensor("scales", F, [4], [1.0, 1.0, 2.0, 2.0])])
    work = hwsim.load_workload(save(tmp_path, m))
    assert [(layer.name, layer.op) for layer in work.layers] == [*layers, ("act", VectorOp("relu", 3200))]



def test_layer_names_match_the_sensitivity_reader(tmp_path):
    # a free node sharing a conv's name takes the name first, as hwsim/dse/sensitivity.py counts
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["r"], name="block"),
             helper.make_node("MatMul", ["r", "w"], ["y"], name="block")]
    m = model(nodes, [vi("x", [2, 4, 8])], [vi("y", None)],
              [helper.make_tensor("shape", TensorProto.INT64, [2], [8, 8]), weight("w", [8, 3])])
    assert [layer.name for layer in hwsim.load_workload(save(tmp_path, m)).layers] == ["block#2"]


def test_model_local_functions_are_inlined(tmp_path):
    # a local function 'block' (MatMul by its weight input, then Relu) called twice: two 8x16x16 GEMMs
    body = [helper.make_node("MatMul", ["a", "w"], ["h"], name="fc"), helper.make_node("Relu", ["h"], ["o"], name="act")]
    fn = helper.make_function("local", "block", ["a", "w"], ["o"], body,
                              opset_imports=[helper.make_opsetid("", 17)])
    nodes = [helper.make_node("block", ["x", "w1"], ["y1"], name="b1", domain="local"),
             helper.make_node("block", ["y1", "w2"], ["y"], name="b2", domain="local")]
    graph = helper.make_graph(nodes, "fn", [vi("x", [8, 16])], [vi("y", None)],
                              initializer=[weight("w1", [16, 16]), weight("w2", [16, 16])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)],
                          functions=[fn])
    work = hwsim.load_workload(save(tmp_path, m))
    assert [layer.op for layer in work.layers if layer.op.kind == "gemm"] == [Gemm(m=8, k=16, n=16)] * 2
    assert work.macs == 2 * 8 * 16 * 16


def test_kv_cache_scatter_is_free_and_cumsum_is_an_add(tmp_path):
    # ScatterND writes 1 new row into a [1, 16, 8] cache (a memory write); CumSum over 16 x 8 = 128 adds
    nodes = [helper.make_node("ScatterND", ["cache", "idx", "new"], ["c2"], name="kv_write"),
             helper.make_node("CumSum", ["c2", "axis"], ["y"], name="cumsum")]
    inits = [helper.make_tensor("idx", TensorProto.INT64, [1, 1, 2], [0, 3]),
             helper.make_tensor("axis", TensorProto.INT64, [], [1])]
    m = model(nodes, [vi("cache", [1, 16, 8]), vi("new", [1, 1, 8])], [vi("y", None)], inits)
    work = hwsim.load_workload(save(tmp_path, m))
    assert [(layer.name, layer.op) for layer in work.layers] == [("cumsum", VectorOp("add", 128))]


def test_nodes_out_of_order_are_sorted(tmp_path):
    # the Relu reads the MatMul's output but comes first in the file; the weight is still a weight
    nodes = [helper.make_node("Relu", ["h"], ["y"], name="act"), helper.make_node("MatMul", ["x", "w"], ["h"], name="fc")]
    graph = helper.make_graph(nodes, "g", [vi("x", [2, 8])], [vi("y", None)], initializer=[weight("w", [8, 4])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "unsorted.onnx"
    path.write_bytes(m.SerializeToString())  # onnx.save would not check the order either; no checker
    work = hwsim.load_workload(str(path))
    assert [(layer.name, layer.op) for layer in work.layers] == [("fc", Gemm(m=2, k=8, n=4)),
                                                                  ("act", VectorOp("relu", 8))]


def test_trace_onnx_refuses_counts_run_would_refuse(tmp_path, capsys):
    # 2^45 x 16 rows x 64 x 32 = 2^56 MACs: written as a trace that hwsim run then refused
    from hwsim.cli import main

    out = tmp_path / "big.csv"
    code = main(["trace", "onnx", save(tmp_path, dynamic_model()), "--input-shape", f"x={2 ** 45}x16x64", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "beyond what hwsim computes exactly" in err, err
    assert not out.exists()
