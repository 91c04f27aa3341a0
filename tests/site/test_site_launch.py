"""The line under each section's title: launch and download links, and the build's facts.

Every link must point at this very page's own files (no copy-paste drift between sections),
and the facts must be the ones the build recorded ("About this build").
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from site_helpers import EXAMPLES, read_page, resolve

pytestmark = pytest.mark.site


def paragraph(html_dir: Path, name: str, css_class: str) -> str:
    html = (html_dir / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")
    found = re.search(rf'<p class="{css_class}">(.*?)</p>', html, re.S)
    assert found, f"{name}: no {css_class} line under the title"
    return found.group(1)


@pytest.fixture(scope="module")
def recorded(html_dir: Path) -> dict:
    """The repository and commit the build used (written by docs/repository.py)."""
    return json.loads((html_dir / "repository.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_launch_links_point_at_this_pages_files(html_dir: Path, recorded: dict, name: str):
    page = read_page(html_dir / "auto_examples" / f"{name}.html")
    hrefs = re.findall(r'href="([^"]+)"', paragraph(html_dir, name, "launch-links"))
    downloads = [href for href in hrefs if not href.startswith("http")]
    names = sorted(Path(unquote(href)).name for href in downloads)
    assert names == [f"{name}.ipynb", f"{name}.py"], f"{name}: downloads {downloads}"
    for href in downloads:
        target, _ = resolve(page, href)
        assert target.is_file(), f"{name}: {href} is missing"
    external = [href for href in hrefs if href.startswith("http")]
    if recorded["github"]:
        repo, commit = recorded["github"], recorded["commit"]
        assert external == [
            f"https://colab.research.google.com/github/{repo}/blob/notebooks/{name}.ipynb",
            f"https://github.com/{repo}/blob/{commit}/examples/{name}.py",
        ]
    else:  # a local clone or an unknown repository: nothing on GitHub to open
        assert external == [], f"{name}: links to {external} without a GitHub repository"


@pytest.mark.parametrize("name", EXAMPLES)
def test_facts_line_says_the_device_and_time_the_build_recorded(html_dir: Path, name: str):
    facts = re.sub(r"<[^>]+>", "", paragraph(html_dir, name, "page-facts"))
    build = (html_dir / "build.html").read_text(encoding="utf-8")
    device = re.search(r"<td><p>Device</p></td>\s*<td><p>([^<]+)</p>", build)
    assert device, "the build page shows no device"
    assert f"Built on {device.group(1)};" in facts
    row = re.search(rf'href="auto_examples/{name}.html".*?</td>\s*<td><p>([^<]+)</p>', build, re.S)
    assert row, f"the build page has no time for {name}"
    assert f"ran in {row.group(1)}" in facts, f"{name}: {facts!r} vs the build page's {row[1]}"
