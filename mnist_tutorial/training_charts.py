"""Charts of training: loss curves, the learning-rate sweep, and whether a run learned at all.

They follow the calling convention and the style of :mod:`mnist_tutorial.figure_style`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mnist_tutorial.figure_style import (
    CHANCE_LINE,
    FONT,
    GRID_ALPHA,
    REFERENCE_LINE,
    axes_or_new,
    describe,
    listing,
    number,
)


def plot_loss_curves(
    histories: Mapping[str, Sequence[float]],
    threshold: float | None = None,
    log_scale: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Mean training loss against epoch (1..N) for each named run, with an optional target line."""
    fig, ax = axes_or_new(ax, (7, 4))
    for name, losses in histories.items():
        ax.plot(range(1, len(losses) + 1), losses, marker="o", markersize=4, label=name)
    if threshold is not None:
        ax.axhline(threshold, **REFERENCE_LINE, label=f"target {threshold}")
    longest = max(map(len, histories.values()))
    ax.set(xlabel="epoch", ylabel="mean training loss", xticks=range(1, longest + 1))
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=GRID_ALPHA)
    ax.legend(fontsize=FONT)
    scale = " (log scale)" if log_scale else ""
    runs = "; ".join(f"{name} {_trend(losses, threshold)}" for name, losses in histories.items())
    target = f" The {number(threshold)} target is a dashed line." if threshold is not None else ""
    return describe(fig, f"Mean training loss per epoch{scale}: {runs}.{target}")


def _trend(losses: Sequence[float], threshold: float | None = None) -> str:
    """How a loss curve goes, for a sentence: "from 2.2 in epoch 1 to 0.02 in epoch 10"."""
    if not losses:
        return "no finished epoch"
    text = f"{number(losses[0])} in epoch 1"
    if len(losses) > 1:
        text = f"from {text} to {number(losses[-1])} in epoch {len(losses)}"
    if threshold is not None:
        below = [epoch for epoch, loss in enumerate(losses, 1) if loss < threshold]
        text += f", below the target from epoch {below[0]}" if below else ", never below the target"
    return text


NEAR_CHANCE = 0.9  # a last loss above this share of the chance loss: the run did not learn


def did_not_learn(history: Sequence[float], chance: float) -> bool:
    """Whether a run's last loss is still near ``chance``, the loss of an even guess."""
    return bool(history) and history[-1] > NEAR_CHANCE * chance


def plot_lr_sweep(
    losses: Mapping[float, Sequence[float]],
    diverged: Sequence[float] = (),
    threshold: float | None = None,
    chance: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Loss curves of a learning-rate sweep on a log scale; a diverged run ends in an x.

    ``losses`` maps each learning rate to the mean loss of its finished epochs; ``chance`` draws
    the loss of a net that gives every digit the same probability, and names a run that ended
    near it "did not learn".
    """
    fig, ax = axes_or_new(ax, (7, 4.5))
    last_epoch = 1
    line_ends = []  # (last epoch, last loss, label, colour) of each run, labelled at the end
    for lr, history in losses.items():
        label = f"lr {lr:g}"
        if lr in diverged:
            label += " (diverged)"
        elif chance is not None and did_not_learn(history, chance):
            label += " (did not learn)"
        (line,) = ax.plot(
            range(1, len(history) + 1), history, marker="o", markersize=4, label=label
        )
        if history:
            line_ends.append((len(history), history[-1], label, line.get_color()))
        if lr in diverged:
            # the epoch that produced NaN/inf has no value to plot: mark it at the top instead
            x, transform = len(history) + 1, ax.get_xaxis_transform()
            ax.plot(x, 0.95, "x", ms=12, mew=3, color=line.get_color(), transform=transform)
        last_epoch = max(last_epoch, len(history) + (lr in diverged))
    # The reference lines go under the runs (zorder 1), so that a run stuck at chance shows.
    if threshold is not None:
        ax.axhline(threshold, **REFERENCE_LINE, zorder=1, label=f"target {threshold}")
    if chance is not None:
        ax.axhline(chance, **CHANCE_LINE, zorder=1, label=f"chance level {chance:.3f}")
    ax.set_yscale("log")
    top = max([chance or 0.0] + [y for _, y, _, _ in line_ends])
    ax.set_ylim(top=2 * top)  # head room above the chance line for the labels
    ax.set_xticks(range(1, last_epoch + 1))
    ax.set_xlim(0.8, last_epoch + 0.9)  # room on the right for the labels at the line ends
    ax.set(xlabel="epoch", ylabel="mean training loss (log scale)")
    ax.grid(alpha=GRID_ALPHA)
    _label_line_ends(ax, line_ends)
    ax.legend(fontsize=FONT, loc="lower left")
    runs = "; ".join(
        f"lr {lr:g} "
        + (f"diverged in epoch {len(history) + 1}" if lr in diverged else _trend(history))
        for lr, history in losses.items()
    )
    lines = [f"the {number(threshold)} target dashed"] if threshold is not None else []
    lines += [f"the chance level {chance:.3f} dotted"] if chance is not None else []
    reference = f" Reference lines: {listing(lines)}." if lines else ""
    text = f"Mean training loss per epoch (log scale) of {len(losses)} learning rates: {runs}."
    return describe(fig, text + reference)


def _label_line_ends(ax: Axes, ends: Sequence[tuple[float, float, str, str]]) -> None:
    """Name each line at its last point, nudging labels apart so that none overlap.

    Lines that end close together (a run stuck at the chance loss, say) would otherwise be
    told apart only by colour.
    """
    fig = ax.get_figure()
    fig.canvas.draw()  # the axes limits are final: data positions can become pixels
    min_gap = FONT / 72 * fig.dpi * 1.6  # 1.6 lines of text, in pixels
    to_pixels, to_data = ax.transData, ax.transData.inverted()
    placed = sorted((to_pixels.transform((x, y))[1], x, y, text, c) for x, y, text, c in ends)
    previous = -math.inf
    for pixel_y, x, y, text, colour in placed:
        previous = max(pixel_y, previous + min_gap)
        label_y = to_data.transform((0, previous))[1]
        arrow = {"arrowstyle": "-", "color": colour, "lw": 0.6}
        ax.annotate(
            text,
            (x, y),
            (x + 0.12, label_y),
            va="center",
            fontsize=FONT,
            color=colour,
            arrowprops=arrow,
        )
