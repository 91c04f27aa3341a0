"""Tests of mnist_tutorial.cache: cache keys, hits, misses, bad files and atomic writes."""

from __future__ import annotations

import ast
import dataclasses
import errno
import math
import os
import shutil
import time

import numpy as np
import pytest
import torch

from mnist_tutorial import cache, files
from mnist_tutorial.cache import (
    TrainedModel,
    cache_dir,
    cache_key,
    code_fingerprint,
    load_or_train,
)
from mnist_tutorial.config import START_DIR, TrainConfig
from mnist_tutorial.environment import seed_everything
from mnist_tutorial.models import MODELS, FCNet

CPU = torch.device("cpu")
CONFIG = TrainConfig(epochs=2, train_subset=100)


@pytest.fixture
def fake_training(monkeypatch):
    """Replace the real training with an instant one; the returned list records every call."""
    calls = []

    def train_model(model_name, config, device, model_class=None, trainer_class=None):
        calls.append((model_name, config))
        net = (model_class or MODELS[model_name])().to(device)
        losses = [1.0 / epoch for epoch in range(1, config.epochs + 1)]
        return TrainedModel(net, losses, seconds=12.5, from_cache=False)

    monkeypatch.setattr(cache, "train_model", train_model)
    return calls


def forbid_training(monkeypatch):
    def train_model(*args):
        raise AssertionError("trained although a matching cached model exists")

    monkeypatch.setattr(cache, "train_model", train_model)


def cache_file(model_name="ConvNet", config=CONFIG):
    return cache_dir() / f"{model_name}-{cache_key(model_name, config, CPU)[:20]}.pt"


def assert_same_weights(net_a, net_b):
    state_a, state_b = net_a.state_dict(), net_b.state_dict()
    assert state_a.keys() == state_b.keys()
    for name in state_a:
        assert torch.equal(state_a[name], state_b[name]), name


def test_cache_dir_follows_the_environment(model_cache, monkeypatch, tmp_path):
    assert cache_dir() == model_cache
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "mnist-tutorial" / "models"


def test_miss_trains_and_writes_the_file(fake_training, model_cache, capsys):
    trained = load_or_train("ConvNet", CONFIG, CPU)
    assert trained.from_cache is False
    assert fake_training == [("ConvNet", CONFIG)]
    assert list(model_cache.iterdir()) == [cache_file()]
    assert "Training ConvNet" in capsys.readouterr().out


def test_hit_loads_identical_weights_and_losses_without_training(
    fake_training, monkeypatch, capsys
):
    first = load_or_train("ConvNet", CONFIG, CPU)
    forbid_training(monkeypatch)
    second = load_or_train("ConvNet", CONFIG, "cpu")
    assert second.from_cache is True
    assert second.net is not first.net
    assert isinstance(second.net, MODELS["ConvNet"])
    assert_same_weights(second.net, first.net)
    assert second.losses == first.losses == [1.0, 0.5]
    assert second.seconds == first.seconds
    assert "Loaded the trained ConvNet from the cache" in capsys.readouterr().out


def test_corrupt_file_warns_and_retrains(fake_training, monkeypatch):
    load_or_train("ConvNet", CONFIG, CPU)
    cache_file().write_bytes(b"not a torch file")
    with pytest.warns(RuntimeWarning, match="ignoring the cached model"):
        retrained = load_or_train("ConvNet", CONFIG, CPU)
    assert retrained.from_cache is False
    assert len(fake_training) == 2
    forbid_training(monkeypatch)  # the retrained model replaced the bad file
    assert load_or_train("ConvNet", CONFIG, CPU).from_cache


def test_file_of_another_configuration_is_not_trusted(fake_training):
    other = dataclasses.replace(CONFIG, lr=0.5)
    load_or_train("ConvNet", other, CPU)
    shutil.copy(cache_file(config=other), cache_file())  # same name, wrong content
    with pytest.warns(RuntimeWarning, match="does not match"):
        assert load_or_train("ConvNet", CONFIG, CPU).from_cache is False


