"""Collapsed exercise solutions: everything between ``solution-start`` and ``solution-end``.

An example's text cell opens a solution with ``.. solution-start::``; the code cells that
follow (their code, printed output and figures) go inside a closed dropdown, until a later
text cell says ``.. solution-end::``. The code still runs in every build. In the notebooks
the two markers become a "Solution" heading and nothing (see notebook_text.py).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_design.icons import get_octicon

# The markup of a sphinx-design dropdown, so that a solution looks like the site's others.
START_HTML = (
    '<details class="exercise-solution sd-sphinx-override sd-dropdown sd-card sd-mb-3">'
    '<summary class="sd-summary-title sd-card-header">'
    '<span class="sd-summary-text">Solution (try the exercise first)</span>'
    '<span class="sd-summary-state-marker sd-summary-chevron-right">'
    f"{get_octicon('chevron-right', height='1.5em')}</span></summary>"
    '<div class="sd-summary-content sd-card-body">'
)
END_HTML = "</div></details>"


class SolutionStart(SphinxDirective):
    """``.. solution-start::`` opens the dropdown that holds a solution."""

    def run(self) -> list[nodes.Node]:
        return [nodes.raw("", START_HTML, format="html")]


class SolutionEnd(SphinxDirective):
    """``.. solution-end::`` closes it."""

    def run(self) -> list[nodes.Node]:
        return [nodes.raw("", END_HTML, format="html")]


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("solution-start", SolutionStart)
    app.add_directive("solution-end", SolutionEnd)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
