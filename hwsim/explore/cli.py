"""``hwsim explore``: the offline explorer of a sweep (``OUT -o explorer.html``), or the live
server (``--serve``, hwsim/explore/serve.py). Only argparse at import time."""

from __future__ import annotations

import argparse

from hwsim.errors import HwsimInputError
from hwsim.inputs import cli_int

# the live server's default interface: this machine only (docs/explorer.md)
DEFAULT_HOST = "127.0.0.1"


def _at_least(minimum: int):
    """An argparse type: an integer >= ``minimum`` (one message for every value below it)."""
    def count(text: str) -> int:
        value = cli_int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is not allowed (allowed: an integer >= {minimum})")
        return value
    return count


def add_subcommands(subparsers) -> None:
    from hwsim.explore import limits

    exp = subparsers.add_parser(
        "explore", help="an offline HTML explorer of a sweep (linked parallel coordinates, Pareto scatter, "
                        "scatter matrix, breakdowns), or the live server with --serve")
    exp.add_argument("sweep", metavar="OUT", nargs="?", default=None,
                     help="a sweep's output folder (hwsim sweep SPACE.yaml -o OUT)")
    exp.add_argument("-o", "--output", default=None, metavar="EXPLORER.html", help="the HTML file to write")
    exp.add_argument("--objectives", default=None, metavar="COL:DIR,...",
                     help="objective columns with min or max (default: the sweep spec's objectives)")
    exp.add_argument("--max-rows", type=_at_least(1), default=limits.MAX_ROWS, metavar="N",
                     help=f"rows drawn at most: the front and a seeded sample (default {limits.MAX_ROWS})")
    exp.add_argument("--breakdowns", type=_at_least(0), default=limits.BREAKDOWNS, metavar="N",
                     help=f"designs re-simulated and embedded at most, front first (default {limits.BREAKDOWNS})")
    exp.add_argument("--serve", action="store_true", help="start the live explorer (Dash) instead of writing a file")
    exp.add_argument("--host", default=None, help=f"--serve: interface to bind (default {DEFAULT_HOST})")
    exp.add_argument("--port", type=cli_int, default=None, help="--serve: port (default: a free one)")
    exp.set_defaults(func=cmd_explore)


# the options each mode reads: the other mode's, given, would be ignored, so they are refused
SERVE_ONLY = (("--host", "host"), ("--port", "port"))
FILE_ONLY = (("-o", "output"), ("--objectives", "objectives"))


def cmd_explore(args: argparse.Namespace) -> int:
    given = SERVE_ONLY if not args.serve else FILE_ONLY
    for flag, name in given:
        if getattr(args, name) is not None:
            mode = "the live server (--serve)" if not args.serve else "the HTML file (without --serve)"
            raise HwsimInputError(f"{flag} is read only by {mode}", field=flag,
                                  allowed="--host and --port with --serve; -o and --objectives without it")
    if args.serve:
        from hwsim.explore.serve import serve

        return serve(args)
    if args.sweep is None:
        raise HwsimInputError("no sweep folder given", field="OUT", allowed="hwsim explore OUT -o explorer.html")
    if args.output is None:
        raise HwsimInputError("no output file given", field="-o", allowed="an .html path, e.g. -o explorer.html")
    from hwsim.dse.pareto import parse_objectives
    from hwsim.explore.html import write_explorer

    objectives = parse_objectives(args.objectives) if args.objectives else None
    path = write_explorer(args.sweep, args.output, objectives=objectives, max_rows=args.max_rows,
                          breakdowns=args.breakdowns)
    print(f"explorer: {path}")
    return 0
