"""hwsim's closed-form SCALE-Sim USER-bandwidth memory model against SCALE-Sim v3.0.0 itself.

SCALE-Sim with ``InterfaceBandwidth: USER`` simulates its double-buffered SRAMs cycle by cycle;
``hwsim.arch.fabrics.systolic.scalesim_user`` reproduces its stall cycles and DRAM prefetch counts in closed
form. This script compares the two on a fixed, seeded set of cases (random and edge-case GEMMs and
a few convs; arrays 8x8, 16x32, 32x32, 64x16; os/ws/is; SRAMs 4..256 KB; 1..64 words/cycle,
ifmap/filter/ofmap bandwidths unequal in part of the cases) and prints the number of cases, the
fraction within 5 % of SCALE-Sim's total cycles, the median and maximum error, and the wall time
of both.

    python benchmarks/bench_scalesim_user.py                    # from tests/arch/data/scalesim_user_cases.csv
    python benchmarks/bench_scalesim_user.py --run-scalesim     # rerun SCALE-Sim (slow, ~minutes)
    python benchmarks/bench_scalesim_user.py --run-scalesim --write-csv   # regenerate the test data

SCALE-Sim is taken from ``--scalesim-python`` (default /tmp/ssvenv/bin/python; install with
``python3 -m venv /tmp/ssvenv && /tmp/ssvenv/bin/pip install scalesim==3.0.0 "numpy<2.4"``) and is
run unmodified through its Python API (``save_disk_space=True``) in subprocesses. Without
``--run-scalesim`` the SCALE-Sim figures (and its recorded wall times) come from the CSV.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
CSV_PATH = ROOT / "tests" / "arch" / "data" / "scalesim_user_cases.csv"
DEFAULT_PYTHON = "/tmp/ssvenv/bin/python"
ARRAYS = ((8, 8), (16, 32), (32, 32), (64, 16))
DATAFLOWS = ("os", "ws", "is")
DF_CODE = {"os": 0, "ws": 1, "is": 2}

# Runs inside SCALE-Sim's venv: argv = json list of jobs; prints one json line per job.
DRIVER = textwrap.dedent("""
    import json, sys, time, csv, os
    from scalesim.scale_sim import scalesim
    for job in json.loads(sys.argv[1]):
        start = time.perf_counter()
        sim = scalesim(save_disk_space=True, verbose=False, config=job["cfg"], topology=job["topo"],
                       layout=job["layout"], input_type_gemm=job["gemm"])
        sim.run_scale(top_path=job["top"])
        wall = time.perf_counter() - start
        out = {}
        for rep in ("COMPUTE_REPORT", "DETAILED_ACCESS_REPORT"):
            with open(os.path.join(job["top"], job["run_name"], rep + ".csv")) as fh:
                rows = [[c.strip() for c in r] for r in csv.reader(fh) if r]
            out[rep] = [dict(zip(rows[0], r)) for r in rows[1:]]
        print(json.dumps({"id": job["id"], "wall_s": wall, "reports": out}), flush=True)
