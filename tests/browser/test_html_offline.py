"""Every HTML page hwsim writes, opened offline in headless Chromium at 1400x1000."""

import pandas as pd
import pytest

from browser.conftest import horizontal_overflow_px, open_page, overlapping_labels, plot_is_rendered

pytestmark = pytest.mark.browser
pytest.importorskip("plotly")


def test_plots_write_html_renders_offline(browser, tmp_path):
    from hwsim.plots import BarPanel, bar_grid_with_ratios, write_html

    table = pd.DataFrame({"node_nm": [45, 45, 7, 7], "format": ["INT8", "FP8"] * 2, "energy_pj": [1.0, 2.0, 0.2, 0.4]})
    fig = bar_grid_with_ratios([BarPanel("energy", table, "energy_pj", "format", "node_nm")], None, "smoke")
    page, console_errors, blocked = open_page(browser, write_html(fig, tmp_path / "f.html"))
    check = plot_is_rendered(page)
    print(check.plots)
    assert check
    assert console_errors == [] and blocked == []
    assert horizontal_overflow_px(page) == 0
    assert overlapping_labels(page) == []
