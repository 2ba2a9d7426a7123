"""build_tools.site.programme: a meetup day's programme from front matter -> validated plan,
printable programme and per-track run sheets (issue 15 §1)."""

import datetime as dt
import json

import pytest

from build_tools.notebooks import installs
from build_tools.site import events as ev
from build_tools.site import programme as prog
from build_tools.site.frontmatter import FrontMatterError
from tests.support import ROOT

PATH = "events/2027-03-13-library.md"
NOTEBOOK = json.dumps({"cells": [
    {"cell_type": "code", "source": [
        'REQUIREMENTS = {"torch": "torch>=2.4", "tiktoken": "tiktoken>=0.9"}\n',
        'subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])\n']},
    {"cell_type": "code", "source": ['activation = ("gelu", "gelu_pytorch_tanh")\n',
                                     'model.load("data", "manual")\n']},
    {"cell_type": "code", "source": ["# the last cell downloads GPT-2 small (500 MB) when online\n"]}]})
PAGES = {
    "gpt2/index.md": "# Build GPT-2\n",
    "gpt2/01-tokenization.md": "---\ntime: 75 min\nyou_will: x\n---\n\n# Tokenization\n\n```pyodide\nprint(1)\n```\n",
    "gpt2/04-model.md": "---\ntime: 60 min\n---\n\n# The full model\n\n"
                        "[the notebook](../notebooks/gpt2/01_model.ipynb)\n",
    "notebooks/gpt2/01_model.ipynb": NOTEBOOK,
    "governance/index.md": "# Governance\n",
    "governance/05-pause.md": "---\ntime: 75–90 min\n---\n\n# What would it take to pause?\n",
    "governance/handouts/05-pause.md": "# Handout: 5. What would it take to pause?\n",
    "governance/handouts/glossary.md": "# Glossary\n",
    "circuits/02-one-layer.md": "---\ntime: 75 min\n---\n# One layer\n",
}
PROGRAMME = {
    "opening": {"title": "Where AI is going", "start": "10:00", "end": "10:30", "speaker": "Sam", "room": "Hall"},
    "breaks": [{"title": "Lunch", "start": "12:30", "end": "13:15"}],
    "closing": {"title": "Each group shares one thing", "start": "16:00", "end": "16:30"},
    "tracks": {
        "governance": {"room": "Room A", "facilitators": ["Alex"],
                       "sessions": [{"section": "governance/05-pause.md", "start": "13:15", "end": "14:45"}]},
        "gpt2": {"room": "Room B", "facilitators": "Robin",
                 "sessions": [{"section": "gpt2/01-tokenization.md", "start": "10:40", "end": "12:00"},
                              {"section": "gpt2/04-model.md", "start": "13:15", "end": "14:00"}]},
    },
}
META = {"title": "Library meetup", "start": "2027-03-13 10:00", "end": "2027-03-13 16:30",
        "timezone": "America/Los_Angeles", "location": "Central Library", "tracks": ["governance", "gpt2"]}


def parse(programme=None, path=PATH, **meta):
    return ev.parse_event({**META, **meta, "programme": PROGRAMME if programme is None else programme}, path, PAGES)


def changed(path: list, value):
    """PROGRAMME with the item at `path` (keys and list indices) replaced by `value`."""
    data = json.loads(json.dumps(PROGRAMME))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def error(programme, **meta) -> str:
    with pytest.raises(FrontMatterError) as info:
        parse(programme, **meta)
    return str(info.value)


def test_a_valid_programme_is_parsed_in_the_event_order_with_aware_times():
    event = parse()
    p = event.programme
    assert [t.track for t in p.tracks] == ["governance", "gpt2"]
    gpt2 = p.tracks[1]
    assert gpt2.facilitators == ("Robin",) and gpt2.room == "Room B"
    assert [s.minutes for s in gpt2.sessions] == [80, 45]
    assert gpt2.sessions[0].start == dt.datetime(2027, 3, 13, 10, 40, tzinfo=event.start.tzinfo)
    assert [s.title for s in p.together] == ["Where AI is going", "Lunch", "Each group shares one thing"]


def test_unquoted_times_that_yaml_reads_as_minutes_still_work():
    # YAML 1.1 reads an unquoted 10:40 as the base-60 integer 640.
    event = parse(changed(["tracks", "gpt2", "sessions", 0, "start"], 640))
    assert event.programme.tracks[1].sessions[0].start.strftime("%H:%M") == "10:40"


