"""Sphinx glue for section 8's live demo: its markup, its scripts, the models and the runtime.

The example marks the demo's place with the label ``.. _live-demo:``, a line that
sphinx-gallery leaves out of the notebooks (which cannot run the demo); this extension puts
the demo's markup right after it. It also

- tells the example where to write the ONNX files: ``$MNIST_TUTORIAL_EXPORT`` is set to the
  built site's ``_static/demo-models`` folder before the examples run;
- after the examples ran, writes ``demo.json`` beside the files section 8 exported: which file
  of each network the demo loads (the smallest, int8 or float16, that predicts every test
  image as PyTorch does, else float32), the normalization, and the first test image of each
  digit with the probabilities onnxruntime gives them in Python with that file, which the
  site's tests compare with the browser's;
- copies onnxruntime-web into ``_static/onnxruntime-web-<version>`` (see ``ort_runtime``);
- adds ``demo/demo.js`` and ``demo/demo.css`` to the demo's page only; the script loads the
  runtime and the models only when the reader starts the demo or scrolls to it, so the page
  opens light (the start button names the download's size, measured here);
- checks, at the end of the build, every file the demo loads: a missing or corrupt ONNX file
  fails the build with a message naming it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from site_tools import ort_runtime

LABEL = ".. _live-demo:"
MODELS_FOLDER = "demo-models"  # under the site's _static/
DEMO_DATA = "demo.json"
MAX_SHIFT = 4  # pixels the sliders move the input, either way (section 7 shifts by up to 4)
_DEMO_PAGES: set[str] = set()  # pages of this build that show the demo

# Filled in by the script; without JavaScript the reader sees the <noscript> text.
MARKUP = """\
<div class="mnist-demo" data-models="{root}_static/{models}/" data-runtime="{runtime}"
     data-state="idle" data-runs="0">
  <p class="mnist-demo-status" role="status">The demo runs both networks in your browser. It
    downloads onnxruntime-web and the two networks ({download}) when you start it or scroll to
    the drawing pad.</p>
  <button type="button" class="mnist-demo-start">Start the demo ({download})</button>
  <noscript><p>The live demo needs JavaScript.</p></noscript>
  <div class="mnist-demo-panels">
    <div class="mnist-demo-panel">
      <h3 class="mnist-demo-heading">Draw a digit</h3>
      <canvas class="mnist-demo-pad" width="280" height="280" role="img"
              aria-label="Drawing area: draw one digit with a mouse, a pen or a finger"></canvas>
      <p class="mnist-demo-hint">Draw with mouse, pen or finger; or pick a test image below
        (works by keyboard).</p>
      <button type="button" class="mnist-demo-clear">Clear the drawing</button>
      <fieldset class="mnist-demo-samples">
        <legend>Or pick a test image</legend>
      </fieldset>
    </div>
    <div class="mnist-demo-panel">
      <h3 class="mnist-demo-heading">The 28 x 28 input</h3>
      <canvas class="mnist-demo-input" width="28" height="28" role="img"
              aria-label="The network input: 28 by 28 pixels"></canvas>
      <label class="mnist-demo-slider"><span>Shift right ({lo} to +{hi} px; minus moves
        left):</span>
        <input type="range" class="mnist-demo-dx" min="{lo}" max="{hi}" step="1" value="0">
        <output class="mnist-demo-dx-value">0 px</output></label>
      <label class="mnist-demo-slider"><span>Shift down ({lo} to +{hi} px; minus moves
        up):</span>
        <input type="range" class="mnist-demo-dy" min="{lo}" max="{hi}" step="1" value="0">
        <output class="mnist-demo-dy-value">0 px</output></label>
    </div>
    <div class="mnist-demo-panel mnist-demo-nets">
      <figure class="mnist-demo-net" data-net="ConvNet">
        <figcaption>ConvNet: <strong class="mnist-demo-prediction">-</strong></figcaption>
        <div class="mnist-demo-bars"></div>
      </figure>
      <figure class="mnist-demo-net" data-net="FCNet">
        <figcaption>FCNet: <strong class="mnist-demo-prediction">-</strong></figcaption>
        <div class="mnist-demo-bars"></div>
      </figure>
    </div>
  </div>
  <p class="mnist-demo-readout" aria-live="polite"></p>
  <figure class="mnist-demo-features">
    <div class="mnist-demo-maps"></div>
    <figcaption>The ConvNet's 32 first-layer feature maps (conv1 after ReLU) for this input,
      numbered 0 to 31 as in section 6, in the same magma colours: black is no response,
      yellow the strongest. One scale for all 32: a dark map barely responds.</figcaption>
  </figure>
