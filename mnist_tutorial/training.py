"""Training a network: section 3's Trainer, the checked Trainer the package uses, its errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn

from mnist_tutorial.config import check_int


class DivergenceError(FloatingPointError):
    """The loss or the weights became NaN or infinite; ``losses``: each finished epoch's mean."""

    def __init__(self, message: str, losses: list[float]) -> None:
        super().__init__(message)
        self.losses = losses


# Trainer is written out in section 3 (examples/plot_03_train.py) as code a reader can copy into
# an empty notebook; tests/test_taught_code.py keeps this copy identical to the section's (as
# syntax trees), so edit both together. CheckedTrainer adds the package's checks around it.


class Trainer:
    """Trains one network on one training loader: zero_grad, forward, loss, backward, step."""

    def __init__(self, net, optim, loss_function, train_loader):
        self.net = net
        self.optim = optim
        self.loss_function = loss_function
        self.train_loader = train_loader

    def train_step(self, images, labels):
        """One step on one batch; returns the batch's loss (a tensor, still on the device)."""
        self.optim.zero_grad()  # 1. clear the gradients of the previous step
        scores = self.net(images)  # 2. forward pass: (N, 10) scores
        loss = self.loss_function(scores, labels)  # 3. one number: how wrong the scores are
        loss.backward()  # 4. backward pass: the gradient of the loss for every weight
        self.optim.step()  # 5. move every weight a little against its gradient
        return loss.detach()

    def train_epoch(self):
        """One pass over the training set; returns the mean loss of its batches."""
        device = next(self.net.parameters()).device
        batch_losses = []
        for images, labels in self.train_loader:
            images, labels = images.to(device), labels.to(device)
            batch_losses.append(self.train_step(images, labels))
        # Read the losses once per epoch: each .item() makes the CPU wait for the GPU.
        return torch.stack(batch_losses).mean().item()

    def train(self, epochs):
        """Train for ``epochs`` passes over the data; returns the mean loss of each epoch."""
        self.net.train()  # training mode (our layers behave the same in both modes)
        losses = []
        for epoch in range(1, epochs + 1):
            losses.append(self.train_epoch())
            print(f"epoch [{epoch}]: loss {losses[-1]:.3f}")
        return losses


