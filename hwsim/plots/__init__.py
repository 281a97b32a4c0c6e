"""Interactive figures (plotly). They consume pandas tables only, never simulator objects, and
import plotly lazily: the core never needs it (install with ``pip install -e ".[plots]"``).

Every HTML page hwsim writes is self-contained (plotly.js inlined, no CDN), so it opens offline;
write figures with ``to_html`` / ``write_html``. In a figure of several panels a category keeps
one colour in every panel (``category_colors``). The names below are the public API (studies
use them); ``plotly_modules()`` hands a figure builder plotly's ``graph_objects`` and
``make_subplots``, or one clear error when the extra is missing.
"""

from hwsim.plots.figures import (BarPanel, bar_grid_with_ratios, category_colors, category_label, plotly_modules,
                                 to_html, write_html)

__all__ = ["BarPanel", "bar_grid_with_ratios", "category_colors", "category_label", "plotly_modules", "to_html",
           "write_html"]
