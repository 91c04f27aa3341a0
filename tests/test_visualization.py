"""Tests of mnist_tutorial.visualization: every chart's layout, data and reference lines."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.text import Text

from mnist_tutorial.figure_style import CHANCE_LINE, REFERENCE_LINE
from mnist_tutorial.models import ConvNet, parameter_table
from mnist_tutorial.training_charts import did_not_learn, plot_loss_curves, plot_lr_sweep
from mnist_tutorial.visualization import (
    percent_decimals,
    plot_accuracy_by_shift,
    plot_class_counts,
    plot_parameter_counts,
    plot_per_class_accuracy,
    plot_summary,
    plot_throughput,
)


def test_class_counts_one_panel_per_split_with_a_tenth_line():
    counts = {"train": list(range(10, 20)), "test": list(range(10))}
    fig = plot_class_counts(counts)
    train, test = fig.axes
    assert [patch.get_height() for patch in train.patches] == counts["train"]
    assert [patch.get_height() for patch in test.patches] == counts["test"]
    assert [ax.get_title() for ax in fig.axes] == [
        "train split: images per digit",
        "test split: images per digit",
    ]
    (tenth,) = test.get_lines()  # what perfect balance gives: a tenth of the split
    assert list(tenth.get_ydata()) == [4.5, 4.5]
    assert (tenth.get_color(), tenth.get_linestyle()) == (REFERENCE_LINE["color"], "--")
    assert test.get_ylim()[1] > 1.3 * max(counts["test"])  # headroom for the legend
    assert [t.get_text() for t in test.get_legend().get_texts()] == ["a tenth of the split"]
    assert list(train.get_xticks()) == list(range(10))


def test_loss_curves_plot_epochs_one_to_n():
    fig = plot_loss_curves({"ConvNet": [0.5, 0.2, 0.1], "FCNet": [0.6, 0.3]}, threshold=0.03)
    (ax,) = fig.axes
    conv, fc, target = ax.get_lines()
    assert list(conv.get_xdata()) == [1, 2, 3]
    assert list(conv.get_ydata()) == [0.5, 0.2, 0.1]
    assert list(fc.get_xdata()) == [1, 2]
    assert list(target.get_ydata()) == [0.03, 0.03]
    assert target.get_color() == REFERENCE_LINE["color"]
    assert ax.get_xlabel() == "epoch"
    assert list(ax.get_xticks()) == [1, 2, 3]
    assert ax.get_yscale() == "linear"


def test_loss_curves_log_scale_and_given_axes():
    fig, ax = plt.subplots()
    assert plot_loss_curves({"run": [1.0, 0.1]}, log_scale=True, ax=ax) is fig
    assert ax.get_yscale() == "log"
    assert plt.get_fignums() == [fig.number]  # drew into the given axes, made no new figure


def test_accuracy_by_shift_one_line_per_net():
    shifts = [0, 2, 4]
    fig = plot_accuracy_by_shift(shifts, {"ConvNet": [99, 95, 60], "FCNet": [98, 70, 20]})
    (ax,) = fig.axes
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [shifts, shifts]
    assert list(ax.get_lines()[1].get_ydata()) == [98, 70, 20]


def test_summary_groups_one_bar_per_net_and_condition():
    fig = plot_summary(
        {"ConvNet": {"test": 98.95, "4 px": 60.0}, "FCNet": {"test": 97.5, "4 px": 29.0}},
        images={"test": 10_000, "4 px": 100},
    )
    (ax,) = fig.axes
    heights = sorted(bar.get_height() for bar in ax.patches)
    assert heights == [29.0, 60.0, 97.5, 98.95]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["test", "4 px"]
    # 10,000 images support 2 decimals (98.95%, not 99.0%); 100 images support 0
    assert sorted(t.get_text() for t in ax.texts) == ["29%", "60%", "97.50%", "98.95%"]


def test_an_accuracy_shows_the_decimals_its_image_count_supports():
    assert [percent_decimals(n) for n in (100, 200, 1_000, 2_000, 10_000, 60_000)] == [
        0,
        1,
        1,
        2,
        2,
        3,
    ]
    with pytest.raises(ValueError, match="at least one image"):
        percent_decimals(0)
    with pytest.raises(ValueError, match="missing from images"):
        plot_summary({"ConvNet": {"test": 99.0}}, images={})


def test_lr_sweep_names_each_line_at_its_end_without_overlap():
    losses = {0.001: [2.3, 2.2], 0.5: [2.31, 2.305], 0.1: [0.5, 0.07]}
    fig = plot_lr_sweep(losses, chance=math.log(10))
    ax = fig.axes[0]
    labels = {t.get_text(): t for t in ax.texts}
    # both runs stuck near ln 10 (2.303) are named as such, not only told apart by colour
    assert set(labels) == {"lr 0.001 (did not learn)", "lr 0.5 (did not learn)", "lr 0.1"}
    fig.canvas.draw()
    boxes = [Text.get_window_extent(t) for t in labels.values()]  # the text, not the arrow
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_lr_sweep_marks_diverged_runs_on_a_log_scale():
    losses = {0.01: [2.0, 1.0, 0.5], 0.1: [1.5, 0.5, 0.02], 10.0: [2.3]}
    fig = plot_lr_sweep(losses, diverged=[10.0], threshold=0.03, chance=math.log(10))
    (ax,) = fig.axes
    slow, fast, exploded, cross, target, chance = ax.get_lines()
    assert list(slow.get_xdata()) == [1, 2, 3]
    assert list(fast.get_ydata()) == [1.5, 0.5, 0.02]
    assert list(exploded.get_xdata()) == [1]
    # the epoch that diverged (the 2nd) is an x at the top of the axes, in its run's color
    assert cross.get_marker() == "x"
    assert list(cross.get_xdata()) == [2]
    assert cross.get_transform() == ax.get_xaxis_transform()
    assert cross.get_color() == exploded.get_color()
    assert list(target.get_ydata()) == [0.03, 0.03]
    assert list(chance.get_ydata()) == [math.log(10)] * 2
    assert (chance.get_color(), chance.get_linestyle()) == (CHANCE_LINE["color"], ":")
    assert ax.get_yscale() == "log"
    assert list(ax.get_xticks()) == [1, 2, 3]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["lr 0.01", "lr 0.1", "lr 10 (diverged)"]
    assert len(legend) == 5  # the x marker has no legend entry of its own


def test_lr_sweep_run_that_diverged_in_its_first_epoch():
    fig, ax = plt.subplots()
    assert plot_lr_sweep({0.1: [1.0, 0.5], 5.0: []}, diverged=[5.0], ax=ax) is fig
    _, empty, cross = ax.get_lines()  # no threshold or chance line unless asked
    assert list(empty.get_xdata()) == []
    assert list(cross.get_xdata()) == [1]  # it diverged in epoch 1
    assert list(ax.get_xticks()) == [1, 2]


def test_throughput_bar_is_the_median_and_dots_are_the_repeats():
    samples = {
        "DataLoader": [100.0, 120.0, 110.0],
        "TensorLoader": [5000.0, 5200.0, 4800.0, 5100.0],
    }
    fig = plot_throughput(samples)
    (ax,) = fig.axes
    assert [bar.get_width() for bar in ax.patches] == [110.0, 5050.0]
    dots = ax.get_lines()
    assert list(dots[1].get_xdata()) == samples["TensorLoader"]
    assert list(dots[1].get_ydata()) == [1] * 4
    assert [t.get_text() for t in ax.texts] == ["110", "5,050"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(samples)
    assert ax.get_xscale() == "log"


def test_throughput_accepts_a_single_measurement_and_given_axes():
    fig, ax = plt.subplots()
    assert plot_throughput({"training": [2500.0]}, ax=ax) is fig
    assert [bar.get_width() for bar in ax.patches] == [2500.0]


def test_parameter_counts_one_bar_per_layer_with_count_and_share():
    rows = parameter_table(ConvNet())
    fig = plot_parameter_counts(rows)
    (ax,) = fig.axes
    totals = [row.total for row in rows]
    assert [bar.get_height() for bar in ax.patches] == totals
    assert [t.get_text() for t in ax.get_xticklabels()] == [row.name for row in rows]
    labels = [t.get_text() for t in ax.texts]
    assert labels[0] == f"{totals[0]:,}\n({100 * totals[0] / sum(totals):.1f}%)"
    assert ax.get_yscale() == "log"
    low, high = ax.get_ylim()
    assert low < min(totals)  # the smallest bar stays visible on the log scale
    assert high > max(totals)


def test_per_class_accuracy_bars_labels_and_overall_line():
    accuracies = torch.tensor([99.5, 99.25, 98.0, 97.5, 99.0, 98.5, 99.0, 98.75, 96.5, 97.75])
    fig = plot_per_class_accuracy(accuracies, overall=98.4)
    (ax,) = fig.axes
    assert [bar.get_height() for bar in ax.patches] == accuracies.tolist()
    assert [t.get_text() for t in ax.texts][:3] == ["99.50", "99.25", "98.00"]
    (overall,) = ax.get_lines()
    assert list(overall.get_ydata()) == [98.4, 98.4]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["all digits (98.40%)"]
    # the axis starts just below the lowest bar (96.5), not at zero, and says so
    assert ax.get_ylim()[0] == 95
    assert ax.get_ylim()[1] > 100
    assert ax.get_ylabel().endswith("axis starts at 95")
    assert list(ax.get_xticks()) == list(range(10))


def test_per_class_accuracy_from_a_list_without_overall():
    fig = plot_per_class_accuracy([100.0] * 10)
    (ax,) = fig.axes
    assert ax.get_legend() is None
    assert ax.get_lines() == []
    assert ax.get_ylim()[0] == 99


def test_a_sweep_run_stuck_at_chance_is_labelled_did_not_learn():
    chance = 2.303
    fig = plot_lr_sweep({0.01: [2.0, 0.5], 0.5: [2.31, 2.30]}, chance=chance)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "lr 0.5 (did not learn)" in labels
    assert "lr 0.01" in labels
    assert did_not_learn([2.31, 2.30], chance)
    assert not did_not_learn([2.0, 0.5], chance)
    assert not did_not_learn([], chance)
