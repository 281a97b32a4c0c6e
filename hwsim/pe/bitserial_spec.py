"""The ``compute.pe`` section of a bit-serial PE (``type: bitserial``, hwsim/pe/bitserial.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hwsim.pe.spec_base import PUBLISHED_AREA_FIELD, PUBLISHED_ENERGY_FIELD, PESection, why
from hwsim.tech.limits import MAX_DOT_PRODUCT_WIDTH

# A cycle consumes at least one weight bit and at most the widest weight (a whole weight per
# cycle is bit-parallel); the upper bound against the declared weights is checked in the PE.
BITS_PER_CYCLE_WHY = why("at least one weight bit per cycle, at most the widest weight format's bits "
                         "(64: hwsim's widest format)")
DOT_PRODUCT_WHY = why("1 to 1024 products per PE per step (published dot-product PEs: 16 in Stripes, 64 in "
                      "NVDLA; hwsim/tech/limits.py)")


class BitSerialSection(PESection):
    TYPE = "bitserial"

    type: Literal["bitserial"] = Field(description="a bit-serial PE (Stripes, BitMoD; hwsim/pe/bitserial.py)")
    bits_per_cycle: int = Field(default=1, gt=0, le=64, json_schema_extra=BITS_PER_CYCLE_WHY,
                                description="weight bits consumed per cycle")
    dot_product_width: int = Field(default=1, gt=0, le=MAX_DOT_PRODUCT_WIDTH, json_schema_extra=DOT_PRODUCT_WHY,
                                   description="multiply-adds per PE per step along K")
    essential_bit_fraction: float | None = Field(
        default=None, gt=0, le=1, json_schema_extra=why("a fraction of the weight bits, in (0, 1]"),
        description="average fraction of non-zero weight bits; set = zero-bit skipping (Bit-Pragmatic), "
                    "unset = every bit a cycle")
    energy_pj_per_cycle: float | None = Field(
        **PUBLISHED_ENERGY_FIELD, description="published PE energy per cycle in pJ (replaces the tech model; cite it)")
    area_um2: float | None = Field(
        **PUBLISHED_AREA_FIELD, description="published PE area in um^2 (replaces the tech model; cite it)")

    def build(self, clock_mhz: float, source: str):
        from hwsim.pe.bitserial import bitserial_pe_from_spec

        return bitserial_pe_from_spec(self, clock_mhz, source)
