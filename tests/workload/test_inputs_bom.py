"""Files exported by spreadsheets start with a UTF-8 byte-order mark; files that are not UTF-8 give
one line naming the file."""

from pathlib import Path

import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.inputs import read_text

PROJECT = Path(__file__).resolve().parents[2]


def _two_layer_trace() -> str:
    lines = (PROJECT / "workloads" / "resnet50.csv").read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("name,"))
    rows = [line for line in lines if line.startswith(("conv1,", "res2a_1x1a,"))]
    assert len(rows) == 2
    return "\n".join([header, *rows]) + "\n"


@pytest.mark.parametrize("comments", ["", "# name: bom_trace\n# source: a spreadsheet export\n"])
def test_trace_with_bom_loads(tmp_path, comments):
    path = tmp_path / "bom_trace.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (comments + _two_layer_trace()).encode("utf-8"))
    work = hwsim.load_workload(str(path))
    assert len(work.layers) == 2
    assert [layer.name for layer in work.layers] == ["conv1", "res2a_1x1a"]


def test_read_text_drops_the_bom(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n")
    assert read_text(path, "trace") == "a,b\n"


def test_undecodable_file_names_the_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,op\nconv\xe9,gemm\n".encode("latin-1"))
    with pytest.raises(HwsimInputError) as info:
        read_text(path, "trace")
    message = str(info.value)
    assert str(path) in message and "UTF-8" in message and "\n" not in message


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(HwsimInputError) as info:
        read_text(path, "trace")
    assert str(path) in str(info.value) and "\n" not in str(info.value)
