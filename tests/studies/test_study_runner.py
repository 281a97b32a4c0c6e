"""hwsim.studies, the runner every script in studies/ shares: --out, CSV tables, offline HTML,
the report on stdout and where the files went on stderr, bad input as one line and exit 2."""

import pandas as pd
import pytest

from hwsim.errors import HwsimInputError
from hwsim.studies import Outputs, run_study, study_parser


class _Figure:
    """Stands in for a plotly figure: the runner only calls to_html on it."""

    def to_html(self, include_plotlyjs, full_html, **options):
        assert include_plotlyjs is True and full_html is True   # offline: plotly.js inlined, whole page
        assert options["config"]["responsive"] is True          # the page follows the window's width
        return "<html>figure</html>"


def _parser():
    return study_parser("demo", "A demo study.\n\nMore text.")


def test_parser_defaults_out_to_the_study_folder():
    parser = _parser()
    assert parser.description == "A demo study."
    assert parser.parse_args([]).out == "hwsim-out/demo"


def test_tables_then_figures_then_report(tmp_path, capsys):
    out = tmp_path / "new" / "folder"
    order = []

    def figure():
        # the tables are on disk before any figure is built (a missing plotly still leaves them)
        order.append(sorted(p.name for p in out.iterdir()))
        return _Figure()

    def compute(args):
        table = pd.DataFrame({"x": [1.0 / 3.0], "name": ["a"]})
        return Outputs({"a.csv": table, "b.csv": table}, {"c.html": figure}, report="the report",
                       float_formats={"b.csv": None})

    assert run_study(_parser(), compute, ["--out", str(out)]) == 0
    # 1/3 = 0.333333... : 6 significant digits by default, full precision (repr) where asked
    assert (out / "a.csv").read_text() == "x,name\n0.333333,a\n"
    assert (out / "b.csv").read_text() == "x,name\n0.3333333333333333,a\n"
    assert (out / "c.html").read_text() == "<html>figure</html>"
    assert order == [["a.csv", "b.csv"]]
    captured = capsys.readouterr()
    assert captured.out == "the report\n"
    assert captured.err.startswith(f"wrote {out}/a.csv, b.csv, c.html (") and captured.err.endswith(" s)\n")


def test_no_tables_writes_nothing(tmp_path, capsys):
    out = tmp_path / "never"
    assert run_study(_parser(), lambda args: Outputs({}, report="rows only"), ["--out", str(out)]) == 0
    assert not out.exists()
    captured = capsys.readouterr()
    assert captured.out == "rows only\n" and captured.err == ""


def test_out_that_is_a_file_is_one_line_before_any_work(tmp_path, capsys):
    path = tmp_path / "a-file"
    path.write_text("x")

    def compute(args):
        raise AssertionError("the study must not run")

    assert run_study(_parser(), compute, ["--out", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("error: ") and "--out" in captured.err and str(path) in captured.err


@pytest.mark.parametrize("where", ["compute", "figure"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, where):
    def figure():
        raise HwsimInputError('figures need plotly: pip install -e ".[plots]"')

    def compute(args):
        if where == "compute":
            raise HwsimInputError("not a model", source="m.json", field="phase", allowed="prefill, decode")
        return Outputs({"a.csv": pd.DataFrame({"x": [1]})}, {"c.html": figure}, report="unseen")

    out = tmp_path / "out"
    assert run_study(_parser(), compute, ["--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    if where == "compute":
        assert captured.err == "error: m.json: field 'phase': not a model (allowed: prefill, decode)\n"
        assert not out.exists()
    else:
        assert captured.err == 'error: figures need plotly: pip install -e ".[plots]"\n'
        assert (out / "a.csv").read_text() == "x\n1\n"     # the tables stay
