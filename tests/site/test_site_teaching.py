"""The teaching parts of the pages: every section ends with exercises whose solutions ran.

The taught code itself (written out in each section) is checked in test_site_taught_code.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from site_helpers import EXAMPLES

pytestmark = pytest.mark.site

SOLUTION = re.compile(
    r"<details class=\"exercise-solution[^\"]*\"(?P<attrs>[^>]*)>(?P<body>.*?)</details>", re.S
)
SPHINX_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|ref|doc|data|obj|exc):`")


def page_html(html_dir: Path, name: str) -> str:
    return (html_dir / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.mark.parametrize("name", EXAMPLES)
def test_section_ends_with_exercises_whose_solutions_ran(html_dir: Path, name: str) -> None:
    page = page_html(html_dir, name)
    solutions = list(SOLUTION.finditer(page))
    assert len(solutions) >= 2, f"{name}: {len(solutions)} exercise solutions, expected 2 or more"
    assert 'id="exercises"' in page, f"{name}: no Exercises section"
    assert page.index('id="exercises"') < solutions[0].start(), f"{name}: solution before Exercises"
    for number, solution in enumerate(solutions, start=1):
        assert f"Exercise {number}" in text_of(page[: solution.start()]), (
            f"{name}: no Exercise {number}"
        )
        assert " open" not in solution["attrs"], f"{name}: solution {number} is not collapsed"
        body = solution["body"]
        assert "highlight-Python" in body, f"{name}: solution {number} holds no code"
        verdict = text_of(body)
        assert "Correct!" in verdict, f"{name}: solution {number} did not pass its own check"
        assert "Not quite" not in verdict, f"{name}: solution {number} failed a check"


def downloaded_notebooks(html_dir: Path) -> list[Path]:
    return sorted((html_dir / "_downloads").rglob("*.ipynb"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_gallery_configuration_leaks_into_a_page(html_dir: Path, name: str) -> None:
    page = text_of(re.sub(r"<(script|style).*?</\1>", "", page_html(html_dir, name), flags=re.S))
    assert "sphinx_gallery_" not in page, f"{name}: a sphinx_gallery_ setting shows on the page"


def test_notebooks_read_as_plain_markdown(html_dir: Path) -> None:
    notebooks = downloaded_notebooks(html_dir)
    assert {path.stem for path in notebooks} >= set(EXAMPLES)
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            source = "".join(cell["source"])
            assert "sphinx_gallery_" not in source, f"{path.name}: {source[:80]!r}"
            if cell["cell_type"] == "markdown":
                role = SPHINX_ROLE.search(source)
                assert role is None, f"{path.name}: raw Sphinx role in {source[:120]!r}"
                assert ".. solution" not in source, f"{path.name}: a solution marker shows"


@pytest.mark.parametrize("name", EXAMPLES)
def test_notebook_has_a_solution_heading_per_exercise(html_dir: Path, name: str) -> None:
    found = [path for path in downloaded_notebooks(html_dir) if path.stem == name]
    cells = json.loads(found[0].read_text(encoding="utf-8"))["cells"]
    headings = sum("#### Solution" in "".join(c["source"]) for c in cells)
    solutions = len(SOLUTION.findall(page_html(html_dir, name)))
    assert headings == solutions, f"{name}: {headings} solution headings, {solutions} solutions"
