"""Training a network once and sharing it between examples through a cache on disk."""

from __future__ import annotations

import dataclasses
import dis
import hashlib
import json
import math
import sys
import time
import types
import warnings
from pathlib import Path

import torch
from torch import nn

from mnist_tutorial.config import TrainConfig, env_path
from mnist_tutorial.data import mnist_loaders
from mnist_tutorial.environment import seed_everything
from mnist_tutorial.files import atomic_write, user_cache_dir
from mnist_tutorial.models import MODELS
from mnist_tutorial.training import CheckedTrainer, DivergenceError, Trainer

CACHE_ENV = "MNIST_TUTORIAL_CACHE"
PACKAGE_DIR = Path(__file__).resolve().parent
# The package modules whose source decides the trained weights: the ones train_model runs
# (the config, the data pipeline and its file checks, seeding, the models, the training loop)
# and this file, with the file helpers it uses. The
# others (plots, exercises, export, ...) are left out, so that editing them retrains nothing.
# tests/test_cache.py checks that every package module train_model imports is listed here.
TRAINING_MODULES = (
    "cache",
    "config",
    "data",
    "environment",
    "files",
    "mnist_files",
    "models",
    "training",
)
# A write takes well under a second; a temporary file this old belongs to a killed writer.
STALE_TEMP_SECONDS = 5 * 60


@dataclasses.dataclass
class TrainedModel:
    """A trained network, the mean loss of each epoch, and how it was obtained."""

    net: nn.Module
    losses: list[float]
    seconds: float  # training time when it was trained (also when loaded from the cache)
    from_cache: bool


def cache_dir() -> Path:
    """``$MNIST_TUTORIAL_CACHE``, else the per-user cache folder.

    ``~`` is expanded, and a relative path is anchored where the package was imported
    (:func:`mnist_tutorial.config.env_path`), not where an example runs.
    """
    return env_path(CACHE_ENV) or user_cache_dir() / "models"


def code_fingerprint() -> str:
    """A hash of the source of :data:`TRAINING_MODULES`: editing one invalidates every cached
    model; editing any other module of the package invalidates none."""
    digest = hashlib.sha256()
    for name in sorted(TRAINING_MODULES):
        digest.update(name.encode())
        digest.update((PACKAGE_DIR / f"{name}.py").read_bytes())
    return digest.hexdigest()


# Python 3.11 compiles ``torch.stack(...)`` one way where ``torch`` was imported in the same
# file (the package) and another where it was not (a notebook cell): the same operation.
_SAME_OPERATION = {"LOAD_METHOD": "LOAD_ATTR"}
_SKIPPED = {"CACHE", "NOP", "RESUME", "EXTENDED_ARG"}


def _hash_code(code: types.CodeType, digest) -> None:
    # The operations and their arguments (names, constants), recursively; not the file name or
    # line numbers, so the same class typed in a notebook and in the package hashes the same.
    for instruction in dis.get_instructions(code):
        if instruction.opname in _SKIPPED:
            continue
        argument = instruction.argval
        if isinstance(argument, types.CodeType):
            _hash_code(argument, digest)
            argument = argument.co_name
        elif isinstance(argument, frozenset):  # its repr's order changes from run to run
            argument = sorted(map(repr, argument))
        operation = _SAME_OPERATION.get(instruction.opname, instruction.opname)
        digest.update(f"{operation} {argument!r};".encode())


def class_fingerprint(cls: type) -> str:
    """A hash of the code of ``cls``'s own methods and the names of its bases.

    It works where the source is not at hand (a class defined in a notebook cell): editing a
    method of a class changes it; moving the class to another file or line does not.
    """
    digest = hashlib.sha256(f"{cls.__qualname__}{[b.__qualname__ for b in cls.__bases__]}".encode())
    for name, value in sorted(vars(cls).items()):
        function = getattr(value, "__func__", value)  # staticmethod / classmethod
        if isinstance(value, property):
            function = value.fget
        if isinstance(function, types.FunctionType):
            digest.update(name.encode())
            _hash_code(function.__code__, digest)
        elif name != "__module__" and isinstance(value, int | float | str | bytes | tuple):
            digest.update(f"{name}={value!r}".encode())
    return digest.hexdigest()


def cache_key(
    model_name: str,
    config: TrainConfig,
    device: torch.device,
    model_class: type[nn.Module] | None = None,
    trainer_class: type[Trainer] = Trainer,
) -> str:
    """What decides the trained weights: model, hyperparameters, seed, data subset, code, and
    the device type and torch version (GPU and CPU arithmetic differ in the last bits).

    The code is the package's training modules and the model and trainer classes actually
    used (a reader's own, edited one gets a key of its own).
    """
    model_class = model_class or MODELS[model_name]
    description = {
        "model": model_name,
        "config": dataclasses.asdict(config),
        "code": code_fingerprint(),
        "model_code": class_fingerprint(model_class),
        "trainer_code": class_fingerprint(trainer_class),
        "device": torch.device(device).type,
        "torch": torch.__version__,
        "python": sys.version_info[:2],  # the bytecode the classes are hashed from
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def train_model(
    model_name: str,
    config: TrainConfig,
    device: torch.device,
    model_class: type[nn.Module] | None = None,
    trainer_class: type[Trainer] = Trainer,
) -> TrainedModel:
    """Train a fresh ``model_name`` with the assignment's recipe: SGD + momentum, cross-entropy.

    ``model_class`` defaults to the package's class of that name. The package's own Trainer
    trains as the :class:`~mnist_tutorial.training.CheckedTrainer`, which trains the same
    weights; a reader's own trainer class is used as it is, and its result must be finite.
    """
    seed_everything(config.seed)
    net = (model_class or MODELS[model_name])().to(device)
    train_loader, _ = mnist_loaders(
        config.batch_size, device, fast=True, subset=config.train_subset, seed=config.seed
    )
    optim = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum)
    trainer_class = CheckedTrainer if trainer_class is Trainer else trainer_class
    trainer = trainer_class(net, optim, nn.CrossEntropyLoss(), train_loader)
    start = time.perf_counter()
    losses = [float(loss) for loss in trainer.train(config.epochs)]
    seconds = time.perf_counter() - start
    try:
        _check_finite(net, losses, config.epochs)
    except ValueError as error:  # only a trainer without the package's checks gets here
        raise DivergenceError(
            f"training gave a network that must not be used: {error}. Try a smaller learning "
            "rate, or check the training loop.",
            losses=[loss for loss in losses if math.isfinite(loss)],
        ) from None
    return TrainedModel(net, losses, seconds, from_cache=False)


