"""Tests of docs/_ext/incremental.py and section_keys.py: which sections an edit re-runs.

The real build is checked in tests/site/test_site_incremental.py; these tests run in a copy of
the real examples, package, site extensions and build tools, with the build's shared inputs
held fixed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import incremental
import pytest
import section_keys

ROOT = Path(__file__).resolve().parents[1]

# The gallery's hooks, as docs/conf.py names them (module.function).
GALLERY_CONF = {
    "image_scrapers": ("figure_text.checked_matplotlib_scraper", "graphviz_scraper.x"),
    "reset_modules": ("matplotlib", "example_reset.reset_state", "example_reset.time_example"),
}
SHARED = {"quick mode": "False", "device": "cpu"}  # held fixed: these tests edit files only
ALL = {path.stem for path in (ROOT / "examples").glob("plot_*.py")}
# What the examples import today (grep "from mnist_tutorial" examples/): update when it changes.
IMPORT_IMAGE_FIGURES = {
    "plot_01_load_data",
    "plot_05_inspect_errors",
    "plot_06_visualize_layers",
    "plot_08_export_to_the_browser",
}
LOAD_TRAINED_NETWORKS = ALL - {"plot_01_load_data", "plot_02_build_cnn"}  # import .cache


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the examples, the package, the site's extensions and the build tools."""
    for folder in ("examples", "mnist_tutorial", "docs/_ext", "site_tools"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__py*"))
    return tmp_path


def keys(tree: Path) -> dict[str, str]:
    hooks = section_keys.hook_files(GALLERY_CONF, tree / "docs" / "_ext")
    result = {}
    for example in sorted((tree / "examples").glob("plot_*.py")):
        files = section_keys.section_files(
            example, hooks, tree / "mnist_tutorial", tree / "docs" / "_ext"
        )
        result[example.stem] = section_keys.key_of(section_keys.section_inputs(files, SHARED))
    return result


def changed_sections(tree: Path, path: str, old: str, new: str) -> set[str]:
    before = keys(tree)
    file = tree / path
    text = file.read_text()
    assert old in text, f"{path} no longer contains {old!r}: update this test"
    file.write_text(text.replace(old, new, 1))
    after = keys(tree)
    return {stem for stem in before if before[stem] != after[stem]}


def test_nothing_changed_nothing_runs(tree: Path) -> None:
    assert keys(tree) == keys(tree)


def test_a_prose_edit_reruns_only_its_own_section(tree: Path) -> None:
    edited = changed_sections(
        tree, "examples/plot_05_inspect_errors.py", "# %%", "# %%\n# One more sentence.\n#"
    )
    assert edited == {"plot_05_inspect_errors"}


def test_an_edit_to_a_figure_module_reruns_the_sections_that_import_it(tree: Path) -> None:
    # plot_feature_maps draws only section 6's figures, but the whole module is imported by
    # four sections: each of them runs again, and no other.
    edited = changed_sections(
        tree,
        "mnist_tutorial/image_figures.py",
        "def plot_feature_maps(",
        "def plot_feature_maps(\n",
    )
    assert edited == IMPORT_IMAGE_FIGURES


def test_an_edit_to_the_training_code_reruns_every_section_that_trains_or_loads(tree) -> None:
    edited = changed_sections(tree, "mnist_tutorial/training.py", "import", "import os\nimport")
    assert edited == LOAD_TRAINED_NETWORKS


def test_an_edit_to_a_gallery_hook_or_what_it_imports_reruns_every_section(tree) -> None:
    assert (
        changed_sections(tree, "docs/_ext/example_reset.py", "import time", "import time\n") == ALL
    )
    # figure_text.py (a scraper) imports figure_style: the figures' text depends on it
    edited = changed_sections(tree, "mnist_tutorial/figure_style.py", "import", "import os\nimport")
    assert edited == ALL


def test_an_edit_to_the_build_page_or_a_later_step_reruns_no_section(tree: Path) -> None:
    assert (
        changed_sections(tree, "docs/_ext/build_facts.py", "import", "import os\nimport") == set()
    )
    assert (
        changed_sections(tree, "docs/_ext/incremental.py", "import", "import os\nimport") == set()
    )


def test_imports_inside_functions_and_relative_imports_count(tmp_path: Path) -> None:
    package = tmp_path / "mnist_tutorial"
    package.mkdir()
    for name in ("__init__", "a", "b", "c"):
        (package / f"{name}.py").write_text("")
    (package / "a.py").write_text("from . import b\ndef f():\n    from .c import g\n")
    found = section_keys.imported_files(package / "a.py", package, tmp_path)
    assert found == {package / "__init__.py", package / "b.py", package / "c.py"}


def test_the_hooks_are_read_from_the_gallery_settings() -> None:
    hooks = section_keys.hook_files(GALLERY_CONF)
    names = {path.name for path in hooks}
    assert names == {"figure_text.py", "graphviz_scraper.py", "example_reset.py"}
    conf_text = (ROOT / "docs" / "conf.py").read_text()
    for name in ("figure_text.checked_matplotlib_scraper", "example_reset.time_example"):
        assert f'"{name}"' in conf_text, f"conf.py no longer names {name}: update GALLERY_CONF"


def test_the_notebooks_pinned_commit_is_not_part_of_the_key() -> None:
    cell = "pip install git+https://example.org/repo@{}"
    first, second = "a" * 40, "b" * 40
    settings = section_keys._gallery_settings
    assert settings({"first_notebook_cell": cell.format(first)}, first) == settings(
        {"first_notebook_cell": cell.format(second)}, second
    )
    assert settings({"first_notebook_cell": "x"}, None) != settings(
        {"first_notebook_cell": "y"}, None
    )


def test_plan_marks_exactly_the_stale_sections_for_sphinx_gallery(tree, monkeypatch) -> None:
    monkeypatch.setattr(incremental, "build_inputs", lambda conf: SHARED)
    monkeypatch.setattr(incremental, "hook_files", lambda conf: [])
    gallery = tree / "auto_examples"
    gallery.mkdir()
    examples = sorted((tree / "examples").glob("plot_*.py"))
    for example in examples:
        (gallery / f"{example.name}.md5").write_text("an md5")
    package = tree / "mnist_tutorial"
    # no record yet: every section runs, and the reason says so
    stale = incremental.plan(examples, gallery, {}, package)
    assert set(stale) == ALL
    assert all(reasons == [] for reasons in stale.values())
    assert not list(gallery.glob("*.md5"))
    # a record of the current inputs: nothing is stale, no md5 file is touched
    record = {
        stem: {"key": section_keys.key_of(inputs), "inputs": inputs}
        for stem, inputs in incremental._INPUTS.items()
    }
    incremental.write_record(gallery, record)
    for example in examples:
        (gallery / f"{example.name}.md5").write_text("an md5")
    assert incremental.plan(examples, gallery, {}, package) == {}
    assert len(list(gallery.glob("*.md5"))) == len(examples)
    # one example edited: only its md5 goes, and the reason names the file
    edited = tree / "examples" / "plot_04_evaluate.py"
    edited.write_text(edited.read_text() + "# One more comment.\n")
    stale = incremental.plan(examples, gallery, {}, package)
    assert list(stale) == ["plot_04_evaluate"]
    assert stale["plot_04_evaluate"] == [str(edited)]
    assert not (gallery / "plot_04_evaluate.py.md5").exists()
    assert len(list(gallery.glob("*.md5"))) == len(examples) - 1


def test_a_damaged_record_reruns_everything(tmp_path: Path) -> None:
    (tmp_path / incremental.RECORD).write_text("{not json")
    assert incremental.read_record(tmp_path) == {}
    (tmp_path / incremental.RECORD).write_text("[1, 2]")
    assert incremental.read_record(tmp_path) == {}


def test_a_step_is_current_only_with_the_same_inputs_and_all_its_outputs(tmp_path) -> None:
    output = tmp_path / "demo.json"
    inputs = {"docs/_ext/live_demo.py": "1", "model": "2"}
    assert not incremental.step_is_current(tmp_path, "demo", inputs, [output])  # never ran
    output.write_text("{}")
    incremental.mark_step_done(tmp_path, "demo", inputs)
    incremental.mark_step_done(tmp_path, "other", {"x": "y"})  # kept apart
    assert incremental.step_is_current(tmp_path, "demo", inputs, [output])
    assert not incremental.step_is_current(tmp_path, "demo", {**inputs, "model": "3"}, [output])
    output.unlink()
    assert not incremental.step_is_current(tmp_path, "demo", inputs, [output])


def test_the_reason_names_what_changed() -> None:
    assert incremental._reason([]) == "no record of its last run"
    assert incremental._reason(["a.py"]) == "a.py changed"
    assert incremental._reason(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more changed"
    assert section_keys.changed_inputs({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "4"}) == [
        "b",
        "c",
    ]


def test_the_key_uses_the_gallery_settings_conf_py_wrote_not_the_filled_copy() -> None:
    written = {"filename_pattern": "/plot_"}
    filled = {**written, "src_dir": "/some/checkout/docs", "stale_examples": ["x"]}
    config = SimpleNamespace(_raw_config={"sphinx_gallery_conf": written})
    config.sphinx_gallery_conf = filled
    assert incremental.gallery_settings(SimpleNamespace(config=config)) is written
    # without conf.py's own values, the filled copy: more re-runs, never fewer
    bare = SimpleNamespace(sphinx_gallery_conf=filled)
    assert incremental.gallery_settings(SimpleNamespace(config=bare)) is filled


def test_a_build_step_follows_the_build_tools_it_imports(tree: Path) -> None:
    # live_demo.py (a step after the gallery) imports site_tools.ort_runtime, a folder beside
    # docs/: an edit there must reach the step's inputs, as an edit of the package does
    ext = tree / "docs" / "_ext"
    files = section_keys.section_files(ext / "live_demo.py", [], tree / "mnist_tutorial", ext)
    assert {tree / "site_tools" / "ort_runtime.py", tree / "site_tools" / "__init__.py"} <= set(
        files
    )
