"""BitMoD's simulator (HPCA 2025; bitmod_sim @e445a5f) reproduced by hwsim's `mapping: bitmod`
and the presets accelerators/{fp16,ant,olive,bitmod-lossless,bitmod-lossy}-{prefill,decode}.yaml,
through studies/bitmod/reproduce.py. References: ../shared/reference/bitmod/."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pandas as pd
import pytest

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "studies" / "bitmod" / "reproduce.py"
LLAMA2 = PROJECT / "workloads" / "llm" / "llama-2-7b.json"
TASK = {"disc": "prefill", "gen": "decode"}
SHORT = {"attn_v": "attn_pv", "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}


def _module():
    spec = importlib.util.spec_from_file_location("bitmod_reproduce", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def repro():
    return _module()


@pytest.fixture(scope="module")
def bitmod_ref(reference):
    return reference / "bitmod"


@pytest.fixture(scope="module")
def llama2(repro):
    return repro.run_all(LLAMA2)


def test_totals_match_bitmod(llama2, repro, bitmod_ref):
    results, _ = llama2
    rows = repro.contract_rows(results)
    ref = pd.read_csv(bitmod_ref / "llama2_7b_totals.csv")
    ref["task"] = ref.task.map(TASK)
    merged = rows.merge(ref, on=["design", "task"], validate="one_to_one")
    assert len(merged) == 10
    for _, r in merged.iterrows():
        where = f"{r.design}/{r.task}"
        assert r.compute_cycles == r.cycle_compute, where
        assert r.total_cycles == pytest.approx(r.cycle_total, rel=0.02), where
        assert r.total_cycles == r.cycle_total, where            # exact in fact
        assert r.energy_pj == pytest.approx(r.e_total_uJ * 1e6, rel=0.10), where
        assert r.energy_compute_pj == pytest.approx(r.e_compute_uJ * 1e6, rel=1e-9), where
        assert r.energy_dram_pj == pytest.approx(r.e_dram_uJ * 1e6, rel=1e-9), where
        assert r.energy_sram_pj == pytest.approx((r.e_sram_rd_uJ + r.e_sram_wr_uJ) * 1e6, rel=0.02), where


def test_layers_match_bitmod(llama2, bitmod_ref):
    _, layers = llama2
    layers = layers[layers.mapping == "bitmod"].copy()
    layers["short"] = layers.layer.str.split("/").str[-1]
    ref = pd.read_csv(bitmod_ref / "llama2_7b_layers.csv")
    ref["task"] = ref.task.map(TASK)
    ref["short"] = ref.layer_pattern.str.split(".").str[-1].replace(SHORT)
    merged = ref.merge(layers, on=["design", "task", "short"], suffixes=("_ref", ""), validate="one_to_one")
    assert len(merged) == len(ref) == 100
    for _, r in merged.iterrows():
        where = f"{r.design}/{r.task}/{r.short}"
        w_dim = json.loads(r.w_dim)
        assert (r["count"], r.instances) == (r.count_ref, w_dim[0]), where
        assert r.compute_cycles == r.cycle_compute, where
        assert r.dram_cycles == r.cycle_dram, where
        assert (r.refetch_w, r.refetch_i) == (r.refetch_w_ref, r.refetch_i_ref), where
        assert r.total_cycles == r.cycle_layer, where


# -- a second model, against BitMoD's closed form written out here --------------------------------
SMALL = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 1536,
         "intermediate_size": 4100, "num_hidden_layers": 3, "num_attention_heads": 12,
         "num_key_value_heads": 4, "vocab_size": 32003, "tie_word_embeddings": False}


def _closed_form(d: dict, common_ctx: int, task: str, w_bits: float, cfg: dict) -> dict:
    """BitMoD's accelerator.py / pe_array.py, by hand, for one design point."""
    rows, cols = d["array_rows_x_cols"]
    dp, serial = d["dot_product_width"], d["bit_serial"]
    kv_bits = float(d["kv_bits"])
    lat_lin = math.ceil(math.floor(w_bits) / 2) if serial else 1
    lat_att = math.ceil(math.floor(kv_bits) / 2) if serial else 1
    h, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads, kvh, nl = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]
    hd, q = h // heads, heads // kvh
    tok = common_ctx if task == "prefill" else 1
    # (count, batch, cout, cin, tokens, weight bits, latency); weight [batch, cout, cin]
    ops = [(nl, 1, h, h, tok, w_bits, lat_lin), (nl, 1, kvh * hd, h, tok, w_bits, lat_lin),
           (nl, 1, kvh * hd, h, tok, w_bits, lat_lin), (nl, 1, h, h, tok, w_bits, lat_lin),
           (nl, 1, f, h, tok, w_bits, lat_lin), (nl, 1, f, h, tok, w_bits, lat_lin),
           (nl, 1, h, f, tok, w_bits, lat_lin), (1, 1, v, h, tok, w_bits, lat_lin),
           (nl, kvh, common_ctx, hd, q * tok, kv_bits, lat_att),       # QK^T: weight = K
           (nl, kvh, hd, common_ctx, q * tok, kv_bits, lat_att)]       # PV: weight = V
    sram = 512 * 1024
    w_sram, i_sram = d["weight_sram_cacti"], d["input_sram_cacti"]
    e_pe = d["pe_energy_pj_per_cycle_before_pr_scaling"] * 1.5
    out = dict(compute=0, total=0, e_compute=0.0, e_sram=0.0, e_dram=0.0)
    for count, b, cout, cin, t, wb, lat in ops:
        tiles = math.ceil(cin / dp) * math.ceil(cout / rows) * math.ceil(t / cols) * b
        compute = tiles * lat
        wm = math.ceil(cin * wb / 8) * cout * b
        im = math.ceil(cin * 16 / 8) * t * b
        om = math.ceil(cout * 16 / 8) * t * b
        fw = fi = 1
        if wm > sram and im > sram:
            ri, rw = math.ceil(wm / sram), math.ceil(im / sram)
            if rw * wm + im < ri * im + wm:
                fw = rw
            else:
                fi = ri
        bits = (wm * fw + im * fi + om) * 8
        dram = int(bits / 256)
        out["compute"] += count * compute
        out["total"] += count * max(compute, dram)
        out["e_compute"] += count * e_pe * rows * cols * compute
        out["e_dram"] += count * bits / 128 * 2400
        wr = (math.ceil(cin * wb / 64) * cout * b * w_sram["w_cost_min_pJ"] * fw
              + math.ceil(cin * 16 / 64) * t * b * i_sram["w_cost_min_pJ"] * fi
              + math.ceil(cout * 16 / 64) * t * b * i_sram["w_cost_min_pJ"])
        out["e_sram"] += count * (tiles * (w_sram["r_cost_pJ"] + i_sram["r_cost_pJ"]) + wr)
    return out


