"""Acceptance tests of the course edition (issue 19): the build, and the grader on real cases.

One run of the grader grades, side by side: the reference solution (twice), the blank
student edition, one planted bug per submission, and hostile submissions. Each planted bug
must cost points on its own task only; each hostile one must gain nothing, be reported, and
leave the others' grades intact.
"""

from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import nbformat
import pytest
import torch

from course import build, grade, hidden_tests, regions
from course.tasks import QUESTIONS, TASKS, total_points

ROOT = Path(__file__).resolve().parent.parent
FULL = {task.name: task.points for task in TASKS}

# (old, new, the task that must lose points): each planted in a copy of the reference.
PLANTED_BUGS = {
    "batches_not_images": (
        "correct += (predicted == labels).sum()  # count IMAGES, not batches",
        "correct += int(torch.equal(predicted, labels))",
        "count_correct",
    ),
    "no_relu_after_conv1": (
        "x = self.pool1(self.relu(self.conv1(x)))",
        "x = self.pool1(self.conv1(x))",
        "convnet",
    ),
    "no_zero_grad": (
        "self.optim.zero_grad()  # 1. clear the gradients of the previous step",
        "pass",
        "train_step",
    ),
    "softmax_before_loss": (
        "loss = self.loss_function(scores, labels)",
        "loss = self.loss_function(torch.softmax(scores, dim=1), labels)",
        "train_step",
    ),
    "append_in_batch_loop": (
        "            losses.append(self.train_epoch())",
        "            for images, labels in self.train_loader:\n"
        "                losses.append(float(self.train_step(images, labels)))",
        "train_loop",
    ),
    "wrong_flattened_size": (
        "self.fc1 = nn.Linear(64 * 7 * 7, 512)",
        "self.fc1 = nn.Linear(64 * 10 * 10, 512)",
        "convnet",
    ),
}

# Hostile code added to the blank edition: (the cells, what its feedback must report).
HOSTILE = {
    "endless_loop": (
        ["def count_correct(net, loader):\n    while True:\n        pass"],
        "ran past the time limit",
    ),
    "exits": (
        [
            "import sys\nsys.exit(0)",
            "import sys\nfrom torch import nn\n\n\nclass ConvNet(nn.Module):\n"
            "    def __init__(self):\n        sys.exit(0)",
            "def feature_maps(net, images):\n    import os\n    os._exit(1)",
        ],
        "SystemExit",
    ),
    "huge_output": (
        ["def feature_maps(net, images):\n    print('x' * 10_000_000)\n    return images"],
        "feature map",
    ),
    "prints_correct": (
        [
            "print('Correct! (count_correct)')",
            "def count_correct(net, loader):\n    print('Correct!')\n    return 0, 0",
        ],
        "Count images, not batches",
    ),
    "patches_check": (
        [
            "import mnist_tutorial.exercises as ex\nex.check = lambda *a, **k: print('Correct!')",
            "import mnist_tutorial.models\n\n\n"
            "class ConvNet(mnist_tutorial.models.ConvNet):\n    pass",
            "from mnist_tutorial.evaluation import count_correct",
        ],
        "graded code must be your own",
    ),
    "deletes_files": (
        [
            "def count_correct(net, loader):\n    import os\n    for name in os.listdir('.'):\n"
            "        os.remove(name)\n    return 0, 0"
        ],
        "left no result",
    ),
}


def _notebook_with(base: Path, cells: list[str]) -> bytes:
    notebook = nbformat.read(base, as_version=4)
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    return nbformat.writes(notebook).encode("utf-8")


def _copy_edition(source: Path, target: Path, replace: tuple[str, str] | None = None) -> None:
    target.mkdir(parents=True)
    hits = 0
    for notebook in sorted(source.glob("*.ipynb")):
        text = notebook.read_text(encoding="utf-8")
        if replace:
            old, new = (json.dumps(part)[1:-1] for part in replace)  # as they are in the JSON
            hits += text.count(old)
            text = text.replace(old, new)
        (target / notebook.name).write_text(text, encoding="utf-8")
    if replace:
        assert hits == 1, f"the planted bug's line was found {hits} times: {replace[0]!r}"


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build(tmp_path_factory.mktemp("course") / "course")


