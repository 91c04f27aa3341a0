"""What a page's ``<head>`` makes the browser fetch and run before it can show any text.

Sphinx, the theme and each extension add their own stylesheet and script. A section page asked
for eleven stylesheets (one of them reached only through an ``@import``) and eight plain
``<script>`` tags before its first paint, and a phone on a slow network waits for every one
(Lighthouse, mobile preset: first paint 2.4 s, performance 86 on section 3). This extension:

- gives every script Sphinx lists ``defer``: it downloads beside the page and runs once the page
  is parsed, in the same order as before. The short inline scripts among them (the page's name
  for the search, ``DOCUMENTATION_OPTIONS.pagename = ...``) become module scripts, which the
  browser also runs after parsing, in that same order; as plain inline scripts they would run
  before the deferred file that defines what they set;
- joins the page's stylesheets into one file, ``_static/page-styles-<digest>.css``, in the
  order the page applies them, so that the page waits for one request instead of eight (the
  pages list the same ones, so they share the file). Only plain files directly in
  ``_static/`` are joined: a file with ``url(...)`` or ``@import`` keeps its own link, since
  its relative paths are resolved from where it lies, and so does ``pygments.css``, which the
  theme rewrites after the pages; the files on either side of such a file are joined
  separately, so that the cascade keeps its order;
- replaces the theme's ``styles/theme.css``, whose only line imports ``../basic.css`` (one more
  round trip after the first), by that file's contents.

The theme's own script that picks light or dark mode stays as it is, inline and before the
styles, so that a page never flashes in the wrong colours.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

from mnist_tutorial.files import atomic_write

JOINED_STEM = "page-styles"  # + a digest of the files it joins
THEME_IMPORT = '@import "../basic.css";'
# Rewritten after the pages are written, so not joinable when they are: the theme replaces
# Sphinx's pygments.css with its accessible colours for code at build-finished.
REWRITTEN_LATER = {"_static/pygments.css"}


def deferred(script: _JavaScript) -> _JavaScript:
    """``script`` as it loads without blocking the page (unchanged if it already does)."""
    attributes = dict(script.attributes)
    if any(key in attributes for key in ("defer", "async")) or attributes.get("type") == "module":
        return script
    if script.filename:
        attributes["defer"] = "defer"
    else:
        attributes["type"] = "module"  # an inline script: runs after parsing, in order
    return _JavaScript(script.filename, priority=script.priority, **attributes)


def joinable(outdir: Path, filename: str) -> bool:
    """Whether the stylesheet ``filename`` (from the site's root) can join the others as it is."""
    folder = filename.rpartition("/")[0]
    path = outdir / filename
    if folder != "_static" or filename in REWRITTEN_LATER or not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    return "url(" not in text and "@import" not in text


def join_styles(outdir: Path, filenames: list[str], joined: str) -> None:
    """Write ``outdir/joined``: the files in their order, each under its name."""
    parts = [f"/* {name} */\n{(outdir / name).read_text(encoding='utf-8')}" for name in filenames]
    _write(outdir / joined, "\n".join(parts))


def inline_theme_import(static: Path) -> None:
    """Put basic.css into the theme's ``styles/theme.css`` in place of its ``@import``."""
    theme_css = static / "styles" / "theme.css"
    basic_css = static / "basic.css"
    if not (theme_css.is_file() and basic_css.is_file()):
        return
    text = theme_css.read_text(encoding="utf-8")
    if THEME_IMPORT in text:
        basic = basic_css.read_text(encoding="utf-8")
        _write(theme_css, text.replace(THEME_IMPORT, basic))


def _write(path: Path, text: str) -> None:
    # Whole or not at all: parallel writers (sphinx-build -j) each prepare the same files.
    with atomic_write(path) as f:
        f.write(text)


# The joined files written in this build, by the stylesheets they hold. They are written at
# the first page that lists them, when Sphinx has already copied the static files.
_joined: dict[tuple[str, ...], str] = {}


def joined_file(outdir: Path, filenames: tuple[str, ...]) -> str:
    """The file (from the site's root) that holds ``filenames``, written if new."""
    if filenames not in _joined:
        digest = hashlib.sha256("\n".join(filenames).encode()).hexdigest()[:8]
        _joined[filenames] = f"_static/{JOINED_STEM}-{digest}.css"
        join_styles(outdir, list(filenames), _joined[filenames])
        inline_theme_import(outdir / "_static")
    return _joined[filenames]


def joined_styles(outdir: Path, styles: list[_CascadingStyleSheet]) -> list[_CascadingStyleSheet]:
    """``styles`` in the order the page applies them, each run of joinable ones as one file."""
    result: list[_CascadingStyleSheet] = []
    run: list[_CascadingStyleSheet] = []
    # Sphinx writes the links sorted by priority (a stable sort): join in that order.
    for css in [*sorted(styles, key=lambda css: css.priority), None]:
        if css is not None and isinstance(css.filename, str) and joinable(outdir, css.filename):
            run.append(css)
            continue
        if len(run) > 1:
            names = tuple(sheet.filename for sheet in run)
            result.append(
                _CascadingStyleSheet(joined_file(outdir, names), priority=run[0].priority)
            )
        else:
            result.extend(run)
        run = []
        if css is not None:
            result.append(css)
    return result


def _rewrite_head(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html" or "css_files" not in context:
        return
    context["css_files"] = joined_styles(Path(app.outdir), list(context["css_files"]))
    if pagename != "search":  # its template's own plain scripts need doctools.js run first
        context["script_files"] = [deferred(js) for js in context["script_files"]]


def _forget(app: Sphinx) -> None:
    _joined.clear()


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", _forget)
    # Late, after the extensions that add a page's own scripts and styles at this event.
    app.connect("html-page-context", _rewrite_head, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
