"""Benchmark: the reference DataLoader against the fast TensorLoader, alone and feeding training.

Measured in one process, the two paths interleaved (A B B A ...), medians over repeats, the
warm-up reported apart:

(a) one epoch of data iteration with each path (shuffle and copy to the device included);
(b) ConvNet training steps (forward, backward, SGD step) fed by each path, and on a batch
    already on the device (no loading), which isolates the cost of the data;
(c) on CUDA only, the tutorial's full training (Trainer, fast path) timed end to end.

On CPU, and on CUDA when available. The GPU tuning options (--channels-last, --bf16,
--cudnn-benchmark) apply to (b) and (c). Run it with ``nox -s bench -- [options]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch import nn

from mnist_tutorial.data import mnist_loaders
from mnist_tutorial.environment import seed_everything
from mnist_tutorial.models import ConvNet
from mnist_tutorial.throughput import synchronize
from mnist_tutorial.training import Trainer

RESULTS = Path(__file__).resolve().parent / "results"
PATHS = ("reference", "fast")  # fast=False: torchvision DataLoader; fast=True: TensorLoader


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


def timed(work: Callable[[], object], device: torch.device) -> float:
    """Seconds that ``work`` takes, the device's queued work included."""
    synchronize(device)
    start = time.perf_counter()
    work()
    synchronize(device)
    return time.perf_counter() - start


def interleaved(
    works: dict[str, Callable[[], float]], repeats: int, warmup: int = 1
) -> dict[str, dict]:
    """Run each named measurement ``warmup`` times, then ``repeats`` times in turn (A B B A ...).

    Every measurement returns seconds. Warm-up runs are kept apart from the samples.
    """
    names = list(works)
    out = {name: {"warmup_s": [], "samples_s": []} for name in names}
    for _ in range(warmup):
        for name in names:
            out[name]["warmup_s"].append(works[name]())
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            out[name]["samples_s"].append(works[name]())
    for result in out.values():
        result["median_s"] = statistics.median(result["samples_s"]) if repeats else None
    return out


def data_epoch(loader, device: torch.device) -> Callable[[], float]:
    """A measurement: one whole epoch of batches, each moved to ``device``."""

    def run() -> None:
        for images, labels in loader:
            # a copy to the GPU for the DataLoader's CPU batches; free when already there
            images.to(device, non_blocking=True)
            labels.to(device, non_blocking=True)

    return lambda: timed(run, device)


def endless(loader) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    while True:
        yield from loader


def make_model(device: torch.device, args: argparse.Namespace) -> tuple[nn.Module, object]:
    net = Tuned(ConvNet().to(device), args.channels_last, args.bf16)
    return net, torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)


def train_steps(
    loader, resident: tuple[torch.Tensor, torch.Tensor], device: torch.device, args
) -> Callable[[], float]:
    """A measurement: ``args.steps`` training steps fed by ``loader``, or, when it is None,
    always on the ``resident`` batch (already on the device: no loading at all).

    The first batch of each measurement is drawn before the clock starts, so the start of an
    epoch (the fast loader's shuffle) is left to (a).
    """
    net, optim = make_model(device, args)
    loss_function = nn.CrossEntropyLoss()

    def step(images: torch.Tensor, labels: torch.Tensor) -> None:
        images = images.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        optim.zero_grad(set_to_none=True)
        loss_function(net(images), labels).backward()
        optim.step()

    def measure() -> float:
        batches = endless(loader) if loader is not None else None
        first = next(batches) if batches is not None else resident

        def run() -> None:
            step(*first)
            for _ in range(args.steps - 1):
                step(*(next(batches) if batches is not None else resident))

        return timed(run, device)

    return measure


def full_training(device: torch.device, args: argparse.Namespace, epochs: int) -> dict:
    """The tutorial's training loop (Trainer, fast path, seed 0) for ``epochs``, timed."""
    seed_everything(0)
    net, optim = make_model(device, args)
    loader, _ = mnist_loaders(args.batch_size, device, fast=True, subset=args.subset)
    trainer = Trainer(net, optim, nn.CrossEntropyLoss(), loader, log=None)
    losses = []
    seconds = timed(lambda: losses.extend(trainer.train(epochs)), device)
    return {"epochs": epochs, "seconds": seconds, "last_loss": losses[-1]}


def bench_device(device: torch.device, args: argparse.Namespace) -> dict:
    seed_everything(0)
    loaders = {
        name: mnist_loaders(args.batch_size, device, fast=name == "fast", subset=args.subset)[0]
        for name in PATHS
    }
    images = len(loaders["fast"].images)
    print(f"  (a) one epoch of data, {images:,} images ...", flush=True)
    data = interleaved(
        {name: data_epoch(loader, device) for name, loader in loaders.items()}, args.data_repeats
    )
    print(f"  (b) {args.steps} training steps of {args.batch_size} images ...", flush=True)
    feeds = {**loaders, "resident": None}
    resident = next(iter(loaders["fast"]))  # (256, 1, 28, 28), (256,) on the device
    steps = interleaved(
        {name: train_steps(loader, resident, device, args) for name, loader in feeds.items()},
        args.step_repeats,
    )
    result = {"images_per_epoch": images, "batches_per_epoch": len(loaders["fast"])}
    result |= {"data_epoch": data, "train_steps": steps}
    if device.type == "cuda" and args.train_repeats > 0:
        print(f"  (c) full training, {args.epochs} epochs ...", flush=True)
        result["full_training"] = {
            "warmup": full_training(device, args, epochs=1),
            "runs": [full_training(device, args, args.epochs) for _ in range(args.train_repeats)],
        }
    result["summary"] = summarize(result, args)
    return result


