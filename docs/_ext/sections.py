"""The tutorial's sections on the site: the breadcrumb under each title and the index's cards.

The list of sections itself is read from the example files (``site_tools/section_list.py``).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from site_tools.section_list import GALLERY, Section, example_stem, tutorial_sections

SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "  # between breadcrumb items


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
