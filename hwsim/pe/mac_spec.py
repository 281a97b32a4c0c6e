"""The ``compute.pe`` section of a MAC PE (``type: mac``, hwsim/pe/mac.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from hwsim.pe.spec_base import FormatName, PESection, Strict


class ConversionSpec(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    operand: Literal["weights", "activations"] = Field(description="which MAC operand is converted")
    from_format: FormatName = Field(alias="from", description="stored format, e.g. int4 or int4@g128")
    to: FormatName = Field(description="native format the PE computes in, e.g. fp16")


class MacSection(PESection):
    TYPE = "mac"

    type: Literal["mac"] = Field(description="a bit-parallel MAC PE (hwsim/pe/mac.py)")
    multiplier: Literal["array", "booth4"] = Field(
        default="array", description="integer/significand multiplier: array or radix-4 Booth")
    decomposable: bool = Field(
        default=False, description="Bit Fusion-style PE: narrow INT operands give more products per cycle")
    conversions: list[ConversionSpec] = Field(
        default_factory=list, description="formats converted at the array edge into a native one (cost charged)")

    def build(self, clock_mhz: float, source: str):
        from hwsim.pe.mac import mac_pe_from_spec

        return mac_pe_from_spec(self, clock_mhz, source)
