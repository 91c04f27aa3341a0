"""Accessibility of the built site: alt texts, axe-core in light and dark mode, the keyboard.

axe-core is the pinned npm package of tests/site/package.json, installed by
``npm ci --prefix tests/site`` (CI does it); the checks fail, with that hint, without it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from site_helpers import EXAMPLES, ROOT, Page
from test_site_browser import browser, open_page, set_theme  # noqa: F401

pytestmark = pytest.mark.site

SITE_CHECKS = Path(__file__).resolve().parent
AXE = SITE_CHECKS / "node_modules" / "axe-core" / "axe.min.js"
FIGURE_CLASSES = {"sphx-glr-single-img", "sphx-glr-multi-img"}
# An alt that is a file name, or what sphinx-gallery makes of one ("plot 03 train").
FILE_NAME_ALT = re.compile(r"sphx_glr|\.(png|svg|jpe?g|gif|webp)\b|^plot[ _]\d\d", re.IGNORECASE)
MIN_FIGURE_ALT_WORDS = 8
BLOCKING_IMPACTS = ("serious", "critical")


def site_pages() -> list[str]:
    """Every page of the built site, relative to it (_static/ holds templates, not pages).

    Read when the tests are collected; without a site, "index.html" stands in, and the
    html_dir fixture then fails with the hint to build one.
    """
    folder = Path(os.environ.get("SITE_HTML", ROOT / "docs" / "_build" / "html"))
    pages = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.html")
        if "_static" not in path.relative_to(folder).parts
    )
    return pages or ["index.html"]


def wait_for_demo(page) -> None:
    """On section 8's page, start the live demo (it loads on demand) and wait until it has drawn
    its controls and results, so that they are checked too."""
    if page.locator(".mnist-demo").count():
        page.evaluate("document.querySelector('.mnist-demo-start').click()")
        page.wait_for_selector(".mnist-demo[data-state=ready]", state="attached", timeout=60_000)


# --- alt texts ---------------------------------------------------------------------------------


def test_no_image_has_an_empty_or_file_name_alt(all_pages: list[Page], html_dir: Path) -> None:
    bad = [
        (page.path.relative_to(html_dir).as_posix(), img.get("src"), img.get("alt"))
        for page in all_pages
        for img in page.images
        if not img.get("alt", "").strip() or FILE_NAME_ALT.search(img["alt"])
    ]
    assert not bad, f"images whose alt text says nothing: {bad}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_figure_alt_is_a_sentence(example_pages: dict[str, Page], name: str) -> None:
    images = [
        img
        for img in example_pages[name].images
        if FIGURE_CLASSES & set(img.get("class", "").split())
    ]
    assert images, f"{name}: no figure"
    for img in images:
        alt = img.get("alt", "")
        assert len(alt.split()) >= MIN_FIGURE_ALT_WORDS, f"{name}: {img['src']}: alt {alt!r}"
        assert alt[0].isupper(), f"{name}: {img['src']}: alt {alt!r}"
        assert alt.rstrip().endswith("."), f"{name}: {img['src']}: alt {alt!r}"


# --- axe-core ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE} is missing): run `npm ci --prefix tests/site` "
            "(the version is pinned in tests/site/package.json and package-lock.json)"
        )
    return AXE.read_text(encoding="utf-8")


# Run axe on the whole page; keep the violations that block (serious, critical), each with the
# elements concerned, enough to find them without rerunning.
AXE_RUN_JS = """async (impacts) => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
        rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 8).map(n => ({target: n.target.join(" "),
            summary: (n.failureSummary || "").split("\\n").slice(0, 3).join(" ")})),
        count: v.nodes.length,
    }));
}"""


TRANSITIONS_DONE_JS = """() => document.getAnimations()
    .every(a => !(a instanceof CSSTransition) || a.playState !== "running")"""


@pytest.mark.browser
@pytest.mark.parametrize("path", site_pages())
def test_axe_finds_no_serious_violation(
    browser,  # noqa: F811
    site_url: str,
    axe_source: str,
    path: str,
) -> None:
    page, _ = open_page(browser, f"{site_url}/{path}")
    try:
        wait_for_demo(page)
        page.add_script_tag(content=axe_source)
        found = {}
        for theme in ("light", "dark"):
            set_theme(page, theme)
            # colours fade into the new theme (CSS transitions): measure the final ones
            page.wait_for_function(TRANSITIONS_DONE_JS, timeout=10_000)
            violations = page.evaluate(AXE_RUN_JS, list(BLOCKING_IMPACTS))
            if violations:
                found[theme] = violations
        assert not found, f"{path}: axe-core violations:\n{json.dumps(found, indent=1)}"
    finally:
        page.close()


# --- the keyboard ------------------------------------------------------------------------------

# Every element a reader can act on and see; each is marked with a number (data-kb) so that
# the tab order below can be matched against this list. A link, button or field counts even
# with tabindex="-1" (that would be the bug); another element only if it asks for focus.
INTERACTIVE_JS = """() => {
    const native = "a[href], button, input:not([type=hidden]), select, textarea, summary";
    const visible = element => {
        if (element.closest("[inert], [hidden], [aria-hidden=true]")) return false;
        if (getComputedStyle(element).visibility !== "visible" || element.disabled) return false;
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && element.checkVisibility();
    };
    return Array.from(document.querySelectorAll(native + ", [tabindex]"))
        .filter(element => element.matches(native) || element.tabIndex >= 0)
        .filter(visible)
        .map((element, i) => {
            element.dataset.kb = String(i);
            return {kb: String(i), tag: element.tagName.toLowerCase(), tabindex: element.tabIndex,
                    text: (element.textContent || element.getAttribute("aria-label") || "")
                          .trim().slice(0, 40),
                    html: element.outerHTML.slice(0, 120)};
        });
}"""
FOCUSED_JS = "() => document.activeElement ? document.activeElement.dataset.kb || null : null"
MAX_TABS = 3000


def tab_through(page) -> tuple[list[dict], set[str]]:
    """The visible interactive elements, and those that Tab reached, once round the page."""
    elements = page.evaluate(INTERACTIVE_JS)
    reached: set[str] = set()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(min(MAX_TABS, 2 * len(elements) + 20)):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is not None:
            if focused in reached and len(reached) == len(elements):
                break
            reached.add(focused)
    return elements, reached


KEYBOARD_PAGES = [
    "auto_examples/plot_05_inspect_errors",
    "auto_examples/plot_08_export_to_the_browser",
]


@pytest.mark.browser
@pytest.mark.parametrize("name", KEYBOARD_PAGES)
def test_every_interactive_element_is_reached_with_tab(
    browser,  # noqa: F811
    site_url: str,
    name: str,
) -> None:
    page, _ = open_page(browser, f"{site_url}/{name}.html")
    try:
        wait_for_demo(page)
        elements, reached = tab_through(page)
        assert len(elements) > 20, f"{name}: only {len(elements)} interactive elements found"
        unreached = [element for element in elements if element["kb"] not in reached]
        assert not unreached, f"{name}: not reachable with Tab: {unreached[:20]}"
    finally:
        page.close()


@pytest.mark.browser
def test_solutions_open_and_close_with_the_keyboard(browser, site_url: str) -> None:  # noqa: F811
    page, _ = open_page(browser, f"{site_url}/auto_examples/plot_05_inspect_errors.html")
    try:
        solutions = page.locator("details.exercise-solution")
        assert solutions.count() > 0, "no solution dropdown on the page"
        solution = solutions.first
        summary = solution.locator("summary")
        assert not solution.evaluate("details => details.open")
        summary.focus()
        page.keyboard.press("Enter")
        assert solution.evaluate("details => details.open"), "Enter did not open the solution"
        assert solution.locator(".sd-summary-content").is_visible()
        page.keyboard.press("Space")
        assert not solution.evaluate("details => details.open"), "Space did not close it"
    finally:
        page.close()
