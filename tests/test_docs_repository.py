"""Tests of site_tools/repository.py and notebook_setup.py: where the notebooks install from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from site_tools.notebook_setup import first_notebook_cell
from site_tools.repository import Repository, clone_url, repository

SHA = "0123456789abcdef0123456789abcdef01234567"


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git repository with one commit and no remote."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    git("init", "-q", cwd=folder)
    (folder / "file.txt").write_text("x\n")
    git("add", "file.txt", cwd=folder)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one", cwd=folder)
    return folder


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("https://github.com/owner/name.git", "https://github.com/owner/name"),
        ("git@github.com:owner/name.git", "https://github.com/owner/name"),
        ("ssh://git@github.com/owner/name", "https://github.com/owner/name"),
        (
            "https://user:token@gitlab.example.org/group/name/",
            "https://gitlab.example.org/group/name",
        ),
        ("git@gitlab.example.org:group/name.git", "ssh://git@gitlab.example.org/~/group/name.git"),
        ("file:///srv/clone", "file:///srv/clone"),
        ("/srv/clone", "file:///srv/clone"),
    ],
)
def test_clone_url(value: str, url: str) -> None:
    assert clone_url(value, Path("/")) == url


def test_a_relative_path_is_taken_from_the_base() -> None:
    assert clone_url("clone", Path("/srv")) == "file:///srv/clone"


def test_the_explicit_setting_wins(checkout: Path) -> None:
    environ = {
        "MNIST_TUTORIAL_REPOSITORY": "https://github.com/someone/fork",
        "MNIST_TUTORIAL_COMMIT": SHA.upper(),
        "GITHUB_REPOSITORY": "owner/name",
        "GITHUB_SHA": "f" * 40,
    }
    assert repository(environ, checkout) == Repository(
        "https://github.com/someone/fork", SHA, "someone/fork"
    )


def test_a_local_clone_at_the_checkouts_head(checkout: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git("clone", "-q", str(checkout), str(clone), cwd=tmp_path)
    found = repository({"MNIST_TUTORIAL_REPOSITORY": clone.as_uri()}, checkout)
    assert found == Repository(clone.as_uri(), git("rev-parse", "HEAD", cwd=checkout))
    assert found.pip_requirement == f"git+{clone.as_uri()}@{found.commit}"
    assert found.web_url is None


def test_a_clone_without_the_commit_is_refused(checkout: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git("clone", "-q", str(checkout), str(clone), cwd=tmp_path)
    (checkout / "file.txt").write_text("y\n")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "two", cwd=checkout)
    with pytest.raises(ValueError, match="is not in it"):
        repository({"MNIST_TUTORIAL_REPOSITORY": str(clone)}, checkout)


def test_an_explicit_commit_must_be_a_full_sha(checkout: Path) -> None:
    environ = {"MNIST_TUTORIAL_REPOSITORY": "https://x.org/r", "MNIST_TUTORIAL_COMMIT": "main"}
    with pytest.raises(ValueError, match="MNIST_TUTORIAL_COMMIT"):
        repository(environ, checkout)


def test_github_actions(checkout: Path) -> None:
    environ = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "owner/name",
        "GITHUB_SHA": SHA,
    }
    found = repository(environ, checkout)
    assert found == Repository("https://github.com/owner/name", SHA, "owner/name")
    assert found.web_url == "https://github.com/owner/name"


def test_the_checkouts_origin_and_head(checkout: Path) -> None:
    git("remote", "add", "origin", "git@github.com:owner/name.git", cwd=checkout)
    assert repository({}, checkout) == Repository(
        "https://github.com/owner/name", git("rev-parse", "HEAD", cwd=checkout), "owner/name"
    )


def test_unknown_without_a_remote(checkout: Path, tmp_path: Path) -> None:
    assert repository({}, checkout) is None
    assert repository({}, tmp_path / "not-a-checkout") is None


# --- The notebooks' first cell ----------------------------------------------------------------


def run_cell(source: str) -> None:
    """The cell without its IPython magic, run as plain Python."""
    assert source.endswith("\n%matplotlib inline")
    exec(compile(source.removesuffix("%matplotlib inline"), "<first cell>", "exec"), {})


def test_the_cell_does_nothing_where_the_package_is_importable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("installed something"))
    run_cell(first_notebook_cell(Repository("https://github.com/o/n", SHA, "o/n")))
    run_cell(first_notebook_cell(None))


def test_the_cell_installs_the_pinned_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setitem(sys.modules, "mnist_tutorial", None)  # None: "import" raises
    monkeypatch.setattr(subprocess, "call", lambda args: calls.append(args) or 0)
    source = first_notebook_cell(Repository("file:///srv/clone", SHA))
    assert f"# from file:///srv/clone at commit {SHA}," in source
    run_cell(source)
    assert calls[0][1:4] == ["-m", "pip", "install"]
    assert calls[0][-1] == f"git+file:///srv/clone@{SHA}"


def test_a_failed_install_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mnist_tutorial", None)
    monkeypatch.setattr(subprocess, "call", lambda args: 1)
    source = first_notebook_cell(Repository("https://github.com/o/n", SHA, "o/n"))
    with pytest.raises(RuntimeError, match=r"Could not install .* `pip install -e \.`") as info:
        run_cell(source)
    assert f"check out {SHA}" in str(info.value)


def test_an_unknown_repository_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mnist_tutorial", None)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("installed something"))
    with pytest.raises(ModuleNotFoundError, match=r"Clone the mnist-tutorial project, run `pip"):
        run_cell(first_notebook_cell(None))


# --- What may not reach the notebooks ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "ssh://git@host.example.org/name\nimport os; os.system('id')",
        "git://host.example.org/name\rprint('injected')",
        "https://host.example.org/name\x00",
        "https://host.example.org/na\tme",
        "https://host.example.org/name\u2028print('injected')",
        "https://host.example.org/na\u200bme",  # zero-width space: invisible in the cell
    ],
    ids=["newline", "carriage-return", "nul", "tab", "line-separator", "zero-width-space"],
)
def test_a_repository_url_with_a_control_character_is_refused(value: str, checkout: Path) -> None:
    environ = {"MNIST_TUTORIAL_REPOSITORY": value, "MNIST_TUTORIAL_COMMIT": SHA}
    with pytest.raises(ValueError, match=r"^MNIST_TUTORIAL_REPOSITORY=.*control character"):
        repository(environ, checkout)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("https:///owner/repo", "names no host"),  # was a bare TypeError
        ("https://", "names no host"),
        ("http://:8080/owner/repo", "names no host"),
        ("ssh:///owner/repo", "names no host"),
        ("https://host.example.org:port/repo", "Port could not be cast"),  # a bare ValueError
        ("https://[::1/repo", "Invalid IPv6 URL"),
        ("ftp://host.example.org/repo", "scheme is not one of"),
        ("https://host.example.org/", "names no repository"),
        ("https://github.com/owner", "github.com/owner/name"),
        ("https://host.example.org/my repo", "holds a space"),
    ],
)
def test_a_malformed_repository_url_is_refused_naming_the_variable(
    value: str, problem: str, checkout: Path
) -> None:
    environ = {"MNIST_TUTORIAL_REPOSITORY": value, "MNIST_TUTORIAL_COMMIT": SHA}
    with pytest.raises(ValueError, match=r"^MNIST_TUTORIAL_REPOSITORY=") as error:
        repository(environ, checkout)
    assert problem in str(error.value)
    assert "https://github.com/owner/name" in str(error.value)  # what to set instead


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GITHUB_REPOSITORY", "owner/name\nimport os"), ("GITHUB_SHA", SHA + "\nimport os")],
)
def test_github_actions_values_that_would_break_the_cell_are_refused(
    variable: str, value: str, checkout: Path
) -> None:
    environ = {"GITHUB_REPOSITORY": "owner/name", "GITHUB_SHA": SHA} | {variable: value}
    with pytest.raises(ValueError, match=variable):
        repository(environ, checkout)


def test_an_origin_remote_with_a_newline_is_refused(checkout: Path) -> None:
    git("remote", "add", "origin", "https://host.example.org/name\nimport os", cwd=checkout)
    with pytest.raises(ValueError, match=r"the origin remote of .*control character"):
        repository({}, checkout)


@pytest.mark.parametrize(
    "value", ["ssh://git@host.example.org:2222/name", "http://host.example.org:8080/name"]
)
def test_urls_with_a_port_are_still_taken(value: str, checkout: Path) -> None:
    environ = {"MNIST_TUTORIAL_REPOSITORY": value, "MNIST_TUTORIAL_COMMIT": SHA}
    assert repository(environ, checkout) == Repository(value, SHA)


def test_a_local_clone_with_a_space_in_its_path_is_still_taken(
    checkout: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "my clone"
    git("clone", "-q", str(checkout), str(clone), cwd=tmp_path)
    found = repository({"MNIST_TUTORIAL_REPOSITORY": str(clone)}, checkout)
    assert found.url == clone.as_uri()
    assert "%20" in found.url
