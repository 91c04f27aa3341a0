"""Loading MNIST: the torchvision dataset, normalization, and two kinds of batch loaders.

Where the raw files live and how they are checked is :mod:`mnist_tutorial.mnist_files`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import torch
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

from mnist_tutorial.config import check_bool, check_int
from mnist_tutorial.mnist_files import DATA_ENV, RAW_FILES, check_raw_files, data_root, raw_folder

# The reference normalization maps pixel values from [0, 1] to [-1, 1].
MEAN, STD = 0.5, 0.5
# A black pixel (0) after normalization: the value that fills the space a shifted image leaves.
BLACK = (0 - MEAN) / STD


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

    The raw files are checked first (:func:`~mnist_tutorial.mnist_files.check_raw_files`);
    missing ones are downloaded when ``download``, damaged ones never replaced silently.
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
