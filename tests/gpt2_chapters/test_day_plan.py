"""The GPT-2 track's one-day plan adds up.

Its slots follow one another and fill about six hours; each slot is as long as the estimates
marked on what it covers (a chapter's must-dos, a notebook's sections); and the meetup guide's
programmes (the template and the spring meetup) give the GPT-2 group the same times.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.support import ROOT

GPT2 = ROOT / "docs" / "gpt2"
SRC = ROOT / "course_src" / "gpt2"
ROW = re.compile(r"^\| (\d\d):(\d\d) \| (\d*) *\| (.+?) \|(.*)\|$", re.M)
NOTEBOOK_CHAPTER = {"01_model": "04-model.md", "02_train": "05-training.md", "03_sample": "06-sampling.md"}


def plan() -> list[dict]:
    text = (GPT2 / "index.md").read_text(encoding="utf-8")
    section = text.split("## A one-day plan", 1)[1].split("\n## ", 1)[0]
    rows = [dict(start=int(h) * 60 + int(m), minutes=int(n) if n else None, what=what, behind=behind.strip())
            for h, m, n, what, behind in ROW.findall(section)]
    assert len(rows) > 5, "the plan's table is missing or unreadable"
    return rows


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def section_of(what: str) -> str | None:
    """The chapter a row works on: its chapter link, else the chapter of its notebook link."""
    chapters = re.findall(r"\]\((0\d-[\w-]+\.md)\)", what)
    if chapters:
        return chapters[-1]
    notebook = re.search(r"\]\(\.\./notebooks/gpt2/(\w+)\.ipynb\)", what)
    return NOTEBOOK_CHAPTER[notebook.group(1)] if notebook else None


def must_do_minutes(chapter: str) -> int:
    text = (GPT2 / chapter).read_text(encoding="utf-8")
    found = re.search(r"\*\*Must do:\*\*.*?about (\d+) minutes", text, re.S)
    assert found, f"{chapter} has no '**Must do:** ... (about N minutes ...)' line"
    return int(found.group(1))


def notebook_estimates(notebook: str) -> dict[int, int]:
    """{section or exercise number: minutes} from the marks in course_src/gpt2/<notebook>.py."""
    lines = (SRC / f"{notebook}.py").read_text(encoding="utf-8").splitlines()
    found = {}
    for i, line in enumerate(lines):
        heading = re.match(r"^# ## (?:Exercise )?(\d+)[.:] ", line)
        if heading:
            mark = re.search(r"[Aa]bout (\d+) min", " ".join(lines[i : i + 4]))
            assert mark, f"{notebook}.py:{i + 1}: section {heading.group(1)} has no time estimate"
            found[int(heading.group(1))] = int(mark.group(1))
    return found


def test_the_slots_follow_one_another_and_fill_about_six_hours():
    rows = plan()
    for row, following in zip(rows[:-1], rows[1:], strict=True):
        assert row["minutes"] is not None, f"the row at {clock(row['start'])} has no minutes"
        assert row["start"] + row["minutes"] == following["start"], \
            f"{clock(row['start'])} + {row['minutes']} min is not {clock(following['start'])}"
    assert rows[-1]["minutes"] is None and "End" in rows[-1]["what"]
    total = rows[-1]["start"] - rows[0]["start"]
    assert total == 6 * 60, f"the day lasts {total} min; the page promises about six hours"
    breaks = sum(r["minutes"] for r in rows[:-1] if re.match(r"(Lunch|Break)\b", r["what"]))
    assert 45 <= breaks <= 90


def test_each_slot_is_as_long_as_the_estimates_of_what_it_covers():
    checked = 0
    for row in plan():
        what, minutes = row["what"], row["minutes"]
        must = re.search(r"\]\((0\d-[\w-]+\.md)\): the must-dos \((\d+) min\)", what)
        if must:
            assert int(must.group(2)) == must_do_minutes(must.group(1)), f"{what}: the chapter says otherwise"
            assert minutes >= int(must.group(2)), f"{what}: {minutes} min is shorter than its must-dos"
            checked += 1
        parts = re.search(r"(Model|Sampling) notebook\]?(?:\([^)]*\))?, (sections|exercises) (\d+)–(\d+)", what)
        if parts:
            notebook = "01_model" if parts.group(1) == "Model" else "03_sample"
            estimates = notebook_estimates(notebook)
            first, last = int(parts.group(3)), int(parts.group(4))
            wanted = sum(estimates[n] for n in range(first, last + 1))
            assert minutes == wanted, f"{what}: {minutes} min, but its parts' estimates add up to {wanted}"
            checked += 1
    assert checked >= 6, "the plan should cover the must-dos of sections 1-3 and the notebooks by their marks"


def test_every_notebook_section_in_the_plan_is_covered_once():
    covered = []
    for row in plan():
        parts = re.search(r"Model notebook\]?(?:\([^)]*\))?, sections (\d+)–(\d+)", row["what"])
        if parts:
            covered += range(int(parts.group(1)), int(parts.group(2)) + 1)
    assert covered == sorted(notebook_estimates("01_model")), "the day covers the model notebook exactly once"


def programme(path: str) -> dict:
    text = (ROOT / path).read_text(encoding="utf-8")
    if path.endswith("meetup-template.md"):  # the example event sits in a ````markdown fence
        text = text.split("````markdown", 1)[1].split("````", 1)[0].split("\n", 1)[1]
    return yaml.safe_load(text.split("---\n")[1])["programme"]


@pytest.mark.parametrize("path", ["docs/organizers/meetup-template.md", "docs/events/2027-03-13-spring-meetup.md"])
def test_the_meetup_guides_give_the_gpt2_group_the_plans_times(path):
    rows = plan()
    day = programme(path)
    assert day["opening"]["start"] == clock(rows[0]["start"]) == "10:00"
    assert day["opening"]["end"] == clock(rows[0]["start"] + rows[0]["minutes"])
    lunch = next(r for r in rows if r["what"].startswith("Lunch"))
    assert [(b["start"], b["end"]) for b in day["breaks"]] == [(clock(lunch["start"]),
                                                                clock(lunch["start"] + lunch["minutes"]))]
    assert day["closing"]["start"] == clock(rows[-1]["start"])
    wanted = [(section_of(r["what"]), clock(r["start"]), clock(r["start"] + r["minutes"]))
              for r in rows[:-1] if section_of(r["what"])]
    got = [(s["section"].removeprefix("gpt2/"), s["start"], s["end"]) for s in day["tracks"]["gpt2"]["sessions"]]
    assert got == wanted
