"""sphinx-gallery's matplotlib scraper, with legible text and a real alt text on every figure.

A figure is shown at its natural width, or shrunk to the article column if it is wider, so
the size of its text on screen is its font size in pixels times that shrink factor. A figure
whose smallest text would show under MIN_TEXT_PX fails the build, naming the example.

Each figure's alt text is the description it was given when drawn
(:func:`mnist_tutorial.figure_style.describe`), in place of sphinx-gallery's (its titles, or
else its file name). A plain line chart that a section draws with matplotlib itself, as a
reader would, is described from its own data (title, axes, where each line starts and ends).
Any other figure without a description fails the build, so that none can be forgotten.

Each figure's image also gets the class ``figure-text-N``: its smallest text is N / 10 pixels
tall at the image's natural size. On a phone, figure-links.js keeps the figure wide enough for
that text to stay readable (and lets it scroll sideways); the site's tests measure it at 390 px.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text
from sphinx_gallery.scrapers import matplotlib_scraper

from mnist_tutorial.figure_style import description

ARTICLE_WIDTH_PX = 960  # the article column of a section page at 1280 px (no left sidebar)
MIN_TEXT_PX = 9.0
# The alt option of each image directive that sphinx-gallery's figure_rst writes, one per
# figure in the order of plt.get_fignums(), for one image as for several.
ALT_OPTION = re.compile(r"^(?P<indent>[ \t]+):alt:.*$", re.MULTILINE)
# Likewise its class option: sphx-glr-single-img, or sphx-glr-multi-img for each of several.
CLASS_OPTION = re.compile(r"^(?P<line>[ \t]+:class: sphx-glr-(?:single|multi)-img)$", re.MULTILINE)


def smallest_text_px(fig: Figure, column_px: float = ARTICLE_WIDTH_PX) -> float | None:
    """The displayed size, in CSS pixels, of the smallest visible text of ``fig`` (None: none)."""
    width_px = fig.get_figwidth() * fig.dpi
    shrink = min(1.0, column_px / width_px)
    sizes = [
        text.get_fontsize() * fig.dpi / 72 * shrink
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=None)


def alt_text(text: str) -> str:
    """``text`` as the value of an ``:alt:`` option.

    One line; and escaped for HTML, because sphinx-gallery's image directive writes the
    option into the page's ``alt="..."`` as it is.
    """
    return html.escape(" ".join(text.split()), quote=False).replace('"', "&quot;")


def with_alt_texts(rst: str, texts: list[str]) -> str:
    """The reST of sphinx-gallery's scraper with its alt options replaced by ``texts``, in order."""
    found = ALT_OPTION.findall(rst)
    if len(found) != len(texts):
        raise ValueError(
            f"expected {len(texts)} :alt: options in the scraper's reST, found {rst!r}"
        )
    replacements = iter(texts)
    return ALT_OPTION.sub(lambda m: f"{m['indent']}:alt: {alt_text(next(replacements))}", rst)


def with_text_classes(rst: str, sizes: list[float | None]) -> str:
    """The scraper's reST with a ``figure-text-N`` class (N: smallest text in tenths of a px at
    natural size) added to each image that has text, in the order of ``sizes``."""
    found = CLASS_OPTION.findall(rst)
    if len(found) != len(sizes):
        raise ValueError(f"expected {len(sizes)} :class: options in the scraper's reST: {rst!r}")
    replacements = iter(sizes)

    def add(match: re.Match[str]) -> str:
        size = next(replacements)
        return match["line"] if size is None else f"{match['line']} figure-text-{round(10 * size)}"

    return CLASS_OPTION.sub(add, rst)


def _line_text(line: Any, xlabel: str) -> str:
    x, y = line.get_xdata(), line.get_ydata()
    label = line.get_label() if not line.get_label().startswith("_") else "a line"
    if min(y) == max(y):
        return f"{label}: a horizontal line at {y[0]:.3g}"
    return f"{label}: from {y[0]:.3g} at {xlabel} {x[0]:g} to {y[-1]:.3g} at {xlabel} {x[-1]:g}"


def line_chart_description(fig: Figure) -> str | None:
    """What a figure of line charts shows, read off its data; None for any other figure."""
    parts = []
    for ax in fig.axes:
        if not ax.get_lines() or ax.images or ax.patches or ax.collections:
            return None
        xlabel, ylabel = ax.get_xlabel() or "x", ax.get_ylabel() or "y"
        lines = "; ".join(_line_text(line, xlabel) for line in ax.get_lines())
        title = ax.get_title() or "A line chart"
        parts.append(f"{title}: {ylabel} against {xlabel}. {lines}.")
    return " ".join(parts) or None


