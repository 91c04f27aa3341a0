"""The solution regions of an example: stripped for the site, blanked for the student.

A region is the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (the convention
otter-grader and nbgrader share). The site shows the code without the two marker lines; the
student edition replaces the whole region by ``# YOUR CODE HERE`` and ``raise
NotImplementedError``, indented like the region, so that the code around it still parses.
"""

from __future__ import annotations

import re

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
# A marker is a whole line (any indent); the regex also matches a line inside a reST code block.
MARKER_LINE = re.compile(r"^[ \t]*# (?:BEGIN|END) SOLUTION[ \t]*\r?\n?", re.M)
BLANK = ("# YOUR CODE HERE", "raise NotImplementedError")


class RegionError(ValueError):
    """The markers of a file do not pair up."""


def strip_markers(text: str) -> str:
    """``text`` without its marker lines: what the site shows and lets readers download."""
    return MARKER_LINE.sub("", text)


def _marker(line: str) -> str | None:
    stripped = line.strip()
    return stripped if stripped in (BEGIN, END) else None


def regions(text: str) -> list[list[str]]:
    """The lines inside each region of ``text``, in order; RegionError if markers are unpaired."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _marker(line)
        if marker == BEGIN:
            if current is not None:
                raise RegionError(f"line {number}: {BEGIN} inside another region")
            current = []
        elif marker == END:
            if current is None:
                raise RegionError(f"line {number}: {END} without a {BEGIN} before it")
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    if current is not None:
        raise RegionError(f"a {BEGIN} is never closed by {END}")
    return found


def blank_regions(text: str) -> str:
    """``text`` with every region replaced by the two blank lines, at the region's indent."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        marker = _marker(line)
        if marker == BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + blank for blank in BLANK)
            inside = True
        elif marker == END:
            inside = False
        elif not inside:
            out.append(line)
    regions(text)  # raises if the markers do not pair up
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
