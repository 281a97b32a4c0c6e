"""Number formats, with the effective storage bits per element that drive bits moved.

Precision is never rounded to whole bytes: ``int4@g128`` is 4.0625 bits per element,
``mxfp4`` 4.25, ``nvfp4`` 4.5, and a bare ``5.25`` is accepted where a design reports an
average width.

Grammar of a format name (case-insensitive), as used on the CLI and in traces and specs:

* ``int<N>`` / ``uint<N>`` with 1 <= N <= 32
* ``fp4_e2m1`` (alias ``fp4``), ``fp6_e3m2``, ``fp6_e2m3``, ``fp8_e4m3``, ``fp8_e5m2``,
  ``fp16``, ``bf16``, ``fp32``, and generically ``fp<N>_e<E>m<M>`` with N = 1 + E + M
* OCP MX block formats (one E8M0 scale per 32 elements, OCP Microscaling Formats v1.0,
  Table 1): ``mxint8``, ``mxfp8`` (= ``mxfp8_e4m3``), ``mxfp8_e5m2``, ``mxfp6`` (= ``mxfp6_e2m3``),
  ``mxfp6_e3m2``, ``mxfp4``
* ``nvfp4``: FP4 E2M1 elements with one FP8 E4M3 scale per 16 (NVIDIA Blackwell NVFP4;
  the extra per-tensor FP32 scale is amortised over a whole tensor and not counted)
* group quantisation ``<element>@g<G>[:<scale>]``: ``int4@g128`` is 4-bit elements plus one
  8-bit scale (``uint8`` unless ``:<scale>`` names another format) per 128 elements
* a bare positive number of bits, e.g. ``5.25`` (an average width with no structure)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Union

from hwsim.errors import HwsimInputError

MAX_INT_BITS = 32

# a group is consecutive inputs of one output channel: none in use comes near (GPTQ/AWQ use 128; the
# widest reduction of a traced model, Llama 3.1 405B's FFN down projection, is K = 53,248), and a
# group wider than a layer's K is that layer's whole row (derived: 2^20 leaves 20x headroom)
MAX_GROUP_SIZE = 2 ** 20
DEFAULT_GROUP_SCALE = "uint8"  # issue #2: "int4@g128 with an 8-bit scale = 4.0625"


class _FixedWidth:
    """Formats whose every element takes exactly ``bits`` bits (no shared scale)."""

    bits: int

    @property
    def element_bits(self) -> float:
        return float(self.bits)

    @property
    def bits_per_element(self) -> float:
        return float(self.bits)


@dataclass(frozen=True)
class IntFormat(_FixedWidth):
    bits: int
    signed: bool = True

    @property
    def name(self) -> str:
        return f"{'int' if self.signed else 'uint'}{self.bits}"

    @property
    def kind(self) -> str:
        return "int"


@dataclass(frozen=True)
class FloatFormat(_FixedWidth):
    exponent_bits: int
    mantissa_bits: int
    # a name, not an identity: fp16 and fp16_e5m10 are one format to every PE and table
    alias: str | None = field(default=None, compare=False)

    @property
    def bias(self) -> int:
        return 2 ** (self.exponent_bits - 1) - 1

    @property
    def bits(self) -> int:
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def name(self) -> str:
        return self.alias or f"fp{self.bits}_e{self.exponent_bits}m{self.mantissa_bits}"

    @property
    def kind(self) -> str:
        return "float"


@dataclass(frozen=True)
class ScaleOnlyFormat(_FixedWidth):
    """A power-of-two scale with no sign or mantissa: OCP MX's E8M0."""

    exponent_bits: int = 8

    @property
    def name(self) -> str:
        return f"e{self.exponent_bits}m0"

    @property
    def bits(self) -> int:
        return self.exponent_bits

    @property
    def kind(self) -> str:
        return "scale"


ElementFormat = Union[IntFormat, FloatFormat]
ScaleFormat = Union[IntFormat, FloatFormat, ScaleOnlyFormat]


