"""The circuits chapters: section cards, quoted numbers from results.json, and their runnable blocks."""

from __future__ import annotations

import re

import pytest

from tests.circuits.circuits_src import PAGES, results
from tests.support import ROOT

# A number quoted in prose is written **value**{: data-result="key" } and must equal results.json.
QUOTED = re.compile(r'\*\*([^*]+)\*\*\{:\s*data-result="([a-z0-9_]+)"\s*\}')


def test_every_chapter_has_a_section_card_and_learning_goals():
    assert len(PAGES) == 6
    for page in PAGES:
        text = page.read_text()
        assert text.startswith("---\n"), page.name
        card = text.split("---\n")[1]
        for key in ("time:", "prerequisites:", "you_will:", "drop_in:"):
            assert key in card, f"{page.name}: section card lacks {key}"
        assert "Learning goals" in text, page.name


def test_numbers_quoted_in_prose_match_results_json():
    r = results()
    quoted = [(page.name, value, key) for page in PAGES for value, key in QUOTED.findall(page.read_text())]
    assert quoted, "chapter 4 quotes the phase-change step from results.json"
    for page, value, key in quoted:
        expected = r[key]
        shown = f"{expected:.2f}" if isinstance(expected, float) else f"{expected:,}"
        assert value == shown, f"{page}: quotes {key} as {value}, results.json says {shown}"


def test_the_track_index_lists_its_chapters_through_the_generated_drop_in_map():
    """The map is built from nav order and each chapter's card (tests/unit/test_cards.py), so the
    index keeps no hand-written chapter table that could drift."""
    index = (ROOT / "docs" / "circuits" / "index.md").read_text()
    assert re.search(r"^<!-- drop-in-map -->$", index, flags=re.M)
    assert not re.findall(r"^\| \[[^]]+\]\(0\d-[^)]+\.md\)", index, flags=re.M)


def test_every_browser_chapter_has_runnable_blocks_and_an_exercise():
    for page in PAGES:
        text = page.read_text()
        assert "```pyodide" in text and "# %% check" in text and "# %% solution" in text, page.name


@pytest.mark.parametrize("page", [p.name for p in PAGES])
def test_chapter_blocks_run_and_exercises_pass_with_solutions_under_cpython(page):
    """Fast CPython pass over the page (the site-wide suite also runs them in Node-Pyodide)."""
    from build_tools.blocks.check import plan, run_cpython

    pyodide_jobs, cpython_jobs, errors = plan([f"circuits/{page}"])
    assert not errors, errors
    jobs = {**pyodide_jobs, **cpython_jobs}
    out = run_cpython(jobs)
    for result in out["pages"][f"circuits/{page}"]["results"]:
        assert result["ok"], f"{page} block {result['id']} (line {result['line']}): {result['problem']}"
