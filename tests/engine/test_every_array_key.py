"""Every array key of hwsim.evaluate (hwsim/arch/design.py ARRAY_KEYS, and clock and node) gives,
for one point, exactly what hwsim.simulate gives on the design that --set builds with the same
value: on PIM (its host's lanes, clock and DRAM), a roofline, a PIM design whose host is a
roofline, and systolic designs of every PE type, row stationary and BitMoD's mapping. Both refuse
the same values. (evaluate once used the base design's vector lanes for every PIM point.)"""

import math

import pytest

import hwsim
from hwsim.arch.design import ARRAY_KEYS
from hwsim.errors import HwsimInputError

# one legal-looking value per key, away from every preset's own
OTHER = {"compute.rows": 16, "compute.cols": 8, "compute.dataflow": "ws", "vector.lanes": 4,
         "dram.bandwidth_gb_s": 3.3, "dram.energy_pj_per_bit": 7.5, "dram.channels": 2, "dram.capacity_gib": 1,
         "buffers.double_buffered": False, "buffers.keep_activations": True, "buffers.shared_ifmap_ofmap": True,
         "buffers.activation_compression": "rlc", "buffers.sram_cell": "hp", "area_overhead_fraction": 0.3,
         "mapping": "auto", "mapping_objective": "energy", "compute.pe.stationary_double_buffered": True,
         "compute.idle_pe_energy_fraction": 0.5, "idle_floor_w": 2.0, "idle_floor_w_per_mm2": 0.01,
         "compute.achievable_compute_fraction": 0.5, "compute.achievable_bandwidth_fraction": 0.5,
         "buffers.ifmap.size_kib": 8, "buffers.filter.size_kib": 8, "buffers.ofmap.size_kib": 8,
         "buffers.ifmap.banks": 2, "buffers.filter.banks": 2, "buffers.ofmap.banks": 2,
         "buffers.ifmap.port_width_bits": 64, "buffers.filter.port_width_bits": 64,
         "buffers.ofmap.port_width_bits": 64, "clock_mhz": 500, "tech_node_nm": 28}


def test_every_array_key_has_a_value_here():
    assert set(ARRAY_KEYS) <= set(OTHER)


def _text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# a small two-layer conv trace for the systolic designs (every PE type, row stationary, BitMoD's mapping)
SMALL = hwsim.Workload("small", (
    hwsim.Layer("conv", hwsim.Conv2d(in_h=14, in_w=14, in_c=16, out_c=24, kernel_h=3, kernel_w=3, padding=1)),
    hwsim.Layer("fc", hwsim.Gemm(m=8, k=96, n=40), count=2)))


SYSTOLIC = ["tpu-v1-like", "eyeriss-like", "stripes-like", "lut-tensor-core-like", "mixpe-w4a8", "bitmod-lossless-decode"]


def _with_every_pe_type(presets: list[str]) -> list[str]:
    """``presets`` and, for a PE type none of them has (one added in hwsim/pe/), the first preset
    that runs it on a systolic array: every PE type is held to evaluate == simulate here."""
    from hwsim.pe import PE_TYPES
    from hwsim.presets import accelerator_presets
    from hwsim.yamlio import load_yaml_file

    def pe_type(name):
        compute = load_yaml_file(accelerator_presets()[name]).get("compute", {})
        return compute.get("pe", {}).get("type") if compute.get("kind", "systolic") == "systolic" else None

    covered = {pe_type(name) for name in presets}
    extra = {}
    for name in sorted(accelerator_presets()):
        kind = pe_type(name)
        if kind in PE_TYPES and kind not in covered:
            extra.setdefault(kind, name)
    return presets + list(extra.values())


@pytest.mark.parametrize("accelerator, workload", [
    ("hbm-pim", "llama2_7b_decode"), ("gddr6-aim", "llama2_7b_decode"), ("attacc-hbm3", "llama2_7b_decode"),
    ("gpu-a100-roofline", "llama2_7b_decode")] + [(name, SMALL) for name in _with_every_pe_type(SYSTOLIC)])
def test_one_point_equals_the_design_set_builds(accelerator, workload):
    checked = 0
    for key, value in OTHER.items():
        try:
            one = hwsim.simulate(hwsim.load_accelerator(accelerator, [f"{key}={_text(value)}"]), workload).summary()
        except HwsimInputError:
            one = None
        try:
            row = hwsim.evaluate(accelerator, workload, {key: [value]}).iloc[0]
        except HwsimInputError:
            row = None
        assert (one is None) == (row is None), (key, "refused by one only")
        if one is None:
            continue
        checked += 1
        for column in ("total_cycles", "energy_pj", "area_mm2", "dram_bits"):
            assert math.isclose(one[column], row[column], rel_tol=1e-9), (key, column, one[column], row[column])
    assert checked >= 10   # most keys apply to every design here
