"""Exporting the trained networks to ONNX, and checking the exported files with onnxruntime."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper
from torch import nn

from mnist_tutorial.config import env_path
from mnist_tutorial.evaluation import inference_mode
from mnist_tutorial.models import IMAGE_SIZE, ConvNet, feature_maps

EXPORT_ENV = "MNIST_TUTORIAL_EXPORT"
# Opset 20 is what the exporter of torch 2.x writes by default, and onnxruntime-web 1.30 runs it.
OPSET = 20
INPUT_NAME = "image"


class InvalidModelError(RuntimeError):
    """An ONNX file that is missing, corrupt, or that onnxruntime cannot load."""


def export_dir() -> Path:
    """``$MNIST_TUTORIAL_EXPORT`` (read as every path switch is: :func:`~.config.env_path`),
    else ``onnx-models`` in the working directory."""
    return env_path(EXPORT_ENV) or Path("onnx-models").absolute()


class _WithFeatures(nn.Module):
    """A ConvNet that also returns its first layer's 32 feature maps, for the live demo."""

    def __init__(self, net: ConvNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # The exporter computes conv1 + ReLU once and feeds both outputs from it.
        return self.net(x), feature_maps(self.net, x)  # (N, 10), (N, 32, 28, 28)


def output_names(net: nn.Module) -> list[str]:
    """What the exported graph returns: the logits, and for a ConvNet its feature maps."""
    return ["logits", "features"] if isinstance(net, ConvNet) else ["logits"]


def export_onnx(net: nn.Module, path: str | os.PathLike) -> Path:
    """Write ``net`` to ``path`` as one self-contained ONNX file (weights inside), float32.

    The export traces a CPU copy in eval mode, so ``net`` itself may stay on a GPU. The batch
    dimension stays free: the file runs on one image or on a thousand.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cpu_net = copy.deepcopy(net).cpu().eval()
    model = _WithFeatures(cpu_net) if isinstance(net, ConvNet) else cpu_net
    example = torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE)
    torch.onnx.export(
        model.eval(),
        (example,),
        path,
        dynamo=True,
        opset_version=OPSET,
        external_data=False,  # else the weights land in a separate .onnx.data file
        input_names=[INPUT_NAME],
        output_names=output_names(net),
        dynamic_shapes=({0: torch.export.Dim("batch")},),
        verbose=False,
    )
    return path


def store_weights_as_float16(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy the ONNX file ``source`` to ``target`` with its float32 weights stored as float16.

    Each weight gets a Cast node back to float32, so the arithmetic stays float32: only the
    weights are rounded (to about 3 significant digits), and the file is half the size.
    """

    def as_float16(name: str, weights: np.ndarray):
        half = numpy_helper.from_array(weights.astype(np.float16), f"{name}_float16")
        cast = onnx.helper.make_node(
            "Cast", [half.name], [name], to=onnx.TensorProto.FLOAT, name=f"{name}_cast"
        )
        return [half], cast

    return _store_weights(source, target, as_float16)


def store_weights_as_int8(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy the ONNX file ``source`` to ``target`` with its weight matrices stored as int8.

    Each output unit's (or filter's) weights are divided by one scale, their largest magnitude
    over 127, and rounded to whole numbers from -127 to 127; a DequantizeLinear node multiplies
    them back to float32, so the arithmetic stays float32. The biases (one number per unit)
    stay float32. The file is about a quarter of the float32 one; each weight moves by up to
    half a step, 1/254 of its unit's largest weight.
    """

    def as_int8(name: str, weights: np.ndarray):
        if weights.ndim < 2:
            return None  # a bias: keep it
        largest = np.abs(weights.reshape(len(weights), -1)).max(axis=1)
        scale = np.where(largest > 0, largest / 127, 1).astype(np.float32)
        steps = weights / scale.reshape(-1, *[1] * (weights.ndim - 1))
        quantized = numpy_helper.from_array(
            np.clip(np.rint(steps), -127, 127).astype(np.int8), f"{name}_int8"
        )
        scales = numpy_helper.from_array(scale, f"{name}_scale")
        dequantize = onnx.helper.make_node(
            "DequantizeLinear",
            [quantized.name, scales.name],
            [name],
            axis=0,  # one scale per output unit
            name=f"{name}_dequantize",
        )
        return [quantized, scales], dequantize

    return _store_weights(source, target, as_int8)


def _store_weights(source: str | os.PathLike, target: str | os.PathLike, convert) -> Path:
    """Copy ``source`` to ``target``, each float32 initializer replaced as ``convert`` says.

    ``convert(name, array)`` returns ``None`` (keep the initializer) or the new initializers and
    the node that computes the float32 tensor ``name`` from them.
    """
    model = onnx.load(os.fspath(source))
    graph = model.graph
    initializers, decoders = [], []
    for initializer in graph.initializer:
        stored = None
        if initializer.data_type == onnx.TensorProto.FLOAT:
            stored = convert(initializer.name, numpy_helper.to_array(initializer))
        if stored is None:
            initializers.append(initializer)
            continue
        new, decoder = stored
        initializers.extend(new)
        decoders.append(decoder)
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    nodes = decoders + list(graph.node)  # decoders first: the graph stays in topological order
    del graph.node[:]
    graph.node.extend(nodes)
    target = Path(target)
    onnx.save(model, os.fspath(target))
    return target


def load_session(path: str | os.PathLike) -> ort.InferenceSession:
    """An onnxruntime session for ``path``, after ONNX's own checker has passed it.

    Raises :class:`InvalidModelError`, naming the file and the cause, when the file is missing,
    is not a valid ONNX model, or cannot be loaded by onnxruntime.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidModelError(
            f"ONNX model {path} not found: run the export (section 8) to write it."
        )
    try:
        onnx.checker.check_model(os.fspath(path))
        return ort.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    except Exception as error:
        raise InvalidModelError(
            f"ONNX model {path} is not usable ({type(error).__name__}: {error}). "
            "The file is corrupt or truncated: export it again."
        ) from error


def onnx_logits(
    session: ort.InferenceSession, images: torch.Tensor, batch_size: int = 500
) -> np.ndarray:
    """The session's logits (N, 10) for ``images`` (N, 1, 28, 28), in batches."""
    pixels = images.detach().cpu().numpy().astype(np.float32)
    batches = [
        session.run(["logits"], {INPUT_NAME: pixels[i : i + batch_size]})[0]
        for i in range(0, len(pixels), batch_size)
    ]
    return np.concatenate(batches)


def torch_logits(net: nn.Module, images: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """``net``'s logits (N, 10) for ``images``, on the CPU, as a NumPy array."""
    cpu_net = copy.deepcopy(net).cpu()
    with inference_mode(cpu_net):
        batches = [
            cpu_net(images[i : i + batch_size].cpu()) for i in range(0, len(images), batch_size)
        ]
    return torch.cat(batches).numpy()


@dataclasses.dataclass(frozen=True)
class Agreement:
    """How closely an exported model reproduces PyTorch."""

    max_logit_difference: float  # the largest |ONNX - PyTorch| over the compared logits
    compared_images: int  # how many images the logits were compared on
    same_predictions: int  # images whose predicted digit is the same in both
    total: int

    @property
    def identical_predictions(self) -> bool:
        return self.same_predictions == self.total


def compare_with_torch(
    reference: np.ndarray, session: ort.InferenceSession, images: torch.Tensor, logits_on: int
) -> Agreement:
    """Compare ``session`` with PyTorch's logits ``reference`` (N, 10) for the same ``images``.

    The logits are compared on the first ``logits_on`` images, the predictions on all of them.
    """
    exported = onnx_logits(session, images)
    difference = np.abs(exported[:logits_on] - reference[:logits_on]).max()
    same = int((exported.argmax(axis=1) == reference.argmax(axis=1)).sum())
    return Agreement(float(difference), min(logits_on, len(images)), same, len(images))


def write_demo_data(
    path: str | os.PathLike,
    models: dict[str, str],
    samples: list[dict[str, object]],
    mean: float,
    std: float,
    colormap: dict[str, object] | None = None,
) -> Path:
    """Write what the live demo reads: the model files, normalization and sample images.

    ``models`` maps a network's name to its ONNX file (relative to ``path``'s folder);
    each sample holds ``index``, ``label``, ``pixels`` (28 x 28 values in 0-255) and
    ``probabilities`` (per network, from onnxruntime with the file the demo loads), which the
    browser test compares against.
    ``colormap`` (``name`` and 256 RGB ``colors``) is how the demo draws feature maps.
    """
    path = Path(path)
    data = {"models": models, "mean": mean, "std": std, "samples": samples}
    if colormap is not None:
        data["colormap"] = colormap
    path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    return path
