"""Fixtures for the checks of the BUILT site (docs/_build/html, or $SITE_HTML)."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_helpers import EXAMPLES, ROOT, Page, read_page

# jupyter_core warns about its folders unless told which ones to use (warnings are errors here).
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: opens the pages in headless Chromium")
    config.addinivalue_line("markers", "notebook: executes the downloadable notebooks")


@pytest.fixture(scope="session")
def html_dir() -> Path:
    """The built site; the checks fail (not skip) without one, so a CI run cannot pass empty."""
    folder = Path(os.environ.get("SITE_HTML", ROOT / "docs" / "_build" / "html")).absolute()
    if not (folder / "index.html").is_file():
        pytest.fail(f"no built site in {folder}: run `nox -s docs-quick` (or docs) first")
    return folder


@pytest.fixture(scope="session")
def example_pages(html_dir: Path) -> dict[str, Page]:
    """The page of every tutorial section, by example name."""
    return {name: read_page(html_dir / "auto_examples" / f"{name}.html") for name in EXAMPLES}


@pytest.fixture(scope="session")
def all_pages(html_dir: Path) -> list[Page]:
    """Every page of the site (_static/ holds theme templates, not pages)."""
    paths = sorted(html_dir.rglob("*.html"))
    return [read_page(path) for path in paths if "_static" not in path.relative_to(html_dir).parts]


@pytest.fixture(scope="session")
def site_url(html_dir: Path) -> Iterator[str]:
    """The built site served over HTTP on a free local port, for the browser."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
