"""The figures' shared style and calling convention (visualization.py and the other charts).

Every ``plot_*`` function returns a matplotlib Figure and never shows it. One that draws a
single panel takes an optional ``ax`` and draws into it (returning ``ax.figure``); one that
draws several panels takes an optional ``fig`` and fills it with its own grid of axes. Without
either, it makes a new figure of a size that suits it. Font sizes, colour maps and the colours
of reference lines are the constants below; the figures use no other literal style.

Every figure also carries a sentence saying what it shows, built from the data it draws
(:func:`describe`): the site uses it as the image's alt text, for readers who cannot see it.
A plot function that draws into given axes describes the whole figure; a caller that adds
panels of its own calls :func:`describe` again afterwards.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Sizes in points; at 100 dpi, 8 pt is 11 px on screen (docs/_ext/figure_text.py wants >= 9 px).
FONT = 9  # panel titles, legends, annotations
FONT_SMALL = 8  # values printed on bars and in matrix cells
DIGIT_CMAP = "gray_r"  # digits as on paper: black ink on white
FILTER_CMAP = "gray"  # a stretched filter: white its largest weight, black its smallest
WEIGHT_CMAP = "RdBu_r"  # signed weights on a symmetric scale: red positive, white zero
RESPONSE_CMAP = "magma"  # feature maps, from 0 (black) to a strong response (yellow)
SHARE_CMAP = "Blues"  # percentages of the confusion matrix
BAR_COLOR = "tab:blue"
TRUE_COLOR, PREDICTED_COLOR, OTHER_COLOR = "tab:green", "tab:red", "tab:gray"
REFERENCE_LINE = {"color": "gray", "linestyle": "--"}  # a target, an expected or overall value
CHANCE_LINE = {"color": "black", "linestyle": ":"}  # what guessing achieves
GRID_ALPHA = 0.3

# The Figure attribute that holds the description (matplotlib has no field for one).
DESCRIPTION_ATTRIBUTE = "mnist_tutorial_description"


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The given axes and their figure, or a new figure of ``figsize`` inches with one axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def figure_or_new(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """The given figure, or a new one of ``figsize`` inches."""
    return plt.figure(figsize=figsize, layout="constrained") if fig is None else fig


def describe(fig: Figure, text: str) -> Figure:
    """Attach ``text``, one or more sentences saying what ``fig`` shows, and return ``fig``.

    It should tell a reader who cannot see the figure what they would learn from it (the
    data, its range or trend, the reference lines), not how it is drawn.
    """
    text = " ".join(text.split())
    if not text:
        raise ValueError("a figure's description cannot be empty")
    setattr(fig, DESCRIPTION_ATTRIBUTE, text)
    return fig


def description(fig: Figure) -> str | None:
    """The text given to :func:`describe` for ``fig``; None if it was never described."""
    return getattr(fig, DESCRIPTION_ATTRIBUTE, None)


def number(value: float) -> str:
    """A value for a sentence, to three significant digits: 2.2, 0.0203, 98.8, 6,742."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def listing(items: list[str] | tuple[str, ...], limit: int = 8, separator: str = ", ") -> str:
    """``items`` joined for a sentence ("a, b and c"); past ``limit``, the rest are counted.

    Items that contain commas read better with ``separator="; "``.
    """
    items = list(items)
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    return items[0] if len(items) == 1 else separator.join(items[:-1]) + " and " + items[-1]
