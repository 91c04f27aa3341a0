"""The site in a real browser (headless Chromium): no errors, images load, dark mode is readable.

Uses the system's Chromium (Debian: apt-get install chromium; or set $CHROMIUM); Playwright's
own browser download is not needed. Screenshots of each page in both themes are written to
docs/_build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_helpers import EXAMPLES, ROOT

pytestmark = [pytest.mark.site, pytest.mark.browser]

PAGES = ["index", *(f"auto_examples/{name}" for name in EXAMPLES), "api", "build"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
MIN_CONTRAST = 4.5  # WCAG AA for body text

# Load every image now (sphinx-gallery marks figures loading="lazy") and wait until each has
# either loaded or failed; then list those that did not load.
BROKEN_IMAGES_JS = """async () => {
    const images = Array.from(document.images);
    images.forEach(img => { img.loading = "eager"; });
    await Promise.all(images.map(img => img.complete ? null : new Promise(done => {
        img.addEventListener("load", done); img.addEventListener("error", done);
    })));
    return images.filter(img => img.naturalWidth === 0).map(img => img.src);
}"""

# Contrast ratio (WCAG) between the text colour of an element and the background behind it.
CONTRAST_JS = """(selector) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    const rgba = text => text.match(/[\\d.]+/g).map(Number);
    let background = null;
    for (let node = element; node; node = node.parentElement) {
        const [r, g, b, a = 1] = rgba(getComputedStyle(node).backgroundColor);
        if (a > 0) { background = [r, g, b]; break; }
    }
    background = background || [255, 255, 255];
    const luminance = ([r, g, b]) => {
        const linear = c => {
            c /= 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const [l1, l2] = [luminance(rgba(getComputedStyle(element).color)), luminance(background)];
    return {ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05),
            color: getComputedStyle(element).color, background: String(background)};
}"""


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail("no Chromium found: install it (apt-get install chromium) or set $CHROMIUM")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots(html_dir: Path) -> Path:
    folder = Path(os.environ.get("SITE_SCREENSHOTS", ROOT / "docs" / "_build" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, url: str) -> tuple[object, list[str]]:
    """A new page at ``url``, and the list that collects its console and script errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"failed request: {request.url}"))
    page.on(
        "response",
        lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.goto(url, wait_until="load")
    return page, errors


def set_theme(page, theme: str) -> None:
    # pydata-sphinx-theme styles everything from html[data-theme]; the switcher sets the same.
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    page.evaluate(f"document.documentElement.dataset.mode = '{theme}'")
    page.wait_for_timeout(100)  # let the style recalculation settle


@pytest.mark.parametrize("name", PAGES)
def test_page_works_in_a_browser(browser, site_url: str, screenshots: Path, name: str) -> None:
    page, errors = open_page(browser, f"{site_url}/{name}.html")
    try:
        broken = page.evaluate(BROKEN_IMAGES_JS)
        assert not broken, f"{name}: images that did not load: {broken}"
        for theme in ("light", "dark"):
            set_theme(page, theme)
            for selector in ("article.bd-article p", "article.bd-article h1"):
                contrast = page.evaluate(CONTRAST_JS, selector)
                assert contrast is not None, f"{name}: no element matches {selector}"
                assert contrast["ratio"] >= MIN_CONTRAST, f"{name} ({theme}) {selector}: {contrast}"
            stem = name.replace("/", "-")
            page.screenshot(path=screenshots / f"{stem}-{theme}.png")
            page.screenshot(path=screenshots / f"{stem}-{theme}-full.png", full_page=True)
        assert not errors, f"{name}: {errors}"
    finally:
        page.close()


def test_search_box_leads_to_results(browser, site_url: str) -> None:
    # The pages load their scripts deferred and leave the search index to the search page
    # (docs/_ext/head_assets.py, _templates/layout.html): the box must still lead to results,
    # with no script error on either page.
    page, errors = open_page(browser, f"{site_url}/auto_examples/plot_03_train.html")
    try:
        page.wait_for_load_state("load")
        search_box = page.locator("form.bd-search input[name='q']").first
        search_box.evaluate("(box) => { box.value = 'optimizer'; box.form.requestSubmit(); }")
        page.wait_for_url("**/search.html?q=optimizer*")
        page.wait_for_selector("#search-results ul.search li", timeout=15_000)
        hits = page.locator("#search-results ul.search li a").all_inner_texts()
        assert any("Train" in hit for hit in hits), f"the search found only {hits}"
        assert not errors, errors
    finally:
        page.close()


def test_copy_buttons_are_on_code_not_on_output(browser, site_url: str) -> None:
    page, _ = open_page(browser, f"{site_url}/auto_examples/plot_01_load_data.html")
    try:
        page.wait_for_selector("button.copybtn", state="attached")
        on_output = page.locator(".sphx-glr-script-out button.copybtn").count()
        assert page.locator("button.copybtn").count() > 0
        assert on_output == 0, f"{on_output} copy buttons on printed output"
    finally:
        page.close()


def test_cnn_page_shows_the_graph(browser, site_url: str, screenshots: Path) -> None:
    page, errors = open_page(browser, f"{site_url}/auto_examples/plot_02_build_cnn.html")
    try:
        graph = page.locator("img.sphx-glr-single-img[src$='.svg']").first
        graph.scroll_into_view_if_needed()
        size = graph.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert min(size) > 0, f"the SVG graph did not render: size {size}"
        page.evaluate("document.querySelector('.bd-header').style.display = 'none'")  # sticky
        graph.screenshot(path=screenshots / "cnn-graph.png")
        assert not errors, errors
    finally:
        page.close()


# Each node of an SVG graph drawn by Graphviz: its shape's and its texts' bounding boxes as the
# browser lays them out (its own fonts), in the node's coordinates: [x, y, width, height].
GRAPH_NODES_JS = """() => Array.from(document.querySelectorAll("g.node")).map(node => {
    const box = element => { const b = element.getBBox(); return [b.x, b.y, b.width, b.height]; };
    const shape = node.querySelector("polygon, ellipse");
    return {title: node.querySelector("title")?.textContent || "",
            shape: shape ? box(shape) : null,
            texts: Array.from(node.querySelectorAll("text"), t => [t.textContent, box(t)])};
})"""
GRAPH_NODES = 29  # torchviz's graph of the ConvNet: parameters, operations and the output


def test_every_label_of_the_graph_lies_inside_its_box(browser, site_url: str) -> None:
    # The WebAssembly Graphviz sizes the boxes from built-in font metrics; the browser draws
    # the labels in its own monospace font. With too narrow metrics ("Courier,monospace")
    # long names such as MaxPool2DWithIndicesBackward0 stuck out of their boxes.
    page, errors = open_page(browser, f"{site_url}/auto_examples/plot_02_build_cnn.html")
    try:
        sources = page.evaluate(
            "() => Array.from(document.querySelectorAll("
            "'img.sphx-glr-single-img, img.sphx-glr-multi-img'), img => img.src)"
            ".filter(src => src.endsWith('.svg'))"
        )
        assert len(sources) == 1, f"section 2 shows {len(sources)} SVG graphs: {sources}"
        assert not errors, errors
        # the SVG as a document, its nodes measurable (Chromium then asks for /favicon.ico)
        page.goto(sources[0], wait_until="load")
        nodes = page.evaluate(GRAPH_NODES_JS)
        assert len(nodes) == GRAPH_NODES, f"{len(nodes)} nodes in {sources[0]}"
        outside = []
        for node in nodes:
            assert node["shape"], f"node {node['title']} has no polygon or ellipse"
            x, y, width, height = node["shape"]
            for text, (tx, ty, tw, th) in node["texts"]:
                inside = x <= tx and tx + tw <= x + width and y <= ty and ty + th <= y + height
                if not inside:
                    outside.append((text, [round(v, 1) for v in (tx, ty, tw, th)], node["shape"]))
        assert not outside, f"labels outside their boxes (text box, node box): {outside}"
    finally:
        page.close()


# Code and output blocks whose content is wider than the block, so that the reader must scroll
# sideways: (kind, overflow in px, longest line).
SIDEWAYS_JS = """() => Array.from(document.querySelectorAll("article div.highlight pre"))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => [pre.closest(".sphx-glr-script-out") ? "output" : "code",
                 pre.scrollWidth - pre.clientWidth,
                 pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a))])"""

# The PNG figures and what a reader can do with them: a 2x source, a link to the full size.
FIGURES_JS = """() => Array.from(document.querySelectorAll(
        "img.sphx-glr-single-img, img.sphx-glr-multi-img"))
    .filter(img => !img.src.endsWith(".svg"))
    .map(img => ({src: img.src, srcset: img.getAttribute("srcset") || "",
                  link: img.closest("a.figure-full-size")?.href || null}))"""


@pytest.mark.parametrize("name", EXAMPLES)
def test_section_reads_without_sideways_scrolling(browser, site_url: str, name: str) -> None:
    page, _ = open_page(browser, f"{site_url}/auto_examples/{name}.html")
    try:
        wide = page.evaluate(SIDEWAYS_JS)
        assert not wide, f"{name} at 1280 px: blocks that scroll sideways: {wide}"
        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.wait_for_timeout(100)
        outputs = [block for block in page.evaluate(SIDEWAYS_JS) if block[0] == "output"]
        assert not outputs, f"{name} at 390 px: printed output that scrolls sideways: {outputs}"
    finally:
        page.close()


@pytest.mark.parametrize("name", EXAMPLES)
def test_figures_are_sharp_and_open_full_size(browser, site_url: str, name: str) -> None:
    page, _ = open_page(browser, f"{site_url}/auto_examples/{name}.html")
    try:
        figures = page.evaluate(FIGURES_JS)
        assert figures, f"{name}: no PNG figure"
        for figure in figures:
            assert " 2.00x" in figure["srcset"] or " 2x" in figure["srcset"], figure
            assert figure["link"], f"{name}: {figure['src']} cannot be opened full size"
            response = page.request.get(figure["link"])
            assert response.ok, f"{name}: the full-size figure {figure['link']} is missing"
            assert "_2_00x" in figure["link"], f"{name}: the link is not the 2x file: {figure}"
    finally:
        page.close()
