import contextlib
import importlib.util
import io
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
REFERENCE = PROJECT.parent / "shared" / "reference"
LLAMA2 = PROJECT / "workloads" / "llm" / "llama-2-7b.json"

# The study scripts run end to end in the suite, each once per session on the small inputs its
# tests use: name -> (script, arguments besides --out, the HTML page it writes). Their own tests
# (tests/studies, tests/dse/test_dse_search.py) read the tables, and tests/browser opens the pages,
# of the same run (`study_run`), so a study is not run twice.
STUDY_RUNS = {
    "int_vs_fp": ("studies/int_vs_fp/run.py", ["--nodes", "45", "7"], "int_vs_fp.html"),
    "lut_vs_mac": ("studies/lut_vs_mac/run.py", ["--quick"], "lut_vs_mac.html"),
    "mixpe": ("studies/mixpe/run.py", ["--quick"], "mixpe.html"),
    "pim_decode": ("studies/pim_decode/run.py", ["--quick"], "pim_decode.html"),
    # the command-line contract of tests/studies/test_bitmod.py: CSV rows, one design's bits given
    "bitmod": ("studies/bitmod/reproduce.py", [str(LLAMA2), "--format", "csv", "--design", "ant=5.25"],
               "bitmod.html"),
    "search_vs_exhaustive": ("studies/dse/search_vs_exhaustive.py", ["--quick"], "search_front.html"),
}


@pytest.fixture(scope="session", autouse=True)
def _kernels_announced():
    """The one-line compile notice (hwsim/engine/compile_notice.py) goes to stderr in whichever test
    first runs a kernel on a cold disk cache, which depends on the order and on how test files are
    spread over workers; tests that count stderr lines would see it or not by chance. The notice is
    tested on its own (tests/engine/test_compile_notice.py, which resets the flag) and, on a cold
    cache, by CI's end-to-end `hwsim run` outside the checkout."""
    from hwsim.engine import compile_notice

    compile_notice._announced = True
    yield


@pytest.fixture(scope="session")
def reference() -> Path:
    # never a silent skip: a reference test that cannot read its data fails, here and in CI
    if not REFERENCE.is_dir():
        pytest.fail(f"reference data missing at {REFERENCE} (the checkout needs ../shared beside it)")
    return REFERENCE


def load_script(relative_path: str, module_name: str):
    """A study or benchmark script (not a package module) imported from the checkout."""
    spec = importlib.util.spec_from_file_location(module_name, PROJECT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class StudyRun:
    """One run of a study script (``main([*args, "--out", out])`` in this process): the script's
    module, its output folder (read only: tests share it), what it printed and its exit code."""

    def __init__(self, name: str, folder: Path):
        script, args, html = STUDY_RUNS[name]
        self.name, self.script, self.html = name, script, folder / html
        self.module = load_script(script, f"study_{name}")
        self.out = folder
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            self.code = self.module.main([*args, "--out", str(folder)])
        self.stdout, self.stderr = stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="session")
def study_run(tmp_path_factory):
    """``study_run(name)``: the StudyRun of STUDY_RUNS[name], run on the first call of the session
    and shared after (a failed run is asserted by every test that asks for it)."""
    runs: dict[str, StudyRun] = {}

    def run(name: str) -> StudyRun:
        if name not in runs:
            runs[name] = StudyRun(name, tmp_path_factory.mktemp(f"study_{name}"))
        done = runs[name]
        assert done.code == 0, f"{done.script} exited {done.code}: {done.stderr}"
        return done

    return run


def assert_one_line_exit_2(argv, fragments, capsys) -> str:
    """``hwsim argv`` in-process exits 2 with one line on stderr, ``hwsim: error: ...`` holding every
    fragment, nothing on stdout and no traceback; returns the line."""
    from hwsim.cli import main

    with pytest.raises(SystemExit) as caught:
        raise SystemExit(main(argv))
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("hwsim: error: ") and "Traceback" not in captured.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def assert_one_input_error(call, fragments) -> str:
    """``call()`` raises one HwsimInputError whose one-line text holds every fragment; returns it."""
    from hwsim.errors import HwsimInputError

    with pytest.raises(HwsimInputError) as caught:
        call()
    text = str(caught.value)
    assert "\n" not in text
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return text


# A small PIM device for hand-computed pins (tests/arch/test_pim_pins*.py): hbm2-pim (16 banks per
# pseudo-channel in 4 groups, 256-bit bursts, tCK 1 ns; PIMSimulator's timing), 2 channels, an FP16
# unit per bank pair, published lane and in-bank energies, no setup or session cycles
PIM_TEST_SPEC = """
name: {name}
source: test (hand-computed pins)
clock_mhz: {clock}
tech_node_nm: 45
compute: {{kind: pim, rows: 1, cols: 1, dataflow: ws, pe: {{type: mac, weights: [fp16], activations: [fp16], accumulator: fp16}}}}
vector: {{lanes: {host_lanes}}}
buffers:
  ifmap: {{size_kib: 1, port_width_bits: 64}}
  filter: {{size_kib: 1, port_width_bits: 64}}
  ofmap: {{size_kib: 1, port_width_bits: 64}}
dram: {{standard: hbm2-pim, channels: 2, energy_pj_per_bit: 3.59}}
pim:
  lanes_per_unit: {lanes}
  lane_formats: [fp16]
  banks_per_unit: 2
  unit_clock_mhz: {unit_clock}
  input_registers: {input_registers}
  accumulator_registers: 8
  kernel_setup_cycles: 0
  session_cycles: 0
  lane_mac_pj: 0.5
  internal_pj_per_bit: 0.55
default_precision: {{weights: fp16, activations: fp16, outputs: fp16}}
area_overhead_fraction: {overhead}
"""


def pim_test_accelerator(tmp_path, name: str, *, clock, overhead, host_lanes=16, lanes=16, unit_clock=1000,
                         input_registers=8):
    """PIM_TEST_SPEC with these settings, written under ``tmp_path`` and loaded."""
    import hwsim

    settings = dict(clock=clock, host_lanes=host_lanes, lanes=lanes, unit_clock=unit_clock,
                    input_registers=input_registers, overhead=overhead)
    path = tmp_path / ("-".join([name, *(f"{v}" for v in settings.values())]) + ".yaml")
    path.write_text(PIM_TEST_SPEC.format(name=name, **settings))
    return hwsim.load_accelerator(str(path))
