"""In the API reference, each function and class of the package lists the sections using it.

sphinx-gallery records which of the package's objects each example uses (its
"backreferences"); this appends a ``minigallery`` of them to the docstring of every
documented function, class and method, so that "Sections using ..." appears under each one. The
directive renders nothing for an object that no section uses.
"""

from __future__ import annotations

from sphinx.application import Sphinx

PACKAGE = "mnist_tutorial"


def append_minigallery(app, what: str, name: str, obj, options, lines: list[str]) -> None:
    """autodoc-process-docstring handler: the sections using ``name``, under its docstring."""
    if what in ("function", "class", "method") and name.startswith(f"{PACKAGE}."):
        short = name.rsplit(".", 1)[-1]
        heading = f"Sections using ``{short}``"
        lines += ["", f".. minigallery:: {name}", f"   :add-heading: {heading}", ""]


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("autodoc-process-docstring", append_minigallery)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
