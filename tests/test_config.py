"""Tests of mnist_tutorial.config: the hyperparameters and quick mode."""

from __future__ import annotations

import dataclasses

import pytest

from mnist_tutorial.config import (
    QUICK_ENV,
    QUICK_EPOCHS,
    QUICK_TRAIN_SUBSET,
    TrainConfig,
    quick_mode,
    tutorial_config,
)


def test_defaults_are_the_assignments():
    config = TrainConfig()
    assert (config.epochs, config.batch_size, config.lr, config.momentum, config.seed) == (
        10,
        256,
        0.01,
        0.9,
        0,
    )
    assert config.train_subset is None


def test_config_is_frozen_and_replace_makes_a_copy():
    config = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 0.1  # type: ignore[misc]
    changed = dataclasses.replace(config, lr=0.1)
    assert changed.lr == 0.1
    assert config.lr == 0.01


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("epochs", 0),
        ("epochs", -1),
        ("batch_size", 0),
        ("lr", 0.0),
        ("lr", -0.01),
        ("lr", float("nan")),
        ("train_subset", 0),
    ],
)
def test_invalid_values_raise(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", False), ("false", False), ("No", False), ("1", True), ("yes", True)],
)
def test_quick_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(QUICK_ENV, value)
    assert quick_mode() is expected


def test_quick_mode_is_off_when_unset(monkeypatch):
    monkeypatch.delenv(QUICK_ENV, raising=False)
    assert quick_mode() is False


def test_tutorial_config_is_the_default_outside_quick_mode(monkeypatch, capsys):
    monkeypatch.delenv(QUICK_ENV, raising=False)
    assert tutorial_config() == TrainConfig()
    assert capsys.readouterr().out == ""


def test_tutorial_config_in_quick_mode_warns_and_shrinks(monkeypatch, capsys):
    monkeypatch.setenv(QUICK_ENV, "1")
    config = tutorial_config()
    assert "QUICK MODE" in capsys.readouterr().out
    assert config.epochs == QUICK_EPOCHS < TrainConfig().epochs
    assert config.train_subset == QUICK_TRAIN_SUBSET < 60_000
    # only the amount of training changes, not the recipe
    assert dataclasses.replace(config, epochs=10, train_subset=None) == TrainConfig()
