"""The exercises of sections 4 to 9, about the trained networks: accuracy, errors, layers.

Also the comparison, the export and the recap. They register themselves in
:mod:`mnist_tutorial.marking`; readers call ``check`` from :mod:`mnist_tutorial.exercises`,
which imports this module.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mnist_tutorial.data import BLACK, load_mnist, mnist_tensors, normalize
from mnist_tutorial.environment import device_of
from mnist_tutorial.evaluation import confusion_matrix, predict, shift_images
from mnist_tutorial.marking import (
    EXERCISES,
    Exercise,
    as_number,
    compare_answer,
    value_exercise,
)
from mnist_tutorial.models import IMAGE_SIZE, ConvNet, feature_maps

# --- 4. Evaluate ------------------------------------------------------------------------------


def _test_predictions(net: nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(labels, predicted, confidence) for the whole test set, on the CPU."""
    images, labels = mnist_tensors(train=False, device=device_of(net))
    result = predict(net, zip(images.split(1000), labels.split(1000), strict=True))
    return result.labels, result.predicted, result.confidence


@value_exercise(
    "misclassified-images",
    "Count images, not batches: over the whole test set, compare each argmax with its label.",
    needs=("net",),
)
def _misclassified_images(net: nn.Module) -> int:
    labels, predicted, _ = _test_predictions(net)
    return int((predicted != labels).sum())


@value_exercise(
    "batch-counting-floor",
    "Each batch adds at most one error: count the batches, then divide by the images.",
    tolerance=0.005,
)
def _batch_counting_floor() -> float:
    images = len(load_mnist(train=False))
    return 100 - 100 * math.ceil(images / 100) / images


# --- 5. Inspect the errors --------------------------------------------------------------------


def _judge_most_confused(answer: Any, net: nn.Module) -> str | None:
    hint = (
        "Zero the diagonal of the confusion matrix, add its transpose so that both directions "
        "count, then find the largest cell."
    )
    problem = compare_answer(answer, (0, 0, 0), float("inf"), hint)  # the shape of the answer only
    if problem is not None:
        return problem
    low, high = sorted(as_number(part) for part in answer[:2])
    count = answer[2]
    # whole digits only: 4.4 must not pass as a 4
    if not (low.is_integer() and high.is_integer() and 0 <= low < high < 10):
        return "Name two different digits from 0 to 9. " + hint
    low, high = int(low), int(high)
    # the test set's predictions only once the answer's form is right: they take a while
    labels, predicted, _ = _test_predictions(net)
    mistakes = confusion_matrix(labels, predicted).fill_diagonal_(0)
    both_ways = (mistakes + mistakes.T).triu()  # (10, 10): [a, b] = a read as b + b read as a
    # Ties are possible: any pair with the highest count is right.
    return None if as_number(count) == both_ways.max() == both_ways[low, high] else hint


EXERCISES["most-confused-pair"] = Exercise(
    "most-confused-pair",
    _judge_most_confused,
    needs=("net",),
)


@value_exercise(
    "confident-accuracy",
    "Keep the images whose highest probability is >= 0.99; count the correct ones among them.",
    tolerance=0.005,
    needs=("net",),
)
def _confident_accuracy(net: nn.Module) -> float:
    labels, predicted, confidence = _test_predictions(net)
    sure = confidence >= 0.99
    return 100.0 * float((predicted[sure] == labels[sure]).double().mean())


# --- 6. Visualize the layers ------------------------------------------------------------------


def _judge_vertical_edge(kernel: Any) -> str | None:
    """A 3 x 3 filter that answers a vertical edge and ignores flat areas and horizontal edges."""
    if not isinstance(kernel, torch.Tensor) or kernel.shape != (3, 3):
        return "Answer with a 3 x 3 tensor, e.g. torch.tensor([[...], [...], [...]])."
    if not bool(torch.isfinite(kernel).all()):  # NaN passes every comparison below
        return (
            "Every weight must be a finite number, not NaN or infinity (dividing by a sum "
            "of weights that is 0 gives them)."
        )
    weights = kernel.detach().double().reshape(1, 1, 3, 3)
    # Scaling a filter does not change what it detects; weights near a float's limit would
    # overflow into inf - inf = NaN, which passes every comparison below.
    weights = weights / max(weights.abs().max().item(), 1.0)
    vertical = -torch.ones(1, 1, 8, 8, dtype=torch.double)
    vertical[..., 4:] = 1.0  # background on the left, ink on the right
    horizontal = vertical.transpose(2, 3)
    response = {
        name: F.conv2d(image, weights).abs().max().item()
        for name, image in [("flat", torch.ones_like(vertical)), ("v", vertical), ("h", horizontal)]
    }
    if response["v"] < 1e-6:
        return "It gives nothing on a vertical edge: weigh the left and right columns differently."
    if response["flat"] > 1e-6 * response["v"]:
        return "It responds to a uniform image: make the weights add up to zero."
    if response["h"] > 0.1 * response["v"]:
        return "It responds to horizontal edges too: make each row of weights the same."
    return None


