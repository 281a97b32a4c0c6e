"""Issue #7's smaller physical and usability fixes, each pinned by hand-derived numbers.

That `import hwsim` keeps plotly out is pinned in a fresh interpreter by
tests/test_cli.py::test_light_paths_import_neither_numba_nor_the_mapper."""

import pytest

import hwsim
from hwsim.cli import main
from hwsim.errors import HwsimInputError
from hwsim.formats import Precision, parse_format
from hwsim.workload import Conv2d, Gemm, Layer, Workload
from hwsim.workload.frontends.transformer import TransformerConfig, build_transformer


def test_format_identity_ignores_alias():
    assert parse_format("fp16_e5m10") == parse_format("fp16")
    assert parse_format("fp16_e5m10").name == "fp16"
    assert hash(parse_format("fp8_e4m3")) == hash(parse_format("fp8_e4m3"))


def test_precision_parses_strings_or_fails_naming_the_operand():
    assert Precision(weights="int4").weights == parse_format("int4")
    with pytest.raises(HwsimInputError, match="Precision.activations"):
        Precision(activations="int99")


def test_accumulator_narrower_than_product_is_refused():
    with pytest.raises(HwsimInputError, match="narrower than the 16-bit product"):
        hwsim.load_accelerator("scalesim-default", ["compute.pe.accumulator=int4"])
    hwsim.load_accelerator("scalesim-default", ["compute.pe.accumulator=int16"])  # exactly the product: fine


