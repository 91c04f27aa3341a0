"""Tests of mnist_tutorial.data: normalization and the loaders (file checks: test_mnist_files)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms

from mnist_tutorial.data import (
    BLACK,
    TensorLoader,
    denormalize,
    load_mnist,
    mnist_loaders,
    mnist_tensors,
    normalize,
)

# --- normalization --------------------------------------------------------------------------


def test_normalize_is_bit_identical_to_torchvision_transforms():
    pixels = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    pixels[0].view(-1)[:256] = torch.arange(256, dtype=torch.uint8)  # every gray level
    reference = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    expected = torch.stack([reference(Image.fromarray(p.numpy())) for p in pixels])
    result = normalize(pixels)
    assert result.shape == (3, 1, 28, 28)
    assert result.dtype == torch.float32
    assert torch.equal(result, expected)
    assert result.min() == -1
    assert result.max() == 1


def test_black_is_a_normalized_black_pixel():
    black = normalize(torch.zeros(1, 28, 28, dtype=torch.uint8))
    assert torch.equal(black, torch.full_like(black, BLACK))
    assert BLACK == -1.0  # with the reference MEAN = STD = 0.5
    assert denormalize(torch.tensor(BLACK)) == 0


def test_denormalize_undoes_normalize():
    pixels = torch.randint(0, 256, (2, 28, 28), dtype=torch.uint8)
    restored = denormalize(normalize(pixels))  # (2, 1, 28, 28) in [0, 1]
    torch.testing.assert_close(restored.squeeze(1), pixels.float() / 255)


def test_normalize_matches_the_real_dataset(mnist_test_dataset):
    expected = torch.stack([mnist_test_dataset[i][0] for i in range(64)])
    assert torch.equal(normalize(mnist_test_dataset.data[:64]), expected)


# --- TensorLoader on tiny synthetic tensors -------------------------------------------------


def numbered(n):
    """n 'images' whose single pixel is their own index, labelled with that index too."""
    return torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1), torch.arange(n)


def epoch_of(loader):
    batches = list(loader)
    for images, labels in batches:
        # images and labels travel together through the shuffle
        assert torch.equal(images.flatten().long(), labels)
    return torch.cat([labels for _, labels in batches])


def test_tensor_loader_keeps_order_and_last_partial_batch():
    loader = TensorLoader(*numbered(10), batch_size=4)
    assert len(loader) == 3
    assert [len(labels) for _, labels in loader] == [4, 4, 2]
    assert torch.equal(epoch_of(loader), torch.arange(10))


def test_tensor_loader_shuffles_differently_each_epoch():
    loader = TensorLoader(*numbered(100), batch_size=32, shuffle=True, seed=0)
    first, second = epoch_of(loader), epoch_of(loader)
    assert torch.equal(first.sort().values, torch.arange(100))
    assert torch.equal(second.sort().values, torch.arange(100))
    assert not torch.equal(first, second)
    assert not torch.equal(first, torch.arange(100))


def test_tensor_loader_order_depends_only_on_the_seed():
    def two_epochs(seed):
        loader = TensorLoader(*numbered(100), batch_size=32, shuffle=True, seed=seed)
        return torch.cat([epoch_of(loader), epoch_of(loader)])

    torch.manual_seed(123)  # the global generator must not matter
    assert torch.equal(two_epochs(0), two_epochs(0))
    assert not torch.equal(two_epochs(0), two_epochs(1))


def test_tensor_loader_rejects_bad_arguments():
    with pytest.raises(ValueError, match="labels"):
        TensorLoader(torch.zeros(3, 1, 28, 28), torch.zeros(2), batch_size=1)
    with pytest.raises(ValueError, match="batch_size"):
        TensorLoader(*numbered(3), batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        mnist_loaders(batch_size=0)


@pytest.mark.parametrize("fast", [True, False], ids=["TensorLoader", "DataLoader"])
@pytest.mark.parametrize(
    ("argument", "value", "error"),
    [
        ("subset", -5, ValueError),
        ("subset", 0, ValueError),
        ("subset", 60_001, ValueError),
        ("subset", 2.5, TypeError),
        ("subset", True, TypeError),
        ("batch_size", 0, ValueError),
        ("batch_size", 2.5, TypeError),
        ("batch_size", True, TypeError),
        ("batch_size", "256", TypeError),
        ("seed", -1, ValueError),
        ("seed", 1.5, TypeError),
    ],
)
def test_loaders_refuse_bad_arguments_before_reading_data(
    tmp_path, no_download, fast, argument, value, error
):
    with pytest.raises(error, match=rf"^{argument}\b.* must be an int from [01]") as raised:
        mnist_loaders(root=tmp_path, fast=fast, **{argument: value})
    assert repr(value) in str(raised.value)
    assert not no_download  # refused before looking for the data


@pytest.mark.parametrize("value", ["no", 0, None])
def test_loaders_refuse_a_fast_flag_that_is_not_a_bool(tmp_path, no_download, value):
    with pytest.raises(TypeError, match="fast must be True or False"):
        mnist_loaders(root=tmp_path, fast=value)


def test_load_mnist_refuses_a_train_flag_that_is_not_a_bool(tmp_path, no_download):
    with pytest.raises(TypeError, match="train must be True or False"):
        load_mnist("False", root=tmp_path)
    assert not no_download


def test_tensor_subset_is_checked_against_the_split(tmp_path, no_download):
    with pytest.raises(ValueError, match="from 1 to 10,000"):
        mnist_tensors(False, root=tmp_path, subset=10_001)


def test_tensor_loader_refuses_arrays_that_are_not_tensors():
    with pytest.raises(TypeError, match=r"images must be a torch\.Tensor"):
        TensorLoader(np.zeros((3, 1, 28, 28)), torch.zeros(3), batch_size=1)


# --- the real MNIST: the fast path against torchvision's DataLoader ------------------------

FULL_SIZES = [256] * 234 + [96]  # 60,000 = 234 x 256 + 96
SUBSET = 1000


@pytest.fixture(scope="module")
def fast_loaders(mnist_root):
    return mnist_loaders(256, "cpu", fast=True, root=mnist_root)


@pytest.fixture(scope="module")
def reference_loaders(mnist_root):
    return mnist_loaders(256, fast=False, root=mnist_root)


def multiset(images, labels):
    """(label, exact image bytes) -> count: equal only for the same images with the same labels."""
    rows = [row.tobytes() for row in images.flatten(1).numpy()]
    return Counter(zip(labels.tolist(), rows, strict=True))


def test_test_loaders_give_identical_batches(fast_loaders, reference_loaders):
    fast, reference = fast_loaders[1], reference_loaders[1]
    assert isinstance(fast, TensorLoader)
    assert isinstance(reference, DataLoader)
    assert len(fast) == len(reference) == 40
    count = 0
    for (images, labels), (ref_images, ref_labels) in zip(fast, reference, strict=True):
        assert torch.equal(images, ref_images)
        assert torch.equal(labels, ref_labels)
        count += 1
    assert count == 40


def test_full_training_loaders_have_235_batches_last_partial(fast_loaders, reference_loaders):
    fast, reference = fast_loaders[0], reference_loaders[0]
    assert len(fast) == len(reference) == 235 == math.ceil(60_000 / 256)
    # the DataLoader's batches of indices, without loading 60,000 images through PIL
    indices = list(reference.batch_sampler)
    assert [len(batch) for batch in indices] == FULL_SIZES
    assert sorted(i for batch in indices for i in batch) == list(range(60_000))
    assert [len(labels) for _, labels in fast] == FULL_SIZES


def test_fast_training_epoch_is_a_shuffle_of_the_training_set(fast_loaders, mnist_train):
    batches = list(fast_loaders[0])
    images = torch.cat([b[0] for b in batches])  # (60000, 1, 28, 28)
    labels = torch.cat([b[1] for b in batches])  # (60000,)
    assert not torch.equal(labels, mnist_train[1])
    assert multiset(images, labels) == multiset(*mnist_train)


@pytest.mark.parametrize("fast", [True, False], ids=["TensorLoader", "DataLoader"])
def test_training_subset_epochs_reshuffle_reproducibly(mnist_root, mnist_train, fast):
    def loader():
        train, _ = mnist_loaders(256, "cpu", fast=fast, root=mnist_root, subset=SUBSET, seed=0)
        return train

    first_loader, again = loader(), loader()
    epoch1, epoch2 = list(first_loader), list(first_loader)
    assert [len(labels) for _, labels in epoch1] == [256, 256, 256, 232]
    images1, labels1 = torch.cat([b[0] for b in epoch1]), torch.cat([b[1] for b in epoch1])
    images2, labels2 = torch.cat([b[0] for b in epoch2]), torch.cat([b[1] for b in epoch2])
    # every epoch holds exactly the first SUBSET training images, the same on both paths
    expected = multiset(mnist_train[0][:SUBSET], mnist_train[1][:SUBSET])
    assert multiset(images1, labels1) == expected
    assert multiset(images2, labels2) == expected
    assert not torch.equal(labels1, labels2)  # a new order each epoch
    replay = list(again)  # the same seed gives the same first epoch
    assert all(
        torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
        for a, b in zip(epoch1, replay, strict=True)
    )


def test_real_labels_cover_every_digit(mnist_train, mnist_test):
    assert mnist_train[0].shape == (60_000, 1, 28, 28)
    assert mnist_test[0].shape == (10_000, 1, 28, 28)
    assert np.array_equal(mnist_train[1].unique().numpy(), np.arange(10))
    assert mnist_train[0].min() == -1
    assert mnist_train[0].max() == 1
