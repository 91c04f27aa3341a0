// Every figure of a section opens full size, in its sharpest version (the srcset's largest
// density, "2.00x" as sphinx-gallery writes it), when clicked or activated with the keyboard.
document.addEventListener("DOMContentLoaded", () => {
  const figures = document.querySelectorAll("img.sphx-glr-single-img, img.sphx-glr-multi-img");
  for (const img of figures) {
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
