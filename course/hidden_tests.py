"""The hidden tests: what each graded definition computes on fixed inputs and weights.

Each test takes the namespace holding the definitions (a student's kernel, or the package's
reference code at course-build time) and the fixed inputs, and returns its *observations*, one
per check of the task (course/tasks.py). It judges nothing: the grader compares the
observations with the reference's, outside the student's kernel, so a submission that prints
"Correct!" or patches a checker changes nothing. The expected observations are made by running
these same tests on the reference code (course/reference.py).

This file is sent into the student's kernel as cell text at grading time, so it imports only
torch (and math) and never names a file of the autograder.
"""

import math

import torch
from torch import nn

TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def _small_net(state):
    """The fixed network of the training and evaluation tests: independent of ConvNet."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    net.load_state_dict(state)
    return net


def _observe(observations, key, compute):
    """Record compute()'s value under ``key``, or the error it raised (never propagate it)."""
    try:
        observations[key] = compute()
    except BaseException as error:  # SystemExit and KeyboardInterrupt too: a hostile submission
        observations[key] = {"error": f"{type(error).__name__}: {error}"[:300]}


def _detached(value):
    return value.detach().cpu().clone() if isinstance(value, torch.Tensor) else value


def test_convnet(ns, inputs):
    observations = {}
    net = None

    def layers():
        nonlocal net
        net = ns["ConvNet"]()
        return {name: list(p.shape) for name, p in net.state_dict().items()}

    def output():
        net.load_state_dict(inputs["convnet_state"])
        net.eval()
        with torch.no_grad():
            return _detached(net(inputs["convnet_x"]))

    _observe(observations, "layers", layers)
    _observe(observations, "output", output)
    return observations


def test_train_step(ns, inputs):
    observations = {}
    net = _small_net(inputs["small_state"])
    optim = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    batches = inputs["step_batches"]
    trainer = None

    def loss():
        nonlocal trainer
        trainer = ns["Trainer"](net, optim, nn.CrossEntropyLoss(), batches)
        return float(trainer.train_step(*batches[0]))

    def weights():
        trainer.train_step(*batches[1])
        return {name: _detached(value) for name, value in net.state_dict().items()}

    _observe(observations, "loss", loss)
    _observe(observations, "weights", weights)
    return observations


def _reference_step(self, images, labels):
    """The step is graded by test_train_step; the epoch loop is graded on top of this one."""
    self.optim.zero_grad()
    loss = self.loss_function(self.net(images), labels)
    loss.backward()
    self.optim.step()
    return loss.detach()


def test_train_loop(ns, inputs):
    observations = {}
    net = _small_net(inputs["small_state"])
    optim = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    trainer_class = type("GradedTrainer", (ns["Trainer"],), {"train_step": _reference_step})
    losses = None

    def count():
        nonlocal losses
        trainer = trainer_class(net, optim, nn.CrossEntropyLoss(), inputs["loop_batches"])
        losses = list(trainer.train(2))
        return len(losses)

    def means():
        return [float(value) for value in losses]

    _observe(observations, "count", count)
    _observe(observations, "means", means)
    return observations


def test_count_correct(ns, inputs):
    observations = {}
    result = None

    def correct():
        nonlocal result
        net = _small_net(inputs["count_state"])
        result = ns["count_correct"](net, inputs["count_batches"])
        return int(result[0])

    def total():
        return int(result[1])

    _observe(observations, "correct", correct)
    _observe(observations, "total", total)
    return observations


def test_feature_maps(ns, inputs):
    observations = {}

    def maps():
        net = nn.Module()
        net.conv1 = nn.Conv2d(1, 32, kernel_size=5, padding=2)
        net.relu = nn.ReLU()
        net.conv1.load_state_dict(inputs["maps_conv1"])
        with torch.no_grad():
            return _detached(ns["feature_maps"](net, inputs["maps_x"]))

    _observe(observations, "maps", maps)
    return observations


def same(observed, expected):
    """Equal within TOLERANCE: tensors, numbers, and lists or dicts of them."""
    if isinstance(expected, torch.Tensor):
        return (
            isinstance(observed, torch.Tensor)
            and observed.shape == expected.shape
            and observed.dtype == expected.dtype
            and bool(torch.allclose(observed, expected, **TOLERANCE))
        )
    if isinstance(expected, dict):
        return (
            isinstance(observed, dict)
            and observed.keys() == expected.keys()
            and all(same(observed[key], expected[key]) for key in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(observed, list)
            and len(observed) == len(expected)
            and all(same(o, e) for o, e in zip(observed, expected, strict=True))
        )
    if isinstance(expected, bool) or isinstance(observed, bool):
        return observed is expected
    if isinstance(expected, int) and isinstance(observed, int):
        return observed == expected
    if isinstance(expected, float) and isinstance(observed, float):
        return math.isfinite(observed) and math.isclose(
            observed, expected, rel_tol=TOLERANCE["rtol"], abs_tol=TOLERANCE["atol"]
        )
    return False


def run(task, ns, inputs):
    """The observations of ``task``; also sets torch to one thread, for identical sums."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    return globals()[f"test_{task}"](ns, inputs)
