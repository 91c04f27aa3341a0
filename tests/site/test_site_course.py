"""The built site shows no course-edition marker, and has the page for teachers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.site
MARKERS = ("BEGIN SOLUTION", "END SOLUTION")


def test_no_page_or_download_shows_a_solution_marker(html_dir: Path) -> None:
    checked, found = 0, []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix in (".html", ".py", ".ipynb", ".txt"):
            texts = [path.read_text(encoding="utf-8", errors="replace")]
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                texts = [
                    archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                ]
        else:
            continue
        checked += 1
        found += [str(path) for text in texts if any(marker in text for marker in MARKERS)]
    assert checked > 30
    # The teachers' page (and its source copy) names the convention; it shows no marked code.
    assert [path for path in found if not Path(path).name.startswith("teachers.")] == []
    assert (html_dir / "auto_examples" / "plot_02_build_cnn.html").is_file()
    page = (html_dir / "auto_examples" / "plot_02_build_cnn.html").read_text(encoding="utf-8")
    assert "conv1" in page


def test_teachers_page_is_in_the_contents_and_has_the_table(html_dir: Path) -> None:
    assert 'href="teachers.html"' in (html_dir / "index.html").read_text(encoding="utf-8")
    page = (html_dir / "teachers.html").read_text(encoding="utf-8")
    assert 'class="course-tasks' in page
    assert "nox -s grade -- submissions/" in page
