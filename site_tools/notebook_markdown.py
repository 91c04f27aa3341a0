"""A text cell's reST made fit for a notebook: no Sphinx roles, no solution markers.

sphinx-gallery turns each text cell's reST into Markdown, but leaves Sphinx roles such as
``:func:`~mnist_tutorial.cache.load_or_train``` as they are, and Jupyter shows them raw. A
role becomes its text as inline code (or the linked section's title), and the solution markers
become a heading. Used by the site's notebooks (``docs/_ext/notebook_text.py``) and by the
course edition.
"""

from __future__ import annotations

import re

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
