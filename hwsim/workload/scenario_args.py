"""The workload-scenario command-line flags every command that loads a workload shares (``hwsim
run``, ``trace llm``, ``plot roofline``, ``precision-search``): LLM phases and their lengths, MoE
routing, MLA form, repeats as instances (docs/workloads-llm.md), and the loader that turns them into
``load_workload`` arguments, an error naming the flag it came from.

Only argparse at top level: ``hwsim --help`` must not import numpy, pandas or numba.
"""

from __future__ import annotations

import argparse

from hwsim.errors import HwsimInputError
from hwsim.inputs import cli_int

# load_workload's argument -> the flag that sets it
SCENARIO_FLAGS = {"phase": "--phase", "seq_len": "--seq-len", "kv_len": "--kv-len", "batch": "--batch",
                  "prompt": "--prompt", "new_tokens": "--new-tokens", "gemm_only": "--gemm-only",
                  "allow_long_context": "--allow-long-context", "moe_routing": "--moe-routing", "mla_form": "--mla-form",
                  "expand_repeats": "--expand-repeats"}
# the arguments that are switches: the flag alone when true
SCENARIO_SWITCHES = ("gemm_only", "allow_long_context", "expand_repeats")


def add_scenario_arguments(parser: argparse.ArgumentParser, *, generate: bool = True) -> None:
    """The scenario flags; ``generate=False`` for commands that take one step (no generate phase,
    no --prompt or --new-tokens)."""
    if generate:
        parser.add_argument("--phase", choices=("prefill", "decode", "generate"), default=None,
                            help="model config.json only: prefill (--seq-len), decode (--kv-len) or generate "
                                 "(--prompt, --new-tokens)")
    else:
        parser.add_argument("--phase", choices=("prefill", "decode"), default=None,
                            help="model config.json only: prefill (--seq-len) or decode (--kv-len)")
    parser.add_argument("--seq-len", type=cli_int, default=None, metavar="S", help="prefill: tokens per sequence")
    parser.add_argument("--kv-len", type=cli_int, default=None, metavar="L", help="decode: tokens already in the KV cache")
    parser.add_argument("--batch", type=cli_int, default=None, metavar="B", help="sequences processed together (default 1)")
    if generate:
        parser.add_argument("--prompt", type=cli_int, default=None, metavar="P", help="generate: prompt tokens")
        parser.add_argument("--new-tokens", type=cli_int, default=None, metavar="N", help="generate: decode steps")
    parser.add_argument("--gemm-only", action="store_true", help="leave out the vector ops (norms, softmax, ...)")
    parser.add_argument("--allow-long-context", action="store_true",
                        help="run a context beyond the limit the config states (max_position_embeddings or its "
                             "rope-scaled length)")
    parser.add_argument("--moe-routing", default=None, metavar="MODEL",
                        help="MoE models: experts touched per step: upper (min(E, B*k), default), expected "
                             "(uniform random routing, E*(1-(1-k/E)^B)) or a routing-histogram .json")
    parser.add_argument("--mla-form", choices=("absorbed", "naive"), default=None,
                        help="MLA models (DeepSeek-V2/V3): decode attention absorbed into the latent (default) or "
                             "naive (expand the cached latent every step)")
    parser.add_argument("--expand-repeats", action="store_true",
                        help="a layer repeated n times becomes n named instances <name>#0..#n-1 (any workload)")


def scenario_workload(args: argparse.Namespace):
    """``args.workload`` loaded with the scenario (and ONNX) flags given; an error in one names
    its flag."""
    from hwsim.workload.load import load_workload
    from hwsim.workload.onnx_cli import onnx_load_arguments, report_skipped

    given = {name: getattr(args, name) for name in SCENARIO_FLAGS
             if getattr(args, name, None) is not None and getattr(args, name, None) is not False}
    try:
        workload = load_workload(args.workload, **given, **onnx_load_arguments(args))
    except HwsimInputError as exc:
        # a model YAML holds its own scenario (and takes no flags): its errors are the file's fields
        from_file = str(exc.source or "").lower().endswith((".yaml", ".yml")) and exc.field not in given
        if exc.field in SCENARIO_FLAGS and not from_file:
            raise HwsimInputError(exc.message, source=exc.source, field=SCENARIO_FLAGS[exc.field],
                                  allowed=exc.allowed) from None
        raise
    report_skipped(workload)  # an .onnx run with --skip-unsupported: one note on stderr
    return workload
