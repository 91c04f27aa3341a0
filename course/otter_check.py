"""Compatibility with otter-grader: ``python -m course.otter_check`` (``nox -s course-otter``).

Writes an otter "master notebook" from the same source as the course edition (the examples'
marked definitions, with their ``# BEGIN SOLUTION`` regions as they are, and the hidden tests
with their expected observations as autograder files), then runs ``otter assign`` on it and
``otter run`` on the two notebooks it makes. It fails unless the reference scores every point,
the student notebook scores none, and no solution line reaches otter's student notebook.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from course import hidden_tests, reference, regions
from course.edition import EXAMPLES
from course.tasks import TASKS, total_points

# otter's command, from the environment this check runs in (its venv need not be on PATH)
OTTER = str(Path(sys.executable).with_name("otter"))

CONFIG = """\
# ASSIGNMENT CONFIG
name: mnist-cnn
init_cell: false
check_all_cell: false
export_cell: false
run_tests: true
generate: true
autograder_files:
- inputs.pt
- expected.pt
- hidden_tests.py
"""

TEST = '''\
""" # BEGIN TEST CONFIG
points: {points}
hidden: true
""" # END TEST CONFIG
import contextlib, io, torch
_hidden = {{}}
exec(open("hidden_tests.py").read(), _hidden)
with contextlib.redirect_stdout(io.StringIO()):  # otter's doctests fail on printed lines
    _observed = _hidden["run"]({task!r}, globals(), torch.load("inputs.pt", weights_only=True))
_expected = torch.load("expected.pt", weights_only=True)[{task!r}]
assert _hidden["same"](_observed[{key!r}], _expected[{key!r}]), {what!r}
'''


def marked_definition(stem: str, name: str) -> str:
    """The example's top-level definition of ``name``, its solution markers included."""
    text = (EXAMPLES / f"{stem}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    node = next(
        n for n in ast.parse(text).body if getattr(n, "name", None) == name
    )  # ast drops comments: extend over the trailing marker lines by hand
    end = node.end_lineno
    while end < len(lines) and lines[end].strip() == regions.END:
        end += 1
    return "\n".join(lines[node.lineno - 1 : end])


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def master_notebook() -> nbformat.NotebookNode:
    cells = [
        _raw(CONFIG),
        nbformat.v4.new_markdown_cell("# MNIST CNN: the graded definitions"),
        nbformat.v4.new_code_cell(
            "import torch\nimport torch.nn.functional as F\nfrom torch import nn"
        ),
    ]
    defined = set()
    for task in TASKS:
        cells.append(_raw(f"# BEGIN QUESTION\nname: {task.name}"))
        cells.append(nbformat.v4.new_markdown_cell(f"**{task.title}** ({task.activities})"))
        if task.definition not in defined:  # the Trainer holds two tasks: one cell for both
            # otter's format: raw cells delimit the solution cells, whose marked lines it blanks
            definition = marked_definition(task.section, task.definition)
            cells.append(_raw("# BEGIN SOLUTION"))
            cells.append(nbformat.v4.new_code_cell(definition))
            cells.append(_raw("# END SOLUTION"))
            defined.add(task.definition)
        cells.append(_raw("# BEGIN TESTS"))
        for check in task.checks:
            source = TEST.format(
                points=check.points, task=task.name, key=check.key, what=check.what
            )
            cells.append(nbformat.v4.new_code_cell(source))
        cells += [_raw("# END TESTS"), _raw("# END QUESTION")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def _score(zip_path: Path, submission: Path, out: Path) -> float:
    out.mkdir()
    subprocess.run([OTTER, "run", "-a", str(zip_path), "-o", str(out), str(submission)], check=True)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return sum(test.get("score", 0) for test in results["tests"])


def check(work: Path) -> None:
    master = work / "master"
    master.mkdir()
    reference.write(master)
    shutil.copy(hidden_tests.__file__, master / "hidden_tests.py")
    nbformat.write(master_notebook(), master / "mnist-cnn.ipynb")
    out = work / "dist"
    subprocess.run([OTTER, "assign", str(master / "mnist-cnn.ipynb"), str(out)], check=True)
    student = (out / "student" / "mnist-cnn.ipynb").read_text(encoding="utf-8")
    leaked = sorted(
        line.strip()
        for stem in {t.section for t in TASKS}
        for region in regions.regions((EXAMPLES / f"{stem}.py").read_text(encoding="utf-8"))
        for line in region
        if len(line.strip()) > 12 and json.dumps(line.strip())[1:-1] in student
    )
    assert not leaked, f"otter's student notebook holds solution lines: {leaked}"
    assert not list((out / "student").rglob("expected.pt")), "expected values reached students"
    zip_path = next((out / "autograder").glob("*.zip"))
    solution = _score(zip_path, out / "autograder" / "mnist-cnn.ipynb", work / "run-solution")
    blank = _score(zip_path, out / "student" / "mnist-cnn.ipynb", work / "run-student")
    print(f"otter run: reference {solution} / {total_points()}, student edition {blank}")
    assert solution == total_points(), "otter run does not give the reference every point"
    assert blank == 0, "otter run gives the blank student notebook points"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    options = parser.parse_args(argv)
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=False)
        check(options.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="course-otter-") as folder:
            check(Path(folder))
    print("otter-grader accepts the course edition.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
