"""The benchmark script runs end to end on the CPU, GPU options included, and writes its JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench_training.py"


def test_benchmark_runs_with_gpu_options_on_cpu(mnist_root, tmp_path):
    # channels_last and bf16 autocast are the GPU tuning options; both also run on the CPU, so
    # their code paths are exercised here even without a GPU. A tiny subset keeps it fast.
    out = tmp_path / "bench.json"
    args = ["--devices", "cpu", "--subset", "512", "--data-repeats", "1", "--step-repeats", "1"]
    args += ["--steps", "2", "--channels-last", "--bf16", "--json", str(out)]
    env = os.environ | {"PYTHONPATH": str(ROOT)}  # the package, installed or not
    run = subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())["results"]["cpu"]
    assert result["images_per_epoch"] == 512
    assert result["batches_per_epoch"] == 2
    assert set(result["train_steps"]) == {"reference", "fast", "resident"}
    summary = result["summary"]
    assert summary["data_speedup_fast_over_reference"] > 1  # the fast path is never slower
    assert 0 < summary["data_share_fast"] < 1
    assert "data iteration, fast / reference speed" in run.stdout
