"""Printing: Chromium's print-to-PDF of real pages, read back with pypdf.

Pages print without navigation or controls, long code wraps instead of being cut off, collapsed
blocks print expanded, and solutions print only when the reader asks for them.
"""

import io
import re

import pytest
from pypdf import PdfReader

LONG_TOKEN = "".join(f"{i:03d}" for i in range(120))  # 360 characters, no space to break at


def pdf_text(page) -> str:
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    return "\n".join(p.extract_text() for p in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def code_overflow(page) -> list[int]:
    """In print layout: for each code block, how far its text runs past the block's right edge."""
    page.emulate_media(media="print")
    try:
        return page.evaluate("""() => [...document.querySelectorAll('article pre')].map(pre => {
            const range = document.createRange();
            range.selectNodeContents(pre);
            const text = [...range.getClientRects()].reduce((m, r) => Math.max(m, r.right), 0);
            return Math.round(text - pre.getBoundingClientRect().right);
        })""")
    finally:
        page.emulate_media(media=None)


def test_page_prints_without_navigation_and_with_its_long_command_whole(page, site_url):
    page.goto(site_url + "/organizers/offline-venue/")
    command = page.locator("pre code", has_text="s.test(").inner_text().strip()
    assert len(command) > 200
    text = pdf_text(page)
    assert squash(command) in squash(text)
    assert "Offline at a venue" in text
    for chrome in ["Table of contents", "Skip to content", "Back to top", "Next meetup: spring"]:
        assert chrome not in text, f"{chrome!r} printed"
    assert max(code_overflow(page)) <= 1


def test_unbreakable_code_line_wraps_in_print_instead_of_being_cut_off(page, site_url, md):
    block = md(f'```python\nprint("{LONG_TOKEN}")\n```')
    page.goto(site_url + "/organizers/publish/")
    page.evaluate("html => document.querySelector('article').insertAdjacentHTML('beforeend', html)", block)
    overflow = code_overflow(page)
    assert max(overflow) <= 1, f"code runs {max(overflow)}px past its block when printed"
    assert LONG_TOKEN in squash(pdf_text(page))


def test_collapsed_notes_print_expanded_and_solutions_only_when_chosen(page, site_url):
    page.goto(site_url + "/organizers/run-a-meetup/")
    solution, notes = "Oneworkableplan", "Keepaprintedcopy"
    assert not page.get_by_text("One workable plan").is_visible()  # collapsed on screen
    text = squash(pdf_text(page))
    assert notes in text and solution not in text

    page.get_by_label("Include solutions when printing this page").check()
    assert solution in squash(pdf_text(page))
    page.reload()  # the choice is remembered
    assert page.get_by_label("Include solutions when printing this page").is_checked()
    assert solution in squash(pdf_text(page))


def test_section_page_prints_card_without_its_button(page, site_url):
    page.goto(site_url + "/governance/")
    sections = (page.locator(".track-progress").get_attribute("data-sections") or "").split()
    if not sections:
        pytest.fail("the governance track lists no section with a card")
    page.goto(f"{site_url}/{sections[0]}")
    page.locator(".section-card__done").wait_for()
    text = pdf_text(page)
    assert "You will" in text and "Mark as done" not in text


def test_runnable_block_prints_code_and_output_without_buttons(page, site_url, built_site):
    pages = [p for p in sorted(built_site.rglob("index.html")) if 'class="pyodide-block' in p.read_text()]
    if not pages:
        pytest.skip("no page of the site has a runnable block yet")
    path = pages[0].parent.relative_to(built_site).as_posix()
    page.goto(f"{site_url}/{path}/")
    block = page.locator(".pyodide-block").first
    block.wait_for()
    buttons = [b.strip() for b in block.locator("button").all_inner_texts() if b.strip()]
    code = block.locator(".CodeMirror-code pre, .pyodide-source pre").first.inner_text()  # editor or static
    first_line = next(line for line in code.splitlines() if line.strip())
    text = pdf_text(page)
    assert squash(first_line) in squash(text)
    page.emulate_media(media="print")
    try:
        assert all(not b.is_visible() for b in block.locator("button").all()), buttons
        assert max(code_overflow(page) or [0]) <= 1
    finally:
        page.emulate_media(media=None)


def test_printed_links_show_external_addresses_but_not_this_sites_own(page, site_url):
    # the links are in the page before site.js runs, as a page's own links are
    page.add_init_script("""document.addEventListener("DOMContentLoaded", () =>
        document.querySelector("article").insertAdjacentHTML("beforeend",
            `<p><a href="${location.origin}/events/">our events</a> and
             <a href="https://example.org/report">a report</a></p>`))""")
    page.goto(site_url + "/organizers/publish/")
    page.wait_for_selector("article a.same-site", state="attached")
    text = pdf_text(page)
    assert "a report <https://example.org/report>" in text
    assert "our events <" not in text and "our events and" in text
