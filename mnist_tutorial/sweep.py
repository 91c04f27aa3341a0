"""A learning-rate sweep: the same network trained with several learning rates, divergence kept."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import torch

from mnist_tutorial.cache import load_or_train
from mnist_tutorial.config import TrainConfig
from mnist_tutorial.training import DivergenceError

# The reduced recipe on a CPU: a sweep of four learning rates must fit in a couple of minutes
# of a docs build, so each run sees fewer images for fewer epochs than the real training.
CPU_SWEEP_EPOCHS = 3
CPU_SWEEP_SUBSET = 10_000
# Quick mode shrinks it further: the page only has to render.
QUICK_SWEEP_EPOCHS = 2
QUICK_SWEEP_SUBSET = 1_024


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """The mean loss of each finished epoch, and whether the run diverged (loss NaN or inf)."""

    losses: list[float]
    diverged: bool

    def meets(self, target: float) -> bool:
        """True when the run finished and its last epoch's mean loss is under ``target``."""
        return not self.diverged and bool(self.losses) and self.losses[-1] < target


def _reduce(config: TrainConfig, epochs: int, subset: int) -> TrainConfig:
    # Never enlarge: a config that is already smaller (quick mode) stays as small.
    current = config.train_subset if config.train_subset is not None else subset
    return dataclasses.replace(
        config, epochs=min(config.epochs, epochs), train_subset=min(current, subset)
    )


def sweep_config(
    config: TrainConfig, device: torch.device, quick: bool = False
) -> tuple[TrainConfig, str]:
    """The configuration each run of the sweep uses, and a sentence saying why.

    On CUDA the full recipe is cheap enough; on a CPU a reduced one keeps the build short.
    ``quick`` (quick mode) reduces it further.
    """
    if quick:
        reduced = _reduce(config, QUICK_SWEEP_EPOCHS, QUICK_SWEEP_SUBSET)
        return reduced, "quick mode: a tiny sweep, only to check that the page renders"
    if torch.device(device).type == "cuda":
        return config, "CUDA is available: every run uses the full recipe"
    reduced = _reduce(config, CPU_SWEEP_EPOCHS, CPU_SWEEP_SUBSET)
    return reduced, "CPU only: a reduced recipe, so that the whole sweep fits in the build"


def sweep_learning_rates(
    model_name: str, config: TrainConfig, lrs: Iterable[float], device: torch.device
) -> dict[float, SweepResult]:
    """Train ``model_name`` once per learning rate (cached), everything else from ``config``.

    A run whose loss diverges is kept, with the epochs it finished, instead of stopping the sweep.
    """
    results = {}
    for lr in lrs:
        run_config = dataclasses.replace(config, lr=lr)
        try:
            trained = load_or_train(model_name, run_config, device)
            results[lr] = SweepResult(trained.losses, diverged=False)
        except DivergenceError as error:
            print(f"lr {lr}: {error}")
            results[lr] = SweepResult(error.losses, diverged=True)
    return results
