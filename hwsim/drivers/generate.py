"""``hwsim.generate``: prefill a prompt, then decode new tokens, in one ``simulate`` call.

A driver above the engine: it builds the workload (hwsim/workload/llm.py) and calls
``simulate``, which the workload package, one floor below the engine, may not.

The generate workload (``hwsim/workload/llm.py``) names its layers ``prefill/...`` and
``decode...``, so the per-layer Result splits into time to first token (the prefill, LM head of
the last prompt position included) and the decode steps:

* time_per_output_token_s = decode latency / N (mean over the N steps),
* tokens_per_s = batch x N / decode latency,
* energy_per_token_pj = (prefill + decode energy) / (batch x N); decode_energy_per_token_pj
  leaves the prefill out; the same in joules as energy_per_token_j and decode_energy_per_token_j
  (what ``hwsim run`` prints: hwsim/drivers/llm_summary.py),
* average_power_w = all energy / all latency (static power included),
* peak_kv_bytes = sum over blocks of tokens_b x (2 x kv_heads x head_dim, or MLA's
  kv_lora_rank + qk_rope_head_dim) x batch x kv_bits / 8 with tokens_b = P + N, or the block's
  sliding window if smaller (a rolling-buffer cache holds only the window, Jiang et al. 2023,
  Sec. 2; Gemma-2/3 and gpt-oss alternate windowed and full blocks), and kv_bits the bits per
  element of the run's KV format.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from hwsim.formats import Precision, parse_format
from hwsim.workload.llm import Scenario, build_llm, check_scenario
from hwsim.workload.llm_arch import LlmArch


@dataclass
class GenerateResult:
    arch: LlmArch
    scenario: Scenario
    result: object  # hwsim.results.Result of the whole generation, one row per layer

    def _part(self, prefill: bool):
        names = self.result.layers["layer"]
        return self.result.layers[names.str.startswith("prefill/") == prefill]

    @property
    def kv_format(self) -> str:
        rows = self.result.layers[self.result.layers["layer"].str.endswith("/attn_qk")]
        return str(rows["kv_format"].iloc[0])

    @property
    def kv_bits(self) -> float:
        return parse_format(self.kv_format).bits_per_element

    @property
    def time_to_first_token_s(self) -> float:
        return float(self._part(True)["latency_s"].to_numpy().sum())

    @property
    def decode_time_s(self) -> float:
        return float(self._part(False)["latency_s"].to_numpy().sum())

    @property
    def time_per_output_token_s(self) -> float:
        return self.decode_time_s / self.scenario.new_tokens

    @property
    def tokens_per_s(self) -> float:
        return self.scenario.batch * self.scenario.new_tokens / self.decode_time_s

    @property
    def prefill_energy_pj(self) -> float:
        return float(self._part(True)["energy_pj"].to_numpy().sum())

    @property
    def decode_energy_pj(self) -> float:
        return float(self._part(False)["energy_pj"].to_numpy().sum())

    @property
    def energy_per_token_pj(self) -> float:
        return (self.prefill_energy_pj + self.decode_energy_pj) / (self.scenario.batch * self.scenario.new_tokens)

    @property
    def average_power_w(self) -> float:
        """Derived: all energy / all latency (the energy holds static power x latency)."""
        return self.result.summary()["power_w"]

    @property
    def peak_kv_tokens(self) -> int:
        tokens = self.scenario.prompt + self.scenario.new_tokens
        return min(tokens, self.arch.sliding_window) if self.arch.sliding_window else tokens

    @property
    def peak_kv_bytes(self) -> float:
        # per block: a sliding-window block holds min(P + N, W) tokens (Gemma-2/3, gpt-oss alternate);
        # MLA blocks hold the latent + rotary key (LlmArch.kv_cache_elements)
        tokens = self.scenario.prompt + self.scenario.new_tokens
        return self.arch.kv_cache_elements(tokens) * self.scenario.batch * self.kv_bits / 8

    def summary(self) -> dict:
        s = self.scenario
        return {
            "model": self.arch.name, "accelerator": self.result.accelerator,
            "prompt_tokens": s.prompt, "new_tokens": s.new_tokens, "batch": s.batch,
            "time_to_first_token_s": self.time_to_first_token_s,
            "time_per_output_token_s": self.time_per_output_token_s,
            "tokens_per_s": self.tokens_per_s,
            "energy_per_token_pj": self.energy_per_token_pj,
            "decode_energy_per_token_pj": self.decode_energy_pj / (s.batch * s.new_tokens),
            "energy_per_token_j": self.energy_per_token_pj * 1e-12,
            "decode_energy_per_token_j": self.decode_energy_pj * 1e-12 / (s.batch * s.new_tokens),
            "average_power_w": self.average_power_w,
            "prefill_energy_pj": self.prefill_energy_pj, "decode_energy_pj": self.decode_energy_pj,
            "decode_time_s": self.decode_time_s,
            "peak_kv_bytes": self.peak_kv_bytes, "peak_kv_tokens": self.peak_kv_tokens,
            "kv_format": self.kv_format, "kv_bits": self.kv_bits,
        }

    def to_json(self) -> str:
        return json.dumps({"generate": self.summary(), "totals": self.result.summary()}, indent=2) + "\n"

    def to_csv(self) -> str:
        """The generate summary as a one-row CSV."""
        out = io.StringIO()
        summary = self.summary()
        writer = csv.DictWriter(out, fieldnames=list(summary), lineterminator="\n")
        writer.writeheader()
        writer.writerow({k: f"{v:.10g}" if isinstance(v, float) else v for k, v in summary.items()})
        return out.getvalue()

    def write(self, out_dir: str | Path) -> Path:
        """layers.csv and summary.json as ``Result.write``, plus generate.csv and generate.json."""
        from hwsim.results import write_files

        return write_files(out_dir, {"layers.csv": self.result.to_csv(), "summary.json": self.result.to_json(),
                                     "generate.json": self.to_json(), "generate.csv": self.to_csv()})

    def format_summary(self) -> str:
        s = self.summary()
        return (f"generate {s['model']}: prompt {s['prompt_tokens']}, new tokens {s['new_tokens']}, "
                f"batch {s['batch']}\n"
                f"time_to_first_token_s {s['time_to_first_token_s']:.6g}  "
                f"time_per_output_token_s {s['time_per_output_token_s']:.6g}  tokens_per_s {s['tokens_per_s']:.6g}\n"
                f"energy_per_token_j {s['energy_per_token_j']:.6g}  (decode only "
                f"{s['decode_energy_per_token_j']:.6g})  average_power_w {s['average_power_w']:.6g}\n"
                f"peak_kv_bytes {s['peak_kv_bytes']:.6g}  ({s['peak_kv_tokens']} tokens x batch {s['batch']}, "
                f"kv {s['kv_format']} = {s['kv_bits']:g} bits)\n")


def generate(accelerator, config_path, prompt: int, new_tokens: int, batch: int = 1,
             precision: Precision | None = None, gemm_only: bool = False,
             engine: str = "analytic", allow_long_context: bool = False, moe_routing: str | None = None,
             mla_form: str | None = None) -> GenerateResult:
    """Simulate prefilling ``prompt`` tokens and decoding ``new_tokens`` steps of the model in
    ``config_path`` (a HuggingFace config.json or an ``llm/...`` preset) at ``batch`` sequences.
    ``allow_long_context``, ``moe_routing`` and ``mla_form`` as for ``load_workload``
    (docs/workloads-llm.md)."""
    from hwsim import presets
    from hwsim.engine.analytical import simulate
    from hwsim.workload.frontends.hf_config import read_hf_config

    path = presets.resolve(config_path, presets.llm_config_presets(), "model config")
    arch = read_hf_config(path)
    scenario = check_scenario(arch, Scenario("generate", batch, prompt=prompt, new_tokens=new_tokens,
                                             gemm_only=gemm_only, allow_long_context=allow_long_context,
                                             moe_routing=moe_routing, mla_form=mla_form), str(path))
    return GenerateResult(arch, scenario, simulate(accelerator, build_llm(arch, scenario), precision, engine=engine))
