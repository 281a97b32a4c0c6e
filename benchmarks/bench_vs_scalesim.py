"""Speed and agreement: hwsim against SCALE-Sim v3 on the same arrays, dataflows and layers.

Installs SCALE-Sim (``pip install scalesim==3.0.0 "numpy<2.4"``; it crashes with numpy 2.4) into
its own virtual environment under benchmarks/out/, runs it unmodified through its Python API with
``save_disk_space=True``, and times hwsim on the same inputs in the same run. Prints, per case,
both wall times, the speed ratio and whether every layer's cycle count agrees.

    python benchmarks/bench_vs_scalesim.py            # odd GEMMs on 8x8 (os/ws/is), ResNet-50 32x32 (os/ws/is)
    python benchmarks/bench_vs_scalesim.py --quick    # odd GEMMs on 8x8 and the first 6 ResNet-50 layers
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import hwsim
from hwsim.workload import Workload
from hwsim.workload.frontends.scalesim_topology import format_topology

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
VENV = OUT / "scalesim-venv"
REFERENCE = HERE.parent.parent / "shared" / "reference" / "scalesim"

DRIVER = textwrap.dedent("""
    import json, resource, sys, time
    from scalesim.scale_sim import scalesim
    cfg, topo, gemm, top, layout = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5]
    start = time.perf_counter()
    sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=layout,
                   input_type_gemm=gemm)
    sim.run_scale(top_path=top)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mib": usage.ru_maxrss / 1024}))
""")


def ensure_scalesim() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "scalesim==3.0.0", "numpy<2.4"], check=True)
    return python


def write_cfg(path: Path, rows: int, cols: int, dataflow: str, run_name: str) -> None:
    path.write_text(textwrap.dedent(f"""\
        [general]
        run_name = {run_name}

        [architecture_presets]
        ArrayHeight:    {rows}
        ArrayWidth:     {cols}
        IfmapSramSzkB:    64
        FilterSramSzkB:   64
        OfmapSramSzkB:    64
        IfmapOffset:    0
        FilterOffset:   10000000
        OfmapOffset:    20000000
        Bandwidth : 10
        Dataflow : {dataflow}
        ReadRequestBuffer: 32
        WriteRequestBuffer: 32

        [layout]
        IfmapCustomLayout: False
        IfmapSRAMBankBandwidth: 10
        IfmapSRAMBankNum: 1
        IfmapSRAMBankPort: 2
        FilterCustomLayout: False
        FilterSRAMBankBandwidth: 10
        FilterSRAMBankNum: 1
        FilterSRAMBankPort: 2

        [sparsity]
        SparsitySupport : false
        SparseRep : ellpack_block
        OptimizedMapping : false
        BlockSize : 8
        RandomNumberGeneratorSeed : 40

        [run_presets]
        InterfaceBandwidth: CALC
        UseRamulatorTrace: False
        """))


def time_hwsim(cfg: Path, topo: Path, repeats: int = 7) -> tuple[float, "hwsim.Result"]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = hwsim.simulate(hwsim.load_accelerator(str(cfg)), hwsim.load_workload(str(topo)))
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def scalesim_cycles(report: Path) -> list[int]:
    with report.open() as handle:
        rows = list(csv.reader(handle))
    header = [h.strip() for h in rows[0]]
    column = header.index("Total Cycles")
    return [int(float(r[column])) for r in rows[1:] if r]


def run_case(python: Path, name: str, topo: Path, gemm: bool, rows: int, cols: int, dataflow: str) -> dict:
    run_name = f"{name}_{rows}x{cols}_{dataflow}"
    case_dir = OUT / run_name
    case_dir.mkdir(parents=True, exist_ok=True)
    cfg = case_dir / "config.cfg"
    write_cfg(cfg, rows, cols, dataflow, run_name)
    hw_s, result = time_hwsim(cfg, topo)
    layout = case_dir / "layout.csv"  # no custom layout: SCALE-Sim still wants the file; a header suffices
    layout.write_text("Layer name,\n")
    proc = subprocess.run([str(python), "-c", DRIVER, str(cfg), str(topo), "1" if gemm else "0", str(case_dir),
                           str(layout)],
                          capture_output=True, text=True, check=True)
    measured = json.loads(proc.stdout.strip().splitlines()[-1])
    ref = scalesim_cycles(case_dir / run_name / "COMPUTE_REPORT.csv")
    ours = []
    for _, row in result.layers.iterrows():  # SCALE-Sim reports depthwise layers per channel
        ours.extend([int(row["compute_cycles"]) // int(row["instances"])] * int(row["instances"] * row["count"]))
    return {"case": run_name, "layers": len(ref), "scalesim_wall_s": measured["wall_s"],
            "scalesim_cpu_s": measured["cpu_s"], "scalesim_max_rss_mib": measured["max_rss_mib"],
            "hwsim_wall_s": hw_s, "speedup": measured["wall_s"] / hw_s, "cycles_identical": ours == ref}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small cases only (minutes, not an hour)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    python = ensure_scalesim()
    resnet = hwsim.load_workload("resnet50")
    if args.quick:
        resnet = Workload("resnet50_first6", resnet.layers[:6], resnet.source)
    resnet_topo = OUT / f"{resnet.name}.csv"
    resnet_topo.write_text(format_topology(resnet))
    cases = [("odd_gemm", REFERENCE / "topologies" / "odd_gemm.csv", True, 8, 8, df) for df in ("os", "ws", "is")]
    cases += [(resnet.name, resnet_topo, False, 32, 32, df) for df in ("os", "ws", "is")]
    print(f"{'case':<28} {'layers':>6} {'scalesim_s':>11} {'scalesim_MiB':>12} {'hwsim_ms':>9} {'ratio':>9}  cycles")
    results = []
    for case in cases:
        r = run_case(python, *case)
        results.append(r)
        print(f"{r['case']:<28} {r['layers']:>6} {r['scalesim_wall_s']:>11.2f} {r['scalesim_max_rss_mib']:>12.0f} "
              f"{r['hwsim_wall_s'] * 1e3:>9.2f} {r['speedup']:>8.0f}x  {'identical' if r['cycles_identical'] else 'DIFFER'}",
              flush=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
