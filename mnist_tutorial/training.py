"""Training a network: the Trainer loop and the error raised when the loss diverges."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import torch
from torch import nn


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite. ``losses`` holds the mean loss of each finished epoch."""

    def __init__(self, message: str, losses: list[float]) -> None:
        super().__init__(message)
        self.losses = losses


class Trainer:
    """Runs the optimization loop of one network on one training loader."""

    def __init__(
        self,
        net: nn.Module,
        optim: torch.optim.Optimizer,
        loss_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        train_loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
        log: Callable[[str], None] | None = print,
    ) -> None:
        self.net = net
        self.optim = optim
        self.loss_function = loss_function
        self.train_loader = train_loader
        self.log = log

    def train(self, epochs: int) -> list[float]:
        """Train for ``epochs`` passes over the data; return the mean loss of each epoch."""
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        if len(self.train_loader) == 0:
            raise ValueError("the training loader yields no batches: is the dataset empty?")
        device = next(self.net.parameters()).device
        self.net.train()
        history: list[float] = []
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            mean_loss = self._train_one_epoch(epoch, device, history)
            history.append(mean_loss)
            if self.log is not None:
                seconds = time.perf_counter() - start
                self.log(f"epoch [{epoch}]: loss {mean_loss:.3f} ({seconds:.1f} s)")
        return history

    def _train_one_epoch(self, epoch: int, device: torch.device, history: list[float]) -> float:
        # Batch losses stay on the device: reading each one (loss.item()) would make the CPU
        # wait for the GPU after every step. They are checked once, at the end of the epoch.
        batch_losses = []
        for images, labels in self.train_loader:
            images = images.to(device, non_blocking=True)
            labels = labels.to(device, non_blocking=True)
            self.optim.zero_grad(set_to_none=True)
            loss = self.loss_function(self.net(images), labels)
            loss.backward()
            self.optim.step()
            batch_losses.append(loss.detach())
        losses = torch.stack(batch_losses)
        finite = torch.isfinite(losses)
        if not bool(finite.all()):
            batch = int((~finite).nonzero()[0]) + 1
            raise DivergenceError(
                f"the loss became {losses[batch - 1].item()} at epoch {epoch}, batch {batch}: "
                "training diverged. Try a smaller learning rate.",
                losses=list(history),
            )
        return losses.mean().item()
