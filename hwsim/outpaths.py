"""Output paths checked before any work is done: one clear line instead of an OSError traceback
(a name longer than the file system allows, a file where a folder is needed, a folder where a
file is needed, a parent that is a file or cannot be written)."""

from __future__ import annotations

import os
from pathlib import Path

from hwsim.errors import HwsimInputError

# POSIX limits when the file system does not say (Linux NAME_MAX and PATH_MAX, <linux/limits.h>)
DEFAULT_NAME_MAX = 255
DEFAULT_PATH_MAX = 4096


def _shown(path: str) -> str:
    """The path as an error names it: long ones cut in the middle, so the line stays readable."""
    return path if len(path) <= 120 else f"{path[:60]}...{path[-40:]}"


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        try:
            if candidate.exists():
                return candidate
        except OSError:
            continue
    return Path(".")


def _limit(folder: Path, name: str, default: int) -> int:
    try:
        return int(os.pathconf(folder, name))
    except (OSError, ValueError, AttributeError):
        return default


def _check_common(text: str, flag: str) -> tuple[Path, Path]:
    if "\0" in text:
        raise HwsimInputError("the path holds a NUL character", source=_shown(text), field=flag)
    path = Path(text)
    anchor = _nearest_existing(path.absolute())
    name_max = _limit(anchor, "PC_NAME_MAX", DEFAULT_NAME_MAX)
    path_max = _limit(anchor, "PC_PATH_MAX", DEFAULT_PATH_MAX)
    for part in path.parts:
        if len(os.fsencode(part)) > name_max:
            raise HwsimInputError(f"a name in the path is {len(os.fsencode(part))} bytes long", source=_shown(text),
                                  field=flag, allowed=f"names of at most {name_max} bytes")
    if len(os.fsencode(str(path.absolute()))) > path_max:
        raise HwsimInputError(f"the path is {len(os.fsencode(str(path.absolute())))} bytes long", source=_shown(text),
                              field=flag, allowed=f"at most {path_max} bytes")
    if anchor != path.absolute() and not anchor.is_dir():
        raise HwsimInputError(f"'{_shown(str(anchor))}' is a file, not a folder", source=_shown(text), field=flag,
                              allowed="a path whose parents are folders")
    return path, anchor


def _check_writable(folder: Path, text: str, flag: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise HwsimInputError(f"cannot write in '{_shown(str(folder))}'", source=_shown(text), field=flag,
                              allowed="a folder you can write to")


def check_path_text(text: str, flag: str) -> None:
    """``text`` is a path this machine can name (no NUL, names and length within its limits): what
    a command checks before it asks the file system anything about the path."""
    _check_common(text, flag)


def check_output_folder(text: str, flag: str) -> None:
    """``text`` can be a results folder (created if missing)."""
    path, anchor = _check_common(text, flag)
    if path.exists() and not path.is_dir():
        raise HwsimInputError("is a file; this option names a folder", source=_shown(text), field=flag,
                              allowed="a folder path (created if missing)")
    _check_writable(anchor if anchor.is_dir() else anchor.parent, text, flag)


def check_output_file(text: str, flag: str, inputs=()) -> None:
    """``text`` can be written as one file (its folder must exist) and is none of ``inputs`` (the
    command's input files, or a folder of inputs that the file must stay out of: a sweep's)."""
    path, anchor = _check_common(text, flag)
    target = path.absolute().resolve()
    for given in inputs:
        if given is None:
            continue
        source = Path(given).absolute().resolve()
        if not source.exists():   # a preset's name, not a file here
            continue
        if source.is_dir() and target.is_relative_to(source):
            raise HwsimInputError(f"is inside the input folder '{_shown(str(given))}', whose next read would take "
                                  "it for an input", source=_shown(text), field=flag,
                                  allowed="a path outside the input folder")
        if source == target:
            raise HwsimInputError("would overwrite the input it reads", source=_shown(text), field=flag,
                                  allowed="a path other than the input's")
    if path.is_dir():
        raise HwsimInputError("is a folder; this option names a file", source=_shown(text), field=flag,
                              allowed="a file path")
    if not path.absolute().parent.is_dir():
        raise HwsimInputError("its folder does not exist", source=_shown(text), field=flag,
                              allowed="a file in an existing folder")
    _check_writable(path.absolute().parent, text, flag)
