"""Grade a folder of submitted notebooks: ``python -m course.grade SUBMISSIONS [options]``.

Writes ``grades.csv`` (student, points per task, total) and ``feedback/<student>.md`` (what
failed, with hints, never the answer). Every submission is read into memory first, then graded
in its own worker process (course/worker.py) with a memory limit and a time limit, several at
once where the machine has cores; a submission that fails in any way scores 0 on what it could
not show and never stops the others.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.submission import SubmissionError, read_submission
from course.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT_S = 15  # one cell: a definition or a hidden test; the reference's take < 1 s
SUBMISSION_TIMEOUT_S = 60  # the whole submission, kernels included
MEMORY_MB = 6144  # address space per process: torch alone maps ~3.5 GB it never touches


class GradingError(ValueError):
    """The command was given something it cannot grade."""


def find_submissions(folder: Path) -> dict[str, dict[str, bytes]]:
    """Each student's notebooks, read at once: ``<student>.ipynb`` or ``<student>/*.ipynb``.

    Read before any is graded, so a submission that deletes files cannot touch the others.
    """
    if not folder.is_dir():
        raise GradingError(f"{folder} is not a folder: give the folder of submitted notebooks")
    submissions = {path.stem: {path.name: path.read_bytes()} for path in folder.glob("*.ipynb")}
    for student in (path for path in folder.iterdir() if path.is_dir()):
        notebooks = {path.name: path.read_bytes() for path in student.glob("*.ipynb")}
        if notebooks:
            submissions[student.name] = notebooks
    if not submissions:
        raise GradingError(
            f"no notebooks in {folder}: expected <student>.ipynb, or a folder <student>/ "
            "holding the student's section notebooks (*.ipynb), for each student"
        )
    return dict(sorted(submissions.items()))


def _failed(reason: str) -> dict:
    return {
        task.name: [
            {"key": c.key, "points": c.points, "earned": 0, "message": reason} for c in task.checks
        ]
        for task in TASKS
    }


def grade_one(files: dict[str, bytes], autograder: Path, options: argparse.Namespace) -> dict:
    """The report of one submission: per task, per check, points earned and a message."""
    try:
        submission = read_submission(files)
    except SubmissionError as error:
        return _failed(str(error))
    job = {
        "imports": submission.imports,
        "definitions": submission.definitions,
        "tasks": [task.name for task in TASKS],
        "inputs": str(autograder / "inputs.pt"),
        "expected": str(autograder / "expected.pt"),
        "cell_timeout": options.cell_timeout,
        "memory_mb": options.memory,
    }
    with tempfile.TemporaryDirectory(prefix="course-job-") as folder:
        job_file = Path(folder) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(
            [sys.executable, "-m", "course.worker", str(job_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=folder,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills kernels too
        )
        try:
            stdout, stderr = process.communicate(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return _failed(f"grading stopped after the time limit of {options.timeout} s")
    try:
        return json.loads(stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        if b"MemoryError" in stderr:
            return _failed(f"grading ran out of its memory limit of {options.memory} MB")
        return _failed(f"the grading process failed (exit status {process.returncode})")


def feedback(student: str, report: dict) -> str:
    lines = [f"# Feedback for {student}", ""]
    for task in TASKS:
        checks = report[task.name]
        earned = sum(check["earned"] for check in checks)
        lines.append(f"## {task.title} ({task.activities}): {earned} / {task.points}")
        for check, spec in zip(checks, task.checks, strict=True):
            mark = "passed" if check["earned"] == check["points"] else "failed"
            lines.append(f"- {mark}: {spec.what} ({check['earned']} / {check['points']})")
            if check["message"]:
                lines.append(f"  - {check['message']}")
        lines.append("")
    return "\n".join(lines)


def task_points(report: dict) -> dict[str, int]:
    return {task.name: sum(c["earned"] for c in report[task.name]) for task in TASKS}


def write_results(out: Path, reports: dict[str, dict]) -> Path:
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    table = out / "grades.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *(task.name for task in TASKS), "total"])
        for student, report in sorted(reports.items()):
            points = task_points(report)
            writer.writerow([student, *points.values(), sum(points.values())])
            (out / "feedback" / f"{student}.md").write_text(
                feedback(student, report), encoding="utf-8"
            )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="a folder of <student>.ipynb files")
    parser.add_argument("--autograder", type=Path, default=ROOT / "dist/course/autograder")
    parser.add_argument("--out", type=Path, default=None, help="default: SUBMISSIONS/../grades")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=int, default=SUBMISSION_TIMEOUT_S)
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT_S)
    parser.add_argument("--memory", type=int, default=MEMORY_MB, help="MB per submission")
    options = parser.parse_args(argv)
    try:
        submissions = find_submissions(options.submissions)
        for needed in ("inputs.pt", "expected.pt"):
            if not (options.autograder / needed).is_file():
                raise GradingError(
                    f"{options.autograder / needed} is missing: run `nox -s course` first, or "
                    "give --autograder the autograder folder of the course edition"
                )
    except GradingError as error:
        parser.error(str(error))
    out = options.out or options.submissions.resolve().parent / "grades"
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = {
            student: pool.submit(grade_one, data, options.autograder.resolve(), options)
            for student, data in submissions.items()
        }
        reports = {student: future.result() for student, future in futures.items()}
    table = write_results(out, reports)
    print(f"Graded {len(reports)} submissions: {table} and {out / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
