"""The block widget never freezes, never locks up, leaves no dead ends and is accessible (issue 16
§1-§3), in real Chromium against real Pyodide, on the fixture site tests/fixtures/blocks_site
(pages robustness.md and dropin.md, and the blocks of the other fixture pages)."""

from __future__ import annotations

import functools
import re
import time

import pytest

from tests.browser.test_runnable_blocks import (
    LOAD,
    assert_responsive,
    block,
    contrast,
    open_page,
    output,
    rgb,
    run,
    set_code,
    wait_done,
)
from tests.browser_support import QuietHandler, QuietServer, serve
from tests.support import ROOT, build_site

FIXTURE = ROOT / "tests" / "fixtures" / "blocks_site" / "mkdocs.yml"
LONGEST_TASK_MS = 250  # goal 100 ms (bench/figure_draw.py measures it); generous on a busy 2-core machine


class SlowHandler(QuietHandler):
    """Sends pyodide.asm.wasm at about 2 MB/s: a slow link that keeps receiving."""

    def copyfile(self, source, outputfile):
        if not self.path.endswith(".wasm"):
            return super().copyfile(source, outputfile)
        while chunk := source.read(64 * 1024):
            outputfile.write(chunk)
            time.sleep(0.032)


@pytest.fixture
def page(shared_page):
    """A tab in this module's shared browser profile (tests/browser/conftest.py)."""
    return shared_page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    dest = tmp_path_factory.mktemp("blocks_site")
    build_site(dest, config=FIXTURE)
    return dest


def _sitemap_for(dest, url):
    # Material's instant navigation only intercepts links listed in sitemap.xml, matched with the port.
    sitemap = dest / "sitemap.xml"
    sitemap.write_text(re.sub(r"http://127\.0\.0\.1(:\d+)?/", url + "/", sitemap.read_text()))


