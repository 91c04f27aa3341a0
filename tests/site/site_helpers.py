"""What the site checks share: the section names, and one HTML page read into a Page."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
# The sections are the example files themselves: a new plot_NN_*.py is checked with no edit here.
EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("plot_*.py"))
QUICK_BANNER = "QUICK MODE"
# Attributes that point at another file of the site.
LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}


@dataclass
class Page:
    """What the checks need from one HTML page, read once with the standard HTML parser."""

    path: Path
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # every href/src that LINK_ATTRIBUTES names
    images: list[dict[str, str]] = field(default_factory=list)  # attributes of each <img>
    text: str = ""  # the visible text, without scripts and styles
    outputs: list[str] = field(default_factory=list)  # the printed output of each code cell


class _PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.text: list[str] = []
        self.skip = 0  # inside <script> or <style>
        self.output_depth = 0  # <div> depth inside a sphx-glr-script-out block
        self.output: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.page.ids.add(attributes["id"])
        if tag == "a" and "name" in attributes:
            self.page.ids.add(attributes["name"])
        if LINK_ATTRIBUTES.get(tag) in attributes:
            self.page.links.append(attributes[LINK_ATTRIBUTES[tag]])
        if tag == "img":
            self.page.images.append(attributes)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "div":
            if self.output_depth:
                self.output_depth += 1
            elif "sphx-glr-script-out" in attributes.get("class", "").split():
                self.output_depth = 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        if tag == "div" and self.output_depth:
            self.output_depth -= 1
            if not self.output_depth:
                self.page.outputs.append("".join(self.output))
                self.output = []

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.text.append(data)
        if self.output_depth:
            self.output.append(data)


@functools.cache
def read_page(path: Path) -> Page:
    page = Page(path)
    parser = _PageParser(page)
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    page.text = "".join(parser.text)
    return page


def is_quick(page: Page) -> bool:
    """A page built in quick mode says so in its output (tutorial_config prints a banner)."""
    return QUICK_BANNER in page.text


def resolve(page: Page, link: str) -> tuple[Path, str] | None:
    """The file and #fragment a relative link of ``page`` points at; None for external links."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link) or link.startswith("//"):
        return None  # http:, https:, mailto:, data:, javascript:, protocol-relative
    parts = urlsplit(link)
    if not parts.path:
        return page.path, unquote(parts.fragment)
    target = (page.path.parent / unquote(parts.path)).resolve()
    if link.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)
