"""The two networks of the tutorial (a CNN and a fully connected net) and parameter counting."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

IMAGE_SIZE = 28  # MNIST images are 28 x 28 pixels
NUM_CLASSES = 10  # digits 0-9


def check_image_batch(x: torch.Tensor) -> None:
    """Raise a ValueError unless ``x`` is a batch of MNIST images, shape (N, 1, 28, 28)."""
    if x.dim() != 4 or tuple(x.shape[1:]) != (1, IMAGE_SIZE, IMAGE_SIZE):
        hint = ""
        if x.dim() == 3:
            hint = " Add the channel dimension with x.unsqueeze(1)."
        raise ValueError(
            f"expected a batch of shape (N, 1, {IMAGE_SIZE}, {IMAGE_SIZE}), got {tuple(x.shape)}."
            + hint
        )


class ConvNet(nn.Module):
    """Two 5x5 convolutions with max pooling, then two fully connected layers."""

    def __init__(self) -> None:
        super().__init__()
        # padding=2 keeps a 5x5 convolution's output the size of its input
        self.conv1 = nn.Conv2d(1, 32, kernel_size=5, padding=2)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=5, padding=2)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        # Each pooling halves the side: 28 -> 14 -> 7, so conv2's 64 maps end up 7 x 7.
        side = IMAGE_SIZE // 2 // 2
        self.fc1 = nn.Linear(64 * side * side, 512)
        self.fc2 = nn.Linear(512, NUM_CLASSES)
        self.relu = nn.ReLU()

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The first layer's feature maps after ReLU, (N, 32, 28, 28)."""
        check_image_batch(x)
        return self.relu(self.conv1(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.features(x))  # (N, 32, 14, 14)
        x = self.pool2(self.relu(self.conv2(x)))  # (N, 64, 7, 7)
        x = torch.flatten(x, start_dim=1)  # (N, 3136)
        x = self.relu(self.fc1(x))  # (N, 512)
        return self.fc2(x)  # (N, 10) raw scores; CrossEntropyLoss applies the softmax


class FCNet(nn.Module):
    """A fully connected net, 784-1500-1000-500-10, ReLU between layers."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(IMAGE_SIZE * IMAGE_SIZE, 1500)
        self.fc2 = nn.Linear(1500, 1000)
        self.fc3 = nn.Linear(1000, 500)
        self.fc4 = nn.Linear(500, NUM_CLASSES)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x)
        x = torch.flatten(x, start_dim=1)  # (N, 784): the pixels lose their 2-D arrangement
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        x = self.relu(self.fc3(x))
        return self.fc4(x)


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
