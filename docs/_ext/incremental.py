"""Incremental builds: re-run a section only when something that decides its output changed.

sphinx-gallery skips an example whose file is unchanged (it compares the file's MD5 with the
``.md5`` file it wrote beside its copy in ``auto_examples/``), even when a package module it
imports changed. This extension widens that test. Before the gallery runs, it computes for
each section a key from everything that decides the section's output:

- the example file, and every file of ``mnist_tutorial``, of this folder (the site's
  extensions) and of ``site_tools`` that it imports, directly or through other modules,
  including the hooks sphinx-gallery calls around it (its scrapers and ``reset_modules``);
- the MNIST files, the gallery's settings, quick mode, the device, the deterministic switch,
  the repository the notebooks install from, and the versions of the libraries that compute.

The key is computed by ``section_keys.py``. A section whose key differs from the one
recorded when its outputs were made has its ``.md5`` file removed, so sphinx-gallery runs it
again. After the gallery, every section that ran is recorded in
``auto_examples/section-runs.json`` with its key, date, commit and device: the pages and
:doc:`/build` say when and from which commit each section's outputs come.
A clean build (``nox -s docs -- --clean``) deletes ``auto_examples/`` and so the record.
"""

from __future__ import annotations

import datetime
import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from section_keys import (
    ROOT,
    build_inputs,
    changed_inputs,
    hook_files,
    key_of,
    relative_name,
    section_files,
    section_inputs,
)
from sphinx.application import Sphinx
from sphinx.util import logging

from mnist_tutorial.files import atomic_write, sha256_file

RECORD = "section-runs.json"  # in the gallery folder, beside the outputs it describes
logger = logging.getLogger(__name__)
_RUNS: dict[str, dict] = {}  # example stem -> its entry in the record, once the gallery ran
_INPUTS: dict[str, dict[str, str]] = {}  # example stem -> its inputs, as the gallery began
_SHARED: dict[str, str] = {}  # the inputs every section shares, for this build
STEPS = "steps-done.json"  # in docs/_build: the build steps after the gallery, and their inputs


# --- the record of the runs ----------------------------------------------------------------


def _read_json_object(path: Path) -> dict:
    """A JSON object from ``path``; empty when it is missing or damaged (it runs things again)."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _write_json(path: Path, data: Mapping) -> None:
    with atomic_write(path) as f:  # an interrupted build never leaves half a file
        f.write(json.dumps(data, indent=1, sort_keys=True) + "\n")


def read_record(gallery_dir: Path) -> dict[str, dict]:
    """The record of the runs that made the current outputs; empty when there is none."""
    return _read_json_object(gallery_dir / RECORD)


def write_record(gallery_dir: Path, record: Mapping[str, dict]) -> None:
    _write_json(gallery_dir / RECORD, record)


def commit_description(root: Path = ROOT) -> str:
    """The checkout's commit, and whether tracked files differ from it."""

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit} with uncommitted changes" if dirty else commit


def section_run(stem: str) -> dict | None:
    """When, from which commit and on what the outputs of section ``stem`` were made."""
    return _RUNS.get(stem)


# --- the steps after the gallery: publishing the weights, the demo's data ---------------------


def step_inputs(code: Path, files: Iterable[Path] = ()) -> dict[str, str]:
    """The inputs of a build step: its module and what it imports, ``files`` (the trained
    networks it reads, say; "missing" for one that is not there), and the build's settings."""
    import mnist_tutorial

    package_dir = Path(mnist_tutorial.__file__).parent
    inputs = section_inputs(section_files(code, [], package_dir), _SHARED)
    for path in files:
        inputs[relative_name(path)] = sha256_file(path) if path.is_file() else "missing"
    return inputs


def step_is_current(build_dir: Path, step: str, inputs: Mapping, outputs: Iterable[Path]) -> bool:
    """Whether ``step`` last ran with these inputs and its outputs are all still there."""
    done = _read_json_object(build_dir / STEPS)
    return done.get(step) == key_of(inputs) and all(path.is_file() for path in outputs)


def mark_step_done(build_dir: Path, step: str, inputs: Mapping) -> None:
    done = _read_json_object(build_dir / STEPS)
    _write_json(build_dir / STEPS, {**done, step: key_of(inputs)})


