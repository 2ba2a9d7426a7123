"""Units 4 and 5 of the governance track, their handouts, the pause-proposals comparison and the
analogy cards: dated sources, a comparison with no empty cell, numbers that follow from their
arithmetic, cards with substance, and handouts that stand alone on paper."""

from __future__ import annotations

import math
import re

import pytest

from tests.governance.pages import TRACK, section_markers, unit_text
from tests.support import ROOT

UNITS = ["04-law", "05-pause"]
COMPARISON = "docs/governance/handouts/pause-proposals.md"
CARDS = "docs/governance/handouts/analogy-cards.md"
PAGES = [f"docs/governance/{slug}.md" for slug in UNITS] + [
    f"docs/governance/handouts/{slug}.md" for slug in UNITS] + [COMPARISON, CARDS]
# What each unit's drop_in line sends a newcomer to, marked as a section so the handout carries it.
DROP_IN_SECTIONS = {"04-law": ["table", "numbers"], "05-pause": ["paused", "numbers"]}
PROPOSALS = ["FLI open letter", "PauseAI proposal", "MIRI draft international agreement", "A Narrow Path",
             "Keep the Future Human", "Statement on Superintelligence", "Global Call for AI Red Lines",
             "Anthropic, RSP v3.0", "MAIM"]
DIMENSIONS = ["What triggers it", "What stops", "How it is checked", "How it is enforced", "How it ends"]
CARD_TITLES = ["Non-Proliferation Treaty", "Chemical Weapons Convention", "INF and New START",
               "Montreal Protocol", "gain-of-function", "Baruch Plan"]
CARD_PARTS = ["**Where AI differs:**", "**Ask:**", '"checked 2026-']
H100, UTILISATION, WATTS = 989e12, 0.40, 1_400


