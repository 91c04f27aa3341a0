"""docs/_ext/source_pages.py: source pages older than the templates are written again."""

from __future__ import annotations

import os
from pathlib import Path

from source_pages import forget_stale_pages


def test_only_pages_older_than_the_newest_template_are_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "_modules" / "mnist_tutorial"
    folder.mkdir(parents=True)
    old, new = folder / "cache.html", folder / "data.html"
    for page, mtime in ((old, 1000.0), (new, 3000.0)):
        page.write_text("<html></html>")
        os.utime(page, (mtime, mtime))
    other = tmp_path / "index.html"  # not a source page: Sphinx itself rewrites it
    other.write_text("<html></html>")
    os.utime(other, (1000.0, 1000.0))
    assert forget_stale_pages(tmp_path, newest_template=2000.0) == [old]
    assert not old.exists()
    assert new.exists()
    assert other.exists()
