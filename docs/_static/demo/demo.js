// Section 8's live demo: the tutorial's two networks, exported to ONNX, run by onnxruntime-web.
// The page's markup comes from docs/_ext/live_demo.py; demo.json and the .onnx files from section 8.
// No framework: the DOM, a canvas and the global `ort` that ort.wasm.min.js defines.
"use strict";

(() => {
  const SIZE = 28; // MNIST images are 28 x 28
  const BOX = 20; // MNIST digits were fitted into a 20 x 20 box, then centred in 28 x 28
  const NETS = ["ConvNet", "FCNet"];

  const root = document.querySelector(".mnist-demo");
  if (!root) return;
  const $ = (selector) => root.querySelector(selector);
  const pad = $(".mnist-demo-pad");
  const padContext = pad.getContext("2d", { willReadFrequently: true });
  const inputCanvas = $(".mnist-demo-input");
  const sliders = { dx: $(".mnist-demo-dx"), dy: $(".mnist-demo-dy") };

  let data = null; // demo.json: models, mean, std, samples
  const sessions = {};
  let source = null; // the current unshifted input: 784 values in [0, 1], or null when empty
  let busy = false; // onnxruntime-web runs one inference at a time: queue the latest input
  let pending = false;

  function setStatus(text, state) {
    $(".mnist-demo-status").textContent = text;
    if (state) root.dataset.state = state;
  }

  // --- Preparing a drawing like an MNIST digit ----------------------------------------------

  // The ink of the pad (white on black) as values in [0, 1], row by row.
  function padInk() {
    const rgba = padContext.getImageData(0, 0, pad.width, pad.height).data;
    const ink = new Float32Array(pad.width * pad.height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
    return ink;
  }

  // Fit the drawing's bounding box into 20 x 20 (keeping its aspect ratio, each pixel the mean
  // of the pad pixels it covers), then place it in 28 x 28 with its centre of mass at the middle.
  function drawingToInput() {
    const [width, height] = [pad.width, pad.height];
    const ink = padInk();
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (ink[y * width + x] > 0.05) {
          x0 = Math.min(x0, x); x1 = Math.max(x1, x);
          y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
    }
    if (x1 < 0) return null; // nothing drawn
    const scale = BOX / Math.max(x1 - x0 + 1, y1 - y0 + 1);
    const boxWidth = Math.max(1, Math.round((x1 - x0 + 1) * scale));
    const boxHeight = Math.max(1, Math.round((y1 - y0 + 1) * scale));
    const steps = Math.max(1, Math.ceil(1 / scale)); // samples per box pixel, along each axis
    const box = new Float32Array(boxWidth * boxHeight);
    let [mass, massX, massY] = [0, 0, 0];
    for (let by = 0; by < boxHeight; by++) {
      for (let bx = 0; bx < boxWidth; bx++) {
        let sum = 0;
        for (let sy = 0; sy < steps; sy++) {
          for (let sx = 0; sx < steps; sx++) {
            const x = Math.min(x1, Math.floor(x0 + (bx + (sx + 0.5) / steps) / scale));
            const y = Math.min(y1, Math.floor(y0 + (by + (sy + 0.5) / steps) / scale));
            sum += ink[y * width + x];
          }
        }
        const value = sum / (steps * steps);
        box[by * boxWidth + bx] = value;
        mass += value; massX += value * bx; massY += value * by;
      }
    }
    // Put the centre of mass on pixel 14 (MNIST's test digits average 14.0 in both directions).
    const clamp = (v, hi) => Math.min(Math.max(v, 0), hi);
    const left = clamp(Math.round(SIZE / 2 - massX / mass), SIZE - boxWidth);
    const top = clamp(Math.round(SIZE / 2 - massY / mass), SIZE - boxHeight);
    const input = new Float32Array(SIZE * SIZE);
    for (let by = 0; by < boxHeight; by++) {
      for (let bx = 0; bx < boxWidth; bx++) {
        input[(top + by) * SIZE + left + bx] = box[by * boxWidth + bx];
      }
    }
    return input;
  }

  // Move the image dx pixels right and dy down; uncovered pixels are black (0), as in section 7.
  function shift(image, dx, dy) {
    const moved = new Float32Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const [fromX, fromY] = [x - dx, y - dy];
        if (fromX >= 0 && fromX < SIZE && fromY >= 0 && fromY < SIZE) {
          moved[y * SIZE + x] = image[fromY * SIZE + fromX];
        }
      }
    }
    return moved;
  }

  // --- Drawing -------------------------------------------------------------------------------

  function clearPad() {
    padContext.fillStyle = "black";
    padContext.fillRect(0, 0, pad.width, pad.height);
  }

  function showSampleOnPad(pixels) {
    const image = grayImage(pixels.map((v) => v / 255), SIZE, SIZE, 1);
    const small = document.createElement("canvas");
    [small.width, small.height] = [SIZE, SIZE];
    small.getContext("2d").putImageData(image, 0, 0);
    padContext.imageSmoothingEnabled = false;
    padContext.drawImage(small, 0, 0, pad.width, pad.height);
  }

  let lastPoint = null;
  let drawingStarted = false; // the pad shows a test image until the first stroke

  function padPoint(event) {
    const rect = pad.getBoundingClientRect();
    return [
      ((event.clientX - rect.left) * pad.width) / rect.width,
      ((event.clientY - rect.top) * pad.height) / rect.height,
    ];
  }

  function strokeTo(point) {
    padContext.strokeStyle = "white";
    padContext.lineWidth = 22; // about 2 px once a 200 px tall digit is fitted into 20 px
    padContext.lineCap = "round";
    padContext.lineJoin = "round";
    padContext.beginPath();
    padContext.moveTo(...(lastPoint || point));
    padContext.lineTo(...point);
    padContext.stroke();
    lastPoint = point;
  }

  pad.addEventListener("pointerdown", (event) => {
    if (!drawingStarted) {
      clearPad();
      drawingStarted = true;
      markSample(null);
    }
    pad.setPointerCapture(event.pointerId);
    lastPoint = null;
    strokeTo(padPoint(event));
    source = drawingToInput();
    update();
  });
  let frameRequested = false; // while drawing, predict at most once per animation frame
  pad.addEventListener("pointermove", (event) => {
    if (lastPoint === null || !pad.hasPointerCapture(event.pointerId)) return;
    strokeTo(padPoint(event));
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      if (lastPoint === null) return; // the stroke ended: pointerup has updated already
      source = drawingToInput();
      update();
    });
  });
  const endStroke = () => {
    if (lastPoint === null) return;
    lastPoint = null;
    source = drawingToInput();
    update();
  };
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  $(".mnist-demo-clear").addEventListener("click", () => {
    clearPad();
    drawingStarted = true;
    markSample(null);
    source = null;
    update();
  });

  // --- Test images and sliders ---------------------------------------------------------------

  function selectSample(index) {
    const sample = data.samples[index];
    source = Float32Array.from(sample.pixels, (v) => v / 255);
    clearPad();
    showSampleOnPad(sample.pixels);
    drawingStarted = false;
    markSample(index);
    update();
  }

  function markSample(index) {
    root.querySelectorAll(".mnist-demo-sample").forEach((button, i) => {
      button.setAttribute("aria-pressed", String(i === index));
    });
  }

  function addSampleButtons() {
    const fieldset = $(".mnist-demo-samples");
    data.samples.forEach((sample, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "mnist-demo-sample";
      button.dataset.sample = String(i);
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-label", `Test image ${sample.index}, a ${sample.label}`);
      const thumb = document.createElement("canvas");
      [thumb.width, thumb.height] = [SIZE, SIZE];
      const pixels = sample.pixels.map((v) => v / 255);
      thumb.getContext("2d").putImageData(grayImage(pixels, SIZE, SIZE, 1), 0, 0);
      button.append(thumb);
      button.addEventListener("click", () => selectSample(i));
      fieldset.append(button);
    });
  }

  for (const [name, slider] of Object.entries(sliders)) {
    slider.addEventListener("input", () => {
      const value = Number(slider.value);
      $(`.mnist-demo-${name}-value`).textContent = `${value > 0 ? "+" : ""}${value} px`;
      update();
    });
  }

  // --- Inference and display -----------------------------------------------------------------

  // values in [0, max] as a grayscale ImageData (white = max)
  function grayImage(values, width, height, max) {
    const image = new ImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const v = Math.round((255 * Math.min(values[i], max)) / max);
      image.data.set([v, v, v, 255], 4 * i);
    }
    return image;
  }

  function softmax(logits) {
    const top = Math.max(...logits);
    const exps = Array.from(logits, (v) => Math.exp(v - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((v) => v / total);
  }

  async function update() {
    if (!data) return;
    if (busy) {
      pending = true;
      return;
    }
    busy = true;
    try {
      do {
        pending = false;
        await runOnce();
      } while (pending);
    } catch (error) {
      setStatus(`The demo failed: ${error.message}`, "error");
      console.error(error);
    } finally {
      busy = false;
    }
  }

  async function runOnce() {
    const image = source && shift(source, Number(sliders.dx.value), Number(sliders.dy.value));
    inputCanvas.getContext("2d").putImageData(
      grayImage(image || new Float32Array(SIZE * SIZE), SIZE, SIZE, 1), 0, 0);
    if (!image) {
      showResults(null);
      return;
    }
    const normalized = image.map((v) => (v - data.mean) / data.std);
    const feeds = { image: new ort.Tensor("float32", normalized, [1, 1, SIZE, SIZE]) };
    const results = {};
    for (const name of NETS) results[name] = await sessions[name].run(feeds); // one at a time
    showResults(results);
  }

  function showResults(results) {
    const readout = [];
    for (const name of NETS) {
      const figure = root.querySelector(`.mnist-demo-net[data-net="${name}"]`);
      const probabilities = results ? softmax(results[name].logits.data) : null;
      const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : null;
      figure.dataset.prediction = best === null ? "" : String(best);
      figure.querySelector(".mnist-demo-prediction").textContent =
        best === null ? "-" : `${best} (${(100 * probabilities[best]).toFixed(1)}%)`;
      figure.querySelectorAll(".mnist-demo-row").forEach((row, digit) => {
        const p = probabilities ? probabilities[digit] : 0;
        row.dataset.probability = String(p);
        row.classList.toggle("mnist-demo-best", digit === best);
        row.querySelector(".mnist-demo-fill").style.width = `${100 * p}%`;
        row.querySelector(".mnist-demo-value").textContent = `${(100 * p).toFixed(1)}%`;
      });
      if (best !== null) {
        readout.push(`${name} reads ${best} (${(100 * probabilities[best]).toFixed(1)}%)`);
      }
    }
    $(".mnist-demo-readout").textContent = results
      ? `${readout.join(", ")}.`
      : "No input: draw a digit or pick a test image.";
    showFeatureMaps(results ? results.ConvNet.features : null);
    if (results && !root.dataset.firstPredictionMs) {
      root.dataset.firstPredictionMs = String(Math.round(performance.now()));
    }
    root.dataset.runs = String(Number(root.dataset.runs) + 1);
  }

  // values in [0, max] through the colormap (256 RGB triples, from demo.json) as ImageData
  function colorImage(values, width, height, max, colormap) {
    const image = new ImageData(width, height);
    const last = colormap.length - 1;
    for (let i = 0; i < width * height; i++) {
      const [r, g, b] = colormap[Math.round((last * Math.min(values[i], max)) / max)];
      image.data.set([r, g, b, 255], 4 * i);
    }
    return image;
  }

  function showFeatureMaps(features) {
    const maps = root.querySelectorAll(".mnist-demo-map");
    const count = SIZE * SIZE;
    const values = features ? features.data : new Float32Array(maps.length * count);
    const max = Math.max(1e-6, ...values); // one scale for all maps
    maps.forEach((canvas, c) => {
      const map = values.subarray(c * count, (c + 1) * count);
      const image = colorImage(map, SIZE, SIZE, max, data.colormap.colors);
      canvas.getContext("2d").putImageData(image, 0, 0);
    });
  }

  function buildOutputs() {
    for (const bars of root.querySelectorAll(".mnist-demo-bars")) {
      for (let digit = 0; digit < 10; digit++) {
        const row = document.createElement("div");
        row.className = "mnist-demo-row";
        row.dataset.digit = String(digit);
        row.innerHTML =
          `<span class="mnist-demo-digit">${digit}</span>` +
          '<span class="mnist-demo-bar"><span class="mnist-demo-fill"></span></span>' +
          '<span class="mnist-demo-value">0.0%</span>';
        bars.append(row);
      }
    }
    const maps = $(".mnist-demo-maps");
    for (let c = 0; c < 32; c++) {
      const canvas = document.createElement("canvas");
      canvas.className = "mnist-demo-map";
      [canvas.width, canvas.height] = [SIZE, SIZE];
      canvas.title = `feature map ${c}`; // numbered from 0, as PyTorch and section 6 do
      maps.append(canvas);
    }
    maps.setAttribute("role", "img");
    maps.setAttribute(
      "aria-label",
      `The 32 feature maps of the ConvNet's first layer, in ${data.colormap.name}`,
    );
  }

  // --- Start ---------------------------------------------------------------------------------
  // Nothing heavy loads with the page: the runtime (about 4 MB gzipped) and the two networks
  // come only when the reader presses Start or scrolls the demo into view, so that a reader who
  // never uses the demo does not pay for it, on a phone least of all.

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${url}`));
      document.head.append(script);
    });
  }

  async function start() {
    setStatus("Loading onnxruntime-web and the two networks...", "loading");
    await loadScript(root.dataset.runtime);
    if (typeof ort === "undefined") throw new Error("onnxruntime-web did not define ort");
    // One thread and no worker proxy: then the page needs no cross-origin isolation headers.
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    const folder = root.dataset.models;
    const response = await fetch(`${folder}demo.json`);
    if (!response.ok) throw new Error(`${folder}demo.json: HTTP ${response.status}`);
    const loaded = await response.json();
    for (const name of NETS) {
      sessions[name] = await ort.InferenceSession.create(`${folder}${loaded.models[name]}`);
    }
    data = loaded;
    buildOutputs();
    addSampleButtons();
    setStatus("Ready: both networks run in your browser.", "ready");
    if (drawingStarted) {
      update(); // the reader drew while the networks loaded: keep the drawing
    } else {
      // Start on the 7, the digit of the shift experiment in the text.
      selectSample(Math.max(0, data.samples.findIndex((sample) => sample.label === 7)));
    }
  }

  let started = false;
  function startOnce() {
    if (started) return;
    started = true;
    observer.disconnect();
    startButton.hidden = true;
    start().catch((error) => {
      setStatus(`The demo could not start: ${error.message}`, "error");
      console.error(error);
    });
  }

  clearPad();
  const startButton = $(".mnist-demo-start");
  startButton.addEventListener("click", startOnce);
  // The drawing pad in view: the reader has reached the demo.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) startOnce();
  });
  observer.observe(pad);
  pad.addEventListener("pointerdown", startOnce);
})();
