"""sphinx-gallery's matplotlib scraper, with a check that every figure's text is legible.

A figure is shown at its natural width, or shrunk to the article column if it is wider, so
the size of its text on screen is its font size in pixels times that shrink factor. A figure
whose smallest text would show under MIN_TEXT_PX fails the build, naming the example.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text
from sphinx_gallery.scrapers import matplotlib_scraper

ARTICLE_WIDTH_PX = 960  # the article column of a section page at 1280 px (no left sidebar)
MIN_TEXT_PX = 9.0


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


def checked_matplotlib_scraper(block: Any, block_vars: dict, gallery_conf: dict, **kwargs: Any):
    """Refuse a figure with text too small to read, then save figures as sphinx-gallery does."""
    for number in plt.get_fignums():
        smallest = smallest_text_px(plt.figure(number))
        if smallest is not None and smallest < MIN_TEXT_PX:
            plt.close("all")
            raise ValueError(
                f"{block_vars.get('src_file', 'an example')}: a figure has text of "
                f"{smallest:.1f} px on screen, below {MIN_TEXT_PX} px: use a larger font size "
                "or a narrower figure"
            )
    return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
