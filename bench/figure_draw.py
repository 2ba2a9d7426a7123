"""Figures in the browser: the longest main-thread task while the page draws them (issue 16 §1).

Goal: any figure the `course` API accepts draws in <= 100 ms of main-thread time. Uses the fixture
site tests/fixtures/blocks_site (its robustness page) in Debian's Chromium, served on 127.0.0.1, and
reports the longest task (PerformanceObserver "longtask"; a task under 50 ms is not reported, so 0
means every task was shorter) and the click-to-done time of each case:
- the largest allowed heatmap (course.MAX_CELLS cells, square);
- a run's figure budget (course.MAX_FIGURES_PER_RUN heatmaps of 100 x 100, asked for 200);
- 10,000 tables (the budget draws the first MAX_FIGURES_PER_RUN and counts the rest).

    .venv/bin/python bench/figure_draw.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "build_tools" / "blocks" / "runtime"))
import course  # noqa: E402

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.support import ROOT, build_site  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "blocks_site" / "mkdocs.yml"
SIDE = int(course.MAX_CELLS ** 0.5)
CASES = {
    f"largest heatmap ({SIDE}x{SIDE} = {SIDE * SIDE:,} cells)":
        f"from course import heatmap\nheatmap([[(i * j) % 97 / 97 for j in range({SIDE})] for i in range({SIDE})])",
    f"200 heatmaps of 100x100 (budget: {course.MAX_FIGURES_PER_RUN} drawn)":
        "from course import heatmap\nfor k in range(200):\n"
        "    heatmap([[(i * j + k) % 10 for j in range(100)] for i in range(100)])",
    f"10,000 tables (budget: {course.MAX_FIGURES_PER_RUN} drawn)":
        "from course import table\nfor i in range(10_000):\n    table([[i]])",
}
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
  .observe({ type: "longtask", buffered: true });
"""
RUN = """async (code) => {
  const root = document.querySelector('#pyodide-scratch');
  root.querySelector('.CodeMirror').CodeMirror.setValue(code);
  window.__longTasks = [];
  const started = performance.now();
  root.querySelector('.pyodide-toolbar button').click();
  await new Promise((r) => setTimeout(r, 20));
  while (root.classList.contains('pyodide-running')) await new Promise((r) => setTimeout(r, 5));
  const elapsed = performance.now() - started;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 200)));  // laid out and painted
  return { elapsed, longest: Math.max(0, ...window.__longTasks), tasks: window.__longTasks.length,
           figures: root.querySelectorAll('.pyodide-output figure, .pyodide-output .pyodide-table').length };
}"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build_site(Path(tmp), config=FIXTURE)
        server, url = serve(tmp)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.add_init_script(LONG_TASKS)
                page.goto(url + "/robustness/")
                page.wait_for_selector("html.pyodide-ready")
                page.evaluate(RUN, "print('warm')")  # Python loaded before anything is measured
                print(f"{'case':<48} {'longest task (ms)':>18} {'run (s)':>8} {'drawn':>6}")
                for name, code in CASES.items():
                    rows = [page.evaluate(RUN, code) for _ in range(args.repeat)]
                    longest = statistics.median(r["longest"] for r in rows)
                    worst = max(r["longest"] for r in rows)
                    elapsed = statistics.median(r["elapsed"] for r in rows) / 1000
                    print(f"{name:<48} {longest:>9.0f} (max {worst:>3.0f}) {elapsed:>8.1f} {rows[-1]['figures']:>6}")
                started = time.perf_counter()
                page.evaluate("1 + 1")
                print(f"page answers in {1000 * (time.perf_counter() - started):.0f} ms after the last case")
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
