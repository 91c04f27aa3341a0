"""docs/_ext/icon_fonts.py: the icon fonts keep exactly the icons the site can show."""

from __future__ import annotations

import shutil
from pathlib import Path

import icon_fonts
import pydata_sphinx_theme
import pytest
from fontTools.ttLib import TTFont
from sphinx.errors import ExtensionError

THEME_FONTS = (
    Path(pydata_sphinx_theme.__file__).parent
    / "theme/pydata_sphinx_theme/static/vendor/fontawesome/webfonts"
)
CSS = (
    '.fa-moon{--fa:"\\f186"}.fa-house,.fa-home{--fa:"\\f015"}.fa-bars{--fa:"\\f0c9"}'
    ':root{--pst-icon-download:"\uf019"}a.external:after{content:"\\f35d"}'
)


def test_the_class_table_maps_every_name_of_a_rule() -> None:
    assert icon_fonts.icon_classes(CSS) == {
        "fa-moon": 0xF186,
        "fa-house": 0xF015,
        "fa-home": 0xF015,
        "fa-bars": 0xF0C9,
    }


def test_the_site_needs_its_classes_and_the_stylesheets_own_icons() -> None:
    page = '<i class="fa-solid fa-home"></i> <span class="fa-unknown"></span>'
    needed = icon_fonts.needed_characters([CSS], [page])
    # fa-home from the page; download (literal) and external link (escaped) from the rules;
    # not the moon or the bars, which no page uses
    assert needed == {0xF015, 0xF019, 0xF35D}


def test_a_cut_font_holds_only_what_was_asked(tmp_path: Path) -> None:
    font = tmp_path / "fa-solid-900.woff2"
    shutil.copy(THEME_FONTS / font.name, font)
    before = font.stat().st_size
    held = icon_fonts.cut_font(font, {0xF015, 0xF186, 0x10FFFD})  # the last is in no font
    assert held == {0xF015, 0xF186}
    assert set(TTFont(font).getBestCmap()) == held
    assert font.stat().st_size < before / 20


def test_an_icon_that_no_font_holds_stops_the_build(tmp_path: Path) -> None:
    fonts = tmp_path / icon_fonts.FONTS
    fonts.mkdir(parents=True)
    shutil.copy(THEME_FONTS / "fa-brands-400.woff2", fonts)  # no house in the brands font
    (tmp_path / "_static" / "theme.css").write_text(CSS, encoding="utf-8")
    (tmp_path / "index.html").write_text('<i class="fa-house"></i>', encoding="utf-8")
    with pytest.raises(ExtensionError, match=r"U\+F015, U\+F019, U\+F35D are used by the site"):
        icon_fonts.cut_site_fonts(tmp_path)
