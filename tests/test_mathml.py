"""docs/_ext/mathml.py: formulas become MathML at build time, bad LaTeX stops the build."""

from __future__ import annotations

from pathlib import Path

import pytest
from mathml import to_mathml
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext"


def test_a_formula_becomes_mathml() -> None:
    mathml = to_mathml(r"c_\text{out} c_\text{in} k^2", "inline", "page.rst:3")
    assert mathml.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<mtext>out</mtext>" in mathml
    assert "<msup><mi>k</mi><mn>2</mn></msup>" in mathml


@pytest.mark.parametrize("latex", [r"x^", r"c_\textt{out}"])
def test_latex_it_cannot_convert_names_the_formula_and_the_page(latex: str) -> None:
    with pytest.raises(ExtensionError, match=r"page\.rst:3: cannot write the formula"):
        to_mathml(latex, "inline", "page.rst:3")


def test_a_built_page_has_mathml_and_no_math_script(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT)!r})\n"
        'extensions = ["mathml"]\nhtml_math_renderer = "mathml"\n'
    )
    (source / "index.rst").write_text(
        "Title\n=====\n\nInline :math:`n m` and a block:\n\n.. math::\n\n   a^2 + b^2\n\n   c^2\n"
    )
    out = tmp_path / "html"
    app = Sphinx(source, source, out, tmp_path / "doctrees", "html", status=None, warning=None)
    app.build()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count('display="inline"') == 1
    assert page.count('display="block"') == 2
    assert "mathjax" not in page.lower()
    assert r"\(" not in page
