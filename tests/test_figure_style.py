"""Tests of mnist_tutorial.figure_style: every figure follows the one convention and style."""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from mnist_tutorial import image_figures, visualization
from mnist_tutorial.figure_style import FONT, FONT_SMALL
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
    "plot_summary": lambda: ({"ConvNet": {"test": 99.0}, "FCNet": {"test": 97.5}},),
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
FUNCTIONS = {
    name: getattr(module, name)
    for module in (visualization, image_figures)
    for name in dir(module)
    if name.startswith("plot_") and inspect.getmodule(getattr(module, name)) is module
}


def test_every_plot_function_is_checked_here():
    assert set(FUNCTIONS) == set(CASES)


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
    # docs/figure_text.py fails the build below 9 px on screen; figures are drawn at 100 dpi
    assert min(FONT, FONT_SMALL) * 100 / 72 >= 9
