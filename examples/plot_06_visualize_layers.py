r"""
Visualize the layers
====================

A trained network is a pile of numbers, but the first layer of a CNN can be looked at directly:
its filters are small images, and so are the feature maps they produce. This section shows

- the 32 filters of ``conv1`` as 5 x 5 grayscale images,
- the 32 feature maps (``conv1`` followed by ReLU) of one training image of each digit,
- what the filters detect: edges and strokes of a given direction, and ink or background,
  measured from the weights rather than guessed from the pictures.
"""

# %%
# The trained network
# -------------------
# ``load_or_train`` returns the trained ConvNet from the on-disk cache, or trains it now with the
# tutorial's recipe when nothing is cached.
import torch
import torch.nn.functional as F

from mnist_tutorial.cache import load_or_train
from mnist_tutorial.config import tutorial_config
from mnist_tutorial.data import BLACK, load_mnist, normalize
from mnist_tutorial.environment import select_device
from mnist_tutorial.exercises import check
from mnist_tutorial.image_figures import (
    plot_conv1_filters,
    plot_feature_maps,
    plot_filter_responses,
)

device = select_device()
config = tutorial_config()
convnet = load_or_train("ConvNet", config, device).net.eval()
print("conv1 weights:", tuple(convnet.conv1.weight.shape))  # (32, 1, 5, 5)

# %%
# The filters are numbered 0 to 31 on this page and in section 8's demo, not 1 to 32: that is
# the index PyTorch uses, so filter 5 is ``convnet.conv1.weight[5]`` and map 5 is ``maps[:, 5]``.

# %%
# The filters of the first layer
# ------------------------------
# ``conv1`` holds 32 filters of 1 x 5 x 5 weights (one input channel, a 5 x 5 window). Each is
# drawn stretched to its own range: white for its largest weight, black for its smallest. After
# normalization the ink of a digit is positive and the background negative (the values are
# printed below), so a filter responds most where ink lies under its white weights and
# background under its black ones. A filter that is white on one side and black on the other
# therefore responds to an *edge* of a stroke. Do not expect clean textbook patterns: the
# first-layer filters of a small network trained briefly on MNIST often stay noisy, and the
# measurements further down find the structure that is there.
fig = plot_conv1_filters(convnet)

# %%
# One training image of each digit
# --------------------------------
# The first training image of each digit, found from the labels, and normalized exactly as the
# training loader normalizes them. (The figures draw the ink black on white, as on paper.)
train_set = load_mnist(train=True)
first = [int((train_set.targets == digit).nonzero()[0]) for digit in range(10)]
print("training indices of the first 0, 1, ..., 9:", first)
images = normalize(train_set.data[first]).to(device)  # (10, 1, 28, 28)
print(f"pixel values: {images.min():.1f} (background) to {images.max():.1f} (ink)")

# %%
# Feature maps
# ------------
# A feature map is what one filter of ``conv1`` computes at every position of the image, *after
# the ReLU*: the maps below are what the rest of the network receives, with every negative
# response set to 0 (``forward`` starts with exactly this). ``padding=2`` keeps each map
# 28 x 28, the size of the image. The function needs nothing but PyTorch and a ConvNet; the
# package keeps an identical copy, which its tests compare with this one.


def feature_maps(net, images):
    """The first layer's 32 feature maps: conv1, then ReLU, as the rest of the net sees them."""
    # BEGIN SOLUTION
    return net.relu(net.conv1(images))  # (N, 32, 28, 28)
    # END SOLUTION


# %%
# Applied to the ten images at once, without gradients (nothing is trained here):
with torch.no_grad():
    maps = feature_maps(convnet, images)  # (10, 32, 28, 28)
print("feature maps of one image:", tuple(maps[:1].shape))  # (1, 32, 28, 28)

# %%
# One row per digit, one column per filter, so that a column shows how one filter responds to
# the ten digits. The 32 maps are split into two figures of 16 so that they stay readable; in
# each row of a figure, the maps share one color scale, and bright means a strong response.
#
# Reading down a column, a filter lights up on the same kind of stroke in every digit: the
# edges on one side of a stroke, or the strokes of one direction. Some maps are bright all over
# except on the digit: those filters respond to the background, as measured below.
labels = [f"digit {digit}" for digit in range(10)]
fig = plot_feature_maps(images, maps[:, :16], labels)

# %%
# The same ten digits through filters 16 to 31.
fig = plot_feature_maps(images, maps[:, 16:], labels, first_channel=16)

# %%
# What the filters detect
# -----------------------
# A filter's *direction* can be measured from its weights, treating the 5 x 5 filter as a tiny
# image. The differences between neighbouring weights, down (``gy``) and to the right (``gx``),
# point across the edge the filter detects (these are differences in space, not the gradients
# of training). Adding up the products ``gx * gx``, ``gy * gy`` and ``gx * gy`` over the filter
# (a 2 x 2 matrix known as the *structure tensor*) gives the dominant direction, and a
# *clarity* between 0 (no preferred direction, a blob) and 1 (a clean straight edge or stroke).
# Directions are in degrees: 0 is horizontal (``-``), 45 rises to the right (``/``), 90 is
# vertical (``|``) and 135 falls to the right (``\``).


