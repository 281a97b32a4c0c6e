"""Interactive figures (plotly). They consume pandas tables only, never simulator objects, and
import plotly lazily: the core never needs it (install with ``pip install -e ".[plots]"``)."""
