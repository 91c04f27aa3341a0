"""The exercises at the end of each section, and ``check``, which marks a reader's answer.

Every expected answer is computed here from the data and the package (and from the reader's
trained network where the answer depends on it), never typed in. A wrong answer gets a hint
that says how to get there, never the answer itself. Sections 1 to 3 are here; 4 to 9, whose
exercises ask about the trained networks, in :mod:`mnist_tutorial.network_exercises`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from mnist_tutorial.config import check_float
from mnist_tutorial.data import load_mnist
from mnist_tutorial.marking import EXERCISES, NOT_FINITE, Exercise, as_number, check, value_exercise
from mnist_tutorial.models import IMAGE_SIZE

# --- 1. Load the data -------------------------------------------------------------------------


@value_exercise(
    "background-fraction",
    "Compare the stored bytes (train_set.data) with 0, then take the mean of the matches as "
    "floats: over every pixel of every image, not per image.",
    tolerance=1e-4,
)
def _background_fraction() -> float:
    return float((load_mnist(train=True).data == 0).double().mean())


@value_exercise(
    "batches-per-epoch",
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


@value_exercise(
    "flattened-size",
    "Apply output_side to each of the four layers in turn, then multiply by conv2's channels.",
)
def _flattened_size() -> int:
    return _conv_stack((32, 64), padding=0)(torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)).shape[1]


@value_exercise(
    "parameter-count",
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
        if as_number(returned) is None:
            return "Return the batch's loss as a number (a float), computed before the update."
        if not math.isfinite(as_number(returned)):
            return f"Your step returned {returned}: a batch's loss is finite. {NOT_FINITE}"
        if abs(as_number(returned) - expected_loss.item()) > 1e-5:
            return "Return the loss of the batch as computed by the forward pass, as a float."
        pairs = zip(nets[0].parameters(), nets[1].parameters(), strict=True)
        if not all(torch.allclose(a, b, atol=1e-6) for a, b in pairs):
            if step == 1:
                return "The weights did not move as one SGD step moves them: backward, then step."
            return "The second step went wrong: gradients add up unless they are cleared first."
    return None


EXERCISES["training-step"] = Exercise(
    "training-step",
    _judge_training_step,
)


@value_exercise(
    "momentum-limit",
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


# Registers the exercises of sections 4 to 9 (it imports only the marking, never this module).
from mnist_tutorial import network_exercises  # noqa: F401

__all__ = ["EXERCISES", "STEP_TIMEOUT_S", "check"]
