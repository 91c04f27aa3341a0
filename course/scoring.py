"""Points from observations: each check compares what the submission computed with the reference.

Runs in the grader's own process, never in the student's kernel.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from course.hidden_tests import TOLERANCE
from course.tasks import Task


@dataclasses.dataclass(frozen=True)
class CheckResult:
    key: str
    points: int
    earned: int
    message: str  # "" when passed, else the hint (and the error raised, if any)


def same(observed: object, expected: object) -> bool:
    """Equal within the tests' tolerance: tensors, numbers, and lists or dicts of them."""
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


def _error(observed: object) -> str | None:
    if isinstance(observed, dict) and set(observed) == {"error"}:
        return str(observed["error"])
    return None


def score(task: Task, observations: dict | None, expected: dict, failure: str = "") -> list:
    """One CheckResult per check of ``task``; ``failure`` says why nothing was observed."""
    results = []
    for check in task.checks:
        if observations is None or check.key not in observations:
            results.append(CheckResult(check.key, check.points, 0, failure or "not run"))
            continue
        observed = observations[check.key]
        if same(observed, expected[check.key]):
            results.append(CheckResult(check.key, check.points, check.points, ""))
            continue
        error = _error(observed)
        # Only the error's type: a message such as a shape mismatch could give the answer away.
        raised = error.split(":", 1)[0] if error else ""
        message = f"{check.hint} (your code raised {raised})" if raised else check.hint
        results.append(CheckResult(check.key, check.points, 0, message))
    return results
