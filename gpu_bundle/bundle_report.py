"""The report of a bundle run (gpu_bundle/run_bundle.py): every figure against its target.

Reads what the run left in its output folder (``steps.json``, ``environment.json``,
``unit-tests.xml``, ``bench-<variant>.json``), the site it built (``build-facts.json`` and the
networks' receipts) and the bundle's ``cpu-reference.json``, and writes ``report.json`` and
``report.txt``. Standard library only: it runs even when the install step failed. A figure
that could not be measured is reported as such, never guessed, and a file that this run's own
steps did not write (a previous run's, left in the same folder) counts as not measured.

The targets are those of a full run on an H200. "Within noise" of the CPU build means: test
accuracy within three binomial standard errors of the CPU's (about 0.3 points at 99% on 10,000
images), and the last epoch's mean training loss within 25% of the CPU's (a judgement: the loss
of one epoch varies more between devices than the accuracy does).
"""

from __future__ import annotations

import json
import math
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

TRAINING_S_TARGET, TRAINING_S_AIM = 1.5, 1.0
SPEEDUP_TARGET = 30.0
EXAMPLES_S_TARGET = 90.0
LOSS_TOLERANCE = 0.25  # relative
PAYS_OFF = 1.05  # an option pays off if it makes the full training at least 5% faster


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def this_run(path: Path, run: dict, step: str) -> Path | None:
    """``path`` if the step ``step`` of ``run`` (steps.json) wrote it, else None.

    It must be recorded as run, and the file must not be older than the run's start: after a
    step that failed, the file of an earlier run with the same name is still there.
    """
    started = run.get("started")
    ran = any(item["step"] == step for item in run.get("steps", []))
    try:
        fresh = started is not None and path.stat().st_mtime >= started
    except OSError:
        return None
    return path if ran and fresh else None


def run_json(path: Path, run: dict, step: str) -> dict | None:
    """The JSON file ``path`` if ``step`` of this run wrote it (see :func:`this_run`)."""
    return read_json(path) if this_run(path, run, step) else None


def figure(name: str, value, target: str, met: bool | None, detail: str = "") -> dict:
    return {"figure": name, "value": value, "target": target, "met": met, "detail": detail}


def unit_tests(out: Path, run: dict) -> dict:
    path = this_run(out / "unit-tests.xml", run, "unit-tests")
    try:
        suite = ET.parse(path).getroot() if path else None
    except (OSError, ET.ParseError):
        suite = None
    if suite is None:
        detail = "no unit-tests.xml from this run: not run"
        return figure("unit tests", None, "all pass", None, detail)
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
    bad = counts["failures"] + counts["errors"]
    passed = counts["tests"] - bad - counts["skipped"]
    value = f"{passed} passed, {bad} failed, {counts['skipped']} skipped"
    return figure("unit tests", value, "all pass", bad == 0, "")


def bench_result(out: Path, variant: str, run: dict) -> dict | None:
    data = run_json(out / f"bench-{variant}.json", run, f"bench-{variant}")
    return next(iter(data["results"].values())) if data and data.get("results") else None


def median_run(result: dict | None, key: str) -> float | None:
    runs = result["full_training"]["runs"] if result else []
    return statistics.median(run[key] for run in runs) if runs else None


def close_accuracy(value: float, reference: float, total: int = 10_000) -> bool:
    p = reference / 100
    return abs(value - reference) <= 3 * 100 * math.sqrt(p * (1 - p) / total)


