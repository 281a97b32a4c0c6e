"""The one-line notice before the engine's kernels compile (a cold numba disk cache)."""

from types import SimpleNamespace

from hwsim.engine import compile_notice


def _dispatcher(index_path, signatures=()):
    return SimpleNamespace(signatures=list(signatures),
                           _cache=SimpleNamespace(_cache_file=SimpleNamespace(_index_path=str(index_path))))


def test_notice_once_when_a_kernel_has_no_cache(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(compile_notice, "_announced", False)
    cached = tmp_path / "cached.nbi"
    cached.write_text("")
    compile_notice.announce_compilation(_dispatcher(cached), _dispatcher(tmp_path / "missing.nbi"))
    compile_notice.announce_compilation(_dispatcher(tmp_path / "missing.nbi"))
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["hwsim: compiling the engine's kernels (once after install; cached on disk)..."]


def test_silent_when_cached_or_already_loaded(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(compile_notice, "_announced", False)
    cached = tmp_path / "cached.nbi"
    cached.write_text("")
    compile_notice.announce_compilation(_dispatcher(cached), _dispatcher(tmp_path / "gone.nbi", ["sig"]))
    assert capsys.readouterr().err == ""