@pytest.mark.parametrize("programme, expected", [
    ({**PROGRAMME, "lunch": {}},
     "field 'programme.lunch': unknown key; programme takes opening, breaks, closing, tracks"),
    (changed(["opening", "speakr"], "x"), "field 'programme.opening.speakr': unknown key; did you mean 'speaker'?"),
    (changed(["tracks", "gpt2", "sessions", 0, "sectoin"], "x"),
     "field 'programme.tracks.gpt2.sessions[1].sectoin': unknown key; did you mean 'section'?"),
    (changed(["tracks", "gpt2", "sessions", 0, "start"], "10.40"),
     "field 'programme.tracks.gpt2.sessions[1].start': '10.40' is not a time; write it as 'HH:MM'"),
    (changed(["tracks", "gpt2", "sessions", 0, "start"], "25:00"),
     "field 'programme.tracks.gpt2.sessions[1].start': '25:00' is not a time of day"),
    (changed(["tracks", "gpt2", "sessions", 0, "end"], "10:00"),
     "field 'programme.tracks.gpt2.sessions[1].end': 10:00 is not after programme.tracks.gpt2.sessions[1].start"),
    (changed(["closing", "end"], "17:00"),
     "field 'programme.closing.end': 16:00–17:00 falls outside the event (10:00–16:30)"),
    (changed(["tracks", "gpt2", "sessions", 1, "start"], "11:30"),
     "field 'programme.tracks.gpt2.sessions[2].start': starts at 11:30, before the previous session ends (12:00)"),
    (changed(["tracks", "gpt2", "sessions", 0, "section"], "gpt2/01-tokenisation.md"),
     "field 'programme.tracks.gpt2.sessions[1].section': 'gpt2/01-tokenisation.md' is not a section of the "
     "Build GPT-2 track; did you mean gpt2/01-tokenization.md?"),
    (changed(["tracks", "gpt2", "sessions", 0, "section"], "circuits/02-one-layer.md"),
     "is not a section of the Build GPT-2 track (a page of another track: put it under that track)"),
    (changed(["tracks", "circuits"], {"sessions": []}),
     "field 'programme.tracks.circuits': unknown key; programme.tracks takes governance, gpt2"),
    (changed(["tracks", "gpt2", "sessions"], []), "field 'programme.tracks.gpt2.sessions': a list of at least one"),
    (changed(["breaks"], {"title": "Lunch"}), "field 'programme.breaks': must be a list"),
    (changed(["opening", "title"], ""), "field 'programme.opening.title': missing"),
    ("lunch at noon", "field 'programme': must be a mapping of opening, breaks, closing, tracks"),
])
def test_programme_errors_name_the_file_the_key_and_the_fix(programme, expected):
    message = error(programme)
    assert message.startswith(PATH + ": ") and expected in message, message


def test_programme_times_in_a_daylight_saving_gap_are_rejected():
    meta = {"start": "2027-03-14 00:30", "end": "2027-03-14 06:00"}
    programme = {"tracks": {"gpt2": {"sessions": [
        {"section": "gpt2/01-tokenization.md", "start": "02:30", "end": "04:00"}]}}}
    message = error(programme, path="events/2027-03-14-night.md", **meta)
    assert "programme.tracks.gpt2.sessions[1].start': 2027-03-14 02:30 does not exist in America/Los_Angeles" in message


def test_without_the_site_pages_no_section_exists():
    with pytest.raises(FrontMatterError, match="is not a section of the Governance track"):
        ev.parse_event({**META, "programme": PROGRAMME}, PATH)


def site():
    text = "---\n" + json.dumps({**META, "programme": PROGRAMME}) + "\n---\n\nAbout.\n"
    return ev.EventSite([(PATH, text), *PAGES.items(), ("organizers/code-of-conduct.md", "# CoC\n")],
                        dt.date(2027, 1, 1))


def test_the_printable_programme_lists_the_shared_slots_and_each_tracks_sections_with_links():
    page = site().generated_pages()["events/2027-03-13-library/programme.md"]
    assert "hide: [navigation, toc]" in page and "exclude: true" in page      # a printout, not a search hit
    assert "# Programme: Library meetup" in page
    assert '| <time datetime="2027-03-13T10:00:00-08:00">10:00</time>–' in page
    assert "Where AI is going (Sam) | Hall |" in page
    assert "### Build GPT-2 · Room B · with Robin" in page
    assert "[Tokenization](../../gpt2/01-tokenization.md)" in page
    assert "[What would it take to pause?](../../governance/05-pause.md)" in page
    assert "[code of conduct](../../organizers/code-of-conduct.md)" in page
    assert '<span class="event-when" data-timezone="America/Los_Angeles">' in page   # local time for online people


