"""Tests of the site's own Sphinx helpers in docs/: sections, timing, notebooks, figures."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))

import build_facts
from figure_text import MIN_TEXT_PX, checked_matplotlib_scraper, smallest_text_px
from launch_links import launch_links
from notebook_text import SOLUTION_HEADING, notebook_rst
from repository import Repository
from sections import breadcrumb_rst, tutorial_sections

TITLES = {"plot_01_load_data": "1. Load the data"}


def test_sections_are_read_from_the_example_files(tmp_path: Path) -> None:
    (tmp_path / "plot_10_new.py").write_text(
        '"""\nA new section\n=============\n\nIt teaches one thing. You will:\n\n- try\n"""\n'
    )
    (tmp_path / "plot_02_old.py").write_text('"""\nOld\n===\n\nFirst. Second.\n"""\n')
    (tmp_path / "helper.py").write_text('"""Not a section."""\n')
    old, new = tutorial_sections(tmp_path)
    assert (old.stem, old.number, old.title, old.summary) == (
        "plot_02_old",
        2,
        "Old",
        "First. Second.",
    )
    assert (new.number, new.title, new.summary) == (10, "A new section", "It teaches one thing.")
    crumb = breadcrumb_rst([old, new], current="plot_10_new")
    assert ":doc:`2. Old </auto_examples/plot_02_old>`" in crumb
    assert "**10. A new section**" in crumb


def test_each_example_is_timed_between_the_hook_calls() -> None:
    build_facts.time_example({}, "/examples/plot_01_x.py", "before")
    build_facts.time_example({}, "/examples/plot_01_x.py", "after")
    build_facts.time_example({}, "/examples/plot_02_y.py", "after")  # never started: no time
    assert build_facts._SECONDS.pop("plot_01_x") >= 0
    assert "plot_02_y" not in build_facts._SECONDS


@pytest.mark.parametrize(
    ("rst", "plain"),
    [
        (":func:`~mnist_tutorial.cache.load_or_train`", "``load_or_train``"),
        (":class:`mnist_tutorial.training.Trainer`", "``mnist_tutorial.training.Trainer``"),
        (":py:mod:`mnist_tutorial.models`", "``mnist_tutorial.models``"),
        (":doc:`the API </api>`", "the API"),
        (":ref:`sphx_glr_auto_examples_plot_01_load_data.py`", "*1. Load the data*"),
        (
            ":ref:`the first section <sphx_glr_auto_examples_plot_01_load_data.py>`",
            "the first section",
        ),
        (":math:`n m`", ":math:`n m`"),  # sphinx-gallery converts math itself
    ],
)
def test_roles_become_plain_text(rst: str, plain: str) -> None:
    assert notebook_rst(f"See {rst} here.", TITLES) == f"See {plain} here."


def test_solution_markers_become_a_heading_and_nothing() -> None:
    text = "Task.\n\n.. solution-start::\n"
    assert notebook_rst(text, TITLES) == f"Task.\n\n{SOLUTION_HEADING}\n"
    assert notebook_rst(".. solution-end::\n\nNext part.", TITLES) == "\nNext part."


def test_text_size_on_screen() -> None:
    fig = plt.figure(figsize=(6, 3), dpi=100)  # 600 px: shown at its natural size
    fig.text(0.5, 0.5, "small", fontsize=6)
    fig.text(0.5, 0.2, "", fontsize=2)  # empty text is not shown, so it does not count
    assert smallest_text_px(fig) == pytest.approx(6 * 100 / 72)
    wide = plt.figure(figsize=(20, 3), dpi=100)  # 2,000 px: shrunk to the 960 px column
    wide.text(0.5, 0.5, "label", fontsize=10)
    assert smallest_text_px(wide) == pytest.approx(10 * 100 / 72 * 960 / 2000)
    assert smallest_text_px(plt.figure()) is None


def test_scraper_refuses_illegible_figures() -> None:
    fig = plt.figure(figsize=(6, 3), dpi=100)
    fig.text(0.5, 0.5, "tiny", fontsize=5)
    assert smallest_text_px(fig) < MIN_TEXT_PX
    with pytest.raises(ValueError, match=r"plot_99\.py: a figure has text of 6\.9 px"):
        checked_matplotlib_scraper(None, {"src_file": "plot_99.py"}, {})
    assert not plt.get_fignums(), "the figures are closed, so the next example starts clean"


def test_launch_links_come_from_the_page_and_the_repository() -> None:
    on_github = Repository("https://github.com/o/r.git", "a" * 40, "o/r")
    links = launch_links("plot_03_train", on_github)
    assert (links.notebook, links.script) == ("plot_03_train.ipynb", "plot_03_train.py")
    assert links.colab == (
        "https://colab.research.google.com/github/o/r/blob/notebooks/plot_03_train.ipynb"
    )
    assert links.source == f"https://github.com/o/r/blob/{'a' * 40}/examples/plot_03_train.py"
    local = launch_links("plot_03_train", Repository("file:///tmp/clone", "b" * 40, None))
    assert (local.colab, local.source) == (None, None)
    assert launch_links("plot_03_train", None).colab is None
