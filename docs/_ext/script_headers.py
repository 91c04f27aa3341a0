"""Puts the install instructions atop every downloadable script, at the end of the build.

What the lines say is ``site_tools/notebook_setup.py``'s (the notebooks' first cell too).
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from site_tools.notebook_setup import add_script_headers
from site_tools.repository import this_build


def _add_headers(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        add_script_headers(Path(app.outdir) / "_downloads", this_build())


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("build-finished", _add_headers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
