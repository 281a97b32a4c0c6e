"""The ``compute.pe`` section of a shift-add PE (``type: shiftadd``, hwsim/pe/shiftadd.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hwsim.pe.spec_base import PUBLISHED_AREA_FIELD, PUBLISHED_ENERGY_FIELD, PESection


class ShiftAddSection(PESection):
    TYPE = "shiftadd"

    type: Literal["shiftadd"] = Field(description="a shift-add PE for low-bit integer weights (MixPE; "
                                                  "hwsim/pe/shiftadd.py)")
    energy_pj_per_cycle: float | None = Field(
        **PUBLISHED_ENERGY_FIELD, description="published PE energy per cycle (one MAC) in pJ (replaces the tech "
                                              "model; cite it)")
    area_um2: float | None = Field(
        **PUBLISHED_AREA_FIELD, description="published PE area in um^2 (replaces the tech model; cite it)")

    def build(self, clock_mhz: float, source: str):
        from hwsim.pe.shiftadd import shiftadd_pe_from_spec

        return shiftadd_pe_from_spec(self, clock_mhz, source)
