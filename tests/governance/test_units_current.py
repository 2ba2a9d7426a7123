"""Units 1, 2, 3 and 6 of the governance track, their handouts, the glossary and the track index:
dated sources, handouts that stand alone on paper, and numbers that match their arithmetic. Then,
over the whole track: facilitator plans and reading times that add up, and each dated event and
headline figure stated the same way on every page."""

from __future__ import annotations

import math
import re

import pytest
import yaml

from tests.governance.pages import TRACK, section_markers, unit_text
from tests.support import ROOT

UNITS = ["01-state-of-ai", "02-risks", "03-toolbox", "06-what-you-can-do"]
# What each unit's drop_in line sends a newcomer to, marked as a section so the handout can carry it.
DROP_IN_SECTION = {"01-state-of-ai": "numbers", "02-risks": "table", "03-toolbox": "table",
                   "06-what-you-can-do": "table"}
PAGES = [f"docs/governance/{slug}.md" for slug in UNITS] + [
    f"docs/governance/handouts/{slug}.md" for slug in UNITS] + [
    "docs/governance/index.md", "docs/governance/handouts/index.md", "docs/governance/handouts/glossary.md"]
GLOSSARY = TRACK / "handouts" / "glossary.md"
INCLUDE = re.compile(r'^--8<-- "([^":]+):(\w+)"\s*$', re.M)


def text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def handout(slug: str) -> str:
    return text(f"docs/governance/handouts/{slug}.md")


def front_matter(page: str) -> dict:
    return yaml.safe_load(re.match(r"^---\n(.*?)\n---\n", page, re.S).group(1))


@pytest.mark.parametrize("path", PAGES)
def test_no_hand_written_checked_footer_remains(path):
    """The build shows each page's checked dates from its links; a footer would drift from them."""
    assert not re.search(r"[Cc]hecked on \d{1,2} \w+ 20\d\d", text(path)), path


@pytest.mark.parametrize("path", PAGES)
def test_no_text_that_smartsymbols_turns_into_a_symbol(path):
    """pymdownx.smartsymbols renders "(c)" as ©, "(r)" as ® and "(tm)" as ™ (a sorting prompt once
    printed "© three companies skip safety tests")."""
    found = re.findall(r"\((?:c|r|tm)\)", text(path), re.I)
    assert not found, f"{path}: {found}"


def test_the_unit_2_handout_renders_its_sorting_prompt_without_a_copyright_sign(md, monkeypatch):
    monkeypatch.chdir(ROOT)
    html = md(handout("02-risks"))
    assert "©" not in html and "Race:" in html


@pytest.mark.parametrize("slug", UNITS)
def test_handout_carries_what_the_drop_in_line_points_to_and_an_answer_key(slug, md, monkeypatch):
    sections = section_markers(unit_text(slug))
    name = DROP_IN_SECTION[slug]
    assert name in sections and "answers" in sections, f"{slug}: mark the '{name}' and 'answers' sections"
    assert sections["answers"].lstrip().startswith("**Answer key for facilitators.**")
    for included in (name, "answers"):
        assert f'--8<-- "docs/governance/{slug}.md:{included}"' in handout(slug), f"{slug} handout lacks {included}"
    monkeypatch.chdir(ROOT)
    html = md(handout(slug))
    assert ("<table>" in html) or ("<dl>" in html and "A career change" in html), f"{slug}: no table on paper"
    assert "Answer key for facilitators" in html
    assert "Ctrl+P" not in handout(slug), "the handout's first lines are for content, not printing instructions"


@pytest.mark.parametrize("slug", UNITS)
def test_handout_defines_the_glossary_terms_its_unit_uses(slug, md, monkeypatch):
    glossary = section_markers(GLOSSARY.read_text(encoding="utf-8"))
    terms = [section for path, section in INCLUDE.findall(handout(slug)) if path.endswith("glossary.md")
             and section.startswith("term_")]
    assert len(terms) >= 4, f"{slug}: give the handout the glossary terms its unit uses"
    unit = unit_text(slug).lower()
    for term in terms:
        assert term in glossary, f"glossary.md has no section '{term}'"
        word = glossary[term].split("\n", 1)[0].strip("* ").lower()
        assert word.split()[0].rstrip("s") in unit, f"{slug} handout defines '{word}', which its unit never uses"
    monkeypatch.chdir(ROOT)
    words = md(handout(slug)).split("Words used here", 1)[1].split("<h2", 1)[0]
    assert words.count("<dt>") == len(terms), f"{slug}: each term should render as one definition"


def test_glossary_page_keeps_every_term_as_a_definition(md, monkeypatch):
    monkeypatch.chdir(ROOT)
    page = GLOSSARY.read_text(encoding="utf-8")
    terms = [n for n in section_markers(page) if n.startswith("term_")]
    html = md(page)
    assert html.count("<dt>") == len(terms) >= 20


