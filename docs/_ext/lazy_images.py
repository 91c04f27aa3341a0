"""Images below the first load when the reader scrolls near them (``loading="lazy"``).

A section page holds up to a dozen figures, each in a 2x version for sharp screens: loaded
all at once on a phone they took the bandwidth that the text and the first figure need
(Lighthouse measured section 6's largest paint at 5.8 s on its mobile preset, 3.7 s lazy).
The first image of a page is left eager: it may be the largest paint, which lazy loading
would delay. ``decoding="async"`` keeps decoding a large PNG off the path of the first paint.
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx

IMG_TAG = re.compile(r"<img\s[^>]*>")


def lazy_images(body: str) -> str:
    """``body`` with every ``<img>`` after the first marked lazy and async (unless it says)."""
    seen = 0

    def mark(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        tag = match.group(0)
        if seen == 1 or " loading=" in tag:
            return tag
        extra = 'loading="lazy" ' + ("" if " decoding=" in tag else 'decoding="async" ')
        return tag.replace("<img ", f"<img {extra}", 1)

    return IMG_TAG.sub(mark, body)


def _mark_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        context["body"] = lazy_images(context["body"])


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", _mark_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
