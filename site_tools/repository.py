"""Where the code of this build comes from: the repository and commit the notebooks install.

The first source that is set wins:

1. ``MNIST_TUTORIAL_REPOSITORY``: a URL, or a local clone (a path or a ``file://`` URL), with
   ``MNIST_TUTORIAL_COMMIT`` (default: this checkout's HEAD). An explicit setting wins over
   everything below, so any build can point its notebooks at any clone.
2. GitHub Actions: ``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY`` at ``GITHUB_SHA``.
3. This git checkout: its ``origin`` remote at ``git rev-parse HEAD``.

Otherwise the repository is unknown (``None``): nothing links to it or installs from it. The
Sphinx extension ``docs/_ext/repository_record.py`` records what it found in the built site
(``repository.json``).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import subprocess
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY_ENV = "MNIST_TUTORIAL_REPOSITORY"
COMMIT_ENV = "MNIST_TUTORIAL_COMMIT"
RECORD = "repository.json"  # in the root of the built site
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")  # a full SHA-1 or SHA-256 object name
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^@/:]{2,}):(?!//)(?P<path>.+)$")
# What pip's ``git+<url>`` and ``git clone`` take (a local path becomes a file:// URL).
_SCHEMES = ("https", "http", "ssh", "git", "file")


@dataclasses.dataclass(frozen=True)
class Repository:
    """A repository URL that git and pip accept, and the full SHA of this build's commit."""

    url: str
    commit: str
    github: str | None = None  # "owner/name" when the repository is on github.com

    @property
    def pip_requirement(self) -> str:
        """What ``pip install`` takes to install the package at this commit."""
        return f"git+{self.url}@{self.commit}"

    @property
    def web_url(self) -> str | None:
        """The repository's address for a browser, if it has one (not a local clone)."""
        return self.url if self.url.startswith(("https://", "http://")) else None


def _git(*args: str, cwd: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def clone_url(value: str, base: Path) -> str:
    """``value`` as a URL that ``git clone`` and pip accept; a local path relative to ``base``.

    GitHub's SSH forms become https (a reader has no key for them); credentials are dropped.
    """
    scp = _SCP_LIKE.match(value)
    if "://" not in value and scp and not Path(value).exists():  # user@host:path
        path = scp["path"] if scp["path"].startswith("/") else "/~/" + scp["path"]
        user = f"{scp['user']}@" if scp["user"] else ""
        value = f"ssh://{user}{scp['host']}{path}"
    if "://" not in value:
        path = Path(value).expanduser()
        return (path if path.is_absolute() else base / path).resolve().as_uri()
    parts = urlsplit(value)
    if parts.hostname == "github.com":
        owner_name = parts.path.strip("/").removeprefix("~/").removesuffix(".git")
        return f"https://github.com/{owner_name}"
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError("it names no host")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    return value


def checked_clone_url(value: str, base: Path, source: str) -> str:
    """:func:`clone_url` of ``value``, or ValueError naming ``source`` (where ``value`` came from).

    The URL is written into every notebook's first cell (a comment and a string): a newline or
    another control character would put code of its own there, and a malformed URL would give
    an install that cannot work. Both are refused here, with what to set instead.
    """

    def refused(problem: str) -> ValueError:
        return ValueError(
            f"{source}={value!r} is not a repository URL that git and pip accept: {problem}. "
            "Set it to one such as https://github.com/owner/name, or to a local clone's path."
        )

    if any(unicodedata.category(char)[0] == "C" or char in "\u2028\u2029" for char in value):
        raise refused("it holds a control character (a newline, a carriage return, ...)")
    try:
        url = clone_url(value, base)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise refused(str(error)) from None
    if parts.scheme not in _SCHEMES:
        raise refused(f"its scheme is not one of {', '.join(_SCHEMES)}")
    if parts.scheme != "file" and not parts.hostname:
        raise refused("it names no host")
    if not parts.path.strip("/"):
        raise refused("it names no repository on the host")
    if any(char.isspace() for char in url):
        raise refused("it holds a space")
    if parts.hostname == "github.com" and _github_name(url) is None:
        raise refused("a GitHub repository is github.com/owner/name")
    return url


def _github_name(url: str) -> str | None:
    parts = urlsplit(url)
    owner_name = parts.path.strip("/")
    return owner_name if parts.hostname == "github.com" and owner_name.count("/") == 1 else None


def _local_clone(url: str) -> Path | None:
    return Path(unquote(urlsplit(url).path)) if url.startswith("file://") else None


def _explicit(environ: Mapping[str, str], checkout: Path) -> Repository:
    url = checked_clone_url(environ[REPOSITORY_ENV].strip(), Path.cwd(), REPOSITORY_ENV)
    commit = environ.get(COMMIT_ENV, "").strip().lower() or _git("rev-parse", "HEAD", cwd=checkout)
    if not commit or not _SHA.fullmatch(commit):
        raise ValueError(
            f"{REPOSITORY_ENV} is set, but the commit to install is unknown or not a full SHA "
            f"({commit!r}): set {COMMIT_ENV} to the full SHA of the commit this build runs."
        )
    clone = _local_clone(url)
    if clone is not None and not _git("cat-file", "-t", f"{commit}^{{commit}}", cwd=clone):
        raise ValueError(
            f"{REPOSITORY_ENV} names the local clone {clone}, but commit {commit} is not in it: "
            "commit first and clone (or fetch) again, or set "
            f"{COMMIT_ENV} to a commit the clone has."
        )
    return Repository(url, commit, _github_name(url))


def repository(
    environ: Mapping[str, str] | None = None, checkout: Path = ROOT
) -> Repository | None:
    """The repository and commit of this build (see the module's docstring), or None.

    Raises ValueError when ``MNIST_TUTORIAL_REPOSITORY`` is set but cannot be used as it is.
    """
    environ = os.environ if environ is None else environ
    if environ.get(REPOSITORY_ENV, "").strip():
        return _explicit(environ, checkout)
    if environ.get("GITHUB_REPOSITORY") and environ.get("GITHUB_SHA"):
        server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
        value = f"{server.rstrip('/')}/{environ['GITHUB_REPOSITORY']}"
        url = checked_clone_url(value, checkout, "GITHUB_SERVER_URL/GITHUB_REPOSITORY")
        commit = environ["GITHUB_SHA"].lower()
        if not _SHA.fullmatch(commit):
            raise ValueError(f"GITHUB_SHA={commit!r} is not a full commit SHA")
        return Repository(url, commit, _github_name(url))
    origin = _git("remote", "get-url", "origin", cwd=checkout)
    commit = _git("rev-parse", "HEAD", cwd=checkout)
    if origin and commit:
        url = checked_clone_url(origin, checkout, f"the origin remote of {checkout}")
        return Repository(url, commit, _github_name(url))
    return None


@functools.cache
def this_build() -> Repository | None:
    """``repository()`` of this process's environment, looked up once per build."""
    return repository()
