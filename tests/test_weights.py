"""Published weights: the round trip, the same accuracy, and every bad file refused."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from mnist_tutorial.cache import train_model
from mnist_tutorial.config import TrainConfig
from mnist_tutorial.evaluation import Accuracy, evaluate
from mnist_tutorial.files import sha256_file
from mnist_tutorial.models import ConvNet, FCNet, count_parameters
from mnist_tutorial.weights import (
    Downloads,
    PublishedWeightsError,
    load_published,
    publish,
    receipt_path,
)

CONFIG = TrainConfig(epochs=1, train_subset=512)
SOME_ACCURACY = Accuracy(correct=9000, total=10000)  # the tests that do not measure it


@pytest.fixture
def published(tmp_path: Path) -> tuple[ConvNet, Path]:
    """A seeded (untrained) ConvNet published into tmp_path: the net and its weights file."""
    net = ConvNet()
    publish("ConvNet", net, CONFIG, SOME_ACCURACY, tmp_path, final_loss=0.25)
    return net, tmp_path / "ConvNet.pt"


def _rewrite_receipt(weights: Path, **changes: object) -> None:
    receipt = json.loads(receipt_path(weights).read_text())
    receipt.update(changes)
    receipt_path(weights).write_text(json.dumps(receipt))


def test_round_trip_gives_the_same_state_and_predictions(published) -> None:
    net, weights = published
    loaded = load_published("ConvNet", weights, CONFIG)
    assert isinstance(loaded, ConvNet)
    original = net.state_dict()
    assert loaded.state_dict().keys() == original.keys()
    for name, tensor in loaded.state_dict().items():
        assert torch.equal(tensor, original[name]), name
    images = torch.randn(8, 1, 28, 28)
    net.eval()
    loaded.eval()
    assert torch.equal(loaded(images), net(images))


def test_receipt_records_file_recipe_and_accuracy(published) -> None:
    net, weights = published
    receipt = json.loads(receipt_path(weights).read_text())
    assert receipt_path(weights).name == "ConvNet.json"
    assert receipt["model"] == "ConvNet"
    assert receipt["file"] == "ConvNet.pt"
    assert receipt["sha256"] == sha256_file(weights)
    assert receipt["bytes"] == weights.stat().st_size
    assert receipt["torch"] == torch.__version__
    assert receipt["device"] == "cpu"
    assert receipt["seed"] == CONFIG.seed
    assert receipt["config"] == dataclasses.asdict(CONFIG)
    assert receipt["test_correct"] == 9000
    assert receipt["test_total"] == 10000
    assert receipt["test_accuracy"] == 90.0
    assert receipt["parameters"] == count_parameters(net)
    assert receipt["final_training_loss"] == 0.25


def test_loaded_weights_reach_exactly_the_same_test_accuracy(
    tmp_path: Path, mnist_root: Path, mnist_test: tuple[torch.Tensor, torch.Tensor]
) -> None:
    images, labels = mnist_test
    batches = [(images[i : i + 1000], labels[i : i + 1000]) for i in range(0, len(labels), 1000)]
    net = train_model("FCNet", CONFIG, torch.device("cpu")).net
    accuracy = evaluate(net, batches)
    publish("FCNet", net, CONFIG, accuracy, tmp_path)
    loaded = load_published("FCNet", tmp_path / "FCNet.pt", CONFIG, "cpu")
    assert evaluate(loaded, batches) == accuracy
    assert json.loads((tmp_path / "FCNet.json").read_text())["test_correct"] == accuracy.correct


def test_a_flipped_byte_is_refused_by_the_checksum(published) -> None:
    _, weights = published
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PublishedWeightsError, match=r"ConvNet\.pt has SHA-256 .* says"):
        load_published("ConvNet", weights, CONFIG)


def test_a_receipt_for_the_other_model_is_refused(published) -> None:
    _, weights = published
    expected = "receipt of a ConvNet, expected one of a FCNet"
    with pytest.raises(PublishedWeightsError, match=expected):
        load_published("FCNet", weights, CONFIG)


def test_a_file_that_is_not_a_state_dict_of_the_model_is_refused(published) -> None:
    # A receipt edited to claim the ConvNet's file is an FCNet: the checksum still matches,
    # but the tensors are not an FCNet's.
    _, weights = published
    _rewrite_receipt(weights, model="FCNet")
    with pytest.raises(PublishedWeightsError, match=r"ConvNet\.pt is not a state dict of a FCNet"):
        load_published("FCNet", weights, CONFIG)


def test_another_recipe_is_refused(published) -> None:
    _, weights = published
    other = dataclasses.replace(CONFIG, lr=0.1)
    with pytest.raises(PublishedWeightsError, match=r"another training recipe: lr=0\.01"):
        load_published("ConvNet", weights, other)


def test_a_missing_receipt_is_refused(published) -> None:
    _, weights = published
    receipt_path(weights).unlink()
    with pytest.raises(PublishedWeightsError, match=r"ConvNet\.json not found"):
        load_published("ConvNet", weights, CONFIG)


class _RunsCode:
    """A pickle payload that creates a file when unpickled: what weights_only must refuse."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _replace_weights(weights: Path, payload: object) -> None:
    # The receipt's checksum is updated too, so that only the loading itself can refuse.
    torch.save(payload, weights)
    _rewrite_receipt(weights, sha256=sha256_file(weights))


def test_a_pickle_with_code_is_refused_and_not_run(published, tmp_path: Path) -> None:
    _, weights = published
    marker = tmp_path / "code-ran"
    _replace_weights(weights, {"fc1.weight": _RunsCode(marker)})
    with pytest.raises(PublishedWeightsError, match="not a weights-only state dict"):
        load_published("ConvNet", weights, CONFIG)
    assert not marker.exists()
    # The payload is real: an unsafe load would have run it.
    torch.load(weights, weights_only=False)
    assert marker.exists()


def test_tensors_that_are_not_a_state_dict_are_refused(published) -> None:
    _, weights = published
    _replace_weights(weights, [torch.zeros(3)])
    with pytest.raises(PublishedWeightsError, match="holds a list, not a state dict"):
        load_published("ConvNet", weights, CONFIG)


def test_weights_load_onto_the_requested_device(published) -> None:
    _, weights = published
    loaded = load_published("ConvNet", weights, CONFIG, torch.device("cpu"))
    assert next(loaded.parameters()).device.type == "cpu"


def test_download_links_point_into_the_site_and_show_checksum_and_accuracy(tmp_path: Path) -> None:
    folder = tmp_path / "html" / "_static" / "demo-models"
    receipts = [
        publish(name, cls(), CONFIG, SOME_ACCURACY, folder)
        for name, cls in (("ConvNet", ConvNet), ("FCNet", FCNet))
    ]
    downloads = Downloads(tuple(receipts), folder)
    page = downloads._repr_html_()
    for receipt in receipts:
        name = receipt["model"]
        assert f'href="../_static/demo-models/{name}.pt"' in page
        assert f'href="../_static/demo-models/{name}.json"' in page
        assert receipt["sha256"] in page
        assert receipt["sha256"] in repr(downloads)
    assert "90.00% (9000 / 10000)" in page


def test_download_links_outside_a_site_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    receipt = publish("FCNet", FCNet(), CONFIG, SOME_ACCURACY, tmp_path / "models")
    assert "final_training_loss" not in receipt  # no loss given, none recorded
    assert Downloads((receipt,), tmp_path / "models").href("FCNet.pt") == "models/FCNet.pt"
