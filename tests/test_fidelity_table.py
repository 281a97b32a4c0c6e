"""docs/fidelity.md's table, as benchmarks/bench_fidelity.py writes it: a source on every row, each
ratio hwsim / published of the two numbers beside it, a reason on every row beyond 1.5x.
The values themselves are the benchmark's business (it runs the studies: not in the suite)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "fidelity.md"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_fidelity", ROOT / "benchmarks" / "bench_fidelity.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _number(cell: str) -> float:
    return float(cell.replace(",", ""))


def _table_rows() -> list[list[str]]:
    text = DOC.read_text()
    body = text.split(bench.START_MARK, 1)[1].split(bench.END_MARK, 1)[0]
    lines = [line for line in body.strip().splitlines() if line.startswith("|")]
    assert lines[1].startswith("|---"), "the table's header separator"
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines[2:]]


ROWS = _table_rows()


def test_the_committed_table_has_rows_for_every_chip_the_doc_names():
    chips = {r[0] for r in ROWS}
    for chip in ("Eyeriss", "TPU v1", "A100 80GB + NeMo", "A100 80GB + lmdeploy", "HBM-PIM", "GDDR6-AiM",
                 "AttAcc", "LUT Tensor Core", "BitMoD", "MixPE"):
        assert chip in chips


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}: {r[1]}" for r in ROWS])
def test_every_row_has_a_source_settings_and_its_own_ratio(row):
    chip, metric, hwsim_cell, published_cell, ratio_cell, source, settings, why = row
    assert source and settings
    hwsim, published, ratio = _number(hwsim_cell), _number(published_cell), _number(ratio_cell)
    # the two numbers are printed to 3 significant digits (each within 0.5% of its value), the
    # ratio to 2 decimals: hwsim / published as printed is within 1% + 0.005 of the printed ratio
    shown = hwsim / published
    assert abs(ratio - shown) <= 0.011 * shown + 0.005
    if ratio > bench.OFF_BY or ratio < 1 / bench.OFF_BY:
        assert why, f"{chip} / {metric} is off by more than {bench.OFF_BY}x and says not why"


def test_ratio_and_cells_of_a_hand_made_row():
    row = bench.Row("chip", "latency, ms", 3.0, 1.5, "paper, Table 1", "preset x", "a known gap")
    assert row.ratio == 2.0 and row.off
    line = bench.markdown([row]).splitlines()[2]
    assert line == "| chip | latency, ms | 3.00 | 1.50 | 2.00 | paper, Table 1 | preset x | a known gap |"
    near = bench.Row("chip", "power, W", 1234.5, 1000, "paper", "preset", "not shown")
    assert not near.off
    assert bench.markdown([near]).splitlines()[2] == "| chip | power, W | 1,234 | 1,000 | 1.23 | paper | preset |  |"


def test_check_refuses_a_row_without_a_source_or_an_unexplained_gap():
    with pytest.raises(SystemExit, match="without a source"):
        bench.check([bench.Row("chip", "m", 1.0, 1.0, " ", "preset")])
    with pytest.raises(SystemExit, match="without a reason"):
        bench.check([bench.Row("chip", "m", 1.0, 2.0, "paper", "preset")])
    bench.check([bench.Row("chip", "m", 1.0, 1.4, "paper", "preset")])   # within 1.5x: no reason needed
