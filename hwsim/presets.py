"""Where accelerator and workload presets live, and how a name or a path is resolved.

Presets are the files in the checkout's accelerators/ and workloads/ folders (hwsim is installed
editable, ``pip install -e .``, so the package finds them beside itself).
"""

from __future__ import annotations

from pathlib import Path

from hwsim.errors import HwsimInputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ACCELERATOR_DIR = PROJECT_ROOT / "accelerators"
WORKLOAD_DIR = PROJECT_ROOT / "workloads"

DEFAULT_ACCELERATOR = "scalesim-default"
DEFAULT_WORKLOAD = "resnet50"

_WORKLOAD_SUFFIXES = (".csv", ".yaml", ".yml")


def _presets(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in suffixes and p.is_file()}


def accelerator_presets() -> dict[str, Path]:
    return _presets(ACCELERATOR_DIR, (".yaml",))


def workload_presets() -> dict[str, Path]:
    return _presets(WORKLOAD_DIR, _WORKLOAD_SUFFIXES)


def resolve(name_or_path: str, presets: dict[str, Path], what: str) -> Path:
    path = Path(name_or_path)
    if path.is_file():
        return path
    if name_or_path in presets:
        return presets[name_or_path]
    if path.suffix:
        raise HwsimInputError(f"no such {what} file", source=name_or_path)
    raise HwsimInputError(f"unknown {what} '{name_or_path}' (neither a file nor a preset)",
                          allowed=", ".join(presets) or "none found: is hwsim installed from a checkout?")


def first_comment_line(path: Path, key: str = "source") -> str:
    """The ``source:`` of a preset: a YAML key or a ``# source:`` comment line."""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped.startswith(f"{key}:"):
            return stripped.split(":", 1)[1].strip().strip('"')
    return ""
