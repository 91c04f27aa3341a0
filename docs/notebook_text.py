"""Plain Markdown in the downloadable notebooks: no Sphinx roles or site-only directives.

sphinx-gallery turns each text cell's reST into Markdown, but leaves Sphinx roles such as
``:func:`~mnist_tutorial.cache.load_or_train``` as they are, and Jupyter shows them raw. This
module rewrites the reST first: a role becomes its text as inline code (or the linked
section's title), and the solution markers become a heading. sphinx-gallery offers no hook for
this, so its converter function is wrapped (see ``setup``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from sphinx.application import Sphinx

# :role:`text <target>`, :role:`~dotted.name` or :role:`name`, with an optional domain (py:)
_ROLE = re.compile(r":(?:[a-z]+:)?(?P<role>[a-z]+):`(?P<body>[^`]+)`")
_EXPLICIT = re.compile(r"^(?P<text>.+?)\s*<(?P<target>[^<>]+)>$", re.S)
_GALLERY_LABEL = re.compile(r"^sphx_glr_auto_examples_(?P<stem>plot_\w+)\.py$")
_SOLUTION_START = re.compile(r"^\.\. solution-start::[ \t]*$", re.M)
_SOLUTION_END = re.compile(r"^\.\. solution-end::[ \t]*\n?", re.M)
SOLUTION_HEADING = "#### Solution\n\nTry the exercise yourself before you read on."


def _plain_role(match: re.Match[str], titles: dict[str, str]) -> str:
    role, body = match.group("role"), match.group("body")
    if role == "math":
        return match.group(0)  # sphinx-gallery turns :math: into $...$ itself
    explicit = _EXPLICIT.match(body)
    if explicit:  # :doc:`the data section </auto_examples/plot_01_load_data>`
        return explicit.group("text")
    gallery = _GALLERY_LABEL.match(body)
    if gallery and gallery.group("stem") in titles:
        return f"*{titles[gallery.group('stem')]}*"
    if role in ("doc", "ref"):
        return body
    name = body.lstrip("~")
    if body.startswith("~"):
        name = name.rsplit(".", 1)[-1]  # ~a.b.c shows as c on the site too
    return f"``{name}``"


def notebook_rst(text: str, titles: dict[str, str]) -> str:
    """``text`` (reST of a text cell) without Sphinx roles and solution markers."""
    text = _ROLE.sub(lambda match: _plain_role(match, titles), text)
    text = _SOLUTION_START.sub(SOLUTION_HEADING, text)
    return _SOLUTION_END.sub("", text)


def _wrap(rst2md: Callable[..., str], titles: dict[str, str]) -> Callable[..., str]:
    @functools.wraps(rst2md)
    def wrapped(text: str, *args: object, **kwargs: object) -> str:
        return rst2md(notebook_rst(text, titles), *args, **kwargs)

    wrapped.notebook_text_wrapped = True  # type: ignore[attr-defined]
    return wrapped


def setup(app: Sphinx) -> dict[str, object]:
    from sections import tutorial_sections
    from sphinx_gallery import notebook

    titles = {section.stem: f"{section.number}. {section.title}" for section in tutorial_sections()}
    if not getattr(notebook.rst2md, "notebook_text_wrapped", False):  # a second build, same process
        notebook.rst2md = _wrap(notebook.rst2md, titles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
