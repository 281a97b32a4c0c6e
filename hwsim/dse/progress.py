"""A sweep's progress on stderr: a bar with points/s and ETA on a terminal (tqdm, from the ``dse``
extra, imported only then), one summary line otherwise, nothing when quiet."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

from hwsim.errors import HwsimInputError

MODES = ("auto", "bar", "line", "quiet")


class _Line:
    """Counts points; one line when the sweep ends (or stops)."""

    def __init__(self, total: int, initial: int, out: str, stream):
        self.total, self.initial, self.out, self.stream = total, initial, out, stream
        self.count = 0
        self.started = time.perf_counter()

    def advance(self, points: int) -> None:
        self.count += points

    def close(self, finished: bool | None) -> None:
        """finished: True (done), False (stopped: interrupted), None (bad input: say nothing)."""
        if finished is None:
            return
        seconds = time.perf_counter() - self.started
        rate = f"{self.count / seconds:,.0f} points/s" if seconds > 0 and self.count else "no points evaluated"
        before = f" ({self.initial:,} done before)" if self.initial else ""
        state = "" if finished else f", stopped at {self.initial + self.count:,} of {self.total:,}"
        self.stream.write(f"sweep: {self.count:,} points in {seconds:.1f} s, {rate}{before}{state} -> {self.out}\n")
        self.stream.flush()


class _Bar:
    def __init__(self, total: int, initial: int, stream):
        from tqdm import tqdm

        self._bar = tqdm(total=total, initial=initial, unit="pt", unit_scale=True, dynamic_ncols=True,
                         file=stream, desc="sweep", smoothing=0.1)

    def advance(self, points: int) -> None:
        self._bar.update(points)

    def close(self, finished: bool | None) -> None:
        self._bar.close()


class _Quiet:
    def advance(self, points: int) -> None:
        pass

    def close(self, finished: bool | None) -> None:
        pass


def _has_tqdm() -> bool:
    import importlib.util

    return importlib.util.find_spec("tqdm") is not None


@contextmanager
def reporter(mode: str, total: int, initial: int, out: str, stream=None):
    """``mode`` 'auto': a bar when ``stream`` is a terminal and tqdm is installed, else a line."""
    stream = stream if stream is not None else sys.stderr
    if mode not in MODES:
        raise HwsimInputError(f"unknown progress mode '{mode}'", field="progress", allowed=", ".join(MODES))
    if mode == "auto":
        mode = "bar" if getattr(stream, "isatty", lambda: False)() and _has_tqdm() else "line"
    if mode == "bar" and not _has_tqdm():
        raise HwsimInputError("a progress bar needs the tqdm package (the 'dse' extra): pip install -e \".[dse]\"",
                              field="progress")
    shown = {"bar": lambda: _Bar(total, initial, stream), "line": lambda: _Line(total, initial, out, stream),
             "quiet": _Quiet}[mode]()
    try:
        yield shown
    except HwsimInputError:
        shown.close(None)   # the error is the one line to read
        raise
    except BaseException:
        shown.close(False)
        raise
    shown.close(True)
