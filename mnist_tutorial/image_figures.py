"""Figures drawn as images: digits, filters, feature maps, predictions, the confusion matrix.

They follow the calling convention and the style of :mod:`mnist_tutorial.figure_style`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from mnist_tutorial.data import denormalize
from mnist_tutorial.figure_style import (
    DIGIT_CMAP,
    FILTER_CMAP,
    FONT,
    FONT_SMALL,
    OTHER_COLOR,
    PREDICTED_COLOR,
    RESPONSE_CMAP,
    SHARE_CMAP,
    TRUE_COLOR,
    WEIGHT_CMAP,
    axes_or_new,
    describe,
    figure_or_new,
    listing,
    number,
)
from mnist_tutorial.models import NUM_CLASSES


def to_display(image: torch.Tensor) -> torch.Tensor:
    """A normalized image (1, 28, 28) or (28, 28) as a 2-D CPU tensor with values in [0, 1]."""
    return denormalize(image.detach().cpu()).squeeze().clamp(0, 1)


def rescale(array: torch.Tensor) -> torch.Tensor:
    """Stretch values to [0, 1] (for filters and feature maps, whose range is arbitrary)."""
    array = array.detach().cpu().float()
    low, high = array.min(), array.max()
    return (array - low) / (high - low) if high > low else torch.zeros_like(array)


def _show_digit(ax: Axes, image: torch.Tensor) -> None:
    ax.imshow(to_display(image).numpy(), cmap=DIGIT_CMAP, vmin=0, vmax=1)


def _no_ticks(axes: np.ndarray, frame: bool = True) -> None:
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
        ax.spines[:].set_visible(frame)


def plot_image_grid(
    images: torch.Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cell_size: float = 1.2,
    fig: Figure | None = None,
) -> Figure:
    """Normalized images (N, 1, 28, 28) in a grid, black digits on white, with titles."""
    nrows = math.ceil(len(images) / ncols)
    fig = figure_or_new(fig, (ncols * cell_size, nrows * cell_size * 1.25))
    for i, ax in enumerate(fig.subplots(nrows, ncols, squeeze=False).flat):
        ax.axis("off")
        if i < len(images):
            _show_digit(ax, images[i])
            if titles is not None:
                ax.set_title(titles[i], fontsize=FONT)
    text = f"A grid of {_count(len(images), 'handwritten digit')} in {_count(nrows, 'row')}"
    if titles is not None:
        shown = [" ".join(t.split()) for t in titles[: len(images)]]
        text += ", titled " + listing(shown, separator="; ")
    return describe(fig, text + ".")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def plot_conv1_filters(net: nn.Module, ncols: int = 8, fig: Figure | None = None) -> Figure:
    """The first convolution's 5 x 5 filters as grayscale images (4 x 8 for 32 filters)."""
    weights = net.conv1.weight.detach().cpu()  # (32, 1, 5, 5)
    nrows = math.ceil(len(weights) / ncols)
    fig = figure_or_new(fig, (ncols * 1.0, nrows * 1.15))
    for i, ax in enumerate(fig.subplots(nrows, ncols, squeeze=False).flat):
        ax.axis("off")
        if i < len(weights):
            # each filter stretched to its own range: what matters is its pattern, not its scale
            ax.imshow(rescale(weights[i, 0]).numpy(), cmap=FILTER_CMAP, vmin=0, vmax=1)
            ax.set_title(f"filter {i}", fontsize=FONT)
    size = " x ".join(map(str, weights.shape[2:]))
    low, high = weights.min(), weights.max()
    text = (
        f"The {_count(len(weights), 'filter')} of the first convolution, {size} weights each, as "
        "grayscale images: each filter from black (its smallest weight) to white (its largest); "
        f"all weights lie between {number(float(low))} and {number(float(high))}."
    )
    return describe(fig, text)


