"""What every spec section shares, and what every PE type's ``compute.pe`` section shares.

A PE type's own section (``hwsim/pe/<type>_spec.py``) subclasses :class:`PESection` with a
``type: Literal["<type>"]`` field, its own keys and a ``build`` method; the accelerator spec
chooses the section by ``compute.pe.type`` (a discriminated union), so a key of another PE type
is refused instead of ignored.

Numeric fields refuse booleans and text: YAML reads ``rows: true`` as a bool, which Python
would otherwise take as 1, and ``rows: "64"`` as text, which pydantic would otherwise convert.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hwsim.tech.limits import MAX_PE_ENERGY_PJ_PER_CYCLE, RETICLE_UM2


def _number_as_name(value):
    """A bare bit width (5.25) is a format name too; YAML reads it as a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return value


FormatName = Annotated[str, BeforeValidator(_number_as_name)]


def _kinds(annotation) -> set:
    """The plain types a field annotation admits (through Optional, Union, Annotated, list)."""
    if annotation in (int, float, bool, str):
        return {annotation}
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return {Literal}
    if origin is list:
        return {list}
    return set().union(*(_kinds(a) for a in typing.get_args(annotation))) if typing.get_args(annotation) else set()


class Refused(ValueError):
    """A validator's refusal: ``field`` (dotted, relative to the section that raised it; None =
    the section itself) and what is allowed. The spec loader turns it into one HwsimInputError."""

    def __init__(self, message: str, field: str | None = None, allowed: str | None = None):
        super().__init__(message)
        self.message, self.field, self.allowed = message, field, allowed


def _literals(annotation) -> set:
    if typing.get_origin(annotation) is Literal:
        return set(typing.get_args(annotation))
    return set().union(*(_literals(a) for a in typing.get_args(annotation))) if typing.get_args(annotation) else set()


def _literal_text(annotation) -> str:
    names = sorted(str(v) for v in _literals(annotation))
    return "".join(f" or '{n}'" for n in names)


def why(reason: str) -> dict:
    """A numeric limit's sourced reason, kept on the field (``Field(json_schema_extra=why(...))``)
    so that ``--set``, YAML and ``hwsim.evaluate`` quote the same limit and the same reason."""
    return {"limit": reason}


@dataclass(frozen=True)
class FieldRange:
    """A numeric field's floor and ceiling as the spec declares them, and the ceiling's reason."""

    low: float = -math.inf
    low_inclusive: bool = True
    high: float = math.inf
    high_inclusive: bool = True
    integer: bool = False
    reason: str | None = None

    def ok(self, values):
        """Elementwise: inside the range (numbers or numpy arrays)."""
        lo = values >= self.low if self.low_inclusive else values > self.low
        hi = values <= self.high if self.high_inclusive else values < self.high
        return lo & hi

    def text(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.low == 0 and not self.low_inclusive and self.integer:
            lo = " >= 1"
        elif self.low > -math.inf:
            lo = f" {'>=' if self.low_inclusive else '>'} {self.low:g}"
        else:
            lo = ""
        hi = f" {'<=' if self.high_inclusive else '<'} {self.high:g}" if self.high < math.inf else ""
        joined = f"{kind}{lo}{' and' if lo and hi else ''}{hi}"
        return f"{joined} ({self.reason})" if self.reason else joined


class Strict(BaseModel):
    """Unknown keys refused; numbers are numbers (not booleans, not text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any):
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            field = cls.model_fields.get(key) if isinstance(key, str) else None
            if field is None:
                continue
            kinds = _kinds(field.annotation)
            if kinds & {bool} and not isinstance(value, bool) and isinstance(value, (int, float, str)):
                # pydantic would read 1, 0, "yes" and "off" as booleans
                raise Refused(f"{value!r} is not true or false", field=key, allowed="true, false")
            if not isinstance(value, (bool, str)):
                continue
            if not kinds & {int, float} or type(value) in kinds or value in _literals(field.annotation):
                continue
            wanted = "an integer" if float not in kinds else "a number"
            what = "a boolean" if isinstance(value, bool) else "text"
            raise Refused(f"{value!r} is {what}, not a number", field=key,
                          allowed=wanted + _literal_text(field.annotation))
        return data


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

    def build(self, clock_mhz: float, source: str):
        """The ProcessingElement this section describes (errors name ``source`` and the field)."""
        raise NotImplementedError


# Keys a PE with a published datapath (a synthesised PE) may carry; the limits are shared.
PUBLISHED_ENERGY_FIELD = dict(
    default=None, gt=0, le=MAX_PE_ENERGY_PJ_PER_CYCLE,
    json_schema_extra=why("a PE cycle costs more than 0 pJ and at most the tech model's widest datapath "
                          "(64 FP32 MACs) at 130 nm, 1.8 V (hwsim/tech/limits.py)"))
PUBLISHED_AREA_FIELD = dict(
    default=None, gt=0, le=RETICLE_UM2,
    json_schema_extra=why("one PE fits in one lithography field, 26 mm x 33 mm (hwsim/tech/limits.py)"))
