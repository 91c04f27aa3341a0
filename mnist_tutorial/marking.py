"""Marking a reader's answer: the exercises' registry, ``check``, and how answers compare.

The exercises themselves are defined in :mod:`mnist_tutorial.exercises` (sections 1 to 3) and
:mod:`mnist_tutorial.network_exercises` (sections 4 to 9), which register them here; import
``check`` from :mod:`mnist_tutorial.exercises`, which loads them all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: ``judge(answer, **context)`` returns None when right, else a hint."""

    name: str
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


def as_number(answer: Any) -> float | None:
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


def compare_answer(answer: Any, expected: Any, tolerance: float, hint: str) -> str | None:
    """None when ``answer`` matches ``expected`` (numbers, or a tuple of numbers), else a hint."""
    if isinstance(expected, tuple):
        if not isinstance(answer, tuple | list) or len(answer) != len(expected):
            return f"Answer with a tuple of {len(expected)} numbers. {hint}"
        parts = [
            compare_answer(a, e, tolerance, hint) for a, e in zip(answer, expected, strict=True)
        ]
        return next((part for part in parts if part is not None), None)
    if isinstance(expected, float) and math.isnan(expected):
        return "With this network the answer is undefined (nothing to count): use the trained one."
    value = as_number(answer)
    if value is None:
        return f"Answer with a number, not {type(answer).__name__}. {hint}"
    if not math.isfinite(value):
        return f"{NOT_FINITE} {hint}"
    return None if abs(value - expected) <= tolerance else hint


def value_exercise(
    name: str, hint: str, tolerance: float = 0.0, needs: tuple[str, ...] = ()
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an exercise whose answer is the value that the decorated function computes."""

    def register(expected: Callable[..., Any]) -> Callable[..., Any]:
        def judge(answer: Any, **context: Any) -> str | None:
            return compare_answer(answer, expected(**context), tolerance, hint)

        EXERCISES[name] = Exercise(name, judge, needs)
        return expected

    return register
