"""The tutorial's sections, read from the example files: breadcrumb and cards.

The list of sections has one source of truth: the example files themselves
(``examples/plot_NN_*.py``), their file names giving the order and their titles the names.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GALLERY = "auto_examples"
SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "  # between breadcrumb items
_TITLE_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")


@dataclasses.dataclass(frozen=True)
class Section:
    """One example file: ``stem`` like ``plot_02_build_cnn``, its title and first paragraph."""

    stem: str
    number: int
    title: str
    summary: str

    @property
    def docname(self) -> str:
        return f"{GALLERY}/{self.stem}"


def _title_and_summary(docstring: str) -> tuple[str, str]:
    lines = [line.strip() for line in docstring.strip().splitlines()]
    if lines and _TITLE_UNDERLINE.match(lines[0]):  # an overlined title
        lines = lines[1:]
    title = lines[0]
    rest = lines[2:] if len(lines) > 1 and _TITLE_UNDERLINE.match(lines[1]) else lines[1:]
    while rest and not rest[0]:
        rest = rest[1:]
    end = rest.index("") if "" in rest else len(rest)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(rest[:end]))
    following = next((line for line in rest[end:] if line), "")
    # A sentence that introduces a list ("You will learn:") means nothing without the list.
    if len(sentences) > 1 and following[:2] in ("- ", "* ", "+ "):
        sentences = sentences[:-1]
    return title, " ".join(sentences)


def tutorial_sections(examples: Path = EXAMPLES) -> list[Section]:
    """The tutorial's sections, read from the example files, in file-name order."""
    sections = []
    for path in sorted(examples.glob("plot_*.py")):
        match = re.match(r"plot_(\d+)_", path.name)
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.stem
        title, summary = _title_and_summary(docstring)
        number = int(match.group(1)) if match else len(sections) + 1
        sections.append(Section(path.stem, number, title, summary))
    return sections


def _plain(text: str) -> str:
    """Title text safe inside a role or bold markup (drops inline-literal backquotes and stars)."""
    return text.replace("`", "").replace("*", "")


def breadcrumb_rst(sections: list[Section], current: str) -> str:
    """One paragraph linking every section, the current one in bold."""
    items = []
    for section in sections:
        label = f"{section.number}. {_plain(section.title)}"
        if section.stem == current:
            items.append(f"**{label}**")
        else:
            items.append(f":doc:`{label} </{section.docname}>`")
    return ".. rst-class:: tutorial-breadcrumb\n\n" + SEPARATOR.join(items) + "\n\n"


def example_stem(docname: str) -> str | None:
    """``plot_02_build_cnn`` for a section page's docname, None for any other page."""
    folder, _, stem = docname.partition("/")
    return stem if folder == GALLERY and stem.startswith("plot_") else None


def insert_under_title(source: list[str], docname: str, rst: str) -> None:
    """Put ``rst`` right under the title of the section page ``docname`` (a source-read edit)."""
    stem = example_stem(docname)
    # sphinx-gallery writes the label, a blank line, then the title and its underline.
    label = re.escape(f".. _sphx_glr_{GALLERY}_{stem}.py:")
    title = re.compile(rf"({label}\n\s*\n(?:([=\-~^]{{3,}})\n)?[^\n]+\n[=\-~^]{{3,}}\n)")
    source[0], count = title.subn(lambda match: f"{match.group(1)}\n{rst}", source[0], count=1)
    if count == 0:
        raise ValueError(f"no title found in {docname}: cannot place {rst.splitlines()[0]!r}")


def _insert_breadcrumb(app: Sphinx, docname: str, source: list[str]) -> None:
    """source-read handler: put the breadcrumb under the title of every example page."""
    stem = example_stem(docname)
    if stem is not None:
        insert_under_title(source, docname, breadcrumb_rst(tutorial_sections(), stem))


class SectionCards(SphinxDirective):
    """``.. tutorial-sections::`` a grid of sphinx-design cards, one per tutorial section."""

    def run(self) -> list[nodes.Node]:
        lines = [".. grid:: 1 2 2 2", "   :gutter: 3", ""]
        for section in tutorial_sections():
            lines += [
                f"   .. grid-item-card:: {section.number}. {section.title}",
                f"      :link: /{section.docname}",
                "      :link-type: doc",
                "",
                f"      {section.summary}",
                "",
            ]
        return self.parse_text_to_nodes("\n".join(lines))


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("source-read", _insert_breadcrumb)
    app.add_directive("tutorial-sections", SectionCards)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
