"""The live demo's build steps (site_tools/ort_runtime.py, docs/_ext/live_demo.py), offline.

A fake npm tarball stands in for onnxruntime-web: the checks are about refusing a tarball
whose checksum is wrong and about failing the build when a model the demo loads is bad.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import live_demo
import pytest
from sphinx.errors import ExtensionError

from mnist_tutorial.export import export_onnx, write_demo_data
from mnist_tutorial.models import FCNet
from site_tools import ort_runtime


def fake_tarball(links: dict[str, tarfile.TarInfo] | None = None) -> bytes:
    """The fake package; ``links``: file name -> a link member that stands in for that file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ort_runtime.FILES:
            content = fake_content(name)
            info = tarfile.TarInfo(f"package/dist/{name}")
            if name in (links or {}):
                info = links[name]
                info.name = f"package/dist/{name}"
                info = (info, None)
            else:
                info.size = len(content)
                info = (info, io.BytesIO(content))
            archive.addfile(*info)
        # a copy of the first file elsewhere in the package, for a link to point to
        first = ort_runtime.FILES[0]
        copy = tarfile.TarInfo(f"package/copy/{first}")
        copy.size = len(fake_content(first))
        archive.addfile(copy, io.BytesIO(fake_content(first)))
    return buffer.getvalue()


