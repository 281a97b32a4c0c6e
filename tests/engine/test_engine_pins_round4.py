"""Round-4 mutation pins on the engine's counts and pricing (hwsim/arch/fabrics/systolic/cell.py,
hwsim/engine/pricing.py, fused.py, evaluate.py, vector.py, roofline.py): tiny layers on presets
with a few keys set, expected values by hand from the documented formulas."""

from __future__ import annotations

import pytest

import hwsim


def _gemm(m, k, n):
    return hwsim.Workload("g", (hwsim.Layer("fc", hwsim.Gemm(m, k, n)),))


def test_idle_slots_of_a_bit_serial_array_count_mac_slots_not_pe_cycles():
    """docs/architecture.md / pricing.py: idle MAC slots = PEs x compute cycles x k_per_step /
    cycles_per_step - MACs, priced at E_mac x compute.idle_pe_energy_fraction. Stripes-like cut to a
    4 x 4 OS array, bit-serial at 4 bits a cycle on int16 weights (cycles per step 16 / 4 = 4), dot
    product 1, SCALE-Sim's order: a 4 x 4 x 4 GEMM is one fold of K x 4 = 16 streamed cycles + 4 + 4 - 2
    = 22, compute = 1 x 22 - 1 = 21 cycles; slots 16 x 21 x 1 / 4 = 84, of which 64 MACs: 20 idle.
    At fraction 0.5 the compute energy is (64 + 20 x 0.5) / 64 = 1.15625 x that at fraction 0."""
    base = ["compute.rows=4", "compute.cols=4", "compute.pe.bits_per_cycle=4", "compute.pe.dot_product_width=1",
            "mapping=scalesim", "dram.bandwidth_gb_s=unlimited"]
    rows = [hwsim.simulate(hwsim.load_accelerator("stripes-like", base + [f"compute.idle_pe_energy_fraction={f}"]),
                           _gemm(4, 4, 4)).layers.iloc[0] for f in (0.0, 0.5)]
    assert rows[0]["compute_cycles"] == 21 and rows[0]["macs"] == 64
    assert rows[1]["energy_compute_pj"] / rows[0]["energy_compute_pj"] == pytest.approx(1 + 20 * 0.5 / 64, rel=1e-12)


def test_lut_tables_are_built_once_per_row_k_group_and_column_fold():
    """cell.py / docs/models/lut-pe.md: a LUT PE builds one table per (row of A, group of g
    activations along K) for each column fold (the fold's columns share it; OS/WS). On LUT Tensor
    Core's 2 x 64 OS tile (g = 4): a 4 x 8 x 64 GEMM has 2 row folds and 1 column fold, so
    4 x ceil(8 / 4) x 1 = 8 tables; a 2 x 8 x 192 GEMM has 1 row fold and 3 column folds:
    2 x 2 x 3 = 12. Compute energy = MACs x E_mac + tables x E_table (no groups, conversions or idle
    energy here), with the PE's own unit energies at the run's formats."""
    accel = hwsim.load_accelerator("lut-tensor-core-like", ["dram.bandwidth_gb_s=unlimited"])
    record = accel.pe.record(accel.default_precision, accel.tech)
    work = hwsim.Workload("g", (hwsim.Layer("a", hwsim.Gemm(4, 8, 64)), hwsim.Layer("b", hwsim.Gemm(2, 8, 192))))
    table = hwsim.simulate(accel, work).layers
    for row, macs, tables in ((0, 4 * 8 * 64, 8), (1, 2 * 8 * 192, 12)):
        assert table["macs"][row] == macs
        assert table["energy_compute_pj"][row] == pytest.approx(
            macs * record.energy_per_mac_pj + tables * record.energy_per_table_pj, rel=1e-12)


def test_kept_output_must_fit_with_every_instance_of_its_layer():
    """buffers.keep_activations (docs/model-assumptions.md, "Activations that stay on chip"): a
    layer's output stays in the ifmap buffer only when the buffer holds its input and output at once,
    over all its instances. scalesim-default at 4 x 4, SCALE-Sim's order, int8, a 1536-bit ifmap
    buffer: Gemm(8, 8, 8) x 2 instances needs (64 + 64) x 8 x 2 = 2048 bits > 1536, so its 2 x 64
    outputs go to DRAM (1024 bits, spilled for the next layer, Gemm(16, 8, 4), which reads 16 x 8 =
    128 <= 128 of them); one instance alone (1024 bits) would have stayed."""
    accel = hwsim.load_accelerator("scalesim-default", [
        "compute.rows=4", "compute.cols=4", "compute.dataflow=os", "mapping=scalesim", "clock_mhz=1000",
        "buffers.double_buffered=false", "buffers.filter.size_kib=64", "buffers.ofmap.size_kib=64",
        f"buffers.ifmap.size_kib={1536 / 8192!r}", "buffers.keep_activations=true"])
    work = hwsim.Workload("w", (hwsim.Layer("a", hwsim.Gemm(8, 8, 8, 2)), hwsim.Layer("b", hwsim.Gemm(16, 8, 4))))
    layers = hwsim.simulate(accel, work).layers
    assert layers["dram_ofmap_writes_bits"][0] == 2 * 64 * 8 == 1024
    assert layers["dram_spill_bits"][0] == 1024
    assert layers["dram_ifmap_reads_bits"][1] == 16 * 8 * 8


def test_compressed_output_codec_writes_the_compressed_bits():
    """buffers.activation_compression rlc (compression.py): the encoder writes every compressed bit once
    into its registers. scalesim-default (int8), mapping auto: a dense 64 x 64 x 64 layer hands its
    output to a layer of density 0.25, so its 64 x 64 x 8 output bits leave compressed by r = 0.25 / (1
    - 0.75^32) x 64 / 4 / 8 (4 pairs of 5 + 8 bits a 64-bit word); its compute energy grows by those
    r x 32768 bits x one register bit's energy (its input is dense: no decoder)."""
    from hwsim.tech.arith import register
    from hwsim.tech.costs import unit_cost
    from hwsim.workload.trace import parse_trace

    trace = parse_trace("name,op,count,m,k,n,activation_density\na,gemm,1,64,64,64,\nb,gemm,1,64,64,64,0.25\n")
    runs = [hwsim.simulate(hwsim.load_accelerator("scalesim-default", [
        "mapping=auto", f"buffers.activation_compression={c}", "dram.bandwidth_gb_s=unlimited"]), trace).layers
        for c in ("none", "rlc")]
    r = 0.25 / (1 - 0.75 ** 32) * 64 / 4 / 8
    bit_pj = unit_cost(register(1.0), hwsim.load_accelerator("scalesim-default").tech).energy_pj
    assert runs[1]["dram_ofmap_writes_bits"][0] == pytest.approx(64 * 64 * 8 * r, rel=1e-12)
    extra = runs[1]["energy_compute_pj"][0] - runs[0]["energy_compute_pj"][0]
    assert extra == pytest.approx(64 * 64 * 8 * r * bit_pj, rel=1e-9)
