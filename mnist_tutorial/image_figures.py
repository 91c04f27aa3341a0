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
    figure_or_new,
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
    return fig


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
    return fig


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
    return fig


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
    return fig


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
    return fig


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
    return fig
