r"""
Load the data
=============

MNIST is a collection of small grayscale pictures of handwritten digits, each labelled with
the digit it shows. This section loads it with torchvision and looks at it before any network
sees it. You will learn:

* how torchvision reads MNIST and turns each picture into a tensor,
* why the pixel values are moved from [0, 1] to [-1, 1],
* how a ``DataLoader`` cuts a split into shuffled batches, and the faster loader that the
  rest of the tutorial uses instead (it gives the same test batches),
* what a batch looks like, and whether the ten digits are equally represented.
"""

# %%
# Setup
# -----
# Everything reused across sections lives in the ``mnist_tutorial`` package. The device is
# chosen once: the GPU when there is one, else the CPU.
import math

import torch

from mnist_tutorial.data import load_mnist, mnist_loaders
from mnist_tutorial.environment import select_device
from mnist_tutorial.exercises import check
from mnist_tutorial.image_figures import plot_image_grid
from mnist_tutorial.throughput import compare_throughput
from mnist_tutorial.visualization import plot_class_counts, plot_throughput

device = select_device()

# %%
# The two splits
# --------------
# MNIST comes as a *training* split, which the network learns from, and a separate *test*
# split, which it never sees during training and which measures how well it generalizes.
# :func:`~mnist_tutorial.data.load_mnist` returns torchvision's ``MNIST`` dataset (it checks the
# raw files first, so a missing or truncated file gives a clear error).
train_set = load_mnist(train=True)
test_set = load_mnist(train=False)
print(f"training images: {len(train_set):,}")
print(f"test images:     {len(test_set):,}")
print(train_set.transform)

# %%
# What the transforms do
# ----------------------
# On disk a picture is 28 x 28 bytes, each from 0 (black background) to 255 (white ink).
# ``ToTensor`` turns it into a float tensor of shape ``(1, 28, 28)``, one channel, and divides
# by 255, giving values in [0, 1]. ``Normalize((0.5,), (0.5,))`` then computes
# ``(x - 0.5) / 0.5``, which maps [0, 1] onto [-1, 1]: the background becomes -1 and full ink
# +1. Compare one raw picture with what the dataset returns:
raw = train_set.data[0]  # (28, 28) uint8, as stored on disk
image, label = train_set[0]  # (1, 28, 28) float32, transformed
print(f"raw:         {raw.dtype}, shape {tuple(raw.shape)}")
print(f"             values {raw.min()} to {raw.max()}")
print(f"transformed: {image.dtype}, shape {tuple(image.shape)}, label {label}")
print(f"             values {image.min():.1f} to {image.max():.1f}")
expected = (raw / 255 - 0.5) / 0.5  # (28, 28)
print("equal to (raw / 255 - 0.5) / 0.5:", torch.allclose(image[0], expected))

# %%
# Why move the values? Gradient descent behaves better when the inputs take both signs. The
# classic argument (LeCun et al., *Efficient BackProp*) looks at one neuron: if all its inputs
# were positive, the gradients of all its weights would share the sign of the gradient at its
# output, so for a given example they could only all grow or all shrink together, and reaching
# good weights would take a zig-zag path.
#
# The 0.5 is a round number, though, not a property of the data: most pixels are background,
# so the normalized values average well below zero. The usual alternative subtracts the
# training set's measured mean and divides by its standard deviation, which gives mean 0 and
# standard deviation 1 exactly. The statistics of the training pixels, before and after:
pixels = train_set.data.float() / 255  # (60000, 28, 28), what ToTensor gives, in [0, 1]
normalized = (pixels - 0.5) / 0.5  # what Normalize((0.5,), (0.5,)) gives, in [-1, 1]
print(f"after ToTensor:  mean {pixels.mean():.4f}, std {pixels.std():.4f}")
print(f"after Normalize: mean {normalized.mean():.4f}, std {normalized.std():.4f}")

# %%
# Batches with ``DataLoader``
# ---------------------------
# A network is trained on *batches*: a few hundred images at a time, one gradient step per
# batch. :func:`~mnist_tutorial.data.mnist_loaders` with ``fast=False`` builds the reference's
# torchvision ``DataLoader`` objects with 256 images per batch. The training loader is
# *shuffled*: every epoch visits the images in a new random order, so that the gradient steps
# do not follow the same sequence every time. The test loader keeps a fixed order; the order
# does not change a test score, and a fixed one makes runs easy to compare.
train_loader, test_loader = mnist_loaders(batch_size=256, fast=False)
print(f"{len(train_loader)} training batches, {len(test_loader)} test batches")
print(f"images in the last, partial training batch: {len(train_set) % 256}")

# %%
# One batch holds four-dimensional image tensors, ``(batch, channel, height, width)``, and one
# integer label per image:
images, labels = next(iter(train_loader))
print(f"images: shape {tuple(images.shape)}, dtype {images.dtype}")
print(f"labels: shape {tuple(labels.shape)}, dtype {labels.dtype}")
print(f"pixel values from {images.min().item():.1f} to {images.max().item():.1f}")
print("first labels:", labels[:12].tolist())

