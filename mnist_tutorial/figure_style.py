"""The figures' shared style and calling convention (visualization.py, image_figures.py).

Every ``plot_*`` function returns a matplotlib Figure and never shows it. One that draws a
single panel takes an optional ``ax`` and draws into it (returning ``ax.figure``); one that
draws several panels takes an optional ``fig`` and fills it with its own grid of axes. Without
either, it makes a new figure of a size that suits it. Font sizes, colour maps and the colours
of reference lines are the constants below; the figures use no other literal style.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Sizes in points; at 100 dpi, 8 pt is 11 px on screen (docs/figure_text.py wants >= 9 px).
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


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The given axes and their figure, or a new figure of ``figsize`` inches with one axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax.figure, ax


def figure_or_new(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """The given figure, or a new one of ``figsize`` inches."""
    return plt.figure(figsize=figsize, layout="constrained") if fig is None else fig
