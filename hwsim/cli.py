"""The ``hwsim`` command: a thin layer over the Python API.

Bad input prints one line, ``hwsim: error: ...``, and exits 2; never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import sys
from pathlib import Path

from hwsim import presets
from hwsim.errors import HwsimInputError
from hwsim.inputs import cli_float, cli_int
from hwsim.workload.scenario_args import add_scenario_arguments, scenario_workload

EXIT_BAD_INPUT = 2

# subcommands that live beside the room they drive: each module defines
# add_subcommands(subparsers) and keeps its heavy imports inside the command function
_SUBCOMMAND_MODULES: tuple[str, ...] = ("hwsim.explore.cli", "hwsim.dse.precision_cli", "hwsim.plots.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        sys.stderr.write(f"hwsim: error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _precision_from_args(args: argparse.Namespace):
    from hwsim.formats import parse_format
    from hwsim.formats import Precision

    chosen = {}
    for operand in ("weights", "activations", "outputs", "kv"):
        value = getattr(args, operand, None)
        if value is not None:
            try:
                chosen[operand] = parse_format(value)
            except HwsimInputError as exc:
                raise HwsimInputError(exc.args[0], field=f"--{operand}") from None
    return Precision(**chosen) if chosen else None


def native_pe_overrides(accel, workload, precision) -> list[str]:
    """``--native-pe``: the PE runs the run's formats natively, with the accumulator they need,
    and the default precision follows the run's overrides, so no format needs a conversion or a
    second try. The rule is hwsim.dse.precision.native_pe_settings, which a sweep's precision
    axis uses too."""
    from hwsim.dse.precision import as_set_arguments, default_settings, native_formats, native_pe_settings, pe_context
    from hwsim.formats import Precision

    default = accel.default_precision
    if precision is not None:
        default = Precision(precision.weights or default.weights, precision.activations or default.activations,
                            precision.outputs or default.outputs, precision.kv or default.kv)
    b_formats, a_formats = native_formats([workload], default, precision)
    context = pe_context(accel)
    settings = native_pe_settings(context.pe_type, b_formats.values(), a_formats.values(),
                                  table_format=context.table_format, decomposable=context.decomposable)
    if precision is None:  # a plan that pins every layer leaves the default unused (precision-search plans)
        from hwsim.dse.precision_search import unused_default

        default = unused_default(workload, default)
    return as_set_arguments({**settings, **default_settings(default)})


def cmd_run(args: argparse.Namespace) -> int:
    import hwsim
    from hwsim.outpaths import check_output_folder

    if args.out:
        check_output_folder(args.out, "--out")
    accel = hwsim.load_accelerator(args.accelerator, args.set)
    workload = scenario_workload(args)
    if args.precision:
        workload = hwsim.read_precision_plan(args.precision).apply(workload)
    precision = _precision_from_args(args)
    if args.native_pe:
        accel = hwsim.load_accelerator(args.accelerator, [*args.set, *native_pe_overrides(accel, workload, precision)])
    result = hwsim.simulate(accel, workload, precision, engine=args.engine)
    fit = _warn_unless_it_fits(accel, workload, precision)
    if args.phase is not None and workload.llm is not None:
        return _report_llm(args, result, workload, fit)
    if args.out:
        result.write(args.out)
    if args.format == "csv":
        sys.stdout.write(result.to_csv())
    elif args.format == "json":
        sys.stdout.write(result.to_json())
    else:
        sys.stdout.write(result.format_table())
        if args.out:
            sys.stdout.write(f"wrote {Path(args.out) / 'layers.csv'} and {Path(args.out) / 'summary.json'}\n")
    return 0


def _warn_unless_it_fits(accel, workload, precision):
    """One line on stderr when the workload's DRAM footprint (hwsim/workload/footprint.py) is more
    than the design's DRAM capacity; the run's results stand. Returns the footprint and capacity
    (hwsim.drivers.llm_summary.MemoryFit) for the LLM summary."""
    from hwsim.drivers.llm_summary import memory_fit

    fit = memory_fit(accel, workload, precision)
    if not fit.fits:
        gib = lambda bits: f"{float(bits) / 2 ** 33:.3g} GiB"  # noqa: E731
        sys.stderr.write(f"hwsim: warning: {workload.name} does not fit in {accel.name}'s DRAM: it needs "
                         f"{gib(fit.total_bits)} (weights {gib(fit.weights_bits)}, KV cache {gib(fit.kv_bits)}, "
                         f"activations {gib(fit.activations_bits)}), the DRAM holds {gib(fit.capacity_bits)}\n")
    return fit


def _report_llm(args: argparse.Namespace, result, workload, fit) -> int:
    """--phase prefill|decode|generate: the serving summary (TTFT, TPOT, tokens/s, J/token, power,
    KV bytes, fits-memory) and the per-layer-kind digest by default; the per-layer table with
    --layers; every layer in layers.csv and --format csv (hwsim/drivers/llm_summary.py)."""
    from hwsim.drivers.llm_summary import LlmReport

    arch, scenario = workload.llm
    report = LlmReport(arch, scenario, result, fit)
    written = report.write(args.out) if args.out else None
    if args.format == "csv":
        sys.stdout.write(result.to_csv())
    elif args.format == "json":
        sys.stdout.write(report.to_json())
    else:
        if args.layers:
            sys.stdout.write(result.format_layers() + "\n")
        sys.stdout.write(report.format_summary() + "\n" + report.format_digest() + "\n" + result.format_totals())
        if written is not None:
            names = ["layers.csv", "summary.json", "layer_kinds.csv"]
            if scenario.phase == "generate":
                names += ["generate.json", "generate.csv"]
            sys.stdout.write("wrote " + ", ".join(str(written / n) for n in names) + "\n")
    return 0


def cmd_trace_llm(args: argparse.Namespace) -> int:
    from hwsim.workload.batch import layer_batch
    from hwsim.workload.trace import write_trace

    found = presets.all_workload_presets()
    if presets.resolve(args.workload, found, "workload").suffix.lower() != ".json":
        raise HwsimInputError("trace llm lowers a model config.json", source=args.workload, field="WORKLOAD",
                              allowed="a HuggingFace config.json or an llm/ preset (hwsim list)")
    if args.phase is None:
        raise HwsimInputError("a model config.json needs a phase", source=args.workload, field="--phase",
                              allowed="prefill, decode, generate")
    if args.output not in (None, "-"):
        from hwsim.outpaths import check_output_file

        check_output_file(args.output, "-o", inputs=(args.workload,))
    workload = scenario_workload(args)
    layer_batch(workload)   # the counts hwsim run would refuse (beyond 2^53) are not written either
    if write_trace(workload, args.output) is not None:
        sys.stdout.write(f"wrote {args.output}\n")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for kind, found in (("accelerator", presets.accelerator_presets()), ("workload", presets.workload_presets()),
                        ("llm-config", presets.llm_config_presets())):
        for name, path in found.items():
            rows.append((kind, name, presets.first_comment_line(path)))
    if not rows:
        raise HwsimInputError(f"no presets found: {presets.NO_PRESETS_HINT}")
    if args.format == "json":
        sys.stdout.write(json.dumps([{"kind": k, "name": n, "source": s} for k, n, s in rows], indent=2) + "\n")
    else:
        width = max(len(n) for _, n, _ in rows)
        for kind, name, source in rows:
            sys.stdout.write(f"{kind:<12} {name:<{width}}  {source}\n")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import hwsim

    info = hwsim.load_accelerator(args.accelerator, args.set).info()
    if args.format == "json":
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
    else:
        for key, value in info.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items())
            elif isinstance(value, float):
                value = f"{value:.6g}"
            sys.stdout.write(f"{key:<24} {value}\n")
    return 0


def _write_frame(frame, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False, float_format="%.6g"))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", indent=2) + "\n")
    else:
        sys.stdout.write(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}") + "\n")


def _tech_point(args: argparse.Namespace):
    from hwsim.tech.nodes import tech_point

    try:
        return tech_point(args.node, args.vdd)
    except HwsimInputError as exc:
        field = "--vdd" if exc.field == "supply_voltage_v" else "--node"
        raise HwsimInputError(exc.message, field=field, allowed=exc.allowed) from None


def cmd_tech(args: argparse.Namespace) -> int:
    from hwsim.tech.catalog import tech_table

    _write_frame(tech_table(_tech_point(args)), args.format)
    return 0


def cmd_pe(args: argparse.Namespace) -> int:
    from hwsim.pe.catalog import pe_table

    _write_frame(pe_table(_tech_point(args)), args.format)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from hwsim.costs import published_ratios
    from hwsim.pe.placement import placement_table
    from hwsim.tech import validation

    parts = {"factors": validation.factors, "residuals": validation.residuals, "ratios": published_ratios,
             "placement": placement_table}
    table = args.table or ("residuals" if args.format == "csv" else "all")
    chosen = list(parts) if table == "all" else [table]
    if args.format == "json":
        sys.stdout.write(json.dumps({name: parts[name]().to_dict(orient="records") for name in chosen}, indent=2) + "\n")
        return 0
    if args.format == "csv" and len(chosen) > 1:
        raise HwsimInputError("CSV holds one table", field="--table", allowed="factors, residuals, ratios, placement")
    for name in chosen:
        if args.format == "table":
            sys.stdout.write(f"# {name}\n")
        _write_frame(parts[name](), args.format)
        if args.format == "table":
            sys.stdout.write("\n")
    return 0


def cmd_pareto(args: argparse.Namespace) -> int:
    from hwsim.dse.pareto import front_paths, parse_objectives, pareto, read_table, write_front

    objectives = parse_objectives(args.objectives)
    parquet_path, csv_path = front_paths(args.table, args.output)
    table = read_table(args.table)
    try:
        front = pareto(table, objectives)
    except HwsimInputError as exc:
        raise exc.with_source(args.table) from None
    write_front(front, parquet_path, csv_path)
    sys.stdout.write(f"pareto: {len(table)} rows in, {len(front)} on the front; wrote {parquet_path} and {csv_path}\n")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from hwsim.dse.sweep import SweepInterrupted, sweep

    if not args.output.strip():   # '' would be the current folder
        raise HwsimInputError("an empty output folder name", field="-o", allowed="a folder path, e.g. -o out")
    again = f"finish it with: hwsim sweep {args.space} -o {args.output} --resume"
    executor, jobs, options = None, args.jobs, {}
    if args.dask_local is not None:
        executor, jobs = "dask", args.dask_local
    elif args.scheduler is not None:
        executor, options = "dask", {"scheduler": args.scheduler}
    try:
        sweep(args.space, args.output, resume=args.resume, jobs=jobs, executor=executor, executor_options=options,
              keep=args.keep, progress="quiet" if args.quiet else "auto")
    except SweepInterrupted as exc:
        sys.stderr.write(f"hwsim: sweep stopped: {exc}; {again}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write(f"hwsim: sweep interrupted; the chunks written so far are kept; {again}\n")
        return 130
    return 0


def _add_tech_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node", type=cli_float, default=45, help="technology node in nm, 5-130 (default 45)")
    parser.add_argument("--vdd", type=cli_float, default=None,
                        help="supply voltage in V (default 0.9, the voltage of the 45 nm calibration data)")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")


def build_parser() -> argparse.ArgumentParser:
    from hwsim.workload import onnx_cli  # argparse only (hwsim --help stays light)

    parser = _Parser(prog="hwsim", description="Simulate mixed-precision DNN/LLM accelerators.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="simulate a workload on an accelerator")
    run.add_argument("accelerator", nargs="?", default=presets.DEFAULT_ACCELERATOR,
                     help=f"preset name, spec YAML or SCALE-Sim .cfg (default {presets.DEFAULT_ACCELERATOR})")
    run.add_argument("workload", nargs="?", default=presets.DEFAULT_WORKLOAD,
                     help=f"preset name, trace CSV, SCALE-Sim topology or model YAML (default {presets.DEFAULT_WORKLOAD})")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a spec field, e.g. compute.rows=64 (repeatable)")
    run.add_argument("--format", choices=("table", "csv", "json"), default="table",
                     help="stdout: per-layer table + summary (LLM phases: the serving summary and a per-layer-kind "
                          "digest), per-layer CSV, or summary JSON")
    run.add_argument("--out", default="hwsim-out", help="folder for layers.csv and summary.json ('' to skip)")
    run.add_argument("--precision", metavar="CSV",
                     help="per-layer precision file: layer name or glob -> weights/activations/outputs/kv formats")
    for operand in ("weights", "activations", "outputs", "kv"):
        run.add_argument(f"--{operand}", metavar="FMT",
                         help=f"{operand} format for every layer, e.g. int4, fp8_e4m3, mxfp4, int4@g128, 5.25 "
                              "(wins over the trace and --precision)")
    run.add_argument("--native-pe", action="store_true",
                     help="make the PE run this run's formats natively, with the accumulator they need")
    run.add_argument("--engine", choices=("analytic", "event"), default="analytic",
                     help="analytic: closed form over all layers; event: PIM layers timed by the SimPy "
                          "event engine (DRAM commands per channel, refresh, host overlap), the rest as analytic")
    run.add_argument("--layers", action="store_true",
                     help="LLM phases: print the full per-layer table too (the default is the summary and a "
                          "per-layer-kind digest; layers.csv always has every layer)")
    add_scenario_arguments(run)
    onnx_cli.add_onnx_arguments(run)
    run.set_defaults(func=cmd_run)

    trace = sub.add_parser("trace", help="write a native trace CSV from a model description")
    trace_kinds = trace.add_subparsers(dest="trace_kind", required=True, parser_class=_Parser)
    llm = trace_kinds.add_parser("llm", help="a HuggingFace config.json lowered for one scenario")
    llm.add_argument("workload", metavar="CONFIG", help="config.json or an llm/... preset (hwsim list)")
    add_scenario_arguments(llm)
    llm.add_argument("-o", "--output", default=None, metavar="CSV", help="trace file (default: stdout)")
    llm.set_defaults(func=cmd_trace_llm)
    onnx_cli.add_trace_onnx(trace_kinds)

    lst = sub.add_parser("list", help="accelerator and workload presets with their sources")
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(func=cmd_list)

    info = sub.add_parser("info", help="derived facts of an accelerator (peak TOPS, area, SRAM, bandwidth)")
    info.add_argument("accelerator")
    info.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    info.add_argument("--format", choices=("table", "json"), default="table")
    info.set_defaults(func=cmd_info)

    tech = sub.add_parser("tech", help="energy, area, leakage and delay of every primitive and arithmetic unit")
    _add_tech_arguments(tech)
    tech.set_defaults(func=cmd_tech)

    pe = sub.add_parser("pe", help="MAC PE cost for every supported (weight, activation, accumulator) format")
    _add_tech_arguments(pe)
    pe.set_defaults(func=cmd_pe)

    cal = sub.add_parser("calibrate", help="calibration factors, residuals against published numbers, ratios, "
                                           "the place-and-route area fit")
    cal.add_argument("--format", choices=("table", "csv", "json"), default="table")
    cal.add_argument("--table", choices=("all", "factors", "residuals", "ratios", "placement"), default=None,
                     help="which table; default all (csv: residuals, one table per CSV)")
    cal.set_defaults(func=cmd_calibrate)

    par = sub.add_parser("pareto", help="the Pareto front of a results table (a sweep's Parquet folder, .parquet or .csv)")
    par.add_argument("table", metavar="OUT", help="a Parquet dataset folder (a sweep's OUT), a .parquet or a .csv file")
    par.add_argument("--objectives", required=True, metavar="COL:DIR,...",
                     help="objective columns with min or max, e.g. latency_s:min,energy_pj:min,area_mm2:min")
    par.add_argument("-o", "--output", default=None, metavar="FRONT",
                     help="writes FRONT.parquet and FRONT.csv (default: OUT-pareto beside OUT)")
    par.set_defaults(func=cmd_pareto)

    swp = sub.add_parser("sweep", help="evaluate a design space from a sweep spec into a resumable Parquet folder")
    swp.add_argument("space", metavar="SPACE.yaml", help="sweep spec (docs/sweep-spec.md)")
    swp.add_argument("-o", "--output", required=True, metavar="OUT",
                     help="output folder: Parquet parts + _manifest.json (pandas.read_parquet(OUT) reads it)")
    swp.add_argument("--resume", action="store_true", help="finish the interrupted sweep OUT holds (same spec)")
    where = swp.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=cli_int, default=None, metavar="N",
                       help="N worker processes, one chunk per task (default: this process)")
    where.add_argument("--dask-local", type=cli_int, default=None, metavar="N",
                       help="a Dask LocalCluster of N worker processes on 127.0.0.1 (the 'dask' extra)")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="run the chunks on the Dask cluster whose scheduler is there (the 'dask' extra)")
    swp.add_argument("--keep", choices=("all", "feasible", "pareto"), default="all",
                     help="rows written: every point (default), the feasible ones (the others counted in "
                          "the manifest), or the Pareto front of the spec's objectives (front.parquet)")
    swp.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    swp.set_defaults(func=cmd_sweep)

    for module_name in _SUBCOMMAND_MODULES:
        # each adds its own subcommand(s); these modules import only argparse at top level, so
        # `hwsim --help` stays free of numpy, pandas and numba
        importlib.import_module(module_name).add_subcommands(sub)
    return parser


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    """The parser, built once per process (~5 ms; parsing never changes it), for main's calls."""
    return build_parser()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except HwsimInputError as exc:
        sys.stderr.write(f"hwsim: error: {' '.join(str(exc).split())}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