def summarize(result: dict, args: argparse.Namespace) -> dict:
    """Ratios, and the share of an epoch's time that goes to the data on each path."""
    data = {name: result["data_epoch"][name]["median_s"] for name in PATHS}
    per_step = {name: v["median_s"] / args.steps for name, v in result["train_steps"].items()}
    batches = result["batches_per_epoch"]
    summary = {
        "data_speedup_fast_over_reference": data["reference"] / data["fast"],
        "step_time_reference_over_fast": per_step["reference"] / per_step["fast"],
        "step_time_fast_over_resident": per_step["fast"] / per_step["resident"],
    }
    for name in PATHS:
        # the epoch's data time over the whole epoch: data plus the steps' compute
        epoch = data[name] + batches * per_step["resident"]
        summary[f"data_share_{name}"] = data[name] / epoch
    return summary


def report(device_name: str, result: dict, args: argparse.Namespace) -> None:
    images = result["images_per_epoch"]
    options = f"channels_last={args.channels_last}, bf16={args.bf16}"
    if device_name.startswith("cuda"):
        options += f", cudnn_benchmark={args.cudnn_benchmark}"
    print(f"\n== {device_name} ({options}) ==")
    print(f"(a) one epoch of data ({images:,} images), median of {args.data_repeats}")
    for name, v in result["data_epoch"].items():
        rate = images / v["median_s"]
        print(
            f"    {name:<10} {v['median_s']:8.3f} s  {rate:>11,.0f} images/s"
            f"   (warm-up {v['warmup_s'][0]:.3f} s)"
        )
    print(f"(b) {args.steps} steps of {args.batch_size} images, median of {args.step_repeats}")
    for name, v in result["train_steps"].items():
        ms = 1000 * v["median_s"] / args.steps
        print(
            f"    {name:<10} {v['median_s']:8.3f} s  {ms:8.1f} ms/step"
            f"   (warm-up {v['warmup_s'][0]:.3f} s)"
        )
    if "full_training" in result:
        print("(c) full training with the fast path (Trainer)")
        warm = result["full_training"]["warmup"]
        print(f"    warm-up: {warm['epochs']} epoch in {warm['seconds']:.2f} s")
        for run in result["full_training"]["runs"]:
            print(
                f"    {run['epochs']} epochs in {run['seconds']:.2f} s, "
                f"last epoch loss {run['last_loss']:.4f}"
            )
    s = result["summary"]
    print(f"  data iteration, fast / reference speed: {s['data_speedup_fast_over_reference']:.1f}x")
    print(f"  training step, reference / fast time:   {s['step_time_reference_over_fast']:.2f}x")
    print(f"  training step, fast / no loading time:  {s['step_time_fast_over_resident']:.2f}x")
    for name in PATHS:
        print(f"  data share of an epoch, {name + ':':<10}     {s[f'data_share_{name}']:.1%}")


def machine_info(args: argparse.Namespace) -> dict:
    info = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(),
        "options": vars(args) | {"json": str(args.json) if args.json else None},
    }
    if torch.cuda.is_available():
        info["cuda_device"] = torch.cuda.get_device_name()
    return info


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", help="default: cpu, and cuda when available")
    parser.add_argument("--data-repeats", type=int, default=5, help="repeats of (a)")
    parser.add_argument("--step-repeats", type=int, default=3, help="repeats of (b)")
    parser.add_argument("--train-repeats", type=int, default=1, help="repeats of (c); 0 skips")
    parser.add_argument("--steps", type=int, default=20, help="training steps per repeat in (b)")
    parser.add_argument("--epochs", type=int, default=10, help="epochs of (c)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--subset", type=int, help="use only this many training images")
    flag = argparse.BooleanOptionalAction
    parser.add_argument("--channels-last", action=flag, default=False, help="NHWC layout")
    parser.add_argument("--bf16", action=flag, default=False, help="bfloat16 autocast")
    parser.add_argument(
        "--cudnn-benchmark", action=flag, default=True, help="cuDNN autotuning (CUDA only)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    devices = args.devices or ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    torch.backends.cudnn.benchmark = args.cudnn_benchmark
    output = {"machine": machine_info(args), "results": {}}
    for name in devices:
        device = torch.device(name)
        print(f"Benchmarking on {device} ...", flush=True)
        output["results"][name] = bench_device(device, args)
        report(name, output["results"][name], args)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = [RESULTS / f"{stamp}-{'-'.join(devices)}.json"] + ([args.json] if args.json else [])
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(output, indent=2))
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
