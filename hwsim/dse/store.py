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

With ``--keep pareto`` (FrontStore) the folder holds one part, ``front.parquet``: the Pareto front
of every done chunk's points. After each chunk it is replaced whole (temporary name, flush,
rename), and it records in its own Parquet metadata which chunks it covers; a resume trusts that
record, not the manifest, so a kill between the rename and the manifest neither loses a chunk
nor counts one twice.
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
    _check_counts(data, path)
    return data


def _count(value, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check_counts(data: dict, path: Path) -> None:
    """The manifest's counts as a sweep writes them: an edited or damaged one (points -5) would
    otherwise be resumed or drawn from."""
    for key in ("chunks", "done", "rows"):
        if key not in data:   # every manifest a sweep or a search writes has them
            raise HwsimInputError(f"damaged: no '{key}'", source=str(path), field=key,
                                  allowed="the manifest as the sweep wrote it")
    for key, low in (("points", 0), ("chunk_points", 1), ("chunks", 1)):
        if key in data and not _count(data[key], low):
            raise HwsimInputError(f"damaged: {key} is {data[key]!r}", source=str(path), field=key,
                                  allowed=f"an integer >= {low}, as the sweep wrote it")
    chunks, done = data["chunks"], data["done"]
    if not isinstance(done, list) or not all(_count(c, 0) and c < chunks for c in done):
        raise HwsimInputError(f"damaged: done is {done!r}", source=str(path), field="done",
                              allowed=f"a list of chunk numbers 0..{chunks - 1}")
    rows = data["rows"]
    if not isinstance(rows, dict) or not all(_count(n, 0) for n in rows.values()):
        raise HwsimInputError("damaged: rows holds a count that is not an integer >= 0", source=str(path),
                              field="rows", allowed="{chunk: rows written}")


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
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:   # what the checks cannot see ahead (a pseudo file system, a race)
            raise HwsimInputError(f"cannot create the folder: {exc.strerror or exc}", source=out,
                                  field="-o") from None
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
                store._begin()
        except BaseException:
            lock.close()
            raise
        return store

    def _begin(self) -> None:
        _write_json(self.folder / MANIFEST, self.manifest)

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

    def _table(self, frame):
        """``frame`` (in the rows' dtypes) as an Arrow table, every part with the first one's schema."""
        pa, _ = pyarrow_modules()
        if self._schema is None:
            self._schema = pa.Schema.from_pandas(frame, preserve_index=False)
        return pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)

    def _write_part(self, name: str, table) -> None:
        """Written under a temporary name, flushed and renamed: whole or not at all."""
        pa, pq = pyarrow_modules()
        tmp = self.folder / (TMP_PREFIX + name)
        # dictionary-encode only the text columns: on float columns of distinct values pyarrow tries
        # a dictionary, overflows it and falls back, which tripled a part's write time for no size
        # gain (benchmarks/bench_sweep.py)
        text = [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                or pa.types.is_dictionary(f.type)]
        with open(tmp, "wb") as handle:
            pq.write_table(table, handle, use_dictionary=text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.folder / name)

    def write(self, chunk: int, frame, dropped: int) -> None:
        """Chunk ``chunk``'s rows as one part (atomic), then the manifest."""
        self._write_part(part_name(chunk, self.manifest["chunks"]), self._table(frame.astype(self._dtypes)))
        self.manifest["done"].append(chunk)
        self.manifest["rows"][str(chunk)] = len(frame)
        self.manifest["dropped"][str(chunk)] = int(dropped)
        self.manifest["complete"] = len(self.manifest["done"]) == self.manifest["chunks"]
        _write_json(self.folder / MANIFEST, self.manifest)

    def close(self) -> None:
        self._lock.close()


FRONT = "front.parquet"
# key of the front part's Parquet metadata holding the chunks it covers
FRONT_METADATA = b"hwsim.front"


class FrontStore(Store):
    """``--keep pareto``: the running Pareto front of the header's ``objectives`` in one part.

    ``write`` takes each chunk's own front (the chunk's feasible rows no other row of the chunk
    dominates) and keeps front(previous front + chunk front), which is the front of every point
    so far (a point dominated within its chunk is dominated overall; dominance is transitive).
    The manifest's ``rows`` and ``dropped`` count, per chunk, the rows of its own front and the
    rest; ``front_rows`` the rows in the part."""

    def __init__(self, folder: Path, manifest: dict, lock_handle, dtypes: dict):
        super().__init__(folder, manifest, lock_handle, dtypes)
        import pandas as pd

        self._objectives = dict(manifest["objectives"])
        self._front = pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})

    def _begin(self) -> None:
        self._save(self._front)   # an empty front: the folder reads as a table from the start

    def _recover(self) -> None:
        """The front part says which chunks it covers; those are done, whatever the manifest says."""
        _, pq = pyarrow_modules()
        for path in self.folder.iterdir():
            if path.name.startswith(TMP_PREFIX):
                path.unlink()
        try:
            table = pq.read_table(self.folder / FRONT)
            covered = json.loads(table.schema.metadata[FRONT_METADATA])
            front = table.to_pandas().astype(self._dtypes)
        except (OSError, KeyError, ValueError, TypeError):  # missing or damaged: every chunk again
            covered, front = {"done": [], "rows": {}, "dropped": {}}, self._front
        self.manifest.update(covered)
        self._front = front
        self._save(front)

    def write(self, chunk: int, frame, dropped: int) -> None:
        from hwsim.dse.pareto import pareto
        import pandas as pd

        frame = frame.astype(self._dtypes)
        merged = pd.concat([self._front, frame], ignore_index=True) if len(self._front) else frame
        front = pareto(merged, self._objectives).sort_values("point_id", kind="stable").reset_index(drop=True)
        self.manifest["done"].append(chunk)
        self.manifest["rows"][str(chunk)] = len(frame)
        self.manifest["dropped"][str(chunk)] = int(dropped)
        self._save(front)
        self._front = front

    def _save(self, front) -> None:
        """The front part (with the chunks it covers), then the manifest that mirrors it."""
        covered = {key: self.manifest[key] for key in ("done", "rows", "dropped")}
        table = self._table(front)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               FRONT_METADATA: json.dumps(covered).encode()})
        self._write_part(FRONT, table)
        self.manifest["front_rows"] = len(front)
        self.manifest["complete"] = len(self.manifest["done"]) == self.manifest["chunks"]
        _write_json(self.folder / MANIFEST, self.manifest)


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
    "points": "written for another number of points",
}


def _check_header(manifest: dict, header: dict, path: Path) -> None:
    for key, why in _MUST_MATCH.items():
        if manifest.get(key) != header.get(key):
            old, new = manifest.get(key), header.get(key)
            if key == "spec_sha256":
                old, new = str(old)[:12], str(new)[:12]
            raise HwsimInputError(f"{why} ({key} {old} there, {new} now)", source=str(path), field="--resume")
