"""Reading user files with errors that name the file (never a traceback)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from hwsim.errors import HwsimInputError


def is_path(value) -> bool:
    """A file or folder name as the API takes one: text or an os.PathLike (bytes and other objects
    are not, None included)."""
    return isinstance(value, (str, os.PathLike))


def read_text(path: str | Path, what: str) -> str:
    """The text of a UTF-8 file. A leading byte-order mark (spreadsheets write one when they export
    CSV as UTF-8) is dropped; a file that is not UTF-8 gives one line naming the file and the byte."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HwsimInputError(f"cannot read {what}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                              f"offset {exc.start}); save it as UTF-8", source=str(path)) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise HwsimInputError(f"cannot read {what}: {reason}", source=str(path)) from None


# Python's int() refuses text of more than 4,300 digits with a ValueError (sys.get_int_max_str_digits,
# the CVE-2020-10735 limit); hwsim's readers refuse such a number themselves, in one line
MAX_INT_DIGITS = 4300


DIGITS_ALLOWED = f"at most {MAX_INT_DIGITS:,} digits"


def too_many_digits(text: str) -> bool:
    """``text`` (an integer as written) has more digits than Python's int() reads."""
    return len(text.lstrip("+-")) > MAX_INT_DIGITS


def digit_count(text: str) -> str:
    """What a refusal of such an integer says it is: 'an integer of N digits'."""
    return f"an integer of {len(text.lstrip('+-')):,} digits"


# Numbers on the command line as the files take them: Python's int() and float() also read 1_000 (a
# digit separator) and other scripts' digits (Arabic-Indic, full-width), which a trace cell and a
# YAML value refuse; the flags refuse them too, in argparse's one line
_CLI_INTEGER = re.compile(r"[+-]?[0-9]+")
CLI_REAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)", re.I)


def cli_int(text: str) -> int:
    """An argparse type: a decimal integer written in ASCII digits."""
    value = text.strip()
    if not _CLI_INTEGER.fullmatch(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer (allowed: decimal digits 0-9, e.g. 2048)")
    if too_many_digits(value):
        raise argparse.ArgumentTypeError(f"{digit_count(value)} (allowed: {DIGITS_ALLOWED})")
    return int(value)


def cli_float(text: str) -> float:
    """An argparse type: a decimal number written in ASCII (nan and inf are left to the range checks)."""
    value = text.strip()
    if not CLI_REAL.fullmatch(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number (allowed: a decimal number, e.g. 7 or 0.8)")
    return float(value)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a layer or a design in a result table, or None: blank text, or a
    control character (a NUL, a tab, a line break: a corrupt file's bytes, or a name that splits a
    table's row and its CSV line)."""
    import unicodedata

    if not name.strip():
        return f"{name!r} is blank"
    for char in name:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return f"{name!r} holds the control character {char!r}"
    return None
