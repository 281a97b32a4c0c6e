"""A sweep's output folder: a Parquet dataset of part files plus ``_manifest.json``.

    OUT/
      _manifest.json          what was swept (the spec's hash and canonical form, hwsim version,
                              chunk count) and which chunks are done, with their row counts
      _sweep.lock             held (flock) while a sweep writes here: one writer per folder
      part-000000.parquet     chunk 0's rows, ...

Parquet readers (pandas.read_parquet(OUT), pyarrow.dataset) skip names starting with '_' or
'.', so the folder reads as one table. A part is written as ``_tmp-part-*.parquet``, flushed to
disk and renamed: a part either exists whole or not at all. The manifest is replaced the same
way after each part, so after a kill at any instant the manifest lists only complete parts;
``resume`` deletes leftovers and redoes every chunk the manifest does not list.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hwsim.errors import HwsimInputError

MANIFEST = "_manifest.json"
LOCK = "_sweep.lock"
TMP_PREFIX = "_tmp-"
FORMAT = "hwsim-sweep/1"
EXTRA_HINT = 'pip install -e ".[dse]"'
# part names sort in chunk order up to this many chunks (then they widen)
PART_DIGITS = 6


def pyarrow_modules():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise HwsimInputError(f"writing a sweep needs the pyarrow package (the 'dse' extra): {EXTRA_HINT}") from None
    return pyarrow, pyarrow.parquet


def part_name(chunk: int, chunks: int) -> str:
    return f"part-{chunk:0{max(PART_DIGITS, len(str(chunks - 1)))}d}.parquet"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(TMP_PREFIX + path.name)
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HwsimInputError(f"cannot read the sweep manifest: {exc.strerror or exc}", source=str(path)) from None
    except ValueError:
        raise HwsimInputError("is not a sweep manifest (not JSON)", source=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise HwsimInputError("is not a sweep manifest", source=str(path), allowed=f"format {FORMAT}")
    return data


class Store:
    """The folder a sweep writes, open for writing (locked) until ``close``."""

    def __init__(self, folder: Path, manifest: dict, lock_handle, dtypes: dict):
        self.folder, self.manifest, self._lock, self._dtypes = folder, manifest, lock_handle, dtypes
        self._schema = None

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, out: str, header: dict, dtypes: dict, *, resume: bool) -> "Store":
        """``header``: the manifest's fixed part (spec_sha256, hwsim_version, chunks, keep, ...).
        A new folder (or an empty one) starts a sweep; an existing sweep is finished only with
        ``resume`` and only when its manifest's header matches."""
        from hwsim.outpaths import check_output_folder

        pyarrow_modules()
        check_output_folder(out, "-o")
        folder = Path(out)
        # a folder holding only the lock (a kill before the first manifest) starts afresh
        existing = folder.is_dir() and any(p.name != LOCK and not p.name.startswith(TMP_PREFIX)
                                           for p in folder.iterdir())
        if existing and not resume:
            raise HwsimInputError("exists and is not empty; finish the sweep written there with --resume, "
                                  "or name a new folder", source=out, field="-o")
        if existing and not (folder / MANIFEST).is_file():
            raise HwsimInputError(f"is not a sweep output (no {MANIFEST}); nothing to resume", source=out,
                                  field="--resume")
        folder.mkdir(parents=True, exist_ok=True)
        lock = _lock(folder)
        try:
            if existing:
                manifest = read_manifest(folder)
                _check_header(manifest, header, folder / MANIFEST)
                store = cls(folder, manifest, lock, dtypes)
                store._recover()
            else:
                manifest = {"format": FORMAT, **header, "done": [], "rows": {}, "dropped": {}, "complete": False}
                store = cls(folder, manifest, lock, dtypes)
                _write_json(folder / MANIFEST, manifest)
        except BaseException:
            lock.close()
            raise
        return store

    def _recover(self) -> None:
        """Leftovers of a kill removed; a chunk counts as done only if its part is there with the
        row count the manifest recorded."""
        _, pq = pyarrow_modules()
        for path in self.folder.iterdir():
            if path.name.startswith(TMP_PREFIX):
                path.unlink()
        done = []
        for chunk in self.manifest["done"]:
            path = self.folder / part_name(chunk, self.manifest["chunks"])
            try:
                ok = pq.read_metadata(path).num_rows == self.manifest["rows"][str(chunk)]
            except (OSError, KeyError, ValueError, TypeError):  # pyarrow's ArrowInvalid is a ValueError
                ok = False
            if ok:
                done.append(chunk)
        for chunk in set(self.manifest["done"]) - set(done):
            self.manifest["rows"].pop(str(chunk), None)
            self.manifest["dropped"].pop(str(chunk), None)
        self.manifest["done"] = done
        self.manifest["complete"] = len(done) == self.manifest["chunks"]
        _write_json(self.folder / MANIFEST, self.manifest)

    # -- writing -------------------------------------------------------------------------------
    @property
    def done(self) -> set[int]:
        return set(self.manifest["done"])

    def pending(self) -> list[int]:
        done = self.done
        return [c for c in range(self.manifest["chunks"]) if c not in done]

    def write(self, chunk: int, frame, dropped: int) -> None:
        """Chunk ``chunk``'s rows as one part (atomic), then the manifest."""
        pa, pq = pyarrow_modules()
        frame = frame.astype(self._dtypes)
        if self._schema is None:
            self._schema = pa.Schema.from_pandas(frame, preserve_index=False)
        table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        name = part_name(chunk, self.manifest["chunks"])
        tmp = self.folder / (TMP_PREFIX + name)
        with open(tmp, "wb") as handle:
            pq.write_table(table, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.folder / name)
        self.manifest["done"].append(chunk)
        self.manifest["rows"][str(chunk)] = len(frame)
        self.manifest["dropped"][str(chunk)] = int(dropped)
        self.manifest["complete"] = len(self.manifest["done"]) == self.manifest["chunks"]
        _write_json(self.folder / MANIFEST, self.manifest)

    def close(self) -> None:
        self._lock.close()


def _lock(folder: Path):
    handle = open(folder / LOCK, "a")
    try:
        import fcntl
    except ImportError:  # no flock (Windows): one writer per folder is then the user's to keep
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise HwsimInputError(f"another hwsim sweep is writing here (it holds {LOCK})", source=str(folder),
                              field="-o") from None
    return handle


# what must match for --resume to add chunks to an existing folder, and what a mismatch means
_MUST_MATCH = {
    "spec_sha256": "written for another spec (a changed spec, or a changed accelerator or workload file); "
                   "restore it, or sweep into a new folder",
    "hwsim_version": "written by another hwsim version; sweep into a new folder",
    "keep": "written with another --keep",
    "chunks": "written with another chunk count",
}


def _check_header(manifest: dict, header: dict, path: Path) -> None:
    for key, why in _MUST_MATCH.items():
        if manifest.get(key) != header.get(key):
            old, new = manifest.get(key), header.get(key)
            if key == "spec_sha256":
                old, new = str(old)[:12], str(new)[:12]
            raise HwsimInputError(f"{why} ({key} {old} there, {new} now)", source=str(path), field="--resume")