def _check_figures(example: str) -> tuple[list[str], list[float | None]]:
    """The description and the smallest text at natural size (px) of every open figure; an
    error for one unreadable or undescribed."""
    texts, sizes = [], []
    for number in plt.get_fignums():
        fig = plt.figure(number)
        smallest = smallest_text_px(fig)
        if smallest is not None and smallest < MIN_TEXT_PX:
            raise ValueError(
                f"{example}: a figure has text of {smallest:.1f} px on screen, below "
                f"{MIN_TEXT_PX} px: use a larger font size or a narrower figure"
            )
        text = description(fig) or line_chart_description(fig)
        if not text:
            titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
            raise ValueError(
                f"{example}: figure {number} (titles: {titles or 'none'}) has no description "
                "for its alt text: call mnist_tutorial.figure_style.describe(fig, text) with a "
                "sentence saying what it shows"
            )
        texts.append(text)
        sizes.append(smallest_text_px(fig, column_px=float("inf")))
    return texts, sizes


def checked_matplotlib_scraper(block: Any, block_vars: dict, gallery_conf: dict, **kwargs: Any):
    """sphinx-gallery's matplotlib scraper, with each figure's description as its alt text.

    A figure with text too small to read, or without a description, fails the build.
    """
    try:
        texts, sizes = _check_figures(block_vars.get("src_file", "an example"))
    except ValueError:
        plt.close("all")
        raise
    rst = matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
    return with_text_classes(with_alt_texts(rst, texts), sizes) if texts else rst


# sphinx-gallery's image-sg node writes only its first class into the <img>: the page's HTML
# gets each figure's figure-text-N class from the node, after the page is rendered.


def add_img_class(body: str, file_name: str, name: str) -> str:
    """``body`` with class ``name`` added to the ``<img>`` whose src ends in ``/file_name``."""
    tag = re.compile(
        r'(<img\s[^>]*src="(?:[^"]*/)?' + re.escape(file_name) + r'"[^>]*class\s*=\s*")([^"]*)"'
    )
    return tag.sub(lambda m: f'{m[1]}{m[2]} {name}"', body, count=1)


def _text_classes_into_html(app: Any, pagename: str, templatename: str, context: dict, doctree):
    from sphinx_gallery.directives import imgsgnode

    if doctree is None or "body" not in context:
        return
    for node in doctree.findall(imgsgnode):
        for name in (node["class"] or [])[1:]:
            if name.startswith("figure-text-"):
                file_name = Path(node["uri"]).name
                context["body"] = add_img_class(context["body"], file_name, name)


# --- The gallery's thumbnails -------------------------------------------------------------------
# sphinx-gallery gives each thumbnail an empty alt. Ours say which section it stands for and
# what its figure shows: the alt text of the page's figure that the thumbnail was made from.

THUMBNAIL = re.compile(
    r"(?P<gallery>[^/]+(?:/[^/]+)*)/images/thumb/sphx_glr_(?P<stem>.+)_thumb\.\w+$"
)
THUMBNAIL_NUMBER = re.compile(r"^# sphinx_gallery_thumbnail_number = (-?\d+)", re.MULTILINE)
PAGE_FIGURE = re.compile(r"^\s*\.\. image-sg:: /\S+\n\s*:alt: (?P<alt>.*)$", re.MULTILINE)


def thumbnail_alt(srcdir: Path, gallery: str, stem: str, title: str) -> str:
    """The thumbnail alt of example ``stem`` in ``srcdir/gallery``, titled ``title``."""
    example = srcdir / gallery / f"{stem}.py"
    page = srcdir / gallery / f"{stem}.rst"
    number = (
        THUMBNAIL_NUMBER.search(example.read_text(encoding="utf-8")) if example.is_file() else None
    )
    alts = PAGE_FIGURE.findall(page.read_text(encoding="utf-8")) if page.is_file() else []
    index = int(number[1]) if number else 1
    index = index - 1 if index > 0 else len(alts) + index
    if not 0 <= index < len(alts):
        return f"Section {title} (it has no figure)."
    return f"Section {title}: {html.unescape(alts[index])}"


def _thumbnail_alts(app: Any, doctree: Any, docname: str) -> None:
    from docutils import nodes

    for image in doctree.findall(nodes.image):
        match = THUMBNAIL.search(image.get("uri", ""))
        if match is None or image.get("alt"):
            continue
        target = f"{match['gallery']}/{match['stem']}"
        title = app.env.titles[target].astext() if target in app.env.titles else match["stem"]
        image["alt"] = thumbnail_alt(Path(app.srcdir), match["gallery"], match["stem"], title)


def setup(app: Any) -> dict[str, Any]:
    app.connect("doctree-resolved", _thumbnail_alts)
    app.connect("html-page-context", _text_classes_into_html)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
