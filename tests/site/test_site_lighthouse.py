"""Lighthouse budgets on every page of the built site, as a phone and a desktop see it.

Lighthouse is the pinned npm package of tests/site/package.json (``npm ci --prefix
tests/site``), run on Debian's Chromium by lighthouse_run.mjs: one Node process and one browser
for all pages. The site is served with gzip, as GitHub Pages serves it (gzip_server.py), so the
bytes and timings are the ones a reader gets. Budgets, per page and preset: performance >= 95
on desktop and >= 90 on mobile; accessibility, best practices and SEO 100.

Performance is measured with Lighthouse's simulated throttling, which models a slow phone from
the page's requests and main-thread work, but that work is still timed on this machine: on a
loaded CI runner a page can lose a few points (the blocking time of one page ranged from 0 to
250 ms over runs on an idle 2-core machine). A page that misses only its performance budget is
therefore measured again, up to RETRIES times, and its best score counts, as Lighthouse CI's
advice to judge on several runs; the report names these pages and their first score. The other
categories get no retry.

The report, ``lighthouse.json`` and ``lighthouse.md`` (scores, bytes, LCP per page and preset,
retries, the pass's wall time), is written beside the screenshots.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from gzip_server import serve
from site_helpers import ROOT
from test_site_browser import chromium_path, screenshots  # noqa: F401

pytestmark = [pytest.mark.site, pytest.mark.browser]

SITE_CHECKS = ROOT / "tests" / "site"
RUNNER = SITE_CHECKS / "lighthouse_run.mjs"
LIGHTHOUSE = SITE_CHECKS / "node_modules" / "lighthouse" / "package.json"
BUDGETS = {
    "mobile": {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100},
    "desktop": {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100},
}
RETRIES = 2
TIMEOUT_S = 3600  # a hung browser fails the check instead of holding CI


def run_lighthouse(base_url: str, pages: list[str], out: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: Lighthouse needs it (apt-get install nodejs npm)")
    if not LIGHTHOUSE.is_file():
        pytest.fail(f"Lighthouse is not installed ({LIGHTHOUSE}): run `npm ci --prefix tests/site`")
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    subprocess.run(
        [node, str(RUNNER), base_url, str(out), *pages], env=env, check=True, timeout=TIMEOUT_S
    )
    return json.loads(out.read_text(encoding="utf-8"))


def misses(result: dict, preset: str) -> list[str]:
    """The categories of one page's result that are under their budget."""
    if result["runtime_error"]:
        return [f"Lighthouse could not measure it: {result['runtime_error']}"]
    return [
        category
        for category, budget in BUDGETS[preset].items()
        if result["scores"][category] < budget
    ]


def table(results: dict) -> str:
    """The report as a Markdown table: one line per page, mobile then desktop."""
    lines = [
        "| page | preset | perf | a11y | best pr. | SEO | kB on open (gzip) | LCP ms | retried |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page, presets in results.items():
        for preset, r in presets.items():
            s = r["scores"]
            retried = f"yes (first {r['first_performance']})" if "first_performance" in r else ""
            lines.append(
                f"| {page} | {preset} | {s['performance']} | {s['accessibility']} | "
                f"{s['best-practices']} | {s['seo']} | {r['bytes'] / 1e3:.0f} | {r['lcp_ms']} | "
                f"{retried} |"
            )
    return "\n".join(lines) + "\n"


def test_every_page_meets_the_lighthouse_budgets(
    html_dir: Path,
    all_pages: list,
    screenshots: Path,  # noqa: F811
) -> None:
    pages = [page.path.relative_to(html_dir).as_posix() for page in all_pages]
    started = time.monotonic()
    with serve(html_dir) as base_url:
        results = run_lighthouse(base_url, pages, screenshots / "lighthouse-run.json")
        retried: list[str] = []
        for attempt in range(1, RETRIES + 1):
            slow = sorted(
                {
                    page
                    for page, presets in results.items()
                    for preset, r in presets.items()
                    if misses(r, preset) == ["performance"]
                }
            )
            if not slow:
                break
            retried += [page for page in slow if page not in retried]
            out = screenshots / f"lighthouse-retry-{attempt}.json"
            again = run_lighthouse(base_url, slow, out)
            for page in slow:  # the better performance score counts (see the docstring)
                for preset, r in again[page].items():
                    first = results[page][preset]
                    if r["scores"]["performance"] > first["scores"]["performance"]:
                        r["first_performance"] = first.get(
                            "first_performance", first["scores"]["performance"]
                        )
                        results[page][preset] = r
    wall_s = round(time.monotonic() - started)
    report = {"wall_seconds": wall_s, "retried_for_performance": retried, "pages": results}
    (screenshots / "lighthouse.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (screenshots / "lighthouse.md").write_text(
        f"Lighthouse on {len(pages)} pages, mobile and desktop, in {wall_s} s; "
        f"performance measured again on: {', '.join(retried) or 'none'}.\n\n{table(results)}",
        encoding="utf-8",
    )
    print(f"\nLighthouse: {len(pages)} pages x 2 presets in {wall_s} s; retried: {retried}")
    failures = [
        f"{page} ({preset}): "
        + ", ".join(f"{c} {r['scores'].get(c)} < {BUDGETS[preset].get(c)}" for c in missed)
        + f"; failed audits: {[a for c in missed for a in r['failed'].get(c, [])]}"
        for page, presets in results.items()
        for preset, r in presets.items()
        if (missed := misses(r, preset))
    ]
    assert not failures, "pages under their Lighthouse budgets:\n" + "\n".join(failures)
