"""Run the tutorial's checks on a bare machine, installing only from the offline bundle.

    python3 -m gpu_bundle.run_bundle --bundle .bundle --out bundle-run          # a GPU machine
    python3 -m gpu_bundle.run_bundle --bundle .bundle --out bundle-run --quick  # a CPU's sizes

Run from the checkout's root. ``gpu_bundle/make_bundle.py`` makes the bundle. This script needs
only the standard library and the Python that has PyTorch: it installs the rest into that
Python's environment from the bundle (``pip --no-index``), then runs every step below in order.
A step that fails is recorded and the next one runs all the same: one run shows everything that
is wrong.

1. install, pip-check: the wheels, then pip's check that nothing is missing or broken;
2. unpack: MNIST and onnxruntime-web, each file checked against the manifest,
   each archive unpacked with tarfile's ``data`` filter (nothing lands outside its folder);
3. environment: the versions and the device;
4. unit-tests: ``pytest tests`` (the site checks need a built site and a browser: not here);
5. bench-*: ``benchmarks/bench_training.py`` on the device, once plain (the reference DataLoader
   against the fast path, the full training) and once per tuning option;
6. docs: a clean docs build, every example executed, each one timed (``build-facts.json``);
7. report: ``OUT/report.txt`` and ``OUT/report.json`` (``gpu_bundle/bundle_report.py``).

Each step's output goes to ``OUT/<step>.log``, its time and exit status to ``OUT/steps.json``;
the report is rewritten after every step, so a run cut short still leaves one, and it reads
only what this run's steps wrote (an earlier run's files in OUT are "not measured"). --quick
runs the same steps at a size for a CPU: a quick docs build and tiny benchmarks. Exit status:
1 if any step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import time
import traceback
from pathlib import Path

# standard library only, all three: they run before anything is installed
from gpu_bundle import bundle_report
from mnist_tutorial.files import sha256_file
from site_tools import build_command  # the clean build's folders and sphinx-build arguments

ROOT = Path(__file__).resolve().parents[1]

# bench_training.py's options per run: the plain run measures the reference pipeline too; each
# tuning option is then measured alone against it.
BENCH_VARIANTS = {
    "plain": [],
    "channels-last": ["--channels-last"],
    "bf16": ["--bf16"],
    "no-cudnn-benchmark": ["--no-cudnn-benchmark"],
    "compile": ["--compile", "default"],
    "cuda-graphs": ["--compile", "reduce-overhead"],
}
FULL_SIZES = ["--train-repeats", "3"]
QUICK_SIZES = ["--subset", "2048", "--epochs", "2", "--steps", "5", "--step-repeats", "1"]
QUICK_SIZES += ["--train-repeats", "1"]


def bench_arguments(variant: str, device: str, quick: bool, json_path: Path) -> list[str]:
    sizes = QUICK_SIZES if quick else FULL_SIZES
    plain = variant == "plain"
    # the data measurement does not depend on the tuning: made in the plain run only
    repeats = ["--data-repeats", ("1" if quick else "5") if plain else "0"]
    reference = ["--reference-epochs", "1" if plain else "0"]
    options = ["--devices", device, *sizes, *repeats, *reference, "--json", str(json_path)]
    return options + BENCH_VARIANTS[variant]


# archive -> the folder of the work folder it is unpacked into
ARCHIVES = {"mnist.tar.xz": "data", "onnxruntime-web.tar.xz": "npm"}


def read_manifest(bundle: Path) -> dict:
    """The bundle's manifest, checked: it lists every archive, and only files inside the bundle.

    A file it does not list would be used unchecked; a name such as ``../x`` or ``/etc/x`` would
    make the runner read (and trust) a file outside the bundle.
    """
    path = bundle / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
        files = manifest["files"]
        files.items()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise RuntimeError(
            f"{path} is missing or not a bundle manifest ({type(error).__name__}: {error}): "
            "make the bundle again with gpu_bundle/make_bundle.py"
        ) from error
    inside = bundle.resolve()
    for name in files:
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts or not name.strip():
            raise RuntimeError(f"{path} names {name!r}, a path outside the bundle: refused")
        if not (bundle / relative).resolve().is_relative_to(inside):
            raise RuntimeError(f"{path} names {name!r}, a link out of the bundle: refused")
    unlisted = [archive for archive in ARCHIVES if archive not in files]
    if unlisted:
        raise RuntimeError(
            f"{path} does not list {', '.join(unlisted)}, which would be unpacked unchecked: "
            "make the bundle again with gpu_bundle/make_bundle.py"
        )
    return manifest


def extract(archive: Path, folder: Path) -> None:
    """Unpack ``archive`` into ``folder`` with tarfile's ``data`` filter.

    It refuses absolute names, ``..``, links that point out of ``folder`` (or are absolute),
    hard links to files outside and device files: an archive cannot write outside ``folder``.
    """
    if not hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.11.4+, 3.10.12+
        raise RuntimeError(
            f"Python {sys.version.split()[0]} lacks tarfile's data filter, which keeps an "
            "archive from writing outside its folder: use Python 3.11.4 or newer"
        )
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    except tarfile.FilterError as error:
        raise RuntimeError(
            f"{archive.name} holds a member that would be written outside {folder} or is a "
            f"link or device ({error}): refused; make the bundle again"
        ) from error


def unpack(bundle: Path, work: Path) -> str:
    """Check every bundle file against the manifest, then unpack the archives into ``work``."""
    manifest = read_manifest(bundle)
    for name, expected in manifest["files"].items():
        path = bundle / name
        if not path.is_file() or sha256_file(path) != expected["sha256"]:
            raise RuntimeError(f"{path} is missing or damaged (its SHA-256 is not the manifest's)")
    for archive, folder in ARCHIVES.items():
        extract(bundle / archive, work / folder)
    return f"{len(manifest['files'])} files checked; {', '.join(ARCHIVES)} unpacked"


ENVIRONMENT = """
import json, platform, torch
cuda = torch.cuda.is_available()
print(json.dumps({
    "python": platform.python_version(), "platform": platform.platform(),
    "torch": torch.__version__, "cuda": torch.version.cuda,
    "device": "cuda" if cuda else "cpu",
    "device_name": torch.cuda.get_device_name(0) if cuda else platform.machine(),
    "cudnn": torch.backends.cudnn.version() if cuda else None,
    "cpu_threads": torch.get_num_threads(),
}))
"""


class Runner:
    """Runs the steps, logs each one, and keeps going after a failure."""

    def __init__(self, out: Path, bundle: Path, quick: bool) -> None:
        self.out, self.bundle, self.quick = out, bundle, quick
        self.steps: list[dict] = []
        # The report reads only files written since then by this run's own steps: a previous
        # run's results in the same folder are "not measured", never reported as this run's.
        self.started = time.time()
        self.write_steps()

    def write_steps(self) -> None:
        run = {"quick": self.quick, "bundle": str(self.bundle), "started": self.started}
        run["steps"] = self.steps
        (self.out / "steps.json").write_text(json.dumps(run, indent=2) + "\n")

    def record(self, name: str, started: float, ok: bool, detail: str) -> bool:
        seconds = round(time.perf_counter() - started, 2)
        self.steps.append({"step": name, "ok": ok, "seconds": seconds, "detail": detail})
        self.write_steps()
        print(f"[{'ok' if ok else 'FAILED'}] {name} ({seconds:.1f} s) {detail}", flush=True)
        bundle_report.write_report(self.out, self.bundle, build_command.HTML)
        return ok

    def command(self, name: str, argv: list[str], env: dict, timeout: float) -> bool:
        started, log = time.perf_counter(), self.out / f"{name}.log"
        print(f"--> {name}: {' '.join(map(str, argv))}", flush=True)
        with open(log, "w") as f:
            try:
                code = subprocess.run(
                    argv, stdout=f, stderr=subprocess.STDOUT, env=env, timeout=timeout, cwd=ROOT
                ).returncode
            except subprocess.TimeoutExpired:
                return self.record(name, started, False, f"stopped after {timeout:.0f} s ({log})")
            except OSError as error:
                return self.record(name, started, False, f"could not start: {error}")
        return self.record(name, started, code == 0, f"exit {code} ({log.name})")

    def call(self, name: str, function, *args) -> bool:
        started = time.perf_counter()
        try:
            detail = function(*args)
        except Exception as error:
            (self.out / f"{name}.log").write_text(traceback.format_exc())
            return self.record(name, started, False, f"{type(error).__name__}: {error}")
        return self.record(name, started, True, detail)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / ".bundle")
    parser.add_argument("--out", type=Path, default=ROOT / "bundle-run")
    parser.add_argument("--work", type=Path, default=ROOT / ".bundle-work", help="unpacked files")
    parser.add_argument("--quick", action="store_true", help="sizes for a CPU")
    args = parser.parse_args(argv)
    bundle, out, work = args.bundle.absolute(), args.out.absolute(), args.work.absolute()
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    runner = Runner(out, bundle, args.quick)
    python = sys.executable
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
        "PIP_NO_INDEX": "1",  # nothing from the network, also for a pip that a step may start
        "MNIST_TUTORIAL_DATA": str(work / "data"),
        "MNIST_TUTORIAL_NPM_CACHE": str(work / "npm"),
        "MNIST_TUTORIAL_OFFLINE": "1",
        "MNIST_TUTORIAL_QUICK": "1" if args.quick else "0",
    }
    env.pop("MNIST_TUTORIAL_CACHE", None)  # each build trains its own networks

    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    wheels, reqs = bundle / "wheels", bundle / "requirements.txt"
    runner.command(
        "install", [*pip, "install", "--no-index", "--find-links", wheels, "-r", reqs], env, 600
    )
    runner.command("pip-check", [*pip, "check"], env, 120)
    runner.call("unpack", unpack, bundle, work)
    environment = out / "environment.json"
    found = runner.call("environment", write_environment, python, env, environment)
    device = json.loads(environment.read_text())["device"] if found else "cpu"  # not stale
    junit = out / "unit-tests.xml"
    tests = [python, "-m", "pytest", "tests", "--ignore=tests/site", "-q", "-p", "no:cacheprovider"]
    runner.command("unit-tests", [*tests, f"--junitxml={junit}"], env, 1800)
    for variant in BENCH_VARIANTS:
        options = bench_arguments(variant, device, args.quick, out / f"bench-{variant}.json")
        runner.command(
            f"bench-{variant}", [python, "benchmarks/bench_training.py", *options], env, 900
        )
    runner.call("docs-clean", clean_docs)
    docs_env = env | {"MNIST_TUTORIAL_CACHE": str(build_command.MODEL_CACHE)}
    sphinx = [python, "-m", "sphinx", *build_command.sphinx_arguments()]
    runner.command("docs", sphinx, docs_env, 3600)
    failed = [step["step"] for step in runner.steps if not step["ok"]]
    print(f"\nReport: {out / 'report.txt'}; failed steps: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


def clean_docs() -> str:
    build_command.remove_generated()
    return "removed " + ", ".join(str(path.relative_to(ROOT)) for path in build_command.GENERATED)


def write_environment(python: str, env: dict, path: Path) -> str:
    result = subprocess.run([python, "-c", ENVIRONMENT], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    path.write_text(result.stdout)
    facts = json.loads(result.stdout)
    return f"torch {facts['torch']} on {facts['device']} ({facts['device_name']})"


if __name__ == "__main__":
    sys.exit(main())