def test_second_model_matches_bitmods_closed_form(repro, bitmod_ref, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL))
    designs = json.loads((bitmod_ref / "designs.json").read_text())["designs"]
    results, _ = repro.run_all(config)
    rows = repro.contract_rows(results)
    for _, r in rows.iterrows():
        d = designs[f"{r.design}/{ {'prefill': 'disc', 'decode': 'gen'}[r.task]}"]
        want = _closed_form(d, 256, r.task, d["weight_bits_llama2_7b"], SMALL)
        where = f"{r.design}/{r.task}"
        assert r.compute_cycles == want["compute"], where
        assert r.total_cycles == want["total"], where
        assert r.energy_compute_pj == pytest.approx(want["e_compute"], rel=1e-9), where
        assert r.energy_dram_pj == pytest.approx(want["e_dram"], rel=1e-9), where
        # hwsim also counts draining outputs from the buffer, which BitMoD leaves out
        assert r.energy_sram_pj == pytest.approx(want["e_sram"], rel=0.05), where
        total = want["e_compute"] + want["e_sram"] + want["e_dram"]
        assert r.energy_pj == pytest.approx(total, rel=0.01), where


def test_design_bits_follow_bitmods_rules(repro, bitmod_ref, tmp_path):
    """--design bits move the PE latency (bit-serial) and the bytes; 5.25 on ANT keeps its port."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL))
    designs = json.loads((bitmod_ref / "designs.json").read_text())["designs"]
    results, _ = repro.run_all(config, {"ant": 5.25, "bitmod_lossy": 5.0625, "olive": 8.0})
    rows = repro.contract_rows(results).set_index(["design", "task"])
    for design, bits in (("ant", 5.25), ("bitmod_lossy", 5.0625), ("olive", 8.0)):
        for task, key in (("prefill", "disc"), ("decode", "gen")):
            want = _closed_form(designs[f"{design}/{key}"], 256, task, bits, SMALL)
            assert rows.loc[(design, task), "compute_cycles"] == want["compute"]
            assert rows.loc[(design, task), "total_cycles"] == want["total"]


# -- the command line ---------------------------------------------------------------------------
# The script's main(argv) in this process (the same code path as `python reproduce.py ...`, without
# a second interpreter's start-up and numba cache load).
def _cli(repro, capsys, *args):
    code = repro.main([*args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_contract(study_run):
    # `reproduce.py LLAMA2 --format csv --design ant=5.25 --out OUT` through main(argv), the run
    # tests/browser opens the page of (tests/conftest.py: study_run asserts its exit code 0)
    run = study_run("bitmod")
    assert run.code == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0] == ("design,task,compute_cycles,total_cycles,energy_pj,energy_compute_pj,"
                        "energy_sram_pj,energy_dram_pj")
    table = pd.read_csv(run.out / "results.csv")
    assert set(table.mapping) == {"bitmod", "auto"}
    rows = [line.split(",") for line in lines[1:]]
    assert [(r[0], r[1]) for r in rows] == [(d, t) for d in ("fp16", "ant", "olive", "bitmod_lossless",
                                                             "bitmod_lossy") for t in ("prefill", "decode")]
    ant = table[(table.design == "ant") & (table.mapping == "bitmod")]
    assert set(ant.weight_bits) == {5.25}
    html = run.out / "bitmod.html"
    if html.exists():
        assert "cdn.plot.ly" not in html.read_text()[:5000]


@pytest.mark.parametrize("bad", ["ant", "nope=4", "ant=four", "ant=0"])
def test_cli_bad_design_is_one_line_exit_2(bad, repro, capsys):
    code, stdout, stderr = _cli(repro, capsys, str(LLAMA2), "--design", bad, "--no-files")
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("error:")
    assert stdout == ""


def test_published_sram_costs_and_idle_pe_energy():
    from hwsim.arch.accelerator import load_accelerator
    from hwsim.arch.design import design_batch

    d = design_batch(load_accelerator("bitmod-lossy-prefill"))
    # designs.json bitmod_lossy/disc: input SRAM 1024-bit port, 138.4416 pJ per read, 9.75565 pJ per 64-bit write
    assert d.sram_read_pj_per_bit[0, 0] == pytest.approx(138.4416 / 1024)
    assert d.sram_write_pj_per_bit[0, 0] == pytest.approx(9.75565 / 64)
    assert d.idle_pe_energy_fraction[0] == 1.0
    assert design_batch(load_accelerator("tpu-v1-like")).idle_pe_energy_fraction[0] == 0.0
