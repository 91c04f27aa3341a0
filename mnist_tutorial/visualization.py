"""Charts of the tutorial's numbers: class counts, speeds, parameters, accuracies.

They follow the calling convention and the style of :mod:`mnist_tutorial.figure_style`;
the charts of training are in :mod:`mnist_tutorial.training_charts`.
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
