"""Round-3 mutation pins on hwsim/tech: the 5 nm delay step and the SRAM capacity ceiling, by hand
from the sources the modules cite."""

from __future__ import annotations

import math

import pytest

import hwsim
from hwsim.errors import HwsimInputError
from hwsim.tech import limits
from hwsim.tech.nodes import TechPoint


def test_5nm_is_15_percent_faster_than_7nm_and_6nm_halfway():
    """hwsim/tech/nodes.py: TSMC N5 vs N7, '15% speed improvement' at iso-power: a 5 nm gate is the
    7 nm gate's delay / 1.15; a node between 5 and 7 nm is linear in node size between them (6 nm:
    half of the step)."""
    at_7 = TechPoint(7, 0.7).delay_factor
    assert TechPoint(5, 0.7).delay_factor == pytest.approx(at_7 / 1.15, rel=1e-12)
    assert TechPoint(6, 0.7).delay_factor == pytest.approx(at_7 * (0.5 + 0.5 / 1.15), rel=1e-12)
    assert TechPoint(5, 0.7).delay_factor < at_7   # faster, never slower


def test_sram_ceiling_is_a_wafer_of_n5_bit_cells_in_kib():
    """hwsim/tech/limits.py: a 300 mm wafer (pi x 150^2 mm^2) of TSMC N5's 0.021 um^2 bit cells, in
    KiB of 8192 bits: floor(70,685.8 mm^2 x 1e6 / 0.021 / 8192) = 410,887,711 KiB; a buffer of 5e8
    KiB is past it and refused, naming the field."""
    expected = math.floor(math.pi * 150.0 ** 2 * 1e6 / 0.021 / 8192)
    assert expected == 410_887_711
    assert limits.MAX_SRAM_KIB == expected
    with pytest.raises(HwsimInputError, match="buffers.ifmap.size_kib"):
        hwsim.load_accelerator("scalesim-default", ["buffers.ifmap.size_kib=500000000"])