# %%
# The faster loader the tutorial uses
# -----------------------------------
# A ``DataLoader`` converts every image in Python, one at a time, in every epoch. For pictures
# this small, that work can take longer than the network's own computation, especially on a
# GPU. The rest of the tutorial therefore uses ``fast=True``: each split is converted once,
# held as a single tensor on the device; each epoch costs one shuffle, and each batch is a
# slice of it. How many images per second each loader delivers, ready on the device, for one
# pass over the test split, timed 5 times with the two loaders interleaved (so that a busy
# moment of the machine is not charged to one of them):
_, fast_test_loader = mnist_loaders(batch_size=256, device=device, fast=True)
loaders = {"reference DataLoader": test_loader, "fast TensorLoader": fast_test_loader}
speeds = compare_throughput(loaders, repeats=5, batches=None, device=device)
for name, speed in speeds.items():
    print(f"{name:>20}: {speed.median:>11,.0f} images/s (median of {len(speed.samples)})")
ratio = speeds["fast TensorLoader"].median / speeds["reference DataLoader"].median
print(f"The fast path delivers {ratio:.0f} times as many images per second.")

# %%
# Every repeat as a dot, the median as a bar, on a log scale. Section 3 compares these rates
# with the rate at which training consumes images.
fig = plot_throughput({name: speed.samples for name, speed in speeds.items()})

# %%
# The test batches are the same images in the same order, which this check confirms (a GPU
# may round the last bit differently, hence the printed largest difference). The training
# batches are shuffled by each loader's own random generator, so they do not match batch for
# batch; they hold the same images.
largest_difference, same_labels = 0.0, True
for (x, y), (fast_x, fast_y) in zip(test_loader, fast_test_loader, strict=True):
    largest_difference = max(largest_difference, (x - fast_x.cpu()).abs().max().item())
    same_labels = same_labels and torch.equal(y, fast_y.cpu())
print(f"{len(fast_test_loader)} test batches compared, fast ones on {fast_x.device}")
print(f"same labels: {same_labels}; largest pixel difference: {largest_difference:.1e}")
assert same_labels
assert largest_difference < 1e-6

# %%
# A look at the digits
# --------------------
# The first 32 images of the shuffled batch, with their labels, drawn as dark ink on white
# paper for readability (in the tensors the background is -1). Handwriting varies a lot: thick
# and thin strokes, upright and slanted digits, open and closed loops. The network has to
# recognise a digit through all of that variation.
fig = plot_image_grid(images[:32], titles=[f"label {d}" for d in labels[:32].tolist()])

# %%
# Are the classes balanced?
# -------------------------
# If one digit were much more frequent than the others, a model could score well by favouring
# it, and the overall accuracy would hide poor results on the rare digits. ``targets`` holds
# every label of a split; ``torch.bincount`` counts how often each digit occurs.
train_counts = torch.bincount(train_set.targets, minlength=10)
test_counts = torch.bincount(test_set.targets, minlength=10)
train_share = 100 * train_counts / train_counts.sum()  # percent of the split
test_share = 100 * test_counts / test_counts.sum()
print(f"{'digit':>5} {'train':>7} {'share':>7} {'test':>6} {'share':>7}")
for d in range(10):
    print(
        f"{d:>5} {train_counts[d]:>7,} {train_share[d]:>6.2f}% "
        f"{test_counts[d]:>6,} {test_share[d]:>6.2f}%"
    )

ratio = train_counts.max() / train_counts.min()
print(f"most / least frequent digit in the training split: {ratio:.2f}")

# %%
# The counts are not identical but close: the last line of the table divides the count of the
# most frequent digit by that of the least frequent one. In the bar charts, one per split, the
# dashed line is a tenth of the split, what perfect balance would give. No digit is rare, so
# the plain accuracy over all test images is a fair summary in the sections to come.
fig = plot_class_counts({"train": train_counts.tolist(), "test": test_counts.tolist()})

# %%
# Exercises
# ---------
# **Exercise 1: how much is background?** What fraction of all the pixels of the training
# images are pure background, stored as 0 on disk? Compute it from ``train_set.data``, then
# ``check("background-fraction", your_answer)``.
#
# .. solution-start::
background = (train_set.data == 0).float().mean().item()  # over all 60,000 x 28 x 28 pixels
print(f"{background:.2%} of the training pixels are background")
check("background-fraction", background)

# %%
# .. solution-end::
#
# That share is why the normalized pixels average well below zero (see the statistics above).
#
# **Exercise 2: batches of 128.** With ``batch_size=128``, how many batches make one epoch of
# the training split, and how many images does the last one hold? Answer with a tuple,
# ``check("batches-per-epoch", (batches, last))``.
#
# .. solution-start::
batches = math.ceil(len(train_set) / 128)  # a partial batch at the end is still a batch
last = len(train_set) - (batches - 1) * 128
print(f"{batches} batches, the last one with {last} images")
print("the DataLoader agrees:", len(torch.utils.data.DataLoader(train_set, 128)) == batches)
check("batches-per-epoch", (batches, last))

# %%
# .. solution-end::
#
# Next, :ref:`sphx_glr_auto_examples_plot_02_build_cnn.py` builds the network that reads them.
