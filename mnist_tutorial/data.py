"""Loading MNIST: where the files live, checking them, and two kinds of batch loaders."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import torch
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

DATA_ENV = "MNIST_TUTORIAL_DATA"
# The reference normalization maps pixel values from [0, 1] to [-1, 1].
MEAN, STD = 0.5, 0.5

# name -> (magic number, bytes per item, header bytes, number of items)
RAW_FILES = {
    "train-images-idx3-ubyte": (2051, 28 * 28, 16, 60_000),
    "train-labels-idx1-ubyte": (2049, 1, 8, 60_000),
    "t10k-images-idx3-ubyte": (2051, 28 * 28, 16, 10_000),
    "t10k-labels-idx1-ubyte": (2049, 1, 8, 10_000),
}


def user_cache_dir() -> Path:
    """The per-user cache folder of this project (``$XDG_CACHE_HOME`` or ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mnist-tutorial"


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds ``MNIST/raw``: ``root``, else ``$MNIST_TUTORIAL_DATA``, else the cache.

    Never the working directory: sphinx-gallery runs every example from its own folder.
    """
    if root is None:
        root = os.environ.get(DATA_ENV) or user_cache_dir() / "data"
    return Path(root).expanduser().absolute()


def raw_folder(root: Path) -> Path:
    return root / "MNIST" / "raw"


def check_raw_files(root: Path) -> None:
    """Raise a clear error if a raw MNIST file is missing, truncated or not an MNIST file."""
    folder = raw_folder(root)
    missing = [name for name in RAW_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"MNIST raw files not found in {folder}: missing {', '.join(missing)}. "
            f"Expected the four files {', '.join(RAW_FILES)} there. Put them in "
            f"<root>/MNIST/raw/ and point {DATA_ENV} at <root>, or pass root=..., "
            "or allow download=True on a machine with internet access."
        )
    for name, (magic, item_bytes, header, count) in RAW_FILES.items():
        path = folder / name
        size = path.stat().st_size
        expected_size = header + item_bytes * count
        with open(path, "rb") as f:
            found_magic = int.from_bytes(f.read(4), "big")
        if found_magic != magic:
            raise ValueError(
                f"{path} is not an MNIST {name.split('-')[1]} file: its magic number is "
                f"{found_magic}, expected {magic}. Replace it with the original file."
            )
        if size != expected_size:
            raise ValueError(
                f"{path} is {size:,} bytes, expected {expected_size:,} "
                f"({count:,} items): the file is truncated or corrupt. Replace it with the "
                "original file (see MD5SUMS beside the data)."
            )


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
    """The torchvision MNIST dataset with the reference transforms (to tensor, normalize)."""
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
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.shuffle = shuffle
        # A CPU generator works for every device and makes the order independent of hardware.
        self.generator = torch.Generator().manual_seed(seed)

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


def mnist_tensors(
    train: bool, device: torch.device | str | None = None, root=None, subset: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """A whole split as (images (N, 1, 28, 28) normalized, labels (N,)) on ``device``."""
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
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
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
