"""The raw MNIST files: where they live, checking them, and the memory of verified checksums.

torchvision only checks that the four files exist; a truncated one gives a cryptic reshape
error much later. Here every header field, every label and the SHA-256 of each file are
checked first, with an error that names the file, what was found and how to fix it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from mnist_tutorial.config import env_path
from mnist_tutorial.files import atomic_write, sha256_file, user_cache_dir

DATA_ENV = "MNIST_TUTORIAL_DATA"
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
SIDE = 28  # pixels per image row and column

# name -> (magic number, bytes per item, header bytes, number of items)
RAW_FILES = {
    "train-images-idx3-ubyte": (IMAGES_MAGIC, SIDE * SIDE, 16, 60_000),
    "train-labels-idx1-ubyte": (LABELS_MAGIC, 1, 8, 60_000),
    "t10k-images-idx3-ubyte": (IMAGES_MAGIC, SIDE * SIDE, 16, 10_000),
    "t10k-labels-idx1-ubyte": (LABELS_MAGIC, 1, 8, 10_000),
}
# The canonical files' SHA-256 (public; the same as torchvision's download, uncompressed).
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
HOW_TO_FIX = (
    "Replace it with the original file: delete it and load again with internet access "
    "(torchvision downloads the missing files), or copy it from an intact MNIST copy."
)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds ``MNIST/raw``: ``root``, else ``$MNIST_TUTORIAL_DATA``, else the cache.

    A relative ``root`` is relative to the current directory, like any path argument; a
    relative ``$MNIST_TUTORIAL_DATA`` to the directory the package was imported from
    (:func:`mnist_tutorial.config.env_path`), because sphinx-gallery runs every example
    from its own folder. ``~`` is expanded in both.
    """
    if root is None:
        return env_path(DATA_ENV) or user_cache_dir() / "data"
    return Path(root).expanduser().absolute()


def raw_folder(root: Path) -> Path:
    return root / "MNIST" / "raw"


def check_raw_files(root: Path) -> None:
    """Raise a clear error if a raw MNIST file is missing, malformed or not the original.

    Every header field and size first, then the labels (0-9), then the SHA-256 of each
    file, which is computed once per file version (see :func:`file_sha256`).
    """
    folder = raw_folder(root)
    missing = [name for name in RAW_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"MNIST raw files not found in {folder}: missing {', '.join(missing)}. "
            f"Expected the four files {', '.join(RAW_FILES)} there. Put them in "
            f"<root>/MNIST/raw/ and point {DATA_ENV} at <root>, or pass root=..., "
            "or allow download=True on a machine with internet access."
        )
    for name in RAW_FILES:
        _check_header(folder / name)
    for name, (magic, *_) in RAW_FILES.items():
        if magic == LABELS_MAGIC:
            _check_labels(folder / name)
    for name in RAW_FILES:
        _check_checksum(folder / name)


def _bad_file(path: Path, found: str, expected: str) -> ValueError:
    return ValueError(f"{path}: {found}, expected {expected}. {HOW_TO_FIX}")


def _check_header(path: Path) -> None:
    magic, item_bytes, header_bytes, count = RAW_FILES[path.name]
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    size = path.stat().st_size
    expected_size = header_bytes + item_bytes * count
    with open(path, "rb") as f:
        header = f.read(header_bytes)
    # The header is a 4-byte magic number, then one 4-byte big-endian int per dimension.
    fields = [int.from_bytes(header[i : i + 4], "big") for i in range(0, len(header) - 3, 4)]
    if not fields or fields[0] != magic:
        found = f"its magic number is {fields[0]}" if fields else f"it is only {size} bytes"
        raise _bad_file(path, f"not an MNIST {kind} file: {found}", f"magic number {magic}")
    if len(header) < header_bytes:
        raise _bad_file(path, f"it is {size:,} bytes, too short for a header", f"{expected_size:,}")
    if fields[1] != count:
        raise _bad_file(path, f"its header says {fields[1]:,} {kind}", f"{count:,}")
    if kind == "images" and fields[2:] != [SIDE, SIDE]:
        found = f"its header says images of {fields[2]} x {fields[3]} pixels"
        raise _bad_file(path, found, f"{SIDE} x {SIDE}")
    if size != expected_size:
        found = f"it is {size:,} bytes, so truncated or padded"
        raise _bad_file(path, found, f"{expected_size:,} bytes ({count:,} {kind})")


def _check_labels(path: Path) -> None:
    header_bytes = RAW_FILES[path.name][2]
    labels = np.frombuffer(path.read_bytes(), dtype=np.uint8, offset=header_bytes)
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        first = int(bad[0])
        share = f"{bad.size:,} of {labels.size:,} outside 0-9"
        found = f"label {labels[first]} at item {first:,} ({share})"
        raise _bad_file(path, found, "every label a digit 0-9")


def _check_checksum(path: Path) -> None:
    digest, expected = file_sha256(path), SHA256[path.name]
    if digest != expected:
        found = f"its SHA-256 is {digest}, so its content is not the original MNIST file"
        raise _bad_file(path, found, expected)


# Verified digests by (absolute path, size, modification time): hashing all four files takes
# a tenth of a second, but the tests and every example of a build check them again. Kept in
# memory, and on disk in the per-user cache so that a new process need not hash again.
_DIGESTS: dict[str, dict] = {}


def checksum_record() -> Path:
    """The JSON file that remembers the verified files between processes."""
    return user_cache_dir() / "verified-mnist-files.json"


def file_sha256(path: Path) -> str:
    """The SHA-256 of ``path``, computed once per file version (same size and mtime)."""
    path = Path(path).absolute()
    stat = path.stat()
    version = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    for known in (_DIGESTS, _read_record()):
        entry = known.get(str(path))
        if entry is not None and {k: entry.get(k) for k in version} == version:
            _DIGESTS[str(path)] = entry
            return entry["sha256"]
    entry = {**version, "sha256": sha256_file(path)}
    _DIGESTS[str(path)] = entry
    if entry["sha256"] == SHA256.get(path.name):
        _write_record(str(path), entry)  # only files that passed, so the record stays small
    return entry["sha256"]


def _read_record() -> dict:
    try:
        record = json.loads(checksum_record().read_text())
    except (OSError, ValueError):  # missing or damaged: it is only a speed-up
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(path: str, entry: dict) -> None:
    record = {**_read_record(), path: entry}
    try:
        with atomic_write(checksum_record()) as f:  # readers never see half a file
            json.dump(record, f, indent=1)
    except OSError:  # a read-only or full cache only costs a new hash next time
        pass
