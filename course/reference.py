"""The fixed inputs of the hidden tests, and the reference's observations on them.

Made at course-build time, in a second: seeded random weights and images (no training, no
MNIST), so grading never trains a network and every machine makes the same files. The expected
observations are those of the tutorial's own taught code (the package's twins of the examples'
solutions) under the same hidden tests that grade the students.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from course import hidden_tests
from course.tasks import TASKS

SEED = 0


def _batches(generator: torch.Generator, count: int, size: int) -> list[list[torch.Tensor]]:
    return [
        [
            torch.randn(size, 1, 28, 28, generator=generator),
            torch.randint(0, 10, (size,), generator=generator),
        ]
        for _ in range(count)
    ]


def make_inputs() -> dict:
    """Weights and data for every hidden test, from one seed."""
    generator = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)
    from mnist_tutorial.models import ConvNet

    small = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    count_net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    inputs = {
        "convnet_state": ConvNet().state_dict(),
        "convnet_x": torch.randn(4, 1, 28, 28, generator=generator),
        "small_state": small.state_dict(),
        "step_batches": _batches(generator, 2, 16),
        "loop_batches": _batches(generator, 3, 8),
        "count_state": count_net.state_dict(),
        "maps_conv1": nn.Conv2d(1, 32, kernel_size=5, padding=2).state_dict(),
        "maps_x": torch.randn(3, 1, 28, 28, generator=generator),
    }
    # The evaluation data: labels that the fixed net gets right except every third image, so a
    # batch holds several errors and counting batches instead of images gives another number.
    batches = _batches(generator, 5, 20)
    with torch.no_grad():
        for images, labels in batches:
            predicted = count_net(images).argmax(dim=1)
            wrong = torch.arange(len(labels)) % 3 == 0
            labels.copy_(torch.where(wrong, (predicted + 1) % 10, predicted))
    inputs["count_batches"] = batches
    return inputs


def reference_namespace() -> dict:
    """The definitions the students write, as the tutorial's package holds them."""
    from mnist_tutorial.evaluation import count_correct
    from mnist_tutorial.models import ConvNet, feature_maps
    from mnist_tutorial.training import Trainer

    return {
        "ConvNet": ConvNet,
        "Trainer": Trainer,
        "count_correct": count_correct,
        "feature_maps": feature_maps,
    }


def expected_observations(inputs: dict) -> dict[str, dict]:
    namespace = reference_namespace()
    expected = {}
    for task in TASKS:
        observations = hidden_tests.run(task.name, namespace, inputs)
        errors = {
            key: value
            for key, value in observations.items()
            if isinstance(value, dict) and "error" in value
        }
        if errors:
            raise RuntimeError(f"the reference fails its own hidden test {task.name}: {errors}")
        expected[task.name] = observations
    return expected


def write(folder: Path) -> tuple[Path, Path]:
    """inputs.pt (sent to each kernel) and expected.pt (kept by the grader) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    try:
        inputs = make_inputs()
        expected = expected_observations(inputs)
    finally:
        torch.set_num_threads(threads)
    torch.save(inputs, folder / "inputs.pt")
    torch.save(expected, folder / "expected.pt")
    return folder / "inputs.pt", folder / "expected.pt"
