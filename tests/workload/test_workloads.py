"""Traces round-trip; frontends lower like the reference tools; presets have the published sizes."""

import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.formats import parse_format
from hwsim.workload import Conv2d, Gemm, Layer, MatMul, Precision, VectorOp, Workload
from hwsim.workload.frontends.scalesim_topology import format_topology, read_topology
from hwsim.workload.trace import format_trace, parse_trace, read_trace, write_trace


def test_native_trace_round_trips(tmp_path):
    work = Workload("mix", (
        Layer("conv", Conv2d(56, 56, 64, 128, 3, 3, stride=2, padding=1, groups=2, batch=2, ceil_mode=True),
              Precision(weights=parse_format("int4@g128"), activations=parse_format("fp8_e4m3")), count=3),
        Layer("fc", Gemm(7, 2048, 1000, batch=2), Precision(outputs=parse_format("5.25"))),
        Layer("qk", MatMul(1, 128, 300, batch=32), Precision(kv=parse_format("nvfp4"))),
        Layer("sm", VectorOp("softmax", 9600)),
    ), source="hand-made")
    path = tmp_path / "t.csv"
    write_trace(work, path)
    again = read_trace(path)
    assert again == work
    assert format_trace(again) == path.read_text()


@pytest.mark.parametrize("preset", ["resnet50", "mobilenet_v2", "bert_base_seq128", "bert_base_seq512"])
def test_presets_round_trip_through_the_native_trace(preset):
    work = hwsim.load_workload(preset)
    assert parse_trace(format_trace(work), default_name=work.name) == work


def test_published_mac_counts():
    # He et al. 2016 Table 1: ResNet-50 3.8-4.1 GFLOPs (multiply-adds), fc included: 4.09e9 for v1.5
    assert hwsim.load_workload("resnet50").macs == pytest.approx(4.09e9, rel=0.01)
    # Sandler et al. 2018 Table 4: MobileNetV2 300M multiply-adds
    assert hwsim.load_workload("mobilenet_v2").macs == pytest.approx(300e6, rel=0.01)
    # BERT-base, seq 128: 12 x (4 x 128x768x768 + 2 x 128x768x3072 + 2 x 12 x 128x128x64)
    expected = 12 * (4 * 128 * 768 * 768 + 2 * 128 * 768 * 3072 + 2 * 12 * 128 * 128 * 64)
    assert hwsim.load_workload("bert_base_seq128").macs == expected


def test_resnet50_has_every_conv_and_the_fc():
    work = hwsim.load_workload("resnet50")
    convs = sum(l.count for l in work.layers if l.op.kind == "conv2d")
    assert convs == 1 + 16 * 3 + 4  # stem, 16 bottlenecks of three convs, 4 projection shortcuts
    assert sum(l.count for l in work.layers if l.op.kind == "gemm") == 1


def test_scalesim_topology_depthwise_and_gemm(reference):
    conv = read_topology(reference / "scalesim" / "topologies" / "odd_conv.csv")
    channels = [l for l in conv.layers if l.name.startswith("DPdw3x3_c8")]
    assert [l.name for l in channels] == [f"DPdw3x3_c8Channel_{i}" for i in range(8)]
    view = channels[0].op.gemm_view()
    assert (view.m, view.k, view.n, view.instances) == (28 * 28, 9, 1, 1)
    gemm = read_topology(reference / "scalesim" / "topologies" / "odd_gemm.csv")
    view = next(l for l in gemm.layers if l.name == "nonmult_33x65x129").op.gemm_view()
    assert (view.m, view.n, view.k) == (33, 65, 129)


def test_topology_export_preserves_gemm_views(tmp_path):
    work = hwsim.load_workload("mobilenet_v2")
    path = tmp_path / "mnv2.csv"
    path.write_text(format_topology(work))
    back = read_topology(path)
    # every GEMM instance of the preset, in order, equals one SCALE-Sim layer of the export
    expanded = [(v.m, v.k, v.n) for l in work.layers for v in [l.op.gemm_view()] for _ in range(l.count * v.instances)]
    exported = [(v.m, v.k, v.n) for l in back.layers for v in [l.op.gemm_view()] for _ in range(v.instances)]
    assert exported == expanded
    assert back.macs == work.macs


def test_transformer_decoder_decode_step():
    from hwsim.workload.frontends.transformer import TransformerConfig, build_transformer
    cfg = TransformerConfig(kind="transformer_decoder", name="llama2-7b-decode", source="Touvron et al. 2023",
                            hidden=4096, heads=32, blocks=32, ffn=11008, seq_len=1, phase="decode", kv_len=256,
                            vocab=32000)
    work = build_transformer(cfg)
    names = {l.name: l for l in work.layers}
    assert names["q_proj"].op == Gemm(1, 4096, 4096) and names["q_proj"].count == 32
    assert names["attn_qk"].op == MatMul(1, 128, 257, 32)
    assert names["lm_head"].op == Gemm(1, 4096, 32000) and names["lm_head"].count == 1
    # decode: one MAC per weight of every linear layer
    linear = sum(l.op.m * l.op.k * l.op.n * l.count for l in work.layers if l.op.kind == "gemm")
    assert linear == 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008) + 4096 * 32000


def test_comment_metadata_and_defaults():
    work = parse_trace("# name: w\n# source: s\nname,op,m,k,n\nfc,gemm,2,3,4\n")
    assert work.name == "w" and work.source == "s"
    assert work.layers[0].count == 1 and work.layers[0].op.batch == 1


def test_unknown_vector_op():
    with pytest.raises(HwsimInputError, match="allowed"):
        VectorOp("tanhh", 3)
