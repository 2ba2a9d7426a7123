"""The governance calculators in real Chromium and real Pyodide, on the real built site."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
LOAD = 90_000  # ms: cold Pyodide start on a busy 2-core machine


def edit_and_run(page, base_url: str, path: str, block_id: str, old: str, new: str) -> str:
    """Open a page, replace `old` by `new` in a block's editor, press Run; return the new output."""
    page.goto(f"{base_url}/{path}")
    page.wait_for_selector("html.pyodide-ready")
    root = f"#pyodide-{block_id}"
    code = page.evaluate("sel => document.querySelector(sel + ' .CodeMirror').CodeMirror.getValue()", root)
    assert old in code, f"{path}: block '{block_id}' no longer contains {old!r}"
    page.evaluate("([sel, code]) => document.querySelector(sel + ' .CodeMirror').CodeMirror.setValue(code)",
                  [root, code.replace(old, new)])
    page.locator(root).get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function(
        """sel => { const r = document.querySelector(sel);
                    return !r.classList.contains('pyodide-running')
                           && r.querySelector('.pyodide-output').childElementCount > 0
                           && !r.querySelector('.pyodide-output .pyodide-prerendered'); }""",
        arg=root, timeout=LOAD)
    return page.locator(f"{root} .pyodide-output").inner_text()


def test_lowering_the_pause_threshold_tenfold_shrinks_the_smallest_cluster_tenfold(page, site_url):
    out = edit_and_run(page, site_url, "governance/05-pause/", "verification",
                       "threshold_flop = 1e26", "threshold_flop = 1e25")
    assert "1,626 chips" in out, out   # ceil(1e25 / (989e12 * 0.4 * 180 * 86400))
    assert not page.errors, page.errors


def test_a_negative_input_in_the_compute_calculator_gets_a_plain_language_message(page, site_url):
    out = edit_and_run(page, site_url, "governance/01-state-of-ai/", "compute",
                       "parameters = 405e9", "parameters = -405e9")
    assert "parameters = -4.05 × 10^11 is not sensible" in out, out
    assert "Traceback" not in out and "File " not in out, f"the reader sees the message alone: {out}"
