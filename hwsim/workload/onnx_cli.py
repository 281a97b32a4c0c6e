"""The ONNX frontend's command-line pieces: ``hwsim trace onnx`` and the ``hwsim run`` flags.

argparse only at top level, and outside hwsim.workload.frontends (whose package imports pydantic):
``hwsim --help`` must stay light. The loader itself is hwsim/workload/frontends/onnx/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hwsim.inputs import cli_int


def add_onnx_arguments(parser: argparse.ArgumentParser, with_batch: bool = False) -> None:
    """--input-shape (repeatable) and --skip-unsupported; --batch too where the parser lacks it."""
    parser.add_argument("--input-shape", action="append", default=None, metavar="NAME=D1xD2x...",
                        help=".onnx only: bind a model input's dynamic dimensions, e.g. images=1x3x224x224 "
                             "(repeatable)")
    parser.add_argument("--skip-unsupported", action="store_true",
                        help=".onnx only: leave out nodes of op types hwsim cannot place, counted and reported, "
                             "instead of refusing the model")
    if with_batch:
        parser.add_argument("--batch", type=cli_int, default=None, metavar="B",
                            help="binds every input's dynamic leading (batch) dimension")


def onnx_load_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The load_workload keyword arguments the ONNX flags given on the command line make."""
    out: dict[str, Any] = {}
    shapes = getattr(args, "input_shape", None)
    if shapes:
        from hwsim.errors import HwsimInputError
        from hwsim.workload.frontends.onnx.graph import parse_input_shape

        parsed: dict[str, tuple[int, ...]] = {}
        for text in shapes:
            name, dims = parse_input_shape(text)
            if name in parsed:
                raise HwsimInputError(f"input '{name}' is given twice", field="--input-shape")
            parsed[name] = dims
        out["input_shapes"] = parsed
    if getattr(args, "skip_unsupported", False):
        out["skip_unsupported"] = True
    return out


def report_skipped(workload: Any) -> None:
    """One stderr line when --skip-unsupported left nodes out (the trace's source records it too)."""
    marker = "; skipped unsupported: "
    source = getattr(workload, "source", "") or ""
    if marker in source:
        sys.stderr.write(f"hwsim: note: {workload.name}: left out unsupported ONNX nodes: "
                         f"{source.split(marker, 1)[1].rstrip(')')}\n")


def cmd_trace_onnx(args: argparse.Namespace) -> int:
    from hwsim.errors import HwsimInputError
    from hwsim.workload.trace import write_trace

    if args.output not in (None, "-"):
        from hwsim.outpaths import check_output_file

        check_output_file(args.output, "-o", inputs=(args.model,))
    if Path(args.model).suffix.lower() != ".onnx":
        raise HwsimInputError("hwsim trace onnx reads an .onnx model", source=args.model)
    from hwsim.workload.frontends.onnx import load_onnx_workload

    kwargs = onnx_load_arguments(args)
    workload = load_onnx_workload(args.model, kwargs.get("input_shapes"), args.batch,
                                  kwargs.get("skip_unsupported", False), merge=args.merge_repeats)
    report_skipped(workload)
    from hwsim.workload.batch import layer_batch

    layer_batch(workload)   # the counts hwsim run would refuse (beyond 2^53) are not written either
    if write_trace(workload, args.output) is not None:
        sys.stdout.write(f"wrote {args.output}: {len(workload.layers)} layers, {workload.macs:,} MACs\n")
    return 0


def add_trace_onnx(trace_kinds: Any) -> None:
    """The ``hwsim trace onnx MODEL.onnx -o trace.csv`` subcommand."""
    onnx = trace_kinds.add_parser("onnx", help="an ONNX model lowered to a native trace (docs/onnx.md)")
    onnx.add_argument("model", metavar="MODEL.onnx", help="the ONNX model file")
    add_onnx_arguments(onnx, with_batch=True)
    onnx.add_argument("--merge-repeats", action="store_true",
                      help="a block of identical consecutive layers repeated r times becomes one block with "
                           "count r")
    onnx.add_argument("-o", "--output", default=None, metavar="CSV", help="trace file (default: stdout)")
    onnx.set_defaults(func=cmd_trace_onnx)
