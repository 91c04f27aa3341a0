r"""
Inspect the errors
==================

A test accuracy says how often the network is wrong, not *how* it is wrong. This section looks
at the test images the trained ConvNet misclassifies. You will learn to

- collect the network's class probabilities for every test image with ``predict``,
- rank the mistakes by how confident the network was, and show them,
- read a confusion matrix to find which digits are mistaken for which,
- look at the full probability distribution of a mistake to see the network's second choice.

Along the way we ask the assignment's question: are the mistakes obvious, or are the images
themselves ambiguous?
"""

# %%
# The trained network
# -------------------
# ``load_or_train`` returns the ConvNet trained in the previous sections from the on-disk
# cache, or trains it now with the tutorial's recipe when nothing is cached.
import torch

from mnist_tutorial.cache import load_or_train
from mnist_tutorial.config import tutorial_config
from mnist_tutorial.data import mnist_loaders
from mnist_tutorial.environment import select_device
from mnist_tutorial.evaluation import confusion_matrix, predict
from mnist_tutorial.exercises import check
from mnist_tutorial.image_figures import (
    plot_confusion_matrix,
    plot_image_grid,
    plot_probabilities,
)

device = select_device()
config = tutorial_config()
convnet = load_or_train("ConvNet", config, device).net

# %%
# Predictions for the whole test set
# ----------------------------------
# ``predict`` runs the network over the test loader and keeps, for every image, its label and
# the softmax of the network's 10 scores: a probability for each digit, summing to 1. The
# predicted digit is the most probable one, and that probability is the network's
# *confidence* in its answer. It is the network's own estimate, not a guarantee: nothing in
# training makes a confidence of 99% mean "right 99% of the time" (the probabilities need not
# be *calibrated*).
_, test_loader = mnist_loaders(config.batch_size, device, fast=True)
predictions = predict(convnet, test_loader)
print("probabilities:", tuple(predictions.probabilities.shape))  # (10000, 10)

wrong = predictions.misclassified()  # indices, most confident mistake first
total = len(predictions.labels)
print(f"Misclassified: {len(wrong)} of {total} test images ({100 * len(wrong) / total:.2f}%)")

# %%
# The most confident mistakes
# ---------------------------
# A mistake made with a low confidence is the network hesitating between digits; one made with
# a confidence close to 100% is the network being sure and wrong. ``misclassified()``
# sorts the mistakes by confidence, so the table and the grid below start with the most
# surprising ones. The index is the image's position in the test set, to look any of them up.
print(f"{'index':>6} {'true':>5} {'predicted':>10} {'probability':>12}")
for i in wrong[:10].tolist():
    true, pred = int(predictions.labels[i]), int(predictions.predicted[i])
    print(f"{i:>6} {true:>5} {pred:>10} {predictions.confidence[i].item():>12.1%}")

# %%
# The most confident mistakes as images, in the same order (the first ten are those of the
# table). Each title gives the true label, the prediction and the confidence.
shown = wrong[:24]
titles = [
    f"true {int(predictions.labels[i])} / pred {int(predictions.predicted[i])}\n"
    f"{predictions.confidence[i].item():.1%}"
    for i in shown.tolist()
]
fig = plot_image_grid(predictions.images[shown], titles, ncols=6)

# %%
# Which digits are confused?
# --------------------------
# The confusion matrix counts, for every true digit (row), how often each digit was predicted
# (column). Each row is divided by the number of test images of that digit, so a cell reads
# "percent of the true 4s that were predicted as 9". The diagonal holds the per-digit accuracy;
# the color scale is clipped at 2% so that the rare mistakes off the diagonal stay visible.
matrix = confusion_matrix(predictions.labels, predictions.predicted)  # (10, 10) counts
fig = plot_confusion_matrix(matrix)

# %%
# The matrix is easier to scan as a list. Setting the diagonal to zero leaves only the
# mistakes; sorting the remaining counts gives the most frequent confusions.
mistakes = matrix.clone().fill_diagonal_(0)
counts, cells = mistakes.flatten().sort(descending=True)
print(f"{'true':>5} {'predicted':>10} {'count':>6} {'share of all mistakes':>22}")
for count, cell in zip(counts[:8].tolist(), cells[:8].tolist(), strict=True):
    true, pred = divmod(cell, 10)  # the flat index of row `true`, column `pred`
    print(f"{true:>5} {pred:>10} {count:>6} {count / len(wrong):>22.1%}")