class CheckedTrainer(Trainer):
    """Section 3's :class:`Trainer`, with checks: what the package trains with.

    It refuses bad arguments at once, stops with :class:`DivergenceError` when the loss or the
    weights stop being finite, tells broken input data apart from divergence, and logs each
    epoch with its time (``log=None``: silent). The arithmetic is the Trainer's, step for step,
    so both train the same weights from the same seed.

    The loader may be anything that can be iterated again for every epoch (a DataLoader, a
    :class:`~mnist_tutorial.data.TensorLoader`, a list of batches); it need not have a length.
    """

    def __init__(
        self,
        net: nn.Module,
        optim: torch.optim.Optimizer,
        loss_function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        train_loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
        log: Callable[[str], None] | None = print,
    ) -> None:
        _check_net_and_optimizer(net, optim)
        if not callable(loss_function):
            raise TypeError(f"loss_function must be callable, got {type(loss_function).__name__}")
        if not isinstance(train_loader, Iterable) or isinstance(train_loader, Iterator):
            # A generator or iterator is used up after one epoch; the second would be empty.
            raise TypeError(
                "train_loader must be re-iterable (a DataLoader, a TensorLoader, a list of "
                f"batches), got {type(train_loader).__name__}, which can be iterated only once"
            )
        if log is not None and not callable(log):
            raise TypeError(f"log must be callable or None, got {type(log).__name__}")
        super().__init__(net, optim, loss_function, train_loader)
        self.log = log
        self._epoch = 0
        self._history: list[float] = []
        # Per batch of the current epoch, kept on the device and read once per epoch.
        self._finite_inputs: list[torch.Tensor] = []
        self._batch_losses: list[torch.Tensor] = []
        self._last_images: torch.Tensor | None = None  # the outputs are checked on it

    def train_step(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        self._finite_inputs.append(torch.isfinite(images).all())
        loss = super().train_step(images, labels)
        self._batch_losses.append(loss)
        self._last_images = images
        return loss

    def train_epoch(self) -> float:
        self._finite_inputs, self._batch_losses = [], []
        try:
            mean_loss = super().train_epoch()
        except RuntimeError:
            if not self._finite_inputs:  # torch.stack of no batch losses
                raise ValueError(
                    f"the training loader yielded no batches in epoch {self._epoch}"
                ) from None
            raise
        _check_epoch(
            self._epoch,
            torch.stack(self._batch_losses),
            torch.stack(self._finite_inputs),
            self.net,
            self._history,
        )
        _check_outputs(self._epoch, self.net, self._last_images, self._history)
        return mean_loss

    def train(self, epochs: int) -> list[float]:
        """Train for ``epochs`` passes over the data; return the mean loss of each epoch."""
        check_int("epochs", epochs)
        if hasattr(self.train_loader, "__len__") and len(self.train_loader) == 0:
            raise ValueError("the training loader yields no batches: is the dataset empty?")
        self.net.train()
        self._history = []
        for epoch in range(1, epochs + 1):
            self._epoch = epoch
            start = time.perf_counter()
            self._history.append(self.train_epoch())
            if self.log is not None:
                seconds = time.perf_counter() - start
                self.log(f"epoch [{epoch}]: loss {self._history[-1]:.3f} ({seconds:.1f} s)")
        return list(self._history)


def _check_net_and_optimizer(net: nn.Module, optim: torch.optim.Optimizer) -> None:
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    if not isinstance(optim, torch.optim.Optimizer):
        raise TypeError(f"optim must be a torch.optim.Optimizer, got {type(optim).__name__}")
    own = {id(p) for p in net.parameters()}
    if not own:
        raise ValueError(f"the network ({type(net).__name__}) has no parameters to train")
    held = {id(p) for group in optim.param_groups for p in group["params"]}
    # Holding some of them is fine (fine-tuning one layer); holding none trains nothing.
    if not own & held:
        raise ValueError(
            "the optimizer holds none of the network's parameters, so training would change "
            "nothing: create it from this network, e.g. torch.optim.SGD(net.parameters(), ...)"
        )


def _first_false(flags: torch.Tensor) -> int | None:
    """1-based index of the first False in a bool tensor, or None."""
    bad = (~flags).nonzero()
    return int(bad[0]) + 1 if len(bad) else None


def _check_epoch(
    epoch: int, losses: torch.Tensor, finite_inputs: torch.Tensor, net: nn.Module, history: list
) -> None:
    """Raise if a batch had non-finite input, or the loss or the weights stopped being finite."""
    bad_input = _first_false(finite_inputs)
    bad_loss = _first_false(torch.isfinite(losses))
    # A NaN image makes a NaN loss in its own batch: the input is the cause, not the lr.
    if bad_input is not None and (bad_loss is None or bad_input <= bad_loss):
        raise ValueError(
            f"batch {bad_input} of epoch {epoch} holds non-finite input values (NaN or inf): "
            "the data is broken, not the training. Check the images the loader yields."
        )
    if bad_loss is not None:
        raise DivergenceError(
            f"the loss became {losses[bad_loss - 1].item()} at epoch {epoch}, batch {bad_loss}: "
            "training diverged. Try a smaller learning rate.",
            losses=list(history),
        )
    # The last step of an epoch is not seen by any loss: with one batch per epoch, none is.
    broken = [name for name, p in net.named_parameters() if not bool(torch.isfinite(p).all())]
    if broken:
        raise DivergenceError(
            f"the weights ({', '.join(broken)}) became NaN or infinite in the last step of "
            f"epoch {epoch}: training diverged. Try a smaller learning rate.",
            losses=list(history),
        )


def _check_outputs(epoch: int, net: nn.Module, images: torch.Tensor, history: list) -> None:
    """Raise if the network, as the epoch left it, gives NaN or inf outputs on the last batch.

    The weights can stay finite (about 1e35 after one step with lr 1e38) and still overflow
    every output, and no loss of the epoch was computed after its last step. The check runs in
    eval mode without gradients, so it changes nothing: no batch-norm statistics, no dropout
    draws from the random generator.
    """
    modes = {module: module.training for module in net.modules()}
    net.eval()
    try:
        with torch.no_grad():
            outputs = net(images)
    finally:
        for module, training in modes.items():  # parents first: each keeps its own mode
            module.train(training)
    tensors = outputs if isinstance(outputs, tuple | list) else [outputs]
    if not all(bool(torch.isfinite(t).all()) for t in tensors if isinstance(t, torch.Tensor)):
        raise DivergenceError(
            f"the network's outputs on the last batch of epoch {epoch} are NaN or infinite, "
            "though its weights are finite: training diverged. Try a smaller learning rate.",
            losses=list(history),
        )