@pytest.mark.parametrize(
    "change",
    [{"lr": 0.02}, {"seed": 1}, {"train_subset": 200}, {"epochs": 3}, {"momentum": 0.5}],
    ids=lambda change: next(iter(change)),
)
def test_changed_configuration_gets_its_own_key_and_file(fake_training, change):
    changed = dataclasses.replace(CONFIG, **change)
    assert cache_key("ConvNet", changed, CPU) != cache_key("ConvNet", CONFIG, CPU)
    load_or_train("ConvNet", CONFIG, CPU)
    trained = load_or_train("ConvNet", changed, CPU)
    assert trained.from_cache is False
    assert len(fake_training) == 2
    assert cache_file(config=changed) != cache_file()
    assert cache_file(config=changed).exists()
    assert cache_file().exists()


def test_key_is_stable_and_depends_on_model_and_device():
    key = cache_key("ConvNet", CONFIG, CPU)
    assert key == cache_key("ConvNet", TrainConfig(epochs=2, train_subset=100), torch.device("cpu"))
    assert key != cache_key("FCNet", CONFIG, CPU)
    assert key != cache_key("ConvNet", CONFIG, torch.device("cuda"))


def test_key_changes_when_the_code_changes(monkeypatch):
    before = cache_key("ConvNet", CONFIG, CPU)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "edited package")
    assert cache_key("ConvNet", CONFIG, CPU) != before


@pytest.fixture
def package_copy(monkeypatch, tmp_path):
    """A copy of the package's sources that code_fingerprint reads instead of the real ones."""
    copy = tmp_path / "mnist_tutorial"
    shutil.copytree(cache.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    return copy


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} is no longer in {path.name}: update this test"
    path.write_text(text.replace(old, new, 1))


def test_code_fingerprint_is_a_stable_hash_of_the_sources(package_copy, monkeypatch):
    fingerprint = code_fingerprint()
    assert len(fingerprint) == 64
    assert fingerprint == code_fingerprint()
    elsewhere = package_copy.parent / "elsewhere"
    shutil.copytree(package_copy, elsewhere)
    monkeypatch.setattr(cache, "PACKAGE_DIR", elsewhere)
    assert code_fingerprint() == fingerprint  # the content counts, not the folder


def test_editing_a_plot_or_any_other_module_leaves_the_key_alone(package_copy):
    key = cache_key("ConvNet", CONFIG, CPU)
    others = sorted(
        path for path in package_copy.glob("*.py") if path.stem not in cache.TRAINING_MODULES
    )
    assert "visualization.py" in [path.name for path in others]
    edit(
        package_copy / "visualization.py",
        "def ",
        'def recoloured(ax):\n    ax.set_facecolor("red")\n\n\ndef ',
    )
    assert cache_key("ConvNet", CONFIG, CPU) == key
    for path in others:
        with open(path, "a") as f:
            f.write("\n# a reworded comment\n")
    assert cache_key("ConvNet", CONFIG, CPU) == key


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("models", "nn.Conv2d(1, 32, kernel_size=5", "nn.Conv2d(1, 32, kernel_size=3"),
        ("training", "self.optim.step()", "self.optim.step()\n            self.optim.step()"),
        ("data", "MEAN, STD = 0.5, 0.5", "MEAN, STD = 0.1307, 0.3081"),
    ],
)
def test_editing_a_layer_the_training_loop_or_the_data_changes_the_key(
    package_copy, module, old, new
):
    key = cache_key("ConvNet", CONFIG, CPU)
    edit(package_copy / f"{module}.py", old, new)
    assert cache_key("ConvNet", CONFIG, CPU) != key


