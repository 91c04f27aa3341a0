"""Checks of the tutorial pages in the built site: figures, the graph, downloads, clean output."""

from __future__ import annotations

import ast
import re

import pytest
from site_helpers import EXAMPLES, ROOT, Page, is_quick, read_page, resolve

from mnist_tutorial.config import TrainConfig

pytestmark = pytest.mark.site

FIGURE_CLASSES = {"sphx-glr-single-img", "sphx-glr-multi-img"}
PROGRESS_BAR = re.compile(r"\d+%\||\d+/\d+ \[\d|it/s\]|s/it\]|[█▏▎▍▌▋▊▉]")
# "ValueError: ...", "UserWarning: ..." at the start of a printed line: something went wrong.
ERROR_LINE = re.compile(r"^\s*\S*(Error|Exception|Warning)\b.*:", re.MULTILINE)
DIGRAPH_REPR = "<graphviz.graphs."
GRAPH_SVG_REPR = "<GraphSVG:"  # mnist_tutorial.graph.show_graph's object, shown as text


def figures(page: Page) -> list[dict[str, str]]:
    """The images that code cells produced (sphinx-gallery marks them with a class)."""
    return [img for img in page.images if FIGURE_CLASSES & set(img.get("class", "").split())]


def printed(page: Page) -> str:
    return "\n".join(page.outputs)


@pytest.mark.parametrize("name", EXAMPLES)
def test_section_page_shows_figures_that_exist(example_pages: dict[str, Page], name: str) -> None:
    images = figures(example_pages[name])
    assert images, f"{name}: no figure on the page"
    for img in images:
        target, _ = resolve(example_pages[name], img["src"])
        assert target.is_file(), f"{name}: image {img['src']} is missing"


def test_cnn_page_shows_the_network_graph_as_svg(example_pages: dict[str, Page]) -> None:
    page = example_pages["plot_02_build_cnn"]
    graphs = [img for img in figures(page) if img["src"].endswith(".svg")]
    assert graphs, "the CNN page has no SVG image: the graphviz scraper did not run"
    # make_dot's graph and show_graph's drawing of it are one graph: drawn once
    assert len(graphs) == 1, f"the CNN page shows {len(graphs)} SVG graphs: {graphs}"
    svg = resolve(page, graphs[0]["src"])[0].read_text(encoding="utf-8")
    assert "<svg" in svg
    assert "conv1" in svg, "the SVG graph does not name the conv1 layer's parameters"


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_section_can_be_downloaded(example_pages: dict[str, Page], name: str, suffix: str) -> None:
    page = example_pages[name]
    links = [link for link in page.links if link.endswith(f"/{name}{suffix}")]
    assert links, f"{name}: no download link for the {suffix} file"
    assert all(resolve(page, link)[0].is_file() for link in links), f"{name}{suffix} missing"


def test_gallery_offers_zip_downloads(html_dir) -> None:
    page = read_page(html_dir / "auto_examples" / "index.html")
    for archive in ("auto_examples_python.zip", "auto_examples_jupyter.zip"):
        links = [link for link in page.links if link.endswith(archive)]
        assert links, f"the gallery index does not link {archive}"
        assert resolve(page, links[0])[0].is_file(), f"{archive} is missing"


@pytest.mark.parametrize("name", EXAMPLES)
def test_section_output_is_clean(example_pages: dict[str, Page], name: str) -> None:
    page = example_pages[name]
    assert "Traceback" not in page.text, f"{name}: a code cell raised an exception"
    assert DIGRAPH_REPR not in page.text, f"{name}: a graph is shown as its repr, not drawn"
    assert GRAPH_SVG_REPR not in page.text, f"{name}: show_graph's object is shown as its repr"
    output = printed(page)
    bar = PROGRESS_BAR.search(output)
    assert bar is None, f"{name}: a progress bar was captured: {bar.group(0)!r}"
    error = ERROR_LINE.search(output)
    assert error is None, f"{name}: the output reports a problem: {error.group(0)!r}"


def test_no_page_shows_a_traceback_or_a_graph_repr(all_pages: list[Page]) -> None:
    # The highlighted source pages (_modules/, from sphinx.ext.viewcode) show code, not output:
    # graph.py's own __repr__ spells "<GraphSVG:" there.
    outputs = [page for page in all_pages if "_modules" not in page.path.parts]
    bad = [
        str(page.path)
        for page in outputs
        if "Traceback (most recent call last)" in page.text
        or DIGRAPH_REPR in page.text
        or GRAPH_SVG_REPR in page.text
    ]
    assert not bad, f"pages with a traceback or a graphviz repr: {bad}"


def test_every_section_page_has_the_breadcrumb(example_pages: dict[str, Page]) -> None:
    for name, page in example_pages.items():
        crumbs = [link for link in page.links if re.search(r"plot_\d+_\w+\.html$", link)]
        # The breadcrumb links every other section (the current one is bold, not a link).
        others = {n for n in EXAMPLES if n != name}
        linked = {n for n in others if any(link.endswith(f"{n}.html") for link in crumbs)}
        assert linked == others, f"{name}: breadcrumb misses {sorted(others - linked)}"


# --- The assignment's targets, which only a full build can meet --------------------------------


