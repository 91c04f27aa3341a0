"""Tests of mnist_tutorial.figure_style: every figure follows the one convention and style."""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from mnist_tutorial import image_figures, training_charts, visualization
from mnist_tutorial.figure_style import FONT, FONT_SMALL, describe, description, listing, number
from mnist_tutorial.models import ConvNet, parameter_table

# Each plot function with small synthetic inputs (built when called: figures hold no state).
CASES = {
    "plot_class_counts": lambda: ({"train": list(range(10, 20)), "test": list(range(10))},),
    "plot_loss_curves": lambda: ({"a": [0.5, 0.2], "b": [0.6]}, 0.3),
    "plot_lr_sweep": lambda: ({0.01: [2.0, 1.0], 10.0: [2.3]}, [10.0], 0.03, 2.3),
    "plot_throughput": lambda: ({"loader": [100.0, 120.0], "tensors": [5000.0]},),
    "plot_parameter_counts": lambda: (parameter_table(ConvNet()),),
    "plot_per_class_accuracy": lambda: ([99.0, 98.5] * 5, 98.7),
    "plot_accuracy_by_shift": lambda: ([0, 2], {"ConvNet": [99.0, 95.0]}),
    "plot_summary": lambda: (
        {"ConvNet": {"test": 99.0}, "FCNet": {"test": 97.5}},
        {"test": 1_000},
    ),
    "plot_image_grid": lambda: (torch.rand(5, 1, 28, 28), [str(i) for i in range(5)], 3),
    "plot_conv1_filters": lambda: (ConvNet(),),
    "plot_feature_maps": lambda: (torch.rand(2, 1, 28, 28), torch.rand(2, 4, 28, 28), "ab"),
    "plot_filter_responses": lambda: (
        torch.rand(1, 28, 28),
        torch.randn(2, 5, 5),
        torch.rand(2, 24, 24),
        ["f0", "f1"],
    ),
    "plot_confusion_matrix": lambda: (torch.randint(0, 50, (10, 10)),),
    "plot_probabilities": lambda: (
        torch.rand(2, 1, 28, 28),
        torch.softmax(torch.randn(2, 10), dim=1),
        torch.tensor([3, 6]),
    ),
}
# What each figure's description (its alt text on the site) must say about the CASES data.
KEY_CONTENT = {
    "plot_class_counts": [
        "number of images of each digit",
        "train split has from 10 images (digit 0) to 19 (digit 9)",
        "against 4.5 each",
    ],
    "plot_loss_curves": [
        "Mean training loss per epoch",
        "a from 0.5 in epoch 1 to 0.2 in epoch 2, below the target from epoch 2",
        "b 0.6 in epoch 1, never below the target",
        "0.3 target is a dashed line",
    ],
    "plot_lr_sweep": [
        "2 learning rates",
        "lr 0.01 from 2 in epoch 1 to 1 in epoch 2",
        "lr 10 diverged in epoch 2",
        "0.03 target",
        "chance level 2.300",
    ],
    "plot_throughput": ["Images per second", "loader 110", "tensors 5,000"],
    "plot_parameter_counts": ["1,663,370 in total", "conv1 832", "fc1 1,606,144 (96.6%)"],
    "plot_per_class_accuracy": [
        "from 98.50% (digit 1) to 99.00% (digit 0)",
        "9: 98.50%",
        "all digits, 98.70%",
    ],
    "plot_accuracy_by_shift": ["0 to 2 pixels", "ConvNet from 99.0% to 95.0%"],
    "plot_summary": ["test: ConvNet 99.0% and FCNet 97.5%"],
    "plot_image_grid": ["5 handwritten digits", "2 rows", "titled 0; 1; 2; 3 and 4"],
    "plot_conv1_filters": ["32 filters of the first convolution", "5 x 5"],
    "plot_feature_maps": [
        "Feature maps 0 to 3",
        "28 x 28",
        "2 input images (a and b)",
        "responds most",
    ],
    "plot_filter_responses": ["Weights of 2 filters", "responses to one input digit", "f0 up to"],
    "plot_confusion_matrix": ["Confusion matrix of", "true digit", "most frequent mistake"],
    "plot_probabilities": [
        "For each of 2 digit images",
        "probability",
        "true 3, predicted",
        "true 6",
    ],
}
FUNCTIONS = {
    name: getattr(module, name)
    for module in (visualization, training_charts, image_figures)
    for name in dir(module)
    if name.startswith("plot_") and inspect.getmodule(getattr(module, name)) is module
}


def test_every_plot_function_is_checked_here():
    assert set(FUNCTIONS) == set(CASES) == set(KEY_CONTENT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_figure_says_what_it_shows(name):
    text = description(FUNCTIONS[name](*CASES[name]()))
    assert text
    assert text[0].isupper()
    assert text.endswith(".")
    assert "\n" not in text
    for content in KEY_CONTENT[name]:
        assert content in text, f"{name}: {content!r} is not in {text!r}"


def test_describe_keeps_one_line_and_refuses_nothing():
    fig = plt.figure()
    assert description(fig) is None
    assert describe(fig, " Two\n lines. ") is fig
    assert description(fig) == "Two lines."
    with pytest.raises(ValueError, match="cannot be empty"):
        describe(fig, " \n")


def test_numbers_and_lists_for_sentences():
    assert [number(v) for v in (2.2034, 0.020345, 98.76, 6742.0)] == [
        "2.2",
        "0.0203",
        "98.8",
        "6,742",
    ]
    assert listing(["a"]) == "a"
    assert listing(["a", "b", "c"]) == "a, b and c"
    assert listing([str(i) for i in range(10)], limit=3) == "0, 1, 2 and 7 more"


@pytest.mark.parametrize("name", sorted(CASES))
def test_takes_ax_or_fig_and_returns_a_new_figure_by_default(name):
    parameters = inspect.signature(FUNCTIONS[name]).parameters
    assert ("ax" in parameters) != ("fig" in parameters)  # one panel: ax; several: fig
    fig = FUNCTIONS[name](*CASES[name]())
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == [fig.number]


@pytest.mark.parametrize("name", sorted(CASES))
def test_draws_into_the_given_ax_or_fig(name):
    function = FUNCTIONS[name]
    if "ax" in inspect.signature(function).parameters:
        fig, ax = plt.subplots()
        assert function(*CASES[name](), ax=ax) is fig
        assert ax.has_data()
    else:
        fig = plt.figure()
        assert function(*CASES[name](), fig=fig) is fig
        assert fig.axes
    assert plt.get_fignums() == [fig.number]  # no other figure was made
    assert description(fig)  # the figure it drew into says what it shows


def _points(size) -> float:
    return FontProperties(size=size).get_size_in_points()


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_sizes_are_the_style_constants_or_matplotlib_defaults(name):
    defaults = {
        _points(plt.rcParams[key])
        for key in ("font.size", "axes.titlesize", "axes.labelsize", "legend.fontsize")
    } | {_points(plt.rcParams[f"{axis}tick.labelsize"]) for axis in "xy"}
    fig = FUNCTIONS[name](*CASES[name]())
    fig.canvas.draw()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert texts
    assert {t.get_fontsize() for t in texts} <= {FONT, FONT_SMALL} | defaults


def test_the_smallest_font_stays_legible():
    # docs/_ext/figure_text.py fails the build below 9 px on screen; figures are drawn at 100 dpi
    assert min(FONT, FONT_SMALL) * 100 / 72 >= 9
