"""Measuring a trained network: accuracy, predictions, mistakes, confusion matrix, shifts."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator

import torch
from torch import nn

from mnist_tutorial.config import check_int
from mnist_tutorial.environment import device_of
from mnist_tutorial.models import NUM_CLASSES


@contextlib.contextmanager
def inference_mode(net: nn.Module) -> Iterator[nn.Module]:
    """Eval mode and no gradients for the block; the net's previous mode is restored after."""
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            yield net
    finally:
        net.train(was_training)


@dataclasses.dataclass(frozen=True)
class Accuracy:
    """How many images were classified correctly, out of how many."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        """Percentage of images classified correctly."""
        return 100.0 * self.correct / self.total

    @property
    def errors(self) -> int:
        return self.total - self.correct


# count_correct is written out in section 4 (examples/plot_04_evaluate.py) as code a reader can
# copy into an empty notebook; tests/test_taught_code.py keeps this copy identical to the
# section's (as syntax trees), so edit both together. evaluate wraps it with the package's checks.


def count_correct(net, loader):
    """How many images of ``loader`` the net classifies correctly, and how many it saw."""
    device = next(net.parameters()).device
    net.eval()  # evaluation mode (our layers behave the same in both modes)
    correct, total = 0, 0
    with torch.no_grad():  # no training here, so autograd need not record anything
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            predicted = net(images).argmax(dim=1)  # (N,): the digit with the highest score
            correct += (predicted == labels).sum()  # count IMAGES, not batches
            total += len(labels)
    return int(correct), total  # int(): one wait for the GPU, at the end


def evaluate(net: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> Accuracy:
    """Section 4's :func:`count_correct` as an :class:`Accuracy`; the net's mode is restored."""
    if next(net.parameters(), None) is None:
        raise ValueError(f"the network ({type(net).__name__}) has no parameters to evaluate")
    with inference_mode(net):
        correct, total = count_correct(net, loader)
    if total == 0:
        raise ValueError("the loader yields no images to evaluate")
    return Accuracy(correct=correct, total=total)


@dataclasses.dataclass(frozen=True)
class Predictions:
    """Every image of a loader with its label and the net's answer, on the CPU, in order."""

    images: torch.Tensor  # (N, 1, 28, 28), normalized as the net saw them
    labels: torch.Tensor  # (N,)
    probabilities: torch.Tensor  # (N, 10), softmax of the net's scores

    @property
    def predicted(self) -> torch.Tensor:
        return self.probabilities.argmax(dim=1)

    @property
    def confidence(self) -> torch.Tensor:
        """The probability the net gave to its own answer."""
        return self.probabilities.max(dim=1).values

    def misclassified(self) -> torch.Tensor:
        """Indices of the wrongly classified images, most confident mistakes first."""
        wrong = (self.predicted != self.labels).nonzero().flatten()
        order = self.confidence[wrong].argsort(descending=True, stable=True)
        return wrong[order]


def predict(net: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> Predictions:
    """Run ``net`` over ``loader`` and keep images, labels and class probabilities."""
    device = device_of(net)
    images, labels, probabilities = [], [], []
    with inference_mode(net):
        for batch, batch_labels in loader:
            scores = net(batch.to(device))
            probabilities.append(torch.softmax(scores, dim=1).cpu())
            images.append(batch.cpu())
            labels.append(batch_labels.cpu())
    if not images:
        raise ValueError("the loader yields no images to predict: is the dataset empty?")
    return Predictions(torch.cat(images), torch.cat(labels), torch.cat(probabilities))


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
    """Counts (10, 10): row = true digit, column = predicted digit.

    Raises ValueError unless both are 1-D tensors of the same length holding digits 0-9.
    """
    for name, values in (("labels", labels), ("predicted", predicted)):
        _check_digits(name, values)
    if len(labels) != len(predicted):
        raise ValueError(f"{len(labels)} labels but {len(predicted)} predictions")
    flat = labels.long() * NUM_CLASSES + predicted.long()
    return torch.bincount(flat, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def _check_digits(name: str, values: torch.Tensor) -> None:
    if not isinstance(values, torch.Tensor) or values.dim() != 1:
        shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(f"{name} must be a 1-D tensor of digits, got {shape}")
    outside = ((values < 0) | (values >= NUM_CLASSES) | (values != values.round())).nonzero()
    if len(outside):
        index = int(outside[0])
        raise ValueError(
            f"{name} must hold whole digits 0-{NUM_CLASSES - 1}, found {values[index].item()} "
            f"at index {index} ({len(outside)} of {len(values)} outside 0-{NUM_CLASSES - 1})"
        )


def per_class_accuracy(labels: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
    """Percentage correct for each true digit, (10,)."""
    matrix = confusion_matrix(labels, predicted).double()
    return 100.0 * matrix.diagonal() / matrix.sum(dim=1).clamp(min=1)


def shift_images(images: torch.Tensor, dx: int, dy: int, fill: float) -> torch.Tensor:
    """Translate (N, C, H, W) images by ``dx`` pixels right and ``dy`` down; new pixels = fill."""
    shifted = torch.full_like(images, fill)
    h, w = images.shape[-2:]
    if abs(dx) >= w or abs(dy) >= h:
        return shifted
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    shifted[..., dst_y, dst_x] = images[..., src_y, src_x]
    return shifted


def shift_accuracy(
    net: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    shifts: Iterable[int],
    background: float,
    batch_size: int = 1000,
) -> list[float]:
    """Accuracy (%) on the images moved by each of ``shifts`` pixels.

    Each shift is applied in the four directions (right, left, down, up) and the four
    accuracies are averaged, so no direction is favoured. ``background`` is the value of an
    empty pixel (black, after normalization).
    """
    check_int("batch_size", batch_size)
    device = device_of(net)
    results = []
    for shift in shifts:
        directions = [(shift, 0), (-shift, 0), (0, shift), (0, -shift)] if shift else [(0, 0)]
        correct = total = 0
        for dx, dy in directions:
            moved = shift_images(images, dx=dx, dy=dy, fill=background)
            batches = zip(moved.split(batch_size), labels.split(batch_size), strict=True)
            result = evaluate(net, ((x.to(device), y.to(device)) for x, y in batches))
            correct += result.correct
            total += result.total
        results.append(100.0 * correct / total)
    return results
