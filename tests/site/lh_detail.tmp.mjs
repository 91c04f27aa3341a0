import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
const [url, ...ids] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({chromePath: "/usr/bin/chromium", chromeFlags: ["--headless=new","--no-sandbox","--disable-features=PaintHolding"]});
const {lhr} = await lighthouse(url, {port: chrome.port, logLevel: "error"}, {extends: "lighthouse:default", settings: {onlyCategories: ["performance","accessibility","best-practices","seo"], disableFullPageScreenshot: true}});
await chrome.kill();
for (const id of ["first-contentful-paint","largest-contentful-paint","total-blocking-time","speed-index","cumulative-layout-shift"]) console.log(id, lhr.audits[id].displayValue, lhr.audits[id].score);
for (const c of Object.values(lhr.categories)) console.log(c.id, Math.round(100*c.score));
for (const id of ids) {
  const a = lhr.audits[id]; if (!a) continue;
  console.log("==", id, a.score, a.displayValue||"");
  for (const item of (a.details?.items||[]).slice(0,25)) console.log("  ", JSON.stringify(item.node ? {s: item.node.selector, snip: item.node.snippet, e: item.node.explanation} : item).slice(0,400));
}
