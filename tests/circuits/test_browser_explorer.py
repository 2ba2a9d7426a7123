"""The explorer of section 5 in real Chromium and Pyodide: a reader types a sequence, runs one block,
and sees the truncation warning, the scores table and an attention heatmap labelled position:token."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
LOAD = 180_000  # ms: Pyodide's first load, then the block


def test_explorer_warns_when_the_sequence_is_cut_and_labels_the_heatmap_with_tokens(page, site_url):
    page.goto(site_url + "/circuits/05-take-it-apart/")
    page.wait_for_selector("html.pyodide-ready")
    block = page.locator("#pyodide-explorer")
    assert block.locator(".pyodide-output svg.pyodide-heatmap").count() >= 1, "pre-rendered explorer output"
    sequence = " ".join(["0"] + [str(1 + i % 60) for i in range(52)])   # 53 tokens: 5 past the context
    code = (f'from circuits_explorer import explore\n\nsequence = "{sequence}"\nheads = "0.3"\n'
            'explore(sequence, heads)\n')
    page.evaluate("code => document.querySelector('#pyodide-explorer .CodeMirror').CodeMirror.setValue(code)", code)
    block.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function(
        """() => { const r = document.querySelector('#pyodide-explorer');
                   return !r.classList.contains('pyodide-running')
                          && r.querySelector('.pyodide-output').childElementCount > 0
                          && !r.querySelector('.pyodide-output .pyodide-prerendered'); }""", timeout=LOAD)
    text = block.locator(".pyodide-output").inner_text()
    assert "53 tokens is longer than the model's context of 48 positions" in text, text[:500]
    assert "Scores of every head on this sequence" in text
    labels = block.locator(".pyodide-output svg.pyodide-heatmap").last.locator("text").all_text_contents()
    axis = [x for x in labels if ":" in x]  # position:token, thinned to every n-th where crowded
    assert "0:0" in axis and all(x.split(":")[0].isdigit() and x.split(":")[1].isdigit() for x in axis), labels[:10]
    assert not page.errors, page.errors
