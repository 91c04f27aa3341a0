"""The benchmark script runs end to end on the CPU, GPU options included, and writes its JSON."""

import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_tutorial.config import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench_training.py"


def run_bench(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the script on a tiny subset on the CPU; its output and the JSON it wrote."""
    out = tmp_path / "bench.json"
    args = ["--devices", "cpu", "--subset", "512", "--data-repeats", "2", "--step-repeats", "1"]
    args += ["--batch-size", "64", "--steps", "2", "--json", str(out), *options]
    env = os.environ | {"PYTHONPATH": str(ROOT)}  # the package, installed or not
    run = subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert run.returncode == 0, run.stderr
    return run, json.loads(out.read_text())


def test_benchmark_runs_with_gpu_options_on_cpu(mnist_root, tmp_path):
    # channels_last and bf16 autocast are the GPU tuning options; both also run on the CPU, so
    # their code paths are exercised here even without a GPU. A tiny subset keeps it fast.
    run, output = run_bench(tmp_path, "--channels-last", "--bf16")
    # The hyperparameters are the package's TrainConfig, with the command line's overrides.
    assert output["config"] == dataclasses.asdict(TrainConfig(batch_size=64, train_subset=512))
    assert output["options"]["bf16"] is True
    assert output["options"]["channels_last"] is True
    result = output["results"]["cpu"]
    assert result["images_per_epoch"] == 512
    assert result["batches_per_epoch"] == 8
    # Every measurement is there, with all its repeats. Which path is faster is the
    # benchmark's finding, not something a test on a busy machine can assert.
    assert set(result["data_images_per_s"]) == {"reference", "fast"}
    for measured in result["data_images_per_s"].values():
        assert len(measured["samples"]) == 2
        assert measured["median"] > 0
    assert set(result["step_s"]) == {"reference", "fast", "resident"}
    assert all(len(m["samples"]) == 1 and m["median"] > 0 for m in result["step_s"].values())
    # (c) runs on CUDA only unless asked for
    assert result["full_training"] == {"warmup": [], "runs": [], "reference": None}
    summary = result["summary"]
    assert all(value > 0 and math.isfinite(value) for value in summary.values())
    assert 0 < summary["data_share_reference"] < 1
    assert 0 < summary["data_share_fast"] < 1
    assert "data_speedup_fast_over_reference" in run.stdout
    assert "images/s" in run.stdout


def test_full_training_runs_from_a_fresh_start_each_time(mnist_root, tmp_path):
    # (c) asked for on the CPU: a warm-up epoch, two 2-epoch runs, one DataLoader epoch
    options = ["--train-repeats", "2", "--epochs", "2", "--reference-epochs", "1"]
    run, output = run_bench(tmp_path, *options, "--data-repeats", "0")
    assert output["results"]["cpu"]["data_images_per_s"] == {}  # (a) skipped
    assert "data_speedup_fast_over_reference" not in output["results"]["cpu"]["summary"]
    full = output["results"]["cpu"]["full_training"]
    assert [r["epochs"] for r in full["warmup"] + full["runs"]] == [1, 2, 2]
    first, second = full["runs"]
    # Both runs start from the same weights, with no momentum left over, and see the batches
    # in the same order: the same training gives the same loss and accuracy, to rounding.
    assert second["last_loss"] == pytest.approx(first["last_loss"], rel=1e-4)
    # 16 steps on 512 images (about 18% here) already beat the best constant answer, always
    # "1", which is right on 11.35% of the test set: the run trained and was evaluated on the
    # whole test set in percent; and the report prints the number it measured
    assert first["test_accuracy"] > 13
    assert f"test accuracy {first['test_accuracy']:.2f}%" in run.stdout
    assert abs(second["test_accuracy"] - first["test_accuracy"]) < 0.5
    assert full["reference"]["epochs"] == 1
    summary = output["results"]["cpu"]["summary"]
    per_epoch = summary["full_training_s"] / 2
    ratio = full["reference"]["seconds"] / per_epoch
    assert summary["train_reference_over_fast"] == pytest.approx(ratio)
    assert "test accuracy" in run.stdout
