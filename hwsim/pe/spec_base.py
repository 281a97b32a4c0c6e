"""What every PE type's ``compute.pe`` section shares.

A PE type's own section (``hwsim/pe/<type>_spec.py``) subclasses :class:`PESection` with a
``type: Literal["<type>"]`` field, its own keys and a ``build`` method; the accelerator spec
chooses the section by ``compute.pe.type`` (a discriminated union), so a key of another PE type
is refused instead of ignored.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from hwsim.specmodel import FieldRange, FormatName, Refused, Strict, each_once, why  # noqa: F401  (the sections' vocabulary)
from hwsim.tech.limits import (CELL_TO_RETICLE_TEXT, LANDAUER_PJ, LANDAUER_TEXT, MAX_PE_ENERGY_PJ_PER_CYCLE,
                               RETICLE_UM2, SMALLEST_CELL_UM2)


class PESection(Strict):
    """Keys every PE type has. Subclasses add ``type: Literal[...]``, their keys and ``build``."""

    # the PE type's name: set by the subclass's ``type`` Literal
    TYPE: ClassVar[str] = ""

    weights: list[FormatName] = Field(min_length=1, description="weight formats the PE runs natively")
    activations: list[FormatName] = Field(min_length=1, description="activation formats the PE runs natively")
    accumulator: FormatName = Field(description="accumulator format, e.g. int32, int24 or fp32")
    stationary_double_buffered: bool = Field(
        default=False, description="a second set of stationary registers per PE: the next fold's weights (WS) or "
                                   "inputs (IS) load, or outputs (OS) drain, while the current fold computes "
                                   "(TPU v1's weight double-buffering); used by mapping 'auto'")

    @field_validator("weights", "activations")
    @classmethod
    def _each_once(cls, names: list) -> list:
        return each_once(names)

    @field_validator("accumulator")
    @classmethod
    def _a_register(cls, name: str) -> str:
        # an accumulator is one register of whole bits: an average storage width ('31.5', a published
        # design's bits per element) or a group- or block-scaled format names no register (derived: the
        # sum of products is held in one INT or FP word per PE)
        from hwsim.errors import HwsimInputError
        from hwsim.formats import FloatFormat, IntFormat, parse_format

        try:
            fmt = parse_format(name)
        except HwsimInputError:
            return name   # an unknown name: refused where the formats are read, with the list of names
        if not isinstance(fmt, (IntFormat, FloatFormat)):
            raise Refused(f"'{name}' is not a register format: an accumulator holds one INT or FP word",
                          allowed="an INT or FP format, e.g. int32, int24, fp32, bf16")
        return name

    def build(self, clock_mhz: float, source: str):
        """The ProcessingElement this section describes (errors name ``source`` and the field)."""
        raise NotImplementedError


# Keys a PE with a published datapath (a synthesised PE) may carry; the limits are shared.
PUBLISHED_ENERGY_FIELD = dict(
    default=None, ge=LANDAUER_PJ, le=MAX_PE_ENERGY_PJ_PER_CYCLE,
    json_schema_extra=why(f"a PE cycle costs at least {LANDAUER_TEXT} and at most the tech "
                          "model's widest datapath (1024 FP32 MACs) at 130 nm, 1.8 V (hwsim/tech/limits.py)"))
PUBLISHED_AREA_FIELD = dict(
    default=None, ge=SMALLEST_CELL_UM2, le=RETICLE_UM2,
    json_schema_extra=why(f"one PE {CELL_TO_RETICLE_TEXT}"))
