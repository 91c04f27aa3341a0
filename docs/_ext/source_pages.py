"""The "[source]" pages of viewcode (``_modules/``) rewritten when the templates change.

``sphinx.ext.viewcode`` writes a module's source page again only when the module's file is
newer than the page. Every other page is written again when a template changes (Sphinx compares
the newest template with each page), but a source page kept the ``<head>`` of the build that
wrote it: after ``_templates/layout.html`` stopped loading a script, the source pages of an
incremental build still loaded it. This extension deletes the source pages older than the
newest template before viewcode decides, so viewcode writes them again.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

SOURCE_PAGES = "_modules"


def forget_stale_pages(outdir: Path, newest_template: float) -> list[Path]:
    """Delete the source pages under ``outdir`` written before ``newest_template`` (an mtime)."""
    stale = [
        page
        for page in sorted((outdir / SOURCE_PAGES).rglob("*.html"))
        if page.stat().st_mtime < newest_template
    ]
    for page in stale:
        page.unlink()
    return stale


def _forget(app: Sphinx):
    if app.builder.format == "html":
        forget_stale_pages(Path(app.outdir), app.builder.templates.newest_template_mtime())
    return []  # no pages of its own


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-collect-pages", _forget, priority=400)  # before viewcode's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
