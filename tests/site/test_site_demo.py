"""Section 8's live demo in headless Chromium, with every request outside localhost blocked.

The page must open light: nothing heavy loads until the reader presses Start or scrolls to the
demo. Then it must load onnxruntime-web and both networks from the site itself, give for each
test image the probabilities onnxruntime gave at build time with the same files (demo.json;
the build checked that those files predict every test image as PyTorch does), answer a stroke drawn
with the mouse and a moved slider, and work by keyboard alone. The page's transfer size and
the time from navigation to the first prediction are written to ``demo-metrics.json`` beside
the screenshots, which show a drawn 7 shifted by 4 px in both themes, on a desktop and a phone.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_helpers import EXAMPLES
from test_site_browser import CHROMIUM_ARGS, browser, screenshots, set_theme  # noqa: F401

pytestmark = [pytest.mark.site, pytest.mark.browser]

DEMO_PAGE = next(name for name in EXAMPLES if name.startswith("plot_08_"))
MODELS = "_static/demo-models"
RUNTIME = "_static/onnxruntime-web-1.30.0"
RUNTIME_FILES = ["ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]
TOLERANCE = 1e-3  # probabilities: browser against PyTorch
MAX_TRANSFER_MB = 25  # compressed as a static host sends it (see transfer_size)
# The content types that static hosts such as GitHub Pages send gzip-compressed.
COMPRESSED_TYPES = ("text/", "javascript", "json", "wasm", "svg")
READY_TIMEOUT_MS = 60_000
MAX_OPEN_BYTES = 1_000_000  # gzip, transferred by the page before the reader uses the demo
UNTOUCHED_MS = 5_000  # how long the reader looks at the page without touching the demo

# A 7 on the 280 x 280 pad: the top bar, then the long stroke down to the left.
SEVEN = [(70, 60), (130, 58), (210, 60), (185, 120), (160, 180), (140, 235)]


class Demo:
    """The demo page in a browser tab, with what it requested and any errors."""

    def __init__(self, page, site_url: str) -> None:
        self.page = page
        self.site_url = site_url
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.responses: list = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("response", self._on_response)
        page.route("**/*", self._only_localhost)

    def _only_localhost(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")
        self.responses.append(response)

    def transfer(self) -> dict[str, tuple[int, int]]:
        """Bytes of each response: as served here (uncompressed), and gzip-compressed as a
        static host such as GitHub Pages would send it (the .onnx files go as they are)."""
        sizes = {}
        for response in self.responses:
            body = response.body() if response.status == 200 else b""
            kind = response.headers.get("content-type", "")
            compress = any(t in kind for t in COMPRESSED_TYPES)
            sizes[response.url] = (len(body), len(gzip.compress(body)) if compress else len(body))
        return sizes

    def open(self) -> None:
        """Open the page and start the demo with its button, as a reader would."""
        self.page.goto(f"{self.site_url}/auto_examples/{DEMO_PAGE}.html", wait_until="load")
        # A script click: scrolling the pad into view may have started it (the button is hidden).
        self.page.evaluate("document.querySelector('.mnist-demo-start').click()")
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        self.page.wait_for_selector(
            ".mnist-demo[data-state=ready]", state="attached", timeout=READY_TIMEOUT_MS
        )
        self.wait_for_run(0)

    def runs(self) -> int:
        return int(self.page.get_attribute(".mnist-demo", "data-runs"))

    def wait_for_run(self, after: int) -> None:
        """Wait until the demo has shown a result newer than run number ``after``, and idles."""
        self.page.wait_for_function(
            f"Number(document.querySelector('.mnist-demo').dataset.runs) > {after}"
        )
        self.page.wait_for_timeout(50)  # a queued input may follow: let it finish
        self.page.wait_for_function(
            "n => Number(document.querySelector('.mnist-demo').dataset.runs) === n",
            arg=self.runs(),
        )

    def outputs(self) -> dict[str, dict[str, object]]:
        """Each net's shown prediction and the ten probabilities behind its bars."""
        return self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('.mnist-demo-net')].map(
                f => [f.dataset.net, {
                    prediction: f.dataset.prediction,
                    probabilities: [...f.querySelectorAll('.mnist-demo-row')].map(
                        r => Number(r.dataset.probability)),
                }]))"""
        )

    def input_pixels(self) -> list[int]:
        return self.page.evaluate(
            """() => Array.from(document.querySelector('.mnist-demo-input').getContext('2d')
                .getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))"""
        )

    def draw(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke with mouse events through ``points`` given in pad pixels (280)."""
        pad = self.page.locator(".mnist-demo-pad")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        scale = box["width"] / 280
        where = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in points]
        before = self.runs()
        self.page.mouse.move(*where[0])
        self.page.mouse.down()
        for point in where[1:]:
            self.page.mouse.move(*point, steps=8)
        self.page.mouse.up()
        self.wait_for_run(before)

    def press(self, selector: str, key: str, times: int = 1) -> None:
        before = self.runs()
        self.page.focus(selector)
        for _ in range(times):
            self.page.keyboard.press(key)
        self.wait_for_run(before)


