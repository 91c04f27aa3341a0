"""Sphinx glue for this site: section breadcrumbs and cards, build facts, resets.

The list of tutorial sections has one source of truth: the example files themselves
(``examples/plot_NN_*.py``), their file names giving the order and their titles the names.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import platform
import re
import subprocess
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
EXAMPLES = ROOT / "examples"
GALLERY = "auto_examples"
SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "  # between breadcrumb items
_TITLE_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")


# --- Tutorial sections ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Section:
    """One example file: ``stem`` like ``plot_02_build_cnn``, its title and first paragraph."""

    stem: str
    number: int
    title: str
    summary: str

    @property
    def docname(self) -> str:
        return f"{GALLERY}/{self.stem}"


def _title_and_summary(docstring: str) -> tuple[str, str]:
    lines = [line.strip() for line in docstring.strip().splitlines()]
    if lines and _TITLE_UNDERLINE.match(lines[0]):  # an overlined title
        lines = lines[1:]
    title = lines[0]
    rest = lines[2:] if len(lines) > 1 and _TITLE_UNDERLINE.match(lines[1]) else lines[1:]
    while rest and not rest[0]:
        rest = rest[1:]
    end = rest.index("") if "" in rest else len(rest)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(rest[:end]))
    following = next((line for line in rest[end:] if line), "")
    # A sentence that introduces a list ("You will learn:") means nothing without the list.
    if len(sentences) > 1 and following[:2] in ("- ", "* ", "+ "):
        sentences = sentences[:-1]
    return title, " ".join(sentences)


def tutorial_sections(examples: Path = EXAMPLES) -> list[Section]:
    """The tutorial's sections, read from the example files, in file-name order."""
    sections = []
    for path in sorted(examples.glob("plot_*.py")):
        match = re.match(r"plot_(\d+)_", path.name)
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.stem
        title, summary = _title_and_summary(docstring)
        number = int(match.group(1)) if match else len(sections) + 1
        sections.append(Section(path.stem, number, title, summary))
    return sections


def _plain(text: str) -> str:
    """Title text safe inside a role or bold markup (drops inline-literal backquotes and stars)."""
    return text.replace("`", "").replace("*", "")


def breadcrumb_rst(sections: list[Section], current: str) -> str:
    """One paragraph linking every section, the current one in bold."""
    items = []
    for section in sections:
        label = f"{section.number}. {_plain(section.title)}"
        if section.stem == current:
            items.append(f"**{label}**")
        else:
            items.append(f":doc:`{label} </{section.docname}>`")
    return ".. rst-class:: tutorial-breadcrumb\n\n" + SEPARATOR.join(items) + "\n\n"


def _insert_breadcrumb(app: Sphinx, docname: str, source: list[str]) -> None:
    """source-read handler: put the breadcrumb under the title of every example page."""
    folder, _, stem = docname.partition("/")
    if folder != GALLERY or not stem.startswith("plot_"):
        return
    # sphinx-gallery writes the label, a blank line, then the title and its underline.
    label = re.escape(f".. _sphx_glr_{GALLERY}_{stem}.py:")
    title = re.compile(rf"({label}\n\s*\n(?:([=\-~^]{{3,}})\n)?[^\n]+\n[=\-~^]{{3,}}\n)")
    breadcrumb = breadcrumb_rst(tutorial_sections(), stem)
    source[0], count = title.subn(rf"\1\n{breadcrumb}", source[0], count=1)
    if count == 0:
        raise ValueError(f"no title found in {docname}: cannot place the section breadcrumb")


class SectionCards(SphinxDirective):
    """``.. tutorial-sections::`` a grid of sphinx-design cards, one per tutorial section."""

    def run(self) -> list[nodes.Node]:
        lines = [".. grid:: 1 2 2 2", "   :gutter: 3", ""]
        for section in tutorial_sections():
            lines += [
                f"   .. grid-item-card:: {section.number}. {section.title}",
                f"      :link: /{section.docname}",
                "      :link-type: doc",
                "",
                f"      {section.summary}",
                "",
            ]
        return _parse(self, lines)


