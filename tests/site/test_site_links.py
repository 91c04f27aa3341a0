"""Every link inside the built site leads somewhere: files exist and #fragments name an id."""

from __future__ import annotations

import pytest
from site_helpers import Page, read_page, resolve

pytestmark = pytest.mark.site


def broken_links(page: Page) -> list[str]:
    """The links of ``page`` to a missing file, or to an id that the target page lacks."""
    broken = []
    for link in page.links:
        target = resolve(page, link)
        if target is None:
            continue  # external: not checked (the build machines are offline)
        path, fragment = target
        if not path.is_file():
            broken.append(f"{link} (no file {path})")
        elif fragment and path.suffix == ".html" and fragment not in read_page(path).ids:
            broken.append(f"{link} (no id {fragment!r} in {path.name})")
    return broken


def test_internal_links_resolve(all_pages: list[Page], html_dir) -> None:
    problems = {
        str(page.path.relative_to(html_dir)): bad
        for page in all_pages
        if (bad := broken_links(page))
    }
    assert not problems, "broken internal links:\n" + "\n".join(
        f"{page}: {', '.join(bad)}" for page, bad in problems.items()
    )


def test_every_page_links_somewhere(all_pages: list[Page]) -> None:
    # Guards the link check itself: a parser that finds no links would pass it vacuously.
    assert len(all_pages) > 10
    assert all(page.links for page in all_pages)
