"""The autograd graph of a network as a graphviz Digraph (torchviz), not a matplotlib figure."""

from __future__ import annotations

import graphviz
import torch
from torch import nn
from torchviz import make_dot


def network_graph(net: nn.Module, example: torch.Tensor) -> graphviz.Digraph:
    """The graph autograd records for ``net`` on ``example``, its parameters named and shaped."""
    graph = make_dot(net(example), params=dict(net.named_parameters()))
    graph.graph_attr.update(rankdir="TB", size="12,12")
    # torchviz asks for "monospace". A dot without its text-layout plugin (the offline bundle's,
    # benchmarks/make_bundle.py) sizes boxes from built-in font metrics, and only a name that
    # starts with "Courier" gets monospace ones; "monospace" would get a proportional font's,
    # and long names would overflow their boxes. Browsers fall back to any monospace font.
    graph.node_attr["fontname"] = "Courier,monospace"
    return graph
