"""Tests of mnist_tutorial.throughput: images counted, warm-up excluded, repeats interleaved."""

from __future__ import annotations

import types

import pytest
import torch

from mnist_tutorial import throughput
from mnist_tutorial.data import TensorLoader
from mnist_tutorial.throughput import (
    Throughput,
    compare_throughput,
    images_per_second,
    synchronize,
)


class FakeClock:
    """Stands in for the time module: time passes only when a fake loader says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(throughput, "time", types.SimpleNamespace(perf_counter=fake.perf_counter))
    return fake


class TimedLoader:
    """Batches of the given sizes; starting an epoch costs ``start_cost`` seconds of the fake
    clock (the shuffle) and each batch ``batch_cost`` seconds. Re-iterable like a DataLoader."""

    def __init__(self, clock, sizes, start_cost=0.0, batch_cost=1.0) -> None:
        self.clock, self.sizes = clock, sizes
        self.start_cost, self.batch_cost = start_cost, batch_cost
        self.epochs_started = 0

    def __iter__(self):
        self.epochs_started += 1
        self.clock.now += self.start_cost
        for size in self.sizes:
            self.clock.now += self.batch_cost
            yield torch.zeros(size, 1, 28, 28), torch.zeros(size, dtype=torch.long)


def test_images_per_second_counts_every_image_of_a_whole_epoch(clock):
    loader = TimedLoader(clock, [64, 64, 64, 10])  # a partial last batch
    rate = images_per_second(loader, batches=None, warmup=0)
    assert rate == 202 / 4  # 202 images in 4 fake seconds


def test_warmup_batches_are_not_timed(clock):
    # The warm-up pass costs 1 + 2 seconds; a fresh timed pass then costs 1 + 3.
    loader = TimedLoader(clock, [10, 20, 30], start_cost=1.0)
    rate = images_per_second(loader, batches=None, warmup=2)
    assert loader.epochs_started == 2  # warm-up, then a fresh pass from the first batch
    assert rate == 60 / 4  # the epoch's start (the shuffle) is timed, the warm-up is not


def test_only_the_requested_number_of_batches_is_timed(clock):
    loader = TimedLoader(clock, [8, 16, 32, 64], batch_cost=0.5)
    assert images_per_second(loader, batches=2, warmup=1) == 24 / 1.0


def test_images_per_second_on_a_real_loader_is_positive():
    loader = TensorLoader(torch.zeros(100, 1, 28, 28), torch.zeros(100), batch_size=32)
    assert images_per_second(loader, batches=None, warmup=1) > 0


def test_synchronize_waits_for_cuda_only(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", calls.append)
    synchronize(torch.device("cpu"))
    assert calls == []
    synchronize(torch.device("cuda", 1))
    assert calls == [torch.device("cuda", 1)]


def test_throughput_median_of_odd_and_even_samples():
    assert Throughput([3.0, 1.0, 100.0]).median == 3.0
    assert Throughput([4.0, 1.0, 2.0, 100.0]).median == 3.0


@pytest.fixture
def recorded_measurements(monkeypatch):
    """Replace images_per_second: each call appends (loader, arguments) and returns 1, 2, 3..."""
    calls = []

    def fake(loader, batches, warmup, device):
        calls.append((loader, batches, warmup, device))
        return float(len(calls))

    monkeypatch.setattr(throughput, "images_per_second", fake)
    return calls


def test_compare_throughput_interleaves_the_loaders(recorded_measurements):
    results = compare_throughput({"A": "loader a", "B": "loader b"}, repeats=4)
    order = [loader[-1].upper() for loader, *_ in recorded_measurements]
    assert "".join(order) == "ABBAABBA"
    assert list(results) == ["A", "B"]
    # call n returned n: A ran 1st, 4th, 5th, 8th; B ran 2nd, 3rd, 6th, 7th
    assert results["A"].samples == [1.0, 4.0, 5.0, 8.0]
    assert results["B"].samples == [2.0, 3.0, 6.0, 7.0]
    assert results["A"].median == 4.5
    assert results["B"].median == 4.5


def test_compare_throughput_passes_its_settings_to_every_measurement(recorded_measurements):
    loaders = {"one": "first", "two": "second", "three": "third"}
    compare_throughput(loaders, repeats=3, batches=None, warmup=5, device="cuda")
    assert len(recorded_measurements) == 9
    assert {call[1:] for call in recorded_measurements} == {(None, 5, "cuda")}
    order = [loader for loader, *_ in recorded_measurements]
    assert order[3:6] == ["third", "second", "first"]  # every second repeat is reversed


@pytest.mark.parametrize("repeats", [0, -1])
def test_compare_throughput_needs_at_least_one_repeat(repeats):
    with pytest.raises(ValueError, match="repeats"):
        compare_throughput({"A": []}, repeats=repeats)


def test_compare_throughput_on_real_loaders():
    images, labels = torch.zeros(64, 1, 28, 28), torch.zeros(64, dtype=torch.long)
    loaders = {"large": TensorLoader(images, labels, 32), "small": TensorLoader(images, labels, 8)}
    results = compare_throughput(loaders, repeats=3, batches=None, warmup=1)
    assert list(results) == ["large", "small"]
    for result in results.values():
        assert len(result.samples) == 3
        assert all(sample > 0 for sample in result.samples)


@pytest.mark.parametrize(
    ("arguments", "error", "name"),
    [
        ({"repeats": True}, TypeError, "repeats"),
        ({"repeats": 2.0}, TypeError, "repeats"),
        ({"batches": 0}, ValueError, "batches"),
        ({"batches": 1.5}, TypeError, "batches"),
        ({"warmup": -1}, ValueError, "warmup"),
    ],
)
def test_compare_throughput_refuses_bad_counts(arguments, error, name):
    with pytest.raises(error, match=rf"^{name}\b"):
        compare_throughput({"A": [(torch.zeros(2, 1), torch.zeros(2))]}, **arguments)


def test_an_empty_loader_has_no_throughput():
    with pytest.raises(ValueError, match="no images to time"):
        compare_throughput({"A": []}, repeats=1)
