"""Sessions for tests, lint, the documentation build, site checks and benchmarks.

Run ``nox -l`` to list them. Every session uses pip (not uv): uv would ignore the PyTorch
wheels that some machines keep on local disk and download gigabytes instead.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import nox

try:
    import fcntl
except ImportError:  # Windows: builds are not locked there
    fcntl = None

nox.options.default_venv_backend = "virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).resolve().parent
# Outside every generated folder (site_tools/build_command.py): a lock file deleted with them would
# no longer lock.
BUILD_LOCK = ROOT / ".nox" / "docs-build.lock"
PATH_VARIABLES = ("MNIST_TUTORIAL_DATA", "MNIST_TUTORIAL_CACHE")


def _load_by_path(name: str, path: Path):
    """A module of this checkout, loaded by path: nox's own Python may not have torch."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


config = _load_by_path("_mnist_tutorial_config", ROOT / "mnist_tutorial" / "config.py")
build_command = _load_by_path("_site_build_command", ROOT / "site_tools" / "build_command.py")


def absolute_data_env(base: str | os.PathLike | None = None) -> dict[str, str]:
    """MNIST_TUTORIAL_DATA and _CACHE with ``~`` expanded and made absolute against ``base``.

    ``base`` is the folder nox was invoked from (default: the current one); the examples run
    from their own folder, so a relative path must not reach them.
    """
    env = {}
    for name in PATH_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            path = Path(value).expanduser()
            env[name] = str(path if path.is_absolute() else Path(base or Path.cwd()) / path)
    return env


def session_env(session: nox.Session) -> dict[str, str]:
    return absolute_data_env(session.invoked_from)


def quick_value(quick: bool) -> str:
    """MNIST_TUTORIAL_QUICK for the build: "1" if ``quick``, else the caller's switch as 1/0.

    Read with the package's own parser, so a value it would refuse stops the build at once.
    """
    return "1" if quick or config.env_flag(config.QUICK_ENV) else "0"


class BuildLocked(RuntimeError):
    """Another process holds the build lock."""


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block; raise BuildLocked at once if taken.

    The operating system releases the lock when its holder exits, even when killed, so a
    stale lock file never blocks a later build.
    """
    if fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:  # "a+": create it, but never truncate the holder's note
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise BuildLocked(
                f"Another docs build is running in this checkout ({holder} holds the lock "
                f"{path}). Wait for it to finish, then run again; the lock is released when "
                "that build ends, even if it is killed."
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"process {os.getpid()}\n")
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the unit tests (set MNIST_TUTORIAL_DATA to use a local copy of MNIST)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest", "tests", "--ignore=tests/site", *session.posargs, env=session_env(session)
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check the code with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


def build_docs(session: nox.Session, quick: bool) -> None:
    """Build the site; ``quick`` forces quick mode, else MNIST_TUTORIAL_QUICK decides.

    Incremental unless the arguments hold ``--clean``: only the sections whose code, data or
    settings changed run again (docs/_ext/incremental.py). The other arguments go to sphinx-build.
    Locked: a second build in the same checkout stops at once instead of deleting the
    first one's outputs.
    """
    env = session_env(session)
    try:
        env["MNIST_TUTORIAL_QUICK"] = quick_value(quick)  # before the slow steps: fail fast
    except ValueError as error:
        session.error(str(error))
    clean, arguments = build_command.split_clean_flag(list(session.posargs))
    try:
        with exclusive_lock(BUILD_LOCK):
            _build_docs(session, env, clean, arguments)
    except BuildLocked as error:
        session.error(str(error))


def _build_docs(
    session: nox.Session, env: dict[str, str], clean: bool, arguments: list[str]
) -> None:
    session.install("-e", ".[docs]")
    if clean:
        build_command.remove_generated()
    env.setdefault("MNIST_TUTORIAL_CACHE", str(build_command.MODEL_CACHE))
    session.run("sphinx-build", *build_command.sphinx_arguments(), *arguments, env=env)
    session.log(f"The tutorial is in {build_command.HTML / 'index.html'}")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the tutorial, executing the examples (CUDA if available); `-- --clean` from scratch.

    Full by default; MNIST_TUTORIAL_QUICK=1 makes it a quick build, like docs-quick. Without
    --clean, only the sections whose code, data or settings changed run again.
    """
    build_docs(session, quick=False)