</div>
"""


def download_size(site_static: Path) -> str:
    """What starting the demo downloads, gzip-compressed as GitHub Pages sends it: the runtime's
    files and the models that demo.json names (the .onnx files are not compressed)."""
    import gzip

    runtime = [site_static / ort_runtime.SITE_FOLDER / name for name in ort_runtime.FILES]
    folder = site_static / MODELS_FOLDER
    if not (folder / DEMO_DATA).is_file():
        raise ExtensionError(
            f"the live demo's {folder / DEMO_DATA} is missing: section 8 (plot_08) did not "
            "write it in this build, so the demo's download size is unknown. Build clean."
        )
    models = json.loads((folder / DEMO_DATA).read_text())["models"].values()
    total = sum(len(gzip.compress(path.read_bytes(), compresslevel=6)) for path in runtime)
    total += sum((folder / name).stat().st_size for name in models)
    return f"{total / 1e6:.1f} MB"


class LiveDemo(SphinxDirective):
    """``.. live-demo::`` the demo's markup (the script fills it in)."""

    def run(self) -> list[nodes.Node]:
        root = "../" * self.env.docname.count("/")
        html = MARKUP.format(
            root=root,
            models=MODELS_FOLDER,
            runtime=f"{root}_static/{ort_runtime.SITE_FOLDER}/ort.wasm.min.js",
            download=download_size(Path(self.env.app.outdir) / "_static"),
            lo=-MAX_SHIFT,
            hi=MAX_SHIFT,
        )
        # In a container, so that the label before the directive gives it an id (#live-demo).
        return [nodes.container("", nodes.raw("", html, format="html"))]


def _set_export_folder(app: Sphinx, config) -> None:
    # The examples run in this process (at builder-inited): they read this variable.
    folder = Path(app.outdir) / "_static" / MODELS_FOLDER
    os.environ["MNIST_TUTORIAL_EXPORT"] = str(folder)


def _install_runtime(app: Sphinx) -> None:
    _DEMO_PAGES.clear()
    if app.builder.format == "html":
        ort_runtime.install(Path(app.outdir) / "_static")


def _insert_demo(app: Sphinx, docname: str, source: list[str]) -> None:
    if LABEL in source[0]:
        source[0] = source[0].replace(LABEL, f"{LABEL}\n\n.. live-demo::\n", 1)


def _add_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if 'class="mnist-demo"' not in context.get("body", ""):
        return
    _DEMO_PAGES.add(pagename)
    # Not the runtime: demo.js loads it when the reader starts the demo (data-runtime).
    app.add_js_file("demo/demo.js", loading_method="defer")
    app.add_css_file("demo/demo.css")


def check_demo_models(folder: Path) -> list[Path]:
    """Load every model that ``folder/demo.json`` names; raise ExtensionError if one fails."""
    from mnist_tutorial.export import InvalidModelError, load_session

    data_file = folder / DEMO_DATA
    if not data_file.is_file():
        raise ExtensionError(
            f"the live demo's {data_file} is missing: section 8 (plot_08) did not write it in "
            "this build. sphinx-gallery skips an example it ran before: build clean (delete "
            "docs/auto_examples too), and check that filename_pattern selects plot_08."
        )
    paths = [folder / name for name in json.loads(data_file.read_text())["models"].values()]
    for path in paths:
        try:
            load_session(path)
        except InvalidModelError as error:
            raise ExtensionError(f"the live demo cannot use its model: {error}") from error
    return paths


# Each network's files as section 8 writes them, smallest first: the demo loads the smallest
# whose predictions on the test images are all PyTorch's (float32 is the exported network).
STORAGE_SUFFIXES = (".int8.onnx", ".fp16.onnx", ".onnx")


