"""YAML loading that rejects duplicate keys (PyYAML silently keeps the last one)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from hwsim.errors import HwsimInputError
from hwsim.inputs import read_text


# libyaml's parser where PyYAML was built with it (5x faster on a preset: ~1 ms against ~5 ms), the
# pure-Python one otherwise; constructors and resolvers are Python either way, so both read alike
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeBase):
    pass


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise HwsimInputError(
                f"duplicate key '{key}' at line {key_node.start_mark.line + 1} "
                f"(first at line {seen[key] + 1})", field=str(key))
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)

# YAML 1.2 reads 1e9 as a number; PyYAML (YAML 1.1) reads it as text unless it has a dot (1.0e9).
# The resolver table is copied first: PyYAML's add_implicit_resolver would append to SafeLoader's lists.
_StrictLoader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"),
                                    list("-+0123456789"))


def load_yaml_text(text: str, source: str) -> Any:
    try:
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
        return yaml.load(raw, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, HwsimInputError):
        return raw
