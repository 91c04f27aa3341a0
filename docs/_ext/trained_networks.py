"""Sphinx glue for the trained networks, after the examples ran: targets, weights, downloads.

The sections teach; the build does the bookkeeping. Once sphinx-gallery has run every example
(so the networks are in the model cache), this extension

- checks the assignment's targets in a full build: the ConvNet's last-epoch mean training loss
  below 0.03 and its test accuracy at least 98%. A missed target fails the build with an error
  naming it; a quick build trains too little for the targets to mean anything;
- publishes both networks' weights and receipts (:mod:`mnist_tutorial.weights`) in the site's
  ``_static/demo-models`` folder, with the test accuracy measured here;
- puts the table that links them after the label ``.. _trained-weights:`` of section 4, a line
  that sphinx-gallery leaves out of the notebooks.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

LABEL = ".. _trained-weights:"
MODELS = ("ConvNet", "FCNet")
LOSS_TARGET = 0.03  # the assignment: last epoch's mean training loss below this
ACCURACY_TARGET = 98.0  # the assignment: test accuracy at least this, in percent


@dataclasses.dataclass(frozen=True)
class Result:
    """What the build measured of one trained network."""

    model: str
    last_loss: float
    accuracy: float  # percent of the test images


def missed_targets(convnet: Result) -> list[str]:
    """The assignment's targets that the ConvNet misses, as sentences (empty: all met)."""
    missed = []
    if not convnet.last_loss < LOSS_TARGET:  # "not <": a NaN loss misses too
        missed.append(
            f"the last epoch's mean training loss is {convnet.last_loss:.4f}, not below "
            f"{LOSS_TARGET}"
        )
    if not convnet.accuracy >= ACCURACY_TARGET:
        missed.append(
            f"the test accuracy is {convnet.accuracy:.2f}%, not at least {ACCURACY_TARGET}%"
        )
    return missed


def check_targets(convnet: Result, quick: bool) -> None:
    """Raise ExtensionError when a full build misses an assignment target."""
    missed = missed_targets(convnet)
    if missed and not quick:
        raise ExtensionError(
            f"The {convnet.model} misses the assignment's targets: {'; and '.join(missed)}. "
            "Check the training section (examples/plot_03_train.py) and the training code."
        )


def publish_trained_networks(folder: Path) -> list[dict]:
    """Evaluate both trained networks, check the targets, publish them; return the receipts."""
    from mnist_tutorial.cache import load_or_train
    from mnist_tutorial.config import quick_mode, tutorial_config
    from mnist_tutorial.data import mnist_loaders
    from mnist_tutorial.environment import select_device
    from mnist_tutorial.evaluation import evaluate
    from mnist_tutorial.weights import publish

    device, config = select_device(verbose=False), tutorial_config()
    _, test_loader = mnist_loaders(config.batch_size, device, fast=True)
    receipts = []
    for model in MODELS:
        trained = load_or_train(model, config, device)
        accuracy = evaluate(trained.net, test_loader)
        if model == "ConvNet":
            check_targets(Result(model, trained.losses[-1], accuracy.accuracy), quick_mode())
        receipts.append(
            publish(model, trained.net, config, accuracy, folder, final_loss=trained.losses[-1])
        )
    return receipts


class TrainedWeights(SphinxDirective):
    """``.. trained-weights::`` the table of the published weights, with their receipts."""

    def run(self) -> list[nodes.Node]:
        from mnist_tutorial.export import export_dir
        from mnist_tutorial.weights import Downloads, read_receipt

        folder = export_dir()  # the site sets it (live_demo.py)
        receipts = tuple(read_receipt(folder / f"{model}.pt", model) for model in MODELS)
        html = Downloads(receipts, folder)._repr_html_()
        return [nodes.container("", nodes.raw("", html, format="html"))]


def trained_network_files() -> list[Path]:
    """The model-cache files of both networks for this build's settings (they may not exist)."""
    from mnist_tutorial.cache import cache_key, cache_path
    from mnist_tutorial.config import tutorial_config
    from mnist_tutorial.environment import select_device

    device, config = select_device(verbose=False), tutorial_config()
    return [cache_path(model, cache_key(model, config, device)) for model in MODELS]


def _publish(app: Sphinx) -> None:
    if app.builder.format == "html":
        from incremental import run_step

        from mnist_tutorial.export import export_dir

        folder = export_dir()  # the site sets it (live_demo.py)
        run_step(
            app,
            "publish the trained networks",
            Path(__file__),
            reads=trained_network_files,
            outputs=lambda: [
                folder / f"{model}{ext}" for model in MODELS for ext in (".pt", ".json")
            ],
            function=lambda: publish_trained_networks(folder),
        )


def _insert_table(app: Sphinx, docname: str, source: list[str]) -> None:
    if LABEL in source[0]:
        source[0] = source[0].replace(LABEL, f"{LABEL}\n\n.. trained-weights::\n", 1)


def setup(app: Sphinx) -> dict[str, object]:
    # After sphinx-gallery (priority 500) ran the examples, so the networks are in the cache.
    app.connect("builder-inited", _publish, priority=900)
    app.connect("source-read", _insert_table)
    app.add_directive("trained-weights", TrainedWeights)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
