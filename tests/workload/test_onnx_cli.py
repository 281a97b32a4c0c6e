"""hwsim trace onnx and the ONNX flags of hwsim run, in process (hwsim.cli.main)."""

from __future__ import annotations

import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

from hwsim.cli import main  # noqa: E402
from hwsim.workload.trace import read_trace  # noqa: E402
from hwsim.workload import Gemm  # noqa: E402


@pytest.fixture(scope="module")
def dynamic_mlp(tmp_path_factory):
    """[batch, 64] -> MatMul 64x32 -> Relu -> TopK (unsupported)."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"),
             helper.make_node("Relu", ["h"], ["r"], name="act"),
             helper.make_node("TopK", ["r", "k"], ["v", "i"], name="top")]
    inits = [helper.make_tensor("w", TensorProto.FLOAT, [64, 32], [0.0] * 2048),
             helper.make_tensor("k", TensorProto.INT64, [1], [4])]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
                              [helper.make_tensor_value_info("v", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("i", TensorProto.INT64, None)], initializer=inits)
    path = tmp_path_factory.mktemp("onnx") / "mlp.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return str(path)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hwsim: error: ")
    return err


def test_trace_onnx_writes_a_native_trace(tmp_path, dynamic_mlp, capsys):
    out = tmp_path / "t.csv"
    assert main(["trace", "onnx", dynamic_mlp, "--input-shape", "x=8x64", "--skip-unsupported", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert "left out unsupported ONNX nodes: TopK x1" in captured.err
    assert f"wrote {out}: 2 layers, 16,384 MACs" in captured.out  # 8 x 64 x 32
    work = read_trace(out)
    assert [layer.name for layer in work.layers] == ["fc", "act"]
    assert work.layers[0].op == Gemm(m=8, k=64, n=32)
    assert "skipped unsupported: TopK x1" in work.source


def test_trace_onnx_batch_flag_to_stdout(dynamic_mlp, capsys):
    assert main(["trace", "onnx", dynamic_mlp, "--batch", "3", "--skip-unsupported"]) == 0
    assert "\nfc,gemm,1,3,64,32,1," in capsys.readouterr().out


def test_run_an_onnx_model(tmp_path, dynamic_mlp, capsys):
    code = main(["run", "tpu-v1-like", dynamic_mlp, "--input-shape", "x=16x64", "--skip-unsupported",
                 "--format", "csv", "--out", ""])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines()[1].startswith("fc,")
    assert "TopK" in captured.err


@pytest.mark.parametrize("argv, message", [
    (["--input-shape", "x=8x64"], r"unsupported ONNX op type\(s\): TopK; --skip-unsupported"),
    (["--skip-unsupported"], r"input 'x' dimension 0 \('batch'\) is dynamic: bind it with --batch B or "
                             r"--input-shape x=Nx64"),
    (["--input-shape", "x=8by64", "--skip-unsupported"], r"'x=8by64' is not NAME=D1xD2x"),
    (["--input-shape", "y=8x64", "--skip-unsupported"], r"names 'y', which the model does not take"),
    (["--input-shape", "x=8x64", "--input-shape", "x=4x64"], r"input 'x' is given twice"),
])
def test_bad_onnx_runs_exit_2_with_one_line(dynamic_mlp, capsys, argv, message):
    import re

    assert main(["trace", "onnx", dynamic_mlp, *argv]) == 2
    assert re.search(message, one_error_line(capsys))


def test_corrupt_model_exits_2(tmp_path, capsys):
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07garbage\xff\xff\xff")
    assert main(["run", "tpu-v1-like", str(bad), "--out", ""]) == 2
    assert "broken.onnx: not a" in one_error_line(capsys)
    assert main(["trace", "onnx", str(tmp_path / "missing.onnx")]) == 2
    assert "missing.onnx: no such ONNX model file" in one_error_line(capsys)


def test_trace_onnx_refuses_other_files(tmp_path, capsys):
    trace = tmp_path / "t.csv"
    trace.write_text("name,op,m,k,n\nfc,gemm,1,2,3\n")
    assert main(["trace", "onnx", str(trace)]) == 2
    assert "reads an .onnx model" in one_error_line(capsys)


def test_onnx_flags_refused_for_other_workloads(capsys):
    assert main(["run", "tpu-v1-like", "resnet50", "--skip-unsupported", "--out", ""]) == 2
    assert "skip_unsupported (--skip-unsupported)" in one_error_line(capsys)


@pytest.mark.parametrize("flags, field", [(["--input-shape", "x=" + "1" * 31 + "x64"], "--input-shape"),
                                          (["--batch", str(2 ** 63)], "--batch")])
def test_a_dimension_beyond_exact_counting_is_one_line(dynamic_mlp, capsys, flags, field):
    # 10^30 and 2^63 were ONNX's "Value out of range" tracebacks
    assert main(["trace", "onnx", dynamic_mlp, *flags, "--skip-unsupported"]) == 2
    err = one_error_line(capsys)
    assert f"'{field}'" in err and "is too large" in err and "2^53" in err


def test_trace_never_writes_over_its_own_model(tmp_path, dynamic_mlp, capsys):
    import shutil

    model = tmp_path / "m.onnx"
    shutil.copy(dynamic_mlp, model)
    before = model.read_bytes()
    assert main(["trace", "onnx", str(model), "--batch", "2", "--skip-unsupported", "-o", str(model)]) == 2
    assert "would overwrite the input" in one_error_line(capsys)
    assert model.read_bytes() == before
