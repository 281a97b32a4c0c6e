"""Physical and bookkeeping invariants of a simulation, on presets and random variations."""

import numpy as np
import pytest

import hwsim
from hwsim.formats import parse_format
from hwsim.workload import Conv2d, Gemm, Layer, MatMul, Precision, VectorOp, Workload

ENERGY_PARTS = ["energy_compute_pj", "energy_sram_pj", "energy_dram_pj", "energy_leakage_pj"]


@pytest.fixture(scope="module")
def tpu():
    return hwsim.load_accelerator("tpu-v1-like")


@pytest.mark.parametrize("workload", ["resnet50", "mobilenet_v2", "bert_base_seq128"])
@pytest.mark.parametrize("accelerator", ["scalesim-default", "tpu-v1-like", "eyeriss-like"])
def test_macs_conserved_and_energy_sums(accelerator, workload):
    accel = hwsim.load_accelerator(accelerator)
    work = hwsim.load_workload(workload)
    result = hwsim.simulate(accel, work)
    t = result.layers
    assert t["macs"].sum() == work.macs
    # independently: sum of m*k*n*instances*count over the GEMM layers of the IR
    expected = sum(l.op.gemm_view().m * l.op.gemm_view().k * l.op.gemm_view().n * l.op.gemm_view().instances * l.count
                   for l in work.layers if l.op.gemm_view() is not None)
    assert t["macs"].sum() == expected
    np.testing.assert_allclose(t[ENERGY_PARTS].sum(axis=1), t["energy_pj"], rtol=1e-12)
    s = result.summary()
    assert sum(s["energy_breakdown_pj"].values()) == pytest.approx(s["energy_pj"], rel=1e-12)
    assert sum(s["area_breakdown_mm2"].values()) == pytest.approx(s["area_mm2"], rel=1e-12)
    assert (t["total_cycles"] == t["compute_cycles"] + t["stall_cycles"]).all()
    assert (t["latency_s"] > 0).all() and (t[ENERGY_PARTS] >= 0).all().all()
    assert len(t) == len(work.layers)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_more_dram_bandwidth_never_adds_stalls(dataflow):
    work = hwsim.load_workload("resnet50")
    previous = None
    for bandwidth in [8, 16, 32, 64, 100, 128, 256, 512, 1024, 4096, "unlimited"]:
        accel = hwsim.load_accelerator("scalesim-default", [f"compute.dataflow={dataflow}",
                                                            f"dram.bandwidth_gb_s={bandwidth}"])
        stalls = hwsim.simulate(accel, work).layers["stall_cycles"].to_numpy()
        if previous is not None:
            assert (stalls <= previous).all(), bandwidth
        previous = stalls
    assert previous.sum() == 0  # unlimited == SCALE-Sim CALC: no stalls


def test_finite_bandwidth_stalls_a_memory_bound_layer():
    work = Workload("fc", (Layer("fc", Gemm(1, 4096, 4096)),))
    accel = hwsim.load_accelerator("scalesim-default", ["dram.bandwidth_gb_s=8"])
    row = hwsim.simulate(accel, work).layers.iloc[0]
    # 4096*4096 int8 weights cannot arrive faster than 8 GB/s = 64 bits per 1 GHz cycle
    assert row["total_cycles"] >= 4096 * 4096 * 8 / 64
    assert row["stall_cycles"] > 0


def test_deterministic_bytes(tmp_path):
    outputs = []
    for run in range(2):
        result = hwsim.simulate(hwsim.load_accelerator("tpu-v1-like"), hwsim.load_workload("bert_base_seq128"))
        out = result.write(tmp_path / str(run))
        outputs.append(((out / "layers.csv").read_bytes(), (out / "summary.json").read_bytes()))
    assert outputs[0] == outputs[1]


