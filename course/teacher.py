"""What a teacher reads: the table of tasks and points, and the rubric of the written questions.

Rendered from the registry (course/tasks.py) for the autograder's README and for the site's
"For teachers" page, so the points there are those the grader gives.
"""

from __future__ import annotations

from course.tasks import QUESTIONS, TASKS, total_points

GRADE_COMMAND = "nox -s grade -- submissions/"
BUILD_COMMAND = "nox -s course"


def task_rows() -> list[tuple[str, str, str, str, str]]:
    """(activities, section, task, points, how graded) for every task and written question."""
    rows = [
        (t.activities, t.section, f"{t.title} (`{t.definition}`)", str(t.points), "hidden tests")
        for t in TASKS
    ]
    rows += [(q.activities, q.section, q.title, str(q.points), "by hand") for q in QUESTIONS]
    return rows


def markdown_table() -> str:
    header = ("Activities", "Section", "Task", "Points", "Graded")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in task_rows()]
    return "\n".join(lines)


def rubric_markdown() -> str:
    parts = []
    for question in QUESTIONS:
        parts.append(f"### {question.title} ({question.activities}, {question.points} points)")
        parts += [f"- {line}" for line in question.rubric]
        parts.append("")
    return "\n".join(parts)


def readme() -> str:
    manual = sum(q.points for q in QUESTIONS)
    return f"""# Autograder of the MNIST CNN course edition (for the teacher only)

Do not give this folder to students: `expected.pt` holds the reference's answers to the hidden
tests, `inputs.pt` their fixed weights and data, and `hidden_tests.py` the tests themselves.

## Grading

Collect one notebook per student, named `<student>.ipynb`, in one folder, then run from the
tutorial's checkout:

    {GRADE_COMMAND}

It writes `grades.csv` (student, points per task, total) and `feedback/<student>.md` beside
the folder. Each submission is graded in its own process and fresh Jupyter kernel, with a time
and a memory limit; only its graded definitions and its imports are run, each task with its
hidden tests on fixed weights, so one failed task does not cost the others and no network is
trained while grading. Autograded: {total_points()} points. Graded by hand: {manual} points.

## Tasks and points

{markdown_table()}

## Rubric of the written questions

{rubric_markdown()}
## What the grader can and cannot stop

Printing "Correct!", patching `check`, an endless loop, `sys.exit`, huge output, an invalid
notebook or deleting files gain nothing: the expected values never enter the student's
kernel, and each failure costs only the task it happens in. Graded code that uses the
tutorial's package (whose source holds the public reference) is refused. The grader is not a
security sandbox: run it as a user who can write nothing of value, or in a container.
"""
