// Lighthouse on many pages in one Node process and one Chromium, so that a run over the whole
// site costs one browser start instead of one per page (test_site_lighthouse.py calls this).
//
// usage: node lighthouse_run.mjs BASE_URL OUT.json PAGE...   (PAGE: a path under BASE_URL)
// Writes, per page and preset (mobile, desktop), the four category scores (0-100), the bytes
// transferred on open, the largest contentful paint and the failed audits of each category.
import fs from "node:fs";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const [base, out, ...pages] = process.argv.slice(2);
if (!base || !out || pages.length === 0) {
  console.error("usage: node lighthouse_run.mjs BASE_URL OUT.json PAGE...");
  process.exit(2);
}

// Lean settings, to keep a pass over every page short in CI: the four categories the budgets
// name; no full-page screenshot (it only feeds the HTML report); no blank page between runs;
// and shorter waits for a quiet network and CPU after load (1 s each by default): the site's
// pages are static, and what loads later is measured the same (the scores come from
// Lighthouse's simulation of the recorded requests and tasks, not from these waits).
const lean = {
  onlyCategories: CATEGORIES,
  disableFullPageScreenshot: true,
  skipAboutBlank: true,
  pauseAfterFcpMs: 250,
  pauseAfterLoadMs: 250,
  networkQuietThresholdMs: 250,
  cpuQuietThresholdMs: 250,
};
const presets = {
  mobile: { extends: "lighthouse:default", settings: lean },
  desktop: { ...desktopConfig, settings: { ...desktopConfig.settings, ...lean } },
};

function summary(lhr) {
  const scores = {};
  const failed = {};
  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    scores[id] = Math.round(100 * category.score);
    // Audits that cost points: score below 1 and not merely informative.
    failed[id] = category.auditRefs
      .filter((ref) => ref.weight > 0 || id !== "performance")
      .map((ref) => lhr.audits[ref.id])
      .filter((audit) => audit.score !== null && audit.score < 1)
      .map((audit) => `${audit.id}: ${audit.displayValue || audit.title}`);
  }
  return {
    scores,
    bytes: lhr.audits["total-byte-weight"].numericValue,
    lcp_ms: Math.round(lhr.audits["largest-contentful-paint"].numericValue),
    failed,
    runtime_error: lhr.runtimeError ? lhr.runtimeError.message : null,
  };
}

// PaintHolding off: headless Chromium under mobile emulation held the first frame of a page
// reached from another page of the same site for one or two whole seconds after the page was
// ready to paint (measured: the first paint of section 3 at 1.3-2.3 s with it, 0.4-0.6 s
// without; the main thread idle meanwhile). Lighthouse then counts every request made before
// that late paint as blocking it, and the simulated phone's first paint grows from 2.0 s to
// 2.9 s. It is a known artefact of headless runs (GoogleChrome/lighthouse#17148), not what a
// reader's browser does; the budgets are for the pages.
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH,
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-features=PaintHolding"],
});
const results = {};
try {
  // One run first whose result is dropped: the first page a fresh browser measures pays for its
  // cold start (in one pass, the first page's blocking time was 1,600 ms, its reruns 0-200 ms).
  const warmUp = { port: chrome.port, output: "json", logLevel: "error" };
  await lighthouse(`${base}/${pages[0]}`, warmUp, presets.mobile);
  for (const page of pages) {
    results[page] = {};
    for (const [preset, config] of Object.entries(presets)) {
      const started = Date.now();
      const flags = { port: chrome.port, output: "json", logLevel: "error" };
      const { lhr } = await lighthouse(`${base}/${page}`, flags, config);
      results[page][preset] = { ...summary(lhr), seconds: (Date.now() - started) / 1000 };
      const { scores } = results[page][preset];
      console.log(`${page} ${preset}: ${CATEGORIES.map((c) => `${c} ${scores[c]}`).join(", ")}`);
    }
  }
} finally {
  await chrome.kill();
}
fs.writeFileSync(out, JSON.stringify(results, null, 2));
