"""The theme's icon fonts cut down to the icons this site shows.

pydata-sphinx-theme draws its icons (menu, search, light and dark mode, arrows, the marks of
admonitions and external links) with Font Awesome's fonts, which hold about 2,000 icons: a
phone downloaded 115 kB of the "solid" font for the dozen icons of a page, and 110 kB more of
the "brands" font on a page with one GitHub link (Lighthouse counted both against the first
paint). After the build this extension keeps in each font only the icons that the site's pages,
scripts and stylesheets can ask for:

- the icons named by a class (``fa-moon``) in any page or script of the site, looked up in the
  theme's stylesheet, which maps each ``.fa-<name>`` class to its character;
- every icon character the stylesheets use themselves (admonitions, breadcrumbs, external and
  download links, ...), outside that class table.

The cut fonts are written over the copies in the built site (the theme's own files are not
touched). A character that no font holds afterwards stops the build, naming it, so an icon can
never silently turn into an empty box.
"""

from __future__ import annotations

import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from mnist_tutorial.files import atomic_write

logger = logging.getLogger(__name__)

FONTS = Path("_static") / "vendor" / "fontawesome" / "webfonts"
# One rule of the class table: ".fa-house,.fa-home{--fa:"\f015"}" (a single declaration).
CLASS_RULE = re.compile(r'([^{}]*)\{--fa:"\\([0-9a-fA-F]+)"\}')
CLASS_NAME = re.compile(r"\.(fa-[a-z0-9-]+)")
USED_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
ESCAPE = re.compile(r"\\([0-9a-fA-F]{4,6})")
PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")


def icon_classes(css: str) -> dict[str, int]:
    """The class table of a Font Awesome stylesheet: ``fa-<name>`` -> its character."""
    table = {}
    for selectors, code in CLASS_RULE.findall(css):
        for name in CLASS_NAME.findall(selectors):
            table[name] = int(code, 16)
    return table


def characters_in_rules(css: str) -> set[int]:
    """The icon characters a stylesheet uses outside its class table (escaped or literal)."""
    rest = CLASS_RULE.sub("", css)
    escaped = {chr(int(code, 16)) for code in ESCAPE.findall(rest)}
    literal = set(PRIVATE_USE.findall(rest))
    return {ord(char) for char in escaped if PRIVATE_USE.fullmatch(char)} | {
        ord(char) for char in literal
    }


def needed_characters(stylesheets: list[str], pages_and_scripts: list[str]) -> set[int]:
    """The icon characters the site can show, from its stylesheets, pages and scripts."""
    table: dict[str, int] = {}
    needed: set[int] = set()
    for css in stylesheets:
        table.update(icon_classes(css))
        needed |= characters_in_rules(css)
    for text in pages_and_scripts:
        needed |= {table[name] for name in USED_CLASS.findall(text) if name in table}
    return needed


def cut_font(path: Path, characters: set[int]) -> set[int]:
    """Rewrite the WOFF2 font ``path`` with only ``characters``; return those it holds."""
    font = TTFont(path)
    held = set(font.getBestCmap()) & characters
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []  # icons: no ligatures or kerning needed
    options.name_IDs = ["*"]  # keep the names (the licence is in them)
    options.notdef_outline = True
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=held)
    cutter.subset(font)
    with atomic_write(path, "wb") as f:
        font.flavor = "woff2"
        font.save(f)
    return held


def cut_site_fonts(outdir: Path) -> dict[str, tuple[int, int]]:
    """Cut every font of the built site at ``outdir``; ``{font: (bytes before, after)}``."""
    fonts = sorted((outdir / FONTS).glob("*.woff2"))
    if not fonts:
        return {}
    stylesheets = [
        path.read_text(encoding="utf-8") for path in sorted((outdir / "_static").rglob("*.css"))
    ]
    pages_and_scripts = [
        path.read_text(encoding="utf-8", errors="replace")
        for pattern in ("**/*.html", "_static/**/*.js")  # the theme's scripts add icons too
        for path in sorted(outdir.glob(pattern))
    ]
    needed = needed_characters(stylesheets, pages_and_scripts)
    sizes, held = {}, set()
    for font in fonts:
        before = font.stat().st_size
        held |= cut_font(font, needed)
        sizes[font.name] = (before, font.stat().st_size)
    if missing := needed - held:
        names = ", ".join(f"U+{code:04X}" for code in sorted(missing))
        raise ExtensionError(
            f"icon characters {names} are used by the site but held by none of the fonts in "
            f"{outdir / FONTS}: check the theme's stylesheet and fonts (pydata-sphinx-theme)."
        )
    return sizes


def _cut(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        for name, (before, after) in cut_site_fonts(Path(app.outdir)).items():
            logger.info(f"[icon fonts] {name}: {before / 1e3:.0f} kB -> {after / 1e3:.1f} kB")


def setup(app: Sphinx) -> dict[str, object]:
    # After the theme's own build-finished steps (it rewrites pygments.css there).
    app.connect("build-finished", _cut, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
