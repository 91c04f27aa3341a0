"""The course edition's solution markers are removed from every page and download of the site."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
import solution_markers

from course import regions

EXAMPLE = ROOT / "examples" / "plot_02_build_cnn.py"


def test_examples_mark_the_taught_code() -> None:
    # Regions in the sections of the graded tasks; their code is what the site shows.
    counts = {
        path.stem: len(regions.regions(path.read_text(encoding="utf-8")))
        for path in sorted((ROOT / "examples").glob("plot_*.py"))
    }
    assert counts["plot_02_build_cnn"] == 2
    assert counts["plot_03_train"] == 4
    assert counts["plot_04_evaluate"] == 1
    assert counts["plot_06_visualize_layers"] == 1


def test_site_pattern_is_the_course_pattern() -> None:
    assert solution_markers.MARKER_LINE.pattern == regions.MARKER_LINE.pattern


def test_generated_rest_loses_the_markers_and_keeps_the_code() -> None:
    rest = "Code\n\n.. code-block:: Python\n\n    def f():\n        # BEGIN SOLUTION\n        "
    rest += "return 1\n        # END SOLUTION\n"
    source = [rest]
    solution_markers._strip_source(None, "auto_examples/plot_02_build_cnn", source)
    assert "SOLUTION" not in source[0]
    assert "        return 1\n" in source[0]
    untouched = [rest]
    solution_markers._strip_source(None, "index", untouched)
    assert untouched == [rest]


def test_downloads_lose_the_markers(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "# BEGIN SOLUTION" in text
    folder = tmp_path / "_downloads" / "abc"
    folder.mkdir(parents=True)
    (folder / "plot_02_build_cnn.py").write_text(text, encoding="utf-8")
    notebook = {"cells": [{"cell_type": "code", "source": text.splitlines(keepends=True)}]}
    (folder / "plot_02_build_cnn.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    with zipfile.ZipFile(folder / "auto_examples_python.zip", "w") as archive:
        archive.writestr("plot_02_build_cnn.py", text)
        archive.writestr("plot_02_build_cnn.ipynb", json.dumps(notebook))
    sources = tmp_path / "_sources" / "auto_examples"
    sources.mkdir(parents=True)
    (sources / "plot_02_build_cnn.rst.txt").write_text(text, encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    solution_markers._strip_downloads(app, None)
    assert "SOLUTION" not in (sources / "plot_02_build_cnn.rst.txt").read_text(encoding="utf-8")
    stripped = regions.strip_markers(text)
    assert (folder / "plot_02_build_cnn.py").read_text(encoding="utf-8") == stripped
    cells = json.loads((folder / "plot_02_build_cnn.ipynb").read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[0]["source"]) == stripped
    with zipfile.ZipFile(folder / "auto_examples_python.zip") as archive:
        assert archive.read("plot_02_build_cnn.py").decode("utf-8") == stripped
        assert "SOLUTION" not in archive.read("plot_02_build_cnn.ipynb").decode("utf-8")
    assert "class ConvNet" in stripped
    assert "self.conv1 = nn.Conv2d(1, 32, kernel_size=5, padding=2)" in stripped


def test_teachers_page_tables_come_from_the_registry(tmp_path: Path) -> None:
    from sphinx.application import Sphinx

    from course.tasks import QUESTIONS, TASKS, total_points

    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        "extensions = ['course_tables']\n",  # importable here: pytest's pythonpath has docs/_ext
        encoding="utf-8",
    )
    page = (ROOT / "docs" / "teachers.rst").read_text(encoding="utf-8")
    (source / "index.rst").write_text(page, encoding="utf-8")
    app = Sphinx(source, source, tmp_path / "out", tmp_path / "doctrees", "html", status=None)
    app.build()
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for task in TASKS:
        assert f"<td><p>{task.activities}</p></td>" in html
        assert f"<td><p>{task.points}</p></td>" in html
    for question in QUESTIONS:
        title = question.title.replace("'", "\N{RIGHT SINGLE QUOTATION MARK}")  # smartquotes
        assert f"{title} ({question.activities}, {question.points} points):" in html
    assert f"{len(TASKS)} autograded tasks, {total_points()} points" in html
    assert "<td><p>2. Build the CNN</p></td>" in html  # sections by number and title
    assert "nox -s grade -- submissions/" in html
