"""Round-3 mutation pin on hwsim/workload/footprint.py: a layer that writes new K/V holds its output
in the KV format (module docstring: ``out_bits`` is the KV format where the output is new K/V)."""

from __future__ import annotations

import hwsim
from hwsim.formats import Precision
from hwsim.workload.footprint import workload_footprint


def test_new_kv_output_is_held_at_the_kv_format():
    """A K projection (1 x 64 x 4096, INT8 weights and activations) whose output is new K in an INT4
    cache: weights 64 x 4096 x 8 bits; peak activations 64 inputs x 8 bits + 4096 outputs x 4 bits
    (the KV format, not the INT8 output format); it reads no cache."""
    work = hwsim.Workload("k", (hwsim.Layer("k_proj", hwsim.Gemm(1, 64, 4096), precision=Precision(kv="int4"),
                                            writes_kv=True),))
    fp = workload_footprint(work, Precision("int8", "int8", "int8"))
    assert fp.weights_bits == 64 * 4096 * 8
    assert fp.activations_bits == 64 * 8 + 4096 * 4 == 16896
    assert fp.kv_bits == 0
