"""Quantisers and `hwsim sensitivity` (hwsim/dse/sensitivity.py): rounding by hand, the ONNX
reader on a model built with onnx.helper, Omega from Hessian traces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hwsim.cli import main
from hwsim.dse.sensitivity import float_max, perturbation, quantise, round_float
from hwsim.errors import HwsimInputError
from hwsim.formats import parse_format


def test_int4_per_channel_by_hand():
    # amax 1 -> scale 1/7; 1 -> 7, -0.5 -> -3.5 -> -4 (half to even), 0.25 -> 1.75 -> 2, 0.1 -> 0.7 -> 1
    w = np.array([[1.0, -0.5, 0.25, 0.1]])
    expected = np.array([[7, -4, 2, 1]]) / 7
    assert np.allclose(quantise(w, parse_format("int4")), expected, rtol=0, atol=1e-15)
    delta, sqnr = perturbation(w, parse_format("int4"))
    hand = (4 / 7 - 0.5) ** 2 + (2 / 7 - 0.25) ** 2 + (1 / 7 - 0.1) ** 2
    assert delta == pytest.approx(hand, rel=1e-12)
    assert sqnr == pytest.approx(10 * np.log10((1 + 0.25 + 0.0625 + 0.01) / hand), rel=1e-12)


def test_fp_grids_and_saturation_by_hand():
    # OCP FP8 E4M3 max 448; E5M2 max 57344; FP4 E2M1 max 6; FP6 E2M3 7.5 (OCP 8-bit FP / MX v1.0)
    assert float_max(parse_format("fp8_e4m3")) == 448.0 and float_max(parse_format("fp8_e5m2")) == 57344.0
    assert float_max(parse_format("fp4_e2m1")) == 6.0 and float_max(parse_format("fp6_e2m3")) == 7.5
    assert float_max(parse_format("fp16")) == 65504.0
    fp4 = parse_format("fp4_e2m1")  # grid 0, 0.5, 1, 1.5, 2, 3, 4, 6
    x = np.array([2.4, 0.7, 0.2, 0.25, 0.75, 5.0, 7.0, -2.6])
    assert list(round_float(x, fp4)) == [2.0, 0.5, 0.0, 0.0, 1.0, 4.0, 6.0, -3.0]
    # per channel: amax 12 maps to 6 (scale 2): 12 -> 6 -> 12, 5 -> 2.5 -> 2 (half to even) -> 4
    assert list(quantise(np.array([[12.0, 5.0]]), fp4)[0]) == [12.0, 4.0]


def test_group_and_mx_blocks_by_hand():
    # int4@g2: groups (1, 0.5) scale 1/7 -> (7, 3.5 -> 4)/7; (0.1, -0.05) scale 0.1/7 -> (7, -3.5 -> -4)
    w = np.array([[1.0, 0.5, 0.1, -0.05]])
    got = quantise(w, parse_format("int4@g2"))
    assert np.allclose(got, [[1.0, 4 / 7, 0.1, -0.4 / 7]], rtol=1e-12)
    # mxfp4: one block of 32; amax 6 -> shared exponent floor(log2 6) - 2 = 0, scale 1: the fp4 grid
    block = np.zeros((1, 32))
    block[0, :3] = [6.0, 2.4, 0.7]
    assert list(quantise(block, parse_format("mxfp4"))[0, :3]) == [6.0, 2.0, 0.5]
    # amax 7 -> exponent 0 too: 7 clamps to 6 (OCP MX: elements saturate)
    block[0, 0] = 7.0
    assert quantise(block, parse_format("mxfp4"))[0, 0] == 6.0
    # mxint8: amax 1 -> exponent 0, elements int8 x 2^-6: 0.3 -> 19.2 -> 19 / 64
    block = np.zeros((1, 32))
    block[0, :2] = [1.0, 0.3]
    assert list(quantise(block, parse_format("mxint8"))[0, :2]) == [1.0, 19 / 64]


def test_average_width_has_no_quantiser():
    with pytest.raises(HwsimInputError, match="no rounding rule"):
        quantise(np.ones((1, 2)), parse_format("5.25"))


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    folder = tmp_path_factory.mktemp("sens")
    w_fc = np.zeros((4, 4), dtype=np.float32)   # Gemm transB: [out, in]; one channel, three zero ones
    w_fc[0] = [1.0, -0.5, 0.25, 0.1]
    w_mm = np.array([[2.0], [1.0], [0.5], [0.0]], dtype=np.float32)                      # MatMul B: [K=4, N=1]
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w_fc"], ["h"], name="fc", transB=1),
         helper.make_node("Relu", ["h"], ["h2"], name="act"),
         helper.make_node("MatMul", ["h2", "w_mm"], ["y"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])],
        initializer=[numpy_helper.from_array(w_fc, "w_fc"), numpy_helper.from_array(w_mm, "w_mm")])
    path = folder / "tiny.onnx"
    onnx.save(helper.make_model(graph), str(path))
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    (folder / "traces.csv").write_text("layer,hessian_trace\nfc,2.0\nmatmul_2,0.5\n")
    return folder


def test_sensitivity_command_on_an_onnx_model(tiny_onnx, capsys):
    out = tiny_onnx / "sens.csv"
    code = main(["sensitivity", str(tiny_onnx / "tiny.onnx"), "--candidates", "w4a4,w8a8",
                 "--hessian-traces", str(tiny_onnx / "traces.csv"), "-o", str(out)])
    assert code == 0
    table = pd.read_csv(out).set_index(["layer", "candidate"])
    # fc: the int4 case above (its zero rows add nothing); unnamed MatMul: node index 2
    hand = (4 / 7 - 0.5) ** 2 + (2 / 7 - 0.25) ** 2 + (1 / 7 - 0.1) ** 2
    assert table.loc[("fc", "w4a4"), "delta_w2"] == pytest.approx(hand, rel=1e-6)
    assert table.loc[("fc", "w4a4"), "omega"] == pytest.approx(2.0 * hand, rel=1e-6)
    assert table.loc[("fc", "w4a4"), "n_params"] == 16
    # matmul_2: one output channel [2, 1, 0.5, 0]; int4 scale 2/7: 1 -> 3.5 -> 4, 0.5 -> 1.75 -> 2
    mm = (8 / 7 - 1) ** 2 + (4 / 7 - 0.5) ** 2
    assert table.loc[("matmul_2", "w4a4"), "delta_w2"] == pytest.approx(mm, rel=1e-6)
    assert table.loc[("matmul_2", "w8a8"), "delta_w2"] < mm / 100
    assert set(table.index.get_level_values("layer")) == {"fc", "matmul_2"}


def test_layer_names_are_the_onnx_frontends(tiny_onnx):
    import hwsim

    work = hwsim.load_workload(str(tiny_onnx / "tiny.onnx"))
    assert [layer.name for layer in work.layers if layer.op.gemm_view() is not None] == ["fc", "matmul_2"]


def test_sensitivity_file_feeds_the_search(tiny_onnx, tmp_path):
    from hwsim.dse.precision_search import precision_search

    sens = tmp_path / "sens.csv"
    assert main(["sensitivity", str(tiny_onnx / "tiny.onnx"), "--candidates", "w4a4,w8a8",
                 "--hessian-traces", str(tiny_onnx / "traces.csv"), "-o", str(sens)]) == 0
    costs = pd.DataFrame({"layer": ["fc", "fc", "matmul_2", "matmul_2"], "candidate": ["w4a4", "w8a8"] * 2,
                          "model_bytes": [4.0, 8.0, 2.0, 4.0]})
    result = precision_search(sensitivity=str(sens), cost_table=costs, budgets=["model_bytes<=10"])
    # room for one layer at 8 bits: fc (its omega drop, 2 x 0.0082 = 0.0164, beats matmul_2's 0.5 x 0.0255)
    assert list(result.plan["candidate"]) == ["w8a8", "w4a4"]


def test_missing_trace_is_one_line(tiny_onnx, tmp_path, capsys):
    (tmp_path / "t.csv").write_text("layer,hessian_trace\nfc,1\n")
    code = main(["sensitivity", str(tiny_onnx / "tiny.onnx"), "--candidates", "w4a4", "--hessian-traces",
                 str(tmp_path / "t.csv"), "-o", str(tmp_path / "s.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "matmul_2" in err and err.count("\n") == 1


def test_a_group_wider_than_the_row_is_the_row():
    # the last group may be short: one group of 4 whatever G says (int4@g2 above, per-channel here)
    w = np.array([[1.0, 0.5, 0.1, -0.05]])
    per_row = quantise(w, parse_format("int4@g4"))
    assert np.array_equal(quantise(w, parse_format("int4@g1048576")), per_row)
    # scale 1/7: 0.5 -> 3.5 -> 4, 0.1 -> 0.7 -> 1, -0.05 -> -0.35 -> 0
    assert np.allclose(per_row, [[1.0, 4 / 7, 1 / 7, 0.0]], rtol=1e-12)


@pytest.mark.parametrize("candidates, traces, words", [
    # a signed 1-bit integer's largest value is 0: symmetric rounding would divide by it (NaN rows)
    ("w1a8", None, ["--candidates", "'int1' has no symmetric rounding grid"]),
    ("w4a4,w8a8,w4a4", None, ["--candidates", "w4a4 listed twice"]),
    ("w4a8,W4A8", None, ["--candidates", "w4a8 listed twice"]),   # names are case-blind
    ("w4a8@g2097152", None, ["--candidates", "group size must be 1 to 2^20"]),
    ("w4a9", None, ["field '--candidates'", "'w4a9' is not a precision mix"]),
    # Omega ranks by a positive semi-definite curvature: a negative trace rewards the larger error
    ("w4a4", "layer,hessian_trace\nfc,-3\nmatmul_2,1\n", ["hessian_trace", "'-3' is not a finite number >= 0"]),
    ("w4a4", "layer,hessian_trace\nfc,1\nmatmul_2,1\nfc,2\n", ["layer 'fc' has a trace already"]),
])
def test_bad_candidates_and_traces_are_one_line(tiny_onnx, tmp_path, capsys, candidates, traces, words):
    argv = ["sensitivity", str(tiny_onnx / "tiny.onnx"), "--candidates", candidates, "-o", str(tmp_path / "s.csv")]
    if traces is not None:
        (tmp_path / "t.csv").write_text(traces)
        argv += ["--hessian-traces", str(tmp_path / "t.csv")]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not (tmp_path / "s.csv").exists()
