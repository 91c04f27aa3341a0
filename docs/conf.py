"""Sphinx configuration of the tutorial site (sphinx-gallery executes ../examples)."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))  # graphviz_scraper and tutorial_ext live next to this file

from mnist_tutorial import __version__
from mnist_tutorial.config import quick_mode

# Where the project lives. Defined once: the Colab install cell and the header link use it.
REPOSITORY_URL = "https://github.com/mnist-tutorial/mnist-tutorial"

project = "MNIST CNN tutorial"
author = "the mnist-tutorial authors"
copyright = "2026, " + author
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_gallery.gen_gallery",
    # MathJax served from the site itself, not a CDN: pages work offline and in the tests.
    "sphinx-mathjax-offline",
    "tutorial_ext",
    "solutions",  # exercise solutions in collapsed dropdowns
    "notebook_text",  # no Sphinx roles or site-only markup in the notebooks
    "figure_text",  # the gallery thumbnails' alt texts (its scraper is set below)
]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
# A tqdm bar (if any library shows one) would be captured into the pages line by line.
os.environ.setdefault("TQDM_DISABLE", "1")

# --- sphinx-gallery ---------------------------------------------------------------------------

# The first cell of every downloadable notebook. It installs what is missing (on Colab: the
# package itself and torchviz) and does nothing where everything is already importable.
FIRST_NOTEBOOK_CELL = f"""\
# Setup for Colab or a fresh Jupyter: installs this tutorial's package if it is missing.
# On Colab, train on a GPU: Runtime -> Change runtime type -> GPU (then run all cells again).
# The network graph needs Graphviz's `dot` program; Colab has it, elsewhere install it with
# your package manager (in a notebook: !apt-get install -y graphviz).
try:
    import graphviz
    import mnist_tutorial
    import torchviz
except ImportError:
    import subprocess
    import sys

    subprocess.check_call(
        [sys.executable, "-m", "pip", "install", "--quiet", "torchviz", "graphviz",
         "setuptools", "mnist-tutorial @ git+{REPOSITORY_URL}"]
    )
%matplotlib inline"""

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
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
    # The graph is shown as an SVG image by the scraper, not as "<graphviz... object at 0x...>".
    "ignore_repr_types": r"graphviz\.",
    "reset_modules": ("matplotlib", "tutorial_ext.reset_state"),
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
html_title = "MNIST CNN tutorial"
html_static_path = ["_static"]
templates_path = ["_templates"]  # search-button-field.html: the theme's, with a fixed label
html_favicon = "_static/favicon.svg"
html_css_files = ["tutorial.css"]
html_js_files = ["figure-links.js"]  # a click on a figure opens it full size
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "icon_links": [
        {"name": "Source code", "url": REPOSITORY_URL, "icon": "fa-brands fa-github"},
    ],
    # sg_download_links: an example's download buttons (shows nothing on other pages).
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sourcelink"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
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
_OFFLINE = os.environ.get("MNIST_TUTORIAL_OFFLINE", "") not in ("", "0") or not _online()
_inventories = {} if _OFFLINE else {n: _fetch_inventory(n, u) for n, u in INTERSPHINX.items()}
intersphinx_mapping = {
    name: (INTERSPHINX[name], path) for name, path in _inventories.items() if path is not None
}
