"""Layers of one GEMM shape share the mapper's prepared tilings only when their structures are
equal (hwsim/arch/fabrics/systolic/cell.py _shared_table): a layer's row never depends on which
other layers the workload holds."""

import numpy as np
import pandas as pd
import pytest

import hwsim
from hwsim.formats import parse_format
from hwsim.workload import Gemm, Layer, Precision, Workload

SHAPE = Gemm(384, 1152, 256)
# a design whose mapper is capacity-bound on this shape: int4 weights fit a working half that int8
# weights overflow, so the two precisions choose different tilings (checked below)
OVERRIDES = ["compute.pe.weights=[int8, int4]", "mapping=auto", "compute.rows=16", "compute.cols=16",
             "buffers.filter.size_kib=64", "buffers.ifmap.size_kib=32", "buffers.ofmap.size_kib=16"]
COLUMNS = ("total_cycles", "compute_cycles", "stall_cycles", "dram_reads_bits", "dram_writes_bits", "energy_pj",
           "tile_m", "tile_n", "tile_k")


def _layer(name, weights):
    return Layer(name, SHAPE, precision=Precision(weights=parse_format(weights)))


def _rows(work):
    accel = hwsim.load_accelerator("scalesim-default", OVERRIDES)
    return hwsim.simulate(accel, work).layers.set_index("layer")


def test_a_layer_after_one_of_its_shape_at_another_precision_maps_as_it_would_alone():
    together = _rows(Workload("two", (_layer("w8", "int8"), _layer("w4", "int4"))))
    alone = _rows(Workload("one", (_layer("w4", "int4"),)))
    first = _rows(Workload("one", (_layer("w8", "int8"),)))
    # the precisions tile differently: sharing the int8 layer's tilings would be seen
    tiles = ["tile_m", "tile_n", "tile_k"]
    assert tuple(together.loc["w4", tiles]) != tuple(together.loc["w8", tiles])
    for column in COLUMNS:
        assert together.loc["w4", column] == alone.loc["w4", column], column
        assert together.loc["w8", column] == first.loc["w8", column], column


def test_the_fused_pass_agrees_when_points_share_a_structure():
    # two points per structure (the fused pass prepares once per structure and filters dominated rows)
    # and one alone, on the same mixed-precision pair: totals equal the one-layer runs summed
    work = Workload("two", (_layer("w8", "int8"), _layer("w4", "int4")))
    points = pd.DataFrame({"dram.bandwidth_gb_s": [8.0, 8.0, 64.0], "compute.cols": [16, 16, 32]})
    table = hwsim.evaluate(hwsim.load_accelerator("scalesim-default", OVERRIDES), work, points)
    for p, row in points.iterrows():
        overrides = OVERRIDES + [f"{key}={value}" for key, value in row.items()]
        accel = hwsim.load_accelerator("scalesim-default", overrides)
        expected = sum(hwsim.simulate(accel, Workload("one", (layer,))).layers["total_cycles"].sum()
                       for layer in work.layers)
        assert table.loc[p, "total_cycles"] == expected, p
    np.testing.assert_array_equal(table.loc[0, list(COLUMNS[:3])], table.loc[1, list(COLUMNS[:3])])
