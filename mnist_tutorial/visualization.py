"""Figures of the tutorial. Every function returns a matplotlib Figure and never shows it."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from mnist_tutorial.data import denormalize
from mnist_tutorial.models import NUM_CLASSES, LayerParameters


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
            ax.imshow(to_display(images[i]).numpy(), cmap="gray_r", vmin=0, vmax=1)
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


def plot_lr_sweep(
    losses: Mapping[float, Sequence[float]],
    diverged: Sequence[float] = (),
    threshold: float | None = None,
    chance: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Loss curves of a learning-rate sweep on a log scale; a diverged run ends in an x.

    ``losses`` maps each learning rate to the mean loss of its finished epochs; ``chance`` draws
    the loss of a net that gives every digit the same probability.
    """
    fig, ax = _axes_or_new(ax, (7, 4.5))
    last_epoch = 1
    line_ends = []  # (last epoch, last loss, label, colour) of each run, labelled at the end
    for lr, history in losses.items():
        epochs = range(1, len(history) + 1)
        label = f"lr {lr:g}" + (" (diverged)" if lr in diverged else "")
        (line,) = ax.plot(epochs, history, marker="o", markersize=4, label=label)
        if history:
            line_ends.append((len(history), history[-1], label, line.get_color()))
        if lr in diverged:
            # the epoch that produced NaN/inf has no value to plot: mark it at the top instead
            x = len(history) + 1
            ax.plot(
                x,
                0.95,
                "x",
                markersize=12,
                mew=3,
                color=line.get_color(),
                transform=ax.get_xaxis_transform(),
            )
        last_epoch = max(last_epoch, len(history) + (lr in diverged))
    # The reference lines go under the runs (zorder 1), so that a run stuck at chance shows.
    if threshold is not None:
        ax.axhline(threshold, color="gray", ls="--", zorder=1, label=f"target {threshold}")
    if chance is not None:
        ax.axhline(chance, color="black", ls=":", zorder=1, label=f"chance level {chance:.3f}")
    ax.set_yscale("log")
    top = max([chance or 0.0] + [y for _, y, _, _ in line_ends])
    ax.set_ylim(top=2 * top)  # head room above the chance line for the labels
    ax.set_xticks(range(1, last_epoch + 1))
    ax.set_xlim(0.8, last_epoch + 0.9)  # room on the right for the labels at the line ends
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean training loss (log scale)")
    ax.grid(alpha=0.3)
    _label_line_ends(ax, line_ends)
    ax.legend(fontsize=9, loc="lower left")
    return fig


def _label_line_ends(ax: Axes, ends: Sequence[tuple[float, float, str, str]]) -> None:
    """Name each line at its last point, nudging labels apart so that none overlap.

    Lines that end close together (a run stuck at the chance loss, say) would otherwise be
    told apart only by colour.
    """
    fig = ax.get_figure()
    fig.canvas.draw()  # the axes limits are final: data positions can become pixels
    min_gap = 9 / 72 * fig.dpi * 1.6  # 1.6 lines of 9-point text, in pixels
    to_pixels, to_data = ax.transData, ax.transData.inverted()
    placed = sorted((to_pixels.transform((x, y))[1], x, y, text, c) for x, y, text, c in ends)
    previous = -math.inf
    for pixel_y, x, y, text, colour in placed:
        pixel_y = max(pixel_y, previous + min_gap)
        previous = pixel_y
        label_y = to_data.transform((0, pixel_y))[1]
        ax.annotate(
            text,
            (x, y),
            xytext=(x + 0.12, label_y),
            textcoords="data",
            va="center",
            fontsize=9,
            color=colour,
            arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.6},
        )


