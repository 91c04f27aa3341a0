r"""
Compare with a fully connected network
======================================

Is the convolutional structure worth it, or would any large enough network do as well? This
section trains a fully connected network on the same data with the same recipe and compares it
with the ConvNet. You will learn

- how to count a network's parameters exactly, layer by layer,
- how the two networks compare in training loss and test accuracy,
- why a CNN does better with fewer parameters: local filters, shared weights and pooling,
- how to test one consequence of that structure: robustness to shifted digits.

To keep the build fast, the shift experiment uses the first 2,000 test images only.
"""

# %%
# Setup
# -----
# The device is chosen once; both networks are trained with ``tutorial_config()``. The ConvNet
# is section 2's class, imported from the package.
from mnist_tutorial.cache import load_or_train
from mnist_tutorial.config import tutorial_config
from mnist_tutorial.data import BLACK, mnist_loaders, mnist_tensors
from mnist_tutorial.environment import select_device
from mnist_tutorial.evaluation import evaluate, shift_accuracy, shift_images
from mnist_tutorial.exercises import check
from mnist_tutorial.models import ConvNet, count_parameters, format_parameter_table
from mnist_tutorial.training_charts import plot_loss_curves
from mnist_tutorial.visualization import plot_accuracy_by_shift

device = select_device()
config = tutorial_config()

# %%
# The fully connected network
# ---------------------------
# ``FCNet`` flattens each 28 x 28 image into a vector of 784 pixels and passes it through three
# hidden layers of 1500, 1000 and 500 units, with a ReLU after each, then to 10 output scores.
# Every unit of a layer is connected to every unit of the next: no layer knows which pixels
# were neighbours in the image. The cell needs nothing but PyTorch: copy it into an empty
# notebook and change it. (The package keeps an identical copy, which its tests compare with
# this one.)
import torch
from torch import nn


