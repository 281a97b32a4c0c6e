"""Every HTML page hwsim.plots writes is self-contained (plotly.js inline, no CDN script) and
follows the window's width; ``hwsim plot roofline`` writes one from a run."""

import re

import pandas as pd
import pytest

pytest.importorskip("plotly")
pytest.importorskip("moocore")

from hwsim import cli, plots  # noqa: E402


def _offline(html: str) -> None:
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert bundle in html                                   # the whole plotly.js bundle, verbatim
    page = html.replace(bundle, "")
    assert "https://cdn" not in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)    # no external script at all
    assert '"responsive": true' in page                     # resizes with the window


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    df = pd.DataFrame({"compute.rows": [16, 32, 64], "pe": ["mac", "lut", "mac"], "latency_s": [1.0, 2.0, 3.0],
                       "energy_pj": [3.0, 1.0, 2.0]})
    layer_table = pd.DataFrame({"layer": ["a", "b"], "op": ["gemm", "gemm"], "macs": [10.0, 20.0],
                                "latency_s": [1e-6, 1e-6], "dram_reads_bits": [80.0, 8.0],
                                "dram_writes_bits": [0.0, 8.0], "energy_compute_pj": [1.0, 2.0],
                                "energy_dram_pj": [3.0, 1.0], "energy_pj": [4.0, 3.0]})
    figures = {"pareto": plots.pareto_scatter(df, "latency_s", "energy_pj", color="pe"),
               "parcoords": plots.parallel_coordinates(df, ["compute.rows", "pe", "latency_s"]),
               "bars": plots.per_layer_bars(layer_table, "energy_pj"),
               "roofline": plots.roofline(layer_table, 1e9, 1e8)}
    return {name: plots.write_html(fig, folder / f"{name}.html").read_text(encoding="utf-8")
            for name, fig in figures.items()}


@pytest.mark.parametrize("name", ["pareto", "parcoords", "bars", "roofline"])
def test_written_figure_is_offline(pages, name):
    _offline(pages[name])


@pytest.fixture(scope="module")
def roofline_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "roofline.html"
    assert cli.main(["plot", "roofline", "tpu-v1-like", "resnet50", "-o", str(path)]) == 0
    return path.read_text(encoding="utf-8")


def test_plot_roofline_command_writes_an_offline_roofline(roofline_page, capsys):
    _offline(roofline_page)
    roofline_page = roofline_page.replace("\\u002f", "/")   # the page's JSON escapes "/"
    # tpu-v1-like: 65536 MACs/cycle at 700 MHz (Jouppi et al. ISCA 2017) = 91.75 Tops/s; 34 GB/s DRAM
    assert "compute roof (91.8 Tops/s)" in roofline_page and "DRAM roof (34 GB/s)" in roofline_page
    assert "arithmetic intensity (ops/byte)" in roofline_page


def test_plot_roofline_without_bandwidth_says_unlimited(tmp_path, capsys):
    # scalesim-default has no DRAM bandwidth (SCALE-Sim's default: unlimited)
    path = tmp_path / "r.html"
    assert cli.main(["plot", "roofline", "scalesim-default", "resnet50", "-o", str(path)]) == 0
    html = path.read_text(encoding="utf-8").replace("\\u002f", "/")
    assert "DRAM bandwidth unlimited" in html and "DRAM roof (" not in html
    assert "unlimited DRAM bandwidth" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["plot", "roofline", "tpu-v1-like", "resnet50", "-o", "/no/such/folder/r.html"], "folder does not exist"),
    (["plot", "roofline", "no-such-accelerator", "resnet50", "-o", "r.html"], "no-such-accelerator"),
    (["plot", "roofline", "tpu-v1-like", "resnet50", "-o", "r.html", "--set", "compute.rows=-3"], "compute.rows"),
])
def test_plot_roofline_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and err.startswith("hwsim: error:")
    assert not (tmp_path / "r.html").exists()