def plot_throughput(samples: Mapping[str, Sequence[float]], ax: Axes | None = None) -> Figure:
    """Images per second of each named data path: the median as a bar, each repeat as a dot."""
    fig, ax = _axes_or_new(ax, (7, 1 + 0.8 * len(samples)))
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
            fontsize=9,
        )
    ax.set_yticks(range(len(samples)), list(samples))
    ax.set_xscale("log")
    ax.set_xlabel("images per second (log scale; bar: median, dots: repeats)")
    ax.margins(x=0.2)
    ax.grid(axis="x", alpha=0.3)
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
            ax.imshow(rescale(weights[i, 0]).numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"filter {i}", fontsize=8)
    return fig


def plot_feature_maps(
    inputs: torch.Tensor,
    feature_maps: torch.Tensor,
    row_titles: Sequence[str],
    *,
    first_channel: int = 0,
) -> Figure:
    """One row per input image: the image, then each of its feature maps (C of them).

    ``inputs`` (R, 1, 28, 28) normalized, ``feature_maps`` (R, C, H, W). All maps share one
    color scale per row, so a bright map means a strong response compared with its neighbours.
    Columns are numbered from ``first_channel`` (for a slice such as ``maps[:, 16:]``).
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
        axes[r, 0].imshow(to_display(inputs[r]).numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes[r, 0].set_ylabel(row_titles[r], rotation=0, ha="right", va="center", fontsize=9)
        scaled = rescale(feature_maps[r])
        for c in range(channels):
            axes[r, c + 1].imshow(scaled[c].numpy(), cmap="magma", vmin=0, vmax=1)
    for c in range(channels):
        axes[0, c + 1].set_title(str(first_channel + c), fontsize=9)
    axes[0, 0].set_title("input", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig


def plot_filter_responses(
    image: torch.Tensor, weights: torch.Tensor, maps: torch.Tensor, titles: Sequence[str]
) -> Figure:
    """Selected filters (top row) above their feature maps on one image (bottom row).

    ``image`` (1, 28, 28) normalized, ``weights`` (K, 5, 5), ``maps`` (K, H, W). Weights are
    red where positive and blue where negative; each map is scaled from 0 to its own maximum.
    """
    count = len(weights)
    fig, axes = plt.subplots(
        2, count + 1, figsize=(1.5 * (count + 1), 3.4), layout="constrained", squeeze=False
    )
    axes[1, 0].imshow(to_display(image).numpy(), cmap="gray_r", vmin=0, vmax=1)
    axes[1, 0].set_title("input", fontsize=9)
    for k in range(count):
        w = weights[k].detach().cpu().numpy()
        limit = max(float(abs(w).max()), 1e-8)
        axes[0, k + 1].imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[0, k + 1].set_title(titles[k], fontsize=9)
        response = maps[k].detach().cpu().numpy()
        top = max(float(response.max()), 1e-8)
        axes[1, k + 1].imshow(response, cmap="magma", vmin=0, vmax=top)
    axes[0, 1].set_ylabel("weights", fontsize=9)
    axes[1, 1].set_ylabel("response", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].axis("off")
    return fig


def plot_confusion_matrix(matrix: torch.Tensor, ax: Axes | None = None) -> Figure:
    """A confusion matrix normalized per true class (rows sum to 100%), counts annotated."""
    fig, ax = _axes_or_new(ax, (6.5, 5.5))
    counts = matrix.double()
    percent = 100 * counts / counts.sum(dim=1, keepdim=True).clamp(min=1)
    # a log-like color scale would hide the diagonal; clip so that rare mistakes stay visible
    image = ax.imshow(percent.clamp(max=2.0).numpy(), cmap="Blues", vmin=0, vmax=2.0)
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


def plot_probabilities(
    images: torch.Tensor, probabilities: torch.Tensor, labels: torch.Tensor
) -> Figure:
    """One row per image: the image, then a bar chart of its class probabilities (N, 10).

    The true digit's bar is green and the predicted digit's bar red; both carry their value.
    """
    rows = len(images)
    fig, axes = plt.subplots(
        rows,
        2,
        figsize=(6.5, 1.7 * rows),
        layout="constrained",
        squeeze=False,
        gridspec_kw={"width_ratios": [1, 4]},
    )
    for r in range(rows):
        probs = probabilities[r].detach().cpu()
        true, predicted = int(labels[r]), int(probs.argmax())
        colors = ["tab:gray"] * NUM_CLASSES
        colors[predicted] = "tab:red"
        colors[true] = "tab:green"
        axes[r, 0].imshow(to_display(images[r]).numpy(), cmap="gray_r", vmin=0, vmax=1)
        axes[r, 0].axis("off")
        bars = axes[r, 1].bar(range(NUM_CLASSES), probs.tolist(), color=colors)
        marked = {true, predicted}
        labels_text = [f"{p:.1%}" if d in marked else "" for d, p in enumerate(probs.tolist())]
        axes[r, 1].bar_label(bars, labels=labels_text, fontsize=8, padding=1)
        axes[r, 1].set(ylim=(0, 1.2), xticks=range(NUM_CLASSES), ylabel="probability")
        axes[r, 1].set_title(f"true {true} (green), predicted {predicted} (red)", fontsize=9)
    axes[-1, 1].set_xlabel("digit")
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


def plot_parameter_counts(rows: Sequence[LayerParameters], ax: Axes | None = None) -> Figure:
    """Trainable parameters per layer (weights + biases) on a log scale, labelled with counts."""
    fig, ax = _axes_or_new(ax, (6.5, 3.5))
    totals = [row.total for row in rows]
    bars = ax.bar([row.name for row in rows], totals, color="tab:blue")
    grand_total = sum(totals)
    labels = [f"{t:,}\n({100 * t / grand_total:.1f}%)" for t in totals]
    ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
    ax.set_yscale("log")
    # a decade below the smallest bar, so that it stays visible; room for the labels on top
    ax.set_ylim(10 ** (math.floor(math.log10(min(totals))) - 1), max(totals) * 20)
    ax.set_xlabel("layer")
    ax.set_ylabel("parameters (log scale)")
    return fig


def plot_per_class_accuracy(
    accuracies: Sequence[float] | torch.Tensor, overall: float | None = None, ax: Axes | None = None
) -> Figure:
    """Test accuracy (%) of each digit as bars, with the overall accuracy as a dashed line.

    The y-axis starts just below the lowest bar, so that small differences stay visible;
    each bar is labelled with its value.
    """
    fig, ax = _axes_or_new(ax, (7, 3.5))
    values = [float(a) for a in accuracies]
    bars = ax.bar(range(len(values)), values, color="tab:blue")
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=8, padding=2)
    if overall is not None:
        ax.axhline(overall, color="gray", linestyle="--", label=f"all digits ({overall:.2f}%)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: bars fill the axes
    bottom = max(0.0, math.floor(min(values)) - 1.0)
    ax.set_ylim(bottom, 100 + (100 - bottom) * 0.12)  # headroom for the labels
    ax.set_xticks(range(len(values)))
    ax.set_xlabel("true digit")
    ax.set_ylabel(f"test accuracy (%), axis starts at {bottom:g}")
    return fig


def plot_summary(results: Mapping[str, Mapping[str, float]], ax: Axes | None = None) -> Figure:
    """Grouped bars: for each condition (e.g. "accuracy"), one bar per network, in percent."""
    fig, ax = _axes_or_new(ax, (6.5, 3.8))
    names = list(results)
    conditions = list(next(iter(results.values())))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        positions = [c + (i - (len(names) - 1) / 2) * width for c in range(len(conditions))]
        values = [results[name][condition] for condition in conditions]
        bars = ax.bar(positions, values, width, label=name)
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], fontsize=9, padding=2)
    ax.set_xticks(range(len(conditions)), conditions)
    ax.set_ylim(0, 110)  # room above 100% for the labels
    ax.set_ylabel("test accuracy (%)")
    ax.legend(loc="upper right")
    return fig
