"""``hwsim precision-search`` and ``hwsim sensitivity`` (docs/precision-search.md).

Only argparse at top level: ``hwsim --help`` must not import numpy, pandas or scipy.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.inputs import cli_int
from hwsim.workload.scenario_args import SCENARIO_FLAGS, add_scenario_arguments, scenario_workload


def _side_path(output: str, suffix: str) -> Path:
    """plan.csv -> plan-<suffix> beside it."""
    path = Path(output)
    return path.with_name(f"{path.stem}-{suffix}")


def _candidates(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise HwsimInputError("no candidate names", field="--candidates", allowed="comma-separated mixes, e.g. w4a4,w8a8")
    return names


def cmd_precision_search(args: argparse.Namespace) -> int:
    from hwsim.dse.precision_search import front_figure, front_is_monotone, parse_budget, parse_budget_fraction, \
        precision_search
    from hwsim.outpaths import check_output_file

    check_output_file(args.output, "-o", inputs=(args.workload, args.sensitivity, args.accelerator,
                                              getattr(args, "cost_table", None)))
    if args.workload is None:
        # costs from --cost-table alone: no workload is loaded, so a scenario flag would be dropped
        for name, flag in SCENARIO_FLAGS.items():
            if getattr(args, name, None) not in (None, False):
                raise HwsimInputError("applies only with ACCEL WORKLOAD (a --cost-table alone loads no workload)",
                                      field=flag, allowed="ACCEL WORKLOAD with the flag, or the cost table alone")
    workload = scenario_workload(args) if args.workload is not None else None
    if (args.accelerator is None) != (args.workload is None):
        raise HwsimInputError("give both ACCEL and WORKLOAD, or neither (costs from --cost-table alone)",
                              field="WORKLOAD", allowed="ACCEL WORKLOAD, or --cost-table COSTS.csv alone")
    fractions = {}
    for text in args.budget_fraction:
        budget = parse_budget_fraction(text)
        if budget.metric in fractions:   # the later one would win silently
            raise HwsimInputError(f"{budget.metric} is given twice", field="--budget-fraction",
                                  allowed="one fraction per metric")
        fractions[budget.metric] = budget.fraction
    result = precision_search(args.accelerator, workload, sensitivity=args.sensitivity,
                              candidates=_candidates(args.candidates),
                              budgets=[parse_budget(b) for b in args.budget], budget_fractions=fractions,
                              objective=args.objective, cost_table=args.cost_table, front=args.front,
                              front_metric=args.front_metric, check=not args.no_check)
    where = " ".join(str(x) for x in (args.accelerator, args.workload) if x is not None) or args.cost_table
    try:
        Path(args.output).write_text(result.plan_csv([f"hwsim precision-search {where}; candidates "
                                                      + ",".join(result.candidates)]), encoding="utf-8")
        details = _side_path(args.output, "layers.csv")
        table = result.plan if result.layer_check is None else result.plan.merge(
            result.layer_check.drop(columns=["candidate"]), on="layer", how="left")
        table.to_csv(details, index=False)
        written = [args.output, str(details)]
        if result.check is not None:
            check_path = _side_path(args.output, "check.csv")
            result.check.to_csv(check_path, index=False)
            written.append(str(check_path))
        if result.front is not None:
            front_csv = _side_path(args.output, "front.csv")
            result.front.to_csv(front_csv, index=False)
            written.append(str(front_csv))
            from hwsim.plots import write_html

            front_html = _side_path(args.output, "front.html")
            write_html(front_figure(result.front, result.objective, f"precision search front: {where}"), front_html)
            written.append(str(front_html))
    except OSError as exc:
        raise HwsimInputError(f"cannot write: {exc.strerror or exc}", source=args.output, field="-o") from None
    out = sys.stdout
    out.write(f"precision-search: {len(result.plan)} layers searched over {', '.join(result.candidates)}; "
              f"{result.objective} {result.objective_total:.6g}\n")
    counts = result.plan["candidate"].value_counts()
    out.write("  plan: " + ", ".join(f"{name} x{counts.get(name, 0)}" for name in result.candidates) + "\n")
    for row in result.budgets.itertuples(index=False):
        again = "" if row.resimulated != row.resimulated else f", re-simulated {row.resimulated:.6g}"
        out.write(f"  budget {row.metric} <= {row.limit:.6g} ({row.stated_as}): {row.cost:.6g}{again}"
                  f"{'' if row.met else '  NOT MET'}\n")
    out.write("  costs: " + ", ".join(f"{m} {v:.6g}" for m, v in result.costs.items()) + "\n")
    for note in result.notes:
        out.write(f"  note: {note}\n")
    if result.front is not None:
        out.write(f"  front: {int(result.front['feasible'].sum())} of {len(result.front)} budgets feasible, "
                  f"{'monotone' if front_is_monotone(result.front, result.objective) else 'NOT MONOTONE'}\n")
    out.write(f"wrote {', '.join(written)}\n")
    if args.accelerator is not None:
        out.write(f"run it: hwsim run {args.accelerator} {args.workload} --precision {args.output} --native-pe"
                  f"{' --expand-repeats' if args.expand_repeats else ''}\n")
    if not result.met:
        sys.stderr.write("hwsim: warning: the re-simulated plan does not meet every budget (see the budget lines)\n")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from hwsim.dse.sensitivity import onnx_weight_layers, read_traces, sensitivity_table
    from hwsim.outpaths import check_output_file

    check_output_file(args.output, "-o", inputs=(args.model, args.hessian_traces))
    candidates = _candidates(args.candidates)
    traces = read_traces(args.hessian_traces) if args.hessian_traces else None
    layers = onnx_weight_layers(args.model)
    table = sensitivity_table(layers, candidates, traces)
    try:
        table.to_csv(args.output, index=False)
    except OSError as exc:
        raise HwsimInputError(f"cannot write: {exc.strerror or exc}", source=args.output, field="-o") from None
    sys.stdout.write(f"sensitivity: {len(layers)} weight layers x {len(candidates)} candidates"
                     f"{' with Hessian traces (omega)' if traces else ''}; wrote {args.output}\n")
    return 0


def add_subcommands(subparsers) -> None:
    search = subparsers.add_parser(
        "precision-search", help="the per-layer precision plan with the least sensitivity under hardware budgets")
    search.add_argument("accelerator", nargs="?", default=None, metavar="ACCEL",
                        help="preset or spec file (omit with a full --cost-table)")
    search.add_argument("workload", nargs="?", default=None, metavar="WORKLOAD",
                        help="preset or workload file (omit with a full --cost-table)")
    search.add_argument("--sensitivity", required=True, metavar="SENS.csv",
                        help="layer,candidate,omega (or hessian_trace,delta_w2) [,group]; layer globs allowed")
    search.add_argument("--candidates", default=None, metavar="MIX,...",
                        help="precision mixes to choose from, e.g. w4a4,w4a8,w8a8 (default: the sensitivity file's)")
    search.add_argument("--budget", action="append", default=[], metavar="METRIC<=VALUE",
                        help="absolute budget, e.g. energy_pj<=2e9 (repeatable)")
    search.add_argument("--budget-fraction", action="append", default=[], metavar="METRIC=F",
                        help="budget F in [0, 1] of the way from the all-cheapest to the all-dearest plan (repeatable)")
    search.add_argument("--objective", default="omega", metavar="METRIC",
                        help="what to minimise (default omega; any cost metric)")
    search.add_argument("--cost-table", default=None, metavar="COSTS.csv",
                        help="layer,candidate,<metric>...: costs measured elsewhere")
    search.add_argument("--front", type=cli_int, default=None, metavar="N",
                        help="also the optimum at N budgets from all-cheapest to all-dearest (CSV + HTML)")
    search.add_argument("--front-metric", default=None, metavar="METRIC",
                        help="the budget the front varies (default: the first budget's metric)")
    search.add_argument("--no-check", action="store_true", help="skip re-simulating the chosen plan")
    search.add_argument("-o", "--output", required=True, metavar="PLAN.csv",
                        help="the plan (hwsim run --precision format); PLAN-layers.csv, PLAN-check.csv, "
                             "PLAN-front.csv/.html beside it")
    add_scenario_arguments(search, generate=False)   # one step: no generate phase
    search.set_defaults(func=cmd_precision_search)

    sens = subparsers.add_parser("sensitivity", help="per-layer weight perturbation (and Omega) of an ONNX model "
                                                     "for each candidate precision")
    sens.add_argument("model", metavar="MODEL.onnx")
    sens.add_argument("--candidates", required=True, metavar="MIX,...", help="precision mixes, e.g. w4a4,w8a8,fp8")
    sens.add_argument("--hessian-traces", default=None, metavar="TRACES.csv",
                      help="layer,hessian_trace (Tr(H)/n per parameter): adds the omega column")
    sens.add_argument("-o", "--output", required=True, metavar="SENS.csv")
    sens.set_defaults(func=cmd_sensitivity)
