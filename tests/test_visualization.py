"""Tests of mnist_tutorial.visualization: every figure's layout, data, and that none is shown."""

from __future__ import annotations

import graphviz
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from mnist_tutorial.models import ConvNet
from mnist_tutorial.visualization import (
    network_graph,
    plot_accuracy_by_shift,
    plot_class_counts,
    plot_confusion_matrix,
    plot_conv1_filters,
    plot_feature_maps,
    plot_image_grid,
    plot_loss_curves,
    rescale,
    to_display,
)


@pytest.fixture(autouse=True)
def _never_show(monkeypatch):
    """A library plot function must return its figure, never show it."""

    def show(*args, **kwargs):
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", show)
    monkeypatch.setattr(Figure, "show", show)


def image_count(fig):
    return sum(len(ax.images) for ax in fig.axes)


def test_to_display_maps_normalized_values_to_unit_range():
    image = torch.tensor([[-1.0, 0.0], [1.0, 3.0]]).view(1, 2, 2)
    assert torch.equal(to_display(image), torch.tensor([[0.0, 0.5], [1.0, 1.0]]))


def test_rescale_stretches_to_unit_range():
    result = rescale(torch.tensor([2.0, 4.0, 6.0]))
    assert torch.equal(result, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.equal(rescale(torch.full((3,), 7.0)), torch.zeros(3))  # no division by zero


def test_image_grid_layout_and_titles():
    images = torch.rand(10, 1, 28, 28) * 2 - 1
    titles = [f"digit {i}" for i in range(10)]
    fig = plot_image_grid(images, titles=titles, ncols=4)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 12  # 3 rows of 4
    assert image_count(fig) == 10
    assert [ax.get_title() for ax in fig.axes[:10]] == titles
    np.testing.assert_array_equal(fig.axes[3].images[0].get_array(), to_display(images[3]))


def test_class_counts_has_one_bar_per_digit_and_split():
    counts = {"train": list(range(10, 20)), "test": list(range(10))}
    fig = plot_class_counts(counts)
    (ax,) = fig.axes
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == counts["train"] + counts["test"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]


def test_loss_curves_plot_epochs_one_to_n():
    fig = plot_loss_curves({"ConvNet": [0.5, 0.2, 0.1], "FCNet": [0.6, 0.3]}, threshold=0.03)
    (ax,) = fig.axes
    conv, fc, target = ax.get_lines()
    assert list(conv.get_xdata()) == [1, 2, 3]
    assert list(conv.get_ydata()) == [0.5, 0.2, 0.1]
    assert list(fc.get_xdata()) == [1, 2]
    assert list(target.get_ydata()) == [0.03, 0.03]
    assert ax.get_xlabel() == "epoch"
    assert list(ax.get_xticks()) == [1, 2, 3]
    assert ax.get_yscale() == "linear"


def test_loss_curves_log_scale_and_given_axes():
    fig, ax = plt.subplots()
    assert plot_loss_curves({"run": [1.0, 0.1]}, log_scale=True, ax=ax) is fig
    assert ax.get_yscale() == "log"
    assert plt.get_fignums() == [fig.number]  # drew into the given axes, made no new figure


def test_conv1_filters_grid_is_4_by_8():
    net = ConvNet()
    fig = plot_conv1_filters(net)
    assert len(fig.axes) == 32
    assert image_count(fig) == 32
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (4, 8)
    first = fig.axes[0].images[0].get_array()
    assert first.shape == (5, 5)
    np.testing.assert_allclose(first, rescale(net.conv1.weight[0, 0]).numpy())


def test_feature_maps_one_row_per_image_input_first():
    inputs = torch.rand(3, 1, 28, 28) * 2 - 1
    maps = torch.rand(3, 32, 28, 28)
    fig = plot_feature_maps(inputs, maps, row_titles=["zero", "one", "two"])
    assert len(fig.axes) == 3 * 33
    assert image_count(fig) == 3 * 33
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (3, 33)
    np.testing.assert_array_equal(fig.axes[33].images[0].get_array(), to_display(inputs[1]))
    assert [fig.axes[r * 33].get_ylabel() for r in range(3)] == ["zero", "one", "two"]


def test_confusion_matrix_shows_row_percentages():
    matrix = torch.zeros(10, 10, dtype=torch.long)
    matrix[0, 0], matrix[0, 1], matrix[1, 1] = 99, 1, 50
    fig = plot_confusion_matrix(matrix)
    assert len(fig.axes) == 2  # the matrix and its colorbar
    ax = fig.axes[0]
    shown = ax.images[0].get_array()
    assert shown.shape == (10, 10)
    assert shown[0, 1] == pytest.approx(1.0)  # 1 of the 100 zeros was read as a one
    assert sorted(t.get_text() for t in ax.texts) == ["1.00", "100.0", "99.0"]


def test_accuracy_by_shift_one_line_per_net():
    shifts = [0, 2, 4]
    fig = plot_accuracy_by_shift(shifts, {"ConvNet": [99, 95, 60], "FCNet": [98, 70, 20]})
    (ax,) = fig.axes
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [shifts, shifts]
    assert list(ax.get_lines()[1].get_ydata()) == [98, 70, 20]


def test_network_graph_is_a_digraph_naming_the_weights():
    graph = network_graph(ConvNet(), torch.randn(1, 1, 28, 28))
    assert isinstance(graph, graphviz.Digraph)
    assert "conv1.weight" in graph.source
    assert "fc2.bias" in graph.source