def training_runs(page: Page) -> list[list[float]]:
    """The Trainer's "epoch [k]: loss x.xxx" lines of the page, split into runs."""
    runs: list[list[float]] = []
    for epoch, loss in re.findall(r"epoch \[(\d+)\]: loss ([\d.]+)", printed(page)):
        if epoch == "1":
            runs.append([])
        if runs:
            runs[-1].append(float(loss))
    return runs


def last_epoch_loss(page: Page) -> float:
    """The last epoch's loss of the full training run (a demo or sweep may print other runs)."""
    full = [run for run in training_runs(page) if len(run) == TrainConfig().epochs]
    if full:
        return full[0][-1]
    # A network loaded from the cache prints no epoch lines; the page prints its history.
    match = re.search(r"Last epoch loss: ([\d.]+)", printed(page))
    assert match, "plot_03 prints neither the training run nor 'Last epoch loss: x.xxxx'"
    return float(match.group(1))


def skip_if_quick(page: Page) -> None:
    if is_quick(page):
        pytest.skip(
            "quick build (the page shows the QUICK MODE banner): the networks were trained for "
            "a few epochs on a subset, so the assignment's targets do not apply"
        )


def test_cnn_training_loss_is_below_target(example_pages: dict[str, Page]) -> None:
    page = example_pages["plot_03_train"]
    skip_if_quick(page)
    loss = last_epoch_loss(page)
    assert loss < 0.03, f"the last epoch's mean training loss {loss} is not below 0.03"


def test_cnn_test_accuracy_is_above_target(example_pages: dict[str, Page]) -> None:
    page = example_pages["plot_04_evaluate"]
    skip_if_quick(page)
    match = re.search(r"Test accuracy: ([\d.]+)%", printed(page))
    assert match, "plot_04 does not print 'Test accuracy: xx.xx% (...)'"
    assert float(match.group(1)) >= 98.0, f"test accuracy {match.group(1)}% is below 98%"


# --- The API reference and the build page ------------------------------------------------------


def test_api_page_links_every_module_of_the_package(html_dir) -> None:
    package = ROOT / "mnist_tutorial"
    modules = sorted(f"mnist_tutorial.{path.stem}" for path in package.glob("[!_]*.py"))
    page = read_page(html_dir / "api.html")
    pages = {link.split("#")[0].rsplit("/", 1)[-1] for link in page.links}
    missing = [module for module in modules if f"{module}.html" not in pages]
    assert not missing, f"api.rst does not list {missing} (add them to its autosummary)"
    text = " ".join(page.text.split())
    for path in package.glob("[!_]*.py"):  # each module listed with its one-line summary
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        summary = docstring.replace("`", "").split(". ")[0][:40]  # autosummary: first sentence
        assert summary in text, f"api.html does not show {path.stem}'s summary {summary!r}"


def test_build_page_shows_the_time_of_every_section(html_dir) -> None:
    page = read_page(html_dir / "build.html")
    for fact in ("Device", "PyTorch", "Quick mode", "Date (UTC)"):
        assert fact in page.text, f"the build page does not say its {fact}"
    for name in EXAMPLES:
        assert any(link.endswith(f"{name}.html") for link in page.links), f"no time for {name}"
    assert re.search(r"\d\d:\d\d\.\d{3}", page.text), "the build page shows no running time"


# The API reference links each object to the sections whose code uses it (sphinx-gallery's
# backreferences, appended by docs/_ext/api_examples.py). Where each object is first taught:
# (The taught classes and functions are written out in their sections, not imported there.)
FIRST_USED_IN = {
    "mnist_tutorial.data": ("load_mnist", "plot_01_load_data"),
    "mnist_tutorial.models": ("count_parameters", "plot_02_build_cnn"),
    "mnist_tutorial.cache": ("load_or_train", "plot_03_train"),
    "mnist_tutorial.evaluation": ("inference_mode", "plot_04_evaluate"),
}


@pytest.mark.parametrize("module", sorted(FIRST_USED_IN))
def test_api_reference_links_objects_to_the_sections_using_them(html_dir, module: str) -> None:
    name, section = FIRST_USED_IN[module]
    html = (html_dir / "gen_modules" / f"{module}.html").read_text(encoding="utf-8")
    start = html.index(f'id="{module}.{name}"')  # the object's entry
    heading = html.find("Sections using", start)
    assert heading > 0, f"{module}.{name}: no 'Sections using' list"
    following = html[heading : heading + 4000]
    assert f"{section}.html" in following, f"{module}.{name} does not link {section}"


def test_formulas_are_mathml_and_no_page_loads_a_math_or_icon_script(
    example_pages: dict[str, Page], all_pages: list[Page]
) -> None:
    # Section 7's formulas are written as MathML by the build (docs/_ext/mathml.py): no raw
    # LaTeX on the page, no MathJax to download and run.
    page = example_pages[next(name for name in EXAMPLES if name.startswith("plot_07_"))]
    html = page.path.read_text(encoding="utf-8")
    assert html.count("<math ") >= 7, "section 7's formulas are not MathML"
    assert not re.search(r"\\(times|text)\b", page.text), "raw LaTeX on the page"
    for each in all_pages:
        scripts = [link for link in each.links if link.split("?")[0].endswith(".js")]
        heavy = [src for src in scripts if "mathjax" in src or "fontawesome" in src]
        assert not heavy, f"{each.path.name} loads {heavy}"