@dataclass(frozen=True)
class BlockFormat:
    """Elements sharing one scale per block: MX, NVFP4 and group-quantised integers."""

    element: ElementFormat
    block_size: int
    scale: ScaleFormat
    alias: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        if self.alias:
            return self.alias
        suffix = "" if self.scale.name == DEFAULT_GROUP_SCALE else f":{self.scale.name}"
        return f"{self.element.name}@g{self.block_size}{suffix}"

    @property
    def kind(self) -> str:
        return "block"

    @property
    def element_bits(self) -> float:
        return float(self.element.bits)

    @property
    def bits_per_element(self) -> float:
        return self.element.bits + self.scale.bits / self.block_size


@dataclass(frozen=True)
class EffectiveBits:
    """An average width with no arithmetic structure (a published design's mean bits)."""

    bits: float

    @property
    def name(self) -> str:
        return f"{self.bits:g}"

    @property
    def kind(self) -> str:
        return "effective"

    @property
    def element_bits(self) -> float:
        return self.bits

    @property
    def bits_per_element(self) -> float:
        return self.bits


NumberFormat = Union[IntFormat, FloatFormat, BlockFormat, EffectiveBits, ScaleOnlyFormat]

E8M0 = ScaleOnlyFormat(8)

# IEEE 754 binary16/binary32, bfloat16, and the OCP 8-bit FP spec (E4M3, E5M2) / MX FP6, FP4
_NAMED_FLOATS: dict[str, FloatFormat] = {
    "fp4_e2m1": FloatFormat(2, 1, "fp4_e2m1"),
    "fp6_e3m2": FloatFormat(3, 2, "fp6_e3m2"),
    "fp6_e2m3": FloatFormat(2, 3, "fp6_e2m3"),
    "fp8_e4m3": FloatFormat(4, 3, "fp8_e4m3"),
    "fp8_e5m2": FloatFormat(5, 2, "fp8_e5m2"),
    "fp16": FloatFormat(5, 10, "fp16"),
    "bf16": FloatFormat(8, 7, "bf16"),
    "fp32": FloatFormat(8, 23, "fp32"),
}
# the named float with the same exponent/mantissa split is the canonical spelling
_CANONICAL_FLOATS: dict[tuple[int, int], FloatFormat] = {
    (f.exponent_bits, f.mantissa_bits): f for f in _NAMED_FLOATS.values()}
_FLOAT_ALIASES = {"fp4": "fp4_e2m1", "e2m1": "fp4_e2m1", "e4m3": "fp8_e4m3", "e5m2": "fp8_e5m2",
                  "e3m2": "fp6_e3m2", "e2m3": "fp6_e2m3", "half": "fp16", "float16": "fp16",
                  "bfloat16": "bf16", "float32": "fp32"}

_MX_BLOCK = 32  # OCP Microscaling Formats (MX) v1.0, Table 1: block size 32, E8M0 scale
_NV_BLOCK = 16  # NVFP4: 16 elements per FP8 E4M3 scale (NVIDIA Blackwell architecture brief)

_NAMED_BLOCKS: dict[str, BlockFormat] = {
    "mxint8": BlockFormat(IntFormat(8), _MX_BLOCK, E8M0, "mxint8"),
    "mxfp8_e4m3": BlockFormat(_NAMED_FLOATS["fp8_e4m3"], _MX_BLOCK, E8M0, "mxfp8_e4m3"),
    "mxfp8_e5m2": BlockFormat(_NAMED_FLOATS["fp8_e5m2"], _MX_BLOCK, E8M0, "mxfp8_e5m2"),
    "mxfp6_e2m3": BlockFormat(_NAMED_FLOATS["fp6_e2m3"], _MX_BLOCK, E8M0, "mxfp6_e2m3"),
    "mxfp6_e3m2": BlockFormat(_NAMED_FLOATS["fp6_e3m2"], _MX_BLOCK, E8M0, "mxfp6_e3m2"),
    "mxfp4": BlockFormat(_NAMED_FLOATS["fp4_e2m1"], _MX_BLOCK, E8M0, "mxfp4"),
    "nvfp4": BlockFormat(_NAMED_FLOATS["fp4_e2m1"], _NV_BLOCK, _NAMED_FLOATS["fp8_e4m3"], "nvfp4"),
}
_BLOCK_ALIASES = {"mxfp8": "mxfp8_e4m3", "mxfp6": "mxfp6_e2m3"}

