"""The bad-input corpus: every case is one line on stderr naming the file/field, exit code 2."""

from pathlib import Path

import pytest

from hwsim.cli import main

from conftest import assert_one_input_error, assert_one_line_exit_2

BAD = Path(__file__).parent / "bad_inputs"
GOOD_TRACE = "resnet50"
GOOD_ACCEL = "scalesim-default"

# (argv, fragments that must all appear in the one-line message)
CASES = [
    (["run", str(BAD / "spec_unknown_key.yaml"), GOOD_TRACE], ["spec_unknown_key.yaml", "clock_ghz", "allowed:", "clock_mhz"]),
    (["run", str(BAD / "spec_unknown_nested_key.yaml"), GOOD_TRACE], ["compute.row", "allowed:", "rows, cols, dataflow, pe"]),
    (["run", str(BAD / "spec_duplicate_key.yaml"), GOOD_TRACE], ["spec_duplicate_key.yaml", "duplicate key 'rows'"]),
    (["run", str(BAD / "spec_wrong_type.yaml"), GOOD_TRACE], ["compute.rows", "integer", "'many'"]),
    (["run", str(BAD / "spec_bad_dataflow.yaml"), GOOD_TRACE], ["compute.dataflow", "'sr'", "'os'", "'ws'", "'is'", "'rs'"]),
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
    # a 3x3 window shifted 5 into the padding reads no input at all
    (["run", GOOD_ACCEL, str(BAD / "trace_padding_over_kernel.csv")],
     ["trace_padding_over_kernel.csv", "line 2", "'padding'", "padding 5 >= the kernel 3x3", "allowed: 0 to 2"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_bad_format.csv")], ["line 2", "'weights'", "int9x", "allowed:"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_groups_indivisible.csv")], ["line 2", "'groups'", "divisible"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_wrong_cell_count.csv")], ["line 2", "6 cells", "header has 22"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_zero_dim.csv")], ["line 2", "'m'", ">= 1"]),
    # the later name won silently; Python's int() read 1_6 as 16
    (["run", GOOD_ACCEL, str(BAD / "trace_two_names.csv")], ["trace_two_names.csv", "line 2", "a second '# name:' line"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_empty_name.csv")], ["trace_empty_name.csv", "field 'name'", "line 1: '# name:' with no name"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_digit_separator.csv")], ["line 2", "'n'", "'1_6' is not an integer"]),
    (["run", "--set", "compute.pe.weights=[int8, INT8]"], ["compute.pe.weights", "'INT8' is listed twice"]),
    (["run", "hbm-pim", str(BAD / "ok_tiny_trace.csv"), "--set", "pim.lane_formats=[fp16, fp16]"], ["pim.lane_formats", "'fp16' is listed twice"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_unsupported_precision.csv")], ["layer 'fc'", "int4", "not supported", "allowed: int8"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_kv_on_gemm.csv")], ["line 2", "'kv'", "matmul"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_empty.csv")], ["trace_empty.csv", "unrecognised"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_non_integer.csv")], ["topology_non_integer.csv", "line 2", "non-integer"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_sparsity.csv")], ["line 2", "sparsity '2:4'", "allowed: 1:1"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_bad_header.csv")], ["topology_bad_header.csv", "unrecognised"]),
    (["run", GOOD_ACCEL, str(BAD / "topology_empty_name.csv")],
     ["topology_empty_name.csv", "line 2", "'name'", "'' is not a layer name"]),
    (["run", GOOD_ACCEL, str(BAD / "model_empty_name.yaml")], ["model_empty_name.yaml", "'name'", "at least 1 character"]),
    (["run", str(BAD / "cfg_bad_dataflow.cfg"), GOOD_TRACE], ["cfg_bad_dataflow.cfg", "Dataflow", "'rs'", "allowed: os, ws, is"]),
    (["run", str(BAD / "cfg_missing_key.cfg"), GOOD_TRACE], ["cfg_missing_key.cfg", "ArrayWidth", "missing"]),
    # a misspelt optional key SCALE-Sim itself skips (this one would have run CALC, not USER)
    (["run", str(BAD / "cfg_unknown_key.cfg"), GOOD_TRACE],
     ["cfg_unknown_key.cfg", "[run_presets] interfacebandwith", "unknown key", "allowed: interfacebandwidth"]),
    (["run", str(BAD / "cfg_ramulator.cfg"), GOOD_TRACE],
     ["cfg_ramulator.cfg", "[run_presets] useramulatortrace", "not modelled", "allowed: false"]),
    (["run", GOOD_ACCEL, str(BAD / "model_unknown_key.yaml")], ["model_unknown_key.yaml", "'layers'"]),
    (["run", GOOD_ACCEL, str(BAD / "model_bad_heads.yaml")], ["model_bad_heads.yaml", "field 'heads'", "not divisible by heads=7"]),
    (["run", "--set", "compute.rowz=3"], ["compute.rowz", "allowed:", "compute.rows"]),
    (["run", "--set", "compute.rows"], ["--set", "key=value"]),
    (["run", "--set", "compute.rows=-4"], ["compute.rows", "greater than 0"]),
    (["run", "--set", "dram.bandwidth_gb_s=1e-12"], ["dram.bandwidth_gb_s", "slower than any memory interface",
                                                      "0.001 to 16384 GB/s"]),
    (["run", "--set", "clock_mhz=1e-308"], ["clock_mhz", "32.768 kHz watch crystal"]),
    # a named standard's channels deliver their peak: 'unlimited' dropped every stall
    (["run", "systolic-hbm2", "--set", "dram.bandwidth_gb_s=unlimited"],
     ["dram.bandwidth_gb_s", "unlimited bandwidth from 16 hbm2 channels", "up to 256 GB/s"]),
    (["run", "no-such-accel"], ["unknown accelerator 'no-such-accel'", "tpu-v1-like"]),
    # a scenario flag on a trace names the flag given, not --phase
    (["run", GOOD_ACCEL, str(BAD / "ok_tiny_trace.csv"), "--batch", "4"],
     ["ok_tiny_trace.csv", "field '--batch'", "apply only to a model config.json"]),
    (["run", GOOD_ACCEL, GOOD_TRACE, "--gemm-only"], ["resnet50.csv", "field '--gemm-only'"]),
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
    # a floor broken: the allowed text states the floor before the field's reason (which speaks of the ceiling)
    (["run", GOOD_ACCEL, str(BAD / "ok_tiny_trace.csv"), "--set", "compute.rows=-4"], ["compute.rows", "(got -4)", "allowed: > 0; at most 787,841"]),
    # a conversion that would never apply: from a native format (an identity among them), or a second one of a format
    (["run", "gpu-a100-roofline", str(BAD / "ok_tiny_trace.csv"), "--set", "compute.pe.conversions=[{operand: weights, from: fp16, to: fp16}]"], ["compute.pe.conversions", "fp16 -> fp16", "run natively", "never apply", "natives: fp16, bf16"]),
    (["run", "gpu-a100-roofline", str(BAD / "ok_tiny_trace.csv"), "--set", "compute.pe.conversions=[{operand: weights, from: bf16, to: fp16}]"], ["compute.pe.conversions", "bf16 -> fp16", "never apply"]),
    (["run", "gpu-a100-roofline", str(BAD / "ok_tiny_trace.csv"), "--set", "compute.pe.conversions=[{operand: weights, from: int4, to: fp16}, {operand: weights, from: int4, to: bf16}]"], ["compute.pe.conversions", "two conversions of weights from int4", "one conversion per operand and format"]),
    (["tech", "--node", "2"], ["--node", "2", "allowed: 5-130 nm"]),
    (["pe", "--vdd", "0.1"], ["--vdd", "0.1", "0.50-1.35 V at 45 nm"]),
    (["info"], ["accelerator"]),
]

