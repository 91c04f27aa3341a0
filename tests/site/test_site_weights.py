"""Section 4's published weights: linked from the page, served by the site, and as claimed.

Each network's weights and receipt must be linked from the evaluation page and exist in the
built site; the weights' SHA-256 must be the one the receipt and the page show; and loaded with
``load_published``, they must reach exactly the test accuracy the page prints, on the same
kind of device as the build (the checks run on the CPU).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from site_helpers import EXAMPLES, Page, read_page, resolve

from mnist_tutorial.config import TrainConfig
from mnist_tutorial.data import mnist_loaders
from mnist_tutorial.evaluation import evaluate
from mnist_tutorial.files import sha256_file
from mnist_tutorial.weights import load_published, receipt_path

pytestmark = pytest.mark.site

EVALUATION_PAGE = next(name for name in EXAMPLES if name.startswith("plot_04_"))
MODELS = ("ConvNet", "FCNet")
# One row of the download table that weights.Downloads renders.
ROW = re.compile(
    r"<tr><td>(?P<model>\w+)</td>"
    r'<td><a href="(?P<weights>[^"]+)" download>[^<]+</a> '
    r'\(<a href="(?P<receipt>[^"]+)" download>[^<]+</a>\)</td>'
    r"<td><code>(?P<sha256>[0-9a-f]{64})</code></td>"
    r"<td>(?P<accuracy>[\d.]+)% \((?P<correct>\d+) / (?P<total>\d+)\)</td></tr>"
)


@pytest.fixture(scope="module")
def page(html_dir: Path) -> Page:
    return read_page(html_dir / "auto_examples" / f"{EVALUATION_PAGE}.html")


@pytest.fixture(scope="module")
def rows(page: Page) -> dict[str, dict[str, str]]:
    """The download table's rows, by model name."""
    found = {m["model"]: m.groupdict() for m in ROW.finditer(page.path.read_text("utf-8"))}
    assert set(found) == set(MODELS), f"{EVALUATION_PAGE} offers downloads for {sorted(found)}"
    return found


def _file(page: Page, link: str) -> Path:
    resolved = resolve(page, link)
    assert resolved, f"{link} is not a link into the site"
    assert resolved[0].is_file(), f"{EVALUATION_PAGE} links {link}, which the site lacks"
    return resolved[0]


@pytest.mark.parametrize("model", MODELS)
def test_page_links_weights_and_receipt_that_the_site_serves(
    page: Page, rows: dict[str, dict[str, str]], model: str
) -> None:
    row = rows[model]
    assert row["weights"] in page.links
    assert row["receipt"] in page.links
    weights, receipt = _file(page, row["weights"]), _file(page, row["receipt"])
    assert weights.name == f"{model}.pt"
    assert receipt == receipt_path(weights)


@pytest.mark.parametrize("model", MODELS)
def test_checksum_matches_receipt_and_page(
    page: Page, rows: dict[str, dict[str, str]], model: str
) -> None:
    row = rows[model]
    weights = _file(page, row["weights"])
    receipt = json.loads(_file(page, row["receipt"]).read_text("utf-8"))
    assert receipt["model"] == model
    assert sha256_file(weights) == receipt["sha256"] == row["sha256"]
    assert (int(row["correct"]), int(row["total"])) == (
        receipt["test_correct"],
        receipt["test_total"],
    )


def test_convnet_row_shows_the_accuracy_the_page_measured(
    page: Page, rows: dict[str, dict[str, str]]
) -> None:
    match = re.search(r"Test accuracy: ([\d.]+)% \((\d+) / (\d+) images\)", "\n".join(page.outputs))
    assert match, f"{EVALUATION_PAGE} does not print 'Test accuracy: xx.xx% (c / n images)'"
    row = rows["ConvNet"]
    assert (row["accuracy"], row["correct"], row["total"]) == match.groups()


@pytest.mark.parametrize("model", MODELS)
def test_loaded_weights_reach_the_pages_accuracy(
    page: Page, rows: dict[str, dict[str, str]], model: str, mnist_root: Path
) -> None:
    row = rows[model]
    weights = _file(page, row["weights"])
    receipt = json.loads(receipt_path(weights).read_text("utf-8"))
    if receipt["device"] != "cpu":
        pytest.skip(
            f"{weights.name} was trained on {receipt['device']}; this check runs on the CPU, "
            "and exact agreement holds only on the same kind of device"
        )
    config = TrainConfig(**receipt["config"])
    net = load_published(model, weights, config, "cpu")
    # The loader the page evaluated with: same batches, so the same arithmetic.
    _, test_loader = mnist_loaders(config.batch_size, torch.device("cpu"), fast=True)
    accuracy = evaluate(net, test_loader)
    assert (accuracy.correct, accuracy.total) == (int(row["correct"]), int(row["total"]))
