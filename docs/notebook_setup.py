"""The first cell of every downloadable notebook: installs the package at this build's commit.

Where the package is already importable (a local checkout, the docs build) the cell prints
nothing and installs nothing. Elsewhere (Colab, a fresh Jupyter) it pip-installs the package
from the repository and commit that produced the page, so the notebook runs the same code as
its outputs came from. When the build did not know its repository, or the install fails, the
cell stops with what the reader can do instead.
"""

from __future__ import annotations

import json
import re
import textwrap

from repository import Repository

_HEADER = """\
# Setup for Colab or a fresh Jupyter: {what}
# On Colab, train on a GPU: Runtime -> Change runtime type -> GPU (then run all cells again).
# The network graph needs Graphviz's `dot` program; Colab has it, elsewhere install it with
# your package manager (in a notebook: !apt-get install -y graphviz).
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
