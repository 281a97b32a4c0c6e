"""Repeated layers as named instances (hwsim/workload/expand.py): names, counts, MACs conserved."""

from __future__ import annotations

import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.workload import Gemm, Layer, Workload
from hwsim.workload.expand import expand_repeats


def test_a_repeated_layer_becomes_its_instances():
    work = Workload("w", (Layer("a", Gemm(4, 8, 16)), Layer("b", Gemm(2, 3, 5), count=3), Layer("c", Gemm(1, 1, 1))))
    out = expand_repeats(work)
    assert [layer.name for layer in out.layers] == ["a", "b#0", "b#1", "b#2", "c"]
    block = Workload("w", (Layer("x", Gemm(1, 1, 1), count=2), Layer("y", Gemm(1, 1, 1), count=2),
                           Layer("z", Gemm(1, 1, 1), count=3)))
    assert [layer.name for layer in expand_repeats(block).layers] == ["x#0", "y#0", "x#1", "y#1", "z#0", "z#1", "z#2"]
    assert all(layer.count == 1 for layer in out.layers)
    assert out.layers[2].op == work.layers[1].op
    # MACs: 4*8*16 + 3 * 2*3*5 + 1 = 512 + 90 + 1
    assert out.macs == work.macs == 603


def test_bert_preset_keeps_its_macs_and_names_every_block():
    plain = hwsim.load_workload("bert_base_seq128")
    expanded = hwsim.load_workload("bert_base_seq128", expand_repeats=True)
    assert len(expanded.layers) == sum(layer.count for layer in plain.layers) == 14 * 12
    assert expanded.macs == plain.macs
    # the 14 rows of one encoder block, each with count 12, run block after block
    assert [layer.name for layer in expanded.layers[:3]] == ["q_proj#0", "k_proj#0", "v_proj#0"]
    assert expanded.layers[14].name == "q_proj#1" and expanded.layers[-1].name == "ffn_norm#11"


def test_a_name_made_twice_is_refused():
    work = Workload("w", (Layer("b", Gemm(1, 1, 1), count=2), Layer("b#1", Gemm(1, 1, 1))))
    with pytest.raises(HwsimInputError, match="'b#1' twice"):
        expand_repeats(work)


def test_an_expansion_beyond_100000_layers_is_refused_at_once():
    # a count of 10^7 built ten million layers before anything ran (minutes); 10^5 still expands
    work = Workload("w", (Layer("fc", Gemm(1, 4, 4), count=60_000), Layer("g", Gemm(1, 4, 4), count=40_000)))
    assert len(expand_repeats(work).layers) == 100_000
    huge = Workload("w", (Layer("fc", Gemm(1, 4, 4), count=100_001),))
    with pytest.raises(HwsimInputError, match="would make 100,001 layers.*at most 100,000"):
        expand_repeats(huge)