@pytest.fixture(scope="module")
def blocks_url(site):
    server, url = serve(site)
    _sitemap_for(site, url)
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def slow_url(site):
    import threading

    server = QuietServer(("127.0.0.1", 0), functools.partial(SlowHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()




def status(page, block_id):
    return block(page, block_id).locator(".pyodide-status").inner_text()


def run_code(page, block_id, code, timeout=LOAD):
    set_code(page, block_id, code)
    run(page, block_id)
    wait_done(page, block_id, timeout=timeout)
    return output(page, block_id)


# ---- §1 no freeze, no lock-up -------------------------------------------------------------------
def test_stop_while_python_is_loading_leaves_every_block_on_the_page_usable(page, blocks_url):
    open_page(page, blocks_url + "/")
    run(page, "hello")
    block(page, "hello").get_by_role("button", name="Stop").click()  # Python is still loading
    run(page, "attention")  # another block of the same session
    wait_done(page, "attention")
    assert block(page, "attention").locator("svg.pyodide-heatmap").count() == 1
    run(page, "double")
    wait_done(page, "double")
    assert "Another block" not in status(page, "double") and "checks pass" in status(page, "double")
    for block_id in ["hello", "uses-greeting", "attention", "double"]:
        assert block(page, block_id).get_by_role("button", name="Run", exact=True).is_enabled()


def test_a_huge_exception_message_is_capped_and_the_page_stays_responsive(page, blocks_url):
    open_page(page, blocks_url + "/robustness/")
    text = run_code(page, "scratch", "raise ValueError('x' * 10**7 + 'END')")
    assert "more characters not shown" in text and text.rstrip().endswith("xEND")
    assert len(text) < 250_000
    assert_responsive(page)


def test_forged_worker_messages_are_ignored(page, blocks_url):
    open_page(page, blocks_url + "/robustness/")
    text = run_code(page, "scratch", """import js
from pyodide.ffi import to_js
def post(message):
    js.postMessage(to_js(message, dict_converter=js.Object.fromEntries))
for run_id in range(0, 50):  # a done with a malformed result, for whichever run is current
    post({"type": "done", "runId": run_id, "result": {"ok": True, "error": None, "error_types": [],
                                                      "checks": [None]}})
    post({"type": "done", "runId": run_id, "result": {"ok": "yes"}})
post({"type": "event", "runId": 10**6, "kind": "stdout", "data": "FORGED for another run"})
post({"type": "input", "runId": 1, "prompt": "Session expired: enter your password"})
post({"type": "ready", "loadMs": -1})
print("after forging")""")
    assert "after forging" in text and "FORGED" not in text
    assert status(page, "scratch") == "Done."
    assert page.evaluate("window.__pyodideBlocks.loadMs.every((ms) => ms >= 0)")
    assert page.errors == []


def test_the_page_caps_text_and_html_that_skip_the_runtime(page, blocks_url):
    open_page(page, blocks_url + "/robustness/")
    text = run_code(page, "scratch", """import js
from pyodide.ffi import to_js
for run_id in range(1, 4):  # the first runs on a fresh page: this one is among them
    for kind, data in [("stdout", "y" * 1_000_000), ("html", "<p>" + "z" * 20_000_000 + "</p>")]:
        js.postMessage(to_js({"type": "event", "runId": run_id, "kind": kind, "data": data},
                             dict_converter=js.Object.fromEntries))
print("done forging")""", timeout=LOAD + 30_000)
    assert "more characters of output were not shown" in text
    assert len(text) < 250_000
    assert_responsive(page)


def test_a_dead_worker_is_detected_and_python_restarts(page, blocks_url):
    open_page(page, blocks_url + "/robustness/")
    run_code(page, "scratch", "import js\njs.close()")
    started = time.monotonic()
    text = run_code(page, "scratch", "print('alive again')")
    assert time.monotonic() - started < 20  # was: "Running…" for the whole 30 s time limit
    assert "Python had stopped working" in text and "alive again" in text
    assert "time limit" not in text


def test_deep_recursion_with_a_raised_limit_ends_as_a_recursion_error(page, blocks_url):
    open_page(page, blocks_url + "/robustness/")
    started = time.monotonic()
    text = run_code(page, "scratch",
                    "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)")
    assert time.monotonic() - started < 25
    assert "RecursionError" in text and "time limit" not in text
    assert "Maximum call stack size exceeded" not in text or "deeper than the browser's stack" in text


LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
  .observe({ type: "longtask", buffered: true });
"""


def longest_task_while(page, block_id, code, timeout=LOAD):
    set_code(page, block_id, code)
    page.evaluate("window.__longTasks = []")
    run(page, block_id)
    wait_done(page, block_id, timeout=timeout)
    page.wait_for_timeout(300)  # the frame after the last insert is laid out and painted
    return max(page.evaluate("window.__longTasks"), default=0)


def test_the_largest_heatmap_and_a_runs_figure_budget_draw_without_freezing(page, blocks_url):
    page.add_init_script(LONG_TASKS)
    open_page(page, blocks_url + "/robustness/")
    run_code(page, "scratch", "print('warm')")
    largest = longest_task_while(page, "scratch", """from course import heatmap, MAX_CELLS
n = int(MAX_CELLS ** 0.5)
heatmap([[(i * j) % 97 / 97 for j in range(n)] for i in range(n)], title="largest")""")
    assert block(page, "scratch").locator("svg.pyodide-heatmap image.pyodide-cells").count() == 1
    assert largest < LONGEST_TASK_MS, largest
    many = longest_task_while(page, "scratch", """from course import heatmap
for k in range(200):
    heatmap([[(i * j + k) % 10 for j in range(100)] for i in range(100)])""", timeout=LOAD + 60_000)
    assert many < LONGEST_TASK_MS, many
    text = output(page, "scratch")
    assert "more figures were not drawn: one run draws at most 100 figures" in text
    assert block(page, "scratch").locator("svg.pyodide-heatmap").count() == 100
    tables = longest_task_while(page, "scratch", "from course import table\nfor i in range(10_000):\n    table([[i]])")
    assert tables < LONGEST_TASK_MS, tables
    assert "9,900 more figures were not drawn" in output(page, "scratch")
    assert_responsive(page)


# ---- §2 no dead ends for drop-in readers --------------------------------------------------------
def test_a_later_block_runs_on_the_reference_solution_of_an_unsolved_exercise(page, blocks_url):
    open_page(page, blocks_url + "/dropin/")
    run(page, "uses-pairs")
    wait_done(page, "uses-pairs")
    text = output(page, "uses-pairs")
    assert "Exercise count-pairs isn't solved yet, so its reference solution ran so this block can use it" in text
    assert "most common: ('a', 'b')" in text
    assert status(page, "uses-pairs") == "Done."  # not stuck on "Loading Python…"


def test_an_official_solution_passes_its_checks_whatever_state_earlier_exercises_are_in(page, blocks_url):
    open_page(page, blocks_url + "/dropin/")
    run(page, "merge")  # the stub: its checks fail, and it stays in the interpreter
    wait_done(page, "merge")
    assert "0 of 1 checks pass" in status(page, "merge")
    assert "Exercise count-pairs isn't solved yet" in output(page, "merge")  # run first, on its solution
    solution = block(page, "train").locator("details.pyodide-solution code").text_content()
    set_code(page, "train", solution)
    run(page, "train")
    wait_done(page, "train")
    text = output(page, "train")
    assert "Exercise merge isn't solved yet, so its reference solution ran" in text
    assert status(page, "train") == "1 of 1 checks pass."
    assert block(page, "train").locator(".pyodide-pass").count() == 1


def test_an_earlier_block_that_raises_stops_the_chain_with_its_error_and_a_final_status(page, blocks_url):
    open_page(page, blocks_url + "/dropin/")
    run(page, "after-broken")
    wait_done(page, "after-broken")
    text = output(page, "after-broken")
    assert "Block broken-helper above raised an error, so this block was not run" in text
    assert "RuntimeError: this helper is broken" in text
    assert status(page, "after-broken") == "Not run: block broken-helper raised an error."


# ---- §3 accessible ------------------------------------------------------------------------------
BUTTON_FACTS = """root => {
    const probe = document.createElement('div');
    probe.style.background = 'var(--md-default-bg-color)';
    document.body.append(probe);
    const background = getComputedStyle(probe).backgroundColor;
    probe.remove();
    return { background, buttons: [...root.querySelectorAll('.pyodide-toolbar button:not([disabled])')]
        .map((b) => [b.textContent, getComputedStyle(b).color]) };
}"""


def test_block_buttons_have_aa_contrast_in_light_and_dark(page, blocks_url):
    open_page(page, blocks_url + "/")
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement?.blur()")  # idle buttons (focused ones take Material's filled style)
    for scheme in ["default", "slate"]:
        page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
        page.wait_for_timeout(400)  # Material's buttons fade to a new colour (transition: color 125ms)
        facts = block(page, "hello").evaluate(BUTTON_FACTS)
        assert len(facts["buttons"]) == 4
        for name, colour in facts["buttons"]:
            ratio = contrast(rgb(colour), rgb(facts["background"]))
            assert ratio >= 4.5, (scheme, name, colour, facts["background"], ratio)


def test_escape_then_tab_reaches_stop_while_a_block_runs(page, blocks_url):
    open_page(page, blocks_url + "/edge/")
    page.locator("#pyodide-loop .CodeMirror").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "document.querySelector('#pyodide-loop .pyodide-status').textContent === 'Running…'", timeout=LOAD)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Stop"
    page.keyboard.press("Enter")
    assert "Python was restarted" in output(page, "loop")
    assert "while True:\n    pass" == page.evaluate(
        "document.querySelector('#pyodide-loop .CodeMirror').CodeMirror.getValue()")  # no newline typed


def test_the_editor_shows_where_the_focus_is(page, blocks_url):
    open_page(page, blocks_url + "/")
    editor = block(page, "hello").locator(".CodeMirror")
    before = editor.evaluate("e => getComputedStyle(e).outlineStyle")
    editor.click()
    after = editor.evaluate("e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]")
    assert before == "none" and after[0] != "none" and after[1] >= 2


def test_output_is_not_a_live_region_and_a_summary_is_announced(page, blocks_url):
    open_page(page, blocks_url + "/")
    out = block(page, "double").locator(".pyodide-output")
    assert out.get_attribute("aria-live") is None and out.get_attribute("role") is None
    run(page, "double")
    wait_done(page, "double")
    live = block(page, "double").locator("[aria-live=polite]")
    assert live.count() == 1
    assert live.inner_text() == "Block double ran, 0 lines of output, 0 of 1 check passed."
    set_code(page, "hello", "for i in range(3):\n    print(i)")
    run(page, "hello")
    wait_done(page, "hello")
    assert block(page, "hello").locator("[aria-live=polite]").inner_text() == "Block hello ran, 3 lines of output."


def test_checks_have_no_stray_bullets(page, blocks_url):
    open_page(page, blocks_url + "/")
    run(page, "double")
    wait_done(page, "double")
    item = block(page, "double").locator(".pyodide-checks li").first
    assert item.evaluate("e => getComputedStyle(e).listStyleType") == "none"


def test_storage_full_is_said_once_and_the_blocks_keep_working(browser, blocks_url):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("""Storage.prototype.setItem = function () {
        throw new DOMException('the quota has been exceeded', 'QuotaExceededError'); };""")
    try:
        open_page(page, blocks_url + "/")
        set_code(page, "hello", "print('edited while storage is full')")
        page.wait_for_timeout(600)  # edits are saved after a short pause
        assert "could not be saved in this browser" in status(page, "hello")
        set_code(page, "uses-greeting", "print('another edit')")
        page.wait_for_timeout(600)
        assert "could not be saved" not in status(page, "uses-greeting")  # said once per page
        run(page, "hello")
        wait_done(page, "hello")
        assert "edited while storage is full" in output(page, "hello")
    finally:
        context.close()


def test_storage_blocked_still_lets_blocks_run_and_undo(browser, blocks_url):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("""Object.defineProperty(window, 'localStorage', {
        get() { throw new DOMException('blocked', 'SecurityError'); } });""")
    try:
        page.goto(blocks_url + "/")
        page.wait_for_selector("html.pyodide-ready")
        set_code(page, "hello", "print('edited while storage is blocked')")
        page.wait_for_timeout(600)
        assert "could not be saved in this browser" in status(page, "hello")
        run(page, "hello")
        wait_done(page, "hello")
        assert "edited while storage is blocked" in output(page, "hello")
        block(page, "hello").get_by_role("button", name="Undo my edits").click()
        assert "greeting = " in block(page, "hello").locator(".CodeMirror").inner_text()
    finally:
        context.close()


def test_a_slow_network_shows_progress_and_a_load_still_receiving_is_not_failed(browser, slow_url):
    context = browser.new_context()  # empty caches: the wasm comes over the slow link
    page = context.new_page()
    # a 3 s load limit, far below the ~5 s the wasm takes to arrive
    page.route(re.compile(r".*/$"), lambda route: route.fulfill(
        response=(r := route.fetch()), body=r.text().replace('"load_timeout": 120', '"load_timeout": 3')))
    try:
        open_page(page, slow_url + "/")
        run(page, "hello")
        page.wait_for_function("/Loading Python.*\\d+\\.\\d( of \\d+\\.\\d)? MB/.test("
                               "document.querySelector('#pyodide-hello .pyodide-status').textContent)", timeout=LOAD)
        assert block(page, "hello").locator("progress.pyodide-progress").is_visible()
        wait_done(page, "hello")
        assert "hello from Python" in output(page, "hello")
        assert "could not be loaded" not in output(page, "hello")
        assert not block(page, "hello").locator("progress.pyodide-progress").is_visible()
    finally:
        context.close()
