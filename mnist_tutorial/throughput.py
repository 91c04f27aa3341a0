"""Measuring how fast a data loader delivers batches, alone or against another loader (A/B)."""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import time
from collections.abc import Iterable, Mapping

import torch

from mnist_tutorial.config import check_int


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work: GPU calls return before the work is done."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def images_per_second(
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    batches: int | None = 20,
    warmup: int = 2,
    device: torch.device | str = "cpu",
) -> float:
    """Images per second that ``loader`` delivers on ``device``, ready for the network.

    First ``warmup`` batches are drawn untimed (caches, lazy set-up); then a fresh pass over
    the loader is timed for ``batches`` batches (``None``: a whole epoch). The timed pass
    includes starting the epoch, e.g. the fast loader's shuffle, as in training.
    """
    check_int("warmup", warmup, minimum=0)
    if batches is not None:
        check_int("batches (None for a whole epoch)", batches)
    device = torch.device(device)
    for images, _ in itertools.islice(loader, warmup):
        images.to(device)
    synchronize(device)
    count = 0
    start = time.perf_counter()
    for images, labels in itertools.islice(loader, batches):
        images, labels = images.to(device), labels.to(device)
        count += len(images)
    synchronize(device)
    if count == 0:
        raise ValueError("the loader yielded no images to time: is it empty?")
    return count / (time.perf_counter() - start)


@dataclasses.dataclass(frozen=True)
class Throughput:
    """Every repeat's images per second, and their median (robust to a busy machine)."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def compare_throughput(
    loaders: Mapping[str, Iterable[tuple[torch.Tensor, torch.Tensor]]],
    repeats: int = 5,
    batches: int | None = 20,
    warmup: int = 2,
    device: torch.device | str = "cpu",
) -> dict[str, Throughput]:
    """Measure each named loader ``repeats`` times, interleaved, and keep every sample.

    Interleaving (A B B A A B ...) spreads a slow moment of a shared machine over all the
    loaders instead of charging it to whichever one happened to run then.
    """
    check_int("repeats", repeats)
    names = list(loaders)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        order = names if repeat % 2 == 0 else names[::-1]
        for name in order:
            samples[name].append(images_per_second(loaders[name], batches, warmup, device))
    return {name: Throughput(values) for name, values in samples.items()}
