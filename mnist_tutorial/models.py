"""The two networks of the tutorial (a CNN and a fully connected net) and parameter counting."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

IMAGE_SIZE = 28  # MNIST images are 28 x 28 pixels
NUM_CLASSES = 10  # digits 0-9


# The taught code: ConvNet is written out in section 2 (examples/plot_02_build_cnn.py), FCNet in
# section 7 and feature_maps in section 6, as code a reader can copy into an empty notebook: no
# package constants or checks inside. tests/test_taught_code.py keeps these copies identical
# (as syntax trees) to the sections', so edit both together.


class ConvNet(nn.Module):
    """Two 5x5 convolutions with max pooling, then two fully connected layers."""

    def __init__(self) -> None:
        super().__init__()
        # padding=2 keeps a 5x5 convolution's output the size of its input
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5, padding=2)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, padding=2)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        # Each pooling halves the side, 28 -> 14 -> 7: conv2's 64 maps end up 7 x 7.
        self.fc1 = nn.Linear(64 * 7 * 7, 512)
        self.fc2 = nn.Linear(512, 10)  # one score per digit
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu(self.conv1(x)))  # (N, 32, 14, 14)
        x = self.pool2(self.relu(self.conv2(x)))  # (N, 64, 7, 7)
        x = torch.flatten(x, start_dim=1)  # (N, 3136)
        x = self.relu(self.fc1(x))  # (N, 512)
        return self.fc2(x)  # (N, 10) raw scores; CrossEntropyLoss applies the softmax


def feature_maps(net, images):
    """The first layer's 32 feature maps: conv1, then ReLU, as the rest of the net sees them."""
    return net.relu(net.conv1(images))  # (N, 32, 28, 28)


class FCNet(nn.Module):
    """A fully connected net, 784-1500-1000-500-10, ReLU between layers."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 1500)  # every pixel to every unit
        self.fc2 = nn.Linear(1500, 1000)
        self.fc3 = nn.Linear(1000, 500)
        self.fc4 = nn.Linear(500, 10)  # one score per digit
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, start_dim=1)  # (N, 784): the pixels lose their 2-D arrangement
        x = self.relu(self.fc1(x))  # (N, 1500)
        x = self.relu(self.fc2(x))  # (N, 1000)
        x = self.relu(self.fc3(x))  # (N, 500)
        return self.fc4(x)  # (N, 10) raw scores


MODELS: dict[str, type[nn.Module]] = {"ConvNet": ConvNet, "FCNet": FCNet}


@dataclasses.dataclass(frozen=True)
class LayerParameters:
    """The trainable parameters of one layer: weights, biases and the shape of the weights."""

    name: str
    weight_shape: tuple[int, ...]
    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases


def parameter_table(net: nn.Module) -> list[LayerParameters]:
    """One row per layer that has parameters, in definition order."""
    rows = []
    for name, module in net.named_modules():
        weight = getattr(module, "weight", None)
        if not isinstance(weight, nn.Parameter):
            continue
        bias = getattr(module, "bias", None)
        rows.append(
            LayerParameters(
                name=name,
                weight_shape=tuple(weight.shape),
                weights=weight.numel(),
                biases=bias.numel() if bias is not None else 0,
            )
        )
    return rows


def count_parameters(net: nn.Module) -> int:
    """The number of trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def format_parameter_table(net: nn.Module) -> str:
    """The parameter table as aligned text, with a total line."""
    rows = parameter_table(net)
    lines = [f"{'layer':<8}{'weight shape':>18}{'weights':>12}{'biases':>9}{'total':>12}"]
    for row in rows:
        shape = " x ".join(str(s) for s in row.weight_shape)
        lines.append(f"{row.name:<8}{shape:>18}{row.weights:>12,}{row.biases:>9,}{row.total:>12,}")
    lines.append(f"{'total':<8}{'':>18}{'':>12}{'':>9}{count_parameters(net):>12,}")
    return "\n".join(lines)
