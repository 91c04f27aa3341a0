"""Loading MNIST: where the files live, checking them, and two kinds of batch loaders."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

from mnist_tutorial.config import check_bool, check_int, env_path

DATA_ENV = "MNIST_TUTORIAL_DATA"
# The reference normalization maps pixel values from [0, 1] to [-1, 1].
MEAN, STD = 0.5, 0.5
# A black pixel (0) after normalization: the value that fills the space a shifted image leaves.
BLACK = (0 - MEAN) / STD
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


def user_cache_dir() -> Path:
    """The per-user cache folder of this project (``$XDG_CACHE_HOME`` or ``~/.cache``).

    ``~`` is expanded; a relative ``XDG_CACHE_HOME`` is ignored, as the XDG specification asks.
    """
    xdg = Path(os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache").expanduser()
    base = xdg if xdg.is_absolute() else Path.home() / ".cache"
    return base / "mnist-tutorial"


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
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    entry = {**version, "sha256": digest.hexdigest()}
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
    target = checksum_record()
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, target)  # readers never see half a file
    except OSError:  # a read-only or full cache only costs a new hash next time
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _download(root: Path) -> None:
    # torchvision downloads when the files are missing; offline, that fails with a network error
    # that would hide what is actually wrong, so it is translated into FileNotFoundError.
    try:
        torchvision.datasets.MNIST(root=str(root), train=True, download=True)
    except Exception as error:  # any failure here means "no data"
        raise FileNotFoundError(
            f"MNIST is not in {raw_folder(root)} and downloading it failed ({error}). "
            f"Expected the four files {', '.join(RAW_FILES)} there; set {DATA_ENV} to a "
            "folder that holds MNIST/raw/ to work offline."
        ) from error


def load_mnist(
    train: bool, root: str | os.PathLike | None = None, download: bool = True
) -> torchvision.datasets.MNIST:
    """The torchvision MNIST dataset with the reference transforms (to tensor, normalize).

    The raw files are checked first (:func:`check_raw_files`); missing ones are downloaded
    when ``download``, damaged ones never replaced silently.
    """
    check_bool("train", train)
    check_bool("download", download)
    folder = data_root(root)
    if download and not all((raw_folder(folder) / name).is_file() for name in RAW_FILES):
        _download(folder)
    check_raw_files(folder)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    return torchvision.datasets.MNIST(
        root=str(folder), train=train, transform=transform, download=False
    )


def normalize(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 pixels (N, 28, 28) to normalized floats (N, 1, 28, 28), as the reference transforms.

    The same operations in the same order as ToTensor then Normalize, so the values are
    bit-for-bit identical to the DataLoader path.
    """
    x = pixels.unsqueeze(1).to(torch.float32).div(255)
    return x.sub(MEAN).div(STD)


def denormalize(images: torch.Tensor) -> torch.Tensor:
    """Undo :func:`normalize`: values back in [0, 1] for display."""
    return images * STD + MEAN


class TensorLoader:
    """Batches cut from one tensor that holds a whole split, already normalized, on a device.

    It behaves like the reference DataLoader (same batches, same last partial batch) without
    its per-image Python work: when ``shuffle``, one seeded permutation per epoch, then slices.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
    ) -> None:
        for name, value in (("images", images), ("labels", labels)):
            if not isinstance(value, torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = labels
        self.batch_size = check_int("batch_size", batch_size)
        self.shuffle = check_bool("shuffle", shuffle)
        # A CPU generator works for every device and makes the order independent of hardware.
        self.generator = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))

    @property
    def device(self) -> torch.device:
        return self.images.device

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        images, labels = self.images, self.labels
        if self.shuffle:
            order = torch.randperm(len(images), generator=self.generator).to(images.device)
            images, labels = images[order], labels[order]  # one gather per epoch
        for start in range(0, len(images), self.batch_size):
            end = start + self.batch_size
            yield images[start:end], labels[start:end]


def check_subset(subset: int | None, train: bool) -> None:
    """Refuse a ``subset`` that is not None or a whole number from 1 to the split's size."""
    if subset is not None:
        size = RAW_FILES["train-labels-idx1-ubyte" if train else "t10k-labels-idx1-ubyte"][3]
        check_int("subset (None for all images)", subset, minimum=1, maximum=size)


def mnist_tensors(
    train: bool, device: torch.device | str | None = None, root=None, subset: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A whole split as (images (N, 1, 28, 28) normalized, labels (N,)) on ``device``.

    ``subset`` keeps only the first that many images (None: all of them).
    """
    check_subset(subset, train)
    dataset = load_mnist(train, root=root)
    pixels, labels = dataset.data, dataset.targets
    if subset is not None:
        pixels, labels = pixels[:subset], labels[:subset]
    device = torch.device(device or "cpu")
    # Move the uint8 pixels first: 4x less to copy than floats, and normalize on the device.
    return normalize(pixels.to(device)), labels.to(device)


def mnist_loaders(
    batch_size: int = 256,
    device: torch.device | str | None = None,
    fast: bool = True,
    root: str | os.PathLike | None = None,
    subset: int | None = None,
    seed: int = 0,
) -> tuple[TensorLoader | DataLoader, TensorLoader | DataLoader]:
    """``(train_loader, test_loader)``; the training set is shuffled.

    ``fast=True`` holds each split on ``device`` as one tensor (:class:`TensorLoader`);
    ``fast=False`` gives the reference's torchvision DataLoaders, whose batches are on the CPU.
    ``subset`` keeps only the first that many training images.
    """
    # Checked here, before any data is read, the same for both kinds of loaders.
    check_int("batch_size", batch_size)
    check_bool("fast", fast)
    check_subset(subset, train=True)
    check_int("seed", seed, minimum=0)
    if fast:
        train = TensorLoader(
            *mnist_tensors(True, device, root, subset), batch_size, shuffle=True, seed=seed
        )
        test = TensorLoader(*mnist_tensors(False, device, root), batch_size)
        return train, test
    train_set = load_mnist(True, root=root)
    if subset is not None:
        train_set = torch.utils.data.Subset(train_set, range(subset))
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator)
    test = DataLoader(load_mnist(False, root=root), batch_size=batch_size, shuffle=False)
    return train, test