NUMBERS_ROW = re.compile(r"^\| (?P<chip>[^|]+?) \| (?P<p16>[\d,]+) \| (?P<p8>[\d,]+) "
                         r"\| (?P<c16>[\d,]+) \((?P<c16_90>[\d,]+)\) \| (?P<c8>[\d,]+) \((?P<c8_90>[\d,]+)\) \|$", re.M)


def chips_for(flop: float, peak: float, days: int, utilisation: float = 0.40) -> int:
    return math.ceil(flop / (peak * utilisation * days * 86_400))


def test_numbers_box_chip_counts_follow_from_the_chip_speeds():
    box = section_markers(unit_text("01-state-of-ai"))["numbers"]
    rows = list(NUMBERS_ROW.finditer(box))
    assert [r["chip"] for r in rows] == ["H100 or H200", "B200", "GB200"]
    for row in rows:
        n = {k: int(v.replace(",", "")) for k, v in row.groupdict().items() if k != "chip"}
        assert n["c16"] == chips_for(1e26, n["p16"] * 1e12, 180), row["chip"]
        assert n["c16_90"] == chips_for(1e26, n["p16"] * 1e12, 90), row["chip"]
        assert n["c8"] == chips_for(1e26, n["p8"] * 1e12, 180), row["chip"]
        assert n["c8_90"] == chips_for(1e26, n["p8"] * 1e12, 90), row["chip"]
        assert n["p8"] in (2 * n["p16"], 2 * n["p16"] + 1), f"{row['chip']}: 8-bit should be twice 16-bit"
    days = 1e26 / (1.4e6 * 989e12 * 0.40 * 86_400)
    assert f"about **{days:.1f} days**" in box


def test_llama_run_length_and_average_utilisation_follow_from_the_published_gpu_hours():
    page = unit_text("01-state-of-ai")
    assert "30.84 million H100-hours" in page
    assert round(30.84e6 / 16_000 / 24) == 80 and "about 80 days" in page
    assert round(3.8e25 / (30.84e6 * 3600 * 989e12), 2) == 0.35 and "averaged about 35% of peak" in page
    compute = page.split('```pyodide id="compute"', 1)[1].split("```", 1)[0]
    assert "utilisation = 0.35" in compute and "days = 80" in compute


def test_answer_key_chip_counts_match_the_numbers_box():
    sections = section_markers(unit_text("01-state-of-ai"))
    for count in ("16,254", "32,508", "7,145"):
        assert count in sections["numbers"] and count in sections["answers"], count
    assert f"{16_254 * 180 / 1e6:.1f} million H100-days" in sections["answers"]


@pytest.mark.parametrize("slug", UNITS)
def test_reading_times_say_how_they_were_estimated(slug):
    readings = unit_text(slug).split("## Core readings", 1)[1].split("\n## ", 1)[0]
    assert "200 words a minute" in readings, f"{slug}: say how the minutes were estimated"


def test_index_gives_each_units_own_time():
    """The index says "60–90 minutes" and names every unit that takes another time."""
    index = " ".join(text("docs/governance/index.md").split())
    assert "takes 60–90 minutes" in index
    for slug in ALL_UNITS:
        time = front_matter(unit_text(slug))["time"].replace(" min", "")
        if time != "60–90":
            assert f"unit {int(slug[:2])}, {time}" in index, f"the index should give unit {slug}'s {time} minutes"


def test_company_policies_are_not_presented_as_promises_to_pause():
    toolbox = unit_text("03-toolbox")
    assert "removed the commitment to pause on its" in toolbox and "24 February 2026" in toolbox
    summary = section_markers(toolbox)["summary"]
    assert "None of them is\n  a promise to pause" in summary


# ---- Track-wide: the numbers a facilitator plans with, and facts stated the same way on every page ----

ALL_UNITS = ["01-state-of-ai", "02-risks", "03-toolbox", "04-law", "05-pause", "06-what-you-can-do"]
ALL_PAGES = sorted(p.relative_to(ROOT).as_posix() for p in TRACK.rglob("*.md"))
PLAN = re.compile(r"\*\*(\d+)-minute plan:\*\* (.*?)(?=\*\*|\n\n|$)", re.S)


def slot_minutes(plan: str) -> list[int]:
    """The minutes of each slot of "recap 5 · read ... 15 · ...": the last number of each slot,
    after dropping remarks in brackets ("calculators in pairs 10 (one person types, ...)")."""
    slots = [re.sub(r"\([^)]*\)", "", slot) for slot in plan.split("·")]
    return [int(re.findall(r"\d+", slot)[-1]) for slot in slots]


def plans(slug: str) -> dict[int, str]:
    notes = unit_text(slug).split("## Facilitator notes", 1)[1]
    return {int(m.group(1)): " ".join(m.group(2).split()) for m in PLAN.finditer(notes)}