def run_step(app: Sphinx, step: str, code: Path, reads, outputs, function) -> None:
    """Call ``function()`` unless ``step`` already ran with the same inputs in an earlier
    build. ``reads`` and ``outputs`` are functions that return the files, evaluated when needed
    (the files read may only exist once ``function`` has made them)."""
    build_dir = Path(app.doctreedir).parent
    if not _SHARED:  # the gallery's plan did not run: nothing to compare with
        function()
        return
    if step_is_current(build_dir, step, step_inputs(code, reads()), outputs()):
        logger.info(f"[incremental] {step}: up to date")
        return
    function()
    mark_step_done(build_dir, step, step_inputs(code, reads()))


# --- the Sphinx hooks ----------------------------------------------------------------------


def plan(
    examples: Iterable[Path], gallery_dir: Path, gallery_conf: Mapping, package_dir: Path
) -> dict[str, list[str]]:
    """Mark the sections whose inputs changed for sphinx-gallery; return them with the reasons.

    A section is marked by deleting its ``.md5`` file: sphinx-gallery then runs it again.
    """
    record = read_record(gallery_dir)
    shared = build_inputs(gallery_conf)
    _SHARED.clear()
    _SHARED.update(shared)
    hooks = hook_files(gallery_conf)
    stale = {}
    _INPUTS.clear()  # the keys as the gallery begins: an edit made while it runs re-runs next time
    for example in examples:
        inputs = section_inputs(section_files(example, hooks, package_dir), shared)
        _INPUTS[example.stem] = inputs
        old = record.get(example.stem, {})
        if old.get("key") != key_of(inputs):
            stale[example.stem] = changed_inputs(old["inputs"], inputs) if old else []
            (gallery_dir / f"{example.name}.md5").unlink(missing_ok=True)
    return stale


def _reason(changed: list[str]) -> str:
    if not changed:
        return "no record of its last run"
    shown = ", ".join(changed[:3])
    return (
        f"{shown} and {len(changed) - 3} more changed" if len(changed) > 3 else f"{shown} changed"
    )


def gallery_settings(app: Sphinx) -> Mapping:
    """The gallery settings as conf.py wrote them.

    sphinx-gallery replaces ``app.config.sphinx_gallery_conf`` with a copy filled with its
    defaults, the absolute source folder and the state of the running build: keyed on that,
    a copy of the checkout, or any rebuild, would run every section again. When Sphinx no
    longer keeps conf.py's own values, that copy is used: it only runs sections more often.
    """
    written = getattr(app.config, "_raw_config", {}).get("sphinx_gallery_conf")
    return written if isinstance(written, Mapping) else app.config.sphinx_gallery_conf


def _examples_and_gallery(app: Sphinx) -> tuple[list[Path], Path]:
    conf = app.config.sphinx_gallery_conf
    source = Path(app.srcdir)
    examples = (source / conf["examples_dirs"]).resolve()
    return sorted(examples.glob("plot_*.py")), source / conf["gallery_dirs"]


def _before_gallery(app: Sphinx) -> None:
    import mnist_tutorial

    examples, gallery = _examples_and_gallery(app)
    gallery.mkdir(parents=True, exist_ok=True)
    package_dir = Path(mnist_tutorial.__file__).parent  # the code the examples will import
    stale = plan(examples, gallery, gallery_settings(app), package_dir)
    for stem, changed in stale.items():
        logger.info(f"[incremental] {stem} runs: {_reason(changed)}")
    kept = len(examples) - len(stale)
    logger.info(f"[incremental] sections run: {len(stale)}; keep their outputs: {kept}")


def _after_gallery(app: Sphinx) -> None:
    """Record each section that ran and passed (sphinx-gallery wrote its ``.md5`` again)."""
    from build_facts import device_fact
    from example_reset import section_seconds

    examples, gallery = _examples_and_gallery(app)
    record = read_record(gallery)
    made = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "commit": commit_description(),
        "device": device_fact(),
    }
    for example in examples:
        seconds = section_seconds(example.stem)
        inputs = _INPUTS.get(example.stem)
        passed = (gallery / f"{example.name}.md5").is_file()
        if seconds is not None and inputs is not None and passed:
            record[example.stem] = {
                "key": key_of(inputs),
                "inputs": inputs,
                **made,
                "seconds": round(seconds, 3),
            }
        elif not passed:
            record.pop(example.stem, None)  # failed: it runs again next time
    write_record(gallery, record)
    _RUNS.clear()
    _RUNS.update(record)


def setup(app: Sphinx) -> dict[str, object]:
    # sphinx-gallery runs the examples at builder-inited, priority 500.
    app.connect("builder-inited", _before_gallery, priority=450)
    app.connect("builder-inited", _after_gallery, priority=550)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