""")


def cfg_text(run_name: str, rows: int, cols: int, dataflow: str, sram_kb: tuple[int, int, int],
             bandwidth: str, ifmap_bank_bw: int, filter_bank_bw: int) -> str:
    return textwrap.dedent(f"""\
        [general]
        run_name = {run_name}

        [architecture_presets]
        ArrayHeight:    {rows}
        ArrayWidth:     {cols}
        IfmapSramSzkB:    {sram_kb[0]}
        FilterSramSzkB:   {sram_kb[1]}
        OfmapSramSzkB:    {sram_kb[2]}
        IfmapOffset:    0
        FilterOffset:   10000000
        OfmapOffset:    20000000
        Bandwidth : {bandwidth}
        Dataflow : {dataflow}
        ReadRequestBuffer: 32
        WriteRequestBuffer: 32

        [layout]
        IfmapCustomLayout: False
        IfmapSRAMBankBandwidth: {ifmap_bank_bw}
        IfmapSRAMBankNum: 1
        IfmapSRAMBankPort: 2
        FilterCustomLayout: False
        FilterSRAMBankBandwidth: {filter_bank_bw}
        FilterSRAMBankNum: 1
        FilterSRAMBankPort: 2

        [sparsity]
        SparsitySupport : false
        SparseRep : ellpack_block
        OptimizedMapping : false
        BlockSize : 8
        RandomNumberGeneratorSeed : 40

        [run_presets]
        InterfaceBandwidth: USER
        UseRamulatorTrace: False
        """)


def _cost(m: int, n: int, k: int, rows: int, cols: int) -> float:
    """Rough SCALE-Sim work estimate (demand-matrix elements), to keep runs modest."""
    folds = -(-m // rows) * -(-n // cols)
    return folds * (max(m, n, k) + rows + cols) * (rows + cols)


def make_cases(seed: int = 2025) -> list[dict]:
    """Groups of layers sharing one SCALE-Sim config. Deterministic."""
    rng = np.random.default_rng(seed)
    kbs = (4, 8, 16, 32, 64, 128, 256)
    bws = (1, 2, 4, 8, 10, 16, 32, 64)
    edge = [(1, 1, 1), (1, 300, 64), (300, 1, 64), (64, 64, 1), (33, 65, 129), (100, 100, 100),
            (256, 128, 64), (31, 17, 250), (128, 128, 128), (7, 400, 9), (400, 7, 33), (96, 96, 320)]
    groups = []
    gid = 0
    for rep in range(30):
        for rows, cols in ARRAYS:
            dataflow = DATAFLOWS[(rep + gid) % 3]
            if rep % 4 == 3:  # unequal per-operand SRAM sizes and bandwidths
                sram = tuple(int(rng.choice(kbs)) for _ in range(3))
                ibw, fbw, obw = (int(rng.choice(bws)) for _ in range(3))
            else:
                sram = (int(rng.choice(kbs)),) * 3
                ibw = fbw = obw = int(rng.choice(bws))
            # Bandwidth list: SCALE-Sim 3.0.0 uses only its first entry (the ofmap channel); the
            # ifmap/filter channels are the [layout] bank bandwidths.
            bandwidth = f"{obw},{int(rng.choice(bws))},{int(rng.choice(bws))}" if rep % 5 == 4 else str(obw)
            layers = []
            tries = 0
            while len(layers) < 3 and tries < 200:
                tries += 1
                if rng.random() < 0.3:
                    m, n, k = edge[int(rng.integers(len(edge)))]
                else:
                    m, n, k = (int(x) for x in np.exp(rng.uniform(np.log(2), np.log(400), 3)).round())
                if _cost(m, n, k, rows, cols) > 5e6:
                    continue
                layers.append({"layer_type": "gemm", "name": f"g{len(layers)}_{m}x{n}x{k}", "M": m, "N": n, "K": k})
            groups.append({"group": gid, "rows": rows, "cols": cols, "dataflow": dataflow, "sram_kb": sram,
                           "bandwidth": bandwidth, "ifmap_bank_bw": ibw, "filter_bank_bw": fbw, "gemm": True,
                           "layers": layers})
            gid += 1
    # A few convolutions (1x1 and 3x3, strides 1 and 2) on 32x32 and 16x32.
    convs = [("pw_28_c64_n96", 28, 28, 1, 1, 64, 96, 1), ("pw_s2_29_c32_n48", 29, 29, 1, 1, 32, 48, 2),
             ("c3x3_16_c16_n32", 16, 16, 3, 3, 16, 32, 1), ("c3x3_s2_21_c8_n24", 21, 21, 3, 3, 8, 24, 2)]
    for i, (rows, cols, df, kb, bw) in enumerate([(32, 32, "os", 16, 4), (32, 32, "ws", 8, 8), (16, 32, "is", 32, 2),
                                                   (32, 32, "ws", 64, 16), (16, 32, "os", 4, 10)]):
        layers = []
        for name, h, w, fh, fw, c, nf, s in convs:
            oh, ow = (h - fh + s) // s, (w - fw + s) // s
            layers.append({"layer_type": "conv", "name": name, "ifmap_h": h, "ifmap_w": w, "filter_h": fh,
                           "filter_w": fw, "channels": c, "num_filters": nf, "stride": s,
                           "M": oh * ow, "N": nf, "K": fh * fw * c})
        groups.append({"group": gid, "rows": rows, "cols": cols, "dataflow": df, "sram_kb": (kb, kb, kb),
                       "bandwidth": str(bw), "ifmap_bank_bw": bw, "filter_bank_bw": bw, "gemm": False,
                       "layers": layers})
        gid += 1
    return groups


def run_scalesim(groups: list[dict], python: str, workers: int = 2) -> list[dict]:
    """Run SCALE-Sim on every group; return one record per layer."""
    tmp = Path(tempfile.mkdtemp(prefix="ss_user_"))
    jobs = []
    for g in groups:
        run_name = f"grp{g['group']}"
        d = tmp / run_name
        d.mkdir()
        (d / "c.cfg").write_text(cfg_text(run_name, g["rows"], g["cols"], g["dataflow"], g["sram_kb"],
                                          g["bandwidth"], g["ifmap_bank_bw"], g["filter_bank_bw"]))
        if g["gemm"]:
            lines = ["Layer, M, N, K,"] + [f"{l['name']}, {l['M']}, {l['N']}, {l['K']}," for l in g["layers"]]
        else:
            lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
            lines += [f"{l['name']}, {l['ifmap_h']}, {l['ifmap_w']}, {l['filter_h']}, {l['filter_w']}, "
                      f"{l['channels']}, {l['num_filters']}, {l['stride']}," for l in g["layers"]]
        (d / "t.csv").write_text("\n".join(lines) + "\n")
        (d / "l.csv").write_text("Layer name,\n")
        jobs.append({"id": g["group"], "cfg": str(d / "c.cfg"), "topo": str(d / "t.csv"), "layout": str(d / "l.csv"),
                     "gemm": g["gemm"], "top": str(d), "run_name": run_name})
    by_id = {g["group"]: g for g in groups}

    def one(job: dict) -> dict:
        proc = subprocess.run([python, "-c", DRIVER, json.dumps([job])], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"SCALE-Sim failed on group {job['id']}: {proc.stderr[-2000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    records = []
    done = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for res in pool.map(one, jobs):
            g = by_id[res["id"]]
            comp, det = res["reports"]["COMPUTE_REPORT"], res["reports"]["DETAILED_ACCESS_REPORT"]
            per_layer_wall = res["wall_s"] / len(g["layers"])
            for layer, c, a in zip(g["layers"], comp, det):
                bws = [int(x) for x in g["bandwidth"].split(",")]
                records.append({
                    "group": g["group"], "layer_name": layer["name"], "layer_type": layer["layer_type"],
                    "ifmap_h": layer.get("ifmap_h", ""), "ifmap_w": layer.get("ifmap_w", ""),
                    "filter_h": layer.get("filter_h", ""), "filter_w": layer.get("filter_w", ""),
                    "channels": layer.get("channels", ""), "num_filters": layer.get("num_filters", ""),
                    "stride": layer.get("stride", ""),
                    "M": layer["M"], "N": layer["N"], "K": layer["K"],
                    "array_rows": g["rows"], "array_cols": g["cols"], "dataflow": g["dataflow"],
                    "ifmap_sram_kb": g["sram_kb"][0], "filter_sram_kb": g["sram_kb"][1], "ofmap_sram_kb": g["sram_kb"][2],
                    "cfg_bandwidth": g["bandwidth"].replace(",", ";"),
                    "ifmap_bank_bw": g["ifmap_bank_bw"], "filter_bank_bw": g["filter_bank_bw"],
                    "bw_ifmap": g["ifmap_bank_bw"], "bw_filter": g["filter_bank_bw"], "bw_ofmap": bws[0],
                    "total_cycles_incl_prefetch": int(float(c["Total Cycles (incl. prefetch)"])),
                    "total_cycles": int(float(c["Total Cycles"])), "stall_cycles": int(float(c["Stall Cycles"])),
                    "dram_ifmap_reads": int(float(a["DRAM IFMAP Reads"])),
                    "dram_filter_reads": int(float(a["DRAM Filter Reads"])),
                    "dram_ofmap_writes": int(float(a["DRAM OFMAP Writes"])),
                    "sram_ifmap_reads": int(float(a["SRAM IFMAP Reads"])),
                    "sram_filter_reads": int(float(a["SRAM Filter Reads"])),
                    "sram_ofmap_writes": int(float(a["SRAM OFMAP Writes"])),
                    "scalesim_wall_s": round(per_layer_wall, 4),
                })
            done += 1
            print(f"  SCALE-Sim group {res['id']} done ({done}/{len(jobs)}, {res['wall_s']:.1f} s)", file=sys.stderr,
                  flush=True)
    return records


FIELDS = ["group", "layer_name", "layer_type", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels",
          "num_filters", "stride", "M", "N", "K", "array_rows", "array_cols", "dataflow", "ifmap_sram_kb",
          "filter_sram_kb", "ofmap_sram_kb", "cfg_bandwidth", "ifmap_bank_bw", "filter_bank_bw", "bw_ifmap",
          "bw_filter", "bw_ofmap", "total_cycles_incl_prefetch", "total_cycles", "stall_cycles", "dram_ifmap_reads",
          "dram_filter_reads", "dram_ofmap_writes", "sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes",
          "scalesim_wall_s"]


def write_csv(records: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        fh.write(f"# Generated by benchmarks/bench_scalesim_user.py --run-scalesim --write-csv on "
                 f"{datetime.date.today().isoformat()}: SCALE-Sim 3.0.0 from PyPI (numpy<2.4), run unmodified "
                 f"through its Python API, InterfaceBandwidth USER; cfg_bandwidth is the cfg's Bandwidth list "
                 f"(';'-separated), bw_* the per-operand channel widths SCALE-Sim uses.\n")
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for r in sorted(records, key=lambda r: (r["group"], r["layer_name"])):
            writer.writerow({k: r[k] for k in FIELDS})


def read_csv(path: Path) -> list[dict]:
    with path.open() as fh:
        lines = [l for l in fh if not l.startswith("#")]
    return list(csv.DictReader(lines))


def hwsim_total_cycles(records: list[dict]) -> np.ndarray:
    """Closed form for every record at once (grouped by array and dataflow for the compute part)."""
    from hwsim.arch.fabrics.systolic.scalesim_user import scalesim_user_memory
    from hwsim.arch.fabrics.systolic.timing import systolic_timing

    def col(name):
        return np.array([int(r[name]) for r in records], dtype=np.int64)

    m, n, k = col("M"), col("N"), col("K")
    rows, cols = col("array_rows"), col("array_cols")
    dfc = np.array([DF_CODE[r["dataflow"]] for r in records])
    compute = np.zeros(len(records), dtype=np.int64)
    for (r_, c_, d_) in {(a, b, c) for a, b, c in zip(rows, cols, dfc)}:
        sel = (rows == r_) & (cols == c_) & (dfc == d_)
        compute[sel] = systolic_timing(m[sel], k[sel], n[sel], int(r_), int(c_), DATAFLOWS[d_]).compute_cycles
    mem = scalesim_user_memory(m, k, n, rows, cols, dfc, col("ifmap_sram_kb") * 1024, col("filter_sram_kb") * 1024,
                               col("ofmap_sram_kb") * 1024, col("bw_ifmap"), col("bw_filter"), col("bw_ofmap"))
    return compute + mem.stall_cycles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-scalesim", action="store_true", help="run SCALE-Sim now instead of reading the CSV")
    parser.add_argument("--write-csv", action="store_true", help=f"with --run-scalesim: rewrite {CSV_PATH.name}")
    parser.add_argument("--scalesim-python", default=DEFAULT_PYTHON)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N config groups")
    args = parser.parse_args()

    if args.run_scalesim:
        groups = make_cases()
        if args.limit:
            groups = groups[:args.limit]
        start = time.perf_counter()
        records = run_scalesim(groups, args.scalesim_python, args.workers)
        ss_wall = time.perf_counter() - start
        if args.write_csv:
            write_csv(records, CSV_PATH)
            print(f"wrote {len(records)} rows to {CSV_PATH}")
        records = [{k: str(v) for k, v in r.items()} for r in records]
        ss_source = f"measured now ({args.workers} workers)"
    else:
        records = read_csv(CSV_PATH)
        ss_wall = sum(float(r["scalesim_wall_s"]) for r in records)
        ss_source = "recorded in the CSV (sum of per-layer wall times)"

    ref = np.array([int(r["total_cycles"]) for r in records], dtype=np.float64)
    hwsim_total_cycles(records)  # warm-up (imports)
    reps = 20
    start = time.perf_counter()
    for _ in range(reps):
        ours = hwsim_total_cycles(records)
    hw_wall = (time.perf_counter() - start) / reps
    err = np.abs(ours - ref) / ref
    print(f"cases                 : {len(records)}")
    print(f"within 5 %            : {np.mean(err <= 0.05):.3f} ({int(np.sum(err <= 0.05))}/{len(records)})")
    print(f"median / max error    : {np.median(err) * 100:.2f} % / {np.max(err) * 100:.2f} %")
    print(f"SCALE-Sim wall time   : {ss_wall:.2f} s [{ss_source}]")
    print(f"hwsim closed form     : {hw_wall * 1e3:.3f} ms (all cases, one vectorised call)")
    print(f"ratio                 : {ss_wall / hw_wall:,.0f}x")
    worst = np.argsort(-err)[:8]
    print("worst cases:")
    for i in worst:
        r = records[i]
        print(f"  {r['layer_name']:<22} {r['array_rows']}x{r['array_cols']} {r['dataflow']} sram={r['ifmap_sram_kb']}/"
              f"{r['filter_sram_kb']}/{r['ofmap_sram_kb']}KB bw={r['bw_ifmap']}/{r['bw_filter']}/{r['bw_ofmap']} "
              f"scalesim={int(ref[i])} hwsim={int(ours[i])} err={err[i] * 100:.1f}%")


if __name__ == "__main__":
    main()
