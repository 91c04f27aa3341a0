"""Tests of mnist_tutorial.models: architectures, shapes, input checks and parameter counts."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mnist_tutorial.models import (
    MODELS,
    ConvNet,
    FCNet,
    count_parameters,
    feature_maps,
    format_parameter_table,
    parameter_table,
)

# (layer, weight shape, weights, biases), computed by hand from the architecture
CONVNET_LAYERS = [
    ("conv1", (32, 1, 5, 5), 800, 32),
    ("conv2", (64, 32, 5, 5), 51_200, 64),
    ("fc1", (512, 3136), 1_605_632, 512),
    ("fc2", (10, 512), 5_120, 10),
]
FCNET_LAYERS = [
    ("fc1", (1500, 784), 1_176_000, 1500),
    ("fc2", (1000, 1500), 1_500_000, 1000),
    ("fc3", (500, 1000), 500_000, 500),
    ("fc4", (10, 500), 5_000, 10),
]


def test_models_registry():
    assert sorted(MODELS) == ["ConvNet", "FCNet"]
    assert MODELS["ConvNet"] is ConvNet
    assert MODELS["FCNet"] is FCNet


@pytest.mark.parametrize(("net_class", "total"), [(ConvNet, 1_663_370), (FCNet, 3_184_010)])
def test_exact_parameter_counts(net_class, total):
    net = net_class()
    assert count_parameters(net) == total
    assert sum(p.numel() for p in net.parameters()) == total


@pytest.mark.parametrize(
    ("net_class", "layers"), [(ConvNet, CONVNET_LAYERS), (FCNet, FCNET_LAYERS)]
)
def test_parameter_table_rows(net_class, layers):
    net = net_class()
    rows = parameter_table(net)
    assert [(r.name, r.weight_shape, r.weights, r.biases) for r in rows] == layers
    assert sum(r.total for r in rows) == count_parameters(net)


def test_formatted_table_lists_layers_and_total():
    lines = format_parameter_table(ConvNet()).splitlines()
    assert len(lines) == 1 + len(CONVNET_LAYERS) + 1  # header, one per layer, total
    assert lines[1].split()[0] == "conv1"
    assert "32 x 1 x 5 x 5" in lines[1]
    assert lines[3].split()[-1] == "1,606,144"  # fc1: 1,605,632 weights + 512 biases
    assert lines[-1].split() == ["total", "1,663,370"]


def test_count_parameters_ignores_frozen_ones():
    net = ConvNet()
    net.conv1.requires_grad_(False)
    assert count_parameters(net) == 1_663_370 - 832


@pytest.mark.parametrize("net_class", [ConvNet, FCNet])
def test_output_shape_for_100_random_images(net_class):
    x = torch.randn(100, 1, 28, 28)
    assert net_class()(x).shape == (100, 10)


def test_convnet_layers_follow_the_assignment():
    net = ConvNet()
    for conv in (net.conv1, net.conv2):
        assert conv.kernel_size == (5, 5)
        assert conv.padding == (2, 2)
    for pool in (net.pool1, net.pool2):
        assert isinstance(pool, nn.MaxPool2d)
        assert (pool.kernel_size, pool.stride) == (2, 2)


def test_features_are_conv1_then_relu():
    net = ConvNet()
    x = torch.randn(1, 1, 28, 28)
    maps = feature_maps(net, x)
    assert maps.shape == (1, 32, 28, 28)
    assert maps.min() >= 0
    conv = net.conv1(x)
    assert conv.min() < 0  # so a missing ReLU would be caught
    assert torch.equal(maps, torch.relu(conv))


def test_forward_starts_with_the_feature_maps():
    # The convolutional path: feature maps -> pool -> conv2 -> pool -> fc1 -> fc2, checked by hand.
    net = ConvNet()
    x = torch.randn(2, 1, 28, 28)
    h = nn.functional.max_pool2d(feature_maps(net, x), 2)  # (2, 32, 14, 14)
    h = nn.functional.max_pool2d(torch.relu(net.conv2(h)), 2)  # (2, 64, 7, 7)
    expected = net.fc2(torch.relu(net.fc1(h.flatten(1))))  # (2, 10)
    torch.testing.assert_close(net(x), expected)