# %%
# Obvious mistakes or ambiguous data?
# -----------------------------------
# The mistakes are not spread evenly over the 90 possible (true, predicted) pairs: the second
# line printed below compares the share of the five most frequent pairs with the share that
# any five pairs would hold if the mistakes were spread evenly. The frequent pairs are mostly
# digits whose shapes differ by a single stroke; a 4 and a 9, for instance, differ mainly in
# whether the top is closed.
#
# Looking at the grid, the mistakes fall into two kinds. Some images are genuinely ambiguous: a
# person would hesitate too, and a few look as if the label itself were wrong. Others are clear
# to a human but drawn in an unusual way (slanted, very thick or thin, a broken stroke, off
# center) that the network did not learn from its training images. The sentences below are
# computed from this run's predictions.
true, pred = divmod(cells[0].item(), 10)
print(f"Most frequent confusion: a true {true} predicted as {pred} ({counts[0]} times).")
top5 = counts[:5].sum() / len(wrong)
print(f"The top 5 pairs hold {top5:.0%} of all mistakes; an even spread would give {5 / 90:.0%}.")
ranked = predictions.probabilities[wrong].argsort(dim=1, descending=True)  # (errors, 10)
runner_up = (ranked[:, 1] == predictions.labels[wrong]).sum()
print(f"The true digit was the second choice in {runner_up} of the {len(wrong)} mistakes.")
sure = (predictions.confidence[wrong] > 0.9).sum()
print(f"{sure} of the {len(wrong)} mistakes were made with more than 90% confidence.")

# %%
# The second choice
# -----------------
# The bar charts show all 10 probabilities for four mistakes: the two most confident ones and
# the two least confident ones. The true digit's bar is green, the predicted digit's red, and
# the grey bars are the eight other digits (most are too small to see: the network gives them
# almost no probability). A near-tie between two bars is the network hesitating between two
# readings of the image; a single tall red bar is a confident mistake, worth a closer look at
# the image and its label.
chosen = torch.cat([wrong[:2], wrong[-2:]])
fig = plot_probabilities(
    predictions.images[chosen], predictions.probabilities[chosen], predictions.labels[chosen]
)

# %%
# Exercises
# ---------
# **Exercise 1: confused in both directions.** Which two digits does the network confuse most
# often when both directions count (a 4 read as a 9 plus a 9 read as a 4)? Show five of those
# images, then ``check("most-confused-pair", (digit, other_digit, count), net=convnet)``.
#
# .. solution-start::
both_ways = (mistakes + mistakes.T).triu()  # (10, 10): [a, b] counts a read as b and b as a
a, b = divmod(int(both_ways.argmax()), 10)
count = int(both_ways[a, b])
print(f"{a} and {b}: {count} mistakes ({mistakes[a, b]} + {mistakes[b, a]})")
check("most-confused-pair", (a, b, count), net=convnet)
true_labels, predicted = predictions.labels.tolist(), predictions.predicted.tolist()
in_pair = [i for i in range(total) if {true_labels[i], predicted[i]} == {a, b}]
titles = [f"true {true_labels[i]} / pred {predicted[i]}" for i in in_pair[:5]]
fig = plot_image_grid(predictions.images[in_pair[:5]], titles, ncols=5)

# %%
# .. solution-end::
#
# **Exercise 2: how much is a high confidence worth?** On the test images where the network's
# confidence is at least 0.99, what is its accuracy (in %)? Check that one number with
# ``check("confident-accuracy", your_accuracy, net=convnet)``. Then print what share of the
# test set those images are (the solution does; the check does not ask for it).
#
# .. solution-start::
sure = predictions.confidence >= 0.99  # (10000,) True where the net is that sure
sure_correct = (predictions.predicted[sure] == predictions.labels[sure]).float().mean().item()
print(f"{int(sure.sum())} of {total} test images ({sure.float().mean():.1%}) get >= 0.99")
print(f"accuracy on them: {sure_correct:.2%}; on all images: {1 - len(wrong) / total:.2%}")
check("confident-accuracy", 100 * sure_correct, net=convnet)

# %%
# .. solution-end::
#
# Next, :ref:`sphx_glr_auto_examples_plot_06_visualize_layers.py` opens the network up.
