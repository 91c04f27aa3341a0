"""The code each section teaches, as a reader gets it: on the page, in the notebook, runnable.

tests/test_taught_code.py compares the examples with the package without a build; these checks
look at what the build made of them: highlighted code on the page, a code cell in the notebook
that runs alone in a fresh kernel, and a notebook whose edited Trainer trains anew.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from site_helpers import EXAMPLES
from test_taught_code import TAUGHT  # tests/ is on pytest's pythonpath

pytestmark = pytest.mark.site

DEFINES = {name: re.compile(rf"^(class|def) {name}\b", re.M) for _, name, _ in TAUGHT}
KERNEL_TIMEOUT_S = 600


def notebook_cells(html_dir: Path, section: str) -> list[nbformat.NotebookNode]:
    found = sorted((html_dir / "_downloads").rglob(f"{Path(section).stem}.ipynb"))
    assert found, f"no notebook of {section} in the site"
    return nbformat.read(found[0], as_version=4).cells


def code_cell(html_dir: Path, section: str, pattern: re.Pattern) -> str:
    cells = [c.source for c in notebook_cells(html_dir, section) if c.cell_type == "code"]
    found = [source for source in cells if pattern.search(source)]
    assert len(found) == 1, f"{section}: {len(found)} code cells match {pattern.pattern!r}"
    return found[0]


def run_in_fresh_kernel(sources: list[str], folder: Path) -> list[str]:
    """Run the cells in a new kernel; return each cell's printed output."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        notebook,
        timeout=KERNEL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in notebook.cells]


@pytest.mark.parametrize(("section", "name", "module"), TAUGHT)
def test_page_shows_the_taught_code_as_highlighted_code(
    html_dir: Path, section: str, name: str, module: str
) -> None:
    page = (html_dir / "auto_examples" / f"{Path(section).stem}.html").read_text("utf-8")
    blocks = re.findall(
        r'<div class="highlight-Python[^"]*"><div class="highlight"><pre>(.*?)</pre>', page, re.S
    )
    text = [re.sub(r"<[^>]+>", "", block) for block in blocks]
    assert any(DEFINES[name].search(block) for block in text), f"{section} shows no code of {name}"


@pytest.mark.parametrize(("section", "name", "module"), TAUGHT)
def test_notebook_holds_the_taught_code_as_a_code_cell(
    html_dir: Path, section: str, name: str, module: str
) -> None:
    cell = code_cell(html_dir, section, DEFINES[name])
    assert "mnist_tutorial" not in cell, f"{section}: the cell of {name} needs the package"


@pytest.mark.notebook
@pytest.mark.parametrize(
    ("section", "name"),
    [("plot_02_build_cnn.py", "ConvNet"), ("plot_07_compare_fully_connected.py", "FCNet")],
)
def test_network_cell_runs_alone_with_only_torch_imported(
    html_dir: Path, tmp_path: Path, section: str, name: str
) -> None:
    cell = code_cell(html_dir, section, re.compile(rf"^class {name}\(nn\.Module\):", re.M))
    check = f"print(tuple({name}()(torch.zeros(1, 1, 28, 28)).shape))"
    outputs = run_in_fresh_kernel(["import torch", cell, check], tmp_path)
    assert outputs[-1].strip() == "(1, 10)"


def test_training_notebook_has_the_five_steps_in_a_code_cell(html_dir: Path) -> None:
    cell = code_cell(html_dir, "plot_03_train.py", DEFINES["Trainer"])
    for step in (
        ".zero_grad()",
        "self.net(images)",
        "self.loss_function(",
        ".backward()",
        ".step()",
    ):
        assert step in cell, f"the Trainer's cell lacks {step}"


def test_graph_and_loss_plot_are_code_a_reader_can_run(html_dir: Path) -> None:
    code_cell(html_dir, "plot_02_build_cnn.py", re.compile(r"\bmake_dot\("))
    plot = code_cell(html_dir, "plot_03_train.py", re.compile(r"\.plot\(epochs, trained\.losses"))
    assert "import matplotlib.pyplot as plt" in plot


@pytest.mark.notebook
def test_an_edited_trainer_in_the_notebook_trains_anew(
    html_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache already holds the network the original Trainer trains (quick mode); a reader who
    # scales the loss by 0 must see a network trained by the edit, not the cached original.
    cache = tmp_path / "model-cache"
    monkeypatch.setenv("MNIST_TUTORIAL_QUICK", "1")
    monkeypatch.setenv("MNIST_TUTORIAL_CACHE", str(cache))
    if "MNIST_TUTORIAL_DATA" in os.environ:
        monkeypatch.setenv(
            "MNIST_TUTORIAL_DATA", str(Path(os.environ["MNIST_TUTORIAL_DATA"]).absolute())
        )
    cells = [
        c.source for c in notebook_cells(html_dir, "plot_03_train.py") if c.cell_type == "code"
    ]
    end = next(
        i
        for i, source in enumerate(cells)
        if "load_or_train(" in source and "trainer_class=Trainer" in source
    )
    original = cells[1 : end + 2]  # after the install cell, up to the loss history
    first = run_in_fresh_kernel(original, tmp_path)
    assert "Training ConvNet" in "".join(first)
    again = run_in_fresh_kernel(original, tmp_path)
    assert "Loaded the trained ConvNet from the cache" in "".join(again)
    edit = ("loss = self.loss_function(", "loss = 0 * self.loss_function(")
    edited = [source.replace(*edit) for source in original]
    assert edited != original
    outputs = "".join(run_in_fresh_kernel(edited, tmp_path))
    assert "Training ConvNet" in outputs
    history = re.findall(r"^\s*\d+\s+(\d+\.\d+)$", outputs, re.M)  # the loss history's rows
    assert history, outputs
    assert all(float(loss) == 0 for loss in history), history


@pytest.mark.parametrize("name", EXAMPLES)
def test_downloaded_script_says_how_to_install_its_package(html_dir: Path, name: str) -> None:
    found = sorted((html_dir / "_downloads").rglob(f"{name}.py"))
    assert found, f"no {name}.py download"
    script = found[0].read_text(encoding="utf-8")
    assert script.startswith("# To run this script"), script[:200]
    recorded = json.loads((html_dir / "repository.json").read_text())
    header = script.split("\n\n", 1)[0]
    if recorded["commit"]:
        assert recorded["commit"] in header
        assert "pip install" in header
    else:
        assert "pip install -e ." in header
    assert header.splitlines()[-1] == f"#     python {name}.py"
    compile(script, name, "exec")


def test_later_sections_use_the_network_that_section_3s_own_trainer_trained(
    example_pages,
) -> None:
    # Section 3 trains with the Trainer written on its page; the package's identical copy must
    # find that network in the cache, or every later section would quietly train its own.
    evaluation = example_pages["plot_04_evaluate"].outputs
    assert any("Loaded the trained ConvNet from the cache" in out for out in evaluation), (
        "section 4 did not load section 3's ConvNet from the cache"
    )
