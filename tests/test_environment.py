"""Tests of mnist_tutorial.environment: seeding, device choice and CUDA settings."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch

from mnist_tutorial.environment import (
    DETERMINISTIC_ENV,
    configure_cuda,
    deterministic_requested,
    seed_everything,
    select_device,
)


def _draws() -> tuple[float, float, torch.Tensor]:
    return random.random(), np.random.rand(), torch.rand(3)  # noqa: NPY002 - the global one


def test_seed_everything_repeats_every_generator():
    seed_everything(7)
    first = _draws()
    seed_everything(7)
    second = _draws()
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])


def test_different_seeds_give_different_draws():
    seed_everything(1)
    first = _draws()
    seed_everything(2)
    second = _draws()
    assert first[0] != second[0]
    assert first[1] != second[1]
    assert not torch.equal(first[2], second[2])


@pytest.fixture
def restore_backend_flags(monkeypatch):
    """configure_cuda changes process-wide flags; put them back after the test."""
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    saved = (
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
    )
    yield
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = saved[:2]
    torch.use_deterministic_algorithms(saved[2], warn_only=saved[3])


def test_select_device_falls_back_to_the_cpu_and_prints_once(
    monkeypatch, capsys, restore_backend_flags
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    device = select_device()
    assert device == torch.device("cpu")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Using device: cpu")


def test_select_device_is_silent_when_not_verbose(monkeypatch, capsys, restore_backend_flags):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    select_device(verbose=False)
    assert capsys.readouterr().out == ""


def test_select_device_picks_cuda_exactly_when_available(capsys, restore_backend_flags):
    device = select_device()
    assert device.type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert capsys.readouterr().out.startswith(f"Using device: {device.type}")


@pytest.mark.usefixtures("restore_backend_flags")
def test_configure_cuda_deterministic():
    configure_cuda(deterministic=True)
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
    assert torch.are_deterministic_algorithms_enabled()
    assert "CUBLAS_WORKSPACE_CONFIG" in os.environ


@pytest.mark.usefixtures("restore_backend_flags")
def test_configure_cuda_fast():
    configure_cuda(deterministic=True)
    configure_cuda(deterministic=False)
    assert torch.backends.cudnn.deterministic is False
    assert torch.backends.cudnn.benchmark is True
    assert not torch.are_deterministic_algorithms_enabled()


@pytest.mark.usefixtures("restore_backend_flags")
@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("", False), ("0", False), ("On", True), ("off", False)]
)
def test_configure_cuda_reads_the_environment_by_default(monkeypatch, value, expected):
    monkeypatch.setenv(DETERMINISTIC_ENV, value)
    assert deterministic_requested() is expected
    configure_cuda()
    assert torch.backends.cudnn.deterministic is expected
    assert torch.are_deterministic_algorithms_enabled() is expected


@pytest.mark.usefixtures("restore_backend_flags")
@pytest.mark.parametrize("value", ["n", "none", "disabled", "0.0", "of"])
def test_unclear_deterministic_values_are_refused_before_any_setting(monkeypatch, value):
    # These used to turn the mode ON; now they stop with the variable and the allowed values.
    monkeypatch.setenv(DETERMINISTIC_ENV, value)
    before = torch.are_deterministic_algorithms_enabled()
    with pytest.raises(ValueError, match=rf"{DETERMINISTIC_ENV}=.*1, true, yes, on"):
        configure_cuda()
    assert torch.are_deterministic_algorithms_enabled() is before


@pytest.mark.usefixtures("restore_backend_flags")
@pytest.mark.parametrize("value", ["\uff4f\uff4e", "enabled", "2", "onn"])  # fullwidth "on" first
def test_a_bad_deterministic_value_stops_a_cpu_run_too(monkeypatch, capsys, value):
    # It used to pass every CPU run and stop only the GPU one.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(DETERMINISTIC_ENV, value)
    with pytest.raises(ValueError, match=rf"^{DETERMINISTIC_ENV}="):
        select_device()
    assert capsys.readouterr().out == ""  # stopped before choosing a device


@pytest.mark.usefixtures("restore_backend_flags")
def test_a_good_deterministic_value_is_fine_on_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(DETERMINISTIC_ENV, "on")
    assert select_device(verbose=False) == torch.device("cpu")