# at most 9 ASCII digits a number (every limit below is far smaller; \d would take other scripts'
# digits): a longer run is no format, never int()'s ValueError beyond 4,300 digits
_INT_RE = re.compile(r"^(u?)int([0-9]{1,9})$")
_GENERIC_FP_RE = re.compile(r"^fp([0-9]{1,9})_e([0-9]{1,9})m([0-9]{1,9})$")
_GROUP_RE = re.compile(r"^(?P<element>[a-z0-9_]+)@g(?P<group>[0-9]{1,9})(?::(?P<scale>[a-z0-9_]+))?$")

ALLOWED_FORMATS_TEXT = (
    "int1..int32, uint1..uint32, fp4_e2m1, fp6_e3m2, fp6_e2m3, fp8_e4m3, fp8_e5m2, fp16, bf16, "
    "fp32, fp<N>_e<E>m<M>, mxint8, mxfp8, mxfp8_e5m2, mxfp6, mxfp6_e3m2, mxfp4, nvfp4, "
    "<int|fp>@g<group>[:<scale format>] such as int4@g128, or a positive bit count such as 5.25"
)


def _parse_element(text: str) -> ElementFormat | None:
    m = _INT_RE.match(text)
    if m:
        bits = int(m.group(2))
        if not 1 <= bits <= MAX_INT_BITS:
            raise HwsimInputError(f"integer width {bits} out of range", allowed=f"1..{MAX_INT_BITS}")
        return IntFormat(bits, signed=not m.group(1))
    text = _FLOAT_ALIASES.get(text, text)
    if text in _NAMED_FLOATS:
        return _NAMED_FLOATS[text]
    m = _GENERIC_FP_RE.match(text)
    if m:
        total, exp, man = (int(g) for g in m.groups())
        if exp < 1 or man < 0 or total != 1 + exp + man or total > 64:
            raise HwsimInputError(f"'{text}': fp<N>_e<E>m<M> needs N = 1 + E + M <= 64 bits, E >= 1")
        return _CANONICAL_FLOATS.get((exp, man), FloatFormat(exp, man))
    return None


def parse_format(text: str | float | int) -> NumberFormat:
    """Parse a format name (see the module docstring); raise HwsimInputError naming the allowed ones."""
    if isinstance(text, bool):
        raise HwsimInputError(f"'{text}' is not a number format", allowed=ALLOWED_FORMATS_TEXT)
    if isinstance(text, (int, float)):
        try:
            bits = float(text)
        except OverflowError:   # an int beyond float's range (about 309 digits): no usable width either
            bits = math.inf
        if math.isfinite(bits) or not isinstance(text, int):
            return _effective(bits, str(text))
        # too large to quote (str() of an int beyond 4,300 digits raises): refused by its size
        digits = int(abs(text).bit_length() * math.log10(2)) + 1   # derived: digits of a b-bit integer
        raise HwsimInputError(f"an integer of about {digits:,} digits is not a usable bit width",
                              allowed=_width_allowed())
    raw = str(text).strip()
    key = raw.lower()
    try:
        bits = float(key)
    except ValueError:
        bits = None
    if bits is not None:
        return _effective(bits, raw)
    element = _parse_element(key)
    if element is not None:
        return element
    key = _BLOCK_ALIASES.get(key, key)
    if key in _NAMED_BLOCKS:
        return _NAMED_BLOCKS[key]
    m = _GROUP_RE.match(key)
    if m:
        element = _parse_element(m.group("element"))
        if element is None:
            raise HwsimInputError(f"'{raw}': group element '{m.group('element')}' is not an int or fp format",
                                  allowed=ALLOWED_FORMATS_TEXT)
        group = int(m.group("group"))
        if group < 1 or group > MAX_GROUP_SIZE:
            raise HwsimInputError(f"'{raw}': group size must be 1 to 2^20 (a group wider than a layer's K is its "
                                  f"whole row)")
        scale_name = m.group("scale") or DEFAULT_GROUP_SCALE
        scale = E8M0 if scale_name == "e8m0" else _parse_element(scale_name)
        if scale is None:
            raise HwsimInputError(f"'{raw}': scale '{scale_name}' is not an int, fp or e8m0 format")
        return BlockFormat(element, group, scale)
    raise HwsimInputError(f"unknown number format '{raw}'", allowed=ALLOWED_FORMATS_TEXT)


