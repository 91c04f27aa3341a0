"""The tutorial's sections, read from the example files: number, title and summary of each.

The list of sections has one source of truth: the example files themselves
(``examples/plot_NN_*.py``), their file names giving the order and their titles the names.
Used by the site's extensions (``docs/_ext/sections.py``: breadcrumb and cards) and by the
course edition.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GALLERY = "auto_examples"
_TITLE_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")


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


def example_stem(docname: str) -> str | None:
    """``plot_02_build_cnn`` for a section page's docname, None for any other page."""
    folder, _, stem = docname.partition("/")
    return stem if folder == GALLERY and stem.startswith("plot_") else None
