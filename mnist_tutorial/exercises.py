"""The exercises at the end of each section, and ``check``, which marks a reader's answer.

Every expected answer is computed here from the data and the package (and from the reader's
trained network where the answer depends on it), never typed in. A wrong answer gets a hint
that says how to get there, never the answer itself.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mnist_tutorial.config import check_float
from mnist_tutorial.data import BLACK, load_mnist, mnist_tensors, normalize
from mnist_tutorial.environment import device_of
from mnist_tutorial.evaluation import confusion_matrix, predict, shift_images
from mnist_tutorial.models import IMAGE_SIZE, ConvNet, feature_maps


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: ``judge(answer, **context)`` returns None when right, else a hint."""

    name: str
    question: str
    judge: Callable[..., str | None]
    needs: tuple[str, ...] = ()  # what check() must be given besides the answer, e.g. ("net",)


EXERCISES: dict[str, Exercise] = {}


def check(name: str, answer: Any, **context: Any) -> bool:
    """Say whether ``answer`` to exercise ``name`` is right; print a hint when it is not."""
    if name not in EXERCISES:
        raise KeyError(f"no exercise named {name!r}; the exercises are: {', '.join(EXERCISES)}")
    exercise = EXERCISES[name]
    missing = [key for key in exercise.needs if key not in context]
    if missing:
        example = ", ".join(f"{key}={key}" for key in exercise.needs)
        raise TypeError(
            f"exercise {name!r} depends on your own results: call check({name!r}, answer, "
            f"{example})"
        )
    hint = exercise.judge(answer, **context)
    if hint is None:
        print(f"Correct! ({name})")
        return True
    print(f"Not quite ({name}). {hint}")
    return False


# --- Comparing answers ------------------------------------------------------------------------


def _number(answer: Any) -> float | None:
    """A plain number from an int, float, numpy scalar or one-element tensor; None otherwise.

    An int too large for a float (``10**400``) becomes infinity, so that it is judged as the
    non-finite number it is rather than crashing with OverflowError.
    """
    if isinstance(answer, bool | str) or answer is None:
        return None
    try:
        return float(answer)
    except OverflowError:
        return math.inf
    except (TypeError, ValueError, RuntimeError):
        return None


# NaN compares False with everything, so ``abs(nan - x) > tolerance`` would let it pass: every
# comparison first refuses what is not finite.
NOT_FINITE = "Answer with a finite number: not NaN, not infinity, not beyond a float's range."


def _compare(answer: Any, expected: Any, tolerance: float, hint: str) -> str | None:
    """None when ``answer`` matches ``expected`` (numbers, or a tuple of numbers), else a hint."""
    if isinstance(expected, tuple):
        if not isinstance(answer, tuple | list) or len(answer) != len(expected):
            return f"Answer with a tuple of {len(expected)} numbers. {hint}"
        parts = [_compare(a, e, tolerance, hint) for a, e in zip(answer, expected, strict=True)]
        return next((part for part in parts if part is not None), None)
    if isinstance(expected, float) and math.isnan(expected):
        return "With this network the answer is undefined (nothing to count): use the trained one."
    value = _number(answer)
    if value is None:
        return f"Answer with a number, not {type(answer).__name__}. {hint}"
    if not math.isfinite(value):
        return f"{NOT_FINITE} {hint}"
    return None if abs(value - expected) <= tolerance else hint


def _value_exercise(
    name: str, question: str, hint: str, tolerance: float = 0.0, needs: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an exercise whose answer is the value that the decorated function computes."""

    def register(expected: Callable[..., Any]) -> Callable[..., Any]:
        def judge(answer: Any, **context: Any) -> str | None:
            return _compare(answer, expected(**context), tolerance, hint)

        EXERCISES[name] = Exercise(name, question, judge, needs)
        return expected

    return register


# --- 1. Load the data -------------------------------------------------------------------------


@_value_exercise(
    "background-fraction",
    "What fraction of all the pixels of the training images are pure background (0 on disk)?",
    "Compare the stored bytes (train_set.data) with 0, then take the mean of the matches as "
    "floats: over every pixel of every image, not per image.",
    tolerance=1e-4,
)
def _background_fraction() -> float:
    return float((load_mnist(train=True).data == 0).double().mean())


@_value_exercise(
    "batches-per-epoch",
    "With batch_size=128, how many batches make one epoch of the training set, and how many "
    "images does the last batch hold? Answer (batches, last).",
    "Divide the number of training images by 128: a partial batch at the end still counts.",
)
def _batches_per_epoch() -> tuple[int, int]:
    images = len(load_mnist(train=True))
    return math.ceil(images / 128), images - 128 * (math.ceil(images / 128) - 1)


# --- 2. Build the CNN -------------------------------------------------------------------------


def _conv_stack(channels: tuple[int, int], padding: int) -> nn.Sequential:
    """The ConvNet's convolution part with other channel counts or padding."""
    first, second = channels
    return nn.Sequential(
        nn.Conv2d(1, first, kernel_size=5, padding=padding),
        nn.MaxPool2d(2),
        nn.Conv2d(first, second, kernel_size=5, padding=padding),
        nn.MaxPool2d(2),
        nn.Flatten(),
    )


@_value_exercise(
    "flattened-size",
    "If both convolutions used padding=0, how many inputs would fc1 need?",
    "Apply output_side to each of the four layers in turn, then multiply by conv2's channels.",
)
def _flattened_size() -> int:
    return _conv_stack((32, 64), padding=0)(torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)).shape[1]


