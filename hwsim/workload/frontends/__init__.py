"""Workload frontends behind one registry: each knows how to recognise and read its files.

Add a frontend by appending a ``Frontend`` to ``FRONTENDS``; ``load_workload`` tries them in order.
A HuggingFace ``config.json`` describes a model, not a run: it needs a scenario (phase, lengths,
batch), which ``load_workload_file`` passes to ``hf_config.load_hf_workload``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hwsim.errors import HwsimInputError
from hwsim.workload import trace
from hwsim.workload.frontends import hf_config, scalesim_topology, transformer
from hwsim.workload.layer import Workload
from hwsim.workload.llm import Scenario
from hwsim.yamlio import load_yaml_file


@dataclass(frozen=True)
class Frontend:
    name: str
    description: str
    recognises: Callable[[Path], bool]
    load: Callable[[Path], Workload]


def _first_line(path: Path) -> str:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip() and not line.lstrip().startswith("#"):
                    return line
    except (OSError, UnicodeDecodeError) as exc:
        raise HwsimInputError(f"cannot read workload: {exc}", source=str(path)) from None
    return ""


def _is_native(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and trace.is_native_header(_first_line(path).split(","))


def _is_topology(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and scalesim_topology.detect(_first_line(path)) is not None


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def _load_yaml_model(path: Path) -> Workload:
    data = load_yaml_file(path)
    if not isinstance(data, dict) or "kind" not in data:
        raise HwsimInputError("a workload YAML needs a 'kind'", source=str(path),
                              allowed="transformer_encoder, transformer_decoder")
    if data["kind"] in ("transformer_encoder", "transformer_decoder"):
        return transformer.load_transformer(path, data)
    raise HwsimInputError(f"unknown workload kind '{data['kind']}'", source=str(path), field="kind",
                          allowed="transformer_encoder, transformer_decoder")


def _is_json(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def _hf_needs_a_phase(path: Path) -> Workload:
    raise HwsimInputError("a model config.json needs a phase", source=str(path), field="phase",
                          allowed="prefill, decode, generate (with seq_len / kv_len / prompt + new_tokens)")


FRONTENDS: list[Frontend] = [
    Frontend("native", "hwsim trace CSV (header starts 'name,op')", _is_native, trace.read_trace),
    Frontend("scalesim", "SCALE-Sim topology CSV (conv or 'Layer, M, N, K')", _is_topology,
             scalesim_topology.read_topology),
    Frontend("model-config", "transformer model config YAML", _is_yaml, _load_yaml_model),
    Frontend("hf-config", "HuggingFace config.json (with a phase)", _is_json, _hf_needs_a_phase),
]


def _first_set(scenario) -> str:
    """The first scenario argument given (not at its default): the one the refusal names."""
    import dataclasses

    for f in dataclasses.fields(scenario):
        value = getattr(scenario, f.name)
        if value is not None and value != f.default:
            return f.name
    return "phase"


def load_workload_file(path: str | Path, scenario: Scenario | None = None) -> Workload:
    """The workload of ``path``; ``scenario`` is required by (and only allowed for) a config.json."""
    path = Path(path)
    if not path.is_file():
        raise HwsimInputError("no such workload file", source=str(path))
    if _is_json(path) and scenario is not None:
        return hf_config.load_hf_workload(path, scenario)
    if scenario is not None:
        raise HwsimInputError("phase, seq_len, kv_len, batch, prompt, new_tokens and gemm_only apply only to a "
                              "model config.json", source=str(path), field=_first_set(scenario),
                              allowed="a HuggingFace config.json (e.g. workloads/llm/llama-2-7b.json)")
    for frontend in FRONTENDS:
        if frontend.recognises(path):
            return frontend.load(path)
    raise HwsimInputError("unrecognised workload file", source=str(path),
                          allowed="; ".join(f.description for f in FRONTENDS))
