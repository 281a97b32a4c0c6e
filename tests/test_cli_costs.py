"""`hwsim tech`, `hwsim pe` and `--precision` as a user runs them; the CSV columns are a contract."""

import csv
import io

import pytest

from hwsim.cli import main

TECH_COLUMNS = ["unit", "format_a", "format_b", "bits", "energy_pj", "area_um2", "leakage_uw", "delay_ns"]
PE_COLUMNS = ["pe", "weight_format", "activation_format", "accumulator_format", "energy_per_mac_pj", "area_um2",
              "area_um2_cells", "leakage_uw"]


def _csv(argv, capsys):
    assert main(argv) == 0
    text = capsys.readouterr().out
    reader = csv.DictReader(io.StringIO(text))
    return reader.fieldnames, list(reader)


def test_tech_csv_columns_and_units(capsys):
    columns, rows = _csv(["tech", "--node", "45", "--format", "csv"], capsys)
    assert columns == TECH_COLUMNS
    present = {(r["unit"], int(r["bits"])) for r in rows}
    for needed in [("int_add", 8), ("int_add", 32), ("int_mult", 8), ("int_mult", 32), ("fp_add", 16), ("fp_add", 32),
                   ("fp_mult", 16), ("fp_mult", 32)]:
        assert needed in present
    units = {r["unit"] for r in rows}
    for unit in ("full_adder", "half_adder", "and2", "flip_flop", "mux2", "shifter_stage_bit", "lzc_bit",
                 "comparator_bit", "int_mult_booth4", "fp_fma", "int_acc", "fp_acc", "mixed_mult", "int_to_fp",
                 "block_mac"):
        assert unit in units
    for row in rows:
        assert float(row["energy_pj"]) > 0 and float(row["area_um2"]) > 0 and float(row["delay_ns"]) > 0


def test_tech_int_mult_8_is_an_8x8_multiplier_at_horowitz_energy(capsys):
    _, rows = _csv(["tech", "--node", "45", "--format", "csv"], capsys)
    mult8 = next(r for r in rows if r["unit"] == "int_mult" and r["bits"] == "8")
    assert (mult8["format_a"], mult8["format_b"]) == ("int8", "int8")
    assert float(mult8["energy_pj"]) == pytest.approx(0.2, rel=0.25)  # Horowitz ISSCC 2014


def test_tech_scales_with_node(capsys):
    _, at_45 = _csv(["tech", "--node", "45", "--format", "csv"], capsys)
    _, at_7 = _csv(["tech", "--node", "7", "--format", "csv"], capsys)
    for a, b in zip(at_45, at_7):
        assert (a["unit"], a["bits"]) == (b["unit"], b["bits"])
        assert float(b["area_um2"]) < float(a["area_um2"]) and float(b["energy_pj"]) < float(a["energy_pj"])


def test_pe_csv_columns_and_lower_case_formats(capsys):
    columns, rows = _csv(["pe", "--node", "7", "--format", "csv"], capsys)
    assert columns == PE_COLUMNS
    combos = {(r["weight_format"], r["activation_format"], r["accumulator_format"]) for r in rows}
    for needed in [("int8", "int8", "int32"), ("fp8_e4m3", "fp8_e4m3", "fp32"), ("bf16", "bf16", "fp32"),
                   ("mxfp4", "mxfp4", "fp32"), ("nvfp4", "nvfp4", "fp32"), ("int4", "fp16", "fp32"),
                   ("int8", "bf16", "fp32"), ("mxint8", "mxint8", "fp32"), ("int2", "int2", "int32")]:
        assert needed in combos
    for row in rows:
        for key in ("weight_format", "activation_format", "accumulator_format"):
            assert row[key] == row[key].lower()
        assert float(row["energy_per_mac_pj"]) > 0 and float(row["area_um2"]) > 0


def test_precision_file_sets_formats_per_layer(tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    plan.write_text("layer,weights,activations\n*,int8,int8\nres5*,int4,\n# comment line\nfc1000,,int4\n")
    assert main(["run", "--set", "compute.pe.weights=[int8, int4]", "--set", "compute.pe.activations=[int8, int4]",
                 "--precision", str(plan), "--format", "csv", "--out", ""]) == 0
    rows = {r["layer"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["res5a_3x3"]["weight_format"] == "int4" and rows["res5a_3x3"]["activation_format"] == "int8"
    assert rows["res4a_3x3"]["weight_format"] == "int8"
    assert rows["fc1000"]["activation_format"] == "int4" and rows["fc1000"]["weight_format"] == "int8"


def test_cli_override_wins_over_precision_file(tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    plan.write_text("layer,weights\nres5*,int4\n")
    assert main(["run", "--set", "compute.pe.weights=[int8, int4]", "--precision", str(plan), "--weights", "int8",
                 "--format", "csv", "--out", ""]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["weight_format"] for r in rows if r["op"] != "vector"} == {"int8"}


@pytest.mark.parametrize("table, first_column", [("factors", "factor"), ("residuals", "reference"), ("ratios", "ratio")])
def test_calibrate_csv_tables(table, first_column, capsys):
    columns, rows = _csv(["calibrate", "--format", "csv", "--table", table], capsys)
    assert columns[0] == first_column and rows
    if table == "residuals":
        for row in rows:  # every published point within its stated tolerance
            assert abs(float(row["residual"])) <= float(row["tolerance"])
