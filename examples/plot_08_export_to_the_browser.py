r"""
Export to ONNX and run in the browser
=====================================

A trained network is only useful where it can run. This section takes the two networks of the
tutorial out of PyTorch and into your web browser. You will learn

- what ONNX is for, and how ``torch.onnx.export`` writes a network to an ``.onnx`` file,
- how to check an exported model against PyTorch with onnxruntime before trusting it,
- how storing the weights as 16-bit floats or 8-bit integers shrinks the download, and how to
  check what that costs,
- and, on the tutorial's site, how the networks behave on digits you draw yourself.

The export reuses the networks trained in the earlier sections (no training here).
"""

# %%
# The trained networks
# --------------------
# ``load_or_train`` returns both networks from the on-disk cache filled by sections 3 and 7, or
# trains them now with the tutorial's recipe when nothing is cached.
import time

import numpy as np

from mnist_tutorial.cache import load_or_train
from mnist_tutorial.config import tutorial_config
from mnist_tutorial.data import BLACK, load_mnist, normalize
from mnist_tutorial.environment import select_device
from mnist_tutorial.evaluation import shift_images
from mnist_tutorial.exercises import check
from mnist_tutorial.export import (
    compare_with_torch,
    export_dir,
    export_onnx,
    load_session,
    onnx_logits,
    store_weights_as_float16,
    store_weights_as_int8,
    torch_logits,
)
from mnist_tutorial.image_figures import plot_image_grid
from mnist_tutorial.models import count_parameters

device = select_device()
config = tutorial_config()
nets = {name: load_or_train(name, config, device).net for name in ("ConvNet", "FCNet")}

# %%
# What ONNX is for
# ----------------
# A PyTorch model is Python code plus weights: running it needs Python and PyTorch. `ONNX
# <https://onnx.ai>`_ (Open Neural Network Exchange) describes a network instead as a graph of
# standard operators (``Conv``, ``Relu``, ``MaxPool``, ``Gemm``, ...) with its weights, in one
# file that any ONNX runtime can execute: onnxruntime in Python, C++, C# or Java, on phones,
# and in web browsers through WebAssembly, with no Python at all. The same file also feeds
# inference servers and compilers for other hardware. That makes it the usual way to *deploy*
# a network trained in PyTorch.
#
# ``export_onnx`` calls ``torch.onnx.export`` on a CPU copy of the network in eval mode (the
# trained net itself may stay on the GPU). PyTorch traces the network with ``torch.export``
# and translates every operation into ONNX operators of opset 20. The batch dimension stays
# free, so one file serves one image or a thousand, and ``external_data=False`` keeps the
# weights inside the ``.onnx`` file. For the ConvNet, the file gets a second output next to
# the logits: the 32 feature maps of ``conv1`` after its ReLU (section 6), which the live demo
# below draws. The files go to the folder ``onnx-models`` of the working directory (or to the
# folder named by ``MNIST_TUTORIAL_EXPORT``; the site's build puts them beside its pages).
folder = export_dir()
start = time.perf_counter()
files = {name: export_onnx(net, folder / f"{name.lower()}.onnx") for name, net in nets.items()}
print(f"exported in {time.perf_counter() - start:.1f} s")
for path in files.values():
    print(f"{path.name:<13} {path.stat().st_size / 1e6:5.1f} MB")

# %%
# Check the export before trusting it
# -----------------------------------
# An exported model is a different program, run by a different library: check that it
# computes what PyTorch computes. ``load_session`` first runs ONNX's checker on the file, then
# opens it in onnxruntime; a missing or corrupt file stops with an error naming it. The
# comparison below uses the real test images: the largest difference between the logits of
# onnxruntime and of PyTorch on the first 1,000 of them, and whether the two give the same
# predicted digit for all 10,000. Tiny differences are expected: the two libraries add up the
# same products in a different order, and floating-point addition is not associative.
test_set = load_mnist(train=False)
images = normalize(test_set.data)  # (10000, 1, 28, 28), on the CPU
reference = {name: torch_logits(net, images) for name, net in nets.items()}
start = time.perf_counter()
for name, path in files.items():
    agreement = compare_with_torch(reference[name], load_session(path), images, logits_on=1000)
    print(
        f"{name}: largest logit difference {agreement.max_logit_difference:.1e}, "
        f"same prediction for {agreement.same_predictions:,} of {agreement.total:,} images"
    )
print(f"checked in {time.perf_counter() - start:.1f} s")

