"""What every user-facing spec section shares (accelerator spec, model descriptions).

Numeric fields refuse booleans and text: YAML reads ``rows: true`` as a bool, which Python
would otherwise take as 1, and ``rows: "64"`` as text, which pydantic would otherwise convert.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator


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


def each_once(names: list) -> list:
    """A list of format names with none repeated (case-blind, as names are read): a format listed
    twice is one format, which the list would count as two."""
    seen: set[str] = set()
    for name in names:
        key = str(name).strip().lower()
        if key in seen:
            raise Refused(f"'{name}' is listed twice", allowed="each format once")
        seen.add(key)
    return names


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
            if isinstance(value, float) and not math.isfinite(value) and kinds & {int, float}:
                raise Refused(f"{value} is not a finite number", field=key,
                              allowed=("an integer" if float not in kinds else "a finite number")
                              + _literal_text(field.annotation))
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


def refusal_of(error: dict) -> Refused | None:
    """The Refused a validator raised behind one of pydantic's error dicts, if any."""
    cause = error.get("ctx", {}).get("error")
    return cause if isinstance(cause, Refused) else None
