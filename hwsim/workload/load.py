"""Workloads by preset name or file: the loader behind ``hwsim.load_workload`` (in the workload
floor, so the engine can resolve a workload name without importing the package above it)."""

from __future__ import annotations

from hwsim.workload.layer import Workload


def load_workload(name_or_path: str, phase: str | None = None, seq_len: int | None = None,
                  kv_len: int | None = None, batch: int | None = None, prompt: int | None = None,
                  new_tokens: int | None = None, gemm_only: bool = False, expand_repeats: bool = False,
                  input_shapes: dict | None = None, skip_unsupported: bool = False,
                  allow_long_context: bool = False, moe_routing: str | None = None,
                  mla_form: str | None = None) -> Workload:
    """A workload from a preset name (see ``hwsim list``) or a trace / topology / model-config file.

    A HuggingFace ``config.json`` (or an ``llm/...`` preset) describes a model, not a run: it needs
    ``phase`` ('prefill' with ``seq_len``, 'decode' with ``kv_len``, 'generate' with ``prompt``
    and ``new_tokens``), at ``batch`` sequences, vector ops left out with ``gemm_only``. Other
    files refuse these arguments (docs/workloads-llm.md). ``expand_repeats``: every layer with a
    repeat count n becomes n named instances ``<name>#<i>`` (hwsim/workload/expand.py).
    An ``.onnx`` model takes ``input_shapes`` ({input: (dims...)}), ``batch`` (its dynamic leading
    dimensions) and ``skip_unsupported`` (docs/onnx.md).
    """
    from numbers import Integral

    from hwsim import presets
    from hwsim.errors import HwsimInputError, require_flag
    from hwsim.workload.frontends import load_workload_file
    from hwsim.workload.llm import Scenario

    # numpy's integers are integers; flags are booleans, never truthy text ("no" is true in Python)
    counts = {"seq_len": seq_len, "kv_len": kv_len, "batch": batch, "prompt": prompt, "new_tokens": new_tokens}
    seq_len, kv_len, batch, prompt, new_tokens = (
        int(v) if isinstance(v, Integral) and not isinstance(v, bool) else v for v in counts.values())
    for name, flag in (("gemm_only", gemm_only), ("expand_repeats", expand_repeats),
                       ("skip_unsupported", skip_unsupported), ("allow_long_context", allow_long_context)):
        require_flag(flag, name)
    if input_shapes is not None and not isinstance(input_shapes, dict):
        raise HwsimInputError(f"{type(input_shapes).__name__} is not a mapping of inputs to shapes",
                              field="input_shapes", allowed="{input name: (d1, d2, ...) or 'd1xd2x...'}")
    # LLM scenario options beyond the phase (docs/workloads-llm.md), for a config.json only
    llm_options = {"allow_long_context": allow_long_context, "moe_routing": moe_routing, "mla_form": mla_form}
    llm_given = [k for k, v in llm_options.items() if v not in (None, False)]

    found = presets.all_workload_presets()
    path = presets.resolve(name_or_path, found, "workload")
    given = phase is not None or seq_len is not None or kv_len is not None or batch not in (None, 1) \
        or prompt is not None or new_tokens is not None or gemm_only or bool(llm_given)
    if llm_given and path.suffix.lower() != ".json":
        raise HwsimInputError("applies only to a model config.json", source=str(path), field=llm_given[0])
    if path.suffix.lower() == ".onnx":
        from hwsim.workload.frontends.onnx import load_onnx_workload, refuse_scenario

        refuse_scenario(path, phase, seq_len, kv_len, prompt, new_tokens, gemm_only)
        workload = load_onnx_workload(path, input_shapes, batch, skip_unsupported)
        if expand_repeats:
            from hwsim.workload.expand import expand_repeats as expand

            workload = expand(workload)
        return workload
    if input_shapes or skip_unsupported:
        flag = "input_shapes (--input-shape)" if input_shapes else "skip_unsupported (--skip-unsupported)"
        raise HwsimInputError("applies only to an .onnx model", source=str(path), field=flag)
    scenario = None
    if given:
        if phase is None and path.suffix.lower() == ".json":
            raise HwsimInputError("a model config.json needs a phase", source=str(path), field="phase",
                                  allowed="prefill, decode, generate")
        scenario = Scenario(phase, 1 if batch is None else batch, seq_len, kv_len, prompt, new_tokens, gemm_only,
                            **llm_options)
    workload = load_workload_file(path, scenario)
    if expand_repeats:
        from hwsim.workload.expand import expand_repeats as expand

        workload = expand(workload)
    return workload
