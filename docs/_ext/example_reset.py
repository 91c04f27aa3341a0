"""Between two examples: seed 0, close figures, free CUDA memory, time each (reset_modules hooks).

These hooks run around every example, so they are part of every section's key in an
incremental build (incremental.py): keep this module small and free of the site's other code.
"""

from __future__ import annotations

import time
from pathlib import Path

_STARTED: dict[str, float] = {}  # example stem -> time.perf_counter() when it started
_SECONDS: dict[str, float] = {}  # example stem -> how long it took, for the examples run now


def time_example(gallery_conf: dict, fname: str, when: str) -> None:
    """sphinx-gallery reset_modules hook: the running time of each example run in this build."""
    stem = Path(fname).stem
    if when == "before":
        _STARTED[stem] = time.perf_counter()
    elif stem in _STARTED:
        _SECONDS[stem] = time.perf_counter() - _STARTED.pop(stem)


def section_seconds(stem: str) -> float | None:
    """How long the example ``stem`` ran in this build; None if it did not run."""
    return _SECONDS.get(stem)


def section_times() -> dict[str, float]:
    """The seconds of every example run in this build, by stem."""
    return dict(_SECONDS)


def forget_times() -> None:
    """A new build in the same process starts with no times."""
    _STARTED.clear()
    _SECONDS.clear()


def reset_state(gallery_conf: dict, fname: str, when: str) -> None:
    """sphinx-gallery reset_modules hook, called before and after each example.

    Examples share one Python process; this makes each start as if it were run on its own.
    """
    import gc

    import matplotlib.pyplot as plt
    import torch

    from mnist_tutorial.environment import seed_everything

    plt.close("all")
    seed_everything(0)
    if torch.cuda.is_available():
        gc.collect()  # drop unreachable tensors first, so that their memory can be returned
        torch.cuda.empty_cache()
