"""A sphinx-gallery image scraper that renders graphviz graphs (torchviz's make_dot) as SVG.

sphinx-gallery captures matplotlib figures by itself, but a ``graphviz.Digraph`` left as the last
expression of a cell would only show its repr. This scraper looks for graphs that a cell created,
either as its last expression or as a top-level variable, and writes each one, once, as an SVG
file next to the other images of the example, with GRAPH_ALT as its alt text (in place of
sphinx-gallery's file name). ``ignore_repr_types`` in conf.py hides the repr, and that of the
notebook's display object (``mnist_tutorial.graph.show_graph``), which draws the same graph.

The SVG is drawn as the notebook draws it, by Graphviz compiled to WebAssembly
(``mnist_tutorial.graph``): no system Graphviz. Where that renderer cannot run, the scraper
raises and the build fails: never a page without its graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

GRAPH_ALT = (
    "The autograd graph of one forward pass of the network, drawn by torchviz: blue boxes are "
    "the parameters (each layer's weight and bias, with their shapes), gray boxes the "
    "operations whose gradients backpropagation computes (convolution, ReLU, max pooling, "
    "flattening, linear layers), arrows lead from the parameters at the top to the green "
    "output box of shape (1, 10) at the bottom."
)

# Rendered graphs of the current example, kept so that a graph is drawn once, in the cell that
# made it, and not again in every later cell that can still see the same variable.
_SEEN_KEY = "graphviz_scraper_seen"


def _new_graphs(block_vars: dict[str, Any]) -> list[Any]:
    import graphviz

    seen = block_vars.setdefault(_SEEN_KEY, [])
    found = []
    # "___" is where sphinx-gallery keeps the value of a cell's last expression.
    for value in block_vars["example_globals"].values():
        is_graph = isinstance(value, graphviz.Digraph | graphviz.Graph)
        if is_graph and all(value is not old for old in seen + found):
            found.append(value)
    seen.extend(found)
    return found


def site_svg(graph: Any) -> bytes:
    """The graph as SVG, drawn by ``mnist_tutorial.graph.graph_svg``.

    That styles a copy in Courier, whose built-in metrics size the boxes of the WebAssembly
    Graphviz right; the reader's own graph (the page's code) is left as make_dot made it.
    Raises ``GraphRendererUnavailable`` where the renderer cannot run.
    """
    from mnist_tutorial.graph import graph_svg

    return graph_svg(graph)


def graphviz_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """Write the graphs new in this cell as SVG images and return the reST that shows them."""
    from figure_text import with_alt_texts
    from sphinx_gallery.scrapers import figure_rst

    paths = []
    for graph in _new_graphs(block_vars):
        # The iterator hands out the next free image name of this example (a .png one).
        svg_path = Path(next(block_vars["image_path_iterator"])).with_suffix(".svg")
        # raises, failing the build, where the WebAssembly Graphviz cannot run
        svg_path.write_bytes(site_svg(graph))
        paths.append(svg_path)
    if not paths:
        return ""
    return with_alt_texts(figure_rst(paths, gallery_conf["src_dir"]), [GRAPH_ALT] * len(paths))
