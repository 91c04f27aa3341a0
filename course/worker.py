"""Grades one submission in a fresh Jupyter kernel: ``python -m course.worker JOB.json``.

The grader (course/grade.py) starts one worker process per submission, with a memory limit
and a wall-clock limit, and reads the JSON it prints. The worker runs, for each task, the
submission's imports and definition and then the hidden test, as cells in a kernel whose
working folder is a fresh temporary one holding only the tests' inputs. The test saves its
observations to a file; the worker scores them against the expected ones, which never enter
the kernel. A cell that runs past the time limit, or a kernel that dies, fails that task only:
the next task gets a new kernel.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import torch
from nbclient import NotebookClient

from course import hidden_tests, scoring
from course.submission import forbidden
from course.tasks import task as find_task

PRELUDE = """\
import sys
sys.modules["mnist_tutorial"] = None  # graded code must be the student's own, not the package's
import math
import torch
import torch.nn.functional as F
from torch import nn
"""


def _test_cell(name: str) -> str:
    source = Path(hidden_tests.__file__).read_text(encoding="utf-8")
    return (
        f"_hidden = {{}}\nexec(compile({source!r}, 'hidden_tests', 'exec'), _hidden)\n"
        f"_inputs = torch.load('inputs.pt', weights_only=True)\n"
        f"torch.save(_hidden['run']({name!r}, globals(), _inputs), 'results_{name}.pt')\n"
    )


def _cells(job: dict, name: str) -> tuple[list[str], str]:
    """The cells that grade task ``name``, or none and the reason it cannot be graded."""
    definition_name = find_task(name).definition
    definition = job["definitions"].get(definition_name)
    if definition is None:
        return [], f"no definition of {definition_name} found in the notebook"
    used = forbidden(definition)
    if used:
        return [], f"{definition_name} uses {used}: graded code must be your own"
    return [job["imports"], definition, _test_cell(name)], ""


def _run_tasks(job: dict, work: Path, names: list[str]) -> dict[str, tuple[dict | None, str]]:
    """Observations (or None and why) per task; a timeout or a dead kernel costs one task."""
    outcomes: dict[str, tuple[dict | None, str]] = {}
    pending = list(names)
    while pending:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(PRELUDE)]
        client = NotebookClient(
            notebook,
            timeout=job["cell_timeout"],
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(work)}},
        )
        with client.setup_kernel():
            client.execute_cell(notebook.cells[0], 0)
            while pending:
                name = pending.pop(0)
                cells, reason = _cells(job, name)
                if not cells:
                    outcomes[name] = (None, reason)
                    continue
                result = work / f"results_{name}.pt"
                result.unlink(missing_ok=True)
                try:
                    for source in cells:
                        cell = nbformat.v4.new_code_cell(source)
                        notebook.cells.append(cell)
                        client.execute_cell(cell, len(notebook.cells) - 1)
                        cell.outputs = []  # a 10 MB print is dropped at once
                except Exception as error:  # a timeout or a dead kernel: a new kernel goes on
                    why = (
                        "ran past the time limit"
                        if "Timeout" in type(error).__name__
                        else (f"stopped the kernel ({type(error).__name__})")
                    )
                    outcomes[name] = (None, f"your code {why}")
                    break
                outcomes[name] = _load(result)
        # work may have been emptied by the submission: put the inputs back for the next kernel
        if not (work / "inputs.pt").exists():
            shutil.copy(job["inputs"], work / "inputs.pt")
    return outcomes


def _load(path: Path) -> tuple[dict | None, str]:
    if not path.is_file():
        return None, "the hidden test left no result (did your code delete files or exit?)"
    try:
        return torch.load(path, weights_only=True), ""
    except Exception:
        return None, "the hidden test's result was unreadable"


def grade(job: dict) -> dict:
    expected = torch.load(job["expected"], weights_only=True)
    with tempfile.TemporaryDirectory(prefix="course-grade-") as folder:
        work = Path(folder)
        shutil.copy(job["inputs"], work / "inputs.pt")
        outcomes = _run_tasks(job, work, job["tasks"])
    report = {}
    for name in job["tasks"]:
        observations, reason = outcomes.get(name, (None, "not run"))
        results = scoring.score(find_task(name), observations, expected[name], reason)
        report[name] = [result.__dict__ for result in results]
    return report


def limit_memory(megabytes: int) -> None:
    """Cap the address space of this process and of the kernels it starts (they inherit it)."""
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    limit_memory(job["memory_mb"])
    print(json.dumps(grade(job)))
