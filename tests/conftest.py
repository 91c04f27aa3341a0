"""Shared fixtures: seeding, a private model cache, figures never shown, and the real MNIST."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

# Tests never open a window; select the backend before pyplot is imported anywhere.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
import torchvision
from matplotlib.figure import Figure

from mnist_tutorial.cache import CACHE_ENV
from mnist_tutorial.data import load_mnist, mnist_tensors
from mnist_tutorial.environment import seed_everything
from mnist_tutorial.mnist_files import DATA_ENV, check_raw_files


@pytest.fixture(scope="session", autouse=True)
def _private_user_cache(tmp_path_factory: pytest.TempPathFactory):
    """The per-user cache (the data checksums' record) in a temporary folder, never ~/.cache.

    Session-scoped and autouse, so it is in place before the session's data fixtures run.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Every test starts from the same random state."""
    seed_everything(0)


@pytest.fixture(autouse=True)
def model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh model cache folder per test, so no test reads or writes the user's cache."""
    folder = tmp_path / "model-cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch: pytest.MonkeyPatch):
    """A library plot function returns its figure and never shows it; each test's are closed."""

    def show(*args, **kwargs):
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", show)
    monkeypatch.setattr(Figure, "show", show)
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    """The folder holding MNIST/raw, from MNIST_TUTORIAL_DATA.

    Unset: the tests that need the real data are skipped. Set but unusable: they fail, because
    a configured data set that silently disappears must not turn into a green run.
    """
    value = os.environ.get(DATA_ENV)
    if not value:
        pytest.skip(f"{DATA_ENV} is not set; point it at a folder holding MNIST/raw/ to run this")
    root = Path(value).absolute()
    try:
        check_raw_files(root)
    except (FileNotFoundError, ValueError) as error:
        pytest.fail(f"{DATA_ENV}={value} is set but its MNIST files are unusable: {error}")
    return root


# The real tensors are loaded once per session (about a second per split); tests must not
# modify them in place.
@pytest.fixture(scope="session")
def mnist_train(mnist_root: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The 60,000 training images (N, 1, 28, 28), normalized, and their labels (N,), CPU."""
    return mnist_tensors(True, "cpu", root=mnist_root)


@pytest.fixture(scope="session")
def mnist_test(mnist_root: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The 10,000 test images (N, 1, 28, 28), normalized, and their labels (N,), CPU."""
    return mnist_tensors(False, "cpu", root=mnist_root)


@pytest.fixture(scope="session")
def mnist_test_dataset(mnist_root: Path):
    """The torchvision test dataset with the reference transforms (ToTensor, Normalize)."""
    return load_mnist(False, root=mnist_root, download=False)


@pytest.fixture
def no_download(monkeypatch):
    """Make torchvision's download fail as it does offline, and record that it was tried."""
    calls = []

    def offline(self):
        calls.append(self.root)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz: network unreachable")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    return calls