def test_group_scaled_int_weights_run_on_an_int_pe_with_one_scale_per_group():
    accel = hwsim.load_accelerator("scalesim-default", ["compute.pe.weights=[int8, int4]"])
    work = Workload("g", (Layer("fc", Gemm(4, 256, 8)),))
    plain = hwsim.simulate(accel, work, Precision(weights="int4")).layers.iloc[0]
    grouped = hwsim.simulate(accel, work, Precision(weights="int4@g128")).layers.iloc[0]
    record = accel.pe.record(Precision("int4@g128", "int8", "int8", "int8"), accel.tech)
    assert record.group_size == 128 and record.energy_per_group_pj > 0
    groups = 4 * 8 * (256 // 128)  # M * N * ceil(K / g)
    assert grouped["energy_compute_pj"] - plain["energy_compute_pj"] == pytest.approx(
        groups * record.energy_per_group_pj, rel=1e-9)
    # the scales are real bits moved: 4 + 8/128 bits per weight
    assert grouped["dram_filter_reads_bits"] == pytest.approx(256 * 8 * 4.0625)


def test_overflowing_shapes_are_refused_not_wrapped(tmp_path, capsys):
    trace = tmp_path / "huge.csv"
    trace.write_text("name,op,m,k,n\nhuge,gemm,2100000,2100000,2100000\n")
    assert main(["run", "scalesim-default", str(trace), "--out", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2^53" in err[0]


def test_the_exact_count_limit_covers_every_repeat_and_instance():
    # 2^17 x 2^17 x 2^17 = 2^51 MACs per instance; 2 instances x 2 repeats = 2^53: refused, though
    # each instance alone is countable (the limit is on the layer's whole count)
    side = 2 ** 17
    for count, batch in ((2, 2), (4, 1), (1, 4)):
        layer = Layer("big", Gemm(side, side, side, batch=batch), count=count)
        with pytest.raises(HwsimInputError, match=r"layer 'big'.*beyond what hwsim computes exactly"):
            hwsim.simulate(hwsim.load_accelerator("scalesim-default"), Workload("w", (layer,)))
    # 2^52 MACs in all: counted, exactly
    layer = Layer("big", Gemm(side, side, side, batch=2), count=1)
    from hwsim.workload.batch import layer_batch

    batch = layer_batch(Workload("w", (layer,)))
    assert int(batch.m[0]) * int(batch.k[0]) * int(batch.n[0]) * int(batch.instances[0]) == 2 ** 52


def test_supply_voltage_follows_the_node_fits():
    with pytest.raises(HwsimInputError, match="0.50-1.29 V at 7 nm"):
        hwsim.load_accelerator("scalesim-default", ["tech_node_nm=7", "supply_voltage_v=1.8"])
    info = hwsim.load_accelerator("scalesim-default", ["tech_node_nm=7", "supply_voltage_v=1.2"]).info()
    assert info["pe_max_clock_mhz"] > 0


def test_strided_pointwise_conv_fetches_only_the_pixels_it_uses():
    conv = Conv2d(56, 56, 256, 512, 1, 1, stride=2)
    view = conv.gemm_view()
    assert view.a_unique_words == 28 * 28 * 256        # every other row and column
    assert view.a_input_words == 56 * 56 * 256          # SCALE-Sim fetches the whole input
    accel = hwsim.load_accelerator("tpu-v1-like")
    row = hwsim.simulate(accel, Workload("c", (Layer("c", conv),))).layers.iloc[0]
    assert row["compulsory_dram_bits"] == 8 * (28 * 28 * 256 + 256 * 512 + 28 * 28 * 512)


def _llama_like(**extra):
    cfg = TransformerConfig(kind="transformer_decoder", name="gqa", source="test", hidden=4096, heads=32,
                            kv_heads=8, blocks=1, ffn=11008, seq_len=1, phase="decode", kv_len=1023,
                            include_vector_ops=False, **extra)
    return build_transformer(cfg)


def test_gqa_reads_each_kv_head_once_per_group():
    layers = {layer.name: layer for layer in _llama_like().layers}
    qk = layers["attn_qk"].op.gemm_view()
    # 32 query heads in 8 groups of 4: each K head (128 x 1024) is one B operand for 4 query rows
    assert (qk.m, qk.k, qk.n, qk.instances) == (4, 128, 1024, 8)
    pv = layers["attn_pv"].op.gemm_view()
    assert (pv.m, pv.k, pv.n, pv.instances) == (4, 1024, 128, 8)
    accel = hwsim.load_accelerator("tpu-v1-like")
    table = hwsim.simulate(accel, _llama_like(), Precision(kv="int8")).layers.set_index("layer")
    # the KV cache is read once: 2 (K and V) x 8 heads x 128 x 1024 int8 values
    kv_read = table.loc["attn_qk", "dram_filter_reads_bits"] + table.loc["attn_pv", "dram_filter_reads_bits"]
    assert kv_read == 2 * 8 * 128 * 1024 * 8


def test_new_k_and_v_are_written_in_the_kv_format():
    # every output to DRAM (no activations kept on chip), so each write shows its format
    accel = hwsim.load_accelerator("tpu-v1-like", ["compute.pe.weights=[int8, int4]", "buffers.keep_activations=false"])
    table = hwsim.simulate(accel, _llama_like(), Precision(kv="int4")).layers.set_index("layer")
    assert table.loc["k_proj", "dram_ofmap_writes_bits"] == 1 * 1024 * 4   # 8 KV heads x 128 at 4 bits
    assert table.loc["q_proj", "dram_ofmap_writes_bits"] == 1 * 4096 * 8   # outputs stay int8
    assert table.loc["k_proj", "output_format"] == "int8" and table.loc["k_proj", "kv_format"] == "int4"


def test_head_dim_key():
    layers = {layer.name: layer for layer in _llama_like(head_dim=64).layers}
    assert layers["q_proj"].op.gemm_view().n == 32 * 64
    assert layers["k_proj"].op.gemm_view().n == 8 * 64


def test_out_pointing_at_a_file_is_one_line(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("x")
    assert main(["run", "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "is a file" in err[0]


def test_native_pe_runs_fp8_on_tpu_in_one_attempt(capsys):
    assert main(["run", "tpu-v1-like", "resnet50", "--weights", "fp8_e4m3", "--activations", "fp8_e4m3",
                 "--out", ""]) == 2
    capsys.readouterr()
    assert main(["run", "tpu-v1-like", "resnet50", "--weights", "fp8_e4m3", "--activations", "fp8_e4m3",
                 "--native-pe", "--out", "", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "fp8_e4m3" in out


def test_dram_bandwidth_is_gb_s_independent_of_the_clock():
    work = Workload("gemv", (Layer("gemv", Gemm(1, 4096, 4096)),))
    seconds = []
    for clock in (500, 1000, 2000):
        accel = hwsim.load_accelerator("tpu-v1-like", [f"clock_mhz={clock}"])
        seconds.append(hwsim.simulate(accel, work).layers.iloc[0]["latency_s"])
    # 16 MiB of int8 weights at 34 GB/s = 0.493 ms whatever the clock (memory-bound)
    for s in seconds:
        assert s == pytest.approx(4096 * 4096 / 34e9, rel=0.02)


def test_sram_banks_cost_area_and_never_lower_energy_per_bit():
    from hwsim.memory.sram import sram_cost

    one, many = sram_cost(512, 1, 256, 45), sram_cost(512, 32, 256, 45)
    assert many.area_um2.value > one.area_um2.value
    assert many.read_pj_per_bit.value > one.read_pj_per_bit.value
    assert many.bits_per_cycle == 32 * 256
