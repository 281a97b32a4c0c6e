"""hwsim precision-search on hwsim's own costs: costs by hand, the plan file that hwsim run accepts,
the re-simulation check, the front (table and offline figure), repeats as instances, exit codes."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from hwsim.cli import main
from hwsim.dse.precision_search import front_is_monotone, precision_search

ACCEL = "tpu-v1-like"
# fc1: 16x64x64 once; fc2: 16x64x32 twice (count 2); a vector op between them
TRACE = """# name: tiny
name,op,count,m,k,n,vector_op,elements
fc1,gemm,1,16,64,64,,
act,vector,1,,,,relu,1024
fc2,gemm,2,16,64,32,,
"""
SENS = """layer,candidate,omega
fc1,w4a4,4.0
fc1,w8a8,0.1
fc2*,w4a4,1.0
fc2*,w8a8,0.05
"""


def _plan_rows(path) -> pd.DataFrame:
    """A plan file's rows (its # lines are comments; a '#' inside a layer name is not)."""
    lines = [line for line in path.read_text().splitlines(keepends=True) if not line.startswith("#")]
    return pd.read_csv(io.StringIO("".join(lines)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("psearch")
    (folder / "tiny.csv").write_text(TRACE)
    (folder / "sens.csv").write_text(SENS)
    return folder


@pytest.fixture(scope="module")
def searched(files):
    """One CLI search with a front, shared by the tests that read its outputs."""
    plan = files / "plan.csv"
    code = main(["precision-search", ACCEL, str(files / "tiny.csv"), "--sensitivity", str(files / "sens.csv"),
                 "--candidates", "w4a4,w8a8", "--budget-fraction", "latency_s=0.5", "--front", "5", "-o", str(plan)])
    assert code == 0
    return plan


def test_costs_per_candidate_by_hand(files):
    # fraction 0: every searched layer at its cheapest latency (w4a4 here), fraction 1: w8a8
    low = precision_search(ACCEL, str(files / "tiny.csv"), sensitivity=str(files / "sens.csv"),
                           budget_fractions={"bops": 0.0})
    high = precision_search(ACCEL, str(files / "tiny.csv"), sensitivity=str(files / "sens.csv"),
                            budget_fractions={"bops": 1.0})
    assert list(low.plan["candidate"]) == ["w4a4", "w4a4"] and list(high.plan["candidate"]) == ["w8a8", "w8a8"]
    by_layer_low, by_layer_high = low.plan.set_index("layer"), high.plan.set_index("layer")
    # model bytes: K x N x count weights at 4 or 8 bits
    assert by_layer_low.loc["fc1", "model_bytes"] == 64 * 64 * 4 / 8
    assert by_layer_high.loc["fc2", "model_bytes"] == 2 * 64 * 32 * 8 / 8
    # BOPs: MACs (x count) x weight bits x activation bits
    assert by_layer_low.loc["fc1", "bops"] == 16 * 64 * 64 * 4 * 4
    assert by_layer_high.loc["fc2", "bops"] == 2 * 16 * 64 * 32 * 8 * 8
    assert low.omega_total == 5.0 and high.omega_total == pytest.approx(0.15)
    assert low.fixed_layers == ("act",)


def test_plan_file_runs_and_meets_its_budget(files, searched, capsys):
    text = searched.read_text()
    assert "layer,weights,activations,outputs,kv" in text and text.startswith("# hwsim precision-search")
    body = _plan_rows(searched)
    assert list(body["layer"]) == ["fc1", "act", "fc2"]  # every layer pinned, the vector op at the default
    assert body.set_index("layer").loc["act", "weights"] == "int8"
    capsys.readouterr()
    code = main(["run", ACCEL, str(files / "tiny.csv"), "--precision", str(searched), "--native-pe",
                 "--out", "", "--format", "json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    layers = pd.read_csv(searched.with_name("plan-layers.csv"))
    limit = float(pd.read_csv(searched.with_name("plan-check.csv")).set_index("metric").loc["latency_s", "resimulated"])
    assert summary["latency_s"] == pytest.approx(limit, rel=1e-12)
    budget_line = [line for line in text.splitlines() if line.startswith("# budget latency_s")][0]
    budget = float(budget_line.split("<=")[1].split()[0])
    assert summary["latency_s"] <= budget * (1 + 1e-9)
    assert set(layers["candidate"]) <= {"w4a4", "w8a8"}


def test_check_table_compares_sums_with_the_plan_run(searched):
    check = pd.read_csv(searched.with_name("plan-check.csv")).set_index("metric")
    assert set(check.index) == {"latency_s", "energy_pj", "dram_bits", "model_bytes", "bops"}
    # model bytes and BOPs are per-layer by definition: the plan's run sums to the same
    assert check.loc["model_bytes", "difference"] == 0 and check.loc["bops", "difference"] == 0
    assert (check["resimulated"] - check["per_layer_sum"] - check["difference"]).abs().max() <= 1e-9 * check[
        "resimulated"].abs().max()


def test_front_table_and_offline_figure(searched):
    front = pd.read_csv(searched.with_name("plan-front.csv"))
    assert len(front) == 5 and front["feasible"].all()
    assert front_is_monotone(front)
    assert front["omega"].iloc[0] == 5.0 and front["omega"].iloc[-1] == pytest.approx(0.15)
    html = searched.with_name("plan-front.html").read_text()
    # plotly.js inlined (its bundle names its CDN in a string; no script is loaded from anywhere)
    assert not re.search(r"<script[^>]*\bsrc\s*=", html) and "Plotly.newPlot" in html


def test_repeats_as_instances_take_their_own_precision(files, tmp_path, capsys):
    sens = tmp_path / "sens.csv"
    sens.write_text("layer,candidate,omega\nfc1,w4a4,4\nfc1,w8a8,0.1\nfc2#0,w4a4,3\nfc2#0,w8a8,0\n"
                    "fc2#1,w4a4,0.01\nfc2#1,w8a8,0\n")
    plan = tmp_path / "plan.csv"
    code = main(["precision-search", ACCEL, str(files / "tiny.csv"), "--expand-repeats", "--sensitivity", str(sens),
                 "--budget", "bops<=" + str(16 * 64 * 64 * 64 + 16 * 64 * 32 * (64 + 16)), "-o", str(plan)])
    assert code == 0
    body = _plan_rows(plan).set_index("layer")
    # the budget buys w8a8 for fc1 and one fc2 instance: fc2#0 (omega 3 saved) over fc2#1 (0.01)
    assert body.loc["fc2#0", "weights"] == "int8" and body.loc["fc2#1", "weights"] == "int4"
    assert body.loc["fc1", "weights"] == "int8"
    capsys.readouterr()
    assert main(["run", ACCEL, str(files / "tiny.csv"), "--expand-repeats", "--precision", str(plan), "--native-pe",
                 "--out", ""]) == 0


def test_infeasible_budget_is_one_line_and_exit_2(files, tmp_path, capsys):
    code = main(["precision-search", ACCEL, str(files / "tiny.csv"), "--sensitivity", str(files / "sens.csv"),
                 "--budget", "latency_s<=1e-12", "-o", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "infeasible" in err and "latency_s" in err
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("count", ["0", "1", "-3", "1001", "100000000"])
def test_a_front_outside_2_to_1000_budgets_is_one_line_and_exit_2(files, tmp_path, capsys, count):
    # --front 0 was ignored and --front -3 asked for a metric; 10^8 solved for hours
    code = main(["precision-search", ACCEL, str(files / "tiny.csv"), "--sensitivity", str(files / "sens.csv"),
                 "--budget-fraction", "latency_s=0.5", f"--front={count}", "-o", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "'--front'" in err and "an integer from 2 to 1000" in err, err
    assert not (tmp_path / "p.csv").exists()


def test_cost_table_alone_needs_no_simulator(tmp_path, capsys):
    (tmp_path / "costs.csv").write_text("layer,candidate,latency_s\na,w4a4,1\na,w8a8,3\nb,w4a4,2\nb,w8a8,3\n")
    (tmp_path / "sens.csv").write_text("layer,candidate,omega\na,w4a4,5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\n")
    code = main(["precision-search", "--cost-table", str(tmp_path / "costs.csv"), "--sensitivity",
                 str(tmp_path / "sens.csv"), "--budget", "latency_s<=5", "-o", str(tmp_path / "plan.csv")])
    assert code == 0
    body = _plan_rows(tmp_path / "plan.csv")
    assert list(body["weights"]) == ["int8", "int4"]  # 3 + 2 = 5 fits; omega 1
    assert "omega 1" in capsys.readouterr().out
    # no workload is loaded: a scenario flag would be dropped, so it is refused
    for extra in (["--phase", "decode"], ["--kv-len", "64"], ["--gemm-only"], ["--moe-routing", "expected"]):
        code = main(["precision-search", "--cost-table", str(tmp_path / "costs.csv"), "--sensitivity",
                     str(tmp_path / "sens.csv"), "--budget", "latency_s<=5", "-o", str(tmp_path / "plan2.csv"), *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and f"'{extra[0]}'" in err[0] and "applies only with ACCEL WORKLOAD" in err[0]


def test_an_all_low_precision_plan_runs_with_native_pe(files, tmp_path, capsys):
    # fraction 0: every searched layer at w4a4, so no GEMM runs the accelerator's int8 default
    plan = tmp_path / "low.csv"
    assert main(["precision-search", ACCEL, str(files / "tiny.csv"), "--sensitivity", str(files / "sens.csv"),
                 "--budget-fraction", "latency_s=0", "-o", str(plan)]) == 0
    assert set(_plan_rows(plan).set_index("layer").loc[["fc1", "fc2"], "weights"]) == {"int4"}
    capsys.readouterr()
    assert main(["run", ACCEL, str(files / "tiny.csv"), "--precision", str(plan), "--native-pe", "--out", "",
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    check = pd.read_csv(plan.with_name("low-check.csv")).set_index("metric")
    assert summary["energy_pj"] == pytest.approx(check.loc["energy_pj", "resimulated"], rel=1e-12)


def test_a_cost_table_metric_beside_hwsims_is_the_tables(files):
    # latency from a table (a measured one) replaces hwsim's; energy stays hwsim's and is re-simulated
    table = pd.DataFrame({"layer": ["fc1", "fc1", "fc2", "fc2"], "candidate": ["w4a4", "w8a8"] * 2,
                          "latency_s": [1.0, 2.0, 1.0, 3.0]})
    result = precision_search(ACCEL, str(files / "tiny.csv"), sensitivity=str(files / "sens.csv"),
                              cost_table=table, budgets=["latency_s<=3"])
    # 3 buys w8a8 for fc1 only (fc2 at w8a8 costs 3 alone): omega 0.1 + 1.0
    assert list(result.plan["candidate"]) == ["w8a8", "w4a4"] and result.omega_total == pytest.approx(1.1)
    assert result.costs["latency_s"] == 3.0
    assert set(result.check["metric"]) == {"energy_pj", "dram_bits", "model_bytes", "bops"}
    assert any("latency_s: the cost table's values replace hwsim's" in note for note in result.notes)


COSTS = "layer,candidate,latency_s\na,w4a4,1\na,w8a8,3\nb,w4a4,2\nb,w8a8,3\n"


@pytest.mark.parametrize("sens, costs, words", [
    # a header alone searched nothing and wrote an empty plan
    ("layer,candidate,omega\n", COSTS, ["sensitivity file", "header and no rows"]),
    # Omega is a squared perturbation times a positive semi-definite curvature
    ("layer,candidate,omega\na,w4a4,-5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\n", COSTS, ["'omega'", "line 2", "below 0"]),
    ("layer,candidate,hessian_trace,delta_w2\na,w4a4,-1,2\na,w8a8,1,0\nb,w4a4,1,1\nb,w8a8,1,0\n", COSTS,
     ["'hessian_trace'", "below 0"]),
    # both given (as hwsim sensitivity writes them) must agree: omega won silently
    ("layer,candidate,omega,hessian_trace,delta_w2\na,w4a4,5,2,2\na,w8a8,0,2,0\nb,w4a4,1,1,1\nb,w8a8,0,1,0\n", COSTS,
     ["line 2", "omega 5 is not hessian_trace x delta_w2 = 4"]),
    ("layer,candidate,omega\na,w4a4,5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\n", COSTS.replace("b,w4a4,2", "b,w4a4,-2"),
     ["costs.csv", "'latency_s'", "line 4", "below 0"]),
])
def test_bad_sensitivity_and_cost_rows_are_one_line(tmp_path, capsys, sens, costs, words):
    (tmp_path / "costs.csv").write_text(costs)
    (tmp_path / "sens.csv").write_text(sens)
    code = main(["precision-search", "--cost-table", str(tmp_path / "costs.csv"), "--sensitivity",
                 str(tmp_path / "sens.csv"), "--budget-fraction", "latency_s=0.5", "-o", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("sens, costs, flags, words", [
    # the same row twice (later-wins is for a glob and a narrower pattern after it)
    ("layer,candidate,omega\na,w4a4,5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\na,w4a4,3\n", COSTS, [],
     ["line 6", "layer 'a' and candidate 'w4a4' again (line 2)"]),
    ("layer,candidate,omega\na,w4a4,5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\n", COSTS + "a,w4a4,9\n", [],
     ["costs.csv", "line 6", "again (line 2)"]),
    # two limits on one metric: only the tighter binds; a front metric with no front
    ("layer,candidate,omega\na,w4a4,5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\n", COSTS, ["--budget", "latency_s<=5"],
     ["two budgets on 'latency_s'"]),
    ("layer,candidate,omega\na,w4a4,5\na,w8a8,0\nb,w4a4,1\nb,w8a8,0\n", COSTS, ["--front-metric", "latency_s"],
     ["'--front-metric'", "no --front"]),
])
def test_repeated_rows_and_budgets_are_one_line(tmp_path, capsys, sens, costs, flags, words):
    (tmp_path / "costs.csv").write_text(costs)
    (tmp_path / "sens.csv").write_text(sens)
    code = main(["precision-search", "--cost-table", str(tmp_path / "costs.csv"), "--sensitivity",
                 str(tmp_path / "sens.csv"), "--budget-fraction", "latency_s=0.5", *flags, "-o", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


def test_omega_with_its_agreeing_factors_is_read(tmp_path):
    # hwsim sensitivity writes omega beside hessian_trace and delta_w2: their product, read as one
    (tmp_path / "sens.csv").write_text("layer,candidate,omega,hessian_trace,delta_w2\n"
                                       "a,w4a4,4,2,2\na,w8a8,0,2,0\nb,w4a4,1,1,1\nb,w8a8,0,1,0\n")
    result = precision_search(sensitivity=str(tmp_path / "sens.csv"), cost_table=pd.read_csv(io.StringIO(COSTS)),
                              budgets=["latency_s<=5"])
    # room for one 8-bit layer (1 + 3 or 3 + 2 <= 5, not 3 + 3): a's omega drop 4 beats b's 1
    assert list(result.plan["candidate"]) == ["w8a8", "w4a4"]


@pytest.mark.parametrize("kwargs, words", [
    ({"sensitivity": None}, ["NoneType is not a sensitivity file"]),
    ({"budget_fractions": [0.5]}, ["list is not a mapping"]),
    ({"budget_fractions": {"latency_s": True}}, ["'latency_s': True"]),
    ({"budgets": [3]}, ["3 is not a budget"]),
    ({"sensitivity": pd.DataFrame(columns=["layer", "candidate", "omega"])}, ["header and no rows"]),
    ({"sensitivity": pd.DataFrame([["a", "w4a4", 1.0, 2.0]], columns=["layer", "candidate", "omega", "omega"])},
     ["a column is named twice"]),
])
def test_api_arguments_of_the_wrong_kind_are_one_input_error(kwargs, words):
    from hwsim.errors import HwsimInputError

    arguments = {"sensitivity": pd.read_csv(io.StringIO("layer,candidate,omega\na,w4a4,5\na,w8a8,0\n")),
                 "cost_table": pd.read_csv(io.StringIO(COSTS)), "budget_fractions": {"latency_s": 0.5}, **kwargs}
    with pytest.raises(HwsimInputError) as caught:
        precision_search(**arguments)
    text = str(caught.value)
    assert "\n" not in text
    for word in words:
        assert word in text, (word, text)


def test_a_metric_given_twice_and_candidates_as_text_are_refused(files, tmp_path, capsys):
    from hwsim.errors import HwsimInputError

    code = main(["precision-search", ACCEL, str(files / "tiny.csv"), "--sensitivity", str(files / "sens.csv"),
                 "--budget-fraction", "latency_s=0.5", "--budget-fraction", "latency_s=0.2", "-o",
                 str(tmp_path / "p.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "'--budget-fraction'" in err[0] and "latency_s is given twice" in err[0]
    with pytest.raises(HwsimInputError, match=r"'w4a8' is text, not a list of candidates.*\['w4a8'\]"):
        precision_search(ACCEL, str(files / "tiny.csv"), sensitivity=str(files / "sens.csv"), candidates="w4a8",
                         budget_fractions={"latency_s": 0.5})
