"""Tests of mnist_tutorial.evaluation: accuracy, predictions, confusion matrix and shifts."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from mnist_tutorial.data import TensorLoader
from mnist_tutorial.evaluation import (
    Accuracy,
    confusion_matrix,
    evaluate,
    per_class_accuracy,
    predict,
    shift_accuracy,
    shift_images,
)
from mnist_tutorial.models import ConvNet


class ScoreReader(nn.Module):
    """A fake net whose 'images' (N, 1, 1, 10) hold the scores it returns, so answers are chosen.

    It records, for every call, whether it was in training mode and whether autograd was on.
    """

    def __init__(self) -> None:
        super().__init__()
        self.offset = nn.Parameter(torch.zeros(()))  # evaluate finds the device from a parameter
        self.calls: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append((self.training, torch.is_grad_enabled()))
        return x[:, 0, 0, :] + self.offset  # (N, 10)


def scored_images(predicted: list[int], strength: list[float] | None = None) -> torch.Tensor:
    """Images that make ScoreReader answer ``predicted``; a larger strength, more confident."""
    strength = strength or [5.0] * len(predicted)
    scores = torch.zeros(len(predicted), 10)
    scores[torch.arange(len(predicted)), torch.tensor(predicted)] = torch.tensor(strength)
    return scores.view(-1, 1, 1, 10)


def test_evaluate_counts_misclassified_images_not_batches():
    # 3 batches: 2 wrong images in the first, none in the second, 1 in the last (partial) one.
    # Counting mismatching batches, as the reference did, would give 2 errors instead of 3.
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    predicted = [0, 7, 2, 7, 4, 5, 6, 7, 8, 1]
    loader = TensorLoader(scored_images(predicted), labels, batch_size=4)
    assert len(loader) == 3
    result = evaluate(ScoreReader(), loader)
    assert result == Accuracy(correct=7, total=10)
    assert result.errors == 3
    assert result.accuracy == 70.0


@pytest.mark.parametrize("was_training", [True, False])
def test_evaluate_uses_eval_mode_and_no_grad_then_restores_the_mode(was_training):
    net = ScoreReader()
    net.train(was_training)
    loader = TensorLoader(scored_images([1, 2, 3]), torch.tensor([1, 2, 3]), batch_size=2)
    evaluate(net, loader)
    assert net.calls == [(False, False), (False, False)]
    assert net.training is was_training


def test_evaluate_restores_the_mode_when_the_net_fails():
    class Broken(ScoreReader):
        def forward(self, x):
            raise RuntimeError("broken net")

    net = Broken()
    net.train()
    with pytest.raises(RuntimeError, match="broken net"):
        evaluate(net, [(scored_images([0]), torch.tensor([0]))])
    assert net.training


def test_evaluate_rejects_an_empty_loader():
    with pytest.raises(ValueError, match="no images"):
        evaluate(ScoreReader(), [])


def test_predict_keeps_order_and_ranks_mistakes_by_confidence():
    predicted = [0, 1, 2, 3, 4, 5]
    labels = torch.tensor([0, 9, 2, 9, 9, 5])  # images 1, 3 and 4 are wrong
    images = scored_images(predicted, strength=[1.0, 2.0, 3.0, 5.0, 4.0, 6.0])
    net = ScoreReader()
    net.train()
    result = predict(net, TensorLoader(images, labels, batch_size=4))
    assert torch.equal(result.images, images)
    assert torch.equal(result.labels, labels)
    torch.testing.assert_close(result.probabilities.sum(dim=1), torch.ones(6))
    assert result.predicted.tolist() == predicted
    # a score s against nine zeros gives the probability e^s / (e^s + 9)
    strength = torch.tensor([1.0, 2.0, 3.0, 5.0, 4.0, 6.0])
    torch.testing.assert_close(result.confidence, strength.exp() / (strength.exp() + 9))
    assert result.misclassified().tolist() == [3, 4, 1]  # most confident mistake first
    assert net.training
    assert all(call == (False, False) for call in net.calls)


def test_confusion_matrix_and_per_class_accuracy_by_hand():
    labels = torch.tensor([0, 0, 1, 2, 2, 2, 9])
    predicted = torch.tensor([0, 1, 1, 2, 2, 0, 9])
    expected = torch.zeros(10, 10, dtype=torch.long)
    expected[0, 0] = expected[0, 1] = expected[1, 1] = expected[2, 0] = expected[9, 9] = 1
    expected[2, 2] = 2
    matrix = confusion_matrix(labels, predicted)
    assert torch.equal(matrix, expected)  # row = true digit, column = predicted
    accuracy = per_class_accuracy(labels, predicted)
    assert accuracy.shape == (10,)
    assert accuracy[[0, 1, 2, 9]].tolist() == pytest.approx([50.0, 100.0, 200 / 3, 100.0])
    assert torch.isfinite(accuracy).all()  # digits without images do not divide by zero


def test_predict_rejects_an_empty_loader():
    with pytest.raises(ValueError, match="no images to predict"):
        predict(ScoreReader(), [])
    empty = TensorLoader(torch.zeros(0, 1, 1, 10), torch.zeros(0, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="no images to predict"):
        predict(ScoreReader(), empty)


def test_predict_works_for_a_net_without_parameters():
    images = scored_images([3, 1])
    net = nn.Sequential(nn.Flatten(), nn.Identity())  # (N, 10) scores straight from the images
    assert predict(net, [(images, torch.tensor([3, 0]))]).predicted.tolist() == [3, 1]


def test_evaluate_refuses_a_net_without_parameters_by_name():
    # Section 4's loop finds the device from a parameter; a bare StopIteration would say nothing.
    net = nn.Sequential(nn.Flatten(), nn.Identity())
    with pytest.raises(ValueError, match=r"network \(Sequential\) has no parameters"):
        evaluate(net, [(scored_images([3]), torch.tensor([3]))])


@pytest.mark.parametrize(
    ("labels", "predicted", "message"),
    [
        ([10], [1], r"^labels must hold whole digits 0-9, found 10 at index 0"),
        ([1, 255], [1, 2], r"^labels .* found 255 at index 1"),
        ([-1, 3], [1, 3], r"^labels .* found -1 at index 0"),
        ([1, 2], [1, 12], r"^predicted .* found 12 at index 1"),
        ([1.5], [1], r"^labels .* found 1\.5"),
        ([math.nan], [1], r"^labels .* found nan"),
    ],
)
def test_confusion_matrix_rejects_values_outside_the_digits(labels, predicted, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(torch.tensor(labels), torch.tensor(predicted))
    with pytest.raises(ValueError, match=message):
        per_class_accuracy(torch.tensor(labels), torch.tensor(predicted))


def test_confusion_matrix_rejects_mismatched_or_non_1d_inputs():
    with pytest.raises(ValueError, match="3 labels but 2 predictions"):
        confusion_matrix(torch.tensor([1, 2, 3]), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"labels must be a 1-D tensor of digits, got \(2, 2\)"):
        confusion_matrix(torch.zeros(2, 2).long(), torch.zeros(4).long())
    with pytest.raises(ValueError, match="predicted must be a 1-D tensor of digits, got list"):
        confusion_matrix(torch.tensor([1]), [1])


def test_confusion_matrix_accepts_whole_float_digits():
    matrix = confusion_matrix(torch.tensor([2.0, 9.0]), torch.tensor([2, 9]))
    assert matrix[2, 2] == matrix[9, 9] == 1


@pytest.mark.parametrize("batch_size", [0, 2.5])
def test_shift_accuracy_checks_its_batch_size(random_net_problem, batch_size):
    net, images, labels = random_net_problem
    with pytest.raises((ValueError, TypeError), match="batch_size"):
        shift_accuracy(net, images, labels, [0], background=-1.0, batch_size=batch_size)


F = -1.0  # fill value
GRID = torch.arange(9.0).view(1, 1, 3, 3)


@pytest.mark.parametrize(
    ("dx", "dy", "expected"),
    [
        (1, 0, [[F, 0, 1], [F, 3, 4], [F, 6, 7]]),  # right
        (-1, 0, [[1, 2, F], [4, 5, F], [7, 8, F]]),  # left
        (0, 1, [[F, F, F], [0, 1, 2], [3, 4, 5]]),  # down
        (0, -1, [[3, 4, 5], [6, 7, 8], [F, F, F]]),  # up
        (1, 1, [[F, F, F], [F, 0, 1], [F, 3, 4]]),
        (0, 0, [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
        (3, 0, [[F, F, F]] * 3),  # moved out entirely
        (0, -5, [[F, F, F]] * 3),
    ],
)
def test_shift_images(dx, dy, expected):
    original = GRID.clone()
    shifted = shift_images(GRID, dx=dx, dy=dy, fill=F)
    assert torch.equal(shifted, torch.tensor(expected).view(1, 1, 3, 3))
    assert torch.equal(GRID, original)  # the input is left alone


def test_shift_images_moves_every_image_of_a_batch():
    batch = torch.stack([GRID[0], GRID[0] + 10])  # (2, 1, 3, 3)
    shifted = shift_images(batch, dx=1, dy=0, fill=0.5)
    assert torch.equal(shifted[0], shift_images(GRID, 1, 0, 0.5)[0])
    assert torch.equal(shifted[1], shift_images(GRID + 10, 1, 0, 0.5)[0])


@pytest.fixture
def random_net_problem():
    """A random ConvNet and 20 random images; half labelled as it answers, so 50% accuracy."""
    net = ConvNet()
    images = torch.randn(20, 1, 28, 28)
    with torch.no_grad():
        answers = net(images).argmax(dim=1)
    labels = torch.cat([answers[:10], (answers[10:] + 1) % 10])
    return net, images, labels


def test_shift_accuracy_at_zero_equals_evaluate(random_net_problem):
    net, images, labels = random_net_problem
    expected = evaluate(net, TensorLoader(images, labels, batch_size=8)).accuracy
    assert expected == 50.0
    assert shift_accuracy(net, images, labels, [0], background=-1.0, batch_size=8) == [expected]


def test_shift_accuracy_averages_the_four_directions(random_net_problem):
    net, images, labels = random_net_problem
    directions = [(2, 0), (-2, 0), (0, 2), (0, -2)]
    per_direction = [
        evaluate(net, TensorLoader(shift_images(images, dx, dy, -1.0), labels, 20)).accuracy
        for dx, dy in directions
    ]
    result = shift_accuracy(net, images, labels, [0, 2], background=-1.0, batch_size=8)
    assert len(result) == 2
    assert result[1] == pytest.approx(sum(per_direction) / 4)