# --- Build facts ------------------------------------------------------------------------------


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return result.stdout.strip()


def build_facts() -> dict[str, str]:
    """What this build ran on and with: device, library versions, date, quick mode."""
    import sphinx
    import sphinx_gallery
    import torch
    import torchvision

    from mnist_tutorial.config import quick_mode

    if torch.cuda.is_available():
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    else:
        device = f"cpu ({torch.get_num_threads()} threads)"
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {
        "Date (UTC)": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "Commit": _git_commit(),
        "Quick mode": "on: short training runs, numbers are not the real results"
        if quick_mode()
        else "off: full training runs",
        "Device": device,
        "PyTorch": torch.__version__,
        "torchvision": torchvision.__version__,
        "CUDA (PyTorch built with)": torch.version.cuda or "none (CPU-only build)",
        "cuDNN": str(cudnn) if cudnn else "not available",
        "Python": f"{platform.python_version()} ({platform.platform()})",
        "Sphinx / sphinx-gallery": f"{sphinx.__version__} / {sphinx_gallery.__version__}",
    }


_FACTS: dict[str, str] = {}


def _collect_facts(app: Sphinx) -> None:
    _FACTS.clear()
    _FACTS.update(build_facts())


def example_times(srcdir: Path) -> tuple[str, list[tuple[str, str]]] | None:
    """Total and per-example running times from sphinx-gallery's sg_execution_times.rst."""
    path = srcdir / GALLERY / "sg_execution_times.rst"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    total = re.search(r"\*\*([\d:.]+)\*\* total execution time", text)
    rows = re.findall(r":ref:`(sphx_glr_[^`]+)` \(``[^`]+``\)\s*\n\s*- ([\d:.]+)", text)
    return (total.group(1) if total else "?"), sorted(rows)  # in section order


class BuildInfo(SphinxDirective):
    """``.. build-info::`` the build facts and the running time of every example."""

    def run(self) -> list[nodes.Node]:
        lines = [".. list-table::", "   :widths: 30 70", ""]
        for key, value in _FACTS.items():
            lines += [f"   * - {key}", f"     - {value}"]
        times = example_times(Path(self.env.srcdir))
        if times is None:
            lines += ["", "The running times of the examples were not recorded in this build."]
            return _parse(self, lines)
        total, rows = times
        lines += [
            "",
            f"Running time of each section (minutes:seconds), {total} in all "
            f"(sphinx-gallery's table: :ref:`sphx_glr_{GALLERY}_sg_execution_times`):",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 70 30",
            "",
            "   * - Section",
            "     - Time",
        ]
        for label, time in rows:
            lines += [f"   * - :ref:`{label}`", f"     - {time}"]
        return _parse(self, lines)


def _always_reread_build_page(app, env, added, changed, removed) -> list[str]:
    # The facts change with every build while build.rst does not.
    return ["build"] if "build" in env.found_docs else []


# --- Between examples -------------------------------------------------------------------------


def reset_state(gallery_conf: dict, fname: str | None, when: str) -> None:
    """sphinx-gallery reset_modules hook: seed 0, close figures, free CUDA memory.

    Examples share one Python process; this makes each start as if it were run on its own.
    """
    import gc

    import matplotlib.pyplot as plt
    import torch

    from mnist_tutorial.environment import seed_everything

    plt.close("all")
    seed_everything(0)
    if torch.cuda.is_available():
        gc.collect()  # drop unreachable tensors first, so that their memory can be returned
        torch.cuda.empty_cache()


# --- Sphinx -----------------------------------------------------------------------------------


def _parse(directive: SphinxDirective, lines: list[str]) -> list[nodes.Node]:
    container = nodes.container()
    source = directive.get_source_info()[0]
    directive.state.nested_parse(StringList(lines, source=source), 0, container)
    return container.children


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", _collect_facts)
    app.connect("source-read", _insert_breadcrumb)
    app.connect("env-get-outdated", _always_reread_build_page)
    app.add_directive("tutorial-sections", SectionCards)
    app.add_directive("build-info", BuildInfo)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
