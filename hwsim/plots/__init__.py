"""Interactive figures (plotly). They consume pandas tables only, never simulator objects, and
import plotly lazily: the core never needs it (install with ``pip install -e ".[plots]"``).

Every HTML page hwsim writes is self-contained (plotly.js inlined, no CDN), so it opens offline;
write figures with ``hwsim.plots.figures.to_html`` / ``write_html``. In a figure of several
panels a category keeps one colour in every panel (``category_colors``)."""