def plot_feature_maps(
    inputs: torch.Tensor,
    feature_maps: torch.Tensor,
    row_titles: Sequence[str],
    *,
    first_channel: int = 0,
    fig: Figure | None = None,
) -> Figure:
    """One row per input image: the image, then each of its feature maps (C of them).

    ``inputs`` (R, 1, 28, 28) normalized, ``feature_maps`` (R, C, H, W). All maps share one
    color scale per row, so a bright map means a strong response compared with its neighbours.
    Columns are numbered from ``first_channel`` (for a slice such as ``maps[:, 16:]``).
    """
    rows, channels = feature_maps.shape[:2]
    fig = figure_or_new(fig, ((channels + 1) * 0.55, rows * 0.6))
    grid = {"wspace": 0.02, "hspace": 0.02}
    axes = fig.subplots(rows, channels + 1, squeeze=False, gridspec_kw=grid)
    for r in range(rows):
        _show_digit(axes[r, 0], inputs[r])
        axes[r, 0].set_ylabel(row_titles[r], rotation=0, ha="right", va="center", fontsize=FONT)
        scaled = rescale(feature_maps[r])
        for c in range(channels):
            axes[r, c + 1].imshow(scaled[c].numpy(), cmap=RESPONSE_CMAP, vmin=0, vmax=1)
    titles = ["input", *(str(first_channel + c) for c in range(channels))]
    for ax, title in zip(axes[0], titles, strict=True):
        ax.set_title(title, fontsize=FONT)
    _no_ticks(axes, frame=False)
    size = " x ".join(map(str, feature_maps.shape[2:]))
    # the map that responds most, on average, to each input
    strongest = [
        first_channel + int(rescale(maps).flatten(1).mean(1).argmax()) for maps in feature_maps
    ]
    top = max(set(strongest), key=strongest.count)
    text = (
        f"Feature maps {first_channel} to {first_channel + channels - 1} ({size} pixels each) of "
        f"{_count(rows, 'input image')} ({listing(list(row_titles), limit=10)}), one row per "
        "input, from black (no response) to yellow (the row's strongest response). Map "
        f"{top} responds most on average to {strongest.count(top)} of the {rows} inputs."
    )
    return describe(fig, text)


def plot_filter_responses(
    image: torch.Tensor,
    weights: torch.Tensor,
    maps: torch.Tensor,
    titles: Sequence[str],
    fig: Figure | None = None,
) -> Figure:
    """Selected filters (top row) above their feature maps on one image (bottom row).

    ``image`` (1, 28, 28) normalized, ``weights`` (K, 5, 5), ``maps`` (K, H, W). Weights are
    red where positive and blue where negative; each map is scaled from 0 to its own maximum.
    """
    count = len(weights)
    fig = figure_or_new(fig, (1.5 * (count + 1), 3.4))
    axes = fig.subplots(2, count + 1, squeeze=False)
    _show_digit(axes[1, 0], image)
    axes[1, 0].set_title("input", fontsize=FONT)
    for k in range(count):
        w = weights[k].detach().cpu().numpy()
        limit = max(float(abs(w).max()), 1e-8)
        axes[0, k + 1].imshow(w, cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit)
        axes[0, k + 1].set_title(titles[k], fontsize=FONT)
        response = maps[k].detach().cpu().numpy()
        top = max(float(response.max()), 1e-8)
        axes[1, k + 1].imshow(response, cmap=RESPONSE_CMAP, vmin=0, vmax=top)
    axes[0, 1].set_ylabel("weights", fontsize=FONT)
    axes[1, 1].set_ylabel("response", fontsize=FONT)
    _no_ticks(axes)
    axes[0, 0].axis("off")
    peaks = [
        f"{title} up to {number(float(m.max()))}" for title, m in zip(titles, maps, strict=True)
    ]
    text = (
        f"Weights of {_count(count, 'filter')} (top row, red positive, blue negative) above their "
        f"responses to one input digit (bottom row, brighter is stronger): {listing(peaks)}."
    )
    return describe(fig, text)