@pytest.fixture(scope="module")
def graded(edition: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Grades per student, feedback per student, and the seconds the run took."""
    submissions = tmp_path_factory.mktemp("submissions")
    _copy_edition(edition / "solution", submissions / "reference")
    _copy_edition(edition / "solution", submissions / "reference_again")
    _copy_edition(edition / "student", submissions / "blank")
    for name, (old, new, _) in PLANTED_BUGS.items():
        _copy_edition(edition / "solution", submissions / f"bug_{name}", (old, new))
    blank = edition / "student" / "plot_09_recap.ipynb"
    for name, (cells, _) in HOSTILE.items():
        folder = submissions / f"hostile_{name}"
        _copy_edition(edition / "student", folder)
        (folder / "plot_99_mine.ipynb").write_bytes(_notebook_with(blank, cells))
    (submissions / "hostile_invalid_json.ipynb").write_text('{"cells": [', encoding="utf-8")
    out = tmp_path_factory.mktemp("grades")
    start = time.perf_counter()
    grade.main([str(submissions), "--autograder", str(edition / "autograder"),
                "--out", str(out), "--cell-timeout", "5"])  # fmt: skip
    seconds = time.perf_counter() - start
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    grades = {s: {t.name: int(row[t.name]) for t in TASKS} for s, row in rows.items()}
    feedback = {s: (out / "feedback" / f"{s}.md").read_text(encoding="utf-8") for s in rows}
    return {"grades": grades, "rows": rows, "feedback": feedback, "seconds": seconds}


def test_reference_scores_full_marks_twice_identically(graded: dict) -> None:
    assert graded["grades"]["reference"] == FULL
    assert graded["rows"]["reference"]["total"] == str(total_points())
    assert graded["rows"]["reference_again"] == {**graded["rows"]["reference"],
                                                 "student": "reference_again"}  # fmt: skip


def test_blank_edition_scores_zero_and_reports_every_task(graded: dict) -> None:
    assert graded["grades"]["blank"] == dict.fromkeys(FULL, 0)
    for task in TASKS:
        assert (
            f"## {task.title} ({task.activities}): 0 / {task.points}"
            in (graded["feedback"]["blank"])
        )


@pytest.mark.parametrize("bug", PLANTED_BUGS)
def test_planted_bug_loses_points_on_its_own_task_only(graded: dict, bug: str) -> None:
    own_task = PLANTED_BUGS[bug][2]
    grades = graded["grades"][f"bug_{bug}"]
    assert grades[own_task] < FULL[own_task]
    assert {k: v for k, v in grades.items() if k != own_task} == {
        k: v for k, v in FULL.items() if k != own_task
    }


@pytest.mark.parametrize("name", [*HOSTILE, "invalid_json"])
def test_hostile_submission_gains_nothing_and_is_reported(graded: dict, name: str) -> None:
    student = f"hostile_{name}"
    assert graded["grades"][student] == dict.fromkeys(FULL, 0)
    reported = "not valid JSON" if name == "invalid_json" else HOSTILE[name][1]
    assert reported in graded["feedback"][student]


def test_feedback_never_gives_the_expected_values(graded: dict, edition: Path) -> None:
    expected = torch.load(edition / "autograder" / "expected.pt", weights_only=True)
    answer = str(expected["count_correct"]["correct"])
    for student, text in graded["feedback"].items():
        assert not re.search(rf"\b{answer}\b", text), student
        assert "3136" not in text  # fc1's input size, the answer to ACT5


def test_grading_time_per_submission_is_within_budget(graded: dict) -> None:
    # 2 cores: about two submissions at a time; the budget is 60 s per submission.
    assert graded["seconds"] / len(graded["grades"]) < 60


def _solution_lines() -> set[str]:
    """The lines of every solution region and exercise solution, minus those public elsewhere."""
    secret, public = set(), set()
    for example in sorted((ROOT / "examples").glob("plot_*.py")):
        text = example.read_text(encoding="utf-8")
        for region in regions.regions(text):
            secret.update(line.strip() for line in region)
        outside = regions.blank_regions(text)
        in_exercise = False
        for line in outside.splitlines():
            if ".. solution-start::" in line:
                in_exercise = True
            elif ".. solution-end::" in line:
                in_exercise = False
            elif in_exercise and not line.startswith("#"):
                secret.add(line.strip())
            else:
                public.add(line.strip())
    # A line the prose itself quotes (``check("training-step", train_step)``) is public.
    public_text = "\n".join(public)
    return {line for line in secret if len(line) > 12 and line not in public_text}


def test_nothing_withheld_appears_under_student(edition: Path) -> None:
    student = "\n".join(
        "".join(cell.source) if isinstance(cell.source, list) else cell.source
        for path in sorted((edition / "student").rglob("*"))
        for cell in nbformat.read(path, as_version=4).cells
    )
    assert sorted(p.suffix for p in (edition / "student").rglob("*")) == [".ipynb"] * 9
    solution_lines = _solution_lines()
    assert len(solution_lines) > 40  # the scan has something to find
    assert [line for line in solution_lines if line in student] == []
    hidden = [
        line.strip()
        for line in Path(hidden_tests.__file__).read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 25 and not line.strip().startswith(("#", '"""'))
    ]
    assert [line for line in hidden if line in student] == []
    expected = torch.load(edition / "autograder" / "expected.pt", weights_only=True)
    values = [f"{v:.6f}" for v in expected["train_loop"]["means"]]
    values += [f"{expected['train_step']['loss']:.6f}"]
    values += [f"{v:.6f}" for v in expected["convnet"]["output"].flatten()[:20].tolist()]
    assert [value for value in values if value in student] == []
    for question in QUESTIONS:
        assert question.rubric[0] not in student


def test_student_edition_keeps_public_checks_and_blanks(edition: Path) -> None:
    notebook = nbformat.read(edition / "student" / "plot_02_build_cnn.ipynb", as_version=4)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    convnet = next(source for source in sources if "class ConvNet" in source)
    assert convnet.count("# YOUR CODE HERE\n        raise NotImplementedError") == 2
    assert any("assert scores.shape == (100, 10)" in source for source in sources)
    assert "pip" in sources[0]  # the install cell of the site's notebooks comes first
    assert "BEGIN SOLUTION" not in json.dumps(notebook)


def test_solution_edition_has_no_markers_and_full_code(edition: Path) -> None:
    text = (edition / "solution" / "plot_03_train.ipynb").read_text(encoding="utf-8")
    assert "SOLUTION" not in text
    assert "self.optim.zero_grad()" in text


def test_blank_regions_keep_the_indent_and_refuse_unpaired_markers() -> None:
    text = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n"
    assert regions.blank_regions(text) == (
        "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError\n"
    )
    assert regions.strip_markers(text) == "def f():\n    return 1\n"
    with pytest.raises(regions.RegionError, match="never closed"):
        regions.regions("# BEGIN SOLUTION\nx = 1\n")


def test_grader_refuses_a_folder_without_notebooks(tmp_path: Path) -> None:
    with pytest.raises(grade.GradingError, match=r"expected <student>\.ipynb"):
        grade.find_submissions(tmp_path)
    with pytest.raises(grade.GradingError, match="is not a folder"):
        grade.find_submissions(tmp_path / "missing")
