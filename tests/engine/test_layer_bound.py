"""The per-layer timing components (`dram_transfer_cycles`, `sram_port_cycles`) and `bound`
(docs/columns.md), each worked by hand from the documented timing formulas:

* systolic array, `mapping: scalesim` (hwsim/arch/fabrics/systolic/fabric.py docstring): compute =
  F x P - 1; DRAM transfer = bits moved / DRAM bits per cycle; no port term;
* systolic array, `mapping: auto`: the array waits for the SRAM ports, a buffer delivering banks x
  port width bits per cycle; the ifmap port carries the array's reads plus the fills from DRAM;
* vector unit (hwsim/arch/fabrics/vector.py docstring): ceil(ops / lanes), port cycles = bits in /
  (banks x port width);
* roofline host (hwsim/arch/fabrics/roofline.py): max(MACs / peak, compulsory bits / bandwidth);
* PIM layers: `pim`.

The small design is the accounting goldens' (tests/engine/test_accounting_goldens.py):
scalesim-default shrunk to a 4 x 4 array with three distinct buffers, GEMM M=6, K=10, N=5 in int8.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import hwsim
from hwsim.results import layer_bound
from hwsim.workload import Gemm, Layer, VectorOp, Workload

BUFFERS = {"ifmap": (16, 1, 256), "filter": (32, 2, 64), "ofmap": (8, 1, 512)}  # KiB, banks, port bits
M, K, N = 6, 10, 5


def _design(*changes, buffers=BUFFERS, mapping="scalesim"):
    base = ["compute.rows=4", "compute.cols=4", f"mapping={mapping}", "compute.dataflow=os",
            "dram.bandwidth_gb_s=unlimited"]
    base += [f"buffers.{role}.{key}={value}" for role, spec in buffers.items()
             for key, value in zip(("size_kib", "banks", "port_width_bits"), spec)]
    return hwsim.load_accelerator("scalesim-default", base + list(changes))


def _row(accel, op):
    return hwsim.simulate(accel, Workload("w", (Layer("l", op),))).layers.iloc[0]


def test_tiny_bandwidth_makes_the_gemm_dram_bound():
    # 0.3 GB/s at 1 GHz = 2.4 bits per cycle; A 60 + B 50 + C 30 int8 words = 1120 bits
    row = _row(_design("dram.bandwidth_gb_s=0.3"), Gemm(M, K, N))
    assert row["compute_cycles"] == 4 * 16 - 1          # OS: 4 folds x (10 + 4 + 4 - 2) - 1
    assert row["dram_transfer_cycles"] == pytest.approx(1120 / 2.4, rel=1e-12)   # 466.67
    assert math.isnan(row["sram_port_cycles"])           # SCALE-Sim's order has no port term
    assert row["bound"] == "dram_bandwidth"


def test_unlimited_bandwidth_makes_the_same_gemm_compute_bound():
    row = _row(_design(), Gemm(M, K, N))
    assert row["compute_cycles"] == 63 and row["stall_cycles"] == 0
    assert row["dram_transfer_cycles"] == 0.0
    assert row["bound"] == "compute"


def test_a_one_word_ifmap_port_makes_the_mapped_gemm_sram_port_bound():
    # ifmap port 8 bits (one int8 word), one bank. The mapper's first candidate, SCALE-Sim's order
    # (everything fits; ties keep the first): the array reads 120 ifmap words (OS: M x K x 2 column
    # folds) and DRAM fills 60 words, 180 x 8 bits through an 8-bit port = 180 cycles. The filter
    # port (2 x 64 bits) carries 100 + 50 words x 8 = 1200 bits: 9.4 cycles; the ofmap port (512
    # bits) 30 outputs written and 30 drained x 8 = 480 bits: under 1 cycle.
    accel = _design(buffers={**BUFFERS, "ifmap": (16, 1, 8)}, mapping="auto")
    row = _row(accel, Gemm(M, K, N))
    # compute: 4 passes, each one fold streaming K = 10 plus fill and drain R + C - 2 = 6
    assert row["compute_cycles"] == 4 * 10 + 4 * 6
    assert row["sram_port_cycles"] == pytest.approx((120 + 60) * 8 / 8, rel=1e-12)
    assert row["total_cycles"] == 180                   # the array waits for the port
    assert row["dram_transfer_cycles"] == 0.0
    assert row["bound"] == "sram_port"


def test_the_mapped_gemm_with_wide_ports_is_compute_bound():
    row = _row(_design(mapping="auto"), Gemm(M, K, N))
    # ifmap 256-bit port: 1440 bits in 5.625 cycles, less than the 64 compute cycles
    assert row["sram_port_cycles"] == pytest.approx(1200 / 128, rel=1e-12)   # the filter port is the slowest
    assert row["compute_cycles"] == 64 and row["bound"] == "compute"


def test_vector_op_is_vector_unit_bound_unless_its_port_is_narrow():
    # relu over 100 int8 elements on 32 lanes: ceil(100 / 32) = 4 cycles; 800 bits in
    wide = _row(_design(), VectorOp("relu", 100))
    assert wide["compute_cycles"] == 4
    assert wide["sram_port_cycles"] == pytest.approx(800 / 256, rel=1e-12)   # 3.125 < 4
    assert wide["bound"] == "vector_unit"
    narrow = _row(_design(buffers={**BUFFERS, "ifmap": (16, 1, 64)}), VectorOp("relu", 100))
    assert narrow["sram_port_cycles"] == pytest.approx(800 / 64, rel=1e-12)  # 12.5 > 4
    assert narrow["total_cycles"] == 13 and narrow["bound"] == "sram_port"


def test_roofline_host_names_its_roof():
    # 4 x 4 FP16 MACs per cycle at 1 GHz; 1 GB/s = 8 bits per cycle
    work = Workload("w", (Layer("mm", Gemm(64, 64, 64)), Layer("gemv", Gemm(1, 64, 64))))
    slow = hwsim.load_accelerator("gpu-a100-roofline", ["compute.rows=4", "compute.cols=4", "clock_mhz=1000",
                                                        "dram.bandwidth_gb_s=1"])
    rows = hwsim.simulate(slow, work).layers.set_index("layer")
    # mm: 64^3 / 16 = 16384 compute cycles; (3 x 64 x 64) x 16 bits / 8 = 24576 transfer cycles
    assert rows.loc["mm", "compute_cycles"] == 16384
    assert rows.loc["mm", "dram_transfer_cycles"] == pytest.approx(24576, rel=1e-12)
    assert rows.loc["mm", "bound"] == "roofline_memory"
    # gemv: 4096 / 16 = 256 compute; (64 + 4096 + 64) x 16 / 8 = 8448 transfer
    assert rows.loc["gemv", "dram_transfer_cycles"] == pytest.approx(8448, rel=1e-12)
    assert rows.loc["gemv", "bound"] == "roofline_memory"
    fast = hwsim.load_accelerator("gpu-a100-roofline", ["compute.rows=4", "compute.cols=4", "clock_mhz=1000",
                                                        "dram.bandwidth_gb_s=1000"])
    rows = hwsim.simulate(fast, work).layers.set_index("layer")
    # 8000 bits per cycle: 24.576 and 8.448 transfer cycles, under 16384 and 256 compute cycles
    assert rows.loc["mm", "dram_transfer_cycles"] == pytest.approx(24.576, rel=1e-12)
    assert set(rows["bound"]) == {"roofline_compute"}
    assert rows["sram_port_cycles"].isna().all()


def test_layers_run_in_memory_are_pim_bound():
    work = Workload("w", (Layer("gemv", Gemm(1, 4096, 4096)), Layer("relu", VectorOp("relu", 4096))))
    rows = hwsim.simulate("systolic-hbm-pim", work).layers.set_index("layer")
    assert rows.loc["gemv", "mapping"] == "pim" and rows.loc["gemv", "bound"] == "pim"
    assert math.isnan(rows.loc["gemv", "dram_transfer_cycles"]) and math.isnan(rows.loc["gemv", "sram_port_cycles"])
    assert rows.loc["relu", "bound"] == "vector_unit"


def test_components_cover_every_repeat():
    # count 3 x instances (batch) 2: every component is 6 x one instance's, like compute_cycles
    accel = _design("dram.bandwidth_gb_s=0.3")
    one = _row(accel, Gemm(M, K, N))
    many = hwsim.simulate(accel, Workload("w", (Layer("l", Gemm(M, K, N, batch=2), count=3),))).layers.iloc[0]
    assert many["compute_cycles"] == 6 * one["compute_cycles"]
    assert many["dram_transfer_cycles"] == pytest.approx(6 * one["dram_transfer_cycles"], rel=1e-12)


def test_layer_bound_rule():
    # the largest component wins; a tie goes to compute, then to the ports; NaN components never win
    nan = float("nan")
    got = layer_bound(["systolic", "systolic", "systolic", "systolic", "vector", "systolic", "pim", "roofline",
                       "roofline"],
                      [10, 10, 10, 10, 10, 10, 10, 10, 10],
                      [10, 12, 12, 5, 11, nan, nan, nan, nan],
                      [10, 12, 13, 5, 0, 11, nan, 10, 11])
    assert list(got) == ["compute", "sram_port", "dram_bandwidth", "compute", "sram_port", "dram_bandwidth",
                         "pim", "roofline_compute", "roofline_memory"]


def test_evaluate_per_layer_has_the_bound_of_every_point():
    points = {"dram.bandwidth_gb_s": [0.3, 1000.0]}   # 2.4 and 8000 bits per cycle: 466.7 and 0.14 transfer cycles
    table = hwsim.evaluate(_design(), Workload("w", (Layer("l", Gemm(M, K, N)),)), pd.DataFrame(points),
                           per_layer=True)
    assert list(table["bound"]) == ["dram_bandwidth", "compute"]


@pytest.mark.parametrize("accelerator", ["gpu-h100-roofline", "attacc-hbm3"])
def test_bitmods_mapping_labels_only_the_layers_the_array_runs(accelerator):
    # mapping: bitmod is the systolic array's; a roofline's GEMMs and the layers run in memory keep
    # their own labels and no BitMoD columns (a refactor once put 'bitmod' on them)
    layers = hwsim.simulate(hwsim.load_accelerator(accelerator, ["mapping=bitmod"]), "llama2_7b_decode").layers
    assert set(layers["mapping"]) <= {"roofline", "pim", "vector"}
    assert set(layers["loop_order"]) == {""}
    assert not any(column.startswith("bitmod_") for column in layers.columns)
