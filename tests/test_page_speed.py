"""The build's page-speed and search helpers (docs/_ext/lazy_images.py, docs/_ext/page_meta.py)."""

from __future__ import annotations

import lazy_images
import page_meta
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document


def test_every_image_after_the_first_loads_lazily() -> None:
    body = '<p>x</p><img src="a.png" alt="a"><img src="b.png" alt="b"><img loading="eager" src="c">'
    marked = lazy_images.lazy_images(body)
    assert '<img src="a.png" alt="a">' in marked  # the first: maybe the largest paint
    assert '<img loading="lazy" decoding="async" src="b.png" alt="b">' in marked
    assert '<img loading="eager" src="c">' in marked  # a choice made in the page is kept


def parse(rst: str) -> nodes.document:
    document = new_document("test", get_default_settings(Parser))
    Parser().parse(rst, document)
    document.transformer.populate_from_components([Parser()])
    document.transformer.apply_transforms()  # e.g. a class directive sets the next paragraph's
    return document


def test_the_description_is_the_first_paragraph_of_prose() -> None:
    doctree = parse(
        "Title\n=====\n\n.. note::\n\n   A note is not the page's description, however long.\n\n"
        "Short.\n\n.. class:: launch-links\n\nOpen in Colab, download the notebook or the "
        "script.\n\nThis section trains the network and measures how well it does on test data.\n"
    )
    text = page_meta.first_paragraph(doctree)
    assert text == "This section trains the network and measures how well it does on test data."


def test_a_long_description_is_cut_at_a_word() -> None:
    text = "word " * 60
    short = page_meta.shorten(text.strip())
    assert len(short) <= page_meta.MAX_CHARS
    assert short.endswith("word…")


def test_a_page_without_prose_is_described_by_its_title() -> None:
    class Config:
        project = "MNIST CNN tutorial"

    class App:
        config = Config()

    context = {"title": "Index &amp; <em>modules</em>"}
    page_meta.describe_page(App(), "genindex", "genindex.html", context, None)
    assert context["page_description"].startswith("Index & modules, in MNIST CNN tutorial")
    untitled: dict[str, str] = {}  # Sphinx's genindex reaches the hook without a title
    page_meta.describe_page(App(), "genindex", "genindex.html", untitled, None)
    assert untitled["page_description"].startswith("Index, in MNIST CNN tutorial")
