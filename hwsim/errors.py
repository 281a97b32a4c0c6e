"""One error type for bad user input, so the CLI can print one line and exit 2.

Every message names where the problem is (file, field or layer), what was found and
what is allowed. Internal bugs are *not* HwsimInputError and keep their traceback.
"""

from __future__ import annotations


class HwsimInputError(ValueError):
    """Bad input from a user: a spec, a trace, a format name, a CLI argument."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None,
                 allowed: str | None = None):
        self.message = message
        self.source = source
        self.field = field
        self.allowed = allowed
        parts = []
        if source:
            parts.append(str(source))
        if field:
            parts.append(f"field '{field}'")
        prefix = ": ".join(parts)
        text = f"{prefix}: {message}" if prefix else message
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)

    def with_source(self, source: str) -> "HwsimInputError":
        """The same error, attributed to a file when the raiser did not know it."""
        if self.source:
            return self
        return HwsimInputError(self.args[0], source=source)


def require_flag(value, field: str, source: str | None = None) -> None:
    """Refuse ``value`` unless it is a boolean (Python's or numpy's): truthy text such as 'no'
    would be read as true."""
    import numpy as np   # not at import: the CLI's help path stays light

    if not isinstance(value, (bool, np.bool_)):
        raise HwsimInputError(f"{value!r} is not true or false", source=source, field=field, allowed="True or False")
