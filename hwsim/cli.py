"""The ``hwsim`` command: a thin layer over the Python API.

Bad input prints one line, ``hwsim: error: ...``, and exits 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hwsim import presets
from hwsim.errors import HwsimInputError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too)
        sys.stderr.write(f"hwsim: error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _precision_from_args(args: argparse.Namespace):
    from hwsim.formats import parse_format
    from hwsim.workload.layer import Precision

    chosen = {}
    for operand in ("weights", "activations", "outputs", "kv"):
        value = getattr(args, operand, None)
        if value is not None:
            try:
                chosen[operand] = parse_format(value)
            except HwsimInputError as exc:
                raise HwsimInputError(exc.args[0], field=f"--{operand}") from None
    return Precision(**chosen) if chosen else None


def cmd_run(args: argparse.Namespace) -> int:
    import hwsim

    accel = hwsim.load_accelerator(args.accelerator, args.set)
    workload = hwsim.load_workload(args.workload)
    result = hwsim.simulate(accel, workload, _precision_from_args(args))
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


def cmd_list(args: argparse.Namespace) -> int:
    rows = []
    for kind, found in (("accelerator", presets.accelerator_presets()), ("workload", presets.workload_presets())):
        for name, path in found.items():
            rows.append((kind, name, presets.first_comment_line(path)))
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


def build_parser() -> argparse.ArgumentParser:
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
                     help="stdout: per-layer table + summary, per-layer CSV, or summary JSON")
    run.add_argument("--out", default="hwsim-out", help="folder for layers.csv and summary.json ('' to skip)")
    for operand in ("weights", "activations", "outputs", "kv"):
        run.add_argument(f"--{operand}", metavar="FMT", help=f"{operand} format for every layer (e.g. int8, fp16)")
    run.set_defaults(func=cmd_run)

    lst = sub.add_parser("list", help="accelerator and workload presets with their sources")
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(func=cmd_list)

    info = sub.add_parser("info", help="derived facts of an accelerator (peak TOPS, area, SRAM, bandwidth)")
    info.add_argument("accelerator")
    info.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    info.add_argument("--format", choices=("table", "json"), default="table")
    info.set_defaults(func=cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HwsimInputError as exc:
        sys.stderr.write(f"hwsim: error: {' '.join(str(exc).split())}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
