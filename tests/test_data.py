"""Tests of mnist_tutorial.data: where the data lives, its checks, normalization and loaders."""

from __future__ import annotations

import math
import os
from collections import Counter

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms

from mnist_tutorial import data
from mnist_tutorial.config import START_DIR
from mnist_tutorial.data import (
    BLACK,
    DATA_ENV,
    RAW_FILES,
    SHA256,
    TensorLoader,
    check_raw_files,
    data_root,
    denormalize,
    load_mnist,
    mnist_loaders,
    mnist_tensors,
    normalize,
    user_cache_dir,
)

# The canonical MNIST files: name -> (magic number, size in bytes), from the data set's README.
MNIST_FILES = {
    "train-images-idx3-ubyte": (2051, 47_040_016),
    "train-labels-idx1-ubyte": (2049, 60_008),
    "t10k-images-idx3-ubyte": (2051, 7_840_016),
    "t10k-labels-idx1-ubyte": (2049, 10_008),
}


def make_fake_raw_files(root):
    """MNIST's four files with the right headers and sizes, zeros elsewhere (sparse).

    They pass every check but the checksum, so each test can break one thing at a time.
    """
    folder = root / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for name, (magic, size) in MNIST_FILES.items():
        count = RAW_FILES[name][3]
        dimensions = [count, 28, 28] if magic == 2051 else [count]
        with open(folder / name, "wb") as f:
            for field in [magic, *dimensions]:
                f.write(field.to_bytes(4, "big"))
            f.truncate(size)
    return folder


def write_at(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


@pytest.fixture
def no_download(monkeypatch):
    """Make torchvision's download fail as it does offline, and record that it was tried."""
    calls = []

    def offline(self):
        calls.append(self.root)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: network unreachable")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    return calls


# --- where the data lives -------------------------------------------------------------------


def test_data_root_argument_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "from-env"))
    assert data_root(tmp_path / "from-arg") == tmp_path / "from-arg"


def test_data_root_environment_wins_over_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "from-env"))
    assert data_root() == tmp_path / "from-env"


def test_data_root_relative_environment_is_anchored_where_the_package_was_imported(
    tmp_path, monkeypatch
):
    # sphinx-gallery runs each example from its own folder: the data must not follow it.
    monkeypatch.setenv(DATA_ENV, "relative")
    first = data_root()
    monkeypatch.chdir(tmp_path)
    assert data_root() == first == START_DIR / "relative"
    assert first.is_absolute()


def test_data_root_relative_argument_is_relative_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert data_root("relative") == tmp_path / "relative"


@pytest.mark.parametrize("use_env", [True, False], ids=["environment", "argument"])
def test_data_root_expands_the_home_folder(tmp_path, monkeypatch, use_env):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(DATA_ENV, "~/mnist")
    assert data_root(None if use_env else "~/mnist") == tmp_path / "mnist"


@pytest.mark.parametrize(
    ("xdg", "expected"),
    [("~/xdg", "home/xdg"), ("relative/xdg", "home/.cache"), ("", "home/.cache")],
)
def test_user_cache_dir_expands_home_and_ignores_a_relative_xdg(
    tmp_path, monkeypatch, xdg, expected
):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert user_cache_dir() == tmp_path / expected / "mnist-tutorial"


