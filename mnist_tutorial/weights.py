"""Published weights: a trained net saved as a weights-only file with a receipt, and loaded back.

A download is two files side by side: ``ConvNet.pt``, the state dict saved with ``torch.save``
(tensors only, on the CPU), and ``ConvNet.json``, its receipt: the SHA-256 of the weights file,
the torch version and device type it was trained on, the recipe (the whole
:class:`~mnist_tutorial.config.TrainConfig`, seed included), the test accuracy it reaches and
its parameter count. :func:`load_published` checks all of it before a tensor is used: it loads
with ``weights_only=True``, so a file that hides code is refused instead of run.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from pathlib import Path

import torch
from torch import nn

from mnist_tutorial.config import TrainConfig
from mnist_tutorial.environment import device_of
from mnist_tutorial.evaluation import Accuracy
from mnist_tutorial.files import sha256_file
from mnist_tutorial.models import MODELS, count_parameters

RECEIPT_FORMAT = 1  # bump when a receipt field changes meaning


class PublishedWeightsError(ValueError):
    """A weights file or receipt that must not be used: it names the file and what was expected."""


def receipt_path(weights: str | os.PathLike) -> Path:
    """The receipt beside ``weights``: ``ConvNet.pt`` -> ``ConvNet.json``."""
    return Path(weights).with_suffix(".json")


def publish(
    model_name: str,
    net: nn.Module,
    config: TrainConfig,
    accuracy: Accuracy,
    folder: Path,
    final_loss: float | None = None,
) -> dict:
    """Write ``folder/<model_name>.pt`` and its receipt ``<model_name>.json``; return the receipt.

    ``net`` must be the network trained with ``config`` and still on the device it was trained
    on (the receipt records that device type); ``accuracy`` is its test accuracy there, and
    ``final_loss`` the mean training loss of its last epoch (recorded when given).
    """
    if not isinstance(net, MODELS[model_name]):
        raise TypeError(f"net is a {type(net).__name__}, not a {model_name}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / f"{model_name}.pt"
    state = {name: t.detach().cpu().clone() for name, t in net.state_dict().items()}
    torch.save(state, weights)
    receipt = {
        "format": RECEIPT_FORMAT,
        "model": model_name,
        "file": weights.name,
        "sha256": sha256_file(weights),
        "bytes": weights.stat().st_size,
        "torch": torch.__version__,
        "device": device_of(net).type,
        "seed": config.seed,
        "config": dataclasses.asdict(config),
        "test_accuracy": accuracy.accuracy,  # percent
        "test_correct": accuracy.correct,
        "test_total": accuracy.total,
        "parameters": count_parameters(net),
    }
    if final_loss is not None:
        receipt["final_training_loss"] = float(final_loss)
    receipt_path(weights).write_text(json.dumps(receipt, indent=2) + "\n", encoding="utf-8")
    return receipt


def read_receipt(weights: str | os.PathLike, model_name: str) -> dict:
    """The receipt of ``weights``, once it is known to be ``model_name``'s and to match the file.

    Raises :class:`PublishedWeightsError` for a missing or unreadable receipt, a receipt for
    another model, or a weights file whose SHA-256 is not the receipt's.
    """
    weights, receipt_file = Path(weights), receipt_path(weights)
    for path in (weights, receipt_file):
        if not path.is_file():
            raise PublishedWeightsError(
                f"{path} not found: download {weights.name} and {receipt_file.name} (its "
                "receipt) into the same folder"
            )
    try:
        receipt = json.loads(receipt_file.read_text(encoding="utf-8"))
        found_model, expected_sha = receipt["model"], receipt["sha256"]
    except (ValueError, KeyError, TypeError) as error:
        raise PublishedWeightsError(
            f"{receipt_file} is not a weights receipt ({type(error).__name__}: {error})"
        ) from error
    if found_model != model_name:
        raise PublishedWeightsError(
            f"{receipt_file} is the receipt of a {found_model}, expected one of a {model_name}"
        )
    found_sha = sha256_file(weights)
    if found_sha != expected_sha:
        raise PublishedWeightsError(
            f"{weights} has SHA-256 {found_sha}, but its receipt {receipt_file.name} says "
            f"{expected_sha}: the file is corrupt, truncated or not the published one; "
            "download it again"
        )
    return receipt


def _check_recipe(receipt: dict, config: TrainConfig, receipt_file: Path) -> None:
    expected = dataclasses.asdict(config)
    found = receipt.get("config")
    if found != expected:
        found = found if isinstance(found, dict) else {}
        differ = {k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v}
        details = ", ".join(f"{k}={a!r} (expected {b!r})" for k, (a, b) in differ.items())
        raise PublishedWeightsError(
            f"{receipt_file} records another training recipe: {details or found}. These "
            "weights were not trained with the requested config"
        )


def load_published(
    model_name: str,
    weights: str | os.PathLike,
    config: TrainConfig,
    device: torch.device | str = "cpu",
) -> nn.Module:
    """The published ``model_name`` from ``weights`` (its receipt beside it), on ``device``.

    Use it instead of training: ``net = load_published("ConvNet", "ConvNet.pt", config, device)``.
    Raises :class:`PublishedWeightsError` unless the receipt is ``model_name``'s, the file's
    SHA-256 and the recipe are the receipt's, and the file holds exactly a state dict of
    ``model_name`` (loaded with ``weights_only=True``: nothing in it is executed).
    """
    if model_name not in MODELS:
        raise ValueError(f"unknown model {model_name!r}; expected one of {sorted(MODELS)}")
    weights = Path(weights)
    receipt = read_receipt(weights, model_name)
    _check_recipe(receipt, config, receipt_path(weights))
    try:
        # Onto the CPU first: a file saved on any device loads, and the net moves after.
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError for code, RuntimeError for a bad archive, ...
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise PublishedWeightsError(
            f"{weights} is not a weights-only state dict: torch.load(weights_only=True) "
            f"refused it ({type(error).__name__}: {first_line}); it is not used"
        ) from error
    if not isinstance(state, dict) or not all(isinstance(t, torch.Tensor) for t in state.values()):
        raise PublishedWeightsError(f"{weights} holds a {type(state).__name__}, not a state dict")
    net = MODELS[model_name]()
    try:
        net.load_state_dict(state)  # strict: every tensor, with its shape, and nothing else
    except RuntimeError as error:
        raise PublishedWeightsError(
            f"{weights} is not a state dict of a {model_name}: {error}"
        ) from error
    return net.to(device)


@dataclasses.dataclass(frozen=True)
class Downloads:
    """Download links for published weights and their receipts, shown as an HTML table.

    On the built site the files lie under ``_static/`` and the section pages one folder below
    the site's root (``auto_examples/``), so the links start with ``../_static/``; elsewhere
    (Jupyter) they are relative to the working directory, the notebook's folder.
    """

    receipts: tuple[dict, ...]
    folder: Path

    def href(self, name: str) -> str:
        path = (self.folder / name).absolute()
        if "_static" in path.parts:
            parts = path.parts
            start = len(parts) - 1 - parts[::-1].index("_static")
            return "../" + "/".join(parts[start:])
        return Path(os.path.relpath(path)).as_posix()

    def _repr_html_(self) -> str:
        rows = []
        for r in self.receipts:
            weights, receipt = r["file"], receipt_path(r["file"]).name
            rows.append(
                f"<tr><td>{html.escape(r['model'])}</td>"
                f'<td><a href="{html.escape(self.href(weights))}" download>{weights}</a> '
                f'(<a href="{html.escape(self.href(receipt))}" download>{receipt}</a>)</td>'
                f"<td><code>{r['sha256']}</code></td>"
                f"<td>{r['test_accuracy']:.2f}% ({r['test_correct']} / {r['test_total']})</td>"
                "</tr>"
            )
        head = "<tr><th>model</th><th>weights (receipt)</th><th>SHA-256</th><th>test accuracy</th>"
        return (
            f'<table class="mnist-weights"><thead>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    def __repr__(self) -> str:
        return "\n".join(
            f"{r['model']:<8} {r['file']:<11} sha256 {r['sha256']}  "
            f"test accuracy {r['test_accuracy']:.2f}% ({r['test_correct']} / {r['test_total']})"
            for r in self.receipts
        )
