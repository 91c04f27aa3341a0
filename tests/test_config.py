"""Tests of mnist_tutorial.config: the hyperparameters and quick mode."""

from __future__ import annotations

import dataclasses
import json
import math
from fractions import Fraction

import numpy as np
import pytest

from mnist_tutorial.config import (
    OFFLINE_ENV,
    QUICK_ENV,
    QUICK_EPOCHS,
    QUICK_TRAIN_SUBSET,
    START_DIR,
    TrainConfig,
    env_flag,
    env_path,
    offline_mode,
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
    ("field", "value"),
    [
        ("epochs", True),
        ("epochs", 2.0),
        ("batch_size", 2.5),
        ("batch_size", "256"),
        ("lr", "0.1"),
        ("lr", True),
        ("lr", None),
        ("seed", 1.5),
        ("train_subset", 2.5),
        ("train_subset", True),
        ("momentum", "0.9"),
    ],
)
def test_values_of_the_wrong_type_raise_type_error(field, value):
    with pytest.raises(TypeError, match=rf"^{field}\b.* must be .* got {value!r}"):
        TrainConfig(**{field: value})


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("lr", math.inf, r"\(0, inf\)"),
        ("momentum", -0.1, r"\[0, 1\)"),
        ("momentum", 1.0, r"\[0, 1\)"),
        ("momentum", math.nan, r"\[0, 1\)"),
        ("seed", -1, "from 0 to 4,294,967,295"),
        ("seed", 2**32, "from 0 to 4,294,967,295"),
        ("epochs", -3, "from 1 up"),
    ],
)
def test_values_out_of_range_name_the_allowed_ones(field, value, allowed):
    with pytest.raises(ValueError, match=rf"^{field} must be .*{allowed}"):
        TrainConfig(**{field: value})


def test_edge_values_and_numpy_integers_are_accepted():
    config = TrainConfig(epochs=np.int64(3), momentum=0, lr=1e-6, seed=2**32 - 1, train_subset=1)
    assert config.epochs == 3
    TrainConfig(momentum=0.999)


ON = ["1", "true", "yes", "on", "ON", " Yes ", "True\n"]
OFF = ["", "0", "false", "no", "off", "No", " OFF ", "  "]
INVALID = ["n", "none", "disabled", "0.0", "2", "y", "enable", "truee"]


@pytest.mark.parametrize("value", ON)
def test_env_flag_accepts_the_spellings_of_on(monkeypatch, value):
    monkeypatch.setenv("SOME_SWITCH", value)
    assert env_flag("SOME_SWITCH") is True


@pytest.mark.parametrize("value", OFF)
def test_env_flag_accepts_the_spellings_of_off(monkeypatch, value):
    monkeypatch.setenv("SOME_SWITCH", value)
    assert env_flag("SOME_SWITCH") is False


@pytest.mark.parametrize("value", INVALID)
def test_env_flag_refuses_anything_else_naming_variable_and_allowed_values(monkeypatch, value):
    monkeypatch.setenv("SOME_SWITCH", value)
    with pytest.raises(
        ValueError, match=rf"^SOME_SWITCH={value!r} is not an on/off value"
    ) as error:
        env_flag("SOME_SWITCH")
    for spelling in ("1, true, yes, on", "0, false, no, off", "empty"):
        assert spelling in str(error.value)


@pytest.mark.parametrize(
    ("value", "expected"), [*((v, True) for v in ON), *((v, False) for v in OFF)]
)
def test_quick_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(QUICK_ENV, value)
    assert quick_mode() is expected


@pytest.mark.parametrize("value", INVALID)
def test_quick_mode_refuses_an_unclear_value(monkeypatch, value):
    monkeypatch.setenv(QUICK_ENV, value)
    with pytest.raises(ValueError, match=QUICK_ENV):
        quick_mode()
    with pytest.raises(ValueError, match=QUICK_ENV):
        tutorial_config()


def test_env_path_expands_home_and_anchors_relative_paths_once(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SOME_PATH", "~/folder")
    assert env_path("SOME_PATH") == tmp_path / "folder"
    monkeypatch.setenv("SOME_PATH", "relative/folder")
    monkeypatch.chdir(tmp_path)
    assert env_path("SOME_PATH") == START_DIR / "relative" / "folder"
    monkeypatch.setenv("SOME_PATH", "  ")
    assert env_path("SOME_PATH") is None


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


@pytest.mark.parametrize(
    ("field", "value", "plain"),
    [
        ("epochs", np.int64(1), int),
        ("batch_size", np.int32(64), int),
        ("seed", np.uint32(7), int),
        ("train_subset", np.int64(2048), int),
        ("lr", np.float64(0.05), float),
        ("lr", np.float32(0.5), float),
        ("lr", 1, float),
        ("momentum", Fraction(9, 10), float),
        ("momentum", np.float16(0.5), float),
    ],
)
def test_numbers_are_stored_as_plain_python_numbers(field, value, plain):
    # np.arange sweeps give numpy scalars: accepted, then the cache's JSON failed on int64
    config = TrainConfig(**{field: value})
    assert type(getattr(config, field)) is plain
    assert getattr(config, field) == plain(value)
    assert json.loads(json.dumps(dataclasses.asdict(config)))[field] == plain(value)


def test_a_sweep_from_np_arange_gives_configs_the_cache_can_write():
    for epochs in np.arange(1, 4):
        config = dataclasses.replace(TrainConfig(), epochs=epochs, lr=np.float64(0.1))
        json.dumps(dataclasses.asdict(config))
        assert dataclasses.replace(config) == config


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("on", True), ("false", False), ("0", False), ("", False)]
)
def test_offline_mode_reads_the_environment_with_the_one_switch_reader(
    monkeypatch, value, expected
):
    monkeypatch.setenv(OFFLINE_ENV, value)
    assert offline_mode() is expected


@pytest.mark.parametrize("value", ["\uff4f\uff4e", "offline", "2"])  # fullwidth "on"
def test_offline_mode_refuses_an_unclear_value(monkeypatch, value):
    monkeypatch.setenv(OFFLINE_ENV, value)
    with pytest.raises(ValueError, match=OFFLINE_ENV):
        offline_mode()