@pytest.mark.parametrize("env_value", [None, ""])
def test_data_root_defaults_to_the_cache_never_the_working_directory(
    tmp_path, monkeypatch, env_value
):
    if env_value is None:
        monkeypatch.delenv(DATA_ENV, raising=False)
    else:
        monkeypatch.setenv(DATA_ENV, env_value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    root = data_root()
    assert root == tmp_path / "xdg" / "mnist-tutorial" / "data"
    assert not root.is_relative_to(tmp_path / "cwd")


def test_data_root_without_xdg_uses_home_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_root() == tmp_path / ".cache" / "mnist-tutorial" / "data"


# --- checking the raw files -----------------------------------------------------------------


def test_raw_file_table_matches_mnist():
    for name, (magic, item_bytes, header, count) in RAW_FILES.items():
        assert (magic, header + item_bytes * count) == MNIST_FILES[name]
    assert set(RAW_FILES) == set(MNIST_FILES)


def test_checksums_are_the_canonical_ones_of_the_data_folder(mnist_root):
    # The data folder's SHA256SUMS is the published list; the code keeps its own copy.
    listed = (mnist_root / "MNIST" / "SHA256SUMS").read_text().split()
    assert dict(zip(listed[1::2], listed[::2], strict=True)) == SHA256


def test_real_files_pass(mnist_root):
    check_raw_files(mnist_root)  # raises if anything is wrong


def test_well_formed_files_of_other_content_fail_the_checksum(tmp_path):
    folder = make_fake_raw_files(tmp_path)
    with pytest.raises(ValueError, match="SHA-256") as error:
        check_raw_files(tmp_path)
    message = str(error.value)
    assert str(folder / "train-images-idx3-ubyte") in message
    assert SHA256["train-images-idx3-ubyte"] in message  # what was expected
    assert "Replace it with the original file" in message  # how to fix it


def test_missing_files_without_download_name_files_folder_and_variable(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load_mnist(True, root=tmp_path, download=False)
    message = str(error.value)
    for name in MNIST_FILES:
        assert name in message
    assert str(tmp_path / "MNIST" / "raw") in message
    assert DATA_ENV in message


def test_one_missing_file_is_named(tmp_path):
    folder = make_fake_raw_files(tmp_path)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte"):
        check_raw_files(tmp_path)


def test_failed_download_becomes_file_not_found(tmp_path, no_download):
    with pytest.raises(FileNotFoundError) as error:
        load_mnist(True, root=tmp_path, download=True)
    assert no_download, "load_mnist should have tried to download the missing files"
    message = str(error.value)
    assert DATA_ENV in message
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "network unreachable" in message  # the original cause is kept


@pytest.mark.parametrize("name", list(MNIST_FILES))
def test_truncated_file_names_file_and_expected_size(tmp_path, name):
    folder = make_fake_raw_files(tmp_path)
    size = MNIST_FILES[name][1]
    os.truncate(folder / name, size - 1)
    with pytest.raises(ValueError, match=name) as error:
        check_raw_files(tmp_path)
    assert f"{size:,}" in str(error.value)


def test_load_mnist_rejects_a_truncated_file_without_downloading(tmp_path, no_download):
    folder = make_fake_raw_files(tmp_path)
    os.truncate(folder / "train-images-idx3-ubyte", 1000)
    with pytest.raises(ValueError, match="train-images-idx3-ubyte"):
        load_mnist(True, root=tmp_path, download=True)
    assert not no_download


def test_wrong_magic_number_is_reported(tmp_path):
    folder = make_fake_raw_files(tmp_path)
    with open(folder / "train-images-idx3-ubyte", "r+b") as f:
        f.write((2049).to_bytes(4, "big"))  # a labels file's magic number
    with pytest.raises(ValueError, match="magic") as error:
        check_raw_files(tmp_path)
    assert "train-images-idx3-ubyte" in str(error.value)
    assert "2051" in str(error.value)


@pytest.mark.parametrize(
    ("name", "offset", "value", "found", "expected"),
    [
        ("train-images-idx3-ubyte", 4, 59_999, "says 59,999 images", "expected 60,000"),
        ("t10k-labels-idx1-ubyte", 4, 10_001, "says 10,001 labels", "expected 10,000"),
        ("t10k-images-idx3-ubyte", 8, 27, "images of 27 x 28 pixels", "expected 28 x 28"),
        ("train-images-idx3-ubyte", 12, 29, "images of 28 x 29 pixels", "expected 28 x 28"),
    ],
    ids=["image count", "label count", "rows", "columns"],
)
def test_header_fields_that_disagree_are_reported(tmp_path, name, offset, value, found, expected):
    # The file keeps its size and magic number: only the header field is wrong.
    folder = make_fake_raw_files(tmp_path)
    write_at(folder / name, offset, value.to_bytes(4, "big"))
    with pytest.raises(ValueError, match="its header says") as error:
        check_raw_files(tmp_path)
    message = str(error.value)
    assert str(folder / name) in message
    assert found in message
    assert expected in message
    assert "Replace it with the original file" in message


@pytest.mark.parametrize("size", [0, 3, 12])
def test_file_too_short_for_its_header_is_reported(tmp_path, size):
    folder = make_fake_raw_files(tmp_path)
    os.truncate(folder / "t10k-images-idx3-ubyte", size)
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte") as error:
        check_raw_files(tmp_path)
    assert "2051" in str(error.value) or "too short" in str(error.value)


@pytest.mark.parametrize(
    ("name", "item", "label"),
    [("train-labels-idx1-ubyte", 5, 10), ("t10k-labels-idx1-ubyte", 9_999, 255)],
)
def test_labels_outside_0_to_9_are_reported_with_the_first_item(tmp_path, name, item, label):
    total = RAW_FILES[name][3]
    folder = make_fake_raw_files(tmp_path)
    write_at(folder / name, 8 + item, bytes([label]))
    with pytest.raises(
        ValueError, match=rf"label {label} at item {item:,} \(1 of {total:,} outside 0-9\)"
    ) as error:
        check_raw_files(tmp_path)
    assert str(folder / name) in str(error.value)
    assert "0-9" in str(error.value)


@pytest.fixture
def real_copy(mnist_root, tmp_path):
    """A data folder whose t10k-images is a writable copy; the other three link to the real ones."""
    folder = tmp_path / "copy" / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for name in RAW_FILES:
        source = mnist_root / "MNIST" / "raw" / name
        if name == "t10k-images-idx3-ubyte":
            (folder / name).write_bytes(source.read_bytes())
        else:
            (folder / name).symlink_to(source)
    return folder


def test_pixels_replaced_by_noise_fail_the_checksum(real_copy):
    path = real_copy / "t10k-images-idx3-ubyte"
    noise = torch.randint(0, 256, (28 * 28,), dtype=torch.uint8).numpy().tobytes()
    write_at(path, 16 + 28 * 28 * 1234, noise)  # one image; headers, size and labels still fine
    with pytest.raises(ValueError, match="SHA-256") as error:
        check_raw_files(real_copy.parents[1])
    assert str(path) in str(error.value)
    assert SHA256["t10k-images-idx3-ubyte"] in str(error.value)


@pytest.fixture
def count_hashes(monkeypatch):
    """Forget the remembered digests; the returned list grows by one per file actually hashed."""
    monkeypatch.setattr(data, "_DIGESTS", {})
    hashed = []
    real_sha256 = data.hashlib.sha256

    def counting_sha256(*args):
        hashed.append(None)
        return real_sha256(*args)

    monkeypatch.setattr(data.hashlib, "sha256", counting_sha256)
    return hashed


def test_each_file_is_hashed_once_then_remembered_on_disk(real_copy, count_hashes, monkeypatch):
    root = real_copy.parents[1]
    check_raw_files(root)
    assert len(count_hashes) == 4
    check_raw_files(root)
    assert len(count_hashes) == 4  # remembered in memory
    monkeypatch.setattr(data, "_DIGESTS", {})  # as in a new process
    check_raw_files(root)
    assert len(count_hashes) == 4  # remembered on disk
    assert data.checksum_record().is_file()


def test_a_changed_file_is_hashed_again_even_with_the_same_size(real_copy, count_hashes):
    root = real_copy.parents[1]
    check_raw_files(root)
    path = real_copy / "t10k-images-idx3-ubyte"
    write_at(path, 16, b"\xff")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    with pytest.raises(ValueError, match="SHA-256"):
        check_raw_files(root)
    assert len(count_hashes) == 5


def test_an_unwritable_checksum_record_only_costs_speed(real_copy, count_hashes, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data.tempfile, "mkstemp", full_disk)
    data.checksum_record().parent.mkdir(parents=True, exist_ok=True)
    data.checksum_record().write_text("{not json")  # a damaged record is ignored too
    check_raw_files(real_copy.parents[1])
    assert len(count_hashes) == 4


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