# An effective width below this is no published number format: the narrowest LLM weight formats
# store ~0.55-0.8 bits per weight (STBLLM, Dong et al. arXiv 2408.01803, Table 1); 64 bits is fp64.
MIN_EFFECTIVE_BITS = 0.5


def _width_allowed() -> str:
    return (f"a number in [{MIN_EFFECTIVE_BITS:g}, 64] (sub-1-bit LLM formats store >= 0.55 bits a weight, "
            "STBLLM 2024; fp64 is the widest)")


def _effective(bits: float, raw: str) -> EffectiveBits:
    if not (MIN_EFFECTIVE_BITS <= bits <= 64):
        raise HwsimInputError(f"'{raw}' is not a usable bit width", allowed=_width_allowed())
    return EffectiveBits(bits)


def format_name(fmt: NumberFormat) -> str:
    return fmt.name


OPERANDS = ("weights", "activations", "outputs", "kv")


@dataclass(frozen=True)
class Precision:
    """Per-operand formats of one layer. ``None`` means: the accelerator's declared default.

    Strings are parsed (``Precision(weights="int4")``); a bad name fails here, naming the operand.
    """

    weights: NumberFormat | None = None
    activations: NumberFormat | None = None
    outputs: NumberFormat | None = None
    kv: NumberFormat | None = None

    def __post_init__(self) -> None:
        for operand in OPERANDS:
            value = getattr(self, operand)
            if value is None or isinstance(value, (IntFormat, FloatFormat, BlockFormat, EffectiveBits)):
                continue
            if isinstance(value, ScaleOnlyFormat):
                raise HwsimInputError(f"'{value.name}' is a scale format, not an operand format",
                                      field=f"Precision.{operand}", allowed=ALLOWED_FORMATS_TEXT)
            try:
                parsed = parse_format(value)
            except HwsimInputError as exc:
                raise HwsimInputError(exc.message, field=f"Precision.{operand}", allowed=exc.allowed) from None
            object.__setattr__(self, operand, parsed)

    def filled_from(self, default: "Precision") -> "Precision":
        """This precision with every unset operand taken from ``default``; kv falls back to activations."""
        weights = self.weights or default.weights
        activations = self.activations or default.activations
        outputs = self.outputs or default.outputs
        kv = self.kv or default.kv or activations
        return Precision(weights, activations, outputs, kv)

    def overridden_by(self, other: "Precision") -> "Precision":
        """``other``'s set operands win (CLI --weights/--activations/... on a whole run)."""
        return Precision(other.weights or self.weights, other.activations or self.activations,
                         other.outputs or self.outputs, other.kv or self.kv)


def as_precision(value, field: str = "precision") -> Precision | None:
    """``value`` as a Precision for the Python API's ``precision=``: None, a Precision, or a mapping
    of operands to formats (``{"weights": "int4"}``); anything else is one HwsimInputError."""
    if value is None or isinstance(value, Precision):
        return value
    allowed = f"None, a hwsim.Precision, or a mapping of {', '.join(OPERANDS)} to formats"
    if isinstance(value, dict):
        unknown = [key for key in value if key not in OPERANDS]
        if unknown:
            raise HwsimInputError(f"unknown operand {unknown[0]!r}", field=field, allowed=allowed)
        return Precision(**value)
    raise HwsimInputError(f"{type(value).__name__} {value!r} is not a precision", field=field, allowed=allowed)
