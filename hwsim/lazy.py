"""Public names loaded on first use (PEP 562), for a package's facade: ``import hwsim`` (and
``hwsim.plots``, ``hwsim.explore``) must not pay for pandas, numba or plotly until a name is used."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_getattr(package: str, names: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``names[name]`` (the defining module) on first use and
    keeps the value in ``namespace`` (the package's globals), so later look-ups skip it."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
