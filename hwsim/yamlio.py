"""YAML loading that rejects duplicate keys (PyYAML silently keeps the last one)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from hwsim.errors import HwsimInputError
from hwsim.inputs import DIGITS_ALLOWED, digit_count, read_text, too_many_digits


# libyaml's parser where PyYAML was built with it (5x faster on a preset: ~1 ms against ~5 ms), the
# pure-Python one otherwise; constructors and resolvers are Python either way, so both read alike
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeBase):
    pass


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (list, dict)):
            # a complex key (YAML's "? [a, b]"): no spec, trace or sweep key is a list or a mapping
            raise HwsimInputError(f"a key at line {key_node.start_mark.line + 1} is a "
                                  f"{'list' if isinstance(key, list) else 'mapping'}",
                                  allowed="a key of text, e.g. rows: 16")
        if key in seen:
            # line and column: two keys of one flow mapping ({a: 1, a: 2}) share a line
            here, first = key_node.start_mark, seen[key]
            raise HwsimInputError(
                f"duplicate key '{key}' at line {here.line + 1}, column {here.column + 1} "
                f"(first at line {first.line + 1}, column {first.column + 1})", field=str(key))
        seen[key] = key_node.start_mark
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)

# Plain scalars are resolved by YAML 1.2's core schema (YAML 1.2.2, Sec. 10.3.2), not PyYAML's
# YAML 1.1 rules, which read 040 as 32 (octal), 1:04 as 64 (base 60), 6_4 as 64, 0b1000000 as 64,
# yes/no/on/off as booleans and 2026-01-01 as a date, and 1e9 or +.5 as text: every one silently
# another value than the file says. Under the core schema those are text (refused where a number is
# wanted) or the decimal number written. No merge keys (<<): the duplicate-key check reads keys as
# plain scalars, so a merge was never read.
_CORE_RESOLVERS = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
)
# a table of its own: add_implicit_resolver on an inherited one would append to SafeLoader's lists
_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in _CORE_RESOLVERS:
    _StrictLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _core_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    """An int of the core schema: decimal (a leading 0 is not octal), 0o octal or 0x hex."""
    text = loader.construct_scalar(node)
    if too_many_digits(text):
        raise HwsimInputError(f"{digit_count(text)} at line {node.start_mark.line + 1}", allowed=DIGITS_ALLOWED)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _core_int)


# No hwsim file nests deeper than a handful of levels (a sweep's axis range: 4); 64 is far beyond any
# and far below the depth at which the YAML composer (libyaml's C one recurses on the C stack: a
# segfault near 25,000 levels) or Python's repr of the value (quoted in a refusal: ~1,000 frames,
# sys.getrecursionlimit()) runs out of stack. (derived)
MAX_NESTING = 64


def _too_deep() -> HwsimInputError:
    return HwsimInputError(f"lists or mappings nested more than {MAX_NESTING} levels deep",
                           allowed=f"at most {MAX_NESTING} levels (no hwsim input nests more than a few)")


def _check_nesting(text: str) -> None:
    """Refuse lists and mappings nested more than MAX_NESTING deep, from the parser's events, before
    anything is composed: the parser keeps its own stack (no recursion at any depth), and an alias
    is one event however large what it names (a file of aliases of aliases, YAML's "billion
    laughs", is a few levels deep and composes as shared lists)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_SafeBase):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    raise _too_deep()
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        # libyaml 0.2.5's scanner stops at its own limit (1,000 flow levels) while it reads ahead,
        # before this count gets there: the same refusal
        if "maximum nesting depth" in str(getattr(exc, "problem", "") or exc):
            raise _too_deep() from None
        raise


def load_yaml_text(text: str, source: str) -> Any:
    try:
        _check_nesting(text)
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except HwsimInputError as exc:
        raise exc.with_source(source) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise HwsimInputError(f"not valid YAML{line}: {problem}", source=source) from None


def load_yaml_file(path: str | Path) -> Any:
    return load_yaml_text(read_text(path, "file"), str(path))


def parse_yaml_value(raw: str) -> Any:
    """A ``--set`` value read as the spec files are (numbers, lists, maps); text that is not valid
    YAML stays text, for the spec's own check to refuse or accept."""
    try:
        _check_nesting(raw)        # too deep: refused (HwsimInputError), not kept as text
    except yaml.YAMLError:
        return raw
    try:
        return yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, HwsimInputError):
        return raw
