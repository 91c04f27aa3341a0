"""The course edition's notebooks, one per section, from the examples' own source.

``student``: every solution region blanked (course/regions.py) and every exercise's solution
cells replaced by one blank cell; ``solution``: the full code without the markers, which is
also the reference submission the grader must score fully. Both open with the site's install
cell (site_tools/notebook_setup.py), so they open in Colab or Jupyter and install the package.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from course.regions import BLANK, blank_regions, strip_markers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

_SOLUTION_START = re.compile(r"^\.\. solution-start::[ \t]*$", re.M)
_SOLUTION_END = re.compile(r"^\.\. solution-end::[ \t]*$", re.M)
YOUR_ANSWER = "**Your answer:** write it in the cell below, then run it."


def _gallery_conf(first_cell: str) -> dict:
    from sphinx_gallery.gen_gallery import DEFAULT_GALLERY_CONF

    conf = dict(DEFAULT_GALLERY_CONF)
    conf.update(first_notebook_cell=first_cell, last_notebook_cell=None, pypandoc=False)
    return conf


def _student_blocks(blocks: list) -> list:
    """Blank the regions, and put one blank cell in place of each exercise's solution cells."""
    out = []
    in_solution = False
    for block in blocks:
        label, content, lineno = block
        if label == "text":
            if in_solution and _SOLUTION_END.search(content):
                in_solution = False
                content = _SOLUTION_END.sub("", content)
            if _SOLUTION_START.search(content):
                in_solution = True
                content = _SOLUTION_START.sub(YOUR_ANSWER, content)
                out.append(type(block)(label, content, lineno))
                out.append(type(block)("code", "\n".join(BLANK) + "\n", lineno))
                continue
            out.append(type(block)(label, content, lineno))
        elif not in_solution:
            out.append(type(block)(label, blank_regions(content), lineno))
    return out


def _solution_blocks(blocks: list) -> list:
    return [
        type(block)(block[0], strip_markers(block[1]) if block[0] == "code" else block[1], block[2])
        for block in blocks
    ]


def section_notebook(example: Path, edition: str, first_cell: str) -> nbformat.NotebookNode:
    """The ``edition`` ("student" or "solution") notebook of one example."""
    from sphinx_gallery.notebook import jupyter_notebook
    from sphinx_gallery.py_source_parser import split_code_and_text_blocks

    from site_tools.notebook_markdown import notebook_rst
    from site_tools.section_list import tutorial_sections

    _, blocks = split_code_and_text_blocks(str(example))
    blocks = _student_blocks(blocks) if edition == "student" else _solution_blocks(blocks)
    titles = {s.stem: f"{s.number}. {s.title}" for s in tutorial_sections()}
    blocks = [
        type(b)(b[0], notebook_rst(b[1], titles) if b[0] == "text" else b[1], b[2]) for b in blocks
    ]
    content = jupyter_notebook(blocks, _gallery_conf(first_cell), example.parent)
    return nbformat.from_dict(content)


def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("plot_*.py"))


def first_cell() -> str:
    from site_tools.notebook_setup import first_notebook_cell
    from site_tools.repository import this_build

    return first_notebook_cell(this_build())


def _course_cells(stem: str) -> list[nbformat.NotebookNode]:
    """The student's guide to a section: its graded tasks, and its written questions."""
    from course.tasks import QUESTIONS, TASKS

    cells = []
    graded = [t for t in TASKS if t.section == stem]
    if graded:
        items = "\n".join(
            f"* `{t.definition}` ({t.activities}): {t.title}, {t.points} points" for t in graded
        )
        cells.append(
            nbformat.v4.new_markdown_cell(
                "### Graded in this section\n\nFill in every `# YOUR CODE HERE`. The grader "
                "takes these definitions from your notebook and tests them with hidden tests "
                f"(keep their names):\n\n{items}\n\nThe asserts in the notebook are "
                "public checks: they pass when your code is right, but they are not the grade."
            )
        )
    for question in (q for q in QUESTIONS if q.section == stem):
        cells.append(
            nbformat.v4.new_markdown_cell(
                f"### Written question ({question.activities}, {question.points} points, "
                f"graded by your teacher)\n\n{question.title}: answer in the cell below."
            )
        )
        cells.append(nbformat.v4.new_markdown_cell("*Your answer here.*"))
    for cell in cells:
        cell.pop("id")  # the notebooks are nbformat 4.4, as sphinx-gallery writes them: no ids
    return cells


def write_edition(folder: Path, edition: str) -> list[Path]:
    """One notebook per section in ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    cell = first_cell()
    written = []
    for example in examples():
        path = folder / f"{example.stem}.ipynb"
        notebook = section_notebook(example, edition, cell)
        if edition == "student":
            notebook.cells[2:2] = _course_cells(example.stem)  # after the install cell and title
        nbformat.write(notebook, path)
        written.append(path)
    return written
