// Every figure of a section opens full size, in its sharpest version (the srcset's largest
// density, "2.00x" as sphinx-gallery writes it), when clicked or activated with the keyboard.
//
// On a narrow screen a wide figure would shrink until its text is too small to read. The build
// classes each figure with its smallest text at natural size ("figure-text-N", N in tenths of
// a pixel, docs/_ext/figure_text.py): the figure keeps at least the width at which that text is
// PHONE_TEXT_PX tall, and its box scrolls sideways instead (tutorial.css).
const PHONE_TEXT_PX = 6;

function keepTextReadable(img) {
  const match = img.className.match(/\bfigure-text-(\d+)\b/);
  if (!match || !img.naturalWidth) return;
  const smallest = Number(match[1]) / 10; // px at natural width
  img.style.minWidth = `${Math.ceil((img.naturalWidth * PHONE_TEXT_PX) / smallest)}px`;
}

document.addEventListener("DOMContentLoaded", () => {
  const figures = document.querySelectorAll("img.sphx-glr-single-img, img.sphx-glr-multi-img");
  for (const img of figures) {
    if (img.complete) keepTextReadable(img);
    else img.addEventListener("load", () => keepTextReadable(img), { once: true });
    if (img.closest("a")) continue;
    const candidates = (img.getAttribute("srcset") || "")
      .split(",")
      .map((entry) => entry.trim().split(/\s+/))
      .filter(([url]) => url)
      .map(([url, density]) => [url, parseFloat(density || "1")]);
    candidates.sort((a, b) => b[1] - a[1]);
    const sharpest = candidates.length ? candidates[0][0] : null;
    const link = document.createElement("a");
    link.href = sharpest ? new URL(sharpest, img.baseURI).href : img.currentSrc || img.src;
    link.className = "figure-full-size";
    link.title = "Open the figure full size";
    img.replaceWith(link);
    link.appendChild(img);
  }
});
