"""Reading user files with errors that name the file (never a traceback)."""

from __future__ import annotations

import os
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


def too_many_digits(text: str) -> bool:
    """``text`` (an integer as written) has more digits than Python's int() reads."""
    return len(text.lstrip("+-")) > MAX_INT_DIGITS
