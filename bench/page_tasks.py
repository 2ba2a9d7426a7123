"""Main-thread work while each page of the course site loads (goal: no task over 200 ms on any page).

Builds the site (or takes a built one), serves it on 127.0.0.1 and opens every page in Debian's
Chromium with a fresh context and an empty cache. For each page it records, from load until the
page has been quiet for a second, the Long Tasks the browser reports (tasks over 50 ms): the
longest, their count, and the total blocking time (the sum of each task's time over 50 ms). Prefetch
is left as configured; no block is run.

    .venv/bin/python bench/page_tasks.py [--site DIR] [--rounds 1] [--top 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.support import build_site  # noqa: E402

GOAL_MS = 200
OBSERVE = """() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push(e.duration);
  }).observe({type: "longtask", buffered: true});
}"""
QUIET = """async () => {
  let seen = -1;
  while (window.__longTasks.length !== seen) {  // a second with no new long task
    seen = window.__longTasks.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return window.__longTasks;
}"""


def pages(site: Path) -> list[str]:
    """Every content page (skips redirects, the 404 page and feeds)."""
    out = []
    for path in sorted(site.rglob("index.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if 'http-equiv="refresh"' in text:
            continue
        out.append(path.parent.relative_to(site).as_posix() + "/" if path.parent != site else "")
    return out


def measure(site: Path, rounds: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    server, url = serve(site.parent)
    prefix = site.name
    results: dict[str, list[float]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(rounds):
                for page_path in pages(site):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.add_init_script(f"({OBSERVE})()")
                    page.goto(f"{url}/{prefix}/{page_path}", wait_until="load")
                    tasks = page.evaluate(QUIET)
                    results.setdefault(page_path or "(home)", []).append(max(tasks, default=0.0))
                    results.setdefault("tbt:" + (page_path or "(home)"), []).append(sum(t - 50 for t in tasks))
                    context.close()
            browser.close()
    finally:
        server.shutdown()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site folder (default: build one now)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "ai-safety-course"
            build_site(site)
        results = measure(site.resolve(), args.rounds)
    longest = {page: statistics.median(v) for page, v in results.items() if not page.startswith("tbt:")}
    print(f"{len(longest)} pages, {args.rounds} round(s), Chromium headless, longest main-thread task while loading:")
    for page, ms in sorted(longest.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {ms:7.0f} ms  (blocking {statistics.median(results['tbt:' + page]):6.0f} ms)  {page}")
    worst = max(longest.values(), default=0.0)
    print(f"worst page: {worst:.0f} ms (goal <= {GOAL_MS} ms): {'met' if worst <= GOAL_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