@_value_exercise(
    "parameter-count",
    "How many trainable parameters would the ConvNet have with 16 filters in conv1 and 32 in "
    "conv2, everything else unchanged?",
    "Count layer by layer: conv2's filters span all of conv1's channels, fc1's inputs are "
    "conv2's channels x 7 x 7, and every layer has one bias per output.",
)
def _parameter_count() -> int:
    convs = _conv_stack((16, 32), padding=2)
    flat = convs(torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)).shape[1]
    head = nn.Sequential(nn.Linear(flat, 512), nn.Linear(512, 10))
    return sum(p.numel() for p in [*convs.parameters(), *head.parameters()])


# --- 3. Train the network ---------------------------------------------------------------------


# A step on 8 images of a linear net takes milliseconds; one that has not returned after a few
# seconds never will (a loop that does not end), and must not hang the reader's session.
STEP_TIMEOUT_S = 5.0


def _call_with_timeout(function: Callable[..., Any], args: tuple, timeout: float) -> tuple:
    """``(True, function(*args))``, or ``(False, None)`` if it has not returned in ``timeout`` s.

    It runs in a daemon thread, the only way to stop waiting for code that never returns (a
    thread cannot be killed: it keeps running until the session ends, but nothing waits on it).
    What it raises is raised here, so the reader sees their own error.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=run, name="training-step check", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return False, None
    if "error" in outcome:
        raise outcome["error"]
    return True, outcome["value"]


def _judge_training_step(train_step: Any, timeout: float = STEP_TIMEOUT_S) -> str | None:
    """Run the reader's step and a reference step on two copies of one small net, twice.

    ``timeout``: seconds each call of the reader's step may take (check(..., timeout=30)).
    """
    check_float("timeout", timeout, low=0.0, high=math.inf)
    if not callable(train_step):
        return "Answer with your function itself: check('training-step', train_step)."
    torch.manual_seed(0)
    images, labels = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    nets = [nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10)) for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    optims = [torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9) for net in nets]
    loss_function = nn.CrossEntropyLoss()
    for step in (1, 2):  # a forgotten zero_grad only shows at the second step
        optims[0].zero_grad()
        expected_loss = loss_function(nets[0](images), labels)
        expected_loss.backward()
        optims[0].step()
        args = (nets[1], optims[1], loss_function, images, labels)
        finished, returned = _call_with_timeout(train_step, args, timeout)
        if not finished:
            return (
                f"Your train_step did not return within {timeout:g} s: look for a loop that "
                "never ends (it goes on running in the background until you restart the kernel)."
            )
        if _number(returned) is None:
            return "Return the batch's loss as a number (a float), computed before the update."
        if not math.isfinite(_number(returned)):
            return f"Your step returned {returned}: a batch's loss is finite. {NOT_FINITE}"
        if abs(_number(returned) - expected_loss.item()) > 1e-5:
            return "Return the loss of the batch as computed by the forward pass, as a float."
        pairs = zip(nets[0].parameters(), nets[1].parameters(), strict=True)
        if not all(torch.allclose(a, b, atol=1e-6) for a, b in pairs):
            if step == 1:
                return "The weights did not move as one SGD step moves them: backward, then step."
            return "The second step went wrong: gradients add up unless they are cleared first."
    return None


EXERCISES["training-step"] = Exercise(
    "training-step",
    "Write train_step(net, optim, loss_function, images, labels): one training step on one "
    "batch, returning the batch's loss as a float.",
    _judge_training_step,
)


@_value_exercise(
    "momentum-limit",
    "With momentum 0.9 and the same gradient g at every step, the velocity settles at a "
    "multiple of g. Which multiple?",
    "Once the velocity stops changing, v = momentum * v + g: solve for v.",
    tolerance=1e-3,
)
def _momentum_limit() -> float:
    weight = nn.Parameter(torch.zeros(()))
    optim = torch.optim.SGD([weight], lr=1.0, momentum=0.9)
    for _ in range(300):
        before = weight.item()
        weight.grad = torch.ones(())
        optim.step()
    return before - weight.item()  # the last step's size, lr * velocity, with lr 1 and g 1


# --- 4. Evaluate ------------------------------------------------------------------------------


def _test_predictions(net: nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(labels, predicted, confidence) for the whole test set, on the CPU."""
    images, labels = mnist_tensors(train=False, device=device_of(net))
    result = predict(net, zip(images.split(1000), labels.split(1000), strict=True))
    return result.labels, result.predicted, result.confidence


