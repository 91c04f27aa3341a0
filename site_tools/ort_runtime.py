"""onnxruntime-web for the live demo: fetched from the npm registry, checked, copied into the site.

No Node.js is needed: the package is a plain tarball on the registry. It is downloaded once
into a cache folder, checked against the sha512 that the registry publishes for this version
(``npm view onnxruntime-web@1.30.0 dist.integrity``), and only the three files that a plain
``<script>`` page needs are copied into the built site, with the package's license beside them.

Offline (the GPU bundle, ``benchmarks/make_bundle.py``), the cache folder may instead hold
just those three files in ``onnxruntime-web-<version>/``: each is checked against the SHA-256
pinned below, which is what the verified tarball holds.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

from mnist_tutorial.config import env_path  # standard library only, as this module
from mnist_tutorial.files import atomic_write, user_cache_dir

VERSION = "1.30.0"
TARBALL_URL = f"https://registry.npmjs.org/onnxruntime-web/-/onnxruntime-web-{VERSION}.tgz"
# `npm view onnxruntime-web@1.30.0 dist.integrity`, the sha512 of the tarball:
INTEGRITY = (
    "sha512-"
    "q0y+JrrtukXSzsBWEMccVfqX25LRmosXHF+CaRJmg8pZClzcV7svNc4rKY3jL02Vb7QmRMDs1SigqR4CXAfKYQ=="
)
# The WebAssembly CPU build: the script, its module loader and the binary it loads (14 MB).
# ort.min.js would pull the much larger WebGPU build, which the demo does not use.
FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
# The SHA-256 of each of FILES, in that order, inside the verified tarball (checked on every use)
FILE_SHA256 = dict(
    zip(
        FILES,
        (
            "faece07e84faa9001f5104bbe4e5c70861d06cb2376a0dea1fa0ad33a67adc81",
            "e13f7f94fc51b4ca72b12faeb1ee95f4ace6dfbc8939bc718aabdc0a27c4299b",
            "3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2",
        ),
        strict=True,
    )
)
SITE_FOLDER = f"onnxruntime-web-{VERSION}"  # versioned: Sphinx does not cache-bust .mjs/.wasm
CACHE_ENV = "MNIST_TUTORIAL_NPM_CACHE"

# The package ships no LICENSE file; its package.json says "license": "MIT".
NOTICE = f"""\
onnxruntime-web {VERSION}, from the npm package onnxruntime-web
(https://www.npmjs.com/package/onnxruntime-web, source: https://github.com/microsoft/onnxruntime).
Files: {", ".join(FILES)}, unmodified.
onnxruntime's notices for third-party code:
https://github.com/microsoft/onnxruntime/blob/main/ThirdPartyNotices.txt

MIT License

Copyright (c) Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class ChecksumError(RuntimeError):
    """A downloaded or cached tarball whose sha512 is not the one published for the version."""


def cache_folder() -> Path:
    """``$MNIST_TUTORIAL_NPM_CACHE``, else ``~/.cache/mnist-tutorial/npm``."""
    return env_path(CACHE_ENV) or user_cache_dir() / "npm"


def integrity_of(data: bytes) -> str:
    """The npm ``dist.integrity`` string of ``data`` (Subresource Integrity format, sha512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def verify(data: bytes, expected: str, source: str) -> None:
    """Raise :class:`ChecksumError` unless ``data`` has the integrity ``expected``."""
    found = integrity_of(data)
    if found != expected:
        raise ChecksumError(
            f"onnxruntime-web tarball from {source} failed its checksum: expected {expected}, "
            f"got {found}. The file is corrupt or not the published package; delete it and "
            "build again to download it anew."
        )


def fetch_tarball(
    url: str = TARBALL_URL, expected: str = INTEGRITY, cache: Path | None = None
) -> bytes:
    """The verified tarball: from the cache folder if there, else downloaded and then cached."""
    cached = (cache or cache_folder()) / url.rsplit("/", 1)[-1]
    if cached.is_file():
        data = cached.read_bytes()
        verify(data, expected, str(cached))
        return data
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as error:
        raise RuntimeError(
            f"cannot download onnxruntime-web from {url} ({error}). Offline, put the tarball "
            f"in {cached.parent} (or in the folder named by ${CACHE_ENV})."
        ) from error
    verify(data, expected, url)
    with atomic_write(cached, "wb") as f:
        f.write(data)
    return data


def _checked(name: str, data: bytes, source: object) -> bytes:
    found = hashlib.sha256(data).hexdigest()
    if found != FILE_SHA256[name]:
        raise ChecksumError(
            f"{name} from {source} has SHA-256 {found}, expected {FILE_SHA256[name]} (the file "
            f"in onnxruntime-web {VERSION}). Delete it and build again."
        )
    return data


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    """The bytes of the regular file ``name`` in ``archive``, read in memory, never unpacked.

    A link is refused, not followed: the published package holds none, and its target (in the
    archive or, for an absolute one, outside it) is not the file the name promises.
    """
    try:
        member = archive.getmember(name)
    except KeyError:
        raise RuntimeError(f"{name} is missing from the onnxruntime-web tarball") from None
    if not member.isreg():
        raise RuntimeError(
            f"{name} in the onnxruntime-web tarball is a link or special file, not a file "
            "(the published package has none): delete the tarball and build again"
        )
    return archive.extractfile(member).read()


def runtime_files(tarball: bytes | None = None, cache: Path | None = None) -> dict[str, bytes]:
    """The contents of FILES, each checked against FILE_SHA256.

    From ``tarball`` if given; else from the files unpacked in the cache folder's
    ``onnxruntime-web-<version>/`` (an offline bundle) if all are there; else from the tarball
    that :func:`fetch_tarball` returns.
    """
    unpacked = (cache or cache_folder()) / SITE_FOLDER
    if tarball is None and all((unpacked / name).is_file() for name in FILES):
        return {name: _checked(name, (unpacked / name).read_bytes(), unpacked) for name in FILES}
    data = fetch_tarball(cache=cache) if tarball is None else tarball
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in FILES:
            data_of = _member_bytes(archive, f"package/dist/{name}")
            files[name] = _checked(name, data_of, "the onnxruntime-web tarball")
    return files


def install(static_dir: Path, tarball: bytes | None = None) -> Path:
    """Copy the runtime's files and its NOTICE into ``static_dir/onnxruntime-web-<version>/``."""
    target = static_dir / SITE_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for name, data in runtime_files(tarball).items():
        (target / name).write_bytes(data)
    (target / "NOTICE.txt").write_text(NOTICE, encoding="utf-8")
    return target
