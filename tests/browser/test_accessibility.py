"""axe-core (node_modules/axe-core, pinned in package.json) on every page of the built site, in the
light and the dark scheme: no violation of impact "serious" or "critical" (WCAG 2.2 AA and axe's
best practices). Moderate and minor findings are not failures.

Material's palette follows prefers-color-scheme, so each scheme is one browser context with that
colour scheme. Pages are checked two at a time (one tab loads while the other runs axe), so both
schemes take about two minutes on two cores. A failure lists each rule once, with its impact, the
pages it fails on and a few target selectors; findings inside the runnable-block widget
(build_tools/blocks/web/) are listed under their own heading, so whoever fixes them knows where.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from tests.support import ROOT

AXE = ROOT / "node_modules/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}
WIDGET = ".pyodide-block"  # the runnable-block widget's root (build_tools/blocks/web/)
TABS = 2  # pages in flight at once: one loads while the other runs axe
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's data-md-color-scheme

# Runs axe on the page and keeps only what a report needs; each node says whether it lies inside
# the widget. The promise is stored so that the test can load the next page meanwhile.
START_AXE = """(widget) => {
  window.__axeResult = axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => {
      let el = null;
      try { el = n.target.length === 1 ? document.querySelector(n.target[0]) : null; } catch (e) { /* odd selector */ }
      return { target: n.target.join(" >>> "), widget: !!(el && el.closest(widget)),
               why: (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim() };
    }),
  })));
}"""

# Editors are mounted, and formulas typeset, a few per task after load (page.js, math.js): check
# the page once both are done, as the reader sees it.
READY = """() => (!document.querySelector('.pyodide-block')
                || document.documentElement.classList.contains('pyodide-ready'))
  && [...document.querySelectorAll('.arithmatex')].every((m) => m.querySelector('.katex, .katex-error'))"""


def site_pages(site: Path) -> list[str]:
    """Every page of the built site (nav pages, events, news posts and archives), as URL paths;
    redirect stubs (mkdocs-redirects) are left out."""
    pages = []
    for index in sorted(site.rglob("index.html")):
        if 'http-equiv="refresh"' in index.read_text(encoding="utf-8")[:2000]:
            continue
        rel = index.parent.relative_to(site).as_posix()
        pages.append("/" if rel == "." else f"/{rel}/")
    return pages


def test_site_pages_cover_nav_events_and_news_but_not_redirects(built_site):
    pages = site_pages(built_site)
    for expected in ["/", "/gpt2/01-tokenization/", "/notebooks/gpt2/01_model/", "/events/", "/news/",
                     "/governance/handouts/glossary/"]:
        assert expected in pages
    assert any(p.startswith("/events/20") for p in pages) and any(p.startswith("/news/20") for p in pages)
    assert "/workshops/" not in pages  # a redirect to /events/
    assert len(pages) >= 50


def scan(context, site_url: str, pages: list[str], scheme: str, math_errors: dict) -> dict[str, list]:
    """axe violations of each page, TABS pages in flight at once; formulas KaTeX could not render
    go into `math_errors` (page -> messages)."""
    tabs = [context.new_page() for _ in range(TABS)]
    pending = [None] * TABS
    results = {}

    def collect(i):
        if pending[i] is not None:
            results[pending[i]] = tabs[i].evaluate("() => window.__axeResult")
            pending[i] = None

    for n, path in enumerate(pages):
        i = n % TABS
        collect(i)
        tab = tabs[i]
        tab.goto(site_url + path)
        tab.wait_for_function(READY)
        actual = tab.evaluate("() => document.body.getAttribute('data-md-color-scheme')")
        assert actual == SCHEMES[scheme], f"{path}: expected the {scheme} scheme, page shows {actual}"
        broken = tab.evaluate("() => [...document.querySelectorAll('.katex-error')].map((e) => e.title)")
        if broken:
            math_errors[path] = broken
        tab.add_script_tag(path=str(AXE))
        tab.evaluate(START_AXE, WIDGET)
        pending[i] = path
    for i in range(TABS):
        collect(i)
    return results


def report(results: dict[str, list], scheme: str) -> str:
    """The blocking violations, one paragraph per rule; widget findings in a section of their own."""
    grouped = {widget: defaultdict(lambda: {"pages": [], "examples": [], "help": ""}) for widget in (False, True)}
    for path, violations in results.items():
        for v in violations:
            if v["impact"] not in BLOCKING:
                continue
            for widget in (False, True):
                nodes = [n for n in v["nodes"] if n["widget"] == widget]
                if not nodes:
                    continue
                entry = grouped[widget][(v["id"], v["impact"])]
                entry["pages"].append(f"{path} ({len(nodes)})")
                entry["help"] = v["help"]
                for node in nodes:  # a few examples, with different reasons where there are
                    whys = [why for _, why in entry["examples"]]
                    if len(entry["examples"]) < 4 and node["why"] not in whys:
                        entry["examples"].append((f"{node['target']}  [{path}]", node["why"]))
    lines = []
    for widget, title in [(False, "Site, theme and notebook pages"),
                          (True, f"Runnable-block widget ({WIDGET}, build_tools/blocks/web/)")]:
        if not grouped[widget]:
            continue
        lines.append(f"== {title}, {scheme} scheme ==")
        for (rule, impact), entry in sorted(grouped[widget].items()):
            pages = entry["pages"]
            shown = ", ".join(pages[:6]) + (f" and {len(pages) - 6} more" if len(pages) > 6 else "")
            lines.append(f"- {rule} ({impact}): {entry['help']}")
            lines.append(f"    pages (nodes): {shown}")
            for target, why in entry["examples"]:
                lines.append(f"    {target}" + (f"\n      {why}" if why else ""))
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_page_has_no_serious_or_critical_axe_violations(browser, built_site, site_url, scheme):
    assert AXE.is_file(), "axe-core is missing: run `npm ci`"
    context = browser.new_context(color_scheme=scheme)
    math_errors = {}
    try:
        results = scan(context, site_url, site_pages(built_site), scheme, math_errors)
    finally:
        context.close()
    problems = report(results, scheme)
    assert not problems, f"axe-core found serious or critical violations:\n{problems}"
    assert not math_errors, f"formulas KaTeX could not render: {math_errors}"