def test_halving_weight_bits_halves_weight_dram_bits():
    accel = hwsim.load_accelerator("scalesim-default", ["compute.pe.weights=[int8, int4]"])
    work = Workload("fc", (Layer("fc", Gemm(16, 256, 64)),))  # weights fit on chip: read once
    w8 = hwsim.simulate(accel, work, Precision(weights=parse_format("int8"))).layers.iloc[0]
    w4 = hwsim.simulate(accel, work, Precision(weights=parse_format("int4"))).layers.iloc[0]
    weight_bits_8 = 256 * 64 * 8
    act_out_bits = 16 * 256 * 8
    assert w8["dram_reads_bits"] == weight_bits_8 + act_out_bits
    assert w4["dram_reads_bits"] == weight_bits_8 / 2 + act_out_bits
    assert w4["total_cycles"] == w8["total_cycles"]  # a bit-parallel MAC is not faster at 4 bits
    assert w4["energy_compute_pj"] < w8["energy_compute_pj"]


def test_outputs_written_once_when_partial_sums_fit():
    accel = hwsim.load_accelerator("scalesim-default")
    work = Workload("fc", (Layer("fc", Gemm(16, 256, 64)),))
    row = hwsim.simulate(accel, work).layers.iloc[0]
    assert row["dram_writes_bits"] == 16 * 64 * 8  # int8 outputs, psums accumulate on chip


def test_fractional_effective_bits_are_never_rounded():
    accel = hwsim.load_accelerator("scalesim-default", ["compute.pe.weights=[int8, 5.25]"])
    work = Workload("fc", (Layer("fc", Gemm(16, 256, 64), Precision(weights=parse_format("5.25"))),))
    row = hwsim.simulate(accel, work).layers.iloc[0]
    assert row["dram_reads_bits"] == 256 * 64 * 5.25 + 16 * 256 * 8


def test_depthwise_is_groups_independent_gemms():
    accel = hwsim.load_accelerator("scalesim-default", ["compute.dataflow=os"])
    dw = Workload("dw", (Layer("dw", Conv2d(30, 30, 8, 8, 3, 3, groups=8)),))
    one = Workload("one", (Layer("one", Conv2d(30, 30, 1, 1, 3, 3)),))
    a = hwsim.simulate(accel, dw).layers.iloc[0]
    b = hwsim.simulate(accel, one).layers.iloc[0]
    assert a["compute_cycles"] == 8 * b["compute_cycles"]
    assert a["macs"] == 8 * b["macs"]


def test_count_multiplies_a_row():
    accel = hwsim.load_accelerator("tpu-v1-like")
    op = Gemm(128, 768, 3072)
    one = hwsim.simulate(accel, Workload("w", (Layer("x", op),))).layers.iloc[0]
    twelve = hwsim.simulate(accel, Workload("w", (Layer("x", op, count=12),))).layers.iloc[0]
    for column in ["macs", "compute_cycles", "stall_cycles", "total_cycles", "dram_reads_bits", "sram_reads_bits"]:
        assert twelve[column] == 12 * one[column], column
    assert twelve["energy_pj"] == pytest.approx(12 * one["energy_pj"], rel=1e-12)


def test_bigger_array_never_slower_on_compute_for_square_gemm():
    work = Workload("g", (Layer("g", Gemm(512, 512, 512)),))
    cycles = [hwsim.simulate(hwsim.load_accelerator("scalesim-default", [f"compute.rows={r}", f"compute.cols={r}"]),
                             work).layers.iloc[0]["compute_cycles"] for r in (8, 16, 32, 64, 128)]
    assert cycles == sorted(cycles, reverse=True)


def test_attention_matmul_uses_kv_format_for_b_operand():
    accel = hwsim.load_accelerator("scalesim-default", ["compute.pe.weights=[int8, int4]"])
    layer = Layer("qk", MatMul(1, 128, 256, batch=4), Precision(kv=parse_format("int4")))
    row = hwsim.simulate(accel, Workload("a", (layer,))).layers.iloc[0]
    assert row["kv_format"] == "int4"
    assert row["dram_reads_bits"] == 4 * (1 * 128 * 8 + 128 * 256 * 4)


def test_vector_ops_run_on_vector_unit():
    accel = hwsim.load_accelerator("scalesim-default")
    row = hwsim.simulate(accel, Workload("v", (Layer("sm", VectorOp("softmax", 1000)),))).layers.iloc[0]
    lanes = accel.spec.vector.lanes
    assert row["compute_cycles"] == -(-5000 // lanes)
    assert row["macs"] == 0 and row["energy_compute_pj"] > 0
