"""Build-time pre-render of runnable blocks (CPython) and the `course` figures it draws."""

from __future__ import annotations

import os
import time

import pytest

from build_tools.blocks import prerender
from build_tools.blocks.page import PageBlockError, page_blocks
from tests.support import ROOT

DATA = ROOT / "docs" / "assets" / "data"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(prerender, "CACHE", tmp_path / "cache")


def render(page: str) -> dict[str, str]:
    return prerender.prerender_page(page_blocks(page, "p.md"), "p.md", DATA, max_output=100_000)


def test_blocks_run_in_page_order_sharing_names_and_output_is_escaped_text():
    out = render('```pyodide\nx = 20\n```\n\n```pyodide\nprint("<b>", x + 1)\n```\n')
    assert len(out) == 2 and out["block-1"] == ""  # no output, nothing shown
    assert '<pre class="pyodide-text pyodide-stdout">&lt;b&gt; 21\n</pre>' in out["block-2"]


def test_sessions_do_not_share_names():
    page = '```pyodide session="a"\nx = 1\n```\n\n```pyodide session="b"\nprint(x)\n```\n'
    with pytest.raises(PageBlockError, match=r'(?s)p\.md:5: block "block-2" raised an error at pre-render.*NameError'):
        render(page)


def test_figures_are_drawn_as_static_svg_and_tables_as_escaped_html():
    out = render('```pyodide\nfrom course import heatmap, lines, table\n'
                 'heatmap([[0, 1], [1, 0]], x_labels=["a", "<b>"], title="T")\n'
                 'lines({"train": [3, 2, 1]}, x_label="step")\ntable([["<i>", 1.5]], header=["k", "v"])\n```\n')
    html = out["block-1"]
    assert "data:image/png;base64," in html and "&lt;b&gt;" in html and "<figcaption>T</figcaption>" in html
    assert "<polyline" in html and ">train</text>" in html
    assert "<td>&lt;i&gt;</td><td>1.5</td>" in html


def test_unexpected_error_fails_with_file_line_and_traceback_but_raises_and_stubs_are_allowed():
    message = r'(?s)p\.md:3: block "block-1" raised an error.*raises="ZeroDivisionError".*division by zero'
    with pytest.raises(PageBlockError, match=message):
        render("# T\n\n```pyodide\n1 / 0\n```\n")
    shown = render('```pyodide raises="ZeroDivisionError"\n1 / 0\n```\n')["block-1"]
    assert "ZeroDivisionError: division by zero" in shown
    stub = ('```pyodide\nraise NotImplementedError\n# %% check\n@check("c")\ndef _():\n    assert False\n'
            "# %% solution\npass\n```\n")
    assert render(stub)["block-1"] == ""


def test_marked_raises_that_does_not_raise_is_an_error():
    with pytest.raises(PageBlockError, match='marked raises="ValueError" but ran without error'):
        render('```pyodide raises="ValueError"\nx = 1\n```\n')


def test_prerender_false_blocks_are_not_executed():
    assert render('```pyodide prerender="false"\nwhile True: pass\n```\n') == {}


def test_sessions_needing_a_package_the_build_lacks_are_not_prerendered():
    page = ('```pyodide session="np" packages="no-such-package-xyz"\nimport no_such_package_xyz\n```\n\n'
            '```pyodide session="np"\nprint(no_such_package_xyz)\n```\n\n```pyodide\nprint("plain")\n```\n')
    out = render(page)
    assert list(out) == ["block-3"] and "plain" in out["block-3"]


def test_results_are_cached_by_content(monkeypatch):
    page = '```pyodide\nprint("once")\n```\n'
    first = render(page)
    monkeypatch.setattr(prerender, "Driver", lambda *a: pytest.fail("re-executed despite the cache"))
    assert render(page) == first
    with pytest.raises(pytest.fail.Exception, match="re-executed"):
        render(page.replace("once", "twice"))


def test_solutions_are_not_applied_so_the_reader_sees_the_starting_codes_output():
    page = ('```pyodide\nprint("start")\n# %% check\n@check("c")\ndef _():\n    assert False\n'
            '# %% solution\nprint("solved")\n```\n')
    html = render(page)["block-1"]
    assert "start" in html and "solved" not in html


def test_a_looping_block_is_named_and_stopped_at_its_own_time_limit():
    page = ('```pyodide id="quick"\nx = 1\n```\n\n```pyodide id="spin" timeout="1"\nwhile True:\n    pass\n```\n\n'
            '```pyodide id="after"\nprint(x)\n```\n')
    started = time.monotonic()
    with pytest.raises(PageBlockError, match=r'p\.md:5: block "spin" ran past its time limit of 1 s at pre-render'):
        render(page)
    assert time.monotonic() - started < 10


def test_a_block_that_swallows_exceptions_is_still_stopped_at_its_limit():
    page = ('```pyodide id="stubborn" timeout="1"\nwhile True:\n    try:\n        while True: pass\n'
            '    except Exception:\n        pass\n```\n')
    with pytest.raises(PageBlockError, match=r'block "stubborn" ran past its time limit'):
        render(page)


def test_the_cache_key_follows_file_contents_not_modification_times(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "w.bin").write_bytes(b"weights")
    before = prerender.environment_key(data)
    os.utime(data / "w.bin", (1, 1))  # a fresh clone: same bytes, new times
    assert prerender.environment_key(data) == before
    (data / "w.bin").write_bytes(b"other weights")
    assert prerender.environment_key(data) != before


def test_a_page_starts_from_a_fresh_interpreters_state_whatever_was_built_before_it(tmp_path):
    """One driver serves the whole build: random's state and the recursion limit must not leak."""
    blocks = page_blocks('```pyodide\nimport random, sys\nprint(random.random(), sys.getrecursionlimit())\n```\n',
                         "a.md")
    leaky = page_blocks('```pyodide\nimport random, sys\nrandom.random(); sys.setrecursionlimit(5000)\n```\n', "b.md")
    run = prerender.Prerender(DATA, 100_000)
    try:
        run.submit("a.md", blocks)
        first = run.collect("a.md")["block-1"]
        run.submit("b.md", leaky)
        run.collect("b.md")
        for cached in prerender.CACHE.glob("*.json"):
            cached.unlink()  # run page a again in the same driver, not from the cache
        run.submit("a.md", blocks)
        assert run.collect("a.md")["block-1"] == first
    finally:
        run.close()

