"""Figures of the tutorial. Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from mnist_tutorial.data import denormalize
from mnist_tutorial.models import NUM_CLASSES


def to_display(image: torch.Tensor) -> torch.Tensor:
    """A normalized image (1, 28, 28) or (28, 28) as a 2-D CPU tensor with values in [0, 1]."""
    return denormalize(image.detach().cpu()).squeeze().clamp(0, 1)


def rescale(array: torch.Tensor) -> torch.Tensor:
    """Stretch values to [0, 1] (for filters and feature maps, whose range is arbitrary)."""
    array = array.detach().cpu().float()
    low, high = array.min(), array.max()
    return (array - low) / (high - low) if high > low else torch.zeros_like(array)


def _axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def plot_image_grid(
    images: torch.Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cell_size: float = 1.2,
    fig: Figure | None = None,
) -> Figure:
    """Normalized images (N, 1, 28, 28) in a grid, black digits on white, with titles."""
    nrows = math.ceil(len(images) / ncols)
    if fig is None:
        fig = plt.figure(
            figsize=(ncols * cell_size, nrows * cell_size * 1.25), layout="constrained"
        )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(to_display(images[i]), cmap="gray_r", vmin=0, vmax=1)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    return fig


def plot_class_counts(counts: Mapping[str, Sequence[int]], ax: Axes | None = None) -> Figure:
    """Bar chart of how many images of each digit each split holds."""
    fig, ax = _axes_or_new(ax, (7, 3.5))
    width = 0.8 / len(counts)
    for i, (split, values) in enumerate(counts.items()):
        positions = [d + (i - (len(counts) - 1) / 2) * width for d in range(NUM_CLASSES)]
        ax.bar(positions, values, width=width, label=split)
    ax.set_xticks(range(NUM_CLASSES))
    ax.set_xlabel("digit")
    ax.set_ylabel("number of images")
    ax.legend()
    return fig


def plot_loss_curves(
    histories: Mapping[str, Sequence[float]],
    threshold: float | None = None,
    log_scale: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Mean training loss against epoch (1..N) for each named run, with an optional target line."""
    fig, ax = _axes_or_new(ax, (7, 4))
    longest = 0
    for name, losses in histories.items():
        epochs = range(1, len(losses) + 1)
        ax.plot(epochs, losses, marker="o", markersize=4, label=name)
        longest = max(longest, len(losses))
    if threshold is not None:
        ax.axhline(threshold, color="gray", linestyle="--", label=f"target {threshold}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss")
    ax.set_xticks(range(1, longest + 1))
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_conv1_filters(net: nn.Module, ncols: int = 8) -> Figure:
    """The first convolution's 5 x 5 filters as grayscale images (4 x 8 for 32 filters)."""
    weights = net.conv1.weight.detach().cpu()  # (32, 1, 5, 5)
    nrows = math.ceil(len(weights) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * 1.0, nrows * 1.15), layout="constrained", squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(weights):
            # each filter stretched to its own range: what matters is its pattern, not its scale
            ax.imshow(rescale(weights[i, 0]), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"filter {i}", fontsize=8)
    return fig


def plot_feature_maps(
    inputs: torch.Tensor, feature_maps: torch.Tensor, row_titles: Sequence[str]
) -> Figure:
    """One row per input image: the image, then each of its feature maps (C of them).

    ``inputs`` (R, 1, 28, 28) normalized, ``feature_maps`` (R, C, H, W). All maps share one
    color scale per row, so a bright map means a strong response compared with its neighbours.
    """
    rows, channels = feature_maps.shape[:2]
    fig, axes = plt.subplots(
        rows,
        channels + 1,
        figsize=((channels + 1) * 0.55, rows * 0.6),
        layout="constrained",
        squeeze=False,
        gridspec_kw={"wspace": 0.02, "hspace": 0.02},
    )
    for r in range(rows):
        axes[r, 0].imshow(to_display(inputs[r]), cmap="gray_r", vmin=0, vmax=1)
        axes[r, 0].set_ylabel(row_titles[r], rotation=0, ha="right", va="center", fontsize=9)
        scaled = rescale(feature_maps[r])
        for c in range(channels):
            axes[r, c + 1].imshow(scaled[c], cmap="magma", vmin=0, vmax=1)
    for c in range(channels):
        axes[0, c + 1].set_title(str(c), fontsize=7)
    axes[0, 0].set_title("input", fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig


def plot_confusion_matrix(matrix: torch.Tensor, ax: Axes | None = None) -> Figure:
    """A confusion matrix normalized per true class (rows sum to 100%), counts annotated."""
    fig, ax = _axes_or_new(ax, (6.5, 5.5))
    counts = matrix.double()
    percent = 100 * counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
    # a log-like color scale would hide the diagonal; clip so that rare mistakes stay visible
    image = ax.imshow(percent.clamp(max=2.0), cmap="Blues", vmin=0, vmax=2.0)
    for true in range(len(matrix)):
        for pred in range(len(matrix)):
            value = percent[true, pred].item()
            if value == 0:
                continue
            text = f"{value:.1f}" if true == pred else f"{value:.2f}"
            color = "white" if value > 1.0 else "black"
            ax.text(pred, true, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(matrix)))
    ax.set_yticks(range(len(matrix)))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    fig.colorbar(image, ax=ax, label="% of the true digit's images (clipped at 2%)")
    return fig


def plot_accuracy_by_shift(
    shifts: Sequence[int], accuracies: Mapping[str, Sequence[float]], ax: Axes | None = None
) -> Figure:
    """Test accuracy of each named net against how far the images were shifted."""
    fig, ax = _axes_or_new(ax, (6.5, 4))
    for name, values in accuracies.items():
        ax.plot(shifts, values, marker="o", label=name)
    ax.set_xticks(list(shifts))
    ax.set_xlabel("shift (pixels, averaged over the 4 directions)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def network_graph(net: nn.Module, example: torch.Tensor):
    """The autograd graph of ``net`` on ``example`` as a graphviz Digraph (torchviz make_dot)."""
    from torchviz import make_dot  # imported here: only this figure needs torchviz

    output = net(example)
    graph = make_dot(output, params=dict(net.named_parameters()))
    graph.graph_attr.update(rankdir="TB", size="12,12")
    return graph
