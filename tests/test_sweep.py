"""Tests of mnist_tutorial.sweep: the sweep's recipe, its results, and divergence kept."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from mnist_tutorial import sweep
from mnist_tutorial.cache import TrainedModel
from mnist_tutorial.config import TrainConfig
from mnist_tutorial.models import FCNet
from mnist_tutorial.sweep import (
    CPU_SWEEP_EPOCHS,
    CPU_SWEEP_SUBSET,
    QUICK_SWEEP_EPOCHS,
    QUICK_SWEEP_SUBSET,
    SweepResult,
    sweep_config,
    sweep_learning_rates,
)
from mnist_tutorial.training import DivergenceError

CPU = torch.device("cpu")
CUDA = torch.device("cuda")  # only compared by type: no GPU is needed


def test_meets_needs_a_finished_run_whose_last_loss_is_below_target():
    assert SweepResult([0.5, 0.02], diverged=False).meets(0.03)
    assert not SweepResult([0.02, 0.5], diverged=False).meets(0.03)  # the last epoch counts
    assert not SweepResult([0.5, 0.03], diverged=False).meets(0.03)  # strictly below
    assert not SweepResult([0.5, 0.02], diverged=True).meets(0.03)  # low, but it diverged after
    assert not SweepResult([], diverged=True).meets(0.03)
    assert not SweepResult([], diverged=False).meets(0.03)


def test_sweep_config_on_cuda_keeps_the_full_recipe():
    config = TrainConfig()
    assert sweep_config(config, CUDA)[0] is config
    assert sweep_config(config, "cuda:0")[0] is config  # a string or an indexed device too


def test_sweep_config_on_cpu_reduces_epochs_and_images():
    config = TrainConfig(lr=0.1, batch_size=128)
    reduced, _ = sweep_config(config, CPU)
    assert reduced == dataclasses.replace(
        config, epochs=CPU_SWEEP_EPOCHS, train_subset=CPU_SWEEP_SUBSET
    )


def test_quick_sweep_config_is_smallest_on_any_device():
    config = TrainConfig()
    expected = dataclasses.replace(
        config, epochs=QUICK_SWEEP_EPOCHS, train_subset=QUICK_SWEEP_SUBSET
    )
    assert sweep_config(config, CPU, quick=True)[0] == expected
    assert sweep_config(config, CUDA, quick=True)[0] == expected  # quick wins over CUDA


@pytest.mark.parametrize(("device", "quick"), [(CPU, False), (CPU, True), (CUDA, True)])
def test_sweep_config_never_enlarges_a_smaller_config(device, quick):
    small = TrainConfig(epochs=1, train_subset=100)
    assert sweep_config(small, device, quick=quick)[0] == small


def test_sweep_config_reasons_differ_by_branch():
    config = TrainConfig()
    reasons = {
        sweep_config(config, CUDA)[1],
        sweep_config(config, CPU)[1],
        sweep_config(config, CPU, quick=True)[1],
    }
    assert len(reasons) == 3
    assert all(isinstance(reason, str) and reason for reason in reasons)


@pytest.fixture
def fake_load_or_train(monkeypatch):
    """Instant training: lr 10 diverges after two epochs, every other lr finishes.

    The returned list records every call's (model_name, config, device).
    """
    calls = []

    def load_or_train(model_name, config, device):
        calls.append((model_name, config, device))
        if config.lr == 10.0:
            raise DivergenceError("the loss became nan", losses=[2.5, 9.0])
        losses = [config.lr / epoch for epoch in range(1, config.epochs + 1)]
        return TrainedModel(FCNet(), losses, seconds=1.0, from_cache=False)

    monkeypatch.setattr(sweep, "load_or_train", load_or_train)
    return calls


def test_sweep_results_keyed_by_lr_in_order(fake_load_or_train):
    config = TrainConfig(epochs=3, train_subset=500)
    lrs = [0.1, 10.0, 0.01]
    results = sweep_learning_rates("ConvNet", config, lrs, CPU)
    assert list(results) == lrs
    assert results[0.1] == SweepResult([0.1, 0.1 / 2, 0.1 / 3], diverged=False)
    assert results[0.01] == SweepResult([0.01, 0.01 / 2, 0.01 / 3], diverged=False)
    # the run that diverged keeps the epochs it finished, and the sweep went on after it
    assert results[10.0] == SweepResult([2.5, 9.0], diverged=True)


def test_sweep_changes_only_the_learning_rate(fake_load_or_train):
    config = TrainConfig(epochs=3, batch_size=32, momentum=0.5, seed=7, train_subset=500)
    lrs = (lr for lr in [0.5, 10.0, 0.05])  # any iterable, even a one-shot generator
    sweep_learning_rates("FCNet", config, lrs, CPU)
    assert fake_load_or_train == [
        ("FCNet", dataclasses.replace(config, lr=lr), CPU) for lr in [0.5, 10.0, 0.05]
    ]


def test_sweep_reports_the_divergence(fake_load_or_train, capsys):
    sweep_learning_rates("ConvNet", TrainConfig(), [10.0], CPU)
    assert "lr 10.0: the loss became nan" in capsys.readouterr().out


def test_real_sweep_trains_caches_and_survives_divergence(mnist_root, model_cache):
    # Four batches of 32 images: lr 0.05 learns a little, lr 1e4 overflows within the epoch.
    config = TrainConfig(epochs=1, batch_size=32, train_subset=128)
    results = sweep_learning_rates("FCNet", config, [0.05, 1e4], CPU)
    assert list(results) == [0.05, 1e4]
    finished, diverged = results[0.05], results[1e4]
    assert not finished.diverged
    assert len(finished.losses) == 1
    assert math.isfinite(finished.losses[0])
    assert diverged == SweepResult([], diverged=True)
    # only the finished run is cached: a diverged net is not worth keeping
    assert len(list(model_cache.glob("FCNet-*.pt"))) == 1