def demo_models(folder: Path, nets: dict, images, reference: dict) -> dict[str, str]:
    """Each network's file for the demo: the smallest that predicts every image as PyTorch does.

    ``images`` are the normalized test images; ``reference`` holds PyTorch's logits for them.
    """
    from mnist_tutorial.export import compare_with_torch, load_session

    chosen = {}
    for name in nets:
        paths = [folder / f"{name.lower()}{suffix}" for suffix in STORAGE_SUFFIXES]
        for path in paths:
            if not path.is_file():
                raise ExtensionError(
                    f"the live demo's {path} is missing: section 8 (plot_08) did not export it "
                    "in this build. Build clean (delete docs/auto_examples too)."
                )
        *smaller, exported = paths
        chosen[name] = next(
            (
                path.name
                for path in smaller
                if compare_with_torch(
                    reference[name], load_session(path), images, logits_on=1
                ).identical_predictions
            ),
            exported.name,
        )
    return chosen


def write_demo_data(folder: Path) -> Path:
    """``folder/demo.json`` for the trained networks of this build and the files in ``folder``."""
    import torch

    from mnist_tutorial.cache import load_or_train
    from mnist_tutorial.config import tutorial_config
    from mnist_tutorial.data import MEAN, STD, load_mnist, normalize
    from mnist_tutorial.environment import select_device
    from mnist_tutorial.export import load_session, onnx_logits, torch_logits
    from mnist_tutorial.export import write_demo_data as write

    device, config = select_device(verbose=False), tutorial_config()
    nets = {name: load_or_train(name, config, device).net for name in ("ConvNet", "FCNet")}
    test_set = load_mnist(train=False)
    images = normalize(test_set.data)  # (10000, 1, 28, 28)
    reference = {name: torch_logits(net, images) for name, net in nets.items()}
    models = demo_models(folder, nets, images, reference)
    # The probabilities the browser must show: onnxruntime's, here, with the file the demo loads
    # (its predictions are PyTorch's on every test image; its logits may differ by rounding).
    firsts = [int((test_set.targets == digit).nonzero()[0]) for digit in range(10)]
    expected = {
        name: onnx_logits(load_session(folder / file), images[firsts])
        for name, file in models.items()
    }
    samples = []
    for digit, i in enumerate(firsts):  # the first test image of each digit
        probabilities = {
            name: torch.softmax(torch.from_numpy(logits[digit]), dim=0).tolist()
            for name, logits in expected.items()
        }
        pixels = test_set.data[i].flatten().tolist()  # 784 values in 0-255
        samples.append(
            {"index": i, "label": digit, "pixels": pixels, "probabilities": probabilities}
        )
    return write(folder / DEMO_DATA, models, samples, MEAN, STD, colormap=response_colormap())


def response_colormap() -> dict[str, object]:
    """Section 6's colormap for feature maps as 256 RGB triples, so the demo draws the same."""
    import matplotlib

    from mnist_tutorial.figure_style import RESPONSE_CMAP

    colors = matplotlib.colormaps[RESPONSE_CMAP].resampled(256)(range(256))[:, :3]
    return {"name": RESPONSE_CMAP, "colors": (colors * 255).round().astype(int).tolist()}


def _write_demo_data(app: Sphinx) -> None:
    if app.builder.format == "html":
        from incremental import run_step
        from trained_networks import trained_network_files

        folder = Path(app.outdir) / "_static" / MODELS_FOLDER
        run_step(
            app,
            "the live demo's data",
            Path(__file__),
            # the networks, and the ONNX files section 8 exported from them
            reads=lambda: [*trained_network_files(), *sorted(folder.glob("*.onnx"))],
            outputs=lambda: [folder / DEMO_DATA],
            function=lambda: write_demo_data(folder),
        )


def _check_models(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and _DEMO_PAGES:
        check_demo_models(Path(app.outdir) / "_static" / MODELS_FOLDER)


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("config-inited", _set_export_folder)
    # Before sphinx-gallery runs the examples, so that a failed download stops the build early.
    app.connect("builder-inited", _install_runtime, priority=400)
    # After sphinx-gallery (priority 500) ran the examples: section 8 exported the models.
    app.connect("builder-inited", _write_demo_data, priority=900)
    app.connect("source-read", _insert_demo)
    app.connect("html-page-context", _add_scripts)
    app.connect("build-finished", _check_models)
    app.add_directive("live-demo", LiveDemo)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
