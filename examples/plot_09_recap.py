r"""
Recap and next steps
====================

What you built, in one page: the numbers this build of the tutorial reached, recomputed from
the networks trained in the earlier sections, and where to go from here.
"""

# %%
# What you built
# --------------
# Along the way you:
#
# * loaded MNIST with torchvision, normalized it, and cut it into shuffled batches;
# * wrote a CNN as an ``nn.Module``: two convolution blocks, then two fully connected layers,
#   and followed an image through it shape by shape;
# * trained it with SGD and momentum, one epoch after another, and chose a learning rate;
# * measured it on images it had never seen, counting images rather than batches;
# * read its mistakes, its first layer's filters and their feature maps;
# * compared it with a fully connected network that has more parameters, and tested both on
#   shifted digits.
#
# The networks come from the cache that the earlier sections filled (or are trained now, if
# this page runs on its own).
from mnist_tutorial.cache import load_or_train
from mnist_tutorial.config import tutorial_config
from mnist_tutorial.data import BLACK, mnist_loaders, mnist_tensors
from mnist_tutorial.environment import select_device
from mnist_tutorial.evaluation import evaluate, shift_accuracy
from mnist_tutorial.exercises import check
from mnist_tutorial.models import count_parameters
from mnist_tutorial.visualization import plot_summary

device = select_device()
config = tutorial_config()
trained = {name: load_or_train(name, config, device) for name in ("ConvNet", "FCNet")}

# %%
# The numbers this build reached
# ------------------------------
# Every value below is computed now, on this build's networks: the last epoch's mean training
# loss, the accuracy on the 10,000 test images, and the accuracy on the first 2,000 test
# images moved by 4 pixels (averaged over the four directions, as in section 7).
_, test_loader = mnist_loaders(config.batch_size, device, fast=True)
images, labels = mnist_tensors(train=False, device=device)
images, labels = images[:2000], labels[:2000]  # (2000, 1, 28, 28)
background = BLACK  # a black pixel, normalized
summary = {}
for name, t in trained.items():
    result = evaluate(t.net, test_loader)
    shifted = shift_accuracy(t.net, images, labels, [4], background)[0]
    summary[name] = {"accuracy": result.accuracy, "shifted by 4 px": shifted}
    tested = result.total  # the test images behind the accuracy
    print(
        f"{name}: {count_parameters(t.net):,} parameters, last loss {t.losses[-1]:.3f}, "
        f"test accuracy {result.accuracy:.2f}% ({result.errors} wrong), "
        f"{shifted:.2f}% at 4 px"
    )

# %%
# The same accuracies side by side: on the centered test digits, and on digits moved by 4
# pixels, which neither network saw during training. Each percentage has the decimals that its
# number of test images supports: one image more or less right moves it by 100 / n percent.
counts = {"accuracy": tested, "shifted by 4 px": len(labels)}
for condition, n in counts.items():
    print(f"{condition}: {n:,} images, one image = {100 / n:.2f}%")
fig = plot_summary(summary, images=counts)

# %%
# Where to go next
# ----------------
# * **Make the CNN sturdier.** Train on randomly shifted or rotated copies of the images
#   (*data augmentation*, ``torchvision.transforms.RandomAffine``) and measure the shifted
#   accuracy again.
# * **Train it faster and better.** Add batch normalization after each convolution, dropout
#   before ``fc2``, or try the Adam optimizer with a learning-rate schedule.
# * **A harder data set.** Fashion-MNIST has the same format (28 x 28 gray images, 10
#   classes): ``torchvision.datasets.FashionMNIST`` loads it, and the whole tutorial applies.
# * **Read more.** PyTorch's own tutorials (`Learn the Basics
#   <https://docs.pytorch.org/tutorials/beginner/basics/intro.html>`_) and the CS231n notes
#   on `convolutional networks <https://cs231n.github.io/convolutional-networks/>`_.
#
# Exercises
# ---------
# **Exercise 1: where the parameters are.** What fraction of the ConvNet's trainable
# parameters belong to ``fc1``? ``check("fc1-share", your_answer)``.
#
# .. solution-start::
convnet, fcnet = trained["ConvNet"].net, trained["FCNet"].net
fc1_share = count_parameters(convnet.fc1) / count_parameters(convnet)
print(f"fc1 holds {fc1_share:.1%} of the ConvNet's parameters")
check("fc1-share", fc1_share)

# %%
# .. solution-end::
#
# **Exercise 2: errors, compared.** How many times as many test images does the FCNet
# misclassify as the ConvNet? ``check("error-ratio", your_answer, convnet=convnet,
# fcnet=fcnet)``.
#
# .. solution-start::
errors = {name: evaluate(t.net, test_loader).errors for name, t in trained.items()}
ratio = errors["FCNet"] / errors["ConvNet"]
print(f"FCNet {errors['FCNet']} errors, ConvNet {errors['ConvNet']}: {ratio:.2f} times as many")
check("error-ratio", ratio, convnet=convnet, fcnet=fcnet)

# %%
# .. solution-end::
#
# Thank you for reading. Every number above will change a little if you train with another
# seed: that, too, is worth trying.
