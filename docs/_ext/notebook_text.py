"""Plain Markdown in the downloadable notebooks: no Sphinx roles or site-only directives.

sphinx-gallery turns each text cell's reST into Markdown, but leaves Sphinx roles such as
``:func:`~mnist_tutorial.cache.load_or_train``` as they are, and Jupyter shows them raw. This
extension rewrites the reST first (``site_tools/notebook_markdown.py``). sphinx-gallery offers
no hook for this, so its converter function is wrapped (see ``setup``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from sphinx.application import Sphinx

from site_tools.notebook_markdown import notebook_rst


def _wrap(rst2md: Callable[..., str], titles: dict[str, str]) -> Callable[..., str]:
    @functools.wraps(rst2md)
    def wrapped(text: str, *args: object, **kwargs: object) -> str:
        return rst2md(notebook_rst(text, titles), *args, **kwargs)

    wrapped.notebook_text_wrapped = True  # type: ignore[attr-defined]
    return wrapped


def setup(app: Sphinx) -> dict[str, object]:
    from sphinx_gallery import notebook

    from site_tools.section_list import tutorial_sections

    titles = {section.stem: f"{section.number}. {section.title}" for section in tutorial_sections()}
    if not getattr(notebook.rst2md, "notebook_text_wrapped", False):  # a second build, same process
        notebook.rst2md = _wrap(notebook.rst2md, titles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
