"""Reading user files with errors that name the file (never a traceback)."""

from __future__ import annotations

from pathlib import Path

from hwsim.errors import HwsimInputError


def read_text(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HwsimInputError(f"cannot read {what}: {exc}", source=str(path)) from None
