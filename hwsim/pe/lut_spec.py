"""The ``compute.pe`` section of a LUT PE (``type: lut``, hwsim/pe/lut.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hwsim.pe.bitserial_spec import BITS_PER_CYCLE_WHY, DOT_PRODUCT_WHY
from hwsim.pe.spec_base import PUBLISHED_AREA_FIELD, PUBLISHED_ENERGY_FIELD, FormatName, PESection, why
from hwsim.tech.limits import MAX_DOT_PRODUCT_WIDTH


class LutSection(PESection):
    TYPE = "lut"

    type: Literal["lut"] = Field(description="a lookup-table PE (T-MAC, LUT Tensor Core; hwsim/pe/lut.py)")
    lut_group_size: int = Field(
        default=4, gt=0, le=8, json_schema_extra=why("1 to 8 activations per table: 2^8 = 256 entries, beyond the "
                                                     "g = 4 of T-MAC and LUT Tensor Core the table outgrows the "
                                                     "lookups it saves (hwsim/pe/lut.py)"),
        description="activations per lookup table along K (g); 2^g entries")
    lut_symmetry: bool = Field(default=True, description="store 2^(g-1) entries and negate (T-MAC, LUT Tensor Core)")
    lut_table_storage: Literal["registers", "sram"] = Field(
        default="registers", description="where the tables live (registers: DFF per bit; sram: a small SRAM)")
    lut_table_format: FormatName = Field(default="int8", description="precision of a table entry, e.g. int8, fp16")
    bits_per_cycle: int = Field(default=1, gt=0, le=64, json_schema_extra=BITS_PER_CYCLE_WHY,
                                description="weight bit-planes looked up per cycle")
    dot_product_width: int = Field(default=1, gt=0, le=MAX_DOT_PRODUCT_WIDTH, json_schema_extra=DOT_PRODUCT_WHY,
                                   description="tables looked up per PE per step along K")
    energy_pj_per_cycle: float | None = Field(
        **PUBLISHED_ENERGY_FIELD, description="published PE energy per cycle in pJ (replaces the tech model; cite it)")
    area_um2: float | None = Field(
        **PUBLISHED_AREA_FIELD, description="published PE area in um^2 (replaces the tech model; cite it)")

    def build(self, clock_mhz: float, source: str):
        from hwsim.pe.lut import lut_pe_from_spec

        return lut_pe_from_spec(self, clock_mhz, source)