@nox.session(name="docs-quick")
def docs_quick(session: nox.Session) -> None:
    """Build the tutorial in quick mode (tiny training runs), to check the rendering only."""
    build_docs(session, quick=True)


@nox.session(name="docs-live")
def docs_live(session: nox.Session) -> None:
    """Serve the tutorial on http://127.0.0.1:8000, rebuild what an edit changed, reload.

    Incremental, like `nox -s docs`; MNIST_TUTORIAL_QUICK=1 for quick mode. Extra arguments go
    to sphinx-autobuild (e.g. `-- --port 8001`).
    """
    env = session_env(session)
    try:
        env["MNIST_TUTORIAL_QUICK"] = quick_value(False)
    except ValueError as error:
        session.error(str(error))
    env.setdefault("MNIST_TUTORIAL_CACHE", str(build_command.MODEL_CACHE))
    session.install("-e", ".[docs,live]")
    try:
        with exclusive_lock(BUILD_LOCK):
            session.run(*build_command.live_command(), *session.posargs, env=env)
    except BuildLocked as error:
        session.error(str(error))


def require_built_site(session: nox.Session) -> None:
    html = build_command.HTML
    if not (html / "index.html").is_file():
        session.error(f"No built site in {html}: run `nox -s docs` or `nox -s docs-quick` first.")


@nox.session
def site(session: nox.Session) -> None:
    """Check the built site (run docs or docs-quick first): pages, links, browser, notebooks,
    Lighthouse. Arguments go to pytest: ``-- --ignore=tests/site/test_site_lighthouse.py``
    leaves out the Lighthouse pass (about 12 minutes of the session's 30 on 2 cores)."""
    require_built_site(session)
    # docs and live: tests/site/test_site_incremental.py rebuilds a copy with docs-live
    session.install("-e", ".[site,docs,live]")
    session.run(
        "pytest", "tests/site", "--durations=15", *session.posargs, env=session_env(session)
    )


@nox.session
def lighthouse(session: nox.Session) -> None:
    """Only the Lighthouse budgets of ``nox -s site``: every page, phone and desktop."""
    require_built_site(session)
    session.install("-e", ".[site]")
    test = "tests/site/test_site_lighthouse.py"
    session.run("pytest", test, *session.posargs, env=session_env(session))


@nox.session
def bench(session: nox.Session) -> None:
    """Time the data paths and training steps (CPU, and CUDA if available); see --help."""
    session.install("-e", ".")
    session.run(
        "python", "benchmarks/bench_training.py", *session.posargs, env=session_env(session)
    )


@nox.session(venv_backend="none")
def bundle(session: nox.Session) -> None:
    """Make the offline bundle for a GPU machine (.bundle/); see gpu_bundle/README.md."""
    env = session_env(session)
    session.run(sys.executable, "-m", "gpu_bundle.make_bundle", *session.posargs, env=env)


# --- The course edition (course/, issue 19) ----------------------------------------------------


@nox.session
def course(session: nox.Session) -> None:
    """Build the course edition in dist/course/: student notebooks, solutions, autograder."""
    session.install("-e", ".[course]")
    session.run("python", "-m", "course.build", *session.posargs, env=session_env(session))


@nox.session
def grade(session: nox.Session) -> None:
    """Grade submitted notebooks (after `nox -s course`): nox -s grade -- submissions/."""
    if not session.posargs:
        session.error(
            "Give the folder of submissions: nox -s grade -- submissions/ (one <student>.ipynb "
            "or <student>/ folder of notebooks per student)"
        )
    session.install("-e", ".[grade]")
    # The teacher's paths are relative to where nox was run; the course tooling is found
    # through PYTHONPATH, since it is not part of the installed package.
    session.chdir(session.invoked_from)
    env = {"PYTHONPATH": str(ROOT)}
    session.run("python", "-m", "course.grade", *session.posargs, env=env)


@nox.session(name="course-otter")
def course_otter(session: nox.Session) -> None:
    """Check that otter-grader accepts the course edition: otter assign, then otter run."""
    session.install("-e", ".[otter]")
    session.run("python", "-m", "course.otter_check", *session.posargs, env=session_env(session))