@pytest.fixture(scope="module")
def demo_data(html_dir: Path) -> dict:
    path = html_dir / MODELS / "demo.json"
    assert path.is_file(), f"{path} is missing: section 8 did not write the demo's data"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def demo(browser, site_url: str) -> Iterator[Demo]:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    opened = Demo(page, site_url)
    try:
        opened.open()
        yield opened
        assert not opened.errors, f"errors in the browser: {opened.errors}"
        assert not opened.blocked, f"requests outside localhost: {opened.blocked}"
    finally:
        page.close()


def test_demo_loads_the_runtime_and_both_models(
    demo: Demo,
    demo_data: dict,
    screenshots: Path,  # noqa: F811
) -> None:
    sizes = demo.transfer()
    paths = {urlsplit(url).path.lstrip("/") for url in sizes}
    for name in RUNTIME_FILES:
        assert f"{RUNTIME}/{name}" in paths, f"{name} was not loaded"
    for net, file in demo_data["models"].items():
        assert f"{MODELS}/{file}" in paths, f"the {net} model {file} was not loaded"
    assert demo.page.get_attribute(".mnist-demo", "data-state") == "ready"
    raw, compressed = (sum(size[i] for size in sizes.values()) for i in (0, 1))
    first = int(demo.page.get_attribute(".mnist-demo", "data-first-prediction-ms"))
    largest = sorted(sizes.items(), key=lambda item: -item[1][0])[:6]
    metrics = {
        "transfer_bytes_uncompressed": raw,
        "transfer_bytes_gzip": compressed,
        "largest_files_uncompressed_gzip": {urlsplit(url).path: size for url, size in largest},
        "first_prediction_ms_after_navigation": first,
        "models": demo_data["models"],
    }
    (screenshots / "demo-metrics.json").write_text(json.dumps(metrics, indent=2))
    print(
        f"\ndemo page: {raw / 1e6:.1f} MB uncompressed, {compressed / 1e6:.1f} MB gzip-compressed;"
        f" first prediction {first} ms after navigation"
    )
    assert compressed <= MAX_TRANSFER_MB * 1e6, f"the page transfers {compressed / 1e6:.1f} MB"


def test_the_page_opens_light_and_the_demo_starts_by_keyboard(browser, site_url: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    demo = Demo(page, site_url)
    try:
        page.goto(f"{site_url}/auto_examples/{DEMO_PAGE}.html", wait_until="load")
        page.wait_for_timeout(UNTOUCHED_MS)
        on_open = sum(size[1] for size in demo.transfer().values())
        loaded = {urlsplit(url).path for url in demo.transfer()}
        print(f"\nsection 8 on open, untouched for {UNTOUCHED_MS} ms: {on_open / 1e3:.0f} kB gzip")
        assert on_open < MAX_OPEN_BYTES, f"the page transferred {on_open / 1e6:.2f} MB on open"
        heavy = [path for path in loaded if RUNTIME in path or path.endswith(".onnx")]
        assert not heavy, f"loaded before the reader started the demo: {heavy}"
        assert page.get_attribute(".mnist-demo", "data-state") == "idle"
        page.focus(".mnist-demo-start")  # by keyboard: the start button takes the focus
        page.keyboard.press("Enter")
        demo.wait_until_ready()
        demo.wait_for_run(0)
        assert "reads" in page.inner_text(".mnist-demo-readout")
        assert not demo.errors, f"errors in the browser: {demo.errors}"
        assert not demo.blocked, f"requests outside localhost: {demo.blocked}"
    finally:
        page.close()


def test_scrolling_to_the_demo_starts_it(browser, site_url: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 800})
    demo = Demo(page, site_url)
    try:
        page.goto(f"{site_url}/auto_examples/{DEMO_PAGE}.html", wait_until="load")
        assert page.get_attribute(".mnist-demo", "data-state") == "idle"
        page.locator(".mnist-demo-pad").scroll_into_view_if_needed()
        demo.wait_until_ready()
        demo.wait_for_run(0)
        assert not demo.errors, f"errors in the browser: {demo.errors}"
    finally:
        page.close()


