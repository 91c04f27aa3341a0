"""The build's page-speed and search helpers (docs/_ext/: head_assets, lazy_images, page_meta)."""

from __future__ import annotations

from pathlib import Path

import head_assets
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


def test_scripts_load_without_blocking_and_keep_their_order() -> None:
    from sphinx.builders.html._assets import _JavaScript

    listed = [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript("", priority=200, body="DOCUMENTATION_OPTIONS.pagename = 'index';"),
        _JavaScript("_static/demo.js", priority=500, defer="defer"),
        _JavaScript("_static/x.js", priority=500, **{"async": "async"}),
    ]
    loaded = [head_assets.deferred(script) for script in listed]
    assert loaded[0].attributes == {"defer": "defer"}
    # inline: a module script, which runs after parsing in document order, like the deferred
    assert loaded[1].attributes["type"] == "module"
    assert loaded[1].attributes["body"] == listed[1].attributes["body"]
    assert loaded[2:] == listed[2:]  # a script that already does not block is left alone
    assert [s.priority for s in loaded] == [s.priority for s in listed]


def test_stylesheets_are_joined_in_the_order_the_page_applies_them(tmp_path: Path) -> None:
    from sphinx.builders.html._assets import _CascadingStyleSheet as Css

    static = tmp_path / "_static"
    (static / "demo").mkdir(parents=True)
    for name, text in {
        "a.css": "p { color: red }",
        "b.css": "p { color: blue }",
        "c.css": "h1 { margin: 0 }",
        "demo/demo.css": "button { color: green }",
        "icons.css": "i { background: url(icon.svg) }",
        "pygments.css": ".highlight .s2 { color: #4e9a06 }",
    }.items():
        (static / name).write_text(text, encoding="utf-8")
    listed = [
        Css("_static/c.css", priority=800),
        Css("_static/a.css", priority=200),
        Css("_static/b.css", priority=500),
        Css("_static/demo/demo.css", priority=500),
        Css("_static/icons.css", priority=900),
        Css("https://example.org/remote.css", priority=900),
        Css("_static/pygments.css", priority=900),  # the theme rewrites it after the pages
    ]
    applied = head_assets.joined_styles(tmp_path, listed)
    names = [css.filename for css in applied]
    # a and b (priority 200, 500) join; demo.css (in a folder) sits between them and c, so c
    # keeps its own link, as do a file with url() and a remote one
    assert names[1:] == [
        "_static/demo/demo.css",
        "_static/c.css",
        "_static/icons.css",
        "https://example.org/remote.css",
        "_static/pygments.css",
    ]
    joined = (tmp_path / names[0]).read_text(encoding="utf-8")
    assert joined.index("color: red") < joined.index("color: blue")
    assert "h1" not in joined
    assert "green" not in joined
    assert applied[0].priority == 200


def test_the_theme_stylesheet_holds_basic_css_instead_of_importing_it(tmp_path: Path) -> None:
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "theme.css").write_text(
        f"/* from the basic theme */\n{head_assets.THEME_IMPORT}\n", encoding="utf-8"
    )
    (tmp_path / "basic.css").write_text("div.body { min-width: 360px }", encoding="utf-8")
    head_assets.inline_theme_import(tmp_path)
    theme = (tmp_path / "styles" / "theme.css").read_text(encoding="utf-8")
    assert "@import" not in theme
    assert "div.body { min-width: 360px }" in theme
