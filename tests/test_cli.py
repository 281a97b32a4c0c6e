"""The CLI as a user runs it: defaults, presets, a SCALE-Sim cfg + topology, overrides, list, info."""

import csv
import io
import json

import pytest

from hwsim.cli import main
from hwsim.results import LAYER_COLUMNS

ISSUE_COLUMNS = ["layer", "op", "count", "macs", "compute_cycles", "stall_cycles", "total_cycles", "utilization",
                 "mapping_efficiency", "sram_reads_bits", "sram_writes_bits", "dram_reads_bits", "dram_writes_bits",
                 "energy_pj", "energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj", "latency_s"]
SUMMARY_KEYS = ["compute_cycles", "stall_cycles", "total_cycles", "latency_s", "energy_pj", "energy_breakdown_pj",
                "area_mm2", "area_breakdown_mm2", "accelerator", "workload"]


def run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_default_run_prints_table_and_writes_outputs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = run(["run"], capsys)
    assert "res5b_3x3" in out and "total_cycles" in out and "area_mm2" in out
    rows = list(csv.DictReader((tmp_path / "hwsim-out" / "layers.csv").open()))
    assert len(rows) == 30 and list(rows[0]) == list(LAYER_COLUMNS)
    summary = json.loads((tmp_path / "hwsim-out" / "summary.json").read_text())
    assert summary["accelerator"] == "scalesim-default" and summary["workload"] == "resnet50"


def test_csv_has_the_issue_columns(tmp_path, capsys, reference):
    cfg = reference / "scalesim" / "configs" / "a32x32_os_s64_calc.cfg"
    topo = reference / "scalesim" / "topologies" / "odd_gemm.csv"
    out = run(["run", str(cfg), str(topo), "--format", "csv", "--out", str(tmp_path / "o")], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(ISSUE_COLUMNS) <= set(rows[0])
    assert rows[0]["layer"] == "tiny_1x1x1" and rows[0]["total_cycles"] == "62"


def test_json_summary_keys(capsys):
    summary = json.loads(run(["run", "tpu-v1-like", "resnet50", "--format", "json", "--out", ""], capsys))
    assert set(SUMMARY_KEYS) <= set(summary)
    # tpu-v1-like has an idle floor (ISCA 2017 Table 2), reported as its own part
    assert set(summary["energy_breakdown_pj"]) == {"compute", "sram", "dram", "leakage", "idle_floor"}
    bare = json.loads(run(["run", "scalesim-default", "resnet50", "--format", "json", "--out", ""], capsys))
    assert set(bare["energy_breakdown_pj"]) == {"compute", "sram", "dram", "leakage"}


def test_set_overrides_change_the_run(capsys):
    base = json.loads(run(["run", "scalesim-default", "resnet50", "--format", "json", "--out", ""], capsys))
    small = json.loads(run(["run", "scalesim-default", "resnet50", "--format", "json", "--out", "",
                            "--set", "compute.rows=16", "--set", "compute.cols=16",
                            "--set", "dram.bandwidth_gb_s=32"], capsys))
    assert small["compute_cycles"] > base["compute_cycles"]
    assert small["stall_cycles"] > 0 == base["stall_cycles"]
    assert small["area_mm2"] < base["area_mm2"]


def test_list_names_presets_with_sources(capsys):
    out = run(["list"], capsys)
    for name in ["tpu-v1-like", "eyeriss-like", "scalesim-default", "resnet50", "mobilenet_v2",
                 "bert_base_seq128", "bert_base_seq512"]:
        line = next(l for l in out.splitlines() if f" {name} " in f" {l} ")
        assert len(line.split()) > 3, line  # kind, name and a source


def test_info_json(capsys):
    info = json.loads(run(["info", "tpu-v1-like", "--format", "json"], capsys))
    assert info["peak_macs_per_cycle"] == 65536
    # Jouppi et al. 2017: 92 TOPS peak (65,536 MACs x 2 ops x 700 MHz)
    assert info["peak_tops"] == pytest.approx(91.75, rel=1e-3)
    assert info["freq_mhz"] == 700 and info["sram_kib"] == 24576 + 256 + 4096
    assert info["dram_bandwidth_gb_s"] == pytest.approx(34.0, rel=1e-3)
    assert info["area_mm2"] > 0


def test_precision_flags(capsys):
    w8 = json.loads(run(["run", "scalesim-default", "resnet50", "--format", "json", "--out", "",
                         "--set", "compute.pe.weights=[int8,int4]"], capsys))
    w4 = json.loads(run(["run", "scalesim-default", "resnet50", "--format", "json", "--out", "",
                         "--set", "compute.pe.weights=[int8,int4]", "--weights", "int4"], capsys))
    assert w4["energy_breakdown_pj"]["compute"] < w8["energy_breakdown_pj"]["compute"]
    assert w4["compute_cycles"] == w8["compute_cycles"]


def test_info_unlimited_bandwidth_is_null_in_strict_json(capsys):
    text = run(["info", "scalesim-default", "--format", "json"], capsys)
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))["dram_bandwidth_gb_s"] is None


# Run in a fresh interpreter: sys.modules of this test session already holds everything. One process
# walks the light paths in order and reports what each had imported by then.
_IMPORT_PROBE = r"""
import contextlib, io, json, sys

def loaded():
    names = set(sys.modules)
    return {"numba": "numba" in names, "numpy": "numpy" in names, "pandas": "pandas" in names,
            "pydantic": "pydantic" in names,
            "mapper": sorted(m for m in names if m.startswith("hwsim.arch.fabrics") and "mapper" in m),
            "optional": sorted({m.split(".")[0] for m in names} & {"plotly", "dask", "optuna", "dash", "onnx"})}

report, codes = {}, {}
import hwsim
report["import"] = loaded()
from hwsim.cli import main
for label, argv in (("help", ["--help"]), ("list", ["list"]), ("info", ["info", "tpu-v1-like"]),
                    ("info_pim", ["info", "hbm-pim"])):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            codes[label] = main(argv)
        except SystemExit as exc:
            codes[label] = exc.code
    report[label] = loaded()
for name in hwsim.__all__:
    getattr(hwsim, name)
report["api"] = loaded()
print(json.dumps({"report": report, "codes": codes}))
"""


def test_light_paths_import_neither_numba_nor_the_mapper():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.splitlines()[-1])
    assert probe["codes"] == {"help": 0, "list": 0, "info": 0, "info_pim": 0}
    seen = probe["report"]
    # `import hwsim` loads its public names on first use (PEP 562)
    assert seen["import"] == {"numba": False, "numpy": False, "pandas": False, "pydantic": False, "mapper": [],
                              "optional": []}
    # help and list stay light: not even numpy (hwsim.workload once pulled it in, 50-75 ms)
    for path in ("help", "list"):
        assert not seen[path]["numba"] and not seen[path]["numpy"] and not seen[path]["pandas"], path
        assert seen[path]["mapper"] == [], path
    for path in ("info", "info_pim"):
        assert not seen[path]["numba"] and seen[path]["mapper"] == [], path
    # the whole public API still keeps plotly, dask, optuna, dash and onnx for where they are used
    assert seen["api"]["optional"] == []


def test_every_public_name_resolves_and_is_listed():
    import hwsim

    assert len(set(hwsim.__all__)) == len(hwsim.__all__)
    assert set(hwsim.__all__) <= set(dir(hwsim))
    from hwsim import Workload, evaluate, load_accelerator, simulate  # noqa: F401  (the lazy path of `from`)

    for name in hwsim.__all__:
        assert getattr(hwsim, name).__name__ == name, name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        hwsim.not_a_name
