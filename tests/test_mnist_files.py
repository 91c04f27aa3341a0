"""Tests of mnist_tutorial.mnist_files: where the data lives, its checks, the checksum memory."""

from __future__ import annotations

import os

import pytest
import torch

from mnist_tutorial import files, mnist_files
from mnist_tutorial.config import START_DIR
from mnist_tutorial.data import load_mnist
from mnist_tutorial.mnist_files import DATA_ENV, RAW_FILES, SHA256, check_raw_files, data_root

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
    monkeypatch.setattr(mnist_files, "_DIGESTS", {})
    hashed = []
    real_sha256 = files.hashlib.sha256

    def counting_sha256(*args):
        hashed.append(None)
        return real_sha256(*args)

    monkeypatch.setattr(files.hashlib, "sha256", counting_sha256)
    return hashed


def test_each_file_is_hashed_once_then_remembered_on_disk(real_copy, count_hashes, monkeypatch):
    root = real_copy.parents[1]
    check_raw_files(root)
    assert len(count_hashes) == 4
    check_raw_files(root)
    assert len(count_hashes) == 4  # remembered in memory
    monkeypatch.setattr(mnist_files, "_DIGESTS", {})  # as in a new process
    check_raw_files(root)
    assert len(count_hashes) == 4  # remembered on disk
    assert mnist_files.checksum_record().is_file()


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

    monkeypatch.setattr(files.tempfile, "mkstemp", full_disk)
    mnist_files.checksum_record().parent.mkdir(parents=True, exist_ok=True)
    mnist_files.checksum_record().write_text("{not json")  # a damaged record is ignored too
    check_raw_files(real_copy.parents[1])
    assert len(count_hashes) == 4
