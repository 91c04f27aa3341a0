"""A downloaded notebook installs the package from the build's repository at its commit.

End to end and offline. The site must have been built with ``MNIST_TUTORIAL_REPOSITORY`` set to
a local clone (``file://``), as ``.ci/run`` does; it records the repository and commit in
``repository.json``. Section 1's notebook then runs in a fresh virtual environment that sees this
environment's packages (torch, ipykernel, pip, setuptools) but not mnist_tutorial: its first cell
must install mnist_tutorial from the clone at that commit, and every cell must run.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from site_helpers import EXAMPLES

pytestmark = [pytest.mark.site, pytest.mark.notebook]

NAME = EXAMPLES[0]  # section 1: the shortest run
KERNEL = "mnist-tutorial-fresh-venv"
CELL_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def recorded(html_dir: Path) -> dict[str, str]:
    """The repository and commit the build installs from; skip unless it is a local clone."""
    record = json.loads((html_dir / "repository.json").read_text())
    if not (record["url"] or "").startswith("file://"):
        reason = (
            f"the site was built from {record['url'] or 'an unknown repository'}, not a local "
            "clone, so its notebooks cannot install offline: build with "
            "MNIST_TUTORIAL_REPOSITORY=file://<a clone of this checkout> (as .ci/run does)"
        )
        if os.environ.get("MNIST_TUTORIAL_REPOSITORY"):  # the caller meant this test to run
            pytest.fail(reason)
        pytest.skip(reason)
    return record


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment that imports this one's packages, but not mnist_tutorial.

    A ``.pth`` file adds this environment's site-packages to its path. Python does not process
    the ``.pth`` files of a folder added that way, so an editable install of mnist_tutorial here
    (a ``.pth`` file and its finder) stays invisible there.
    """
    folder = tmp_path_factory.mktemp("notebook-venv")
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    purelib = _run(python, "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    (Path(purelib) / "this-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run(python, "import ipykernel, pip, setuptools, torch")
    hidden = "import importlib.util as u; print(u.find_spec('mnist_tutorial') is None)"
    assert _run(python, hidden).strip() == "True", "the fresh venv already sees mnist_tutorial"
    return folder


def _run(python: Path, code: str) -> str:
    """The output of ``python -c code``, run in the venv folder (not a checkout), no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    folder = python.parents[1]
    return subprocess.run(
        [str(python), "-c", code], cwd=folder, env=env, check=True, capture_output=True, text=True
    ).stdout


def _kernel_spec(folder: Path, python: Path) -> Path:
    """A Jupyter path whose one kernel is ``python`` (the fresh venv's interpreter)."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "fresh venv", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return folder


def test_notebook_installs_the_build_commit_from_the_clone(
    html_dir: Path,
    recorded: dict[str, str],
    fresh_venv: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    url, commit = recorded["url"], recorded["commit"]
    found = sorted((html_dir / "_downloads").rglob(f"{NAME}.ipynb"))
    assert found, f"no {NAME}.ipynb under {html_dir / '_downloads'}"
    notebook = nbformat.read(found[0], as_version=4)
    assert f'"git+{url}@{commit}"' in notebook.cells[0].source, notebook.cells[0].source

    # The kernel inherits this environment: offline pip, quick mode, no path to the package.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    # Building the package needs setuptools: offline, the one this environment has (pip reads
    # this variable backwards: "0" turns build isolation off).
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")
    monkeypatch.setenv("PIP_CACHE_DIR", str(tmp_path / "pip-cache"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("MNIST_TUTORIAL_QUICK", "1")
    monkeypatch.setenv("MNIST_TUTORIAL_CACHE", str(tmp_path / "model-cache"))
    if "MNIST_TUTORIAL_DATA" in os.environ:
        monkeypatch.setenv(
            "MNIST_TUTORIAL_DATA", str(Path(os.environ["MNIST_TUTORIAL_DATA"]).absolute())
        )
    python = fresh_venv / "bin" / "python"
    monkeypatch.setenv("JUPYTER_PATH", str(_kernel_spec(tmp_path / "jupyter", python)))

    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails

    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code_cells), "not every cell ran"
    where = "import mnist_tutorial, sys; print(mnist_tutorial.__file__); print(sys.prefix)"
    module, prefix = _run(python, where).split()
    assert Path(module).is_relative_to(prefix), f"mnist_tutorial came from {module}"
    direct_url = _run(
        python,
        "import importlib.metadata as m; print(m.distribution('mnist-tutorial')"
        ".read_text('direct_url.json'))",
    )
    source = json.loads(direct_url)
    assert source["url"] == url
    assert source["vcs_info"] == {
        "vcs": "git",
        "commit_id": commit,
        "requested_revision": commit,
    }