def package_imports(module: str) -> set[str]:
    """The package modules that ``module`` imports, anywhere in its source (not run)."""
    tree = ast.parse((cache.PACKAGE_DIR / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "mnist_tutorial":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mnist_tutorial."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("mnist_tutorial.")
            }
    return found


def test_every_module_of_the_training_path_is_in_the_key():
    # Everything cache.py imports, directly or through another package module, can change
    # the trained weights; a module missing from TRAINING_MODULES would keep a stale cache.
    reached, todo = set(), ["cache"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(package_imports(module))
    missing = reached - set(cache.TRAINING_MODULES)
    assert not missing, f"add {sorted(missing)} to cache.TRAINING_MODULES"
    assert set(cache.TRAINING_MODULES) <= {p.stem for p in cache.PACKAGE_DIR.glob("*.py")}


def test_writes_leave_no_temporary_files(fake_training, model_cache):
    load_or_train("ConvNet", CONFIG, CPU)
    load_or_train("FCNet", CONFIG, CPU)
    assert sorted(p.suffix for p in model_cache.iterdir()) == [".pt", ".pt"]


def disk_full_in_save(obj, f):
    f.write(b"half a file")
    raise OSError(errno.ENOSPC, "No space left on device")


def serializer_full(obj, f):
    # What torch's zip writer says when the disk fills up.
    raise RuntimeError("[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed")


def disk_full_in_replace(src, dst):
    raise OSError(errno.ENOSPC, "No space left on device")


def assert_failed_write_warning(record, folder):
    message = str(record[0].message)
    assert len(record) == 1, [str(r.message) for r in record]
    assert "could not save the trained ConvNet" in message
    assert str(folder) in message
    assert cache.CACHE_ENV in message


@pytest.mark.parametrize(
    ("target", "name", "failure"),
    [
        (torch, "save", disk_full_in_save),
        (torch, "save", serializer_full),
        (files.os, "replace", disk_full_in_replace),
    ],
    ids=["full disk in torch.save", "full disk in the serializer", "full disk in os.replace"],
)
def test_failed_write_warns_and_returns_the_trained_net(
    fake_training, model_cache, monkeypatch, target, name, failure
):
    monkeypatch.setattr(target, name, failure)
    with pytest.warns(RuntimeWarning) as record:
        trained = load_or_train("ConvNet", CONFIG, CPU)
    assert_failed_write_warning(record, model_cache)
    assert isinstance(trained.net, MODELS["ConvNet"])
    assert trained.losses == [1.0, 0.5]
    assert trained.from_cache is False
    assert list(model_cache.iterdir()) == []  # neither a .tmp file nor a half .pt file


def test_read_only_cache_folder_warns_and_returns_the_trained_net(
    fake_training, model_cache, monkeypatch
):
    # Simulated: permissions do not stop root, who runs some CI machines.
    def read_only(*args, dir=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(dir))

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    with pytest.warns(RuntimeWarning) as record:
        trained = load_or_train("ConvNet", CONFIG, CPU)
    assert_failed_write_warning(record, model_cache)
    assert "PermissionError" in str(record[0].message)
    assert trained.losses == [1.0, 0.5]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_really_read_only_cache_folder_warns(fake_training, model_cache):
    model_cache.mkdir()
    model_cache.chmod(0o500)
    try:
        with pytest.warns(RuntimeWarning, match="could not save"):
            assert load_or_train("ConvNet", CONFIG, CPU).losses == [1.0, 0.5]
    finally:
        model_cache.chmod(0o700)


def test_a_file_where_the_cache_folder_should_be(fake_training, model_cache):
    model_cache.write_text("not a folder")
    with pytest.warns(RuntimeWarning) as record:
        trained = load_or_train("ConvNet", CONFIG, CPU)
    assert_failed_write_warning(record, model_cache)
    assert trained.from_cache is False
    assert model_cache.read_text() == "not a folder"  # left alone


def test_a_folder_where_the_cache_file_should_be(fake_training, model_cache):
    cache_file().mkdir(parents=True)
    with pytest.warns(RuntimeWarning) as record:  # only the failed write, no failed read
        trained = load_or_train("ConvNet", CONFIG, CPU)
    assert_failed_write_warning(record, model_cache)
    assert trained.losses == [1.0, 0.5]
    assert sorted(p.name for p in model_cache.iterdir()) == [cache_file().name]


def test_stale_temporary_files_are_removed_at_the_next_write(fake_training, model_cache):
    model_cache.mkdir()
    stale = model_cache / "FCNet-0123456789abcdef0123.ptk3j4l5.tmp"
    fresh = model_cache / "FCNet-0123456789abcdef0123.ptm6n7o8.tmp"  # a writer still at work
    other = model_cache / "notes.tmp"  # not one of ours
    for path in (stale, fresh, other):
        path.write_bytes(b"half a file")
    old = time.time() - cache.STALE_TEMP_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    load_or_train("ConvNet", CONFIG, CPU)
    assert not stale.exists()
    assert fresh.exists()
    assert other.exists()


def poison(path, change):
    saved = torch.load(path, weights_only=True)
    change(saved)
    torch.save(saved, path)


def nan_weight(saved):
    saved["state_dict"]["conv1.weight"][0, 0, 0, 0] = math.nan


def inf_bias(saved):
    saved["state_dict"]["fc2.bias"][3] = -math.inf


def inf_loss(saved):
    saved["losses"] = [1.0, math.inf]


def nan_loss(saved):
    saved["losses"] = [math.nan, 0.5]


def one_loss_missing(saved):
    saved["losses"] = [1.0]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (nan_weight, "conv1.weight are not all finite"),
        (inf_bias, "fc2.bias are not all finite"),
        (inf_loss, "losses are not all finite"),
        (nan_loss, "losses are not all finite"),
        (one_loss_missing, "1 epoch losses, expected 2"),
    ],
)
def test_cached_model_that_is_not_finite_is_refused_and_replaced(
    fake_training, monkeypatch, change, reason
):
    load_or_train("ConvNet", CONFIG, CPU)
    poison(cache_file(), change)
    with pytest.warns(RuntimeWarning, match=f"ignoring the cached model.*{reason}"):
        retrained = load_or_train("ConvNet", CONFIG, CPU)
    assert retrained.from_cache is False
    assert len(fake_training) == 2
    forbid_training(monkeypatch)
    assert load_or_train("ConvNet", CONFIG, CPU).from_cache  # the good one replaced it