EXERCISES["vertical-edge-filter"] = Exercise(
    "vertical-edge-filter",
    _judge_vertical_edge,
)


@value_exercise(
    "zero-activations",
    "Run feature_maps() on that one image, normalized, then count the zeros over all 32 x 28 x 28.",
    tolerance=1e-4,
    needs=("net",),
)
def _zero_activations(net: nn.Module) -> float:
    image = normalize(load_mnist(train=True).data[:1]).to(device_of(net))  # (1, 1, 28, 28)
    with torch.no_grad():
        maps = feature_maps(net, image)  # (1, 32, 28, 28)
    return float((maps == 0).double().mean())


# --- 7. Compare with a fully connected network ------------------------------------------------


@value_exercise(
    "no-weight-sharing",
    "One weight for every (input, output) pair and one bias per output; the outputs are "
    "32 x 28 x 28 values.",
)
def _no_weight_sharing() -> int:
    inputs = IMAGE_SIZE * IMAGE_SIZE
    with torch.no_grad():
        outputs = feature_maps(ConvNet(), torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)).numel()
    return inputs * outputs + outputs


@value_exercise(
    "shift-right-accuracy",
    "shift_images(images, dx=3, dy=0, fill=...) with fill the normalized black, then count "
    "the correct images out of 2,000.",
    tolerance=0.005,
    needs=("net",),
)
def _shift_right_accuracy(net: nn.Module) -> float:
    images, labels = mnist_tensors(train=False, device=device_of(net), subset=None)
    moved = shift_images(images[:2000], dx=3, dy=0, fill=BLACK)
    result = predict(net, [(moved, labels[:2000])])
    return 100.0 * float((result.predicted == result.labels).double().mean())


# --- 8. Export to ONNX and run in the browser -------------------------------------------------


@value_exercise(
    "float16-bytes",
    "Count the ConvNet's parameters, then multiply by the bytes of one float16 number.",
)
def _float16_bytes() -> int:
    return 2 * sum(p.numel() for p in ConvNet().parameters())  # float16: 2 bytes each


@value_exercise(
    "shift-down-onnx",
    "Shift with shift_images(images, dx=0, dy=4, fill=...) and the normalized black, run the "
    "session with onnx_logits, then compare each argmax with its digit.",
    needs=("session",),
)
def _shift_down_onnx(session: Any) -> int:
    from mnist_tutorial.export import onnx_logits  # onnxruntime: imported only when needed

    test_set = load_mnist(train=False)
    first = [int((test_set.targets == digit).nonzero()[0]) for digit in range(10)]
    moved = shift_images(normalize(test_set.data[first]), dx=0, dy=4, fill=BLACK)
    return int(
        (torch.from_numpy(onnx_logits(session, moved)).argmax(dim=1) == torch.arange(10)).sum()
    )


# --- Recap ------------------------------------------------------------------------------------


@value_exercise(
    "fc1-share",
    "Count fc1's weights and biases, then divide by the count of the whole network.",
    tolerance=1e-4,
)
def _fc1_share() -> float:
    net = ConvNet()
    return sum(p.numel() for p in net.fc1.parameters()) / sum(p.numel() for p in net.parameters())


@value_exercise(
    "error-ratio",
    "Count the misclassified test images of each network, then divide the FCNet's count by "
    "the ConvNet's.",
    tolerance=1e-3,
    needs=("convnet", "fcnet"),
)
def _error_ratio(convnet: nn.Module, fcnet: nn.Module) -> float:
    return _misclassified_images(fcnet) / _misclassified_images(convnet)