@pytest.mark.parametrize("slug", ALL_UNITS)
def test_each_facilitator_plan_fills_exactly_its_time(slug):
    """A plan's slots add up to its length; a longer plan that "adds" to the shortest one adds
    exactly the difference; the unit card's time runs from the shortest plan to the longest."""
    found = plans(slug)
    assert found, f"{slug}: no 'N-minute plan' in the facilitator notes"
    base = min(found)
    assert sum(slot_minutes(found[base])) == base, f"{slug}: {base}-minute plan adds to {slot_minutes(found[base])}"
    for length, plan in found.items():
        if length == base or not plan.startswith("add"):
            continue
        added = sum(int(n) for n in re.findall(r"\d+", re.sub(r"prompts? \d+(?:–\d+)?", "", plan)))
        assert base + added == length, f"{slug}: the {length}-minute plan adds {added} to {base} ({plan!r})"
    low, high = (int(n) for n in re.findall(r"\d+", front_matter(unit_text(slug))["time"]))
    longest = max(found) if "**90-minute plan: a pause" not in unit_text(slug) else 90
    assert (low, high) == (base, longest), f"{slug}: card says {low}–{high} min, plans run {base}–{longest}"


@pytest.mark.parametrize("slug", ALL_UNITS)
def test_core_readings_heading_gives_the_sum_of_the_readings_minutes(slug):
    section = unit_text(slug).split("## Core readings", 1)[1].split("\n## ", 1)[0]
    total = int(re.match(r" \((\d+) minutes\)", section).group(1))
    rows = [line for line in section.splitlines() if line.startswith("|") and not line.startswith("|---")][1:]
    minutes = [int(row.rstrip(" |").rsplit("|", 1)[1]) for row in rows]
    assert sum(minutes) == total, f"{slug}: heading says {total} minutes, the table adds to {sum(minutes)}"
    assert total <= 60, f"{slug}: at most an hour of core reading (the track index promises it)"


def sentences(page: str) -> list[str]:
    """A page cut into sentences, table rows and paragraphs, each on one line."""
    return [" ".join(s.split()) for s in re.split(r"(?<=[.;])\s+(?=[A-Z*(\[])|\n\n|\n\|", page)]


# (a phrase, then the day every sentence with that phrase gives for that month): one date per event.
DATED_EVENTS = [
    ("RSP v3.0", "24 February 2026"), ("version 3.0", "24 February 2026"), ("Version 3.0", "24 February 2026"),
    ("99–1", "1 July 2025"), ("H200", "15 January 2026"), ("S.8828", "27 March 2026"),
    ("Executive Order 14110", "30 October 2023"), ("EO 14148", "20 January 2025"),
    ("Geneva", "6–7 July 2026"), ("Beijing summit", "14–15 May 2026"),
    ("When AI builds itself", "4 June 2026"), ("Statement on Superintelligence", "22 October 2025"),
]
DATE = r"\d{1,2}(?:–\d{1,2})? %s"


@pytest.mark.parametrize("phrase, date", DATED_EVENTS)
def test_each_dated_event_has_one_date_on_every_page(phrase, date):
    month_year = date.split(" ", 1)[1]
    seen = []
    for path in ALL_PAGES:
        for sentence in sentences(text(path)):
            if phrase in sentence:
                seen += [(path, d) for d in re.findall(DATE % re.escape(month_year), sentence) if d != date]
    assert not seen, f"'{phrase}' is dated {date} elsewhere, but: {seen}"


def test_the_frontier_estimate_and_largest_site_are_the_same_everywhere():
    """Grok 4 at about 5 × 10^26 FLOP (Epoch AI via RAND); Colossus 2 at about 1.4 million
    H100-equivalents (Epoch AI's projection); Epoch's count of models above 10^25 (June 2025)."""
    for path in ALL_PAGES:
        for sentence in sentences(text(path)):
            if "Grok 4" in sentence:
                assert set(re.findall(r"(\d+(?:\.\d+)?) × 10\^2[67]\^", sentence)) <= {"5"}, f"{path}: {sentence!r}"
            if "Colossus 2" in sentence:
                assert set(re.findall(r"(\d+(?:\.\d+)?) million", sentence)) <= {"1.4"}, f"{path}: {sentence!r}"
            if "models-over-1e25-flop" in sentence or "models were above it" in sentence:
                assert "30" in sentence and "25 models" not in sentence, f"{path}: {sentence!r}"


# Hosts that are not a source's own publication: staging sites and unauthorised copies of documents.
NOT_A_SOURCE = re.compile(r"https?://[^/\s]*(?:-test\.|testing\.|pdfroom\.|docplayer\.|fdocuments\.|docslib\.)")


@pytest.mark.parametrize("path", ALL_PAGES)
def test_sources_are_publications_not_staging_sites_or_copies(path):
    assert not NOT_A_SOURCE.findall(text(path)), f"{path}: cite the publisher's own page"