def test_the_run_sheet_has_timings_handouts_and_setup_per_track():
    pages = site().generated_pages()
    governance = pages["events/2027-03-13-library/run-sheet-governance.md"]
    assert ("[Handout: 5. What would it take to pause?](../../governance/handouts/05-pause.md): "
            "one per participant") in governance
    assert "[glossary](../../governance/handouts/glossary.md)" in governance
    assert "Nothing to install" in governance
    assert "| 90 | [What would it take to pause?](../../governance/05-pause.md) | 75–90 min |" in governance
    gpt2 = pages["events/2027-03-13-library/run-sheet-gpt2.md"]
    assert "**Facilitators:** Robin" in gpt2 and "Room B" in gpt2
    assert "*Where AI is going* (everyone)" in gpt2 and "*Lunch* (everyone)" in gpt2
    assert 'pip install --extra-index-url https://download.pytorch.org/whl/cpu "torch>=2.4" "tiktoken>=0.9"' in gpt2
    assert "[01_model.ipynb](../../notebooks/gpt2/01_model.ipynb)" in gpt2 and "GPT-2 small (500 MB)" in gpt2
    assert "Runnable blocks on [Tokenization](../../gpt2/01-tokenization.md)" in gpt2
    assert "The full model: 45 min planned, the card says 60 min" in gpt2      # tight timing flagged
    assert "Tokenization: " not in gpt2.split("Tight timings")[-1]


def test_notebook_requirements_are_read_from_each_install_style():
    assert prog.notebook_requirements(NOTEBOOK) == ["torch>=2.4", "tiktoken>=0.9"]
    loop = ('for module, requirement in [("torch", "torch"), ("transformers", "transformers>=4.46")]:\n'
            '    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", requirement])\n')
    assert prog.notebook_requirements(loop) == ["torch", "transformers>=4.46"]
    literal = 'subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "torch"])'
    assert prog.notebook_requirements(literal) == ["torch"]
    # only install cells count, and only what parses as a requirement
    assert prog.notebook_requirements('x = ("gelu", "gelu_pytorch_tanh")\nf("data", "manual")') == []
    invalid = 'subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", ".attn.masked_bias", "torch"])'
    assert prog.notebook_requirements(invalid) == ["torch"]
    # a data-preparation cell that installs one package among much else: its other strings are not
    # requirements (the venue kit once downloaded PyPI projects named "char", "gpt2" and "val")
    prep = ('TOKENIZERS = {"char": CharTokenizer, "gpt2": GPT2Tokenizer}\nsplits = [("train", "val")]\n'
            'for split, name in [("train", "train"), ("val", "val")]:\n    write(split, name)\n'
            'if DATASET == "fineweb":\n'
            '    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "datasets>=2.19"])\n')
    assert prog.notebook_requirements(prep) == ["datasets>=2.19"]


def test_a_run_sheet_for_the_training_section_installs_only_the_notebooks_real_requirements():
    docs = ROOT / "docs"
    pages = {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8")
             for p in [*docs.rglob("*.md"), *(docs / "notebooks").rglob("*.ipynb")]}
    programme = {"tracks": {"gpt2": {"sessions": [{"section": "gpt2/05-training.md",
                                                   "start": "10:40", "end": "12:30"}]}}}
    text = "---\n" + json.dumps({**META, "programme": programme}) + "\n---\n\nAbout.\n"
    sheet = ev.EventSite([(PATH, text), *pages.items()], dt.date(2027, 1, 1)).generated_pages()[
        "events/2027-03-13-library/run-sheet-gpt2.md"]
    install = next(line for line in sheet.splitlines() if "pip install" in line)
    quoted = install.split("https://download.pytorch.org/whl/cpu ", 1)[1].split('" "')
    listed = [q.strip('"') for q in quoted]
    assert listed == installs.requirements((docs / "notebooks/gpt2/02_train.ipynb").read_text(encoding="utf-8"))
    for name in ("gelu_pytorch_tanh", "manual", ".attn.masked_bias", '"data"'):
        assert name not in install


def test_the_worked_example_is_the_seeds_three_track_day():
    spring = ROOT / "docs/events/2027-03-13-spring-meetup.md"
    pages = {p.relative_to(ROOT / "docs").as_posix(): p.read_text() for p in (ROOT / "docs").rglob("*.md")}
    event = ev.EventSite([(f"events/{spring.name}", spring.read_text()), *pages.items()], dt.date(2027, 1, 1)) \
        .events[f"events/{spring.name}"]
    assert [t.track for t in event.programme.tracks] == ["governance", "gpt2", "circuits"]
    assert event.programme.opening.start.strftime("%H:%M") == "10:00"      # one shared talk first
    assert any(s.section == "governance/05-pause.md" for s in event.programme.tracks[0].sessions)
