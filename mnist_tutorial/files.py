"""File helpers shared by the package and the build: a file's SHA-256, atomic writes, the cache.

Standard library only: the site's build tools and the GPU bundle import this module from the
checkout before anything is installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# The permissions a new file gets (read once: os.umask can only be read by setting it). The
# temporary file of an atomic write is created private; the finished file gets these, as a file
# written with open() would, so that a web server or another user can read the built site.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
NEW_FILE_MODE = 0o666 & ~_UMASK


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's content, as 64 hex digits (read in blocks of 1 MiB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success, rename it to ``path``.

    A reader never sees half a file, and a write that fails (or is interrupted) leaves the old
    file as it was and no temporary file behind. The folder is created if needed. Text is
    written as UTF-8, and the file gets the permissions ``open()`` would give a new file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
        os.chmod(tmp, NEW_FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def user_cache_dir() -> Path:
    """The per-user cache folder of this project (``$XDG_CACHE_HOME`` or ``~/.cache``).

    ``~`` is expanded; a relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification asks.
    """
    xdg = Path(os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache").expanduser()
    base = xdg if xdg.is_absolute() else Path.home() / ".cache"
    return base / "mnist-tutorial"