def edge_directions(weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Edge direction in degrees (0 horizontal, 90 vertical) and clarity (0-1) of (K, 5, 5)."""
    gy = weights.diff(dim=1)  # (K, 4, 5) change going down
    gx = weights.diff(dim=2)  # (K, 5, 4) change going right
    # average each over 2 x 2 cells, so that both are measured at the same points: (K, 4, 4)
    gy, gx = (gy[:, :, 1:] + gy[:, :, :-1]) / 2, (gx[:, 1:] + gx[:, :-1]) / 2
    sxx, syy, sxy = (gx * gx).sum((1, 2)), (gy * gy).sum((1, 2)), (gx * gy).sum((1, 2))
    gradient = 0.5 * torch.atan2(-2 * sxy, sxx - syy)  # minus: image rows go down
    degrees = (torch.rad2deg(gradient) + 90) % 180  # an edge runs across its gradient
    clarity = ((sxx - syy) ** 2 + 4 * sxy**2).sqrt() / (sxx + syy)
    return degrees, clarity


# %%
# The table lists the filters from the clearest direction to the least clear. The last column is
# each filter's response (after ReLU) to an empty image, all black: it is positive for a filter
# whose weights add up to less than its bias, since the black background is -1 after
# normalization. A filter with a large value there fires on the background and is silenced by
# ink, so its maps show the digit as a dark silhouette on a bright ground.
weights = convnet.conv1.weight.detach().cpu()[:, 0]  # (32, 5, 5)
degrees, clarity = edge_directions(weights)
background = BLACK  # a black pixel after normalization: (0 - MEAN) / STD
print(f"a black pixel after normalization: {background}")
with torch.no_grad():
    blank = feature_maps(convnet, torch.full((1, 1, 28, 28), background, device=device))
blank = blank[0, :, 14, 14].cpu()  # (32,) at the center, away from the zero padding
print(f"{'filter':>6} {'edge direction':>15} {'clarity':>8} {'blank image':>12}")
for i in clarity.argsort(descending=True).tolist():
    print(f"{i:>6} {degrees[i]:>11.0f} deg {clarity[i]:>8.2f} {blank[i]:>12.2f}")

# %%
# Filters at the top of the table detect edges or strokes of one direction. Those at the bottom
# have no preferred direction: they respond to blobs of ink or of background, or are still
# noisy. The thin frame around many of the feature maps above comes from the padding:
# ``conv1`` pads each image with zeros, and 0 is mid-gray after normalization, not black, so
# the filters see a faint edge all around the image.
#
# Edges in every direction
# ------------------------
# A 0 is a loop, so its outline runs in every direction. For each of the four directions
# ``-``, ``/``, ``|`` and ``\``, the filter with the clearest direction near it is shown above
# its response to the training 0 (red weights are positive, blue negative; each response has its
# own color scale). Each response is strongest on the parts of the loop that run roughly in
# its filter's direction, and fades where the loop turns across it.
nearest = (degrees / 45).round().long() % 4  # 0: near 0 deg, 1: 45, 2: 90, 3: 135
chosen = [int(torch.where(nearest == k, clarity, -1.0).argmax()) for k in range(4)]
chosen = [i for k, i in enumerate(chosen) if nearest[i] == k]  # skip a direction nobody has
titles = [f"filter {i}\n{degrees[i]:.0f} deg, clarity {clarity[i]:.2f}" for i in chosen]
fig = plot_filter_responses(images[0], weights[chosen], maps[0, chosen].cpu(), titles)

# %%
# Exercises
# ---------
# **Exercise 1: design a filter.** Write a 3 x 3 filter (a tensor) that responds to a vertical
# edge, gives 0 on a uniform image, and (almost) nothing on a horizontal edge. Then
# ``check("vertical-edge-filter", your_filter)``, and look at what it does to a digit.
#
# .. solution-start::
vertical_edges = torch.tensor([[-1.0, 0, 1], [-1, 0, 1], [-1, 0, 1]])  # right minus left
check("vertical-edge-filter", vertical_edges)
# Its response to the training 0, after a ReLU: the left sides of the strokes light up.
padded = F.pad(images[:1].cpu(), (1, 1, 1, 1), value=background)  # black, not 0: no frame
response = F.relu(F.conv2d(padded, vertical_edges.reshape(1, 1, 3, 3)))  # (1, 1, 28, 28)
filters = vertical_edges.reshape(1, 3, 3)  # one filter
fig = plot_filter_responses(images[0].cpu(), filters, response[0], ["your filter"])

# %%
# .. solution-end::
#
# **Exercise 2: what ReLU removes.** What fraction of the values in the 32 feature maps of the
# first training image are exactly zero? ``check("zero-activations", your_answer,
# net=convnet)``.
#
# .. solution-start::
first_image = normalize(train_set.data[:1]).to(device)  # (1, 1, 28, 28)
with torch.no_grad():
    first_maps = feature_maps(convnet, first_image)  # (1, 32, 28, 28)
zeros = (first_maps == 0).float().mean().item()
print(f"{zeros:.1%} of the {first_maps.numel():,} values are 0 after the ReLU")
check("zero-activations", zeros, net=convnet)

# %%
# .. solution-end::
#
# Next, :ref:`sphx_glr_auto_examples_plot_07_compare_fully_connected.py` asks whether all this
# structure is worth it.
