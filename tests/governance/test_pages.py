"""Every governance unit has the parts the track promises, and the handouts stay in sync with it."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from build_tools.site import cards, facts
from tests.governance.pages import (
    DOCS,
    TRACK,
    UNITS,
    discover_units,
    governance_nav,
    handout_problems,
    heading_problems,
    section_markers,
    unit_text,
)
from tests.support import ROOT


def front_matter(text: str) -> dict:
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "page does not start with --- front matter ---"
    return yaml.safe_load(match.group(1))


@pytest.mark.parametrize("slug", UNITS)
def test_unit_starts_with_a_complete_section_card(slug):
    meta = front_matter(unit_text(slug))
    for key in ("time", "prerequisites", "you_will", "drop_in"):
        assert str(meta.get(key, "")).strip(), f"docs/governance/{slug}.md: front matter '{key}' is empty"


@pytest.mark.parametrize("slug", UNITS)
def test_unit_has_every_part_a_drop_in_session_needs(slug):
    text = unit_text(slug)
    problems = heading_problems(slug)
    assert not problems, "\n".join(problems)
    notes = text.split("## Facilitator notes", 1)[1].split("\n## ", 1)[0]
    for topic in ("5-minute recap", "Group sizes", "Newcomers mid-session", "plan:"):
        assert topic in notes, f"docs/governance/{slug}.md facilitator notes do not cover '{topic}'"


@pytest.mark.parametrize("slug", UNITS)
def test_core_readings_fit_in_an_hour_and_their_total_is_stated_correctly(slug):
    text = unit_text(slug)
    heading = re.search(r"^## Core readings \((\d+) minutes\)$", text, re.M)
    assert heading, f"docs/governance/{slug}.md: write the heading as '## Core readings (N minutes)'"
    table = text[heading.end():].split("\n## ", 1)[0]
    minutes = [int(m) for m in re.findall(r"^\|.*\|\s*(\d+)\s*\|$", table, re.M)]  # last column
    assert len(minutes) >= 3, f"docs/governance/{slug}.md: expected at least 3 readings with minutes"
    assert sum(minutes) == int(heading.group(1)), f"{slug}: readings add up to {sum(minutes)}"
    assert sum(minutes) <= 60


@pytest.mark.parametrize("slug", UNITS)
def test_prompts_include_factual_trade_off_and_personal(slug):
    prompts = section_markers(unit_text(slug))["prompts"]
    numbered = re.findall(r"^\d+\. \*\*(\w[\w-]*)\.\*\*", prompts, re.M)
    assert len(numbered) >= 3
    for kind in ("Factual", "Trade-off", "Personal"):
        assert kind in numbered, f"docs/governance/{slug}.md: no '{kind}' prompt"
    assert "change your mind" in prompts.split("**Personal.**", 1)[1]


@pytest.mark.parametrize("slug", UNITS)
def test_unit_has_a_handout_that_pulls_the_sections_it_marks(slug):
    problems = handout_problems(slug)
    assert not problems, "\n".join(problems)


def test_units_are_discovered_from_the_files():
    """The parametrised tests run over every docs/governance/NN-*.md, not a hand-kept list."""
    assert UNITS == sorted(p.stem for p in TRACK.glob("[0-9][0-9]-*.md"))
    assert len(UNITS) >= 6 and "index" not in UNITS


def _copy_track(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS / "governance", docs / "governance")
    return docs


def test_a_new_unit_without_a_handout_is_found_and_fails(tmp_path):
    """A unit added without its handout (issue 15, D8: it used to pass) is discovered and reported."""
    docs = _copy_track(tmp_path)
    (docs / "governance" / "07-local-action.md").write_text(unit_text("06-what-you-can-do"), encoding="utf-8")
    assert "07-local-action" in discover_units(docs)
    assert handout_problems("07-local-action", docs) == [
        "docs/governance/07-local-action.md has no handout: write docs/governance/handouts/07-local-action.md "
        "(copy another unit's handout and change the unit's name in it)"]
    # with a handout copied from another unit but not renamed inside, it still fails
    handout = (docs / "governance/handouts/06-what-you-can-do.md").read_text(encoding="utf-8")
    (docs / "governance/handouts/07-local-action.md").write_text(handout, encoding="utf-8")
    assert len(handout_problems("07-local-action", docs)) == 4
    (docs / "governance/handouts/07-local-action.md").write_text(
        handout.replace("06-what-you-can-do.md", "07-local-action.md"), encoding="utf-8")
    assert handout_problems("07-local-action", docs) == []


def test_a_unit_missing_a_heading_or_a_marked_section_is_reported(tmp_path):
    docs = _copy_track(tmp_path)
    path = docs / "governance" / "06-what-you-can-do.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Facilitator notes", "## Notes for facilitators")
                    .replace("<!-- --8<-- [start:prompts] -->\n", ""), encoding="utf-8")
    assert heading_problems("06-what-you-can-do", docs) == [
        "docs/governance/06-what-you-can-do.md lacks the heading '## Facilitator notes'"]
    assert any("'prompts'" in p for p in handout_problems("06-what-you-can-do", docs))


@pytest.mark.parametrize("slug", UNITS)
def test_handout_renders_the_units_own_prompts_and_artefact(md, slug, monkeypatch):
    monkeypatch.chdir(ROOT)  # snippet paths are relative to the project root, as in mkdocs build
    html = md((TRACK / "handouts" / f"{slug}.md").read_text(encoding="utf-8"))
    sections = section_markers(unit_text(slug))
    for name in ("prompts", "artefact"):
        first_words = re.sub(r"^\d+\. |\*\*[^*]+\*\* ", "", sections[name].strip()).split()[:4]
        assert " ".join(first_words) in re.sub(r"<[^>]+>", "", html), f"{slug} handout lacks its {name}"
    assert "pyodide" not in html, "a printable handout must not contain runnable blocks"


def test_index_lists_the_units_once_in_the_generated_map_in_nav_order():
    """The track page's list of units is the drop-in map, made from each unit's front matter, so a
    hand-written table cannot repeat it or drift from it."""
    nav = [(src, title) for title, src in (next(iter(e.items())) for e in governance_nav() if isinstance(e, dict))
           if isinstance(src, str)]
    index = (TRACK / "index.md").read_text(encoding="utf-8")
    assert cards.MAP_LINE.search(index), "docs/governance/index.md: keep the <!-- drop-in-map --> marker"
    hand_written = re.findall(r"^\| \[[^\]]+\]\((0\d-[\w-]+\.md)\)", index, re.M)
    assert not hand_written, f"docs/governance/index.md lists units by hand: {hand_written}"
    pages = [(f"governance/{p.name}", p.name, p.read_text(encoding="utf-8")) for p in TRACK.glob("*.md")]
    entries = cards.SiteCards(pages, [("governance/index.md", None), *nav]).track_entries("governance")
    assert [link for _, link, _ in entries] == [f"{slug}.md" for slug in UNITS]
    assert all(card and card.time and card.you_will for _, _, card in entries)


def test_every_handout_is_in_the_handouts_nav_section():
    (handouts,) = [e["Handouts"] for e in governance_nav() if isinstance(e, dict) and "Handouts" in e]
    listed = {e if isinstance(e, str) else list(e.values())[0] for e in handouts}
    on_disk = {f"governance/handouts/{p.name}" for p in (TRACK / "handouts").glob("*.md")}
    assert on_disk == listed


GOVERNANCE_PAGES = sorted((ROOT / "docs" / "governance").rglob("*.md"))


@pytest.mark.parametrize("path", GOVERNANCE_PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_source_link_says_when_it_was_checked(path):
    """The build shows each page's checked dates and `make facts` lists old ones: an undated link
    would escape both (build_tools/site/facts.py, docs/authors/governance-units.md)."""
    rel = path.relative_to(ROOT).as_posix()
    undated = [f"{s.where()}: {s.text} <{s.url}>" for s in facts.sources(path.read_text(encoding="utf-8"), rel)
               if s.checked is None]
    assert not undated, 'add a title "checked YYYY-MM-DD" once you have checked each:\n' + "\n".join(undated)
