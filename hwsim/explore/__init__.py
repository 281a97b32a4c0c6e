"""The sweep explorer: one offline HTML file of linked views (``write_explorer``; ``hwsim explore
OUT -o explorer.html``) and a live server (``hwsim explore --serve``, hwsim/explore/serve.py).

Names load on first use: ``hwsim --help`` imports this package's CLI module, which must not pull
in pandas or plotly.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"write_explorer": "hwsim.explore.html", "explorer_data": "hwsim.explore.data",
         "ExplorerData": "hwsim.explore.data"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hwsim.explore' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["write_explorer", "explorer_data", "ExplorerData"]