class FCNet(nn.Module):
    """A fully connected net, 784-1500-1000-500-10, ReLU between layers."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 1500)  # every pixel to every unit
        self.fc2 = nn.Linear(1500, 1000)
        self.fc3 = nn.Linear(1000, 500)
        self.fc4 = nn.Linear(500, 10)  # one score per digit
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, start_dim=1)  # (N, 784): the pixels lose their 2-D arrangement
        x = self.relu(self.fc1(x))  # (N, 1500)
        x = self.relu(self.fc2(x))  # (N, 1000)
        x = self.relu(self.fc3(x))  # (N, 500)
        return self.fc4(x)  # (N, 10) raw scores


# %%
# Parameters, counted exactly
# ---------------------------
# A linear layer from :math:`n` to :math:`m` units has :math:`n m` weights and :math:`m` biases;
# a convolution with :math:`c_\text{out}` filters of :math:`c_\text{in} \times k \times k`
# weights has :math:`c_\text{out} c_\text{in} k^2` weights and :math:`c_\text{out}` biases.
# ``format_parameter_table`` lists them per layer, and ``count_parameters`` adds up every
# trainable tensor.
nets = {"ConvNet": ConvNet(), "FCNet": FCNet()}
for name, net in nets.items():
    print(f"{name}\n{format_parameter_table(net)}\n")

# %%
# Side by side: the fully connected network has almost twice as many parameters. Note in the
# table above that most of the ConvNet's parameters sit in ``fc1``, not in its convolutions.
counts = {name: count_parameters(net) for name, net in nets.items()}
for name, count in counts.items():
    print(f"{name:<8} {count:>12,} parameters")
print(f"FCNet / ConvNet: {counts['FCNet'] / counts['ConvNet']:.2f} times as many")

# %%
# Training both with the same recipe
# ----------------------------------
# The same optimizer (SGD with momentum), learning rate, batch size, number of epochs and seed.
# ``load_or_train`` takes the ConvNet from the cache filled by the earlier sections, and trains
# the FCNet now, with the class defined above, unless a network trained from that same code is
# cached (edit the class, and it trains anew).
trained = {
    "ConvNet": load_or_train("ConvNet", config, device),
    "FCNet": load_or_train("FCNet", config, device, model_class=FCNet),
}

# %%
# The loss curves on one plot. The y-axis is logarithmic: late in training the losses are small,
# and on a linear axis their differences would disappear. A training loss measures how well a
# network fits the images it learns from, not how well it reads new ones: the test accuracy
# below is the fair comparison. The same number of epochs does not take both networks equally
# far, though: the one whose last loss is the higher still fits even its training images less
# well, so part of any accuracy gap may come from training, not from the architecture.
for name, t in trained.items():
    print(f"{name}: mean training loss {t.losses[-1]:.3f} in the last epoch")
fig = plot_loss_curves({name: t.losses for name, t in trained.items()}, log_scale=True)

# %%
# Test accuracy
# -------------
# Both networks are evaluated on the same 10,000 test images, counting misclassified images.
_, test_loader = mnist_loaders(config.batch_size, device, fast=True)
for name, t in trained.items():
    result = evaluate(t.net, test_loader)
    print(
        f"{name} test accuracy: {result.accuracy:.2f}% ({result.correct} / {result.total} images)"
    )

# %%
# Why the CNN does better with fewer parameters
# ---------------------------------------------
# Beyond how far training went, three properties of the convolutional layers are the usual
# explanation of the gap in the printed accuracies.
#
# - **Locality.** A 5 x 5 filter looks at 25 neighbouring pixels at a time. Strokes, edges and
#   corners are local patterns, so this is the right place to look; the FCNet's first layer
#   must discover from the data which of its 784 inputs belong together.
# - **Weight sharing.** Each filter is applied at every position of the image, so the few
#   weights of ``conv1``'s 32 small filters (its row in the table) are all it needs to look
#   for 32 patterns at every position, and a stroke learned in one place is recognized
#   everywhere. The FCNet must learn the same pattern separately for each position where it
#   occurs: more parameters, and fewer training examples for each of them.
# - **Translation equivariance and pooling.** A convolution is *equivariant* to shifts:
#   shifting the input shifts its feature maps by the same amount (away from the borders).
#   Max pooling then keeps only the strongest response in each 2 x 2 window, so a shift of a
#   pixel or so changes little of what the later layers see. The ConvNet's last two layers are
#   fully connected, though, so a large shift still hurts it.

# %%
# Shifted digits
# --------------
# The last point can be tested. MNIST digits are centered in their images, so neither network
# saw a digit away from the center during training. Below, the test images are moved by 0 to 4
# pixels in each of the four directions (right, left, down, up), and the uncovered pixels are
# set to black, that is, to the value of a black pixel after normalization. Each shift costs
# four passes over the images, so only the first 2,000 test images are used (which is why the
# unshifted accuracies differ slightly from those of the whole test set above).
images, labels = mnist_tensors(train=False, device=device)
images, labels = images[:2000], labels[:2000]  # (2000, 1, 28, 28)
background = BLACK  # black (0) normalized like every pixel: (0 - MEAN) / STD
print(f"{len(images)} test images, background value {background}")

# %%
# ``shift_accuracy`` measures the accuracy for each shift, averaged over the four directions.
shifts = range(5)
accuracies = {
    name: shift_accuracy(t.net, images, labels, shifts, background) for name, t in trained.items()
}
print("shift (px)  " + "  ".join(f"{name:>8}" for name in accuracies))
for i, shift in enumerate(shifts):
    print(f"{shift:>10}  " + "  ".join(f"{acc[i]:>7.2f}%" for acc in accuracies.values()))

# %%
# If the explanation above is right, the ConvNet should lose less accuracy than the FCNet as
# the digits move away from the center. The lines below are computed from the table:
for name, acc in accuracies.items():
    print(
        f"{name}: from {acc[0]:.2f}% unshifted to {acc[-1]:.2f}% at {shifts[-1]} pixels, "
        f"a loss of {acc[0] - acc[-1]:.1f} percentage points."
    )

# %%
# Both curves on one plot:
fig = plot_accuracy_by_shift(list(shifts), accuracies)

# %%
# Exercises
# ---------
# **Exercise 1: the price of a dense first layer.** ``conv1`` turns a 28 x 28 image into 32
# maps of 28 x 28. How many parameters would a fully connected layer with the same inputs and
# outputs need? Compare with ``conv1``'s count, then ``check("no-weight-sharing",
# your_answer)``.
#
# .. solution-start::
inputs, outputs = 28 * 28, 32 * 28 * 28
dense = inputs * outputs + outputs  # a weight per (input, output) pair, a bias per output
conv1 = count_parameters(nets["ConvNet"].conv1)
print(f"dense: {dense:,} parameters; conv1: {conv1:,} ({dense / conv1:,.0f} times fewer)")
check("no-weight-sharing", dense)

# %%
# .. solution-end::
#
# **Exercise 2: one direction only.** Move the 2,000 test images above 3 pixels to the right
# only (not averaged over four directions): what is the ConvNet's accuracy on them, in %? Do
# the same for the FCNet. ``check("shift-right-accuracy", accuracy, net=...)`` with the
# network you measured.
#
# .. solution-start::
moved = shift_images(images, dx=3, dy=0, fill=background)  # (2000, 1, 28, 28)
for name, t in trained.items():
    result = evaluate(t.net, [(moved, labels)])  # one batch of 2,000 images
    print(f"{name}: {result.accuracy:.2f}% with the digits 3 pixels to the right")
    check("shift-right-accuracy", result.accuracy, net=t.net)

# %%
# .. solution-end::
#
# Both networks were trained on centered digits only. Showing them shifted copies during
# training (*data augmentation*) is the usual way to make either one more robust. Next,
# :ref:`sphx_glr_auto_examples_plot_08_export_to_the_browser.py` lets you try both networks in
# your browser.