def test_relative_cache_folder_is_anchored_once(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, "relative-cache")
    first = cache_dir()
    monkeypatch.chdir(tmp_path)
    assert cache_dir() == first == START_DIR / "relative-cache"


def test_cache_folder_expands_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(cache.CACHE_ENV, "~/models")
    assert cache_dir() == tmp_path / "models"


def test_unknown_model_is_rejected(fake_training):
    with pytest.raises(ValueError, match="ConvNet"):
        load_or_train("ResNet", CONFIG, CPU)
    assert fake_training == []


def test_real_training_is_cached_end_to_end(mnist_root, model_cache, monkeypatch):
    # The real recipe (train_model) on the real data, kept tiny: FCNet, 1 epoch, 1,000 images.
    config = TrainConfig(epochs=1, train_subset=1000)
    trained = load_or_train("FCNet", config, CPU)
    assert trained.from_cache is False
    assert len(trained.losses) == 1
    assert math.isfinite(trained.losses[0])
    seed_everything(config.seed)
    assert not torch.equal(trained.net.fc1.weight, FCNet().fc1.weight)  # it did train
    forbid_training(monkeypatch)
    loaded = load_or_train("FCNet", config, CPU)
    assert loaded.from_cache is True
    assert_same_weights(loaded.net, trained.net)
    assert loaded.losses == trained.losses


def test_a_config_of_numpy_numbers_has_the_key_of_its_plain_twin():
    # "int64 is not JSON serializable" used to stop the cache for an np.arange sweep
    numpy_config = TrainConfig(epochs=np.int64(2), lr=np.float64(0.05), seed=np.int64(3))
    plain_config = TrainConfig(epochs=2, lr=0.05, seed=3)
    cpu = torch.device("cpu")
    assert cache_key("FCNet", numpy_config, cpu) == cache_key("FCNet", plain_config, cpu)


