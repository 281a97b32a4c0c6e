"""Workload operators and their GEMM view.

Every tensor op that runs on a MAC array is lowered to a GEMM the way SCALE-Sim does it:
M = output pixels (rows of the input operand), K = reduction window (filter_h x filter_w x
channels per group), N = filters (output channels per group). A grouped or depthwise conv is
``groups`` independent GEMMs, exactly as SCALE-Sim splits a depthwise ("DP") layer into one
run per channel. Vector ops (softmax, norms, element-wise) are counted in elements and run on
the vector unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Literal, Union

from hwsim.errors import HwsimInputError, require_flag

# Which operand the B side of a GEMM is: a weight matrix, or an activation produced at run time
# (attention's K^T / V, taken from the KV cache when one exists).
BOperand = Literal["weights", "kv", "activations"]


@dataclass(frozen=True)
class GemmView:
    """One GEMM shape C[M,N] = A[M,K] . B[K,N], run ``instances`` times back to back."""

    m: int
    k: int
    n: int
    instances: int
    b_operand: BOperand
    a_unique_words: int  # distinct A elements some window reads, per instance (compulsory A traffic)
    a_input_words: int = 0  # the whole A input per instance (SCALE-Sim fetches all of it); 0 = a_unique_words
    # a convolution's geometry, for the row-stationary dataflow's 1-D row primitives (a GEMM is a
    # 1x1 convolution of 1x1 outputs: M = batch x out_h x out_w "images" of one pixel each)
    kernel_h: int = 1
    kernel_w: int = 1
    out_h: int = 1
    out_w: int = 1

    def __post_init__(self) -> None:
        if not self.a_input_words:
            object.__setattr__(self, "a_input_words", self.a_unique_words)

    @property
    def macs(self) -> int:
        return self.m * self.k * self.n * self.instances


def _positive(op, name: str, minimum: int = 1) -> None:
    """``op.name`` checked as an integer >= ``minimum`` and stored as a Python int (numpy's integers
    are integers too; a bool is not)."""
    value = getattr(op, name)
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:   # numpy's bool is no Integral
        raise HwsimInputError(f"must be an integer >= {minimum}, got {value!r}", field=name)
    object.__setattr__(op, name, int(value))


@dataclass(frozen=True)
class _MatrixProduct:
    m: int
    k: int
    n: int
    batch: int = 1

    b_operand = "weights"  # class-level: which stored operand B is

    def __post_init__(self) -> None:
        for name in ("m", "k", "n", "batch"):
            _positive(self, name)

    def gemm_view(self) -> GemmView:
        return GemmView(self.m, self.k, self.n, self.batch, self.b_operand, self.m * self.k)


@dataclass(frozen=True)
class Gemm(_MatrixProduct):
    """A weight GEMM (linear / fully connected): activations[M,K] x weights[K,N], ``batch`` times."""

    kind: str = "gemm"


@dataclass(frozen=True)
class MatMul(_MatrixProduct):
    """A GEMM whose both operands are activations, e.g. attention's Q.K^T and P.V per head.

    The B operand is stored in the KV-cache format when the layer gives one.
    """

    kind: str = "matmul"
    b_operand = "kv"


@dataclass(frozen=True)
class Conv2d:
    """2-D convolution on an NHWC input.

    Output size is floor((H + 2p - F) / s) + 1 (framework convention), or with ``ceil_mode``
    ceil((H + 2p - F) / s) + 1, which is SCALE-Sim's ceil((H' - F + s) / s): a last, partial
    window counts as an output (PyTorch's ``ceil_mode`` name). SCALE-Sim topologies load with
    ``ceil_mode=True``.
    """

    in_h: int
    in_w: int
    in_c: int
    out_c: int
    kernel_h: int
    kernel_w: int
    stride: int = 1
    padding: int = 0
    groups: int = 1
    batch: int = 1
    ceil_mode: bool = False
    kind: str = "conv2d"

    def __post_init__(self) -> None:
        for name in ("in_h", "in_w", "in_c", "out_c", "kernel_h", "kernel_w", "stride", "groups", "batch"):
            _positive(self, name)
        _positive(self, "padding", minimum=0)
        require_flag(self.ceil_mode, "ceil_mode")
        object.__setattr__(self, "ceil_mode", bool(self.ceil_mode))
        if self.in_c % self.groups or self.out_c % self.groups:
            raise HwsimInputError(
                f"in_c={self.in_c} and out_c={self.out_c} must both be divisible by groups={self.groups}",
                field="groups")
        if self.padding >= min(self.kernel_h, self.kernel_w):
            # a window wholly in the padding reads no input: its output is the bias alone (a
            # 'full' convolution, the widest in use, pads kernel - 1)
            raise HwsimInputError(
                f"padding {self.padding} >= the kernel {self.kernel_h}x{self.kernel_w}: windows would read only "
                f"padding", field="padding", allowed=f"0 to {min(self.kernel_h, self.kernel_w) - 1}")
        if self.kernel_h > self.in_h + 2 * self.padding or self.kernel_w > self.in_w + 2 * self.padding:
            raise HwsimInputError(
                f"kernel {self.kernel_h}x{self.kernel_w} larger than the padded input "
                f"{self.in_h + 2 * self.padding}x{self.in_w + 2 * self.padding}", field="kernel_h")

    def _out(self, size: int, kernel: int) -> int:
        span = size + 2 * self.padding - kernel
        return (-(-span // self.stride) if self.ceil_mode else span // self.stride) + 1

    @property
    def out_h(self) -> int:
        return self._out(self.in_h, self.kernel_h)

    @property
    def out_w(self) -> int:
        return self._out(self.in_w, self.kernel_w)

    def _touched(self, size: int, kernel: int, out: int) -> int:
        """Input rows (or columns) some window reads: a stride wider than the kernel skips the
        rows between windows, so a strided 1x1 conv reads 1 row in ``stride`` (derived: the
        union of the windows [i*s, i*s + F) clipped to the unpadded input)."""
        p, s = self.padding, self.stride
        if kernel >= s:
            last = (out - 1) * s + kernel  # windows overlap or touch: one interval
            return max(0, min(size, last - p))
        touched = 0
        for i in range(out):
            lo, hi = i * s - p, i * s - p + kernel
            touched += max(0, min(size, hi) - max(0, lo))
        return touched

    def gemm_view(self) -> GemmView:
        channels_per_group = self.in_c // self.groups
        return GemmView(
            m=self.out_h * self.out_w * self.batch,
            k=self.kernel_h * self.kernel_w * channels_per_group,
            n=self.out_c // self.groups,
            instances=self.groups,
            b_operand="weights",
            a_unique_words=(self._touched(self.in_h, self.kernel_h, self.out_h)
                            * self._touched(self.in_w, self.kernel_w, self.out_w) * channels_per_group * self.batch),
            a_input_words=self.in_h * self.in_w * channels_per_group * self.batch,
            kernel_h=self.kernel_h, kernel_w=self.kernel_w, out_h=self.out_h, out_w=self.out_w,
        )


# Element-wise work per element for each vector op; derived: count of the adds, multiplies,
# compares and special-function evaluations in the textbook definition, one op each.
VECTOR_OPS_PER_ELEMENT: dict[str, int] = {
    "softmax": 5,     # max-compare, subtract, exp, sum-add, divide
    "layernorm": 8,   # mean add, subtract, square, variance add, rsqrt, multiply, scale, shift
    "rmsnorm": 5,     # square, sum-add, rsqrt, multiply, scale
    "gelu": 8,        # tanh approximation: 3 multiplies, 2 adds, tanh, multiply, scale
    "silu": 4,        # negate-exp, add, divide, multiply
    "relu": 1,        # compare
    "sigmoid": 3,     # negate-exp, add, divide (silu without its multiply)
    "tanh": 1,        # one special-function evaluation (as inside gelu)
    # rotary embedding (Su et al., RoFormer, 2021, Eq. 34): a pair (x, y) becomes
    # (x cos - y sin, x sin + y cos): 4 multiplies + 2 adds per 2 elements, cos/sin from a table
    "rope": 3,
    "add": 1,
    "mul": 1,
    # the ONNX frontend's ops (docs/onnx.md); derived the same way, one op per step:
    "maxpool": 1,     # one compare per window element read (elements = outputs x window)
    "avgpool": 1,     # one add per window element read (elements = outputs x window)
    "batchnorm": 2,   # inference: one multiply by the folded scale, one add of the folded shift
    "lrn": 7,         # square, running-window add and subtract, x alpha/size, + bias, pow, divide
    "clip": 2,        # two compares (lower and upper bound), as ReLU6
    "leakyrelu": 2,   # compare, multiply by the slope (PRelu too)
    "unary": 1,       # one special-function evaluation or one step: exp, log, sqrt, erf, abs, neg, ...
}


@dataclass(frozen=True)
class VectorOp:
    """An element-wise or reduction op over ``elements`` values, run on the vector unit."""

    op: str
    elements: int
    kind: str = "vector"

    def __post_init__(self) -> None:
        if self.op not in VECTOR_OPS_PER_ELEMENT:
            raise HwsimInputError(f"unknown vector op '{self.op}'", field="vector_op",
                                  allowed=", ".join(sorted(VECTOR_OPS_PER_ELEMENT)))
        _positive(self, "elements")

    @property
    def ops(self) -> int:
        return self.elements * VECTOR_OPS_PER_ELEMENT[self.op]

    def gemm_view(self) -> None:
        return None


Op = Union[Gemm, MatMul, Conv2d, VectorOp]