def test_each_test_image_gets_pytorchs_probabilities(demo: Demo, demo_data: dict) -> None:
    buttons = demo.page.locator(".mnist-demo-sample")
    assert buttons.count() == len(demo_data["samples"])
    for k, sample in enumerate(demo_data["samples"]):
        before = demo.runs()
        buttons.nth(k).click()
        demo.wait_for_run(before)
        shown = demo.outputs()
        for net, expected in sample["probabilities"].items():
            got = shown[net]["probabilities"]
            worst = max(abs(a - b) for a, b in zip(got, expected, strict=True))
            assert worst <= TOLERANCE, f"test image {sample['index']}, {net}: off by {worst:.1e}"
            best = max(range(10), key=expected.__getitem__)
            assert shown[net]["prediction"] == str(best), f"test image {sample['index']}, {net}"


def test_a_drawn_stroke_gives_a_prediction(demo: Demo) -> None:
    before = demo.runs()
    demo.page.click(".mnist-demo-clear")
    demo.wait_for_run(before)
    assert not any(demo.input_pixels()), "the input is not empty after Clear"
    demo.draw(SEVEN)
    assert any(demo.input_pixels()), "the drawing did not reach the 28 x 28 input"
    for net, shown in demo.outputs().items():
        assert shown["prediction"] in [str(d) for d in range(10)], f"{net}: no prediction"
        assert abs(sum(shown["probabilities"]) - 1) < 1e-4
    assert "reads" in demo.page.inner_text(".mnist-demo-readout")


def test_a_slider_moves_the_input_and_changes_the_outputs(demo: Demo) -> None:
    pixels, outputs = demo.input_pixels(), demo.outputs()
    demo.press(".mnist-demo-dx", "ArrowRight", times=4)
    assert demo.page.input_value(".mnist-demo-dx") == "4"
    moved = demo.input_pixels()
    assert moved != pixels, "the input did not move"
    # Moved 4 px right: column x of the new input is column x - 4 of the old one.
    rows = [pixels[y * 28 : y * 28 + 24] for y in range(28)]
    assert [moved[y * 28 + 4 : y * 28 + 28] for y in range(28)] == rows
    assert demo.outputs() != outputs, "the probabilities did not change"


def test_the_demo_works_by_keyboard_alone(demo: Demo) -> None:
    page = demo.page
    active = "document.activeElement.className"
    for _ in range(400):  # Tab through the page's links until the first test image's button
        page.keyboard.press("Tab")
        if page.evaluate(active) == "mnist-demo-sample":
            break
    else:
        pytest.fail("Tab never reached the demo's test-image buttons")
    page.keyboard.press("Tab")  # the second test image
    before = demo.runs()
    page.keyboard.press("Enter")
    demo.wait_for_run(before)
    assert page.get_attribute(".mnist-demo-sample >> nth=1", "aria-pressed") == "true"
    assert "reads" in page.inner_text(".mnist-demo-readout")
    for _ in range(20):  # on to the vertical slider
        if page.evaluate(active) == "mnist-demo-dy":
            break
        page.keyboard.press("Tab")
    pixels, outputs = demo.input_pixels(), demo.outputs()
    before = demo.runs()
    page.keyboard.press("ArrowUp")  # a range input moves up by one step
    demo.wait_for_run(before)
    assert page.input_value(".mnist-demo-dy") == "1"
    assert page.inner_text(".mnist-demo-dy-value") == "+1 px"
    assert demo.input_pixels() != pixels
    assert demo.outputs() != outputs


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_a_drawn_seven_shifted_4px(
    browser,  # noqa: F811
    site_url: str,
    screenshots: Path,  # noqa: F811
    theme: str,
    width: int,
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    demo = Demo(page, site_url)
    try:
        demo.open()
        set_theme(page, theme)
        demo.page.click(".mnist-demo-clear")
        demo.draw(SEVEN)
        centred = {net: shown["prediction"] for net, shown in demo.outputs().items()}
        demo.press(".mnist-demo-dx", "ArrowRight", times=4)
        shifted = {net: shown["prediction"] for net, shown in demo.outputs().items()}
        print(f"\n{width}px {theme}: drawn 7 read as {centred}; shifted 4 px right: {shifted}")
        # The sticky header and the back-to-top button would cover parts of the demo.
        page.add_style_tag(content=".bd-header, #pst-back-to-top { display: none !important; }")
        page.locator(".mnist-demo").screenshot(path=screenshots / f"demo-7-{width}-{theme}.png")
        assert not demo.errors, demo.errors
    finally:
        page.close()
