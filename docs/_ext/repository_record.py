"""Records in the built site which repository and commit the notebooks install from.

The lookup itself is ``site_tools/repository.py``; this extension writes its result into
``repository.json`` at the root of the site, for the tests and section 1's links.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from sphinx.application import Sphinx

from site_tools.repository import RECORD, this_build


def _record(app: Sphinx, exception: Exception | None) -> None:
    """Write what the notebooks install from into the site, for the tests and part 1's links."""
    if exception is None and app.builder.format == "html":
        found = this_build()
        fields = dataclasses.asdict(found) if found else dict.fromkeys(("url", "commit", "github"))
        (Path(app.outdir) / RECORD).write_text(json.dumps(fields, indent=2) + "\n")


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("build-finished", _record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
