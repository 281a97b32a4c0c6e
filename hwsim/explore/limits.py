"""How much one explorer file holds (no imports: the CLI reads these for its --help)."""

# rows drawn in every view at most (derived: 20,000 rows x ~25 columns as JSON is ~10 MB beside
# plotly.js's 4.5 MB, and plotly's SVG scatter stays interactive to a few 10^4 points)
MAX_ROWS = 20_000
# designs re-simulated and embedded at most (derived: ResNet-50's 54 layers x 300 designs x 4
# per-layer numbers is ~1 MB of JSON; the front of a sweep rarely holds more)
BREAKDOWNS = 300
# (designs x layers) embedded at most, so a 12,000-layer LLM generation does not embed 300 copies
# of its layer table (derived: 10^5 layer rows x 4 numbers x ~12 characters = 5 MB)
LAYER_ROW_BUDGET = 100_000
