"""Where accelerator and workload presets live, and how a name or a path is resolved.

Presets are the files in the top-level ``accelerators/`` and ``workloads/`` folders of the
checkout. They are found in one of two places:

- an editable install (``pip install -e .``) or a checkout on ``sys.path``: the folders beside
  the ``hwsim`` package, in the checkout itself;
- a regular install (``pip install .`` or a wheel): the copies shipped inside the package as
  ``hwsim/_presets/accelerators`` and ``hwsim/_presets/workloads`` (``pyproject.toml`` maps the
  two folders there), found with ``importlib.resources``.

See docs/install.md.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from hwsim.errors import HwsimInputError
from hwsim.inputs import is_path

# The checkout holding this package, if it is one (editable install); in a regular install this is
# site-packages, which has no pyproject.toml and no presets of ours.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGED_DIR = "_presets"

DEFAULT_ACCELERATOR = "scalesim-default"
DEFAULT_WORKLOAD = "resnet50"

_WORKLOAD_SUFFIXES = (".csv", ".yaml", ".yml")

# why a name did not resolve when there are no presets at all (a broken install)
NO_PRESETS_HINT = ("this hwsim install has no presets; reinstall it (pip install . or pip install -e . "
                   "from a checkout; see docs/install.md)")


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "hwsim" / "presets.py").is_file()


def _preset_dir(name: str) -> Path | None:
    """The folder of ``name`` presets: the checkout's, else the installed package's, else None."""
    if _is_checkout(PROJECT_ROOT) and (PROJECT_ROOT / name).is_dir():
        return PROJECT_ROOT / name
    try:
        packaged = resources.files("hwsim").joinpath(PACKAGED_DIR, name)
    except (ModuleNotFoundError, TypeError, ValueError):
        return None
    # a regular install unpacks the wheel on disk, so this is a real path; a zipped hwsim (zipimport)
    # has no usable preset folder and is reported as "no presets"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return None


def _presets(folder: Path | None, suffixes: tuple[str, ...]) -> dict[str, Path]:
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in suffixes and p.is_file()}


def accelerator_presets() -> dict[str, Path]:
    return _presets(_preset_dir("accelerators"), (".yaml",))


def workload_presets() -> dict[str, Path]:
    return _presets(_preset_dir("workloads"), _WORKLOAD_SUFFIXES)


# HuggingFace config.json files of the LLM frontend (workloads/llm/), named ``llm/<stem>``; kept out
# of workload_presets() because they need a phase (docs/workloads-llm.md)
LLM_CONFIG_DIR = "llm"


def llm_config_presets() -> dict[str, Path]:
    folder = _preset_dir("workloads")
    found = _presets(folder / LLM_CONFIG_DIR if folder else None, (".json",))
    return {f"{LLM_CONFIG_DIR}/{name}": path for name, path in found.items()}


def all_workload_presets() -> dict[str, Path]:
    """Every name a workload argument takes: the traces and models, then the ``llm/`` configs."""
    return {**workload_presets(), **llm_config_presets()}


def resolve(name_or_path: str, presets: dict[str, Path], what: str) -> Path:
    if not is_path(name_or_path):
        shown = " ".join(repr(name_or_path).split())      # one line, whatever the object prints
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise HwsimInputError(f"{type(name_or_path).__name__} {shown} is neither a preset name nor a path",
                              field=what, allowed="a preset's name (hwsim list) or a file's path")
    name_or_path = os.fspath(name_or_path)
    path = Path(name_or_path)
    try:
        if path.is_file():
            return path
    except OSError as exc:   # e.g. a name longer than the file system allows (is_file raises, not False)
        shown = name_or_path if len(name_or_path) <= 80 else name_or_path[:77] + "..."
        raise HwsimInputError(f"cannot read {what} file: {exc.strerror or exc}", source=shown,
                              allowed="a preset's name (hwsim list) or a file's path") from None
    if name_or_path in presets:
        return presets[name_or_path]
    if path.suffix:
        raise HwsimInputError(f"no such {what} file", source=name_or_path)
    raise HwsimInputError(f"unknown {what} '{name_or_path}' (neither a file nor a preset)",
                          allowed=", ".join(presets) or f"none found: {NO_PRESETS_HINT}")


def first_comment_line(path: Path, key: str = "source") -> str:
    """The ``source:`` of a preset: a YAML key, a ``# source:`` comment line, or a config.json's
    ``_hwsim_source``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return ""
    if path.suffix == ".json":
        try:
            value = json.loads(text).get(f"_hwsim_{key}", "")
        except (ValueError, AttributeError):
            return ""
        return value if isinstance(value, str) else ""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped.startswith(f"{key}:"):
            return stripped.split(":", 1)[1].strip().strip('"').strip("'")
    return ""
