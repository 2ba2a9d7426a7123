"""Runnable blocks in the browser: bytes before the first Run, cold and warm run latency.

Uses the fixture site tests/fixtures/blocks_site (4 blocks on its home page, prefetch off) in
Debian's Chromium, served on 127.0.0.1:
- bytes transferred by the page before the first Run, and by the same page built without our
  hooks, fence and assets;
- click -> first output, cold (empty browser cache), and its ratio to Pyodide's own loadPyodide()
  time measured inside the same worker (goal <= 1.1x);
- warm: click -> first output of a trivial block, median of N runs (goal <= 50 ms);
- first Run after instant navigation: once Python has loaded in the tab, Material swaps in another
  page with blocks and the reader clicks Run there (goal <= 200 ms: a spare interpreter is kept).

    .venv/bin/python bench/page_load.py [--warm-runs 20]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.support import ROOT, build_site  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "blocks_site"

CLICK_TO_OUTPUT = """async (id) => {
  const root = document.querySelector('#pyodide-' + id);
  const out = root.querySelector('.pyodide-output');
  const started = performance.now();
  const seen = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (out.querySelector('pre.pyodide-text')) { observer.disconnect(); resolve(); }
    });
    observer.observe(out, {childList: true, subtree: true});
  });
  root.querySelector('.pyodide-toolbar button').click();
  await seen;
  const elapsed = performance.now() - started;
  while (root.classList.contains('pyodide-running')) await new Promise((r) => setTimeout(r, 5));
  return elapsed;
}"""


def plain_config() -> Path:
    """The fixture's config without our hooks, custom fence and assets (```pyodide is plain code)."""
    config = yaml.safe_load((FIXTURE / "mkdocs.yml").read_text().replace("!!python/name:", ""))
    path = FIXTURE / ".bench-plain.yml"
    path.write_text(yaml.dump({"INHERIT": "mkdocs.yml", "hooks": [], "extra_css": [], "extra_javascript": [],
                               "markdown_extensions": [e for e in config["markdown_extensions"]
                                                       if not (isinstance(e, dict) and "pymdownx.superfences" in e)]
                               + ["pymdownx.superfences"]}))
    return path


def page_bytes(browser, url: str, root: Path) -> tuple[int, int]:
    """(bytes as served here, uncompressed; the same files gzip-compressed, as most static hosts send them)."""
    context = browser.new_context()
    page = context.new_page()
    sizes, paths = [], []
    page.on(
        "requestfinished",
        lambda r: (
            sizes.append(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]),
            paths.append(urlparse(r.url).path),
        ),
    )
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    context.close()
    files = [root / p.lstrip("/") for p in paths]
    files = [f / "index.html" if f.is_dir() else f for f in files]
    return sum(sizes), sum(len(gzip.compress(f.read_bytes())) for f in files if f.is_file())


AFTER_NAVIGATION = """async () => {
  const root = document.querySelector('#pyodide-xss');
  const started = performance.now();
  root.querySelector('.pyodide-toolbar button').click();
  while (!root.querySelector('.pyodide-output').textContent.includes('<img src=x'))
    await new Promise((r) => setTimeout(r, 2));
  return performance.now() - started;
}"""


def first_run_after_navigation(browser, url: str) -> float:
    """ms from click to output on a page reached by instant navigation, Python loaded in the tab before."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("html.pyodide-ready")
    page.wait_for_load_state("networkidle")  # Material reads sitemap.xml before it intercepts links
    page.evaluate(CLICK_TO_OUTPUT, "hello")
    page.wait_for_timeout(8000)  # the reader reads on; the page is idle (a spare interpreter may start)
    page.evaluate("window.__sameDocument = true")
    page.locator("a.md-nav__link[href$='edge/']").first.click()
    page.wait_for_selector("#pyodide-xss .pyodide-toolbar")
    assert page.evaluate("window.__sameDocument"), "instant navigation did not swap the page in place"
    ms = page.evaluate(AFTER_NAVIGATION)
    context.close()
    return ms


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warm-runs", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as bare:
        build_site(Path(ours), config=FIXTURE / "mkdocs.yml")
        plain = plain_config()
        try:
            build_site(Path(bare), config=plain)
        finally:
            plain.unlink()
        server, url = serve(ours)
        sitemap = Path(ours) / "sitemap.xml"  # instant navigation only intercepts links listed there
        sitemap.write_text(sitemap.read_text().replace("http://127.0.0.1/", url + "/"))
        bare_server, bare_url = serve(bare)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            (with_blocks, with_gz), (without, without_gz) = (
                page_bytes(browser, url + "/", Path(ours)),
                page_bytes(browser, bare_url + "/", Path(bare)),
            )
            print(f"bytes before first Run: {with_blocks / 1024:8.1f} KiB  (same page without our assets: "
                  f"{without / 1024:.1f} KiB; ours add {(with_blocks - without) / 1024:.1f} KiB)")
            print(f"  gzip-compressed:      {with_gz / 1024:8.1f} KiB  "
                  f"(without our assets: {without_gz / 1024:.1f} KiB; "
                  f"ours add {(with_gz - without_gz) / 1024:.1f} KiB)")
            colds, ratios = [], []
            for _ in range(args.cold_runs):
                context = browser.new_context()
                page = context.new_page()
                page.goto(url + "/")
                page.wait_for_selector("html.pyodide-ready")
                cold = page.evaluate(CLICK_TO_OUTPUT, "hello")
                load = page.evaluate("window.__pyodideBlocks.loadMs[0]")
                colds.append(cold)
                ratios.append(cold / load)
                warm = [page.evaluate(CLICK_TO_OUTPUT, "hello") for _ in range(args.warm_runs)]
                context.close()
            print(f"cold click -> first output: {statistics.median(colds) / 1000:6.2f} s (median of {args.cold_runs}); "
                  f"loadPyodide alone in the same worker: {load / 1000:.2f} s; ratio {statistics.median(ratios):.2f}x "
                  "(goal <= 1.1x)")
            print(f"warm click -> first output: {statistics.median(warm):6.1f} ms median, "
                  f"{max(warm):.1f} ms max of {args.warm_runs} (goal <= 50 ms)")
            navs = [first_run_after_navigation(browser, url) for _ in range(args.cold_runs)]
            print(f"first Run after instant navigation: {statistics.median(navs):6.1f} ms median, "
                  f"{max(navs):.1f} ms max of {args.cold_runs} (goal <= 200 ms)")
            browser.close()
        server.shutdown()
        bare_server.shutdown()


if __name__ == "__main__":
    main()