def training_figures(out: Path, run: dict, on_gpu: bool, cpu: dict | None) -> list[dict]:
    plain = bench_result(out, "plain", run)
    where = "" if on_gpu else " (not a GPU run: the target does not apply)"
    seconds = median_run(plain, "seconds")
    speedup = plain["summary"].get("train_reference_over_fast") if plain else None
    data_speedup = plain["summary"].get("data_speedup_fast_over_reference") if plain else None
    data_note = f"; one epoch of data alone: {data_speedup:.1f}x" if data_speedup else ""
    runs = plain["full_training"]["runs"] if plain else []
    epochs = f"{runs[0]['epochs']}-epoch" if runs else "full"
    figures = [
        figure(
            f"{epochs} ConvNet training after warm-up (s)",
            seconds,
            f"<= {TRAINING_S_TARGET} (aim {TRAINING_S_AIM})",
            seconds <= TRAINING_S_TARGET if seconds is not None and on_gpu else None,
            "median of the plain bench run's repeats" + where,
        ),
        figure(
            "training speed-up over the reference DataLoader pipeline (x)",
            speedup,
            f">= {SPEEDUP_TARGET:.0f}",
            speedup >= SPEEDUP_TARGET if speedup is not None and on_gpu else None,
            "seconds per training epoch, reference DataLoader over the fast path, same device"
            + data_note
            + where,
        ),
    ]
    loss, accuracy = median_run(plain, "last_loss"), median_run(plain, "test_accuracy")
    cpu_net = (cpu or {}).get("receipts", {}).get("ConvNet", {})
    cpu_loss, cpu_accuracy = cpu_net.get("final_training_loss"), cpu_net.get("test_accuracy")
    if loss is None or cpu_loss is None:
        figures.append(
            figure(
                "final training loss vs the CPU build",
                loss,
                "within 25%",
                None,
                "no CPU reference in the bundle" if loss is not None else "not run",
            )
        )
    else:
        met = abs(loss - cpu_loss) <= LOSS_TOLERANCE * cpu_loss
        figures.append(
            figure(
                "final training loss vs the CPU build",
                loss,
                "within 25%",
                met,
                f"CPU: {cpu_loss:.4f}",
            )
        )
    if accuracy is None or cpu_accuracy is None:
        detail = "no CPU reference in the bundle" if accuracy is not None else "not run"
        figures.append(
            figure("test accuracy vs the CPU build (%)", accuracy, "within 3 SE", None, detail)
        )
    else:
        met = close_accuracy(accuracy, cpu_accuracy)
        figures.append(
            figure(
                "test accuracy vs the CPU build (%)",
                accuracy,
                "within 3 SE",
                met,
                f"CPU: {cpu_accuracy:.2f}",
            )
        )
    return figures


def docs_figures(site: Path, run: dict, on_gpu: bool, cpu: dict | None) -> list[dict]:
    record = run_json(site / "build-facts.json", run, "docs")
    if record is None:
        return [
            figure(
                "examples' build time (s)",
                None,
                f"<= {EXAMPLES_S_TARGET:.0f}",
                None,
                "no build-facts.json from this run: the docs build did not finish",
            )
        ]
    seconds = record["section_seconds"]
    ran = {stem: s for stem, s in seconds.items() if s is not None}
    total = sum(ran.values())
    per_example = ", ".join(f"{stem.removeprefix('plot_')} {s:.1f}" for stem, s in ran.items())
    not_run = [stem for stem, s in seconds.items() if s is None]
    met = total <= EXAMPLES_S_TARGET and not not_run if on_gpu else None
    detail = per_example + (f"; not run: {', '.join(not_run)}" if not_run else "")
    figures = [
        figure(
            "examples' build time (s)", round(total, 1), f"<= {EXAMPLES_S_TARGET:.0f}", met, detail
        )
    ]
    receipt = run_json(site / "_static" / "demo-models" / "ConvNet.json", run, "docs")
    cpu_net = (cpu or {}).get("receipts", {}).get("ConvNet", {})
    if receipt is not None:
        value = receipt["test_accuracy"]
        reference = cpu_net.get("test_accuracy")
        met = close_accuracy(value, reference) if reference is not None else None
        detail = (
            f"trained on {receipt['device']}; CPU: {reference}" if reference else "no CPU reference"
        )
        figures.append(
            figure("docs build: ConvNet test accuracy (%)", value, "within 3 SE", met, detail)
        )
    return figures


