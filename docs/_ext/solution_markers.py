"""The course edition's solution markers never reach a page or a download of the site.

The examples mark the code a student writes between ``# BEGIN SOLUTION`` and ``# END
SOLUTION`` (course/regions.py builds the student edition from them). The site shows the full
code without those two comment lines: they are removed from each example's generated reST as
Sphinx reads it (``source-read``), and at the end of the build from the downloadable scripts,
notebooks and zip files and from the pages' source copies (``_sources``). sphinx-gallery 0.22
has no hook that edits an example's source before it writes these files, and the example
itself must keep its markers, so the outputs are edited.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

from sphinx.application import Sphinx

# A whole marker line, at any indent (a reST code block indents it by four more spaces).
# Kept equal to course/regions.py's pattern: tests/test_solution_markers.py compares them.
MARKER_LINE = re.compile(r"^[ \t]*# (?:BEGIN|END) SOLUTION[ \t]*\r?\n?", re.M)


def strip_markers(text: str) -> str:
    return MARKER_LINE.sub("", text)


def strip_notebook(text: str) -> str:
    """A notebook's JSON with the marker lines removed from every cell's source."""
    notebook = json.loads(text)
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        joined = "".join(source) if isinstance(source, list) else source
        stripped = strip_markers(joined)
        if stripped != joined:
            is_list = isinstance(source, list)
            cell["source"] = stripped.splitlines(keepends=True) if is_list else stripped
    return json.dumps(notebook, indent=2) + "\n"


def _strip_file(name: str, data: bytes) -> bytes:
    if name.endswith((".py", ".txt")):
        return strip_markers(data.decode("utf-8")).encode("utf-8")
    if name.endswith(".ipynb"):
        return strip_notebook(data.decode("utf-8")).encode("utf-8")
    return data


def _strip_zip(path: Path) -> None:
    rewritten = path.with_suffix(".tmp")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, _strip_file(item.filename, source.read(item)))
    shutil.move(rewritten, path)


def strip_downloads(downloads: Path) -> list[Path]:
    """Remove the markers from every script, notebook, zip and page source under ``downloads``."""
    changed = []
    for path in sorted(downloads.rglob("*")):
        if path.suffix in (".py", ".ipynb", ".txt"):
            data = path.read_bytes()
            stripped = _strip_file(path.name, data)
            if stripped != data:
                path.write_bytes(stripped)
                changed.append(path)
        elif path.suffix == ".zip":
            _strip_zip(path)
            changed.append(path)
    return changed


def _strip_source(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname.startswith("auto_examples/"):
        source[0] = strip_markers(source[0])


def _strip_downloads(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        strip_downloads(Path(app.outdir) / "_downloads")
        # The "show source" copies of the pages: Sphinx copies the file, not what was read.
        strip_downloads(Path(app.outdir) / "_sources")


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("source-read", _strip_source)
    app.connect("build-finished", _strip_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
