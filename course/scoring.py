"""Points from observations: each check compares what the submission computed with the reference.

Runs in the grader's own process, never in the student's kernel.
"""

from __future__ import annotations

import dataclasses

from course.hidden_tests import same
from course.tasks import Task


@dataclasses.dataclass(frozen=True)
class CheckResult:
    key: str
    points: int
    earned: int
    message: str  # "" when passed, else the hint (and the error raised, if any)


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