def _section_class(section: str, name: str, edit: tuple[str, str] | None = None) -> type:
    """The class a section's cell defines, as a reader's notebook would define it (optionally
    with one edit), not imported from the package."""
    from test_taught_code import cell_of

    cell = cell_of(section, name)
    if edit is not None:
        assert edit[0] in cell
        cell = cell.replace(*edit)
    namespace: dict = {"torch": torch}  # a notebook where only torch was imported before
    exec(compile(cell, "<notebook cell>", "exec"), namespace)
    return namespace[name]


def test_a_sections_own_copy_of_the_trainer_shares_the_packages_cache_entry(
    fake_training, monkeypatch
):
    # Section 3 trains with its own Trainer; the later sections use the package's: one training.
    load_or_train("ConvNet", CONFIG, CPU)
    forbid_training(monkeypatch)
    own = _section_class("plot_03_train.py", "Trainer")
    assert own is not cache.Trainer
    assert load_or_train("ConvNet", CONFIG, CPU, trainer_class=own).from_cache


def test_an_edited_trainer_trains_anew_and_keeps_its_own_entry(fake_training):
    load_or_train("ConvNet", CONFIG, CPU)
    edited = _section_class(
        "plot_03_train.py",
        "Trainer",
        ("loss = self.loss_function(", "loss = 0 * self.loss_function("),
    )
    assert load_or_train("ConvNet", CONFIG, CPU, trainer_class=edited).from_cache is False
    assert load_or_train("ConvNet", CONFIG, CPU, trainer_class=edited).from_cache is True
    assert load_or_train("ConvNet", CONFIG, CPU).from_cache is True  # the original is kept
    assert len(fake_training) == 2


def test_an_edited_network_class_trains_anew(fake_training):
    load_or_train(
        "FCNet",
        CONFIG,
        CPU,
        model_class=_section_class("plot_07_compare_fully_connected.py", "FCNet"),
    )
    assert len(fake_training) == 1
    wider = _section_class(
        "plot_07_compare_fully_connected.py",
        "FCNet",
        ("nn.Linear(1000, 500)", "nn.Linear(1000, 501)"),
    )
    with pytest.raises(RuntimeError):  # the edit breaks fc4's input size: it really ran
        load_or_train("FCNet", CONFIG, CPU, model_class=wider).net(torch.zeros(1, 1, 28, 28))
    assert len(fake_training) == 2


def test_class_fingerprint_ignores_where_a_class_is_written_but_not_what_it_does():
    fingerprint = cache.class_fingerprint
    same = _section_class("plot_02_build_cnn.py", "ConvNet")
    assert fingerprint(same) == fingerprint(MODELS["ConvNet"])
    # The cell uses torch without importing it: Python 3.11 compiles its torch.stack(...) to
    # other instructions than the package's, where torch is imported in the same file.
    assert fingerprint(_section_class("plot_03_train.py", "Trainer")) == fingerprint(cache.Trainer)
    edited = _section_class("plot_02_build_cnn.py", "ConvNet", ("padding=2)", "padding=1)"))
    assert fingerprint(edited) != fingerprint(MODELS["ConvNet"])


@pytest.mark.parametrize("model_class", [FCNet(), "FCNet", int])
def test_model_class_must_be_a_module_class(model_class):
    with pytest.raises(TypeError, match="model_class"):
        load_or_train("FCNet", CONFIG, CPU, model_class=model_class)


def test_a_readers_trainer_that_yields_nan_raises_divergence_error(mnist_root, model_cache):
    from mnist_tutorial.training import DivergenceError

    broken = _section_class(
        "plot_03_train.py",
        "Trainer",
        ("return loss.detach()", "return loss.detach() * float('nan')"),
    )
    config = TrainConfig(epochs=1, train_subset=256)
    with pytest.raises(DivergenceError, match="must not be used"):
        load_or_train("FCNet", config, CPU, trainer_class=broken)
    assert not model_cache.exists() or not list(model_cache.iterdir())  # nothing cached
