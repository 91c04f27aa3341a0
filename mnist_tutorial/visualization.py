"""Charts of the tutorial's numbers: class counts, losses, speeds, parameters, accuracies.

They follow the calling convention and the style of :mod:`mnist_tutorial.figure_style`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mnist_tutorial.figure_style import (
    BAR_COLOR,
    CHANCE_LINE,
    FONT,
    FONT_SMALL,
    GRID_ALPHA,
    REFERENCE_LINE,
    axes_or_new,
    describe,
    figure_or_new,
    listing,
    number,
)
from mnist_tutorial.models import NUM_CLASSES, LayerParameters


def plot_class_counts(counts: Mapping[str, Sequence[int]], fig: Figure | None = None) -> Figure:
    """One panel per split: images of each digit, and the tenth of the split that balance gives."""
    fig = figure_or_new(fig, (5 * len(counts), 3.5))
    panels = fig.subplots(1, len(counts), squeeze=False).flat
    for ax, (split, values) in zip(panels, counts.items(), strict=True):
        ax.bar(range(NUM_CLASSES), values, color=BAR_COLOR)
        ax.axhline(sum(values) / 10, **REFERENCE_LINE, label="a tenth of the split")
        ax.set_ylim(0, 1.35 * max(values))  # room for the legend above the bars
        ax.set(xticks=range(NUM_CLASSES), xlabel="digit", ylabel="number of images")
        ax.set_title(f"{split} split: images per digit")
        ax.legend(fontsize=FONT, loc="upper right")
    return describe(
        fig, "Bar charts of the number of images of each digit. " + _counts_text(counts)
    )


def _counts_text(counts: Mapping[str, Sequence[int]]) -> str:
    sentences = []
    for split, values in counts.items():
        values = list(values)
        low, high = values.index(min(values)), values.index(max(values))
        sentences.append(
            f"The {split} split has from {values[low]:,} images (digit {low}) to "
            f"{values[high]:,} (digit {high}), against {number(sum(values) / len(values))} "
            "each if it were balanced."
        )
    return " ".join(sentences)


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


def plot_throughput(samples: Mapping[str, Sequence[float]], ax: Axes | None = None) -> Figure:
    """Images per second of each named data path: the median as a bar, each repeat as a dot."""
    fig, ax = axes_or_new(ax, (7, 1 + 0.8 * len(samples)))
    for row, values in enumerate(samples.values()):
        median = statistics.median(values)
        ax.barh(row, median, color=f"C{row}", alpha=0.7)
        ax.plot(values, [row] * len(values), "k.", markersize=5)
        ax.annotate(
            f"{median:,.0f}",
            (max(median, *values), row),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT,
        )
    ax.set_yticks(range(len(samples)), list(samples))
    ax.set_xscale("log")
    ax.set_xlabel("images per second (log scale; bar: median, dots: repeats)")
    ax.margins(x=0.2)
    ax.grid(axis="x", alpha=GRID_ALPHA)
    speeds = [f"{name} {statistics.median(v):,.0f}" for name, v in samples.items()]
    text = "Images per second of each data path (log scale), median of the repeats: "
    return describe(fig, f"{text}{listing(speeds)}.")


def plot_parameter_counts(rows: Sequence[LayerParameters], ax: Axes | None = None) -> Figure:
    """Trainable parameters per layer (weights + biases) on a log scale, labelled with counts."""
    fig, ax = axes_or_new(ax, (6.5, 3.5))
    totals = [row.total for row in rows]
    bars = ax.bar([row.name for row in rows], totals, color=BAR_COLOR)
    labels = [f"{t:,}\n({100 * t / sum(totals):.1f}%)" for t in totals]
    ax.bar_label(bars, labels=labels, fontsize=FONT_SMALL, padding=2)
    ax.set_yscale("log")
    # a decade below the smallest bar, so that it stays visible; room for the labels on top
    ax.set_ylim(10 ** (math.floor(math.log10(min(totals))) - 1), max(totals) * 20)
    ax.set(xlabel="layer", ylabel="parameters (log scale)")
    layers = [
        f"{row.name} {t:,} ({100 * t / sum(totals):.1f}%)"
        for row, t in zip(rows, totals, strict=True)
    ]
    text = (
        f"Trainable parameters per layer (log scale), {sum(totals):,} in total: {listing(layers)}."
    )
    return describe(fig, text)


def plot_per_class_accuracy(
    accuracies: Sequence[float] | torch.Tensor, overall: float | None = None, ax: Axes | None = None
) -> Figure:
    """Test accuracy (%) of each digit as bars, with the overall accuracy as a dashed line.

    The y-axis starts just below the lowest bar, so that small differences stay visible;
    each bar is labelled with its value.
    """
    fig, ax = axes_or_new(ax, (7, 3.5))
    values = [float(a) for a in accuracies]
    bars = ax.bar(range(len(values)), values, color=BAR_COLOR)
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=FONT_SMALL, padding=2)
    if overall is not None:
        ax.axhline(overall, **REFERENCE_LINE, label=f"all digits ({overall:.2f}%)")
        # outside the axes: the bars fill them
        ax.legend(fontsize=FONT, loc="upper left", bbox_to_anchor=(1.01, 1))
    bottom = max(0.0, math.floor(min(values)) - 1.0)
    ax.set_ylim(bottom, 100 + (100 - bottom) * 0.12)  # headroom for the labels
    ax.set(xticks=range(len(values)), xlabel="true digit")
    ax.set_ylabel(f"test accuracy (%), axis starts at {bottom:g}")
    low, high = values.index(min(values)), values.index(max(values))
    text = (
        f"Test accuracy of each digit, from {values[low]:.2f}% (digit {low}) to "
        f"{values[high]:.2f}% (digit {high}): "
        + listing([f"{digit}: {v:.2f}%" for digit, v in enumerate(values)], limit=10)
        + "."
    )
    if overall is not None:
        text += f" The accuracy over all digits, {overall:.2f}%, is a dashed line."
    return describe(fig, text)


def plot_accuracy_by_shift(
    shifts: Sequence[int], accuracies: Mapping[str, Sequence[float]], ax: Axes | None = None
) -> Figure:
    """Test accuracy of each named net against how far the images were shifted."""
    fig, ax = axes_or_new(ax, (6.5, 4))
    for name, values in accuracies.items():
        ax.plot(shifts, values, marker="o", label=name)
    ax.set(xticks=list(shifts), xlabel="shift (pixels, averaged over the 4 directions)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=GRID_ALPHA)
    ax.legend(fontsize=FONT)
    nets = [
        f"the {name} from {values[0]:.1f}% to {values[-1]:.1f}%"
        for name, values in accuracies.items()
    ]
    text = (
        f"Test accuracy against the shift of the images, {shifts[0]} to {shifts[-1]} pixels: "
        f"{listing(nets)}."
    )
    return describe(fig, text)


def percent_decimals(images: int) -> int:
    """The decimals an accuracy over ``images`` images supports: one image more or less moves
    it by 100 / images percent (0.01 for 10,000 images, so 2 decimals; 0.05 for 2,000: 2)."""
    if images < 1:
        raise ValueError(f"an accuracy needs at least one image, got {images}")
    return max(0, math.ceil(math.log10(images / 100)))


def plot_summary(
    results: Mapping[str, Mapping[str, float]],
    images: Mapping[str, int],
    ax: Axes | None = None,
) -> Figure:
    """Grouped bars: for each condition (e.g. "accuracy"), one bar per network, in percent.

    ``images`` holds how many test images each condition measured: the labels show the
    decimals that count supports (:func:`percent_decimals`), so 98.95% is not shown as 99.0%.
    """
    fig, ax = axes_or_new(ax, (6.5, 3.8))
    conditions = list(next(iter(results.values())))
    missing = [condition for condition in conditions if condition not in images]
    if missing:
        raise ValueError(f"the number of test images of {missing} is missing from images")
    decimals = {condition: percent_decimals(images[condition]) for condition in conditions}
    width = 0.8 / len(results)
    for i, (name, result) in enumerate(results.items()):
        positions = [c + (i - (len(results) - 1) / 2) * width for c in range(len(conditions))]
        values = [result[condition] for condition in conditions]
        bars = ax.bar(positions, values, width, label=name)
        labels = [f"{v:.{decimals[c]}f}%" for c, v in zip(conditions, values, strict=True)]
        ax.bar_label(bars, labels=labels, fontsize=FONT, padding=2)
    ax.set_xticks(range(len(conditions)), conditions)
    ax.set_ylim(0, 110)  # room above 100% for the labels
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=FONT, loc="upper right")
    groups = [
        f"{condition}: "
        + listing([f"{net} {r[condition]:.{decimals[condition]}f}%" for net, r in results.items()])
        for condition in conditions
    ]
    return describe(fig, f"Test accuracy of each network, by condition. {'; '.join(groups)}.")
