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


def test_kernel_cache_is_keyed_by_every_kernel_module():
    # numba checks only an entry function's own file: every module with numba code must be hashed
    from pathlib import Path

    from hwsim.arch.fabrics import kernel_cache

    package = Path(kernel_cache.__file__).resolve().parents[2]
    with_numba = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                        if "from numba import" in p.read_text() or "@njit" in p.read_text())
    assert set(with_numba) <= set(kernel_cache.KERNEL_MODULES), set(with_numba) - set(kernel_cache.KERNEL_MODULES)
    assert "arch/fabrics/base.py" in kernel_cache.KERNEL_MODULES   # the cell layout constants
    assert len(kernel_cache.kernel_sources_digest()) == 16


def test_user_cache_dir_places_the_keyed_folder(monkeypatch):
    # NUMBA_CACHE_DIR says where, the digest still keys the folder: numba's own check of the entry
    # function's file alone kept a kernel compiled before an edit to its callees
    from numba.core import config

    from hwsim.arch.fabrics import kernel_cache

    monkeypatch.setenv("NUMBA_CACHE_DIR", "/somewhere/else")
    monkeypatch.setattr(config, "CACHE_DIR", "/somewhere/else")
    kernel_cache.configure_kernel_cache()
    assert config.CACHE_DIR == f"/somewhere/else/kernels-{kernel_cache.kernel_sources_digest()}"
