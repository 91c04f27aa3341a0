"""A meta description on every page, for search engines and link previews.

A page's description is its first paragraph of prose (a section's introduction, the index's
first sentences), shortened to about 160 characters at a word boundary. Pages without prose
of their own (the general index, the search page) are described by their title, or by their
name where Sphinx gives them none (genindex reaches the hook untitled).
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.application import Sphinx

# Sphinx's generated pages, which reach this hook without a title.
SPECIAL_PAGES = {"genindex": "Index", "py-modindex": "Python module index", "search": "Search"}
MAX_CHARS = 160  # what search engines show of a description
# Paragraphs inside these are not the page's prose: code output, notes, sidebars, tables.
NOT_PROSE = (nodes.Admonition, nodes.sidebar, nodes.table, nodes.raw, nodes.literal_block)


def first_paragraph(doctree: nodes.document) -> str:
    """The text of the first paragraph that is prose, or '' when the page has none."""
    for paragraph in doctree.findall(nodes.paragraph):
        if paragraph.get("classes"):  # site furniture: the breadcrumb, the launch links
            continue
        parent, inside = paragraph.parent, False
        while parent is not None:
            if isinstance(parent, NOT_PROSE):
                inside = True
                break
            parent = parent.parent
        text = " ".join(paragraph.astext().split())
        if not inside and len(text) >= 40:  # not a one-word caption or a lone link
            return text
    return ""


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` cut at the last word boundary within ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def describe_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    text = first_paragraph(doctree) if doctree is not None else ""
    if not text:
        # The title as HTML (Sphinx may mark it up): its text, unescaped.
        title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title") or "")).strip()
        # Sphinx's generated pages (genindex, search) may have no title yet: their name.
        title = title or SPECIAL_PAGES.get(pagename, pagename.replace("-", " ").capitalize())
        text = f"{title}, in {app.config.project}: a PyTorch tutorial on MNIST."
    # The layout (_templates/layout.html) writes it into <head>, HTML-escaped.
    context["page_description"] = shorten(text)


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", describe_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
