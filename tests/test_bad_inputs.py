"""The bad-input corpus: every case is one line on stderr naming the file/field, exit code 2."""

from pathlib import Path

import pytest

from hwsim.cli import main

BAD = Path(__file__).parent / "bad_inputs"
GOOD_TRACE = "resnet50"
GOOD_ACCEL = "scalesim-default"

# (argv, fragments that must all appear in the one-line message)
CASES = [
    (["run", str(BAD / "spec_unknown_key.yaml"), GOOD_TRACE], ["spec_unknown_key.yaml", "clock_ghz", "allowed:", "clock_mhz"]),
    (["run", str(BAD / "spec_unknown_nested_key.yaml"), GOOD_TRACE], ["compute.row", "allowed:", "rows, cols, dataflow, pe"]),
    (["run", str(BAD / "spec_duplicate_key.yaml"), GOOD_TRACE], ["spec_duplicate_key.yaml", "duplicate key 'rows'"]),
    (["run", str(BAD / "spec_wrong_type.yaml"), GOOD_TRACE], ["compute.rows", "integer", "'many'"]),
    (["run", str(BAD / "spec_bad_dataflow.yaml"), GOOD_TRACE], ["compute.dataflow", "'rs'", "'os'", "'ws'", "'is'"]),
    (["run", str(BAD / "spec_negative_sram.yaml"), GOOD_TRACE], ["buffers.ifmap.size_kib", "greater than 0"]),
    (["run", str(BAD / "spec_unknown_format.yaml"), GOOD_TRACE], ["compute.pe.weights", "int9x", "allowed:"]),
    (["run", str(BAD / "spec_missing_field.yaml"), GOOD_TRACE], ["clock_mhz", "missing"]),
    (["run", str(BAD / "spec_bad_node.yaml"), GOOD_TRACE], ["tech_node_nm", "3", "allowed: 5-130 nm"]),
    (["run", str(BAD / "spec_bad_voltage.yaml"), GOOD_TRACE], ["spec_bad_voltage.yaml", "supply_voltage_v", "2.5", "0.50-1.29 V at 7 nm"]),
    (["run", str(BAD / "spec_default_not_supported.yaml"), GOOD_TRACE], ["default_precision", "int4", "allowed: int8"]),
    (["run", str(BAD / "spec_zero_bandwidth.yaml"), GOOD_TRACE], ["dram.bandwidth_gb_s"]),
    (["run", str(BAD / "spec_not_yaml.yaml"), GOOD_TRACE], ["spec_not_yaml.yaml", "not valid YAML", "line"]),
    (["run", str(BAD / "spec_list.yaml"), GOOD_TRACE], ["spec_list.yaml", "mapping"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_unknown_column.csv")], ["trace_unknown_column.csv", "bogus", "allowed:"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_non_integer.csv")], ["trace_non_integer.csv", "line 2", "'k'", "'two'"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_bad_op.csv")], ["line 2", "'op'", "lstm", "allowed: gemm, matmul, conv2d, vector"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_missing_required.csv")], ["line 2", "'k'", "required"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_irrelevant_cell.csv")], ["line 2", "'stride'", "does not apply"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_duplicate_layer.csv")], ["line 3", "duplicate layer name 'fc'"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_kernel_too_big.csv")], ["line 2", "kernel 5x5 larger"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_bad_format.csv")], ["line 2", "'weights'", "int9x", "allowed:"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_groups_indivisible.csv")], ["line 2", "'groups'", "divisible"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_wrong_cell_count.csv")], ["line 2", "6 cells", "header has 22"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_zero_dim.csv")], ["line 2", "'m'", ">= 1"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_unsupported_precision.csv")], ["layer 'fc'", "int4", "not supported", "allowed: int8"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_kv_on_gemm.csv")], ["line 2", "'kv'", "matmul"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_empty.csv")], ["trace_empty.csv", "unrecognised"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_non_integer.csv")], ["topology_non_integer.csv", "line 2", "non-integer"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_sparsity.csv")], ["line 2", "sparsity '2:4'", "allowed: 1:1"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_bad_header.csv")], ["topology_bad_header.csv", "unrecognised"]),
    (["run", str(BAD / "cfg_bad_dataflow.cfg"), GOOD_TRACE], ["cfg_bad_dataflow.cfg", "Dataflow", "'rs'", "allowed: os, ws, is"]),
    (["run", str(BAD / "cfg_missing_key.cfg"), GOOD_TRACE], ["cfg_missing_key.cfg", "ArrayWidth", "missing"]),
    (["run", GOOD_ACCEL, str(BAD / "model_unknown_key.yaml")], ["model_unknown_key.yaml", "'layers'"]),
    (["run", GOOD_ACCEL, str(BAD / "model_bad_heads.yaml")], ["model_bad_heads.yaml", "not divisible by heads=7"]),
    (["run", "--set", "compute.rowz=3"], ["compute.rowz", "allowed:", "compute.rows"]),
    (["run", "--set", "compute.rows"], ["--set", "key=value"]),
    (["run", "--set", "compute.rows=-4"], ["compute.rows", "greater than 0"]),
    (["run", "no-such-accel"], ["unknown accelerator 'no-such-accel'", "tpu-v1-like"]),
    (["run", GOOD_ACCEL, "no-such-workload"], ["unknown workload 'no-such-workload'", "resnet50"]),
    (["run", GOOD_ACCEL, "missing.csv"], ["missing.csv", "no such workload file"]),
    (["run", "--weights", "fp9"], ["--weights", "fp9", "allowed:"]),
    (["run", "--weights", "fp16"], ["fp16", "not supported", "allowed: int8"]),
    (["run", "--format", "xml"], ["--format", "xml"]),
    (["frobnicate"], ["frobnicate"]),
    (["run", "--precision", str(BAD / "precision_unmatched.csv")], ["precision_unmatched.csv", "'layer'", "line 2", "res9*", "matches no layer", "conv1"]),
    (["run", "--precision", str(BAD / "precision_bad_column.csv")], ["precision_bad_column.csv", "'weight'", "allowed: layer, weights, activations, outputs, kv"]),
    (["run", "--precision", str(BAD / "precision_bad_format.csv")], ["precision_bad_format.csv", "line 2", "'weights'", "int9x", "allowed:"]),
    (["run", "--precision", str(BAD / "precision_wrong_cells.csv")], ["precision_wrong_cells.csv", "line 2", "3 cells", "header has 2"]),
    (["run", "--precision", "missing-plan.csv"], ["missing-plan.csv", "cannot read precision file"]),
    (["run", "--set", "compute.pe.multiplier=wallace"], ["compute.pe.multiplier", "wallace", "'array'", "'booth4'"]),
    (["run", "--set", "compute.pe.accumulator=fp32"], ["compute.pe.accumulator", "INT x INT", "'fp32'"]),
    (["run", "--set", "compute.pe.weights=[int8, fp8_e4m3]"], ["compute.pe", "fp8_e4m3 weights x int8 activations", "INT x FP", "FP accumulator"]),
    (["run", "--set", "compute.pe.decomposable=true", "--set", "compute.pe.weights=[fp16]", "--set", "compute.pe.activations=[fp16]", "--set", "compute.pe.accumulator=fp32", "--set", "default_precision.weights=fp16", "--set", "default_precision.activations=fp16"], ["compute.pe.decomposable", "integer formats only", "fp16"]),
    (["run", "--set", "compute.pe.conversions=[{operand: weights, from: int4, to: fp16}]"], ["compute.pe.conversions", "fp16", "not a native weights format", "allowed: int8"]),
    (["run", "--set", "compute.pe.conversions=[{operand: bias, from: int4, to: int8}]"], ["compute.pe.conversions", "operand", "'weights'", "'activations'"]),
    (["run", "--set", "compute.pe.conversions=[{operand: weights, from: int4, to: int8}]"], ["compute.pe.conversions", "int4 -> int8", "only conversions to an FP format"]),
    (["tech", "--node", "2"], ["--node", "2", "allowed: 5-130 nm"]),
    (["pe", "--vdd", "0.1"], ["--vdd", "0.1", "0.50-1.35 V at 45 nm"]),
    (["info"], ["accelerator"]),
]


@pytest.mark.parametrize("argv, fragments", CASES, ids=[" ".join(Path(a).name for a in c[0]) for c in CASES])
def test_bad_input_gives_one_clear_line_and_exit_2(argv, fragments, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as caught:
        raise SystemExit(main(argv))
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("hwsim: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in captured.err


def test_every_corpus_file_is_exercised():
    used = {Path(arg).name for argv, _ in CASES for arg in argv}
    assert {p.name for p in BAD.iterdir()} <= used
