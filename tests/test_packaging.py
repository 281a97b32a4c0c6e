"""A wheel of hwsim ships every preset and every module, and the presets are found both in a
checkout (editable install) and in an installed package (see docs/install.md)."""

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hwsim import presets

PROJECT = Path(__file__).resolve().parent.parent
# what a build reads: pyproject.toml names README.md as the readme
SOURCES = ("pyproject.toml", "README.md", "hwsim", "accelerators", "workloads")


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in folder.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def _can_build_wheels() -> bool:
    # setuptools >= 70.1 builds wheels on its own; older ones need the `wheel` package
    if importlib.util.find_spec("setuptools") is None:
        return False
    from setuptools import __version__

    major, minor = (int(part) for part in __version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    if not _can_build_wheels():
        message = 'building a wheel needs setuptools>=70.1 (pip install -e ".[test]")'
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # build from a copy of the sources, so the checkout gets no build/ or egg-info and a stale
    # build/ cannot leak files into the wheel
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in SOURCES:
        if (PROJECT / name).is_dir():
            shutil.copytree(PROJECT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(PROJECT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    # --no-build-isolation: the build backend of the test environment, no network
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--no-cache-dir", "-q", "-w", str(out), str(src)], capture_output=True, text=True)
    assert done.returncode == 0, f"pip wheel failed:\n{done.stdout}\n{done.stderr}"
    (built,) = out.glob("hwsim-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


@pytest.mark.packaging
def test_wheel_ships_every_preset(wheel):
    names = set(wheel.namelist())
    expected = {f"hwsim/_presets/accelerators/{p.name}" for p in _files(PROJECT / "accelerators", "*.yaml")}
    expected |= {f"hwsim/_presets/workloads/{p.relative_to(PROJECT / 'workloads').as_posix()}"
                 for p in _files(PROJECT / "workloads", "**/*")}
    assert len(expected) >= 8
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks presets: {missing}"
    # and nothing lands at the top level of site-packages
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == {"hwsim"}


@pytest.mark.packaging
def test_wheel_ships_every_module(wheel):
    # pyproject.toml lists the packages (discovery cannot see the preset folders): a new
    # subpackage that is not listed there would silently be left out of the wheel
    names = set(wheel.namelist())
    expected = {p.relative_to(PROJECT).as_posix() for p in _files(PROJECT / "hwsim", "**/*.py")}
    missing = sorted(expected - names)
    assert not missing, f"the wheel lacks modules (add their package to [tool.setuptools] packages): {missing}"


def test_accelerator_presets_are_every_checkout_yaml():
    found = presets.accelerator_presets()
    assert set(found) == {p.stem for p in _files(PROJECT / "accelerators", "*.yaml")}
    assert presets.DEFAULT_ACCELERATOR in found
    for name, path in found.items():
        assert path.is_file() and path.parent == PROJECT / "accelerators", (name, path)


def test_workload_presets_are_every_checkout_workload():
    found = presets.workload_presets()
    expected = {p.stem for p in _files(PROJECT / "workloads") if p.suffix in (".csv", ".yaml", ".yml")}
    assert set(found) == expected and presets.DEFAULT_WORKLOAD in found


def test_installed_layout_is_found_through_the_package(tmp_path, monkeypatch):
    # an installed hwsim: no checkout beside the package, the presets under hwsim/_presets/
    site = tmp_path / "site-packages"
    shutil.copytree(PROJECT / "hwsim", site / "hwsim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT / "accelerators", site / "hwsim" / "_presets" / "accelerators")
    shutil.copytree(PROJECT / "workloads", site / "hwsim" / "_presets" / "workloads")
    code = ("from hwsim import presets; a = presets.accelerator_presets(); w = presets.workload_presets(); "
            "print(sorted(a)); print(sorted(w)); print(a['tpu-v1-like'])")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    accels, works, tpu = done.stdout.splitlines()
    assert eval(accels) == sorted(presets.accelerator_presets())
    assert eval(works) == sorted(presets.workload_presets())
    assert Path(tpu) == site / "hwsim" / "_presets" / "accelerators" / "tpu-v1-like.yaml"


def test_no_presets_is_one_line_not_a_traceback(monkeypatch, capsys):
    from hwsim import cli

    monkeypatch.setattr(presets, "_preset_dir", lambda name: None)
    assert presets.accelerator_presets() == {} and presets.workload_presets() == {}
    assert cli.main(["list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hwsim: error: no presets found") and err.count("\n") == 1, err
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "scalesim-default" in err and "no presets" in err and err.count("\n") == 1, err
