"""The sweep explorer: one offline HTML file of linked views (``write_explorer``; ``hwsim explore
OUT -o explorer.html``) and a live server (``hwsim explore --serve``, hwsim/explore/serve.py).

Names load on first use: ``hwsim --help`` imports this package's CLI module, which must not pull
in pandas or plotly.
"""

from __future__ import annotations

from hwsim.lazy import lazy_getattr

_LAZY = {"write_explorer": "hwsim.explore.html", "explorer_data": "hwsim.explore.data",
         "ExplorerData": "hwsim.explore.data"}

__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = ["write_explorer", "explorer_data", "ExplorerData"]
