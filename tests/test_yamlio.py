"""hwsim reads YAML's plain scalars by YAML 1.2's core schema (YAML 1.2.2, Sec. 10.3.2), not by
PyYAML's YAML 1.1 rules, which turn several spellings silently into other values."""

import math

import pytest

from hwsim.cli import main
from hwsim.yamlio import load_yaml_text, parse_yaml_value


@pytest.mark.parametrize("text, value", [
    # YAML 1.1 read these as 32 (octal), 64 (base 60), 64 (digit separators), 64 (binary)
    ("040", 40), ("1:04", "1:04"), ("6_4", "6_4"), ("0b1000000", "0b1000000"),
    # ... and these as booleans and a date
    ("no", "no"), ("yes", "yes"), ("on", "on"), ("off", "off"), ("2026-01-01", "2026-01-01"),
    # ... and these as text: YAML 1.2 numbers
    ("1e9", 1e9), ("+.5", 0.5), ("1.5e3", 1500.0), ("-3", -3), ("3.", 3.0),
    # the core schema's own spellings
    ("0x10", 16), ("0o17", 15), ("true", True), ("False", False), ("~", None), ("null", None),
    ("'040'", "040"),
])
def test_plain_scalars_read_as_yaml_1_2_core(text, value):
    got = load_yaml_text(f"a: {text}", "t.yaml")["a"]
    assert got == value and type(got) is type(value)
    assert parse_yaml_value(text) == value      # --set reads values the same way


def test_infinity_and_nan():
    got = load_yaml_text("a: .inf\nb: -.inf\nc: .nan", "t.yaml")
    assert got["a"] == math.inf and got["b"] == -math.inf and math.isnan(got["c"])


def test_an_octal_looking_row_count_is_decimal_and_a_sexagesimal_one_is_refused(capsys):
    assert main(["info", "scalesim-default", "--set", "compute.rows=040"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("rows ")]
    assert rows == [["rows", "40"]]
    code = main(["info", "scalesim-default", "--set", "compute.rows=1:04"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "compute.rows" in err and "1:04" in err