# %%
# Smaller files: weights as 16-bit floats or 8-bit integers
# ---------------------------------------------------------
# The live demo downloads both files into the reader's browser, and the weights are almost all
# of their size (section 7 counted them: 4 bytes each). Two ways to store them in fewer bytes,
# both keeping the arithmetic in float32:
#
# - **float16** (2 bytes): ``store_weights_as_float16`` rounds every weight to a 16-bit float,
#   about three significant digits, and adds a ``Cast`` back to float32 in front of it.
# - **int8** (1 byte): ``store_weights_as_int8`` gives each filter and each unit one scale, its
#   largest weight divided by 127, and stores every weight as a whole number of those steps,
#   from -127 to 127. A ``DequantizeLinear`` node multiplies them back. A weight moves by up to
#   half a step, far more than float16 rounds it; the biases stay float32.
#
# Rounding weights changes the logits a little: the question is whether any prediction
# changes. An image whose two highest logits were almost tied can switch its answer. The site's
# live demo below loads, for each network, the smallest file that gives PyTorch's prediction
# for all 10,000 test images, and the float32 file if neither does.
storages = [
    ("float16", store_weights_as_float16, ".fp16.onnx"),
    ("int8", store_weights_as_int8, ".int8.onnx"),
]
smaller = {}  # (network, storage) -> its file
for name, path in files.items():
    for storage, store, suffix in storages:
        small = smaller[name, storage] = store(path, path.with_suffix(suffix))
        agreement = compare_with_torch(reference[name], load_session(small), images, logits_on=1000)
        print(
            f"{name} {storage}: {small.stat().st_size / 1e6:.1f} MB, largest logit difference "
            f"{agreement.max_logit_difference:.1e}, same prediction for "
            f"{agreement.same_predictions:,} of {agreement.total:,} images"
        )

# %%
# Try it: the live demo
# ---------------------
# On the tutorial's site, the demo below runs both exported networks in your browser with
# onnxruntime-web (WebAssembly; nothing is sent anywhere). A notebook cannot show it: open
# this section on the site. Draw a digit in the black square (mouse, pen or finger), or pick
# a test image, then move the sliders. Your drawing is prepared as MNIST's digits were: fitted
# into a 20 x 20 box, centred by its centre of mass in 28 x 28 pixels, and normalized as in
# training. Moving a centred 7 by 4 pixels shows what section 7 measured: the ConvNet usually
# holds on longer than the fully connected network.
#
# .. _live-demo:

# %%
# The same experiment, from Python
# --------------------------------
# The exported files run anywhere onnxruntime does. Here they classify the first test image of
# each digit, moved 4 pixels to the right (uncovered pixels black, as in section 7): compare
# the two networks' answers under each image.
first = [int((test_set.targets == digit).nonzero()[0]) for digit in range(10)]
sessions = {name: load_session(path) for name, path in files.items()}
moved = shift_images(images[first], dx=4, dy=0, fill=BLACK)  # (10, 1, 28, 28)
guesses = {name: onnx_logits(s, moved).argmax(axis=1) for name, s in sessions.items()}
titles = [f"CNN {c}, FC {f}" for c, f in zip(guesses["ConvNet"], guesses["FCNet"], strict=True)]
for name, guess in guesses.items():
    print(f"{name}: {int(np.sum(guess == np.arange(10)))} of 10 right after a 4 px shift")
fig = plot_image_grid(moved, titles, ncols=5, cell_size=1.5)

# %%
# Exercises
# ---------
# **Exercise 1: the size of the weights.** How many bytes do the ConvNet's weights and biases
# take when stored as float16? Compare with the size of its float16 file printed above, then
# ``check("float16-bytes", your_answer)``.
#
# .. solution-start::
weight_bytes = 2 * count_parameters(nets["ConvNet"])  # a float16 number takes 2 bytes
file_bytes = smaller["ConvNet", "float16"].stat().st_size
print(f"weights: {weight_bytes:,} bytes; the file: {file_bytes:,} bytes")
print(f"the graph and the rest of the file: {file_bytes - weight_bytes:,} bytes")
check("float16-bytes", weight_bytes)

# %%
# .. solution-end::
#
# **Exercise 2: another direction.** Move the ten test images 4 pixels *down* instead, and
# classify them with the exported ConvNet in onnxruntime: how many are right?
# ``check("shift-down-onnx", your_count, session=sessions["ConvNet"])``.
#
# .. solution-start::
moved_down = shift_images(images[first], dx=0, dy=4, fill=BLACK)  # (10, 1, 28, 28)
predicted_down = onnx_logits(sessions["ConvNet"], moved_down).argmax(axis=1)  # (10,)
right = int(np.sum(predicted_down == np.arange(10)))  # image k shows the digit k
print(f"predicted digits: {predicted_down.tolist()}; {right} of 10 right")
check("shift-down-onnx", right, session=sessions["ConvNet"])

# %%
# .. solution-end::
#
# Next, :ref:`sphx_glr_auto_examples_plot_09_recap.py` sums up what you built.
