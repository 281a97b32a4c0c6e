"""Off-chip operand reads against SCALE-Sim where its buffers hold the operand (its counts then
reduce to the unique footprint), and hwsim's refetch rule where they do not."""

import csv

import hwsim
from hwsim.workload import Gemm, Layer, Workload

WORDS_PER_HALF_64KB = 64 * 1024 // 2  # double-buffered 64 KB SRAM of 1-byte words


def test_dram_reads_equal_scalesim_when_the_operand_fits(reference):
    rows = list(csv.DictReader(open(reference / "scalesim" / "scalesim_v3_results.csv")))
    checked = 0
    for topology in ("odd_gemm", "odd_conv"):
        work = hwsim.load_workload(str(reference / "scalesim" / "topologies" / f"{topology}.csv"))
        unique_a = {l.name: l.op.gemm_view().a_unique_words for l in work.layers}
        for (r, c, df) in {(int(x["array_rows"]), int(x["array_cols"]), x["dataflow"]) for x in rows
                           if x["topology"] == topology}:
            cfg = reference / "scalesim" / "configs" / f"a{r}x{c}_{df}_s64_calc.cfg"
            table = hwsim.simulate(hwsim.load_accelerator(str(cfg)), work).layers.set_index("layer")
            for x in rows:
                if (x["topology"], int(x["array_rows"]), x["dataflow"]) != (topology, r, df):
                    continue
                name = x["layer_name"]
                instances = table.loc[name, "instances"]
                k, n = int(x["gemm_K_window"]), int(x["gemm_N_filters"])
                if unique_a[name] <= WORDS_PER_HALF_64KB:
                    assert table.loc[name, "dram_ifmap_reads_words"] == int(float(x["dram_ifmap_reads"])) * instances
                    checked += 1
                if k * n <= WORDS_PER_HALF_64KB:
                    assert table.loc[name, "dram_filter_reads_words"] == int(float(x["dram_filter_reads"])) * instances
                    checked += 1
    assert checked > 100


def test_refetch_when_the_input_does_not_fit():
    # OS: A (M x K) is needed once per column fold; 300 x 300 int8 = 90,000 bytes > 32 KiB
    accel = hwsim.load_accelerator("scalesim-default", ["compute.dataflow=os"])
    row = hwsim.simulate(accel, Workload("g", (Layer("g", Gemm(300, 300, 100)),))).layers.iloc[0]
    col_folds = -(-100 // 32)
    assert row["dram_ifmap_reads_words"] == 300 * 300 * col_folds
    bigger = hwsim.load_accelerator("scalesim-default", ["compute.dataflow=os", "buffers.ifmap.size_kib=256"])
    row = hwsim.simulate(bigger, Workload("g", (Layer("g", Gemm(300, 300, 100)),))).layers.iloc[0]
    assert row["dram_ifmap_reads_words"] == 300 * 300


def test_ws_partial_sums_spill_when_the_output_tile_does_not_fit():
    # WS: M x C partial sums at 32 bits: 4096 x 32 x 4 B = 512 KiB > 32 KiB -> spill per extra K fold
    accel = hwsim.load_accelerator("scalesim-default")
    row = hwsim.simulate(accel, Workload("g", (Layer("g", Gemm(4096, 64, 32)),))).layers.iloc[0]
    k_folds = 2
    assert row["dram_ofmap_writes_words"] == 4096 * 32 * k_folds
    small = hwsim.simulate(accel, Workload("g", (Layer("g", Gemm(64, 64, 32)),))).layers.iloc[0]
    assert small["dram_ofmap_writes_words"] == 64 * 32
