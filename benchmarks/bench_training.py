"""Benchmark: the reference DataLoader against the fast TensorLoader, alone and feeding training.

On each device, in one process, every measurement interleaved (A B B A ...) and summarized by
its median, so that a busy moment of the machine is shared by all of them:

(a) data: images per second over one whole epoch with each loader (``compare_throughput``);
(b) training steps: the package's Trainer fed by each loader, and by one batch already on the
    device (no loading at all), which isolates what the data costs a step;
(c) the tutorial's full training (TrainConfig's epochs, fast loader) from a fresh start after
    a one-epoch warm-up, with its last loss and test accuracy; then --reference-epochs of the
    same training fed by the reference DataLoader. By default on CUDA only (--train-repeats).

The tuning options --channels-last, --bf16 and --compile apply to (b) and (c), and also run on
the CPU; --cudnn-benchmark applies on CUDA. Run it with ``nox -s bench -- [options]``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from mnist_tutorial.config import TrainConfig
from mnist_tutorial.data import mnist_loaders
from mnist_tutorial.environment import device_of, seed_everything
from mnist_tutorial.evaluation import evaluate
from mnist_tutorial.models import ConvNet
from mnist_tutorial.throughput import compare_throughput, synchronize
from mnist_tutorial.training import CheckedTrainer

default = TrainConfig()
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--devices", nargs="+", help="default: cpu, and cuda when available")
parser.add_argument("--data-repeats", type=int, default=5, help="repeats of (a); 0 skips it")
parser.add_argument("--step-repeats", type=int, default=3, help="repeats of (b)")
parser.add_argument("--train-repeats", type=int, help="repeats of (c); default 1 on CUDA, 0 else")
parser.add_argument("--reference-epochs", type=int, default=1, help="(c) with the DataLoader")
parser.add_argument("--steps", type=int, default=20, help="training steps per repeat of (b)")
parser.add_argument("--epochs", type=int, default=default.epochs, help="epochs of (c)")
parser.add_argument("--batch-size", type=int, default=default.batch_size)
parser.add_argument("--subset", type=int, help="use only this many training images")
flag = argparse.BooleanOptionalAction
parser.add_argument("--channels-last", action=flag, default=False, help="NHWC memory layout")
parser.add_argument("--bf16", action=flag, default=False, help="bfloat16 autocast")
parser.add_argument("--cudnn-benchmark", action=flag, default=True, help="cuDNN autotuning")
compile_modes = ("off", "default", "reduce-overhead")  # reduce-overhead replays CUDA graphs
parser.add_argument("--compile", choices=compile_modes, default="off", help="torch.compile mode")
parser.add_argument("--json", type=Path, help="output file (default: in benchmarks/results/)")
args = parser.parse_args()
config = dataclasses.replace(
    default, epochs=args.epochs, batch_size=args.batch_size, train_subset=args.subset
)
devices = args.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
torch.backends.cudnn.benchmark = args.cudnn_benchmark
KINDS = ("reference", "fast")  # mnist_loaders(fast=False): torchvision's DataLoader
RESULTS = Path(__file__).resolve().parent / "results"


class Tuned(nn.Module):
    """A network run with the tuning options: channels-last memory layout, bf16 autocast."""

    def __init__(self, net: nn.Module, channels_last: bool, bf16: bool) -> None:
        super().__init__()
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.net = net.to(memory_format=self.memory_format)
        self.bf16 = bf16

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=self.memory_format)
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            scores = self.net(x)
        return scores.float()  # the loss in fp32, as autocast would do it anyway


def train_loader(config: TrainConfig, kind: str, device: torch.device, subset: int | None):
    """The shuffled training loader of ``kind`` over the first ``subset`` images."""
    fast = kind == "fast"
    return mnist_loaders(config.batch_size, device, fast, subset=subset, seed=config.seed)[0]


def new_trainer(config: TrainConfig, loader, device: torch.device, tuning: dict) -> CheckedTrainer:
    """A fresh ConvNet with the tutorial's recipe (SGD + momentum, cross-entropy) on ``loader``."""
    seed_everything(config.seed)
    net = Tuned(ConvNet().to(device), **tuning)
    if args.compile != "off":
        net = torch.compile(net, mode=None if args.compile == "default" else args.compile)
    optim = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum)
    return CheckedTrainer(net, optim, nn.CrossEntropyLoss(), loader, log=None)


def timed(device: torch.device, work, *args) -> tuple[float, object]:
    """(seconds, result) of ``work(*args)``, the device's queued work included."""
    synchronize(device)
    start = time.perf_counter()
    result = work(*args)
    synchronize(device)
    return time.perf_counter() - start, result


def fresh_run(trainer: CheckedTrainer, start: dict, epochs: int, kind: str) -> dict:
    """``epochs`` of training as a fresh net would see them: same weights, same batch order."""
    device = device_of(trainer.net)
    trainer.train_loader = train_loader(config, kind, device, config.train_subset)
    trainer.net.load_state_dict(start)  # in place: a compiled net stays compiled
    trainer.optim.state.clear()  # no momentum carried over
    seed_everything(config.seed)
    seconds, losses = timed(device, trainer.train, epochs)
    return {"epochs": epochs, "seconds": seconds, "last_loss": losses[-1]}


