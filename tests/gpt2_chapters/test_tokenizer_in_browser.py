"""Section 1's GPT-2 tokenizer exercise in real Chromium + Pyodide: the 835 kB ranks file and the
test cases are fetched from the built site, and the published solution passes every check."""

from __future__ import annotations

import ast

import pytest

from tests.gpt2_chapters import make_tokenizer_cases
from tests.gpt2_chapters.blocks import chapter_blocks

pytestmark = pytest.mark.browser
LOAD_MS = 120_000  # cold Pyodide start plus the ranks file, on a busy 2-core machine


def run_block(page, block_id: str, code: str | None = None) -> str:
    root = page.locator(f"#pyodide-{block_id}")
    root.scroll_into_view_if_needed()
    if code is not None:
        page.evaluate("([id, code]) => document.querySelector(`#pyodide-${id} .CodeMirror`)"
                      ".CodeMirror.setValue(code)", [block_id, code])
    root.get_by_role("button", name="Run", exact=True).click()
    # The status line ends as "Done.", "N of M checks pass." or an error.
    page.wait_for_function(
        "id => /Done|check|rror|Stop/.test("
        "document.querySelector(`#pyodide-${id} .pyodide-status`).innerText)",
        arg=block_id, timeout=LOAD_MS)
    return root.locator(".pyodide-output").inner_text()


def example_text(code: str) -> str:
    """The string the block assigns to `text` (read from its source, not copied here)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["text"]:
            return ast.literal_eval(node.value)
    raise AssertionError("the gpt2-tokenizer block no longer assigns `text`")


def test_published_gpt2_encoder_passes_its_checks_and_tokenizes_like_tiktoken_in_the_browser(page, site_url):
    pytest.importorskip("tiktoken")
    blocks = {b.id: b.block for b in chapter_blocks("01-tokenization.md")}

    page.goto(f"{site_url}/gpt2/01-tokenization/")
    page.wait_for_selector("html.pyodide-ready")
    checks = run_block(page, "bpe-ranks", blocks["bpe-ranks"].solution)
    assert checks.count("✓ Pass") == 3 and "✗ Fail" not in checks, checks

    shown = run_block(page, "gpt2-tokenizer")
    text = example_text(blocks["gpt2-tokenizer"].code)
    n_tokens = len(make_tokenizer_cases.r50k_base().encode_ordinary(text))
    assert f"{len(text)} characters -> {n_tokens} tokens" in shown, shown
    assert not page.errors, page.errors
