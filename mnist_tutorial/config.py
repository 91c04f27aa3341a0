"""Hyperparameters of the tutorial, and the quick mode that shrinks them for fast doc builds."""

from __future__ import annotations

import dataclasses
import os

QUICK_ENV = "MNIST_TUTORIAL_QUICK"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides how a network is trained. Defaults are the assignment's.

    Override with ``dataclasses.replace(config, lr=0.1)``; never mutate.
    """

    epochs: int = 10
    batch_size: int = 256
    lr: float = 0.01
    momentum: float = 0.9
    seed: int = 0
    # None trains on all 60,000 training images; an int keeps only the first that many
    # (quick mode and the CPU learning-rate sweep use this to fit the build budget).
    train_subset: int | None = None

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.train_subset is not None and self.train_subset < 1:
            raise ValueError(f"train_subset must be None or positive, got {self.train_subset}")


# Quick mode: enough to check that every page renders, nowhere near the real results.
QUICK_EPOCHS = 2
QUICK_TRAIN_SUBSET = 6000


def quick_mode() -> bool:
    """True when ``MNIST_TUTORIAL_QUICK`` asks for a fast, reduced run."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def tutorial_config() -> TrainConfig:
    """The configuration the examples train with: the assignment's, or its quick reduction.

    In quick mode it prints a warning, so that nobody mistakes the results for the real ones.
    """
    config = TrainConfig()
    if quick_mode():
        config = dataclasses.replace(config, epochs=QUICK_EPOCHS, train_subset=QUICK_TRAIN_SUBSET)
        print(
            f"QUICK MODE ({QUICK_ENV} is set): training on {QUICK_TRAIN_SUBSET} images\n"
            f"for {QUICK_EPOCHS} epochs. The numbers below are NOT the tutorial's real results,\n"
            "and the assignment's thresholds are not checked."
        )
    return config
