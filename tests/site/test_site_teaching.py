"""The teaching parts of the pages: the package's code shown as it is, and the exercises.

The code a page shows is read from the package at build time (mnist_tutorial.source); these
checks compare every shown block with the package's source, so a block that drifted from the
code fails here. Every section ends with exercises whose solutions ran in the build.
"""

from __future__ import annotations

import html
import importlib
import inspect
import json
import re
import textwrap
from pathlib import Path

import pytest
from site_helpers import EXAMPLES

pytestmark = pytest.mark.site

# What each section must show: the code a reader of that section came to learn.
REQUIRED_SOURCES = {
    "plot_02_build_cnn": ["mnist_tutorial.models.ConvNet"],
    "plot_03_train": [
        "mnist_tutorial.training.Trainer._train_one_epoch",
        "mnist_tutorial.training.Trainer.train",
    ],
    "plot_04_evaluate": ["mnist_tutorial.evaluation.evaluate"],
    "plot_06_visualize_layers": ["mnist_tutorial.models.ConvNet.features"],
    "plot_07_compare_fully_connected": ["mnist_tutorial.models.FCNet"],
}
SHOWN_SOURCE = re.compile(
    r'<div class="[^"]*\bmnist-source\b[^"]*" data-source="([^"]+)">(.*?)</pre>', re.S
)
SOLUTION = re.compile(
    r"<details class=\"exercise-solution[^\"]*\"(?P<attrs>[^>]*)>(?P<body>.*?)</details>", re.S
)
SPHINX_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|ref|doc|data|obj|exc):`")


def page_html(html_dir: Path, name: str) -> str:
    return (html_dir / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def package_object(dotted: str) -> object:
    """``mnist_tutorial.training.Trainer.train`` -> the method (longest importable module)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


def shown_sources(page: str) -> dict[str, str]:
    """The code blocks shown by show_source on a page: object name -> code as displayed."""
    blocks = {}
    for name, block in SHOWN_SOURCE.findall(page):
        assert '<span class="k">' in block, f"{name} is not highlighted on the page"
        blocks[name] = text_of(block.split("<pre>", 1)[1])
    return blocks


@pytest.mark.parametrize("name", sorted(REQUIRED_SOURCES))
def test_section_shows_the_code_it_teaches(html_dir: Path, name: str) -> None:
    shown = shown_sources(page_html(html_dir, name))
    missing = [obj for obj in REQUIRED_SOURCES[name] if obj not in shown]
    assert not missing, f"{name} does not show {missing} (it shows {sorted(shown)})"


@pytest.mark.parametrize("name", EXAMPLES)
def test_shown_code_is_the_package_source(html_dir: Path, name: str) -> None:
    for dotted, code in shown_sources(page_html(html_dir, name)).items():
        expected = textwrap.dedent(inspect.getsource(package_object(dotted)))
        assert code == expected, f"{name}: the code shown for {dotted} differs from the package"


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
