"""Constraint and derived-column expressions of a sweep spec.

A spec file is data, so its expressions are parsed here into a small tree and evaluated with
numpy over table columns; nothing is handed to Python's ``eval`` (nor to ``pandas.eval``, whose
python engine would be). The language (docs/sweep-spec.md, "Expressions"):

    constraint := sum CMP sum                 CMP: <= < >= > == !=
    sum        := product (('+' | '-') product)*
    product    := unary (('*' | '/') unary)*
    unary      := '-' unary | atom
    atom       := NUMBER | "text" | 'text' | true | false | NAME | '(' sum ')'

NAME is a column: a dotted spec key (``compute.rows``), a result column (``latency_s``,
``resnet50.energy_pj``) or a derived column. Booleans compare as 1 and 0; a missing value (a
point a ``before`` constraint skipped) satisfies no comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

from hwsim.errors import HwsimInputError

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<text>"[^"]*"|'[^']*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\))
    )""", re.VERBOSE)

COMPARISONS: dict[str, Callable] = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal,
                                    ">": np.greater, "==": np.equal, "!=": np.not_equal}
_ARITHMETIC: dict[str, Callable] = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide}
_KEYWORDS = {"true": 1.0, "false": 0.0}


@dataclass(frozen=True)
class Const:
    value: Union[float, str]


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Apply:
    op: str
    args: tuple


