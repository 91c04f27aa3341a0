"""Tests of mnist_tutorial.graph: the autograd graph names the network's parameters."""

from __future__ import annotations

import graphviz
import torch

from mnist_tutorial.graph import network_graph
from mnist_tutorial.models import ConvNet


def test_network_graph_is_a_digraph_naming_the_weights():
    graph = network_graph(ConvNet(), torch.randn(1, 1, 28, 28))
    assert isinstance(graph, graphviz.Digraph)
    assert "conv1.weight" in graph.source
    assert "fc2.bias" in graph.source


def test_node_text_is_sized_as_monospace_by_any_dot():
    # a dot without pango (the offline bundle's) uses Courier metrics only for this name
    graph = network_graph(ConvNet(), torch.randn(1, 1, 28, 28))
    assert graph.node_attr["fontname"].startswith("Courier")
    assert graph.node_attr["fontname"].endswith(",monospace")
