"""Round four of the bad-input corpus: every case is one line on stderr naming the file and the
field, exit code 2 (the Python API: one HwsimInputError), never a traceback. The input files are
written per test (tests/bad_inputs' own listing must name only files its corpus runs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import hwsim
from hwsim.cli import main
from hwsim.dse.precision_search import parse_budget, parse_budget_fraction

from conftest import assert_one_input_error, assert_one_line_exit_2

ROOT = Path(__file__).resolve().parents[1]
TINY = str(Path(__file__).parent / "bad_inputs" / "ok_tiny_trace.csv")
ACCEL = "scalesim-default"


def _preset(preset: str, **changes) -> str:
    data = yaml.safe_load((ROOT / "accelerators" / f"{preset}.yaml").read_text())
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        node[last] = value
    return yaml.safe_dump(data, sort_keys=False)


MODEL = dict(kind="transformer_decoder", name="m", source="test", hidden=64, heads=4, blocks=2, ffn=128, seq_len=8)
DEEP = "[" * 5000 + "]" * 5000
SWEEP = {"accelerator": ACCEL, "workloads": [TINY], "axes": {"compute.rows": [8, 16]}, "sampler": {"kind": "grid"}}

# (files to write {name: text or bytes}, argv with {name} for their paths, fragments of the one line)
CASES = [
    # a YAML file nested thousands deep: Python's repr of it (quoted in the refusal) recursed out of its stack
    ({"deep.yaml": f"name: {DEEP}\n"}, ["run", "{deep.yaml}", TINY], ["deep.yaml", "nested more than 64 levels"]),
    ({"deep_map.yaml": "name: " + "{a: " * 5000 + "}" * 5000 + "\n"}, ["run", "{deep_map.yaml}", TINY],
     ["deep_map.yaml", "nested more than 64 levels"]),
    ({}, ["run", ACCEL, TINY, "--set", "name=" + "{a: " * 5000 + "}" * 5000], ["field 'name'", "nested more than 64 levels"]),
    # deeper than libyaml's C composer recurses (a segfault near 25,000 levels): refused from the events
    ({"deeper.yaml": "name: " + "[" * 60000 + "]" * 60000 + "\n"}, ["run", "{deeper.yaml}", TINY],
     ["deeper.yaml", "nested more than 64 levels"]),
    # aliases of aliases (YAML's "billion laughs"): 9 levels, composed as shared lists, never walked out
    ({"laughs.yaml": "l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9))},
     ["run", "{laughs.yaml}", TINY], ["laughs.yaml", "unknown key 'l0'"]),
    # command-line numbers as the files read them: int() and float() took 1_6 and other scripts' digits
    ({}, ["tech", "--node", "4_5"], ["--node", "'4_5' is not a number"]),
    ({}, ["pe", "--vdd", "\uff10.9"], ["--vdd", "is not a number"]),
    ({}, ["tech", "--node", "\u0664\u0665"], ["--node", "is not a number"]),
    ({}, ["run", ACCEL, "llm/gpt2", "--phase", "decode", "--kv-len", "1_6"], ["--kv-len", "'1_6' is not an integer"]),
    ({}, ["run", ACCEL, "llm/gpt2", "--phase", "decode", "--kv-len", "8", "--batch", "\u0662"], ["--batch", "is not an integer"]),
    ({}, ["trace", "llm", "llm/gpt2", "--phase", "prefill", "--seq-len", "1_024"], ["--seq-len", "'1_024' is not an integer"]),
    ({"s.yaml": yaml.safe_dump(SWEEP)}, ["sweep", "{s.yaml}", "-o", "out", "--jobs", "\uff12"], ["--jobs", "is not an integer"]),
    ({}, ["explore", "out", "-o", "e.html", "--max-rows", "1_0"], ["--max-rows", "'1_0' is not an integer"]),
    # an accumulator is one INT or FP register: an average width or a scaled format names none
    ({}, ["run", ACCEL, TINY, "--set", "compute.pe.accumulator=31.5"], ["compute.pe.accumulator", "'31.5' is not a register format"]),
    ({}, ["run", ACCEL, TINY, "--set", "compute.pe.accumulator=32"], ["compute.pe.accumulator", "'32' is not a register format"]),
    ({}, ["run", ACCEL, TINY, "--set", "compute.pe.accumulator=int32@g32"], ["compute.pe.accumulator", "not a register format"]),
    ({"acc.yaml": _preset("gpu-a100-roofline", **{"compute.pe.accumulator": "mxfp8"})}, ["run", "{acc.yaml}", TINY],
     ["acc.yaml", "field 'compute.pe.accumulator'", "'mxfp8' is not a register format", "allowed: an INT or FP format"]),
    ({}, ["run", "stripes-like", TINY, "--set", "compute.pe.accumulator=31.5"], ["compute.pe.accumulator", "not a register format"]),
    # transformer model YAML: the config.json's block ceiling; keys the lowering would not read
    ({"m.yaml": yaml.safe_dump({**MODEL, "blocks": 10 ** 9})}, ["run", ACCEL, "{m.yaml}"],
     ["m.yaml", "field 'blocks'", "1000000000 blocks", "1..12600", "Llama 3.1 405B"]),
    ({"m.yaml": yaml.safe_dump({**MODEL, "kind": "transformer_encoder", "vocab": 100})}, ["run", ACCEL, "{m.yaml}"],
     ["m.yaml", "field 'vocab'", "an encoder has no LM head"]),
    ({"m.yaml": yaml.safe_dump({**MODEL, "kv_len": 4})}, ["run", ACCEL, "{m.yaml}"],
     ["m.yaml", "field 'kv_len'", "read only in phase 'decode'"]),
    # names that are blank or hold control characters (a corrupt file's NUL, a line break)
    ({"t.csv": "name,op,m,k,n\nf\x00c,gemm,4,4,4\n"}, ["run", ACCEL, "{t.csv}"],
     ["t.csv", "line 2", "field 'name'", "control character", "not a layer name"]),
    ({"a.yaml": _preset(ACCEL, name="   ")}, ["run", "{a.yaml}", TINY], ["a.yaml", "field 'name'", "is blank"]),
    ({"a.yaml": _preset(ACCEL, name="a\nb")}, ["run", "{a.yaml}", TINY], ["a.yaml", "field 'name'", "control character"]),
    ({}, ["run", ACCEL, TINY, "--set", "name=\"a\\tb\""], ["field 'name'", "control character"]),
    # a chunk of more points than any space holds (point ids are int64)
    ({"s.yaml": yaml.safe_dump({**SWEEP, "chunk_points": 2 ** 80})}, ["sweep", "{s.yaml}", "-o", "out"],
     ["s.yaml", "field 'chunk_points'", "an integer >= 1 and <= 2^62"]),
]


@pytest.mark.parametrize("files, argv, fragments", CASES, ids=[f"r4-{i}" for i in range(len(CASES))])
def test_round4_bad_input_is_one_line_and_exit_2(files, argv, fragments, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    paths = {}
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, newline="")
        paths[name] = str(path)
    argv = [paths[a[1:-1]] if a.startswith("{") and a.endswith("}") and a[1:-1] in paths else a for a in argv]
    assert_one_line_exit_2(argv, fragments, capsys)


API_CASES = [
    # str() of a DataFrame spans lines: it was looked up as a preset name and quoted whole
    (lambda: hwsim.simulate(ACCEL, pd.DataFrame({"name": ["fc"], "op": ["gemm"]})),
     ["field 'workload'", "DataFrame", "neither a preset name nor a path"]),
    (lambda: hwsim.simulate(pd.DataFrame({"a": [1, 2]}), TINY), ["field 'accelerator'", "neither a preset name nor a path"]),
    (lambda: hwsim.generate(ACCEL, pd.DataFrame({"a": [1, 2]}), 4, 2), ["field 'model config'", "neither"]),
    # an int beyond float's range: OverflowError
    # budgets read ASCII decimals as every other flag does (float() took 1_000 and other scripts' digits)
    (lambda: parse_budget("energy_pj<=1_000"), ["field '--budget'", "'1_000' is not a number"]),
    (lambda: parse_budget_fraction("latency_s=\uff10.5"), ["field '--budget-fraction'", "is not a number"]),
    # 10^400 has 401 digits, 10^5000 5,001: str() of the latter raises (beyond 4,300 digits)
    (lambda: hwsim.parse_format(10 ** 400), ["an integer of about 401 digits", "not a usable bit width", "[0.5, 64]"]),
    (lambda: hwsim.parse_format(-10 ** 400), ["an integer of about 401 digits", "not a usable bit width"]),
    (lambda: hwsim.parse_format(10 ** 5000), ["an integer of about 5,001 digits", "not a usable bit width"]),
    # booleans are not weights; an empty matrix has nothing to perturb
    (lambda: hwsim.quantise(np.ones((2, 2), dtype=bool), "int4"), ["field 'w'", "booleans"]),
    (lambda: hwsim.quantise(np.ones((0, 4)), "int4"), ["field 'w'", "holds no weights"]),
    # the Python call names its own argument; hwsim sensitivity names --candidates (its own test)
    (lambda: hwsim.quantise(np.ones((2, 2)), "int1"), ["field 'fmt'", "no symmetric rounding grid"]),
    (lambda: hwsim.quantise(np.ones((2, 2)), 5.25), ["field 'fmt'", "no rounding rule"]),
    # a cell pandas cannot hash: TypeError from the grouping, before the spec's own check
    (lambda: hwsim.evaluate(ACCEL, TINY, pd.DataFrame({"compute.pe.weights": [bytearray(b"x"), ["int8"]]})),
     ["points row 0", "field 'compute.pe.weights'", "valid list"]),
    (lambda: hwsim.load_accelerator(ACCEL, ["compute.pe.weights=" + DEEP]), ["field 'compute.pe.weights'", "nested"]),
]


@pytest.mark.parametrize("call, fragments", API_CASES, ids=[f"r4api{i}" for i in range(len(API_CASES))])
def test_round4_api_is_one_input_error(call, fragments):
    assert_one_input_error(call, fragments)


def test_round4_legal_neighbours_still_run(capsys):
    """The legal inputs beside the refused ones: whitespace around a flag's number, a path object,
    an accumulator written as a format name, a YAML 64 levels deep is not a spec but is read."""
    assert main(["tech", "--node", " 45 ", "--format", "json"]) == 0
    assert main(["run", ACCEL, TINY, "--set", "compute.pe.accumulator=int24", "--out", "", "--format", "json"]) == 0
    capsys.readouterr()
    assert hwsim.simulate(ACCEL, Path(TINY)).layers.shape[0] == 1
    assert hwsim.model_parameters(ROOT / "workloads" / "llm" / "gpt2.json").total > 0
    # a set of formats is a collection of distinct formats, as a list is
    table = hwsim.evaluate(ACCEL, TINY, pd.DataFrame({"compute.pe.weights": [{"int8"}, ["int8"]]}))
    assert table["latency_s"].nunique() == 1
    from hwsim.yamlio import load_yaml_text

    assert load_yaml_text("a: " + "[" * 63 + "]" * 63, "x")["a"] is not None