@_value_exercise(
    "misclassified-images",
    "How many test images does your trained ConvNet misclassify?",
    "Count images, not batches: over the whole test set, compare each argmax with its label.",
    needs=("net",),
)
def _misclassified_images(net: nn.Module) -> int:
    labels, predicted, _ = _test_predictions(net)
    return int((predicted != labels).sum())


@_value_exercise(
    "batch-counting-floor",
    "With test batches of 100 images, what is the lowest accuracy (in %) that batch counting "
    "can report, whatever the network?",
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
    problem = _compare(answer, (0, 0, 0), float("inf"), hint)  # the shape of the answer only
    if problem is not None:
        return problem
    low, high = sorted(_number(part) for part in answer[:2])
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
    return None if _number(count) == both_ways.max() == both_ways[low, high] else hint


EXERCISES["most-confused-pair"] = Exercise(
    "most-confused-pair",
    "Which two digits does your ConvNet confuse most often, counting both directions (a 4 read "
    "as a 9 and a 9 read as a 4)? Answer (digit, other digit, count).",
    _judge_most_confused,
    needs=("net",),
)


@_value_exercise(
    "confident-accuracy",
    "On the test images where your ConvNet's confidence is at least 0.99, what is its "
    "accuracy (in %)?",
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
    "Write a 3 x 3 filter that responds to a vertical edge but gives 0 on a uniform image and "
    "(almost) nothing on a horizontal edge.",
    _judge_vertical_edge,
)


@_value_exercise(
    "zero-activations",
    "What fraction of the values in the 32 feature maps (conv1 + ReLU) of the first training "
    "image are exactly zero?",
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


@_value_exercise(
    "no-weight-sharing",
    "conv1 turns a 28 x 28 image into 32 maps of 28 x 28. How many parameters would a fully "
    "connected layer with the same inputs and outputs have?",
    "One weight for every (input, output) pair and one bias per output; the outputs are "
    "32 x 28 x 28 values.",
)
def _no_weight_sharing() -> int:
    inputs = IMAGE_SIZE * IMAGE_SIZE
    with torch.no_grad():
        outputs = feature_maps(ConvNet(), torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)).numel()
    return inputs * outputs + outputs


@_value_exercise(
    "shift-right-accuracy",
    "Move the first 2,000 test images 3 pixels to the right (only right): what is your "
    "network's accuracy on them (in %)?",
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


@_value_exercise(
    "float16-bytes",
    "How many bytes do the ConvNet's weights and biases take when stored as float16?",
    "Count the ConvNet's parameters, then multiply by the bytes of one float16 number.",
)
def _float16_bytes() -> int:
    return 2 * sum(p.numel() for p in ConvNet().parameters())  # float16: 2 bytes each


@_value_exercise(
    "shift-down-onnx",
    "Move the first test image of each digit 4 pixels down and classify the ten with your "
    "exported model in onnxruntime: how many are right?",
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


@_value_exercise(
    "fc1-share",
    "What fraction of the ConvNet's trainable parameters belong to fc1 (weights and biases)?",
    "Count fc1's weights and biases, then divide by the count of the whole network.",
    tolerance=1e-4,
)
def _fc1_share() -> float:
    net = ConvNet()
    return sum(p.numel() for p in net.fc1.parameters()) / sum(p.numel() for p in net.parameters())


@_value_exercise(
    "error-ratio",
    "How many times as many test images does the FCNet misclassify as the ConvNet?",
    "Count the misclassified test images of each network, then divide the FCNet's count by "
    "the ConvNet's.",
    tolerance=1e-3,
    needs=("convnet", "fcnet"),
)
def _error_ratio(convnet: nn.Module, fcnet: nn.Module) -> float:
    return _misclassified_images(fcnet) / _misclassified_images(convnet)
