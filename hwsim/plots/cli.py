"""``hwsim plot roofline ACCEL WORKLOAD -o roofline.html``: the per-layer roofline of one run, as
one self-contained HTML page. Only argparse at import time (``hwsim --help`` stays light)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hwsim.errors import HwsimInputError


def add_subcommands(subparsers) -> None:
    # hwsim.cli is loaded when this runs (it calls us); its run-command helpers keep the flags of
    # `hwsim plot roofline` identical to `hwsim run`'s
    from hwsim import presets
    from hwsim.workload.scenario_args import add_scenario_arguments

    plot = subparsers.add_parser("plot", help="figures of one run as offline HTML (plotly.js inlined)")
    kinds = plot.add_subparsers(dest="figure", metavar="FIGURE", parser_class=type(plot))
    kinds.required = True
    roof = kinds.add_parser("roofline", help="per-layer roofline: arithmetic intensity vs achieved ops/s "
                                             "under the accelerator's compute and DRAM roofs")
    roof.add_argument("accelerator", help=f"preset name, spec YAML or SCALE-Sim .cfg (e.g. {presets.DEFAULT_ACCELERATOR})")
    roof.add_argument("workload", help=f"preset name, trace CSV, topology, model YAML or config.json "
                                       f"(e.g. {presets.DEFAULT_WORKLOAD})")
    roof.add_argument("-o", "--output", required=True, metavar="ROOFLINE.html", help="the HTML file to write")
    roof.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                      help="override a spec field, e.g. compute.rows=64 (repeatable)")
    roof.add_argument("--precision", metavar="CSV", help="per-layer precision file (as hwsim run)")
    for operand in ("weights", "activations", "outputs", "kv"):
        roof.add_argument(f"--{operand}", metavar="FMT", help=f"{operand} format for every layer (as hwsim run)")
    roof.add_argument("--native-pe", action="store_true",
                      help="make the PE run this run's formats natively (as hwsim run)")
    roof.add_argument("--title", default=None, help="the figure's title (default: accelerator and workload)")
    add_scenario_arguments(roof)
    try:   # the ONNX frontend's flags (--input-shape, ...), as hwsim run has them, where it is installed
        from hwsim.workload import onnx_cli
    except ImportError:
        onnx_cli = None
    if onnx_cli is not None:
        onnx_cli.add_onnx_arguments(roof)
    roof.set_defaults(func=cmd_plot_roofline)


def _checked_output(path_text: str) -> Path:
    from hwsim.outpaths import check_output_file

    check_output_file(path_text, "-o")   # too long, a folder, no folder, not writable: one line
    return Path(path_text)


def cmd_plot_roofline(args: argparse.Namespace) -> int:
    import hwsim
    from hwsim import cli
    from hwsim.plots.figures import write_html
    from hwsim.workload.scenario_args import scenario_workload
    from hwsim.plots.rooflines import accelerator_roof, roofline, roofline_table

    output = _checked_output(args.output)
    accel = hwsim.load_accelerator(args.accelerator, args.set)
    workload = scenario_workload(args)
    if args.precision:
        workload = hwsim.read_precision_plan(args.precision).apply(workload)
    precision = cli._precision_from_args(args)
    if args.native_pe:
        accel = hwsim.load_accelerator(args.accelerator,
                                       [*args.set, *cli.native_pe_overrides(accel, workload, precision)])
    result = hwsim.simulate(accel, workload, precision)
    peak, bandwidth = accelerator_roof(accel)
    title = args.title or f"roofline: {workload.name} on {accel.name}"
    try:
        write_html(roofline(result.layers, peak, bandwidth, title=title), output)
    except OSError as exc:   # what the checks cannot see ahead (a pseudo file system, a full disk)
        raise HwsimInputError(f"cannot write: {exc.strerror or exc}", source=str(output), field="-o") from None
    table = roofline_table(result.layers)
    drawn = int(table["drawn"].sum())
    memory = "unlimited DRAM bandwidth" if bandwidth is None else f"{bandwidth / 1e9:g} GB/s DRAM"
    sys.stdout.write(f"wrote {output} ({drawn} of {len(table)} layers drawn; roofs: "
                     f"{peak / 1e12:.4g} Tops/s, {memory})\n")
    return 0
