"""ONNX export: the exported files compute what PyTorch computes, and bad files fail clearly."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mnist_tutorial import export
from mnist_tutorial.models import ConvNet, FCNet, feature_maps

NETS = {"ConvNet": ConvNet, "FCNet": FCNet}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[torch.nn.Module, Path]]:
    """A seeded, untrained net of each kind and its ONNX file (exported once per module)."""
    folder = tmp_path_factory.mktemp("onnx")
    result = {}
    for name, cls in NETS.items():
        torch.manual_seed(0)
        net = cls().eval()
        result[name] = (net, export.export_onnx(net, folder / f"{name}.onnx"))
    return result


@pytest.mark.parametrize("name", NETS)
def test_exported_model_agrees_with_pytorch_on_real_test_images(
    exported, mnist_test: tuple[torch.Tensor, torch.Tensor], name: str
) -> None:
    net, path = exported[name]
    images, _ = mnist_test  # all 10,000
    agreement = export.compare_with_torch(
        export.torch_logits(net, images), export.load_session(path), images, 1000
    )
    assert agreement.compared_images == 1000
    assert agreement.max_logit_difference <= 1e-4
    assert agreement.total == 10_000
    assert agreement.identical_predictions, f"{agreement.same_predictions} of 10,000 agree"


def test_convnet_export_also_returns_the_first_layer_feature_maps(exported) -> None:
    net, path = exported["ConvNet"]
    images = torch.randn(3, 1, 28, 28)
    logits, maps = export.load_session(path).run(None, {"image": images.numpy()})
    with torch.no_grad():
        expected = feature_maps(net, images).numpy()
    assert maps.shape == (3, 32, 28, 28)
    np.testing.assert_allclose(maps, expected, atol=1e-5)
    assert logits.shape == (3, 10)
    assert [o.name for o in export.load_session(exported["FCNet"][1]).get_outputs()] == ["logits"]


def test_export_leaves_the_network_as_it_was(tmp_path: Path) -> None:
    net = FCNet().train()
    before = copy.deepcopy(net.state_dict())
    export.export_onnx(net, tmp_path / "fc.onnx")
    assert net.training, "export switched the caller's net to eval mode"
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key])


def test_float16_weights_halve_the_file_and_only_round_the_weights(
    exported, tmp_path: Path
) -> None:
    net, path = exported["ConvNet"]
    half = export.store_weights_as_float16(path, tmp_path / "convnet.fp16.onnx")
    assert half.stat().st_size < 0.55 * path.stat().st_size
    # The reference: the same network with its weights rounded to float16, computing in float32.
    rounded = copy.deepcopy(net)
    with torch.no_grad():
        for parameter in rounded.parameters():
            parameter.copy_(parameter.half().float())
    images = torch.randn(64, 1, 28, 28)
    agreement = export.compare_with_torch(
        export.torch_logits(rounded, images), export.load_session(half), images, 64
    )
    assert agreement.max_logit_difference <= 1e-4


def test_int8_weights_quarter_the_file_and_only_round_the_weights(exported, tmp_path: Path) -> None:
    net, path = exported["ConvNet"]
    small = export.store_weights_as_int8(path, tmp_path / "convnet.int8.onnx")
    assert small.stat().st_size < 0.3 * path.stat().st_size
    # The reference: each filter's or unit's weights rounded to 255 levels of one scale.
    rounded = copy.deepcopy(net)
    with torch.no_grad():
        for parameter in rounded.parameters():
            if parameter.dim() < 2:
                continue  # biases stay float32
            rows = parameter.reshape(len(parameter), -1)
            scale = (rows.abs().amax(dim=1) / 127).reshape(-1, *[1] * (parameter.dim() - 1))
            parameter.copy_(torch.round(parameter / scale) * scale)
    images = torch.randn(64, 1, 28, 28)
    session = export.load_session(small)
    agreement = export.compare_with_torch(export.torch_logits(rounded, images), session, images, 64)
    assert agreement.max_logit_difference <= 1e-4
    # and the weights were rounded: the float32 network's logits are further away
    unrounded = export.compare_with_torch(export.torch_logits(net, images), session, images, 64)
    assert unrounded.max_logit_difference > 1e-3


def test_a_missing_model_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(export.InvalidModelError, match=r"nothing\.onnx not found"):
        export.load_session(tmp_path / "nothing.onnx")


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_corrupt_model_fails_with_a_clear_message(exported, tmp_path: Path, damage: str) -> None:
    good = exported["FCNet"][1].read_bytes()
    bad = tmp_path / "fcnet.onnx"
    bad.write_bytes(good[: len(good) // 2] if damage == "truncate" else b"not an onnx model")
    with pytest.raises(export.InvalidModelError, match=r"fcnet\.onnx is not usable.*corrupt"):
        export.load_session(bad)


def test_onnx_logits_batches_give_the_same_result(exported) -> None:
    session = export.load_session(exported["FCNet"][1])
    images = torch.randn(10, 1, 28, 28)
    np.testing.assert_allclose(
        export.onnx_logits(session, images, batch_size=3),
        export.onnx_logits(session, images),
        atol=1e-6,
    )


def test_export_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(export.EXPORT_ENV, str(tmp_path / "site"))
    assert export.export_dir() == tmp_path / "site"
    monkeypatch.delenv(export.EXPORT_ENV)
    monkeypatch.chdir(tmp_path)
    assert export.export_dir() == tmp_path / "onnx-models"


def test_demo_data_is_compact_json(tmp_path: Path) -> None:
    sample = {"index": 0, "label": 7, "pixels": [0] * 784, "probabilities": {"FCNet": [0.1] * 10}}
    path = export.write_demo_data(
        tmp_path / "demo.json", {"FCNet": "fcnet.onnx"}, [sample], 0.5, 0.5
    )
    data = json.loads(path.read_text())
    assert data == {"models": {"FCNet": "fcnet.onnx"}, "mean": 0.5, "std": 0.5, "samples": [sample]}
