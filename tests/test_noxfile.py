"""Tests of noxfile.py's helpers: absolute data paths, the quick switch and the build lock."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class SessionError(Exception):
    """What the fake session's error() raises, as nox's does, to stop the session."""


class FakeSession:
    def __init__(self, invoked_from):
        self.invoked_from = str(invoked_from)
        self.calls = []
        self.posargs = []

    def error(self, message):
        raise SessionError(message)

    def __getattr__(self, name):  # install, run, log: recorded, never executed
        return lambda *args, **kwargs: self.calls.append((name, args))


@pytest.fixture
def noxfile(monkeypatch):
    """The noxfile as a module, with a stand-in for nox (not needed to test its helpers)."""
    fake_nox = types.ModuleType("nox")
    fake_nox.options = types.SimpleNamespace()
    fake_nox.Session = FakeSession
    fake_nox.session = lambda *args, **kwargs: (
        args[0] if args and callable(args[0]) else (lambda function: function)
    )
    monkeypatch.setitem(sys.modules, "nox", fake_nox)
    sys.modules.pop("noxfile", None)
    module = importlib.import_module("noxfile")  # the checkout's root is on pytest's pythonpath
    sys.modules.pop("noxfile")  # each test imports it afresh, with its own stand-in for nox
    return module


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("MNIST_TUTORIAL_DATA", "MNIST_TUTORIAL_CACHE", "MNIST_TUTORIAL_QUICK"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("name", ["MNIST_TUTORIAL_DATA", "MNIST_TUTORIAL_CACHE"])
def test_paths_expand_the_home_folder(noxfile, monkeypatch, tmp_path, name):
    # It used to become <repo>/~/d, and a download then created a folder named "~".
    monkeypatch.setenv(name, "~/d")
    assert noxfile.absolute_data_env(tmp_path / "elsewhere") == {name: str(tmp_path / "home/d")}


@pytest.mark.usefixtures("clean_env")
def test_relative_paths_resolve_against_where_nox_was_invoked(noxfile, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_TUTORIAL_DATA", "data")
    monkeypatch.setenv("MNIST_TUTORIAL_CACHE", "/abs/cache")
    assert noxfile.absolute_data_env(tmp_path) == {
        "MNIST_TUTORIAL_DATA": str(tmp_path / "data"),
        "MNIST_TUTORIAL_CACHE": "/abs/cache",
    }
    assert noxfile.session_env(FakeSession(tmp_path))["MNIST_TUTORIAL_DATA"] == str(
        tmp_path / "data"
    )


@pytest.mark.usefixtures("clean_env")
def test_unset_or_empty_paths_are_left_out(noxfile, monkeypatch):
    monkeypatch.setenv("MNIST_TUTORIAL_DATA", "  ")
    assert noxfile.absolute_data_env() == {}


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("value", "quick", "expected"),
    [(None, False, "0"), ("off", False, "0"), ("Yes", False, "1"), ("0", True, "1")],
)
def test_quick_value_reads_the_switch_as_the_package_does(
    noxfile, monkeypatch, value, quick, expected
):
    if value is not None:
        monkeypatch.setenv("MNIST_TUTORIAL_QUICK", value)
    assert noxfile.quick_value(quick) == expected


@pytest.mark.usefixtures("clean_env")
def test_unclear_quick_value_stops_the_build_before_anything_is_deleted(
    noxfile, monkeypatch, tmp_path
):
    monkeypatch.setenv("MNIST_TUTORIAL_QUICK", "disabled")
    generated = tmp_path / "_build"
    generated.mkdir()
    monkeypatch.setattr(noxfile.build_command, "GENERATED", (generated,))
    monkeypatch.setattr(noxfile, "BUILD_LOCK", tmp_path / "lock")
    session = FakeSession(tmp_path)
    with pytest.raises(SessionError, match="MNIST_TUTORIAL_QUICK='disabled'"):
        noxfile.build_docs(session, quick=False)
    assert generated.is_dir()
    assert session.calls == []


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("clean", [False, True])
def test_only_a_clean_build_deletes_the_earlier_outputs(noxfile, monkeypatch, tmp_path, clean):
    generated = tmp_path / "_build"
    generated.mkdir()
    monkeypatch.setattr(noxfile.build_command, "GENERATED", (generated,))
    monkeypatch.setattr(noxfile, "BUILD_LOCK", tmp_path / "lock")
    session = FakeSession(tmp_path)
    session.posargs = ["--clean", "-v"] if clean else ["-v"]
    noxfile.build_docs(session, quick=True)
    assert generated.is_dir() is not clean  # incremental: the outputs stay for the next build
    (run,) = [args for name, args in session.calls if name == "run"]
    assert run[0] == "sphinx-build"
    assert run[-1] == "-v"
    assert "--clean" not in run  # nox's flag, not sphinx-build's


def test_build_lock_is_outside_every_folder_the_build_deletes(noxfile):
    generated = noxfile.build_command.GENERATED
    assert not any(noxfile.BUILD_LOCK.is_relative_to(folder) for folder in generated)


HOLD_LOCK = """
import fcntl, os, sys
f = open(sys.argv[1], "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.write(f"process {os.getpid()}\\n"); f.flush()
print("locked", flush=True)
sys.stdin.read()  # hold it until the test closes stdin
"""


@pytest.mark.skipif(sys.platform == "win32", reason="builds are not locked on Windows")
def test_second_build_stops_at_once_naming_the_lock(noxfile, monkeypatch, tmp_path):
    lock = tmp_path / "locks" / "docs-build.lock"
    lock.parent.mkdir()
    generated = tmp_path / "_build"
    generated.mkdir()
    monkeypatch.setattr(noxfile.build_command, "GENERATED", (generated,))
    monkeypatch.setattr(noxfile, "BUILD_LOCK", lock)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        session = FakeSession(tmp_path)
        with pytest.raises(SessionError, match="Another docs build is running") as error:
            noxfile.build_docs(session, quick=True)
        assert str(lock) in str(error.value)
        assert f"process {holder.pid}" in str(error.value)
        assert generated.is_dir()  # the running build's outputs are untouched
        assert session.calls == []
    finally:
        holder.communicate("")
    # Released when its holder exits: the next build takes it, and holds it in turn.
    with noxfile.exclusive_lock(lock):
        assert lock.read_text() == f"process {os.getpid()}\n"
        with pytest.raises(noxfile.BuildLocked, match=f"process {os.getpid()} holds"):
            take(noxfile, lock)


def take(noxfile, lock):
    with noxfile.exclusive_lock(lock):
        pass
