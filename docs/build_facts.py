"""The "About this build" page: device, versions, date, quick mode, and each section's time."""

from __future__ import annotations

import datetime
import platform
import re
import subprocess
from pathlib import Path

from docutils import nodes
from sections import GALLERY
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[1]


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
        "PyTorch": torch.__version__,
        "torchvision": torchvision.__version__,
        "CUDA (PyTorch built with)": torch.version.cuda or "none (CPU-only build)",
        "cuDNN": str(cudnn) if cudnn else "not available",
        "Python": f"{platform.python_version()} ({platform.platform()})",
        "Sphinx / sphinx-gallery": f"{sphinx.__version__} / {sphinx_gallery.__version__}",
    }


_FACTS: dict[str, str] = {}


def _collect_facts(app: Sphinx) -> None:
    _FACTS.clear()
    _FACTS.update(build_facts())


def example_times(srcdir: Path) -> tuple[str, list[tuple[str, str]]] | None:
    """Total and per-example running times from sphinx-gallery's sg_execution_times.rst."""
    path = srcdir / GALLERY / "sg_execution_times.rst"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    total = re.search(r"\*\*([\d:.]+)\*\* total execution time", text)
    rows = re.findall(r":ref:`(sphx_glr_[^`]+)` \(``[^`]+``\)\s*\n\s*- ([\d:.]+)", text)
    return (total.group(1) if total else "?"), sorted(rows)  # in section order


class BuildInfo(SphinxDirective):
    """``.. build-info::`` the build facts and the running time of every example."""

    def run(self) -> list[nodes.Node]:
        lines = [".. list-table::", "   :widths: 30 70", ""]
        for key, value in _FACTS.items():
            lines += [f"   * - {key}", f"     - {value}"]
        times = example_times(Path(self.env.srcdir))
        if times is None:
            lines += ["", "The running times of the examples were not recorded in this build."]
            return self.parse_text_to_nodes("\n".join(lines))
        total, rows = times
        lines += [
            "",
            f"Running time of each section (minutes:seconds), {total} in all "
            f"(sphinx-gallery's table: :ref:`sphx_glr_{GALLERY}_sg_execution_times`):",
            "",
            ".. list-table::",
            "   :header-rows: 1",
            "   :widths: 70 30",
            "",
            "   * - Section",
            "     - Time",
        ]
        for label, time in rows:
            lines += [f"   * - :ref:`{label}`", f"     - {time}"]
        return self.parse_text_to_nodes("\n".join(lines))


def _always_reread_build_page(app, env, added, changed, removed) -> list[str]:
    # The facts change with every build while build.rst does not.
    return ["build"] if "build" in env.found_docs else []


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", _collect_facts)
    app.connect("env-get-outdated", _always_reread_build_page)
    app.add_directive("build-info", BuildInfo)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
