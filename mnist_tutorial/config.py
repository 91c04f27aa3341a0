"""Hyperparameters, quick mode, and reading the package's environment variables strictly.

Only the standard library is imported here: the noxfile loads this file by path, outside any
environment that has torch, to read the switches exactly as the package does.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
from pathlib import Path

QUICK_ENV = "MNIST_TUTORIAL_QUICK"
OFFLINE_ENV = "MNIST_TUTORIAL_OFFLINE"

# The spellings of an on/off switch; anything else is a mistake worth stopping for, because
# "off" or "disabled" silently meaning "on" (any non-empty value) is the worse surprise.
FLAG_ON = ("1", "true", "yes", "on")
FLAG_OFF = ("", "0", "false", "no", "off")


def env_flag(name: str) -> bool:
    """The on/off environment variable ``name``: unset or empty is off; case is ignored.

    Raises
    ------
    ValueError
        For a value that is not one of :data:`FLAG_ON` or :data:`FLAG_OFF`.
    """
    value = os.environ.get(name, "")
    word = value.strip().lower()
    if word in FLAG_ON:
        return True
    if word in FLAG_OFF:
        return False
    raise ValueError(
        f"{name}={value!r} is not an on/off value. Use one of {', '.join(FLAG_ON)} to turn it "
        f"on, or one of {', '.join(FLAG_OFF[1:])} (or leave it empty or unset) to turn it off; "
        "case does not matter."
    )


def _start_dir() -> Path | None:
    try:
        return Path.cwd()
    except OSError:  # the working directory was deleted under us
        return None


# Relative paths in environment variables are taken against the working directory at the
# moment this package is first imported, once: sphinx-gallery later runs every example from its
# own folder, and the data must not move with it.
START_DIR = _start_dir()


def env_path(name: str) -> Path | None:
    """The folder named by the environment variable ``name``, absolute, or None if unset/empty.

    ``~`` is expanded; a relative path is taken relative to :data:`START_DIR` (the working
    directory when the package was imported), never to the current one.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    return (START_DIR or Path.cwd()) / path


# --- checking arguments at the boundary ---------------------------------------------------


def check_int(name: str, value: object, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int if it is a whole number (not a bool) in [minimum, maximum].

    Raises TypeError for another type (2.5, True, "8") and ValueError for one out of range,
    naming ``name`` and the allowed values in both.
    """
    allowed = f"an int from {minimum:,}" + (f" to {maximum:,}" if maximum is not None else " up")
    # bool is an int subclass: train(True) must not quietly mean one epoch.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return int(value)


def check_float(
    name: str, value: object, low: float, high: float, low_open: bool = True, high_open: bool = True
) -> float:
    """``value`` as a float if it is a finite real number (not a bool) between low and high.

    ``low_open``/``high_open`` exclude the bound itself. Errors as in :func:`check_int`.
    """
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    allowed = f"a finite number in {interval}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    number = float(value)
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return number


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is a bool: ``fast="no"`` or ``train="False"`` would otherwise be True."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return value


# numpy's global generator (seeded by seed_everything) takes seeds in [0, 2**32).
MAX_SEED = 2**32 - 1


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
        checked = {
            "epochs": check_int("epochs", self.epochs),
            "batch_size": check_int("batch_size", self.batch_size),
            "lr": check_float("lr", self.lr, low=0.0, high=math.inf),
            # momentum 0 is plain SGD; 1 or more never forgets a gradient and cannot converge.
            "momentum": check_float("momentum", self.momentum, low=0.0, high=1.0, low_open=False),
            "seed": check_int("seed", self.seed, minimum=0, maximum=MAX_SEED),
        }
        if self.train_subset is not None:
            subset = check_int("train_subset (None for all images)", self.train_subset)
            checked["train_subset"] = subset
        # Stored as plain int and float: np.int64 from an np.arange sweep passes the checks,
        # but the cache's JSON (and anything else that serializes a config) cannot write it.
        for name, value in checked.items():
            object.__setattr__(self, name, value)


# Quick mode: enough to check that every page renders, nowhere near the real results.
QUICK_EPOCHS = 2
QUICK_TRAIN_SUBSET = 6000


def quick_mode() -> bool:
    """True when ``MNIST_TUTORIAL_QUICK`` asks for a fast, reduced run (see :func:`env_flag`)."""
    return env_flag(QUICK_ENV)


def offline_mode() -> bool:
    """True when ``MNIST_TUTORIAL_OFFLINE`` asks the docs build not to use the network."""
    return env_flag(OFFLINE_ENV)


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