def link(target: str, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo("link")
    info.type, info.linkname = (tarfile.LNKTYPE if hard else tarfile.SYMTYPE), target
    return info


def fake_content(name: str) -> bytes:
    return f"// {name}".encode()


@pytest.fixture
def fake_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the fake files' SHA-256 in place of the real package's."""
    hashes = {name: hashlib.sha256(fake_content(name)).hexdigest() for name in ort_runtime.FILES}
    monkeypatch.setattr(ort_runtime, "FILE_SHA256", hashes)


def test_the_pinned_integrity_is_a_sha512() -> None:
    assert ort_runtime.INTEGRITY.startswith("sha512-")
    assert ort_runtime.VERSION in ort_runtime.TARBALL_URL
    # The SHA-512 of no bytes, from the FIPS 180 test vectors, in npm's base64 form.
    empty = bytes.fromhex(
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
    )
    assert ort_runtime.integrity_of(b"") == "sha512-" + base64.b64encode(empty).decode()


def test_a_download_with_the_wrong_checksum_is_refused_and_not_cached(tmp_path: Path) -> None:
    source = tmp_path / "onnxruntime-web-1.30.0.tgz"
    source.write_bytes(fake_tarball())
    cache = tmp_path / "cache"
    with pytest.raises(ort_runtime.ChecksumError, match="failed its checksum"):
        ort_runtime.fetch_tarball(source.as_uri(), ort_runtime.INTEGRITY, cache)
    assert not cache.exists() or not any(cache.iterdir())


def test_a_corrupted_cached_tarball_is_refused(tmp_path: Path) -> None:
    cached = tmp_path / ort_runtime.TARBALL_URL.rsplit("/", 1)[-1]
    cached.write_bytes(fake_tarball())
    with pytest.raises(ort_runtime.ChecksumError, match=str(cached)):
        ort_runtime.fetch_tarball(cache=tmp_path)


@pytest.mark.usefixtures("fake_hashes")
def test_a_good_download_is_cached_then_installed_with_its_notice(tmp_path: Path) -> None:
    data = fake_tarball()
    source = tmp_path / "pkg.tgz"
    source.write_bytes(data)
    cache = tmp_path / "cache"
    expected = ort_runtime.integrity_of(data)
    assert ort_runtime.fetch_tarball(source.as_uri(), expected, cache) == data
    source.unlink()  # the second call must not need the source any more
    assert ort_runtime.fetch_tarball(source.as_uri(), expected, cache) == data
    folder = ort_runtime.install(tmp_path / "_static", tarball=data)
    assert folder.name == f"onnxruntime-web-{ort_runtime.VERSION}"
    for name in ort_runtime.FILES:
        assert (folder / name).read_text() == f"// {name}"
    assert "MIT License" in (folder / "NOTICE.txt").read_text()


def test_a_file_in_the_tarball_unlike_the_pinned_one_is_refused(tmp_path: Path) -> None:
    # the fake files are not the real package's, so their SHA-256 is not the pinned one
    with pytest.raises(ort_runtime.ChecksumError, match=r"ort\.wasm\.min\.js from the onnxruntime"):
        ort_runtime.install(tmp_path, tarball=fake_tarball())


@pytest.mark.usefixtures("fake_hashes")
def test_offline_the_unpacked_files_are_used_and_checked(tmp_path: Path) -> None:
    unpacked = tmp_path / "cache" / ort_runtime.SITE_FOLDER
    unpacked.mkdir(parents=True)
    for name in ort_runtime.FILES:
        (unpacked / name).write_bytes(fake_content(name))
    # no tarball anywhere and no network needed: the unpacked, checked files are enough
    files = ort_runtime.runtime_files(cache=tmp_path / "cache")
    assert files == {name: fake_content(name) for name in ort_runtime.FILES}
    (unpacked / "ort-wasm-simd-threaded.wasm").write_bytes(b"tampered")
    with pytest.raises(ort_runtime.ChecksumError, match=r"ort-wasm-simd-threaded\.wasm from"):
        ort_runtime.runtime_files(cache=tmp_path / "cache")


def test_the_cache_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ort_runtime.CACHE_ENV, str(tmp_path))
    assert ort_runtime.cache_folder() == tmp_path


def test_the_build_fails_when_a_demo_model_is_missing_or_corrupt(tmp_path: Path) -> None:
    with pytest.raises(ExtensionError, match=r"demo\.json is missing"):
        live_demo.check_demo_models(tmp_path)
    write_demo_data(tmp_path / "demo.json", {"FCNet": "fcnet.onnx"}, [], 0.5, 0.5)
    with pytest.raises(ExtensionError, match=r"fcnet\.onnx not found"):
        live_demo.check_demo_models(tmp_path)
    path = export_onnx(FCNet(), tmp_path / "fcnet.onnx")
    assert live_demo.check_demo_models(tmp_path) == [path]
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ExtensionError, match=r"fcnet\.onnx is not usable"):
        live_demo.check_demo_models(tmp_path)


def test_the_demo_goes_right_after_its_label() -> None:
    source = ["Text.\n\n.. _live-demo:\n\nMore text.\n"]
    live_demo._insert_demo(None, "auto_examples/plot_08", source)
    assert ".. _live-demo:\n\n.. live-demo::\n" in source[0]


@pytest.mark.usefixtures("fake_hashes")
@pytest.mark.parametrize(
    ("target", "hard"),
    [
        ("../copy/ort.wasm.min.js", False),
        ("package/copy/ort.wasm.min.js", True),
        ("/etc/hostname", False),
        ("/etc/hostname", True),
    ],
    ids=["symlink-in-archive", "hard-link-in-archive", "absolute-symlink", "absolute-hard-link"],
)
def test_a_runtime_file_that_is_a_link_is_refused(tmp_path: Path, target: str, hard: bool) -> None:
    # Links were followed (inside the archive) or failed with a bare KeyError (outside it).
    tarball = fake_tarball({ort_runtime.FILES[0]: link(target, hard)})
    with pytest.raises(
        RuntimeError, match=r"ort\.wasm\.min\.js in the onnxruntime-web .* is a link"
    ):
        ort_runtime.install(tmp_path, tarball=tarball)
    assert not (tmp_path / ort_runtime.SITE_FOLDER / ort_runtime.FILES[0]).exists()


@pytest.mark.usefixtures("fake_hashes")
def test_the_fake_package_with_links_elsewhere_still_installs(tmp_path: Path) -> None:
    folder = ort_runtime.install(tmp_path, tarball=fake_tarball())
    assert (folder / ort_runtime.FILES[0]).read_bytes() == fake_content(ort_runtime.FILES[0])


def test_the_start_button_names_the_gzip_size_of_what_starting_downloads(tmp_path: Path) -> None:
    runtime = tmp_path / ort_runtime.SITE_FOLDER
    runtime.mkdir()
    for name in ort_runtime.FILES:
        (runtime / name).write_bytes(b"a" * 1_000_000)  # compresses to about 1 kB each
    models = tmp_path / live_demo.MODELS_FOLDER
    models.mkdir()
    (models / "convnet.onnx").write_bytes(bytes(range(256)) * 4000)  # 1.024 MB, sent as it is
    (models / "unused.onnx").write_bytes(b"x" * 9_000_000)  # demo.json does not name it
    write_demo_data(models / "demo.json", {"ConvNet": "convnet.onnx"}, [], 0.5, 0.5)
    assert live_demo.download_size(tmp_path) == "1.0 MB"
    (models / "demo.json").unlink()
    with pytest.raises(ExtensionError, match="download size is unknown"):
        live_demo.download_size(tmp_path)


def test_the_demo_draws_feature_maps_in_section_6s_colormap() -> None:
    colormap = live_demo.response_colormap()
    assert colormap["name"] == "magma"
    colors = colormap["colors"]
    assert len(colors) == 256
    assert all(len(c) == 3 for c in colors)
    assert colors[0] == [0, 0, 4]
    assert colors[-1] == [252, 253, 191]


def test_the_demo_loads_the_smallest_file_that_keeps_every_prediction(tmp_path: Path) -> None:
    import torch

    from mnist_tutorial.export import (
        load_session,
        onnx_logits,
        store_weights_as_float16,
        store_weights_as_int8,
    )

    full = export_onnx(FCNet(), tmp_path / "fcnet.onnx")
    store_weights_as_float16(full, tmp_path / "fcnet.fp16.onnx")
    int8 = store_weights_as_int8(full, tmp_path / "fcnet.int8.onnx")
    images = torch.randn(50, 1, 28, 28)
    nets = {"FCNet": None}  # only the names are used
    int8_logits = onnx_logits(load_session(int8), images)
    chosen = live_demo.demo_models(tmp_path, nets, images, {"FCNet": int8_logits})
    assert chosen == {"FCNet": "fcnet.int8.onnx"}
    # predictions that no stored file gives (every answer moved): the exported float32 file
    moved = torch.from_numpy(int8_logits).roll(1, dims=1).numpy()
    chosen = live_demo.demo_models(tmp_path, nets, images, {"FCNet": moved})
    assert chosen == {"FCNet": "fcnet.onnx"}
    (tmp_path / "fcnet.fp16.onnx").unlink()
    with pytest.raises(ExtensionError, match=r"fcnet\.fp16\.onnx is missing"):
        live_demo.demo_models(tmp_path, nets, images, {"FCNet": moved})
