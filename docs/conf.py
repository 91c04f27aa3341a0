"""Sphinx configuration of the tutorial site (sphinx-gallery executes ../examples)."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from pathlib import Path

DOCS = Path(__file__).resolve().parent
# The Sphinx convention (matplotlib, scikit-learn): this site's own extensions and the gallery's
# hooks in _ext/; the checkout's root for the build tools (site_tools/) and the course (course/).
sys.path[:0] = [str(DOCS / "_ext"), str(DOCS.parent)]

from mnist_tutorial import __version__
from mnist_tutorial.config import quick_mode
from site_tools.notebook_setup import first_notebook_cell
from site_tools.repository import this_build

# Where this build's code comes from (the environment or the git checkout; None if unknown):
# the notebooks install the package from it, pinned to the commit (site_tools/repository.py).
REPOSITORY = this_build()

project = "MNIST CNN tutorial"
author = "the mnist-tutorial authors"
copyright = "2026, " + author
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",  # api.rst: one page per package module, written to gen_modules/
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "source_pages",  # viewcode's source pages written again when the templates change
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
    "mathml",  # math as MathML written at build time: no script for the browser to run
    "sections",  # the section list from ../examples: breadcrumbs and the index's cards
    "build_facts",  # build.rst: device, versions, date, quick mode, each section's time
    # re-run a section only when its code, data or settings changed; record each run
    "incremental",
    "solutions",  # exercise solutions in collapsed dropdowns
    "notebook_text",  # no Sphinx roles or site-only markup in the notebooks
    "repository_record",  # records the repository and commit in the site (repository.json)
    "launch_links",  # under each section's title: Colab, downloads, source, build facts
    "api_examples",  # the API reference lists the sections that use each function and class
    "figure_text",  # the gallery thumbnails' alt texts (its scraper is set below)
    "trained_networks",  # after the examples: the assignment's targets, the published weights
    "script_headers",  # the install instructions atop every downloadable script
    "solution_markers",  # the course edition's # BEGIN/END SOLUTION lines: never on the site
    "course_tables",  # teachers.rst: the course's tasks and points, from course/tasks.py
    "page_meta",  # a meta description on every page (_templates/layout.html writes it)
    "lazy_images",  # figures after a page's first load as the reader scrolls (page speed)
    "head_assets",  # scripts deferred, the shared stylesheets in one file (first paint)
    "icon_fonts",  # the theme's icon fonts cut down to the icons the site shows (4 kB, not 244)
]
# api_module.rst (autosummary's page for one module), search-button-field.html (the
# theme's search button, with a label that matches its visible text) and layout.html (a meta
# description, and the theme's search scripts deferred)
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
# A tqdm bar (if any library shows one) would be captured into the pages line by line.
os.environ.setdefault("TQDM_DISABLE", "1")

# --- sphinx-gallery ---------------------------------------------------------------------------

# The first cell of every downloadable notebook: installs the package at this build's commit
# where it is missing, does nothing where it is importable (site_tools/notebook_setup.py).
FIRST_NOTEBOOK_CELL = first_notebook_cell(REPOSITORY)

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    # No sg_execution_times pages: they load jQuery and DataTables from CDNs (an error offline,
    # third-party requests online); the build page lists each section's time instead.
    "write_computation_times": False,
    # which of the package's objects each example uses, for the API reference (api_examples.py)
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("mnist_tutorial",),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    # matplotlib figures, refused when their text would be too small to read (figure_text.py)
    "image_scrapers": (
        "figure_text.checked_matplotlib_scraper",
        "graphviz_scraper.graphviz_scraper",
    ),
    # every figure also in twice the resolution, for high-density screens
    "image_srcset": ["2x"],
    # The graph is shown as an SVG image by the scraper, not as "<graphviz... object at 0x...>",
    # nor as the repr of the notebook's display object (mnist_tutorial.graph.show_graph);
    # the True that check() returns at the end of a solution is not shown (it printed a verdict).
    "ignore_repr_types": r"graphviz\.|mnist_tutorial\.graph\.GraphSVG|<class 'bool'>",
    # Seed, close figures and free CUDA memory between examples; time each one for build.rst.
    "reset_modules": ("matplotlib", "example_reset.reset_state", "example_reset.time_example"),
    "reset_modules_order": "both",
    "first_notebook_cell": FIRST_NOTEBOOK_CELL,
    "download_all_examples": True,
    "remove_config_comments": True,
    "show_memory": False,
    # An example that raises fails the build (the default, stated because it matters).
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "min_reported_time": 0,
}

# --- Section 8's live demo (begin) -------------------------------------------------------------
# live_demo.py inserts the demo into section 8's page, copies onnxruntime-web into the site and
# checks the exported ONNX models at the end of the build.
extensions.append("live_demo")
# --- Section 8's live demo (end) ---------------------------------------------------------------

# --- HTML -------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_math_renderer = "mathml"  # _ext/mathml.py
html_title = "MNIST CNN tutorial"
# A function re-exported by another module (exercises.check is marking.check) gets its source
# link from the module that defines it; following the import instead made viewcode link the
# defining module's source page to anchors of the re-exporting one, which do not exist.
viewcode_follow_imported_members = False
html_static_path = ["_static"]
# No "Python Module Index" page: no page links to it, the API page lists the modules, and its
# collapse toggle is Sphinx's 9-pixel minus.png, blurred on a phone's screen (Lighthouse).
html_domain_indices = False
html_favicon = "_static/favicon.svg"
html_css_files = ["tutorial.css"]
html_js_files = ["figure-links.js"]  # a click on a figure opens it full size
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    # A link to the source only where it has a web page (not a local clone, not unknown).
    "icon_links": [
        {"name": "Source code", "url": REPOSITORY.web_url, "icon": "fa-brands fa-github"},
    ]
    if REPOSITORY and REPOSITORY.web_url
    else [],
    # sg_download_links: an example's download buttons (shows nothing on other pages).
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sourcelink"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # Off (the theme's default, said here because _templates/layout.html relies on it): the
    # search box opens the search page, so the other pages need not load the search index.
    "search_as_you_type": False,
}
if quick_mode():
    html_theme_options["announcement"] = (
        "Quick build: the networks were trained briefly on a subset of MNIST, so the numbers "
        "on these pages are not the tutorial's real results."
    )
# Follow the reader's system setting; without a default, a first visit logs an error
# ("Got invalid theme mode") in the browser console.
html_context = {"default_mode": "auto"}
# No left navigation on the section pages: the breadcrumb under each title links every section,
# and the article gets the width that code lines of 100 characters need.
html_sidebars = {"index": [], "build": [], "api": [], "auto_examples/plot_*": []}

# The copy button goes on code, not on the printed output of the examples.
copybutton_selector = "div:not(.sphx-glr-script-out) > div.highlight pre"
copybutton_exclude = ".linenos, .gp, .go"

# --- API reference ----------------------------------------------------------------------------

autodoc_default_options = {"members": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# --- Intersphinx, only with inventories that could be fetched (offline builds stay clean) ------

INTERSPHINX = {
    "python": "https://docs.python.org/3",
    "torch": "https://docs.pytorch.org/docs/stable",
    "numpy": "https://numpy.org/doc/stable",
    "matplotlib": "https://matplotlib.org/stable",
}
INVENTORIES = DOCS / "_build" / "intersphinx"


def _online(host: str = "docs.python.org", timeout: float = 1.5) -> bool:
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _fetch_inventory(name: str, url: str) -> str | None:
    """A local copy of the project's objects.inv; None when it cannot be downloaded now.

    Sphinx warns (an error with -W) about an inventory it cannot fetch, so only inventories
    that were just downloaded are handed to it.
    """
    try:
        with urllib.request.urlopen(f"{url}/objects.inv", timeout=10) as response:
            data = response.read()
    except OSError:
        return None
    INVENTORIES.mkdir(parents=True, exist_ok=True)
    path = INVENTORIES / f"{name}.inv"
    path.write_bytes(data)
    return str(path)


# MNIST_TUTORIAL_OFFLINE=1 skips the network check (and the links to other projects' docs).
# Read with the package's own switch reader: "false" is off, and a typo stops the build.
from mnist_tutorial.config import offline_mode

_OFFLINE = offline_mode() or not _online()
_inventories = {} if _OFFLINE else {n: _fetch_inventory(n, u) for n, u in INTERSPHINX.items()}
intersphinx_mapping = {
    name: (INTERSPHINX[name], path) for name, path in _inventories.items() if path is not None
}
