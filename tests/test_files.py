"""Tests of mnist_tutorial.files: a file's SHA-256, atomic writes, the per-user cache folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mnist_tutorial.files import atomic_write, sha256_file, user_cache_dir
from site_tools import ort_runtime


def test_sha256_of_a_file_larger_than_one_block(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000  # 1.28 MB: more than the 1 MiB blocks it reads
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_an_atomic_write_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "new" / "record.json"  # the folder is made
    with atomic_write(path) as f:
        f.write("first")
    with atomic_write(path, "wb") as f:
        f.write(b"second")
    assert path.read_text() == "second"
    assert [p.name for p in path.parent.iterdir()] == ["record.json"]  # no temporary left


def test_an_atomic_write_is_utf8_and_readable_as_a_new_file_would_be(tmp_path: Path) -> None:
    plain, atomic = tmp_path / "plain.css", tmp_path / "atomic.css"
    plain.write_text("x")
    with atomic_write(atomic) as f:
        f.write("/* \u00e9 */")  # not ASCII
    assert atomic.read_bytes() == "/* \u00e9 */".encode()
    # the temporary file is private; the finished file is not (a web server serves the site)
    assert atomic.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text("old")

    def interrupted_write() -> None:
        with atomic_write(path) as f:
            f.write("half a")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted_write()
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


@pytest.mark.parametrize(
    ("xdg", "expected"),
    [("~/xdg", "home/xdg"), ("relative/xdg", "home/.cache"), ("", "home/.cache")],
)
def test_user_cache_dir_expands_home_and_ignores_a_relative_xdg(
    tmp_path, monkeypatch, xdg, expected
):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert user_cache_dir() == tmp_path / expected / "mnist-tutorial"


def test_the_live_demos_runtime_is_cached_in_the_same_user_cache(tmp_path, monkeypatch) -> None:
    # ort_runtime had its own copy, which took a relative XDG_CACHE_HOME as it was
    monkeypatch.delenv(ort_runtime.CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")
    assert ort_runtime.cache_folder() == tmp_path / "home" / ".cache" / "mnist-tutorial" / "npm"