# bench variant -> (the option it measures, whether the variant turns it off rather than on)
OPTIONS = {
    "channels-last": ("channels_last", False),
    "bf16": ("bf16 autocast", False),
    "no-cudnn-benchmark": ("cudnn.benchmark", True),  # on in the plain run
    "compile": ("torch.compile", False),
    "cuda-graphs": ("CUDA graphs (torch.compile, reduce-overhead)", False),
}


def option_figures(out: Path, run: dict, on_gpu: bool) -> list[dict]:
    """Each option's speed-up of the full training, measured against the plain run.

    An option pays off if it makes the training at least 5% faster and keeps the test
    accuracy within three standard errors of the run without it.
    """
    plain = bench_result(out, "plain", run)
    figures = []
    for variant, (option, turned_off) in OPTIONS.items():
        result = bench_result(out, variant, run)
        name = f"option {option}: speed-up (x)"
        if median_run(result, "seconds") is None or median_run(plain, "seconds") is None:
            figures.append(figure(name, None, f">= {PAYS_OFF:.2f}", None, "not run"))
            continue
        without, with_it = (result, plain) if turned_off else (plain, result)
        speedup = median_run(without, "seconds") / median_run(with_it, "seconds")
        accuracy = median_run(with_it, "test_accuracy")
        honest = close_accuracy(accuracy, median_run(without, "test_accuracy"))
        detail = (
            f"{median_run(with_it, 'seconds'):.3f} s with it, "
            f"{median_run(without, 'seconds'):.3f} s without; accuracy {accuracy:.2f}% with it, "
            f"{median_run(without, 'test_accuracy'):.2f}% without; last loss "
            f"{median_run(with_it, 'last_loss'):.4f} with it"
        )
        if not on_gpu:
            detail += " (not a GPU run: the target does not apply)"
        met = speedup >= PAYS_OFF and honest if on_gpu else None
        figures.append(figure(name, round(speedup, 3), f">= {PAYS_OFF:.2f}", met, detail))
    return figures


def report(out: Path, bundle: Path, site: Path) -> dict:
    run = read_json(out / "steps.json") or {"steps": [], "quick": None}
    environment = run_json(out / "environment.json", run, "environment") or {}
    on_gpu = environment.get("device") == "cuda" and not run.get("quick")
    cpu = read_json(bundle / "cpu-reference.json")
    figures = [unit_tests(out, run)]
    figures += training_figures(out, run, on_gpu, cpu)
    figures += docs_figures(site, run, on_gpu, cpu)
    figures += option_figures(out, run, on_gpu)
    return {
        "environment": environment,
        "quick": run.get("quick"),
        "steps": run["steps"],
        "figures": figures,
    }


def text(result: dict) -> str:
    env = result["environment"]
    lines = [
        f"Bundle run on {env.get('device', '?')} ({env.get('device_name', '?')}), "
        f"torch {env.get('torch', '?')}, Python {env.get('python', '?')}"
        + (", quick sizes" if result["quick"] else ""),
        "",
        "Steps:",
    ]
    for step in result["steps"]:
        status = "ok" if step["ok"] else "FAILED"
        lines.append(
            f"  {status:<6} {step['step']:<24} {step['seconds']:>8.1f} s  {step['detail']}"
        )
    lines += ["", "Figures:"]
    for item in result["figures"]:
        verdict = {True: "met", False: "MISSED", None: "-"}[item["met"]]
        value = "n/a" if item["value"] is None else item["value"]
        if isinstance(value, float):
            value = f"{value:.3f}"
        lines.append(f"  {verdict:<6} {item['figure']}: {value} (target {item['target']})")
        if item["detail"]:
            lines.append(f"         {item['detail']}")
    return "\n".join(lines) + "\n"


def write_report(out: Path, bundle: Path, site: Path) -> dict:
    result = report(out, bundle, site)
    (out / "report.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "report.txt").write_text(text(result))
    return result
