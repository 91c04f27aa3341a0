"""Tests of mnist_tutorial.image_figures: each figure's layout, data and colour maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from mnist_tutorial.figure_style import (
    DIGIT_CMAP,
    FILTER_CMAP,
    FONT_SMALL,
    RESPONSE_CMAP,
    SHARE_CMAP,
    WEIGHT_CMAP,
    description,
)
from mnist_tutorial.image_figures import (
    plot_confusion_matrix,
    plot_conv1_filters,
    plot_feature_maps,
    plot_filter_responses,
    plot_image_grid,
    plot_probabilities,
    rescale,
    to_display,
)
from mnist_tutorial.models import ConvNet


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
    assert fig.axes[3].images[0].get_cmap().name == DIGIT_CMAP  # black ink on white


def test_conv1_filters_grid_is_4_by_8():
    net = ConvNet()
    fig = plot_conv1_filters(net)
    assert len(fig.axes) == 32
    assert image_count(fig) == 32
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (4, 8)
    first = fig.axes[0].images[0].get_array()
    assert first.shape == (5, 5)
    np.testing.assert_allclose(first, rescale(net.conv1.weight[0, 0]).numpy())
    assert fig.axes[0].images[0].get_cmap().name == FILTER_CMAP


def test_feature_maps_one_row_per_image_input_first():
    inputs = torch.rand(3, 1, 28, 28) * 2 - 1
    maps = torch.rand(3, 32, 28, 28)
    fig = plot_feature_maps(inputs, maps, row_titles=["zero", "one", "two"])
    assert len(fig.axes) == 3 * 33
    assert image_count(fig) == 3 * 33
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (3, 33)
    np.testing.assert_array_equal(fig.axes[33].images[0].get_array(), to_display(inputs[1]))
    assert [fig.axes[r * 33].get_ylabel() for r in range(3)] == ["zero", "one", "two"]
    assert [ax.get_title() for ax in fig.axes[:3]] == ["input", "0", "1"]
    assert fig.axes[33].images[0].get_cmap().name == DIGIT_CMAP
    assert fig.axes[34].images[0].get_cmap().name == RESPONSE_CMAP


def test_feature_maps_number_columns_from_first_channel_into_a_given_figure():
    fig = plt.figure()
    maps = torch.rand(1, 4, 28, 28)
    assert (
        plot_feature_maps(torch.rand(1, 1, 28, 28), maps, ["x"], first_channel=16, fig=fig) is fig
    )
    assert [ax.get_title() for ax in fig.axes] == ["input", "16", "17", "18", "19"]


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
    assert {t.get_fontsize() for t in ax.texts} == {FONT_SMALL}
    assert ax.images[0].get_cmap().name == SHARE_CMAP
    assert "Confusion matrix of 150 test images" in description(fig)
    assert "from 0.0% (digit 2) to 100.0% (digit 1)" in description(fig)  # 2 has no images
    assert "a 0 predicted as 1, 1 times (1.00%)" in description(fig)


def test_filter_responses_weights_above_their_maps():
    image = torch.rand(1, 28, 28) * 2 - 1
    weights = torch.randn(3, 5, 5)
    maps = torch.rand(3, 24, 24)
    fig = plot_filter_responses(image, weights, maps, ["filter 0", "filter 7", "filter 9"])
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (2, 4)
    top, bottom = fig.axes[:4], fig.axes[4:]
    assert not top[0].axison  # nothing above the input
    assert len(top[0].images) == 0
    assert [ax.get_title() for ax in top[1:]] == ["filter 0", "filter 7", "filter 9"]
    np.testing.assert_array_equal(bottom[0].images[0].get_array(), to_display(image))
    shown = top[2].images[0]
    np.testing.assert_array_equal(shown.get_array(), weights[1])
    limit = weights[1].abs().max().item()
    assert shown.get_clim() == pytest.approx((-limit, limit))  # zero is white: sign is visible
    assert shown.get_cmap().name == WEIGHT_CMAP
    response = bottom[3].images[0]
    np.testing.assert_array_equal(response.get_array(), maps[2])
    assert response.get_clim() == pytest.approx((0, maps[2].max().item()))


def test_probabilities_colors_the_true_and_predicted_digit():
    probabilities = torch.full((2, 10), 0.02)
    probabilities[0, 3] = 0.82  # right: a 3 read as a 3
    probabilities[1, 5], probabilities[1, 6] = 0.6, 0.22  # wrong: a 6 read as a 5
    labels = torch.tensor([3, 6])
    fig = plot_probabilities(torch.rand(2, 1, 28, 28), probabilities, labels)
    assert len(fig.axes) == 4  # an image and a bar chart per row
    right, wrong = fig.axes[1], fig.axes[3]
    assert [bar.get_height() for bar in wrong.patches] == pytest.approx(probabilities[1].tolist())
    colors = [bar.get_facecolor() for bar in wrong.patches]
    assert colors[6] == to_rgba("tab:green")
    assert colors[5] == to_rgba("tab:red")
    assert colors.count(to_rgba("tab:gray")) == 8
    assert [t.get_text() for t in wrong.texts if t.get_text()] == ["60.0%", "22.0%"]
    assert wrong.get_title() == "true 6 (green), predicted 5 (red)"
    # a right answer is one green bar
    assert right.patches[3].get_facecolor() == to_rgba("tab:green")
    assert to_rgba("tab:red") not in [bar.get_facecolor() for bar in right.patches]
    assert description(fig).endswith(
        "true 3, predicted 3 with 82.0%; true 6, predicted 5 with 60.0% (true digit: 22.0%)."
    )
