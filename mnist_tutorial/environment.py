"""Where the code runs: choosing the device, seeding the random generators, CUDA settings."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from mnist_tutorial.config import env_flag

DETERMINISTIC_ENV = "MNIST_TUTORIAL_DETERMINISTIC"


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's generators (all devices)."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds the legacy global generator on purpose
    torch.manual_seed(seed)


def select_device(verbose: bool = True) -> torch.device:
    """CUDA when available, else the CPU; prints the choice once when ``verbose``.

    ``MNIST_TUTORIAL_DETERMINISTIC`` is read on every device: a value it refuses stops a CPU
    run too, rather than passing there and stopping only the GPU run.
    """
    deterministic = deterministic_requested()
    if torch.cuda.is_available():
        device = torch.device("cuda")
        configure_cuda(deterministic)
        if verbose:
            print(f"Using device: cuda ({torch.cuda.get_device_name(device)})")
    else:
        device = torch.device("cpu")
        if verbose:
            print(f"Using device: cpu ({torch.get_num_threads()} threads)")
    return device


def device_of(net: torch.nn.Module) -> torch.device:
    """The device a network's weights are on; the CPU for one with none (say ``nn.Flatten``)."""
    tensor = next(net.parameters(), None)
    if tensor is None:
        tensor = next(net.buffers(), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def deterministic_requested() -> bool:
    """True when ``MNIST_TUTORIAL_DETERMINISTIC`` asks for bit-reproducible GPU runs.

    Accepts the spellings of :func:`mnist_tutorial.config.env_flag`; raises on any other.
    """
    return env_flag(DETERMINISTIC_ENV)


def configure_cuda(deterministic: bool | None = None) -> None:
    """Fast GPU defaults, or reproducible ones when ``deterministic`` (default: from the env).

    cuDNN autotuning picks the fastest convolution kernels, which may differ from run to run;
    deterministic mode turns it off and asks PyTorch for deterministic algorithms instead.
    On the CPU, training is already reproducible for a given seed.
    """
    if deterministic is None:
        deterministic = deterministic_requested()
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    if deterministic:
        # cuBLAS needs this workspace setting to be deterministic; set it before the first matmul.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic, warn_only=False)
