"""The "About this build" page: device, versions, date, quick mode, and each section's time.

Each example is timed by ``time_example``, a sphinx-gallery ``reset_modules`` hook (called
with the example's file name just before it runs and just after its page is written).
The same record goes into the built site as ``build-facts.json``, for scripts to read (the GPU
bundle's report, ``benchmarks/bundle_report.py``).
"""

from __future__ import annotations

import datetime
import json
import platform
import subprocess
import time
from pathlib import Path

from docutils import nodes
from sections import GALLERY, tutorial_sections
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[1]
RECORD = "build-facts.json"  # in the root of the built site
_FACTS: dict[str, str] = {}
_STARTED: dict[str, float] = {}  # example stem -> time.perf_counter() when it started
_SECONDS: dict[str, float] = {}  # example stem -> how long it took, for the examples run now


def time_example(gallery_conf: dict, fname: str, when: str) -> None:
    """sphinx-gallery reset_modules hook: the running time of each example run in this build."""
    stem = Path(fname).stem
    if when == "before":
        _STARTED[stem] = time.perf_counter()
    elif stem in _STARTED:
        _SECONDS[stem] = time.perf_counter() - _STARTED.pop(stem)


def section_seconds(stem: str) -> float | None:
    """How long the example ``stem`` ran in this build; None if it did not run."""
    return _SECONDS.get(stem)


def device_fact() -> str:
    """The device this build trained on, as the build page shows it."""
    return _FACTS.get("Device", "unknown")


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return result.stdout.strip()


def build_facts() -> dict[str, str]:
    """What this build ran on and with: device, library versions, date, quick mode."""
    import sphinx
    import sphinx_gallery
    import torch
    import torchvision

    from mnist_tutorial.config import quick_mode

    if torch.cuda.is_available():
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    else:
        device = f"cpu ({torch.get_num_threads()} threads)"
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {
        "Date (UTC)": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "Commit": _git_commit(),
        "Quick mode": "on: short training runs, numbers are not the real results"
        if quick_mode()
        else "off: full training runs",
        "Device": device,
        "GPU settings": gpu_settings(),
        "PyTorch": torch.__version__,
        "torchvision": torchvision.__version__,
        "CUDA (PyTorch built with)": torch.version.cuda or "none (CPU-only build)",
        "cuDNN": str(cudnn) if cudnn else "not available",
        "Python": f"{platform.python_version()} ({platform.platform()})",
        "Sphinx / sphinx-gallery": f"{sphinx.__version__} / {sphinx_gallery.__version__}",
    }


def gpu_settings() -> str:
    """How the examples run on a GPU: what select_device() sets, and PyTorch's TF32 switches."""
    import torch

    from mnist_tutorial.environment import deterministic_requested

    if not torch.cuda.is_available():
        return "none (no GPU in this build)"
    deterministic = deterministic_requested()  # what configure_cuda() decides from
    tf32 = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    return (
        f"cuDNN autotuning (cudnn.benchmark) {'off' if deterministic else 'on'}, "
        f"deterministic algorithms {'on' if deterministic else 'off'}, "
        f"TF32 for matrix products {'on' if tf32[0] else 'off'} and for convolutions "
        f"{'on' if tf32[1] else 'off'}; float32 weights, the default memory layout"
    )


def format_minutes(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{seconds % 60:06.3f}"


def _collect_facts(app: Sphinx) -> None:
    _FACTS.clear()
    _FACTS.update(build_facts())


class BuildInfo(SphinxDirective):
    """``.. build-info::`` the build facts and the running time of every section."""

    def run(self) -> list[nodes.Node]:
        lines = [".. list-table::", "   :widths: 30 70", ""]
        for key, value in _FACTS.items():
            lines += [f"   * - {key}", f"     - {value}"]
        if not _SECONDS:
            lines += ["", "No example ran in this build (their pages were up to date)."]
            return self.parse_text_to_nodes("\n".join(lines))
        total = format_minutes(sum(_SECONDS.values()))
        lines += [
            "",
            f"Running time of each section (minutes:seconds), {total} "
            f"in all (sphinx-gallery's table: :ref:`sphx_glr_{GALLERY}_sg_execution_times`):",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 70 30",
            "",
            "   * - Section",
            "     - Time",
        ]
        for section in tutorial_sections():
            seconds = _SECONDS.get(section.stem)
            time_text = "not run in this build" if seconds is None else format_minutes(seconds)
            lines += [f"   * - :doc:`/{section.docname}`", f"     - {time_text}"]
        return self.parse_text_to_nodes("\n".join(lines))


def write_record(app: Sphinx, exception: Exception | None) -> None:
    """Write the facts and each section's seconds (null: not run) to ``build-facts.json``."""
    if exception is not None or app.builder.format != "html":
        return
    seconds = {section.stem: _SECONDS.get(section.stem) for section in tutorial_sections()}
    record = {"facts": _FACTS, "section_seconds": seconds}
    (Path(app.outdir) / RECORD).write_text(json.dumps(record, indent=2) + "\n")


def _always_reread_build_page(app, env, added, changed, removed) -> list[str]:
    # The facts change with every build while build.rst does not.
    return ["build"] if "build" in env.found_docs else []


def setup(app: Sphinx) -> dict[str, object]:
    _SECONDS.clear()  # a second build in the same process starts with no times
    app.connect("builder-inited", _collect_facts)
    app.connect("env-get-outdated", _always_reread_build_page)
    app.connect("build-finished", write_record)
    app.add_directive("build-info", BuildInfo)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
