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
    """The repository and commit the build used (written by site_tools/repository.py)."""
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


def minutes(seconds: float) -> str:
    """As docs/_ext/build_facts.py's format_minutes writes a running time."""
    return f"{int(seconds // 60):02d}:{seconds % 60:06.3f}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_facts_line_says_the_run_that_made_the_outputs(html_dir: Path, name: str):
    """The line, the build page's row and build-facts.json agree on date, commit and time."""
    facts = " ".join(re.sub(r"<[^>]+>", "", paragraph(html_dir, name, "page-facts")).split())
    record = json.loads((html_dir / "build-facts.json").read_text(encoding="utf-8"))
    run = record["section_runs"][name]
    assert run, f"the build recorded no run of {name}"
    made = f"Built on {run['device']} on {run['date']} UTC from commit {run['commit']};"
    assert made in facts, f"{name}: {facts!r} does not say {made!r}"
    assert f"ran in {minutes(run['seconds'])}" in facts, f"{name}: {facts!r}"
    build = (html_dir / "build.html").read_text(encoding="utf-8")
    row = re.search(rf'href="auto_examples/{name}.html".*?</tr>', build, re.S)
    assert row, f"the build page has no row for {name}"
    cells = re.sub(r"<[^>]+>", " ", row.group(0))
    for value in (run["date"], run["commit"], minutes(run["seconds"])):
        assert value in cells, f"the build page's row for {name} lacks {value!r}: {cells!r}"
