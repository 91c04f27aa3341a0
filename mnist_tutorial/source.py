"""Show the package's own source code, highlighted, on a tutorial page or in a notebook.

The tutorial teaches the code it runs. Rather than a second, hand-typed copy that could drift,
a page shows the class or function itself: ``show_source(ConvNet)`` reads the source from the
package when the page is built (or the notebook cell is run).
"""

from __future__ import annotations

import html
import inspect
import textwrap
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

# The page's own theme styles ``div.highlight`` code, in light and dark mode. A notebook has no
# such rules, so the block carries a light Pygments style of its own. ``:where()`` gives those
# rules zero extra weight, so the theme's rules win wherever they exist.
_NOTEBOOK_STYLE = HtmlFormatter(style="default").get_style_defs(":where(.mnist-source) .highlight")
_NOTEBOOK_CSS = (
    ":where(.mnist-source) .highlight { background: #f8f8f8; padding: 0.5em; }\n" + _NOTEBOOK_STYLE
)


def qualified_name(obj: Any) -> str:
    """``module.QualName`` of a class, function or method: ``mnist_tutorial.models.ConvNet``.

    A module is named by its own name: ``mnist_tutorial.models``.
    """
    if inspect.ismodule(obj):
        return obj.__name__
    return f"{obj.__module__}.{obj.__qualname__}"


class SourceCode:
    """The source of one object: plain text in a console, highlighted HTML on a page."""

    def __init__(self, obj: Any) -> None:
        wanted = "pass a module, class, function or method defined in a Python file"
        # inspect also reads code objects, frames and tracebacks, which have no name to show
        if not (inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isroutine(obj)):
            raise TypeError(
                f"cannot show the source of {obj!r}: {wanted}, not a {type(obj).__name__}"
            )
        try:
            text = inspect.getsource(obj)
        except (OSError, TypeError) as error:
            raise TypeError(f"cannot show the source of {obj!r}: {wanted} ({error})") from error
        self.name = qualified_name(obj)
        # A method's source is indented inside its class; shown alone, it starts at column 0.
        self.text = textwrap.dedent(text)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        code = highlight(self.text, PythonLexer(), HtmlFormatter(cssclass="highlight"))
        return (
            f'<div class="highlight-python notranslate mnist-source" '
            f'data-source="{html.escape(self.name)}">'
            f"<style>{_NOTEBOOK_CSS}</style>{code}</div>"
        )


def show_source(obj: Any) -> SourceCode:
    """The source of ``obj`` from the installed package, to display as the last line of a cell."""
    return SourceCode(obj)
