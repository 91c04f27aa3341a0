"""Math written into the page as MathML when the site is built, instead of typeset in the browser.

Browsers draw MathML themselves (Chrome and Edge since 109, Firefox and Safari for longer), and
screen readers read it. MathJax, the usual alternative, sent a phone 1.1 MB of script to parse
and run for the seven short formulas of section 7 (Lighthouse, mobile preset: about 700 ms of
blocked main thread, performance 75 where the other sections score over 90), and put 24 MB of
files in the site. The notebooks keep their ``$...$`` math: Jupyter and Colab typeset it.

LaTeX to MathML is done by ``latex2mathml``. A formula it cannot convert stops the build with
the formula and the page in the message, rather than showing the reader raw LaTeX.
"""

from __future__ import annotations

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

NAME = "mathml"


def to_mathml(latex: str, display: str, where: str) -> str:
    """``latex`` as a ``<math>`` element; ``display`` is "inline" or "block"."""
    try:
        mathml = convert(latex, display=display)
    except Exception as error:  # latex2mathml raises several types, all meaning "bad LaTeX"
        raise _unconvertible(latex, where, f"{type(error).__name__} {error}") from error
    if "\\" in mathml:  # latex2mathml passes a command it does not know through as text
        raise _unconvertible(latex, where, "a command latex2mathml does not know")
    return mathml


def _unconvertible(latex: str, where: str, why: str) -> ExtensionError:
    return ExtensionError(
        f"{where}: cannot write the formula {latex!r} as MathML ({why.strip()}). Use the LaTeX "
        "that latex2mathml supports (https://pypi.org/project/latex2mathml/)."
    )


def _where(node: nodes.Element) -> str:
    return f"{node.source or '?'}:{node.line or '?'}"


def visit_inline(self, node: nodes.math) -> None:
    self.body.append(to_mathml(node.astext(), "inline", _where(node)))
    raise nodes.SkipNode


def visit_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    for formula in (part for part in node.astext().split("\n\n") if part.strip()):
        self.body.append(to_mathml(formula, "block", _where(node)))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, object]:
    # conf.py chooses it: html_math_renderer = "mathml"
    app.add_html_math_renderer(NAME, (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