# Issue 14 item 6: booleans are not numbers, physical floors and ceilings, one spec section per PE
# type, accumulator widths on every PE type, block formats wherever formats are taken, output paths.
TINY = str(BAD / "ok_tiny_trace.csv")   # one small GEMM, so a case that gets past loading stays fast
LONG_NAME = "n" * 300                    # Linux NAME_MAX is 255 bytes


def _spec(name: str) -> list[str]:
    return ["run", str(BAD / name), TINY]


CASES += [
    # booleans, text and NaN where numbers belong; numbers where true/false belongs
    (_spec("spec_bool_rows.yaml"), ["spec_bool_rows.yaml", "compute.rows", "True is a boolean, not a number", "allowed: an integer"]),
    (_spec("spec_text_number.yaml"), ["clock_mhz", "'1000' is text, not a number"]),
    (_spec("spec_bool_as_number_flag.yaml"), ["buffers.double_buffered", "1 is not true or false", "allowed: true, false"]),
    (_spec("spec_nan_clock.yaml"), ["clock_mhz", "nan is not a finite number"]),
    (["run", "--set", "compute.rows=true"], ["compute.rows", "boolean, not a number"]),
    (["run", "--set", "compute.cols=false"], ["compute.cols", "boolean, not a number"]),
    (["run", "--set", "dram.bandwidth_gb_s=true"], ["dram.bandwidth_gb_s", "boolean", "a number or 'unlimited'"]),
    (["run", "--set", "dram.bandwidth_gb_s=fast"], ["dram.bandwidth_gb_s", "'fast' is text", "'unlimited'"]),
    (["run", "--set", "buffers.ifmap.size_kib=.inf"], ["buffers.ifmap.size_kib", "inf is not a finite number"]),
    (["run", "--set", "supply_voltage_v=true"], ["supply_voltage_v", "boolean"]),
    (["run", "--set", "compute.pe.stationary_double_buffered=0"], ["stationary_double_buffered", "0 is not true or false"]),
    (["run", "lut-tensor-core-like", TINY, "--set", "compute.pe.lut_group_size=true"], ["compute.pe.lut_group_size", "boolean"]),
    (["run", GOOD_ACCEL, str(BAD / "model_bool_hidden.yaml")], ["model_bool_hidden.yaml", "'hidden'", "boolean, not a number"]),
    (["run", GOOD_ACCEL, str(BAD / "llm_config_bool.json"), "--phase", "decode", "--kv-len", "4"], ["llm_config_bool.json", "'n_embd'", "integer", "True"]),
    (["run", GOOD_ACCEL, str(BAD / "llm_config_float.json"), "--phase", "decode", "--kv-len", "4"], ["llm_config_float.json", "'n_embd'", "integer", "768.5"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_bool_count.csv")], ["trace_bool_count.csv", "line 2", "'count'", "'true' is not an integer"]),
    (["run", GOOD_ACCEL, TINY, "--precision", str(BAD / "precision_bool.csv")], ["precision_bool.csv", "'weights'", "'true'"]),
    # one section per PE type: another type's key is refused, naming it and this type's keys
    (_spec("spec_lut_key_on_mac.yaml"), ["compute.pe.lut_group_size", "not a key of a mac PE", "a lut PE key", "allowed: weights", "multiplier, decomposable, conversions"]),
    (_spec("spec_bitserial_key_on_lut.yaml"), ["compute.pe.essential_bit_fraction", "not a key of a lut PE", "lut_group_size"]),
    (_spec("spec_mac_key_on_shiftadd.yaml"), ["compute.pe.conversions", "not a key of a shiftadd PE", "energy_pj_per_cycle, area_um2"]),
    (_spec("spec_unknown_pe_type.yaml"), ["compute.pe.type", "'systolic' is not a PE type", "allowed: mac, ", "bitserial", "lut", "shiftadd"]),
    (_spec("spec_missing_pe_type.yaml"), ["compute.pe.type", "required key is missing"]),
    (["run", "--set", "compute.pe.lut_group_size=4"], ["compute.pe.lut_group_size", "not a key of a mac PE", "allowed:"]),
    (["run", "--set", "compute.pe.bits_per_cycle=2"], ["compute.pe.bits_per_cycle", "not a key of a mac PE", "bitserial and lut PE key"]),
    (["run", "--set", "compute.pe.energy_pj_per_cycle=1.0"], ["compute.pe.energy_pj_per_cycle", "not a key of a mac PE"]),
    (["run", "stripes-like", TINY, "--set", "compute.pe.conversions=[]"], ["compute.pe.conversions", "not a key of a bitserial PE"]),
    (["run", "mixpe-w4a8", TINY, "--set", "compute.pe.dot_product_width=2"], ["compute.pe.dot_product_width", "not a key of a shiftadd PE"]),
    (["run", "--set", "compute.pe.type=lut", "--set", "compute.pe.multiplier=booth4"], ["compute.pe.multiplier", "not a key of a lut PE"]),
    (["run", "--set", "compute.pe.type=[mac]"], ["compute.pe.type", "is not a PE type"]),
    # bits per cycle and accumulator widths, on every PE type
    (_spec("spec_bits_per_cycle_over_weight.yaml"), ["compute.pe.bits_per_cycle", "16", "widest weight's 8 bits", "allowed: 1..8"]),
    (["run", "stripes-like", TINY, "--set", "compute.pe.bits_per_cycle=17"], ["bits_per_cycle", "allowed: 1..16"]),
    (["run", "lut-tensor-core-like", TINY, "--set", "compute.pe.bits_per_cycle=5"], ["bits_per_cycle", "4 bit-planes", "allowed: 1..4"]),
    (_spec("spec_bitserial_narrow_accumulator.yaml"), ["compute.pe.accumulator", "'int8' is narrower than the 16-bit product"]),
    (["run", "stripes-like", TINY, "--set", "compute.pe.accumulator=int24"], ["compute.pe.accumulator", "int16 weights x int16 activations", "narrower than the 32-bit product"]),
    (_spec("spec_lut_narrow_fp_accumulator.yaml"), ["compute.pe.accumulator", "'bf16' cannot hold a 'fp16' operand"]),
    (["run", "lut-tensor-core-like", TINY, "--set", "compute.pe.accumulator=int8"], ["compute.pe.accumulator", "need an FP accumulator"]),
    (_spec("spec_shiftadd_narrow_fp_accumulator.yaml"), ["compute.pe.accumulator", "'fp16' cannot hold a 'fp32' operand"]),
    (["run", "mixpe-w4a8", TINY, "--set", "compute.pe.accumulator=int8"], ["compute.pe.accumulator", "19 bits", "int19 or wider"]),
    # physical floors and ceilings
    (_spec("spec_rows_over_wafer.yaml"), ["compute.rows", "less than or equal to 787841", "300 mm wafer"]),
    (_spec("cfg_array_over_wafer.cfg"), ["cfg_array_over_wafer.cfg", "compute.rows", "787841"]),
    (["run", "--set", "vector.lanes=1e12"], ["vector.lanes", "less than or equal to", "wafer"]),
    (_spec("spec_banks_over_bits.yaml"), ["buffers.ifmap.banks", "16 banks are more than the buffer's 8.192 bits", "at most size_kib x 8192 = 8"]),
    (["run", "--set", "buffers.ifmap.banks=100000000"], ["buffers.ifmap.banks", "more than the buffer's 524288 bits"]),
    (["run", "--set", "buffers.ifmap.read_pj_per_access=1e6"], ["read_pj_per_access", "more than 100 pJ per bit", "Horowitz"]),
    (_spec("spec_dram_channels_over_standard.yaml"), ["dram.channels", "1000000000 hbm2 channels", "allowed: 1..128"]),
    (["run", "hbm-pim", TINY, "--set", "dram.channels=1000000000"], ["dram.channels", "allowed: 1..128"]),
    (_spec("spec_dram_bandwidth_over_standard.yaml"), ["dram.bandwidth_gb_s", "5000 GB/s is more than 16 hbm2 channels deliver", "up to 256 GB/s"]),
    (["run", "hbm-pim", TINY, "--set", "dram.bandwidth_gb_s=5000"], ["dram.bandwidth_gb_s", "up to 256 GB/s"]),
    (["run", "--set", "dram.bandwidth_gb_s=1e9"], ["dram.bandwidth_gb_s", "more than any DRAM system delivers", "16384 GB/s", "HBM4"]),
    (_spec("spec_dram_channels_without_standard.yaml"), ["dram.channels", "no dram.standard is named"]),
    (_spec("spec_dram_energy_ceiling.yaml"), ["dram.energy_pj_per_bit", "less than or equal to 100", "Horowitz"]),
    (_spec("spec_clock_over_node.yaml"), ["clock_mhz", "20000 MHz is faster than 45 nm logic runs at 0.9 V", "at most 6173 MHz", "FO4"]),
    (["run", "--set", "clock_mhz=1e5"], ["clock_mhz", "at most 6173 MHz"]),
    (_spec("spec_idle_fraction.yaml"), ["compute.idle_pe_energy_fraction", "less than or equal to 1", "got 50"]),
    (["run", "--set", "compute.idle_pe_energy_fraction=50"], ["compute.idle_pe_energy_fraction", "less than or equal to 1"]),
    (["run", "--set", "area_overhead_fraction=11"], ["area_overhead_fraction", "less than or equal to 10"]),
    (["run", "hbm-pim", TINY, "--set", "pim.unit_clock_mhz=50000"], ["pim.unit_clock_mhz", "faster than 20 nm logic", "FO4"]),
    (["run", "hbm-pim", TINY, "--set", "pim.session_cycles=100000"], ["pim.session_cycles", "refresh interval", "0..3900"]),
    (["run", "hbm-pim", TINY, "--set", "pim.kernel_tail_cycles=1000"], ["pim.kernel_tail_cycles", "331 setup cycles", "0..331"]),
    (_spec("spec_pim_registers_over_row.yaml"), ["pim.input_registers", "32 columns", "allowed: 1..32"]),
    (["run", "hbm-pim", TINY, "--set", "pim.lane_mac_pj=1000"], ["pim.lane_mac_pj", "less than or equal to", "FP32"]),
    (["run", GOOD_ACCEL, str(BAD / "trace_macs_over_exact.csv")], ["'fc'", "1e+33 MACs", "2^53"]),
    # block / MX formats wherever formats are taken: run, or one clear refusal (no traceback)
    (_spec("spec_pim_block_lane_format.yaml"), ["pim.lane_formats", "'mxfp8_e4m3' cannot be a PIM lane format"]),
    (["run", "pim-gpt", TINY, "--set", "pim.lane_formats=[bf16, nvfp4]"], ["pim.lane_formats", "'nvfp4' cannot be a PIM lane format"]),
    (["run", "pim-gpt", TINY, "--set", "pim.lane_formats=[int4@g128]"], ["pim.lane_formats", "'int4@g128'"]),
    (["run", "pim-gpt", TINY, "--set", "pim.lane_formats=[5.25]"], ["pim.lane_formats", "'5.25'"]),
    (["run", "hbm-pim", TINY, "--weights", "mxfp8_e4m3"], ["pim.lane_formats", "mxfp8_e4m3 cannot run on the PIM lanes", "allowed: fp16"]),
    (["run", "hbm-pim", TINY, "--precision", str(BAD / "precision_block_on_pim.csv")], ["layer 'fc'", "mxfp4 cannot run on the PIM lanes"]),
    (["run", GOOD_ACCEL, TINY, "--weights", "mxfp4"], ["layer 'fc'", "'mxfp4' is not supported by the mac PE"]),
    (["run", "stripes-like", TINY, "--set", "compute.pe.weights=[mxfp4]"], ["compute.pe.weights", "serialises integer weights, not 'mxfp4'"]),
    (["run", "lut-tensor-core-like", TINY, "--set", "compute.pe.lut_table_format=mxint8"], ["compute.pe.lut_table_format", "'mxint8'"]),
    (["run", "mixpe-w4a16", TINY, "--set", "compute.pe.activations=[mxfp8_e4m3]"], ["compute.pe.activations", "'mxfp8_e4m3' on a shift-add PE"]),
    (["run", GOOD_ACCEL, TINY, "--set", "compute.pe.conversions=[{operand: weights, from: int4, to: mxfp8_e4m3}]"], ["compute.pe.conversions", "not a native weights format"]),
    # output paths
    (["run", GOOD_ACCEL, TINY, "--out", str(BAD / "out_is_a_file.txt")], ["out_is_a_file.txt", "'--out'", "is a file"]),
    (["run", GOOD_ACCEL, TINY, "--out", str(BAD / "out_is_a_file.txt" / "sub")], ["'--out'", "is a file, not a folder"]),
    (["run", GOOD_ACCEL, TINY, "--out", LONG_NAME], ["'--out'", "a name in the path is 300 bytes long", "at most 255 bytes"]),
    (["trace", "llm", "llm/gpt2", "--phase", "decode", "--kv-len", "8", "-o", LONG_NAME + ".csv"], ["'-o'", "304 bytes long"]),
    (["trace", "llm", "llm/gpt2", "--phase", "decode", "--kv-len", "8", "-o", str(BAD)], ["'-o'", "is a folder"]),
    (["trace", "llm", "llm/gpt2", "--phase", "decode", "--kv-len", "8", "-o", "no-such-folder/x.csv"], ["'-o'", "its folder does not exist"]),
    # a trace said "needs a phase"; a batch of 2^63 - 1 wrote counts past int64 that run refuses
    (["trace", "llm", str(BAD / "ok_tiny_trace.csv")], ["ok_tiny_trace.csv", "trace llm lowers a model config.json"]),
    (["trace", "llm", "llm/gpt2", "--phase", "decode", "--kv-len", "8", "--batch", str(2 ** 63 - 1), "-o", "t.csv"],
     ["beyond what hwsim computes exactly"]),
    (["plot", "roofline", GOOD_ACCEL, TINY, "-o", LONG_NAME + ".html"], ["'-o'", "305 bytes long", "at most 255 bytes"]),
    # a pseudo file system the checks cannot see ahead: the write itself fails, in one line
    (["plot", "roofline", GOOD_ACCEL, TINY, "-o", "/proc/hwsim-roofline.html"], ["'-o'", "cannot write"]),
    # model files: each refusal names the file's field, never a command-line flag or pydantic's prefix
    (["run", GOOD_ACCEL, str(BAD / "model_bad_kv_heads.yaml")], ["model_bad_kv_heads.yaml", "field 'kv_heads'", "heads=12 is not divisible by kv_heads=5"]),
    (["run", GOOD_ACCEL, str(BAD / "model_negative_batch.yaml")], ["model_negative_batch.yaml", "field 'batch'", "greater than 0"]),
    (["run", GOOD_ACCEL, str(BAD / "model_bad_precision.yaml")], ["model_bad_precision.yaml", "field 'precision.weights'", "integer width 99"]),
    # precision files that would change nothing
    (["run", GOOD_ACCEL, TINY, "--precision", str(BAD / "precision_header_only.csv")], ["precision_header_only.csv", "a header and no rows"]),
    (["run", GOOD_ACCEL, TINY, "--precision", str(BAD / "precision_row_sets_nothing.csv")], ["precision_row_sets_nothing.csv", "line 2", "sets no operand for 'fc'"]),
    # sweep specs: a text axis has no order to optimise; a constant zero divisor
    (["sweep", str(BAD / "sweep_text_objective.yaml"), "-o", "out"], ["sweep_text_objective.yaml", "objectives.compute.dataflow", "takes text values"]),
    (["sweep", str(BAD / "sweep_divide_by_zero.yaml"), "-o", "out"], ["sweep_divide_by_zero.yaml", "constraints.before[0]", "divides by zero"]),
    # an effective width no number format has
    (["run", GOOD_ACCEL, TINY, "--weights", "0.001", "--native-pe"], ["--weights", "'0.001' is not a usable bit width", "[0.5, 64]", "STBLLM"]),
]


@pytest.mark.parametrize("argv, fragments", CASES, ids=[" ".join(Path(a).name for a in c[0]) for c in CASES])
def test_bad_input_gives_one_clear_line_and_exit_2(argv, fragments, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_exit_2(argv, fragments, capsys)   # no traceback either


def test_every_corpus_file_is_exercised():
    used = {Path(arg).name for argv, _ in CASES for arg in argv}
    assert {p.name for p in BAD.iterdir()} <= used


@pytest.mark.parametrize("yaml_file, overrides", [
    ("spec_lut_key_on_mac.yaml", ["compute.pe.lut_group_size=4"]),
    ("spec_bool_rows.yaml", ["compute.rows=true"]),
    ("spec_idle_fraction.yaml", ["compute.idle_pe_energy_fraction=50"]),
    ("spec_clock_over_node.yaml", ["clock_mhz=20000"]),
])
def test_set_and_yaml_refuse_alike(yaml_file, overrides, capsys):
    """The same bad value from a YAML file and from --set on the preset it was made from gives the
    same line but for the file it names."""
    def line(argv):
        assert main(argv) == 2
        return capsys.readouterr().err.strip()

    from_yaml = line(["run", str(BAD / yaml_file), TINY])
    from_set = line(["run", GOOD_ACCEL, TINY, *[a for o in overrides for a in ("--set", o)]])
    # "hwsim: error: <file>: <the rest>"
    assert from_yaml.split(": ", 3)[3] == from_set.split(": ", 3)[3]


DIGITS_5000 = "9" * 5000   # Python's int() refuses more than 4,300 digits with a ValueError


def _one_line(argv, capsys) -> str:
    assert main([str(a) for a in argv]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hwsim: error: "), lines
    return lines[0]


def test_integers_of_thousands_of_digits_and_odd_yaml_keys_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = _one_line(["run", GOOD_ACCEL, TINY, "--set", f"compute.rows={DIGITS_5000}"], capsys)
    assert "compute.rows" in line
    trace = tmp_path / "huge.csv"
    trace.write_text(f"name,op,m,k,n\nfc,gemm,{DIGITS_5000},4,4\n")
    line = _one_line(["run", GOOD_ACCEL, trace], capsys)
    assert "huge.csv: line 2: field 'm': an integer of 5,000 digits" in line and "at most 4,300 digits" in line
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: big\nextends: {GOOD_ACCEL}\ncompute:\n  rows: {DIGITS_5000}\n")
    line = _one_line(["run", spec, TINY], capsys)
    assert "spec.yaml" in line and "an integer of 5,000 digits at line 4" in line, line
    # a key twice in one flow mapping: one line, so the column tells them apart
    spec.write_text(f"name: dup\nextends: {GOOD_ACCEL}\nbuffers:\n  ifmap: {{size_kib: 8, banks: 2, banks: 4}}\n")
    line = _one_line(["run", spec, TINY], capsys)
    assert "duplicate key 'banks' at line 4, column 34 (first at line 4, column 24)" in line, line
    # YAML's complex keys: a list or a mapping as a key
    spec.write_text("name: odd\n? [a, b]\n: 1\n")
    line = _one_line(["run", spec, TINY], capsys)
    assert "spec.yaml" in line and "a key at line 2 is a list" in line, line
    for text in (f"int{DIGITS_5000}", f"fp{DIGITS_5000}_e1m1", f"int4@g{DIGITS_5000}", "int\uff18"):   # and a full-width 8
        line = _one_line(["run", GOOD_ACCEL, TINY, "--weights", text], capsys)
        assert "unknown number format" in line, line
    line = _one_line(["run", GOOD_ACCEL, TINY, "--weights", "fp100_e50m49"], capsys)
    assert "N = 1 + E + M <= 64 bits" in line


def test_a_front_name_beyond_the_file_system_limit_is_one_line(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    line = _one_line(["pareto", table, "--objectives", "a:min", "-o", tmp_path / ("x" * 300)], capsys)
    assert "'-o'" in line and "300 bytes long" in line


def test_int_products_wider_than_int32_say_so(capsys):
    line = _one_line(["run", GOOD_ACCEL, TINY, "--weights", "int32", "--activations", "int32", "--native-pe"], capsys)
    assert "32-bit weights with 32-bit activations need a 64-bit INT accumulator, wider than int32" in line
    line = _one_line(["run", GOOD_ACCEL, TINY, "--set", "compute.pe.weights=[int32]"], capsys)
    assert "narrower than the 40-bit product" in line and "int32 is the widest" in line


def test_fp_group_scales_on_int_products_are_refused_with_the_ways_out(capsys):
    line = _one_line(["run", GOOD_ACCEL, TINY, "--weights", "int4@g128:fp16", "--native-pe"], capsys)
    assert "int4@g128:fp16 weights with int8 activations" in line and "no FP group scale" in line
    assert "int4@g128:uint8" in line and "FP activations" in line


@pytest.mark.parametrize("overrides, fragments", [
    # a PIM unit clock below 1 kHz, as the accelerator clock (it ran, then overflowed in numpy warnings)
    (["pim.unit_clock_mhz=1e-308"], ["pim.unit_clock_mhz", "greater than or equal to 0.001", "1 kHz"]),
    # a port wider than the buffer, directly or by shrinking the buffer under the port
    (["buffers.ifmap.port_width_bits=1000000"], ["buffers.ifmap.port_width_bits", "more than the buffer holds (524288)"]),
    (["buffers.filter.size_kib=0.001"], ["buffers.filter.port_width_bits", "256 bits is more than the buffer holds"]),
    # SCALE-Sim's operand channels under the mapper: they would be ignored
    (["dram.operand_bandwidth_gb_s={ifmap: 1, filter: 1, ofmap: 1}", "mapping=auto"],
     ["dram.operand_bandwidth_gb_s", "read by mapping scalesim only", "'auto'"]),
    # the width of a published write with no published write cost: it would size nothing
    (["buffers.ifmap.write_access_bits=64"], ["buffers.ifmap.write_access_bits", "read only with write_pj_per_access"]),
    # an unsigned accumulator under signed int8 x int8 products
    (["compute.pe.accumulator=uint32"], ["compute.pe.accumulator", "'uint32' cannot hold the negative products",
                                         "signed int8", "int32"]),
])
def test_impossible_hardware_found_by_fuzz_round_3(overrides, fragments, capsys):
    base = "hbm-pim" if overrides[0].startswith("pim.") else GOOD_ACCEL
    line = _one_line(["run", base, TINY, *[a for o in overrides for a in ("--set", o)]], capsys)
    for fragment in fragments:
        assert fragment in line, (fragment, line)


@pytest.mark.parametrize("base, override, fragments", [
    # below kT ln 2 = 2.87e-9 pJ (Landauer 1961), the least an irreversible cycle, access or MAC costs
    ("stripes-like", "compute.pe.energy_pj_per_cycle=1e-9", ["compute.pe.energy_pj_per_cycle", "kT ln 2"]),
    (GOOD_ACCEL, "buffers.ifmap.read_pj_per_access=1e-308", ["buffers.ifmap.read_pj_per_access", "Landauer"]),
    ("hbm-pim", "pim.lane_mac_pj=1e-12", ["pim.lane_mac_pj", "Landauer"]),
    # smaller than one flip-flop at 5 nm (0.145 um^2)
    ("stripes-like", "compute.pe.area_um2=1e-6", ["compute.pe.area_um2", "0.1449", "one flip-flop at 5 nm"]),
    ("hbm-pim", "pim.unit_area_um2=0.1", ["pim.unit_area_um2", "one flip-flop at 5 nm"]),
    # a cadence shorter than one cycle of the units' logic (20 nm: 0.122 ns)
    ("gddr6-aim", "pim.column_period_ns=0.001", ["pim.column_period_ns", "shorter than one cycle of 20 nm logic",
                                                 "at least 0.122 ns"]),
    ("gddr6-aim", "pim.broadcast_period_ns=1e-308", ["pim.broadcast_period_ns", "shorter than one cycle"]),
])
def test_physical_floors_of_published_figures(base, override, fragments, capsys):
    line = _one_line(["run", base, TINY, "--set", override], capsys)
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def test_the_same_limits_hold_for_evaluate_points():
    with pytest.raises(HwsimInputError, match=r"points row 1.*256-bit port is wider than the buffer's 8.192 bits"):
        hwsim.evaluate(GOOD_ACCEL, TINY, pd.DataFrame({"buffers.ifmap.size_kib": [64.0, 0.001]}))
    channels = hwsim.load_accelerator(GOOD_ACCEL, ["dram.operand_bandwidth_gb_s={ifmap: 1, filter: 1, ofmap: 1}"])
    with pytest.raises(HwsimInputError, match=r"field 'mapping': points row 1: dram.operand_bandwidth_gb_s is read"):
        hwsim.evaluate(channels, TINY, pd.DataFrame({"mapping": ["scalesim", "auto"]}))


def test_a_roofline_too_slow_to_count_is_one_line_without_numpy_warnings(capsys):
    line = _one_line(["run", "gpu-a100-roofline", "llm/gpt2", "--phase", "decode", "--kv-len", "8", "--set",
                      "compute.achievable_compute_fraction=1e-308"], capsys)
    assert "more cycles than hwsim counts exactly" in line and "achievable fraction" in line


def test_a_plan_row_setting_only_kv_on_layers_without_a_kv_cache_is_refused(tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    plan.write_text("layer,kv\nfc,int8\n")
    line = _one_line(["run", GOOD_ACCEL, TINY, "--precision", plan], capsys)
    assert "plan.csv" in line and "line 2: sets only kv" in line and "field 'kv'" in line


def test_a_sweep_folder_that_cannot_be_made_is_one_line(tmp_path, capsys):
    # /proc passes the permission check for root but refuses the folder: one line, not an OSError
    spec = tmp_path / "space.yaml"
    spec.write_text(f"accelerator: {GOOD_ACCEL}\nworkloads:\n- name: {TINY}\naxes:\n  compute.rows: [8, 16]\nsampler:\n  kind: grid\n")
    assert main(["sweep", str(spec), "-o", "/proc/hwsim-sweep"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'-o'" in err[0] and "cannot create the folder" in err[0], err


def test_unwritable_output_folder_is_one_line(tmp_path, monkeypatch, capsys):
    # root may write anywhere, so the permission answer is what the check asks the OS
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(locked) else real_access(path, mode))
    assert main(["run", GOOD_ACCEL, TINY, "--out", str(locked / "results")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'--out'" in err[0] and "cannot write in" in err[0]
    assert not (locked / "results").exists()


# -- hwsim.evaluate's points: any shape is one HwsimInputError -------------------------------------
import numpy as np   # noqa: E402
import pandas as pd  # noqa: E402

import hwsim  # noqa: E402
from hwsim.arch.design import design_batch, point_tables  # noqa: E402
from hwsim.errors import HwsimInputError  # noqa: E402
from hwsim.workload import Gemm, Layer, Workload  # noqa: E402

POINT_CASES = [
    ({"compute.rows": 64}, ["'compute.rows' is one value (64)"]),
    ([{"compute.rows": 64}], ["item 0 is a dict, not a DataFrame"]),
    ([64, 32], ["item 0 is an int"]),
    (pd.Series({"compute.rows": 64}), ["a Series is not a table"]),
    (5, ["an int is not a table"]),
    ("compute.rows=64", ["a str is not a table"]),
    (np.ones(3), ["ndarray is not a table"]),
    (pd.DataFrame(), ["no design points"]),
    (pd.DataFrame({"compute.rows": []}), ["no design points"]),
    ([], ["no design points"]),
    ({"compute.rows": [32, 64], "compute.cols": [8]}, ["differ in length", "compute.rows: 2", "compute.cols: 1"]),
    ({"compute.rows": np.ones((2, 2))}, ["2 dimensions"]),
    (pd.DataFrame([[1, 2]], columns=["compute.rows", "compute.rows"]), ["'compute.rows' appears twice"]),
    ({0: [1]}, ["column 0 is not a dotted spec key"]),
]


@pytest.mark.parametrize("points, fragments", POINT_CASES, ids=[f"shape{i}" for i in range(len(POINT_CASES))])
def test_points_of_any_shape_are_one_input_error(points, fragments):
    with pytest.raises(HwsimInputError) as caught:
        list(point_tables(points))
    text = str(caught.value)
    assert "\n" not in text and text.startswith("points: ")
    for fragment in fragments:
        assert fragment in text, (fragment, text)


VALUE_CASES = [
    # (points, field, fragments): each the same refusal --set gives, from the same field limit
    (pd.DataFrame({"compute.rows": [64, np.nan]}), "compute.rows", ["points row 1: nan is not allowed", "an integer >= 1"]),
    (pd.DataFrame({"compute.rows": [64, "x"]}), "compute.rows", ["points row 1: 'x' is not allowed"]),
    (pd.DataFrame({"compute.rows": [True, False]}), "compute.rows", ["points row 0: True is not allowed"]),
    (pd.DataFrame({"compute.rows": [64.5]}), "compute.rows", ["64.5 is not allowed", "an integer"]),
    (pd.DataFrame({"compute.rows": [10 ** 9]}), "compute.rows", ["<= 787841", "300 mm wafer"]),
    (pd.DataFrame({"compute.idle_pe_energy_fraction": [0.5, 50]}), "compute.idle_pe_energy_fraction",
     ["points row 1: 50.0 is not allowed", "<= 1"]),
    (pd.DataFrame({"dram.energy_pj_per_bit": [1000.0]}), "dram.energy_pj_per_bit", ["<= 100", "Horowitz"]),
    (pd.DataFrame({"dram.bandwidth_gb_s": [1e9]}), "dram.bandwidth_gb_s", ["<= 16384", "'unlimited'"]),
    (pd.DataFrame({"dram.bandwidth_gb_s": [np.inf]}), "dram.bandwidth_gb_s", ["inf is not allowed"]),
    (pd.DataFrame({"buffers.ifmap.banks": [10 ** 6]}), "buffers.ifmap.banks", ["more than the buffer's 524288 bits"]),
    (pd.DataFrame({"buffers.double_buffered": [1, 0]}), "buffers.double_buffered", ["allowed: true, false"]),
    (pd.DataFrame({"compute.dataflow": [["os"]]}), "compute.dataflow", ["['os'] is not allowed", "os, ws, is"]),
    (pd.DataFrame({"area_overhead_fraction": [11]}), "area_overhead_fraction", ["<= 10"]),
    (pd.DataFrame({"tech_node_nm": [45, np.nan]}), "tech_node_nm", ["points row 1: no value"]),
    (pd.DataFrame({"tech_node_nm": [True]}), "tech_node_nm", ["boolean, not a number"]),
    (pd.DataFrame({"clock_mhz": [1e6]}), "clock_mhz", ["faster than 45 nm logic", "6173 MHz"]),
    # floors: below a 1-bit SPI flash, below a watch crystal (1e-12 GB/s wrapped int64 cycles negative)
    (pd.DataFrame({"dram.bandwidth_gb_s": [10, 1e-12]}), "dram.bandwidth_gb_s",
     ["points row 1: 1e-12 is not allowed", ">= 0.001", "SPI flash"]),
    (pd.DataFrame({"clock_mhz": [1000, 1e-308]}), "clock_mhz", ["points row 1", "greater than or equal to 0.001",
                                                              "32.768 kHz watch crystal"]),
    (pd.DataFrame({"compute.pe.lut_group_size": [4]}), "compute.pe.lut_group_size", ["not a key of a mac PE"]),
    (pd.DataFrame({"compute.pe.type": ["lut", "mac"], "compute.pe.lut_group_size": [2, 4]}),
     "compute.pe.lut_group_size", ["points row 1", "not a key of a mac PE"]),
    (pd.DataFrame({"compute.pe.type": ["lut"], "compute.pe.lut_group_size": [None]}), "compute.pe.lut_group_size",
     ["points row 0: no value"]),
    (pd.DataFrame({"compute.pe.type": ["mac"], "compute.pe.bits_per_cycle": [3]}), "compute.pe.bits_per_cycle",
     ["not a key of a mac PE"]),
]


def test_unlimited_bandwidth_with_a_dram_standard_is_refused_per_point():
    base = hwsim.load_accelerator("systolic-hbm2")
    with pytest.raises(HwsimInputError, match="points row 1: unlimited bandwidth from hbm2 channels"):
        design_batch(base, pd.DataFrame({"dram.bandwidth_gb_s": [100, "unlimited"]}))


@pytest.mark.parametrize("points, field, fragments", VALUE_CASES, ids=[c[1] + str(i) for i, c in enumerate(VALUE_CASES)])
def test_bad_point_values_are_one_input_error(points, field, fragments):
    base = hwsim.load_accelerator(GOOD_ACCEL)
    with pytest.raises(HwsimInputError) as caught:
        design_batch(base, points)
    text = str(caught.value)
    assert "\n" not in text and f"field '{field}'" in text
    for fragment in fragments:
        assert fragment in text, (fragment, text)


def test_evaluate_refuses_what_set_refuses_from_one_limit():
    """compute.idle_pe_energy_fraction=50 was refused by --set and accepted by evaluate."""
    from hwsim.arch.loader import field_range

    limit = field_range("compute.idle_pe_energy_fraction")
    assert (limit.low, limit.high) == (0.0, 1.0)
    with pytest.raises(HwsimInputError, match="less than or equal to 1"):
        hwsim.load_accelerator(GOOD_ACCEL, ["compute.idle_pe_energy_fraction=50"])
    with pytest.raises(HwsimInputError, match="50 is not allowed"):
        hwsim.evaluate(GOOD_ACCEL, TINY, pd.DataFrame({"compute.idle_pe_energy_fraction": [50]}))
    # the limit itself is legal in both
    hwsim.load_accelerator(GOOD_ACCEL, ["compute.idle_pe_energy_fraction=1"])
    assert len(hwsim.evaluate(GOOD_ACCEL, TINY, pd.DataFrame({"compute.idle_pe_energy_fraction": [1.0]}))) == 1


def test_a_pe_type_sweep_leaves_the_other_types_keys_empty():
    points = pd.DataFrame({"compute.pe.type": ["lut", "mac"], "compute.pe.lut_group_size": [2, None],
                           "compute.pe.multiplier": [None, "booth4"]})
    batch = design_batch(hwsim.load_accelerator(GOOD_ACCEL), points)
    lut, mac = (batch.accelerators[g].spec.compute.pe for g in batch.group)
    assert (lut.type, lut.lut_group_size, mac.type, mac.multiplier) == ("lut", 2, "mac", "booth4")


@pytest.mark.parametrize("points", [{"compute.rows": 64}, [{"compute.rows": 64}], pd.Series({"compute.rows": 64}),
                                    {"compute.rows": [32, 64], "compute.cols": [8]}, 5, np.ones(3)],
                         ids=["dict-of-scalars", "list-of-dicts", "series", "ragged", "int", "ndarray"])
def test_evaluate_any_shape_is_one_input_error(points):
    with pytest.raises(HwsimInputError):
        hwsim.evaluate(GOOD_ACCEL, TINY, points)


# -- the Python API's other arguments: one HwsimInputError naming the argument ---------------------
SWEEP = {"accelerator": GOOD_ACCEL, "workloads": ["resnet50"], "axes": {"compute.rows": [8]}, "sampler": {"kind": "grid"}}
API_CASES = [
    (lambda: hwsim.evaluate(GOOD_ACCEL, TINY, precision="int8"), ["'precision'", "str 'int8' is not a precision"]),
    (lambda: hwsim.evaluate(GOOD_ACCEL, TINY, precision=8), ["'precision'", "int 8"]),
    (lambda: hwsim.evaluate(GOOD_ACCEL, TINY, precision={"w": "int8"}), ["'precision'", "unknown operand 'w'"]),
    (lambda: hwsim.simulate(GOOD_ACCEL, TINY, precision="int8"), ["'precision'", "is not a precision"]),
    (lambda: hwsim.evaluate(GOOD_ACCEL, TINY, per_layer="yes"), ["'per_layer'", "'yes' is not true or false"]),
    (lambda: hwsim.load_accelerator(GOOD_ACCEL, overrides=[5]), ["'overrides'", "[5] is not a list of overrides"]),
    (lambda: hwsim.load_accelerator(GOOD_ACCEL, overrides="compute.rows=64"), ["'overrides'", "is not a list"]),
    (lambda: hwsim.load_accelerator(None), ["'accelerator'", "NoneType None is neither a preset name nor a path"]),
    (lambda: hwsim.load_workload(None), ["'workload'", "neither a preset name nor a path"]),
    (lambda: hwsim.Workload("w", (hwsim.Layer("fc", hwsim.Gemm(4, 4, 4)), hwsim.Layer("fc", hwsim.Gemm(8, 4, 4)))),
     ["'layers'", "two layers are named 'fc'"]),
    # a layer's parts: an op given as text failed deep in simulate; count 0 divided by zero there
    (lambda: hwsim.Layer("fc", "gemm"), ["'op'", "'gemm' is not an op"]),
    (lambda: hwsim.Layer("fc", hwsim.Gemm(4, 4, 4), count=0), ["'count'", "an integer >= 1"]),
    (lambda: hwsim.Layer("", hwsim.Gemm(4, 4, 4)), ["'name'", "'' is not a layer name"]),
    (lambda: hwsim.Layer(None, hwsim.Gemm(4, 4, 4)), ["'name'", "None is not a layer name"]),
    (lambda: hwsim.Workload("w", None), ["'layers'", "must be hwsim.Layer objects"]),
    (lambda: hwsim.Workload(5, ()), ["'name'", "5 is not a workload name"]),
    (lambda: hwsim.Conv2d(8, 8, 3, 8, 3, 3, ceil_mode="no"), ["'ceil_mode'", "'no' is not true or false"]),
    (lambda: hwsim.load_workload("llm/gpt2", phase="decode", kv_len=8, gemm_only="no"),
     ["'gemm_only'", "'no' is not true or false"]),
    (lambda: hwsim.load_workload("resnet50", input_shapes="x=2x64"), ["'input_shapes'", "not a mapping"]),
    (lambda: hwsim.load_workload("x" * 5000 + ".yaml"), ["cannot read workload file", "File name too long"]),
    (lambda: hwsim.load_accelerator("x" * 5000 + ".yaml"), ["cannot read accelerator file"]),
    (lambda: hwsim.sweep({"accelerator": GOOD_ACCEL}, None), ["'out'", "None is not an output folder"]),
    (lambda: hwsim.sweep({"accelerator": GOOD_ACCEL}, ""), ["'out'", "'' is not an output folder"]),
    # round two: bare exceptions and truthy text
    (lambda: hwsim.quantise(np.ones(8), "int4"), ["'w'", "shape (8,) is not a 2-D"]),
    (lambda: hwsim.quantise(np.array([[np.nan, 1.0]]), "int4"), ["'w'", "NaN or infinite"]),
    (lambda: hwsim.quantise(np.array([[1j, 1.0]]), "int4"), ["'w'", "not a real matrix"]),
    (lambda: hwsim.quantise(np.ones((2, 2)), None), ["'fmt'", "None is not a number format"]),
    (lambda: hwsim.parse_precision_plan(b"layer,weights\n*,int4\n"), ["bytes is not the text of a plan"]),
    (lambda: hwsim.read_precision_plan(5), ["'path'", "int 5 is not a path"]),
    (lambda: hwsim.sweep({"accelerator": GOOD_ACCEL}, "o", resume="no"), ["'resume'", "'no' is not true or false"]),
    (lambda: hwsim.sweep(SWEEP, "o", executor="dask", executor_options={"foo": 1}),
     ["'executor_options'", "the dask executor takes no option 'foo'"]),
    (lambda: hwsim.sweep(SWEEP, "o", executor_options={"scheduler": "tcp://x:1"}),
     ["the inprocess executor takes no option 'scheduler'"]),
    (lambda: hwsim.tech_point("45"), ["'tech_node_nm'", "'45' is not a number"]),
    (lambda: hwsim.precision_mix("w4a8", 5), ["'workloads'", "int 5 is not a workload"]),
    (lambda: hwsim.generate(GOOD_ACCEL, "llm/gpt2", 4, 2, gemm_only="no"), ["'gemm_only'", "'no' is not true or false"]),
]


@pytest.mark.parametrize("call, fragments", API_CASES, ids=[f"api{i}" for i in range(len(API_CASES))])
def test_api_arguments_of_the_wrong_kind_are_one_input_error(call, fragments, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # a call that wrongly writes (a sweep's folder) writes nowhere that stays
    assert_one_input_error(call, fragments)


def test_numpy_integers_are_integers_and_a_list_of_layers_is_a_tuple():
    # values taken out of numpy arrays were refused as "not an integer"
    assert hwsim.Gemm(np.int64(4), np.int32(5), 6) == hwsim.Gemm(4, 5, 6)
    assert type(hwsim.Gemm(np.int64(4), 5, 6).m) is int
    layer = hwsim.Layer("fc", hwsim.Gemm(4, 4, 4), count=np.int64(3))
    assert layer.count == 3 and type(layer.count) is int
    assert hwsim.Workload("w", [layer]) == hwsim.Workload("w", (layer,))
    assert hash(hwsim.Workload("w", [layer])) == hash(hwsim.Workload("w", (layer,)))
    decode = hwsim.load_workload("llm/gpt2", phase="decode", kv_len=np.int64(8), batch=np.int32(2))
    assert decode == hwsim.load_workload("llm/gpt2", phase="decode", kv_len=8, batch=2)
    from hwsim.dse.spec import SweepSpec

    spec = {"accelerator": GOOD_ACCEL, "workloads": ["resnet50"], "axes": {"compute.rows": list(np.array([8, 16]))},
            "sampler": {"kind": "random", "count": np.int64(3), "seed": np.int64(0)}}
    built = SweepSpec.from_mapping(spec)
    assert built.points == 3 and built.axes[0].values == (8, 16)


def test_plan_text_reads_as_a_plan_file_does_and_numpy_counts_are_counts(tmp_path, monkeypatch):
    # a BOM and lines ending in CR alone, as read_text takes them from a file
    plain = hwsim.parse_precision_plan("layer,weights\n*,int4\n")
    assert hwsim.parse_precision_plan("\ufefflayer,weights\n*,int4\n").rules == plain.rules
    assert hwsim.parse_precision_plan("layer,weights\r*,int4\r").rules == plain.rules
    run = hwsim.generate(GOOD_ACCEL, "llm/gpt2", 4, 2, batch=np.int64(2))
    assert run.summary()["batch"] == 2
    monkeypatch.chdir(tmp_path)
    assert hwsim.sweep(SWEEP, "out", jobs=np.int64(1), progress="quiet").points == 1


def test_precision_as_a_mapping_is_the_same_as_a_precision_object():
    from hwsim.formats import Precision

    as_mapping = hwsim.simulate("stripes-like", TINY, precision={"weights": "int4"})
    as_object = hwsim.simulate("stripes-like", TINY, precision=Precision(weights="int4"))
    pd.testing.assert_frame_equal(as_mapping.layers, as_object.layers)


# a 2^20 x 2^16 x 2^16 GEMM through 1 KiB of ifmap at 1 MB/s: ~2^72 DRAM bits, 2^65 cycles (the
# compiled cells' int64 rounding wrapped such counts negative: -9.2e18 cycles, -9.2e9 s)
HUGE = Workload("huge", (Layer("fc", Gemm(m=2 ** 20, k=2 ** 16, n=2 ** 16)),))
SLOW = {"dram.bandwidth_gb_s": [100, 0.001], "buffers.ifmap.size_kib": [1, 1]}


@pytest.mark.parametrize("per_layer", [False, True])
def test_cycles_beyond_an_exact_count_are_refused_not_wrapped(per_layer):
    with pytest.raises(HwsimInputError) as caught:
        hwsim.evaluate(GOOD_ACCEL, HUGE, SLOW, per_layer=per_layer)
    text = str(caught.value)
    assert "\n" not in text and "points row 1" in text and "more cycles than hwsim counts exactly" in text
    slow = hwsim.load_accelerator(GOOD_ACCEL, ["dram.bandwidth_gb_s=0.001", "buffers.ifmap.size_kib=1"])
    with pytest.raises(HwsimInputError, match="more cycles than hwsim counts exactly"):
        hwsim.simulate(slow, HUGE)
    # the fast point alone is a count: 2^52 MACs over 32 x 32 PEs is 2^42 cycles at least
    fast = hwsim.evaluate(GOOD_ACCEL, HUGE, {key: values[:1] for key, values in SLOW.items()}, per_layer=per_layer)
    assert 2 ** 42 <= fast["total_cycles"].sum() < 2 ** 53