def text(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of each row of the first Markdown table in `markdown`, header first, no separator."""
    rows = [line for line in markdown.strip().splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return [row for row in cells if not all(set(c) <= set("-: ") for c in row)]


def chips(flop: float, days: int = 180) -> int:
    return math.ceil(flop / (H100 * UTILISATION * days * 86_400))


@pytest.mark.parametrize("path", PAGES)
def test_no_hand_written_checked_footer_or_smartsymbol_text(path):
    page = text(path)
    assert not re.search(r"[Cc]hecked on \d{1,2} \w+ 20\d\d", page), f"{path}: the build shows the dates"
    assert not re.findall(r"\((?:c|r|tm)\)", page, re.I), f"{path}: pymdownx.smartsymbols turns these into symbols"


def test_comparison_fills_every_dimension_for_every_proposal():
    sections = section_markers(text(COMPARISON))
    first, second = table_rows(sections["proposals"]), table_rows(sections["enforcement"])
    header = first[0] + second[0][1:]
    for dimension in DIMENSIONS:
        assert dimension in header, f"comparison has no column '{dimension}'"
    names = [re.match(r"\*\*(.+?)\*\*", row[0]).group(1) for row in first[1:]]
    assert names == [re.match(r"\*\*(.+?)\*\*", row[0]).group(1) for row in second[1:]], \
        "both tables list the proposals in the same order"
    for proposal in PROPOSALS:
        assert any(proposal in name for name in names), f"comparison lacks {proposal}"
    for table in (first, second):
        for row in table[1:]:
            assert len(row) == len(table[0]), f"{row[0]}: {len(row)} cells for {len(table[0])} columns"
            empty = [table[0][i] for i, cell in enumerate(row) if len(cell) < 6]
            assert not empty, f"{row[0]}: empty or token cell under {empty}"


def test_comparison_says_a_10_to_the_26_line_is_a_rollback_and_where_lines_could_sit():
    page = text(COMPARISON)
    assert "would be a rollback, not a freeze" in page
    numbers = section_markers(page)["numbers"]
    for line in ("10^22^", "10^24^", "10^25^", "10^26^", "5 × 10^26^"):
        assert line in numbers, line
    for hole in ("Inference-time compute", "Post-training and reinforcement learning", "Algorithmic progress",
                 "Already-trained and open-weight models", "Who decides that a trigger has fired?"):
        assert hole in page, hole


def test_comparison_answers_the_overhang_objection_with_replies():
    page = text(COMPARISON)
    overhang = page.split("**The overhang objection.**", 1)[1].split("\n## ", 1)[0]
    rows = table_rows(overhang)
    assert rows[0] == ["Answer", "Reply"] and len(rows) >= 4, "each answer needs the sceptics' reply"


def test_chip_counts_and_power_follow_from_the_h100_arithmetic():
    comparison = section_markers(text(COMPARISON))["numbers"]
    assert f"{chips(1e24)} for 10^24^" in comparison and f"{chips(1e26):,}" in comparison
    days_on_largest_site = 1e26 / (1.4e6 * H100 * UTILISATION * 86_400)
    assert f"about {days_on_largest_site:.1f} days" in comparison
    box = section_markers(unit_text("05-pause"))["numbers"]
    rows = table_rows(box)[1:]
    assert [row[0] for row in rows] == ["10^24^ FLOP", "10^25^ FLOP", "10^26^ FLOP", "10^27^ FLOP"]
    for row in rows:
        flop = 10.0 ** int(re.search(r"10\^(\d+)\^", row[0]).group(1))
        assert row[2] == f"{chips(flop):,}", row
        assert row[3] == f"about {chips(flop) * WATTS / 1e6:.1f} MW", row
    assert f"about {days_on_largest_site:.1f} days" in box


def test_law_numbers_box_compute_and_crossings_follow_from_six_n_d():
    box = section_markers(unit_text("04-law"))["numbers"]
    scale = {"billion": 1e9, "trillion": 1e12}
    for row in table_rows(box)[1:5]:
        amounts = [float(n) * scale[w] for n, w in re.findall(r"(\d+(?:\.\d+)?) (billion|trillion)", row[0])]
        if "three times the tokens" in row[0]:
            amounts = [405e9, 46.8e12]
        if "Ten times the parameters" in row[0]:
            amounts = [4.05e12, 15.6e12]
        parameters, tokens = amounts[0], amounts[-1]
        flop = 6 * parameters * tokens
        mantissa, exponent = f"{flop:.1e}".split("e")
        assert row[1] == f"{mantissa} × 10^{int(exponent)}^ FLOP", row
        assert row[2] == ("yes" if flop > 1e25 else "no") and row[3] == ("yes" if flop > 1e26 else "no"), row


def test_answer_keys_use_the_numbers_in_their_boxes():
    pause = section_markers(unit_text("05-pause"))
    for count in (f"{chips(1e26):,}", str(chips(1e24))):
        assert count in pause["numbers"] and count in pause["answers"], count
    law = section_markers(unit_text("04-law"))
    assert "3.8 × 10^25^" in law["numbers"] and "3.8 × 10^25^" in law["answers"]
    for sections in (pause, law):
        assert sections["answers"].lstrip().startswith("**Answer key for facilitators.**")


CARD_BOX = re.compile(r'<div class="admonition note analogy-card" markdown>\n\n(## Card .*?)\n\n</div>', re.S)


@pytest.mark.parametrize("title", CARD_TITLES)
def test_each_analogy_card_says_what_was_restricted_how_it_was_checked_and_where_ai_differs(title):
    """Each card sits in its own box (an admonition, which print.css keeps whole on one page, so it
    can be cut out and handed to a group)."""
    cards = CARD_BOX.findall(text(CARDS))
    assert len(cards) == len(CARD_TITLES) == text(CARDS).count("\n## Card "), "one box per card"
    (card,) = [c for c in cards if title in c.split("\n", 1)[0]]
    for part in CARD_PARTS + ["**How it was checked:**" if "Baruch" not in title else "**What happened:**"]:
        assert part in card, f"card '{title}' lacks {part}"


@pytest.mark.parametrize("slug", UNITS)
def test_handout_carries_its_drop_in_tables_numbers_terms_and_answer_key(slug, md, monkeypatch):
    handout = text(f"docs/governance/handouts/{slug}.md")
    sections = section_markers(unit_text(slug))
    for name in DROP_IN_SECTIONS[slug] + ["answers"]:
        assert name in sections, f"{slug}: mark the '{name}' section"
        assert f'--8<-- "docs/governance/{slug}.md:{name}"' in handout, f"{slug} handout lacks {name}"
    glossary = section_markers(text("docs/governance/handouts/glossary.md"))
    terms = re.findall(r'glossary\.md:(term_\w+)"', handout)
    assert len(terms) >= 6, f"{slug}: give the handout the glossary terms its unit uses"
    for term in terms:
        word = glossary[term].split("\n", 1)[0].strip("* \n").lower().split()[0].rstrip("s")
        assert word in unit_text(slug).lower(), f"{slug} handout defines '{word}', which the unit never uses"
    assert "Ctrl+P" not in handout
    monkeypatch.chdir(ROOT)
    html = md(handout)
    assert html.count("<table>") >= 2 and "Answer key for facilitators" in html
    assert html.count("<dt>") == len(terms) and "pyodide" not in html


@pytest.mark.parametrize("slug", UNITS)
def test_readings_state_how_their_minutes_were_estimated(slug):
    readings = unit_text(slug).split("## Core readings", 1)[1].split("\n## ", 1)[0]
    assert "200 words a minute" in readings


def test_unit_5_is_current_on_company_pauses_and_the_frontier():
    page = unit_text("05-pause")
    summary = section_markers(page)["summary"]
    assert "5 × 10^26^" in summary and "rollback" in summary
    assert "24 February 2026" in page and "dropped that unilateral commitment" in page
    assert "verifiably did so too" in page and "4 June 2026" in page
    assert "promise to pause training" not in page, "company policies are no longer promises to pause"
    assert "### How does a pause end?" in page and "overhang" in page.split("### How does a pause end?")[1]
    assert "pause-proposals.md" in page and "analogy-cards.md" in page


def test_unit_4_frames_us_federal_action_and_dates_the_raise_amendment():
    page = unit_text("04-law")
    assert "27 March 2026" in page and "S.8828" in page and "as amended (Dec 2025)" not in page
    federal = page.split("### The United States: federal policy", 1)[1].split("\n### ", 1)[0]
    for event in ("99–1", "20 March 2026", "24 April 2026", "2 June 2026", "voluntary", "15 January 2026"):
        assert event in federal, event
    beyond = page.split("### Beyond the EU, US, China and the UK", 1)[1].split("\n### ", 1)[0]
    assert "South Korea" in beyond and "India" in beyond


def test_new_pages_are_in_the_governance_nav():
    nav = text("mkdocs.yml")
    for page in (COMPARISON, CARDS):
        assert page.removeprefix("docs/") in nav, page
    assert (TRACK / "handouts" / "pause-proposals.md").is_file()


def test_the_90_minute_session_runs_start_to_exit_in_90_minutes_as_unit_5_says():
    """The comparison page's timeline (0–5, 5–20, ... 85–90) leaves no gap and no overlap, and its
    steps last what unit 5's facilitator notes promise (recap and close together)."""
    plan = text(COMPARISON).split("## A 90-minute session", 1)[1]
    steps = [(int(a), int(b), name.strip()) for a, b, name in re.findall(r"\*\*(\d+)–(\d+) · ([^:*]+)", plan)]
    assert steps[0][0] == 0 and steps[-1][1] == 90, steps
    for (_, end, _), (start, _, name) in zip(steps, steps[1:], strict=False):
        assert start == end, f"'{name}' starts at {start}, the step before ends at {end}"
    minutes = {name.split(" (")[0].lower(): end - start for start, end, name in steps}
    notes = " ".join(unit_text("05-pause").split("**90-minute plan: a pause from start to exit.**", 1)[1]
                     .split("\n\n", 1)[0].split())
    notes = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", notes).split(": ", 1)[1].rstrip(".")
    promised = {name: int(n) for name, n in (slot.rsplit(" ", 1) for slot in notes.split(", "))}
    assert sum(promised.values()) == 90, promised
    assert promised["triggers"] == minutes["triggers"]
    assert promised["where the line sits (calculator)"] == minutes["where the line sits"]
    assert promised["analogy cards"] == minutes["analogy cards"]
    assert promised["how it ends (debate on the overhang)"] == minutes["how it ends"]
    assert promised["the exit clause (prompt 4)"] == minutes["write the exit clause"]
    assert promised["recap and close"] == minutes["recap and a show of hands"] + minutes["close"]


def test_the_analogy_card_step_fits_its_slot():
    """Six cards, one per group: answering plus every group's report must fit the cards' minutes."""
    plan = text(COMPARISON).split("## A 90-minute session", 1)[1]
    start, end = (int(n) for n in re.search(r"\*\*(\d+)–(\d+) · Analogy cards", plan).groups())
    step = re.search(r"(\d+) minutes to answer its\s+question, then up to (\d+) minutes per group", plan)
    answer, report = (int(n) for n in step.groups())
    assert answer + report * len(CARD_TITLES) <= end - start
