"""What every download starts with: the notebook's install cell, the script's install lines.

Where the package is already importable (a local checkout, the docs build) the cell prints
nothing and installs nothing. Elsewhere (Colab, a fresh Jupyter) it pip-installs the package
from the repository and commit that produced the page, so the notebook runs the same code as
its outputs came from. When the build did not know its repository, or the install fails, the
cell stops with what the reader can do instead.

A downloaded ``.py`` script cannot install anything before its imports run, so its first lines
(comments, added to the site's downloads at the end of the build) say how to install the same
package at the same commit, then how to run it.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
import zipfile
from pathlib import Path

from site_tools.repository import Repository

_HEADER = """\
# Setup for Colab or a fresh Jupyter: {what}
# On Colab, train on a GPU: Runtime -> Change runtime type -> GPU (then run all cells again).
try:
    import graphviz
    import mnist_tutorial
    import torchviz
except ImportError:
"""

_INSTALL = """\
    import subprocess
    import sys

    PACKAGE = {requirement}
    if subprocess.call(
        [sys.executable, "-m", "pip", "install", "--quiet", "torchviz", "graphviz",
         "setuptools", PACKAGE]
    ):
        raise RuntimeError(
            {message}
        ) from None
"""

_UNKNOWN = """\
    raise ModuleNotFoundError(
        {message}
    ) from None
"""

_FOOTER = "%matplotlib inline"
_NBSP = "\N{NO-BREAK SPACE}"


def _literal(text: str, indent: int) -> str:
    """``text`` as adjacent Python string literals, one per line of the cell.

    Lines break between words, never inside `code` (its spaces are protected while wrapping).
    """
    text = re.sub(r"`[^`]+`", lambda m: m.group(0).replace(" ", _NBSP), text)
    lines = textwrap.wrap(text, width=80, break_long_words=False, break_on_hyphens=False)
    lines = [line.replace(_NBSP, " ") for line in lines]
    pieces = [json.dumps(line + " ") for line in lines[:-1]] + [json.dumps(lines[-1])]
    return ("\n" + " " * indent).join(pieces)


def first_notebook_cell(repository: Repository | None) -> str:
    """The cell's source for a build from ``repository`` (None: the repository is unknown)."""
    if repository is None:
        what = "checks that this tutorial's package is installed."
        body = _UNKNOWN.format(
            message=_literal(
                "This notebook needs the mnist_tutorial package, and the site it came from "
                "does not say where the project's code lives, so it cannot install it. Clone "
                "the mnist-tutorial project, run `pip install -e .` in the clone, and start "
                "Jupyter from the same environment.",
                indent=8,
            )
        )
    else:
        what = (
            "if this tutorial's package is missing, it is installed\n"
            f"# from {repository.url} at commit {repository.commit},\n"
            "# the code that produced this notebook's outputs."
        )
        body = _INSTALL.format(
            requirement=json.dumps(repository.pip_requirement),
            message=_literal(
                f"Could not install mnist_tutorial from {repository.url} at commit "
                f"{repository.commit} (pip's error is above). Instead: clone {repository.url}, "
                f"check out {repository.commit}, run `pip install -e .` in the clone, and start "
                "Jupyter from the same environment.",
                indent=12,
            ),
        )
    return _HEADER.format(what=what) + body + _FOOTER


SCRIPT_MARK = "# To run this script"  # the header's first words: it is added once


def script_header(repository: Repository | None, script: str) -> str:
    """The comment lines that open a downloaded script: how to install its package and run it."""
    if repository is None:
        lines = [
            f"{SCRIPT_MARK}: it imports the mnist_tutorial package, and the site it came from",
            "# does not say where the project's code lives. Clone the mnist-tutorial project, run",
            "#     python -m pip install -e .",
            "# in the clone, then run this script with the same Python:",
        ]
    else:
        lines = [
            f"{SCRIPT_MARK} outside the tutorial's checkout, first install the mnist_tutorial",
            f"# package from {repository.url} at commit {repository.commit},",
            "# the code that produced this page's outputs (once per environment):",
            "#     python -m pip install torchviz graphviz setuptools \\",
            f"#         {json.dumps(repository.pip_requirement)}",
            "# Section 2's graph needs no system Graphviz: the package draws it. Then run it:",
        ]
    return "\n".join([*lines, f"#     python {script}", "", ""])


def add_script_header(text: str, repository: Repository | None, script: str) -> str:
    """``text`` with the header in front (unchanged if it has one)."""
    if text.startswith(SCRIPT_MARK):
        return text
    return script_header(repository, script) + text


def _add_to_zip(path: Path, repository: Repository | None) -> None:
    rewritten = path.with_suffix(".tmp")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            name = Path(item.filename).name
            if name.startswith("plot_") and name.endswith(".py"):
                data = add_script_header(data.decode("utf-8"), repository, name).encode("utf-8")
            target.writestr(item, data)
    shutil.move(rewritten, path)


def add_script_headers(downloads: Path, repository: Repository | None) -> list[Path]:
    """Add the header to every example script under the site's ``_downloads``; return them."""
    changed = []
    for path in sorted(downloads.rglob("plot_*.py")):
        text = path.read_text(encoding="utf-8")
        path.write_text(add_script_header(text, repository, path.name), encoding="utf-8")
        changed.append(path)
    for path in sorted(downloads.rglob("*_python.zip")):
        _add_to_zip(path, repository)
        changed.append(path)
    return changed