Node = Union[Const, Column, Apply]


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, its tree and the columns it reads."""

    text: str
    tree: Node
    names: tuple[str, ...]
    comparison: bool
    where: str = ""          # the spec key it came from, for error messages

    def evaluate(self, columns: Callable[[str], np.ndarray],
                 name_row: Callable[[int], str] = lambda row: f"row {row}") -> np.ndarray:
        """The expression over the columns ``columns(name)`` returns (numpy arrays of one length);
        ``name_row(row)`` names a row in an error (0 / 0 has no value)."""
        # x / 0 is IEEE infinity (documented); a finite product or sum beyond float64 is an overflow
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="raise"):
                return _evaluate(self.tree, columns, self, name_row)
        except FloatingPointError:
            raise HwsimInputError(f"'{self.text}' overflows a float64 (beyond 1.8e308) on some row", field=self.where,
                                  allowed="values within float64's range (rescale a factor)") from None


def _evaluate(node: Node, columns, expression: Expression, name_row) -> np.ndarray:
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Column):
        return columns(node.name)
    values = [_evaluate(arg, columns, expression, name_row) for arg in node.args]
    if node.op == "/":
        # x / 0 is +-inf, a value that compares (a ratio above any bound); 0 / 0 has none: a NaN
        # would fail every constraint (the point dropped as if infeasible) or sit in a derived column
        undefined = np.flatnonzero((np.asarray(values[0]) == 0) & (np.asarray(values[1]) == 0))
        if undefined.size:
            raise HwsimInputError(f"'{expression.text}' is 0 / 0 in {undefined.size} row(s), the first "
                                  f"{name_row(int(undefined[0]))}", field=expression.where,
                                  allowed="a divisor that is not 0 where the dividend is 0")
    if node.op == "neg":
        return np.negative(values[0])
    if node.op in COMPARISONS:
        if is_text(values[0]) != is_text(values[1]):
            # numpy compares text with a number as unequal everywhere: every row would fail == silently
            raise TypeError("text compared with a number")
        return np.asarray(COMPARISONS[node.op](values[0], values[1]), dtype=bool)
    return _ARITHMETIC[node.op](values[0], values[1])


def is_text(value) -> bool:
    """A text value of the language: a "text" constant, or a column of text (object or string
    dtype); numbers and boolean columns are float64 (sweep.py _values)."""
    return isinstance(value, str) or np.asarray(value).dtype.kind in "OUS"


# the longest expression read: a constraint in use is a dozen tokens; the tree is parsed and walked
# recursively, so its length and nesting stay far below Python's recursion limit (derived: 256
# tokens nest at most 128 deep, 4 frames a level within 32 parentheses)
MAX_TOKENS = 256
MAX_PARENTHESES = 32


def _tokens(text: str, where: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None or match.end() == pos:
            raise HwsimInputError(f"cannot read '{stripped[pos:].strip()[:20]}' in '{text}'", field=where,
                                  allowed="numbers, \"text\", true, false, column names, + - * / ( ) and one of "
                                          "<= < >= > == !=")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
        if len(out) > MAX_TOKENS:
            raise HwsimInputError(f"more than {MAX_TOKENS} tokens in '{text[:40]}...'", field=where,
                                  allowed=f"an expression of at most {MAX_TOKENS} tokens (write two constraints)")
    depth = deepest = 0
    for kind, value in out:
        depth += (value == "(") - (value == ")") if kind == "op" else 0
        deepest = max(deepest, depth)
    if deepest > MAX_PARENTHESES:
        raise HwsimInputError(f"parentheses {deepest} deep in '{text[:40]}...'", field=where,
                              allowed=f"at most {MAX_PARENTHESES} levels")
    return out


class _Parser:
    def __init__(self, text: str, where: str):
        self.text, self.where = text, where
        self.tokens = _tokens(text, where)
        self.pos = 0
        self.names: list[str] = []

    def fail(self, message: str) -> HwsimInputError:
        return HwsimInputError(f"{message} in '{self.text}'", field=self.where)

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.fail("the expression ends too early")
        self.pos += 1
        return token

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in (("op", "+"), ("op", "-")):
            node = Apply(self.take()[1], (node, self.product()))
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            node = Apply(self.take()[1], (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.take()
            return Apply("neg", (self.unary(),))
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            number = float(value)
            if not np.isfinite(number):   # 1e999 reads as inf: no row compares with it as written
                raise self.fail(f"'{value}' is beyond a float64")
            return Const(number)
        if kind == "text":
            return Const(value[1:-1])
        if kind == "name":
            if value in _KEYWORDS:
                return Const(_KEYWORDS[value])
            self.names.append(value)
            return Column(value)
        if value == "(":
            node = self.sum()
            if self.take() != ("op", ")"):
                raise self.fail("a '(' is not closed")
            return node
        raise self.fail(f"'{value}' where a number, text or column name belongs")


def _refuse_division_by_zero(node: Node, text: str, where: str) -> None:
    """A divisor that is the number 0 (or folds to it, like 2 - 2) divides every row by zero."""
    if not isinstance(node, Apply):
        return
    for arg in node.args:
        _refuse_division_by_zero(arg, text, where)
    if node.op == "/":
        divisor = _constant(node.args[1])
        if divisor == 0.0:
            raise HwsimInputError(f"'{text}' divides by zero", field=where, allowed="a divisor other than 0")


def _constant(node: Node) -> float | None:
    """The number a subtree without columns folds to, else None."""
    if isinstance(node, Const):
        return node.value if isinstance(node.value, float) else None
    if isinstance(node, Apply) and (node.op in _ARITHMETIC or node.op == "neg"):
        values = [_constant(a) for a in node.args]
        if any(v is None for v in values):
            return None
        with np.errstate(all="ignore"):
            if node.op == "neg":
                return -values[0]
            return float(_ARITHMETIC[node.op](*values))
    return None


def parse(text: object, where: str, *, comparison: bool, names: set[str] | None = None,
          allowed_hint: str = "") -> Expression:
    """``text`` parsed; ``comparison`` says whether it must be one comparison (a constraint) or
    must hold none (a derived column). Names outside ``names`` (when given) are refused."""
    if not isinstance(text, str) or not text.strip():
        raise HwsimInputError(f"{text!r} is not an expression", field=where,
                              allowed="text such as \"compute.rows * compute.cols <= 16384\"")
    parser = _Parser(text, where)
    left = parser.sum()
    token = parser.peek()
    if token == ("op", "("):
        raise parser.fail("'(' after a value: expressions call no functions")
    if comparison:
        if token is None or token[0] != "op" or token[1] not in COMPARISONS:
            raise parser.fail("a constraint needs one comparison (<= < >= > == !=)")
        op = parser.take()[1]
        tree: Node = Apply(op, (left, parser.sum()))
    else:
        tree = left
    if parser.peek() is not None:
        extra = parser.peek()[1]
        hint = "; a constraint holds one comparison (write two constraints)" if extra in COMPARISONS else ""
        raise parser.fail(f"unexpected '{extra}'{hint}")
    _refuse_division_by_zero(tree, text, where)
    if names is not None:
        for name in parser.names:
            if name not in names:
                raise HwsimInputError(f"no column '{name}' in '{text}'", field=where,
                                      allowed=allowed_hint or ", ".join(sorted(names)))
    return Expression(text, tree, tuple(dict.fromkeys(parser.names)), comparison, where)
