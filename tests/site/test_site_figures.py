"""The figures in headless Chromium: true colours in dark mode, readable text on a phone.

- Dark mode: pydata-sphinx-theme dims every image there (a CSS filter), which turned the faint
  responses of section 6's feature maps black. Each figure's rendered pixels must be the same
  in dark and light mode.
- Phones: at 390 px the smallest text of every figure, its size at natural width (the build's
  ``figure-text-N`` class) times the width it is shown at, must be at least 6 CSS px. The
  sizes are written to ``figure-text-390.json`` beside the screenshots.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from site_helpers import EXAMPLES
from test_site_browser import browser, open_page, screenshots, set_theme  # noqa: F401

pytestmark = [pytest.mark.site, pytest.mark.browser]

FIGURES = "img.sphx-glr-single-img, img.sphx-glr-multi-img"
# A figure shown at a fractional position is blended with the page along its edge: compare
# inside that border. Inside, the theme's dimming filter moved white by 36 levels, and even
# brightness(.95) moves it by 13; the SVG graph's anti-aliased text differs by up to 7 levels
# between two renderings.
EDGE_PX = 2
MAX_LEVEL_DIFFERENCE = 8
PHONE_WIDTH = 390
MIN_PHONE_TEXT_PX = 6.0
TEXT_CLASS = re.compile(r"\bfigure-text-(\d+)\b")


def figure_pages(example_pages: dict) -> list[str]:
    return [name for name, page in example_pages.items() if page.images]


def load_every_figure(page) -> int:
    """Make every figure load now (they are lazy below the first) and wait; their count."""
    count = page.evaluate(
        f"() => {{ const f = [...document.querySelectorAll('{FIGURES}')];"
        " f.forEach(img => img.loading = 'eager'); return f.length; }"
    )
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{FIGURES}')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    return count


def rendered(locator) -> Image.Image:
    return Image.open(io.BytesIO(locator.screenshot(animations="disabled"))).convert("RGB")


@pytest.mark.parametrize("name", EXAMPLES)
def test_figures_keep_their_colours_in_dark_mode(
    browser,  # noqa: F811
    site_url: str,
    example_pages: dict,
    name: str,
) -> None:
    if not example_pages[name].images:
        pytest.skip(f"{name} has no figure")
    page, errors = open_page(browser, f"{site_url}/auto_examples/{name}.html")
    try:
        page.set_viewport_size({"width": 1280, "height": 2400})  # the tallest figure fits
        load_every_figure(page)
        # Section 8's demo may start once in view, and then grows the page: start it and wait
        # until it is drawn, so that no figure moves between the two screenshots.
        if page.locator(".mnist-demo").count():
            page.evaluate("document.querySelector('.mnist-demo-start').click()")
            page.wait_for_function("Number(document.querySelector('.mnist-demo').dataset.runs) > 0")
            page.wait_for_timeout(200)
        # The sticky header, the skip link and the back-to-top button would cover part of a
        # tall figure, in the theme's colours.
        page.add_style_tag(
            content=".bd-header, #pst-back-to-top, #pst-skip-link { display: none !important; }"
        )
        # Figures in a closed dropdown (a solution) are not drawn: open them all.
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        figures = page.locator(FIGURES)
        count = figures.count()
        assert count, f"{name}: no figure found with {FIGURES}"
        set_theme(page, "light")
        light = [rendered(figures.nth(i)) for i in range(count)]
        set_theme(page, "dark")
        for i in range(count):
            img = figures.nth(i)
            css = img.evaluate("img => getComputedStyle(img).filter")
            dark = rendered(img)
            assert dark.size == light[i].size, f"{name}, figure {i + 1}: it moved between themes"
            inside = (EDGE_PX, EDGE_PX, dark.width - EDGE_PX, dark.height - EDGE_PX)
            difference = ImageChops.difference(dark.crop(inside), light[i].crop(inside))
            worst = max(high for _, high in difference.getextrema())
            assert worst <= MAX_LEVEL_DIFFERENCE, (
                f"{name}, figure {i + 1}: its pixels differ in dark mode by up to {worst} levels "
                f"(filter: {css}): the theme's dimming filter is back (tutorial.css)"
            )
        assert not errors, errors
    finally:
        page.close()


def test_figure_text_is_readable_at_390px(
    browser,  # noqa: F811
    site_url: str,
    example_pages: dict,
    screenshots: Path,  # noqa: F811
) -> None:
    sizes: dict[str, dict[str, float]] = {}
    too_small = []
    for name in figure_pages(example_pages):
        page = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 844})
        try:
            page.goto(f"{site_url}/auto_examples/{name}.html", wait_until="load")
            load_every_figure(page)
            page.wait_for_timeout(100)  # figure-links.js sets the widths on load
            shown = page.evaluate(
                f"""() => [...document.querySelectorAll('{FIGURES}')].map(img => ({{
                    file: img.currentSrc.split('/').pop(), className: img.className,
                    width: img.getBoundingClientRect().width, natural: img.naturalWidth}}))"""
            )
        finally:
            page.close()
        for figure in shown:
            match = TEXT_CLASS.search(figure["className"])
            if match is None:
                continue  # no text (the network graph is SVG text, checked elsewhere)
            px = int(match[1]) / 10 * figure["width"] / figure["natural"]
            sizes.setdefault(name, {})[figure["file"]] = round(px, 1)
            if px < MIN_PHONE_TEXT_PX:
                too_small.append(f"{name}: {figure['file']} has text of {px:.1f} px")
    (screenshots / f"figure-text-{PHONE_WIDTH}.json").write_text(json.dumps(sizes, indent=2))
    print(f"\nsmallest figure text at {PHONE_WIDTH} px: {json.dumps(sizes, indent=1)}")
    assert sizes, "no figure carries its text size (figure_text.py's figure-text-N class)"
    assert not too_small, (
        f"figure text under {MIN_PHONE_TEXT_PX} px at {PHONE_WIDTH} px: {too_small}"
    )