tuning = {"channels_last": args.channels_last, "bf16": args.bf16}
results = {}
for name in devices:
    device = torch.device(name)
    print(f"Benchmarking on {device} ...", flush=True)
    # (a) one epoch of data with each loader, moved to the device, interleaved (skipped with
    # --data-repeats 0: runs that compare tuning options leave it to one plain run)
    loaders = {kind: train_loader(config, kind, device, config.train_subset) for kind in KINDS}
    images, batches = len(loaders["fast"].images), len(loaders["fast"])
    rates = {}
    if args.data_repeats > 0:
        rates = compare_throughput(loaders, args.data_repeats, None, warmup=1, device=device)
    data_s = {kind: images / rates[kind].median for kind in rates}  # one epoch of data

    # (b) epochs of exactly `steps` batches from each loader, or of one batch on the device
    subset = args.steps * config.batch_size
    feeds = {kind: train_loader(config, kind, device, subset) for kind in KINDS}
    feeds["resident"] = [next(iter(loaders["fast"]))] * args.steps  # (256, 1, 28, 28), (256,)
    trainers = {kind: new_trainer(config, feed, device, tuning) for kind, feed in feeds.items()}
    for trainer in trainers.values():
        trainer.train(1)  # warm-up: lazy set-up, cuDNN autotuning
    step_s = {kind: [] for kind in trainers}
    for repeat in range(args.step_repeats):
        for kind in list(trainers)[:: 1 if repeat % 2 == 0 else -1]:
            step_s[kind].append(timed(device, trainers[kind].train, 1)[0] / args.steps)
    step = {kind: statistics.median(samples) for kind, samples in step_s.items()}

    # (c) the full training, each run from the same fresh start on one trainer, so that the
    # warm-up's one-off costs (compilation, autotuning, CUDA graph capture) stay out of it
    repeats = args.train_repeats if args.train_repeats is not None else int(device.type == "cuda")
    full, reference = [], None
    if repeats > 0:
        trainer = new_trainer(config, [], device, tuning)  # its loader is set per run
        start = copy.deepcopy(trainer.net.state_dict())
        test_loader = mnist_loaders(config.batch_size, device, fast=True, seed=config.seed)[1]

        full.append(fresh_run(trainer, start, 1, "fast"))  # the warm-up
        for _ in range(repeats):
            full.append(fresh_run(trainer, start, config.epochs, "fast"))
            full[-1]["test_accuracy"] = evaluate(trainer.net, test_loader).accuracy
        if args.reference_epochs > 0:
            reference = fresh_run(trainer, start, args.reference_epochs, "reference")

    summary = {
        "step_time_reference_over_fast": step["reference"] / step["fast"],
        "step_time_fast_over_resident": step["fast"] / step["resident"],
    }
    if rates:
        summary["data_speedup_fast_over_reference"] = (
            rates["fast"].median / rates["reference"].median
        )
    for kind in rates:  # an epoch's data time over the whole epoch: data plus the steps' compute
        summary[f"data_share_{kind}"] = data_s[kind] / (data_s[kind] + batches * step["resident"])
    if full:
        summary["full_training_s"] = statistics.median(run["seconds"] for run in full[1:])
        if reference:  # seconds per epoch, the reference DataLoader's over the fast loader's
            per_epoch = reference["seconds"] / reference["epochs"]
            summary["train_reference_over_fast"] = per_epoch / (
                summary["full_training_s"] / config.epochs
            )
    results[name] = {
        "images_per_epoch": images,
        "batches_per_epoch": batches,
        "data_images_per_s": {
            k: {"median": rates[k].median, "samples": rates[k].samples} for k in rates
        },
        "step_s": {k: {"median": step[k], "samples": step_s[k]} for k in step},
        "full_training": {"warmup": full[:1], "runs": full[1:], "reference": reference},
        "summary": summary,
    }

    options_text = f"{tuning}, compile={args.compile}, cudnn_benchmark={args.cudnn_benchmark}"
    print(f"\n== {name}: {options_text} ==")
    print(f"{images:,} images in batches of {config.batch_size}; medians of the repeats")
    print(f"  {'feed':<10} {'images/s':>10} {'epoch of data':>14} {'ms/step':>9}")
    for kind in step:
        rate = f"{rates[kind].median:10,.0f} {data_s[kind]:12.3f} s" if kind in rates else ""
        print(f"  {kind:<10} {rate:<25} {1000 * step[kind]:9.1f}")
    for run in full[1:]:
        print(
            "  training: {epochs} epochs in {seconds:.2f} s, loss {last_loss:.4f}, "
            "test accuracy {test_accuracy:.2f}%".format(**run)
        )
    if reference:
        print("  reference DataLoader: {epochs} epochs in {seconds:.2f} s".format(**reference))
    for key, value in summary.items():
        print(f"  {key:<34} {value:8.3f}")

machine = {"torch": torch.__version__, "python": platform.python_version()}
machine |= {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads()}
machine["cuda"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
options = vars(args) | {"json": str(args.json) if args.json else None}
output = {"machine": machine, "config": dataclasses.asdict(config), "options": options}
stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
path = args.json or RESULTS / f"{stamp}-{'-'.join(devices)}.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(output | {"results": results}, indent=2))
print(f"Wrote {path}")