def plot_probabilities(
    images: torch.Tensor,
    probabilities: torch.Tensor,
    labels: torch.Tensor,
    fig: Figure | None = None,
) -> Figure:
    """One row per image: the image, then a bar chart of its class probabilities (N, 10).

    The true digit's bar is green and the predicted digit's bar red; both carry their value.
    """
    fig = figure_or_new(fig, (6.5, 1.7 * len(images)))
    axes = fig.subplots(len(images), 2, squeeze=False, width_ratios=[1, 4])
    for r, (image_ax, bar_ax) in enumerate(axes):
        probs = probabilities[r].detach().cpu().tolist()
        true, predicted = int(labels[r]), int(probabilities[r].argmax())
        colors = [OTHER_COLOR] * NUM_CLASSES
        colors[predicted] = PREDICTED_COLOR
        colors[true] = TRUE_COLOR
        _show_digit(image_ax, images[r])
        image_ax.axis("off")
        bars = bar_ax.bar(range(NUM_CLASSES), probs, color=colors)
        values = [f"{p:.1%}" if d in (true, predicted) else "" for d, p in enumerate(probs)]
        bar_ax.bar_label(bars, labels=values, fontsize=FONT_SMALL, padding=1)
        bar_ax.set(ylim=(0, 1.2), xticks=range(NUM_CLASSES), ylabel="probability")
        bar_ax.set_title(f"true {true} (green), predicted {predicted} (red)", fontsize=FONT)
    axes[-1, 1].set_xlabel("digit")
    rows = []
    for probs, label in zip(probabilities.detach().cpu(), labels.tolist(), strict=True):
        predicted = int(probs.argmax())
        text = f"true {int(label)}, predicted {predicted} with {float(probs[predicted]):.1%}"
        if predicted != int(label):
            text += f" (true digit: {float(probs[int(label)]):.1%})"
        rows.append(text)
    text = (
        f"For each of {_count(len(images), 'digit image')}, a bar chart of the network's "
        f"probability for each of the 10 digits: {'; '.join(rows)}."
    )
    return describe(fig, text)


def plot_confusion_matrix(matrix: torch.Tensor, ax: Axes | None = None) -> Figure:
    """A confusion matrix normalized per true class (rows sum to 100%), counts annotated."""
    fig, ax = axes_or_new(ax, (6.5, 5.5))
    counts = matrix.double()
    percent = 100 * counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
    # a log-like color scale would hide the diagonal; clip so that rare mistakes stay visible
    image = ax.imshow(percent.clamp(max=2.0).numpy(), cmap=SHARE_CMAP, vmin=0, vmax=2.0)
    for (true, pred), value in np.ndenumerate(percent.numpy()):
        if value > 0:
            text = f"{value:.1f}" if true == pred else f"{value:.2f}"
            color = "white" if value > 1.0 else "black"  # readable on dark and light cells
            ax.text(pred, true, text, ha="center", va="center", fontsize=FONT_SMALL, color=color)
    ax.set(xticks=range(len(matrix)), yticks=range(len(matrix)))
    ax.set(xlabel="predicted digit", ylabel="true digit")
    fig.colorbar(image, ax=ax, label="% of the true digit's images (clipped at 2%)")
    return describe(fig, _confusion_text(counts, percent))


def _confusion_text(counts: torch.Tensor, percent: torch.Tensor) -> str:
    diagonal = percent.diagonal().tolist()
    low, high = diagonal.index(min(diagonal)), diagonal.index(max(diagonal))
    text = (
        f"Confusion matrix of {int(counts.sum()):,} test images: each row a true digit, each "
        "column a predicted digit, in percent of the row. Correct predictions (the diagonal) "
        f"range from {diagonal[low]:.1f}% (digit {low}) to {diagonal[high]:.1f}% (digit {high})."
    )
    mistakes = counts.clone().fill_diagonal_(0)
    if mistakes.sum() > 0:
        true, predicted = divmod(int(mistakes.argmax()), len(counts))
        text += (
            f" The most frequent mistake: a {true} predicted as {predicted}, "
            f"{int(mistakes[true, predicted])} times ({float(percent[true, predicted]):.2f}%)."
        )
    return text
