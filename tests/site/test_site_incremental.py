"""The author's loop, for real: `nox -s docs-live` serves a copy of this checkout's build,
and each edit re-runs only the sections it concerns (docs/_ext/incremental.py).

Runs after a build of this checkout (CI: `nox -s docs -- --clean`, then the site checks), in a
copy of the checkout with its build, so the checkout itself is never edited. Which sections
ran is read from the build's own record (build-facts.json: a section's seconds, or null).
The training-code case is checked in tests/test_incremental.py: run for real, it retrains
the ConvNet (about 12 minutes on a 2-core CPU).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from site_helpers import EXAMPLES, ROOT

from site_tools.build_command import live_command

pytestmark = pytest.mark.site
BUILD = ROOT / "docs" / "_build"
RECORD = ROOT / "docs" / "auto_examples" / "section-runs.json"
# Not copied: virtual environments, npm packages, the site checks' own outputs.
SKIPPED = shutil.ignore_patterns(".nox", "node_modules", "screenshots", "__pycache__")
WAIT_S = 600  # a rebuild of four full-mode sections on a busy 2-core CI machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except OSError:
        return None


def wait_for(what: str, condition: Callable[[], object], server: subprocess.Popen) -> object:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        assert server.poll() is None, f"docs-live stopped (exit {server.returncode}) before {what}"
        time.sleep(2)
    pytest.fail(f"docs-live did not show {what} within {WAIT_S} s")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[Path, str, subprocess.Popen]]:
    """sphinx-autobuild serving a copy of this checkout and its build: (copy, url, process)."""
    if not RECORD.is_file():
        pytest.fail(
            f"no incremental build record {RECORD}: build this checkout first (nox -s docs)"
        )
    copy = tmp_path_factory.mktemp("live") / "checkout"
    shutil.copytree(ROOT, copy, ignore=SKIPPED, symlinks=True)
    facts = json.loads((BUILD / "html" / "build-facts.json").read_text())
    env = {
        **os.environ,
        "PYTHONPATH": str(copy),  # the copy's package, not the checkout's editable install
        "MNIST_TUTORIAL_CACHE": str(copy / "docs" / "_build" / "model-cache"),
        "MNIST_TUTORIAL_QUICK": "1" if facts["facts"]["Quick mode"].startswith("on") else "0",
    }
    port = free_port()
    command = [sys.executable, "-m", "sphinx_autobuild", *live_command(copy / "docs", port)[1:]]
    log = (copy.parent / "docs-live.log").open("w")
    server = subprocess.Popen(
        command, cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        yield copy, url, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def sections_run(url: str) -> dict | None:
    """Which sections the served build ran, from its build-facts.json (None: not written yet)."""
    text = fetch(f"{url}/build-facts.json")
    return None if text is None else json.loads(text)["section_seconds"]


def test_a_rebuild_with_nothing_changed_runs_no_section(live) -> None:
    _, url, server = live
    seconds = wait_for("the first build", lambda: sections_run(url), server)
    assert seconds.keys() == set(EXAMPLES)
    ran = [name for name, value in seconds.items() if value is not None]
    assert ran == [], f"nothing changed, yet {ran} ran again"


def test_a_prose_edit_shows_in_the_served_page_and_reruns_only_its_section(live) -> None:
    copy, url, server = live
    wait_for("the first build", lambda: sections_run(url), server)
    example = copy / "examples" / "plot_05_inspect_errors.py"
    marker = "LiveEditMarker7f3a"  # plain letters: docutils leaves them as they are
    text = example.read_text()
    example.write_text(
        text.replace("# %%\n", f"# %%\n# {marker} is a sentence an author added.\n#\n", 1)
    )
    page = f"{url}/auto_examples/plot_05_inspect_errors.html"
    wait_for("the edited sentence", lambda: marker in (fetch(page) or ""), server)
    seconds = wait_for(
        "the record of the rebuild",
        lambda: (s := sections_run(url)) and s["plot_05_inspect_errors"] is not None and s,
        server,
    )
    ran = {name for name, value in seconds.items() if value is not None}
    assert ran == {"plot_05_inspect_errors"}


def test_an_edit_to_a_figure_function_reruns_the_sections_importing_its_module(live) -> None:
    copy, url, server = live
    wait_for("the first build", lambda: sections_run(url), server)
    module = copy / "mnist_tutorial" / "image_figures.py"
    text = module.read_text()
    assert "def plot_feature_maps(" in text  # section 6's feature maps
    module.write_text(text.replace("def plot_feature_maps(", "def plot_feature_maps(  # edit\n", 1))
    importing = {
        name
        for name in EXAMPLES
        if "mnist_tutorial.image_figures" in (copy / "examples" / f"{name}.py").read_text()
    }
    assert "plot_06_visualize_layers" in importing
    seconds = wait_for(
        "the rebuild after the module edit",
        lambda: (s := sections_run(url)) and s["plot_06_visualize_layers"] is not None and s,
        server,
    )
    ran = {name for name, value in seconds.items() if value is not None}
    assert ran == importing