def _read(
    path: Path, key: str, model_class: type[nn.Module], config: TrainConfig, device: torch.device
) -> TrainedModel | None:
    """The cached model at ``path``, or None (with a warning) if it is unusable."""
    try:
        saved = torch.load(path, map_location=device, weights_only=True)
        if saved.get("key") != key:
            raise ValueError("its cache key does not match this configuration")
        net = model_class().to(device)
        net.load_state_dict(saved["state_dict"])
        losses = [float(x) for x in saved["losses"]]
        _check_finite(net, losses, config.epochs)
        return TrainedModel(net, losses, float(saved["seconds"]), from_cache=True)
    except Exception as error:  # a bad cache file is never fatal
        warnings.warn(
            f"ignoring the cached model {path} ({type(error).__name__}: {error}); retraining",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


def _check_finite(net: nn.Module, losses: list[float], epochs: int) -> None:
    # A diverged net (NaN weights) answers at chance; it must never pass for a trained one.
    if len(losses) != epochs:
        raise ValueError(f"it holds {len(losses)} epoch losses, expected {epochs}")
    if not all(math.isfinite(loss) for loss in losses):
        raise ValueError(f"its losses are not all finite: {losses}")
    for name, tensor in net.state_dict().items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"its weights {name} are not all finite")


def _remove_stale_temporaries(folder: Path) -> None:
    # A writer killed between mkstemp and os.replace leaves its temporary file behind.
    now = time.time()
    for tmp in folder.glob("*.pt*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()
        except OSError:  # removed meanwhile by another process, or not ours to remove
            pass


def _write_atomically(path: Path, trained: TrainedModel, key: str) -> None:
    # Write to a temporary file in the same folder, then rename: a reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path.parent)
    state = {k: v.detach().cpu() for k, v in trained.net.state_dict().items()}
    record = {"key": key, "state_dict": state, "losses": trained.losses, "seconds": trained.seconds}
    with atomic_write(path, "wb") as f:
        torch.save(record, f)


def cache_path(model_name: str, key: str) -> Path:
    """The cache file of ``model_name`` trained as ``key`` (:func:`cache_key`) says."""
    return cache_dir() / f"{model_name}-{key[:20]}.pt"


def load_or_train(
    model_name: str,
    config: TrainConfig,
    device: torch.device | str,
    model_class: type[nn.Module] | None = None,
    trainer_class: type[Trainer] = Trainer,
) -> TrainedModel:
    """The trained ``model_name`` ("ConvNet" or "FCNet") for ``config``: from the cache when a
    matching one is there, else trained now and cached for the next example.

    ``model_class`` and ``trainer_class`` default to the package's; pass a section's own class
    to train with it. A class whose code differs from the package's gets a cache entry of its
    own, so an edited class is trained anew, never answered with the original's network.
    """
    if model_name not in MODELS:
        raise ValueError(f"unknown model {model_name!r}; expected one of {sorted(MODELS)}")
    model_class = model_class or MODELS[model_name]
    if not (isinstance(model_class, type) and issubclass(model_class, nn.Module)):
        raise TypeError(f"model_class must be a subclass of nn.Module, got {model_class!r}")
    if not isinstance(trainer_class, type):
        raise TypeError(f"trainer_class must be a class such as Trainer, got {trainer_class!r}")
    device = torch.device(device)
    key = cache_key(model_name, config, device, model_class, trainer_class)
    path = cache_path(model_name, key)
    if path.is_file():
        cached = _read(path, key, model_class, config, device)
        if cached is not None:
            print(f"Loaded the trained {model_name} from the cache ({path.name}).")
            return cached
    print(f"Training {model_name} for {config.epochs} epochs on {device.type}...")
    trained = train_model(model_name, config, device, model_class, trainer_class)
    try:
        _write_atomically(path, trained, key)
    # OSError: read-only folder, a file or folder in the way, full disk; torch's serializer
    # reports a full disk as a RuntimeError. Either way the trained net is still good.
    except (OSError, RuntimeError) as error:
        warnings.warn(
            f"could not save the trained {model_name} in the cache folder {path.parent} "
            f"({type(error).__name__}: {error}). It is used now, but will be trained again "
            f"next time: make that folder writable, free some space, or set {CACHE_ENV} to "
            "another folder.",
            RuntimeWarning,
            stacklevel=2,
        )
    return trained
