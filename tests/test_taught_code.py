"""The code the sections teach: written out in each example, identical to the package's copy.

A section defines its class or function as ordinary code, so that a reader can copy it into an
empty notebook and change it; the package keeps a copy that the rest of the package and the
later sections use. These tests parse both files (no build needed) and compare the two
definitions as syntax trees, so comments and formatting may differ but nothing that runs may.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import re
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# (section file, name of the taught object, package module holding its copy)
TAUGHT = [
    ("plot_02_build_cnn.py", "ConvNet", "mnist_tutorial.models"),
    ("plot_03_train.py", "Trainer", "mnist_tutorial.training"),
    ("plot_04_evaluate.py", "count_correct", "mnist_tutorial.evaluation"),
    ("plot_06_visualize_layers.py", "feature_maps", "mnist_tutorial.models"),
    ("plot_07_compare_fully_connected.py", "FCNet", "mnist_tutorial.models"),
]
DEFINITIONS = (ast.ClassDef, ast.FunctionDef)


def definition(source: str, name: str, where: str) -> ast.AST:
    """The one top-level class or function ``name`` in ``source``."""
    found = [
        node
        for node in ast.parse(source).body
        if isinstance(node, DEFINITIONS) and node.name == name
    ]
    assert len(found) == 1, f"{where} defines {name} {len(found)} times at top level, expected once"
    return found[0]


def differences(section: str, ours: ast.AST, package: ast.AST, module: str) -> str | None:
    """None when the two definitions are the same syntax tree, else a readable diff."""
    if ast.dump(ours) == ast.dump(package):
        return None
    diff = difflib.unified_diff(
        ast.unparse(package).splitlines(),
        ast.unparse(ours).splitlines(),
        fromfile=module,
        tofile=f"examples/{section}",
        lineterm="",
    )
    return "\n".join(diff) or "(the same code once unparsed; the trees differ in detail)"


def module_source(module: str) -> str:
    return Path(importlib.import_module(module).__file__).read_text(encoding="utf-8")


def cell_of(section: str, name: str) -> str:
    """The source of the example's cell (between ``# %%`` markers) that defines ``name``."""
    text = (EXAMPLES / section).read_text(encoding="utf-8")
    cells = text.split("\n# %%\n")
    starts = re.compile(rf"^(class|def) {name}\b", re.M)
    found = [cell for cell in cells if starts.search(cell)]
    assert len(found) == 1, f"{section}: {len(found)} cells define {name}"
    return found[0]


@pytest.mark.parametrize(("section", "name", "module"), TAUGHT)
def test_taught_code_is_the_packages_code(section: str, name: str, module: str) -> None:
    ours = definition((EXAMPLES / section).read_text(encoding="utf-8"), name, section)
    package = definition(module_source(module), name, module)
    diff = differences(section, ours, package, module)
    assert diff is None, (
        f"{name} in examples/{section} differs from {module}.{name}; edit both together:\n{diff}"
    )


@pytest.mark.parametrize(("section", "name", "module"), TAUGHT)
def test_a_one_character_edit_on_either_side_is_caught(
    section: str, name: str, module: str
) -> None:
    # The comparison itself must notice the smallest change that runs differently: a digit.
    source = ast.unparse(definition(module_source(module), name, module))
    digit = next(i for i, ch in enumerate(source) if ch in "0123456789")
    edited = source[:digit] + str((int(source[digit]) + 1) % 10) + source[digit + 1 :]
    original, changed = definition(source, name, "x"), definition(edited, name, "x")
    assert differences(section, original, original, module) is None
    assert differences(section, changed, original, module) is not None
    assert differences(section, original, changed, module) is not None


@pytest.mark.parametrize(("section", "name", "module"), TAUGHT)
def test_taught_cell_runs_with_only_torch_imported(section: str, name: str, module: str) -> None:
    cell = cell_of(section, name)
    assert "mnist_tutorial" not in cell, f"{section}: the cell defining {name} uses the package"
    namespace: dict = {"torch": torch}
    exec(compile(cell, f"{section} (the cell of {name})", "exec"), namespace)  # NameError if not
    assert name in namespace


def _cell_namespace(section: str, name: str) -> dict:
    namespace: dict = {"torch": torch}
    exec(compile(cell_of(section, name), section, "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    ("section", "name"),
    [("plot_02_build_cnn.py", "ConvNet"), ("plot_07_compare_fully_connected.py", "FCNet")],
)
def test_taught_networks_give_ten_scores_per_image(section: str, name: str) -> None:
    net = _cell_namespace(section, name)[name]()
    assert net(torch.zeros(1, 1, 28, 28)).shape == (1, 10)


def test_taught_trainer_and_evaluation_work_together() -> None:
    trainer_class = _cell_namespace("plot_03_train.py", "Trainer")["Trainer"]
    count_correct = _cell_namespace("plot_04_evaluate.py", "count_correct")["count_correct"]
    torch.manual_seed(0)
    images = torch.randn(32, 1, 28, 28)
    labels = (images.mean(dim=(1, 2, 3)) > 0).long()  # a learnable rule
    batches = [(images[i : i + 8], labels[i : i + 8]) for i in range(0, 32, 8)]
    net = _cell_namespace("plot_07_compare_fully_connected.py", "FCNet")["FCNet"]()
    optim = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    losses = trainer_class(net, optim, torch.nn.CrossEntropyLoss(), batches).train(5)
    assert len(losses) == 5
    assert losses[-1] < losses[0]
    correct, total = count_correct(net, batches)
    assert total == 32
    assert 0 <= correct <= 32
    assert correct == int((net(images).argmax(dim=1) == labels).sum())


# What a student would not type: publishing files for the site, and the build's own checks.
SITE_PLUMBING = {"publish", "Downloads", "read_receipt", "write_demo_data", "demo_models"}


@pytest.mark.parametrize("section", sorted(p.name for p in EXAMPLES.glob("plot_*.py")))
def test_sections_hold_no_build_plumbing(section: str) -> None:
    tree = ast.parse((EXAMPLES / section).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        name = getattr(node, "id", None) or getattr(node, "attr", None)
        assert name not in SITE_PLUMBING, f"{section} line {node.lineno}: {name} is the build's job"
        # A target check that stops the build belongs to docs/_ext/trained_networks.py.
        assert not isinstance(node, ast.Raise), f"{section} line {node.lineno} raises"
        if isinstance(node, ast.If):
            names = {getattr(n, "id", None) for n in ast.walk(node.test)}
            assert "quick_mode" not in names, f"{section} line {node.lineno}: a quick-mode branch"
