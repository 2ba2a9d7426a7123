"""A meetup day's programme, from an event's ``programme`` front matter.

From one event file the build makes a printable one-page programme for participants
(``events/<slug>/programme.md``) and a facilitator's run sheet per track
(``events/<slug>/run-sheet-<track>.md``): the track's sections with timings, the handouts to print
and what to set up beforehand (the notebooks' installs, the in-browser runtime). ``events.py``
validates the event and calls ``parse_programme``; the pages are rendered here.

Front matter (see docs/organizers/add-an-event.md)::

    programme:
      opening: {title: Where AI is going, start: "10:00", end: "10:30", speaker: Sam, room: Hall}
      breaks:
        - {title: Lunch, start: "12:30", end: "13:15"}
      closing: {title: Each group shares one thing, start: "16:00", end: "16:30"}
      tracks:
        gpt2:
          room: Room B
          facilitators: [Alex]
          sessions:
            - {section: gpt2/01-tokenization.md, start: "10:40", end: "12:30"}

Times are ``HH:MM`` on the event's first day (or ``YYYY-MM-DD HH:MM``), in the venue's time zone.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass
from typing import Callable

from build_tools.notebooks import installs
from build_tools.site.frontmatter import FrontMatterError, split
from build_tools.site.tracks import TRACKS

PROGRAMME_KEYS = ("opening", "breaks", "closing", "tracks")
SLOT_KEYS = ("title", "start", "end", "speaker", "room", "note")
TRACK_KEYS = ("room", "facilitators", "sessions", "note")
SESSION_KEYS = ("section", "start", "end", "note")
HANDOUTS_DIR = "governance/handouts/"
NOTEBOOK_LINK = re.compile(r"\]\(((?:\.\./)+notebooks/[\w/.-]+?\.ipynb)\)")
# How a notebook's first cells name what they pip-install (course_src/*/0*.py).
MINUTES = re.compile(r"^\s*(\d+)")


@dataclass(frozen=True)
class Slot:
    """Something everyone does together: the opening talk, a break, the closing round."""
    title: str
    start: dt.datetime
    end: dt.datetime
    speaker: str = ""
    room: str = ""
    note: str = ""


@dataclass(frozen=True)
class Session:
    section: str          # docs path, e.g. "gpt2/01-tokenization.md"
    start: dt.datetime
    end: dt.datetime
    note: str = ""

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class TrackPlan:
    track: str
    sessions: tuple[Session, ...]
    room: str = ""
    facilitators: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Programme:
    tracks: tuple[TrackPlan, ...]
    opening: Slot | None = None
    breaks: tuple[Slot, ...] = ()
    closing: Slot | None = None

    @property
    def together(self) -> list[Slot]:
        """The shared slots in time order."""
        slots = [self.opening, *self.breaks, self.closing]
        return sorted((s for s in slots if s), key=lambda s: s.start)


# ---------------------------------------------------------------- validation

def _err(path: str, key: str, message: str) -> FrontMatterError:
    return FrontMatterError(path, key, message, noun="field")


def _mapping(value, path: str, key: str, allowed: tuple[str, ...], example: str) -> dict:
    if not isinstance(value, dict):
        raise _err(path, key, f"must be a mapping of {', '.join(allowed)}, e.g. {example}")
    unknown = sorted(str(k) for k in set(value) - set(allowed))
    if unknown:
        hint = difflib.get_close_matches(unknown[0], allowed, n=1)
        did = f"did you mean '{hint[0]}'? " if hint else ""
        raise _err(path, f"{key}.{unknown[0]}", f"unknown key; {did}{key} takes " + ", ".join(allowed))
    return value


def _text(value, path: str, key: str) -> str:
    if isinstance(value, (dict, list)):
        raise _err(path, key, "must be a line of text")
    return str(value or "").strip()


def _span(raw: dict, path: str, key: str, parse_time, day_start, day_end) -> tuple[dt.datetime, dt.datetime]:
    for part in ("start", "end"):
        if raw.get(part) in (None, ""):
            raise _err(path, f"{key}.{part}", "missing; write the time as 'HH:MM', e.g. start: '10:40'")
    start = parse_time(raw["start"], f"{key}.start")
    end = parse_time(raw["end"], f"{key}.end")
    if end <= start:
        raise _err(path, f"{key}.end", f"{end:%H:%M} is not after {key}.start ({start:%H:%M})")
    if start < day_start or end > day_end:
        raise _err(path, f"{key}.start" if start < day_start else f"{key}.end",
                   f"{start:%H:%M}–{end:%H:%M} falls outside the event ({day_start:%H:%M}–{day_end:%H:%M}); "
                   "fix the time or the event's start/end")
    return start, end


def _slot(raw, path: str, key: str, parse_time, day_start, day_end) -> Slot:
    raw = _mapping(raw, path, key, SLOT_KEYS, "{title: Opening talk, start: '10:00', end: '10:30'}")
    title = _text(raw.get("title"), path, f"{key}.title")
    if not title:
        raise _err(path, f"{key}.title", "missing; say what happens, e.g. title: Lunch")
    start, end = _span(raw, path, key, parse_time, day_start, day_end)
    return Slot(title, start, end, **{k: _text(raw.get(k), path, f"{key}.{k}") for k in ("speaker", "room", "note")})


def _section(value, path: str, key: str, track: str, pages) -> str:
    section = _text(value, path, key).lstrip("/")
    if section.startswith("docs/"):
        section = section[len("docs/"):]
    if not section:
        raise _err(path, key, f"missing; name the course page by its docs path, e.g. {track}/01-....md")
    candidates = sorted(p for p in pages if p.startswith(track + "/") and p.count("/") == 1
                        and p.endswith(".md") and p != f"{track}/index.md")
    if section not in candidates:
        guess = difflib.get_close_matches(section if section.endswith(".md") else section + ".md",
                                          candidates, n=1, cutoff=0.4)
        other = " (a page of another track: put it under that track)" if section in pages else ""
        hint = f"did you mean {guess[0]}? " if guess else ""
        raise _err(path, key, f"{section!r} is not a section of the {TRACKS[track]} track{other}; "
                   f"{hint}sections are " + ", ".join(candidates))
    return section


def parse_programme(value, path: str, tracks: tuple[str, ...], pages,
                    parse_time: Callable[[object, str], dt.datetime],
                    day_start: dt.datetime, day_end: dt.datetime) -> Programme:
    """Validate `value` (the event's ``programme``) against the event's tracks, times and pages.

    ``pages`` holds every docs path of the site (sections must exist); ``parse_time(value, key)``
    turns a time of the event into an aware datetime (events.py: 'HH:MM' on the first day, DST checked).
    Raises FrontMatterError naming the file, the key (e.g. programme.tracks.gpt2.sessions[2].start)
    and the fix.
    """
    raw = _mapping(value, path, "programme", PROGRAMME_KEYS, "{opening: {...}, tracks: {gpt2: {...}}}")
    span = (parse_time, day_start, day_end)
    opening = _slot(raw["opening"], path, "programme.opening", *span) if raw.get("opening") else None
    closing = _slot(raw["closing"], path, "programme.closing", *span) if raw.get("closing") else None
    breaks_raw = raw.get("breaks") or []
    if not isinstance(breaks_raw, list):
        raise _err(path, "programme.breaks", "must be a list, e.g. - {title: Lunch, start: '12:30', end: '13:15'}")
    breaks = tuple(_slot(b, path, f"programme.breaks[{i + 1}]", *span) for i, b in enumerate(breaks_raw))
    tracks_raw = _mapping(raw.get("tracks") or {}, path, "programme.tracks", tracks, "{gpt2: {sessions: [...]}}")
    plans = []
    for track in tracks:          # in the event's order
        if track not in tracks_raw:
            continue
        key = f"programme.tracks.{track}"
        plan = _mapping(tracks_raw[track] or {}, path, key, TRACK_KEYS, "{room: Room B, sessions: [...]}")
        sessions_raw = plan.get("sessions") or []
        if not isinstance(sessions_raw, list) or not sessions_raw:
            raise _err(path, f"{key}.sessions", "a list of at least one session, e.g. "
                       f"- {{section: {track}/....md, start: '10:40', end: '12:30'}}")
        sessions = []
        for i, item in enumerate(sessions_raw):
            skey = f"{key}.sessions[{i + 1}]"
            item = _mapping(item, path, skey, SESSION_KEYS,
                            "{section: gpt2/01-tokenization.md, start: '10:40', end: '12:30'}")
            section = _section(item.get("section"), path, f"{skey}.section", track, pages)
            start, end = _span(item, path, skey, *span)
            if sessions and start < sessions[-1].end:
                raise _err(path, f"{skey}.start", f"starts at {start:%H:%M}, before the previous session "
                           f"ends ({sessions[-1].end:%H:%M}); list a track's sessions in time order, not overlapping")
            sessions.append(Session(section, start, end, _text(item.get("note"), path, f"{skey}.note")))
        people = plan.get("facilitators") or []
        people = people if isinstance(people, list) else [people]
        plans.append(TrackPlan(track, tuple(sessions), room=_text(plan.get("room"), path, f"{key}.room"),
                               facilitators=tuple(_text(p, path, f"{key}.facilitators") for p in people),
                               note=_text(plan.get("note"), path, f"{key}.note")))
    if not plans:
        raise _err(path, "programme.tracks", "plan at least one track: tracks: {gpt2: {sessions: [...]}}")
    return Programme(tracks=tuple(plans), opening=opening, breaks=breaks, closing=closing)


# ---------------------------------------------------------------- what the pages say

def page_title(text: str, src: str) -> str:
    body = split(text, src)[1] if text.startswith("---") else text
    match = re.search(r"^# (.+)$", body, re.M)
    return match.group(1).strip() if match else src.rsplit("/", 1)[-1][:-3]


def card_minutes(text: str, src: str) -> tuple[str, int]:
    """(the card's ``time`` as written, its first number of minutes), e.g. ('75–90 min', 75)."""
    meta = split(text, src)[0] if text.startswith("---") else {}
    time = str(meta.get("time") or "")
    match = MINUTES.match(time)
    return time, int(match.group(1)) if match else 0


def notebook_requirements(text: str) -> list[str]:
    """What a notebook pip-installs when a module is missing: read only from its install cells
    (code cells that run ``pip install``). ``text`` is the notebook's JSON, or one cell's code."""
    try:
        return installs.requirements(text)
    except (ValueError, AttributeError, KeyError, TypeError):
        return installs.cell_requirements(text) if installs.is_install_cell(text) else []


def notebook_downloads(text: str) -> list[str]:
    """What a notebook downloads, as its text says it (e.g. "GPT-2 small (500 MB)")."""
    try:
        cells = json.loads(text).get("cells", [])
        code = "\n".join("".join(c.get("source", "")) for c in cells)
    except (ValueError, AttributeError):
        code = text
    found = re.findall(r"\bdownloads? ([^\n.]*?\d+ [MG]B\)?)", code)
    return list(dict.fromkeys(f.strip(" ,;") for f in found))


def section_notebooks(section: str, text: str) -> list[str]:
    """Docs paths of the notebooks a section page links to."""
    out = []
    for link in NOTEBOOK_LINK.findall(text):
        out.append(re.sub(r"^(\.\./)+", "", link))
    return list(dict.fromkeys(out))


def handouts(section: str, pages) -> list[str]:
    """A governance unit's handout (governance/handouts/<same name>.md), if it has one."""
    name = section.rsplit("/", 1)[-1]
    path = HANDOUTS_DIR + name
    return [path] if section.startswith("governance/") and path in pages else []


# ---------------------------------------------------------------- pages

def _time(moment: dt.datetime) -> str:
    return f'<time datetime="{moment.isoformat()}">{moment:%H:%M}</time>'


def _span_html(start: dt.datetime, end: dt.datetime) -> str:
    return f"{_time(start)}–{_time(end)}"


def _link(text: str, target: str, pages, prefix: str) -> str:
    """A link to a docs page when the site has it, else the plain text (small test sites)."""
    return f"[{text}]({prefix}{target})" if target in pages else text


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _front(title: str) -> str:
    # Printouts, not pages to find: out of search; no side navigation so it fits one page.
    return f"---\ntitle: {json.dumps(title)}\nhide: [navigation, toc]\nsearch:\n  exclude: true\n---\n\n"


def render_programme(event, programme: Programme, pages: dict, prefix: str) -> str:
    """The participants' one-page programme (Markdown). `prefix` leads from the page to docs/."""
    from build_tools.site import events as ev  # (events imports this module)

    lines = [_front(f"Programme: {event.title}"), f"# Programme: {event.title}", "",
             '<div class="course-programme" markdown>', "",
             f"**When:** {ev.when_html(event)}  ", f"**Where:** {ev.where(event)}", ""]
    if programme.together:
        lines += ["## Together", "", "| Time | What | Where |", "|---|---|---|"]
        for slot in programme.together:
            who = f" ({_escape_cell(slot.speaker)})" if slot.speaker else ""
            lines.append(f"| {_span_html(slot.start, slot.end)} | {_escape_cell(slot.title)}{who} | "
                         f"{_escape_cell(slot.room)} |")
        lines.append("")
    lines += ["## The tracks", "", "Pick one; you can switch at any break.", ""]
    for plan in programme.tracks:
        people = ("with " + ", ".join(plan.facilitators)) if plan.facilitators else ""
        where = " · ".join(filter(None, [plan.room, people]))
        lines += [f"### {TRACKS[plan.track]}" + (f" · {where}" if where else ""), ""]
        if plan.note:
            lines += [plan.note, ""]
        lines += ["| Time | Section |", "|---|---|"]
        for s in plan.sessions:
            title = page_title(pages.get(s.section, ""), s.section)
            lines.append(f"| {_span_html(s.start, s.end)} | [{_escape_cell(title)}]({prefix}{s.section}) |")
        lines.append("")
    lines += [f"Everyone is welcome: please read the [code of conduct]({prefix}organizers/code-of-conduct.md). "
              f"[Back to the event]({prefix}events/{event.slug}.md)" if "organizers/code-of-conduct.md" in pages
              else f"[Back to the event]({prefix}events/{event.slug}.md)", "", "</div>", ""]
    return "\n".join(lines)


def render_run_sheet(event, programme: Programme, plan: TrackPlan, pages: dict, prefix: str) -> str:
    """A facilitator's run sheet for one track (Markdown). `prefix` leads from the page to docs/."""
    from build_tools.site import events as ev

    name = TRACKS[plan.track]
    lines = [_front(f"Run sheet: {name}, {event.title}"), f"# Run sheet: {name}", "",
             '<div class="course-run-sheet" markdown>', "",
             f"**Event:** [{event.title}]({prefix}events/{event.slug}.md)  ",
             f"**When:** {ev.when_html(event)}  ",
             f"**Where:** {ev.where(event)}" + (f", {plan.room}" if plan.room else "") + "  ",
             f"**Facilitators:** {', '.join(plan.facilitators) or 'to be found'}", ""]
    if plan.note:
        lines += [plan.note, ""]
    lines += ["## Timings", "", "| Time | Minutes | Section | The card says |", "|---|---|---|---|"]
    rows = [(s.start, "session", s) for s in plan.sessions] + [(t.start, "together", t) for t in programme.together]
    warnings = []
    for _, kind, item in sorted(rows, key=lambda r: r[0]):
        if kind == "together":
            lines.append(f"| {_span_html(item.start, item.end)} | {int((item.end - item.start).total_seconds() // 60)} "
                         f"| *{_escape_cell(item.title)}* (everyone) | |")
            continue
        text = pages.get(item.section, "")
        card, minimum = card_minutes(text, item.section)
        lines.append(f"| {_span_html(item.start, item.end)} | {item.minutes} | "
                     f"[{_escape_cell(page_title(text, item.section))}]({prefix}{item.section})"
                     f"{' · ' + _escape_cell(item.note) if item.note else ''} | {_escape_cell(card)} |")
        if minimum and item.minutes < minimum:
            warnings.append(f"{page_title(text, item.section)}: {item.minutes} min planned, the card says {card}; "
                            "pick the parts to cover, or give it more time.")
    lines.append("")
    if warnings:
        lines += ['!!! warning "Tight timings"', ""] + [f"    - {w}" for w in warnings] + [""]

    lines += ["## Print beforehand", ""]
    printed = [f"- This track's [section pages]({prefix}{plan.track}/index.md) for you, with "
               "**Include solutions when printing this page** ticked where there are exercises."
               if plan.track != "governance" else
               "- The units' facilitator notes for you (at the end of each unit page)."]
    for s in plan.sessions:
        for handout in handouts(s.section, pages):
            printed.append(f"- [{page_title(pages[handout], handout)}]({prefix}{handout}): "
                           "one per participant, and spares.")
    if plan.track == "governance" and HANDOUTS_DIR + "glossary.md" in pages:
        printed.append(f"- The [glossary]({prefix}{HANDOUTS_DIR}glossary.md): a few copies to share.")
    printed.append("- The [programme](programme.md): a few copies for the door, and the site's address.")
    lines += printed + [""]

    lines += ["## Set up beforehand", ""]
    setup = []
    notebooks, requirements, downloads, runnable = [], [], [], []
    for s in plan.sessions:
        text = pages.get(s.section, "")
        if "```pyodide" in text:
            runnable.append(f"[{page_title(text, s.section)}]({prefix}{s.section})")
        for nb in section_notebooks(s.section, text):
            if nb not in notebooks:
                notebooks.append(nb)
                requirements += notebook_requirements(pages.get(nb, ""))
                downloads += notebook_downloads(pages.get(nb, ""))
    if runnable:
        setup.append("- Runnable blocks on " + ", ".join(runnable) + ": open one of these pages on the venue's "
                     "network and run a block, so you know the browser can fetch the Python runtime (about 13 MB, "
                     "once per browser). With poor Wi-Fi, see "
                     + _link("offline at a venue", "organizers/offline-venue.md", pages, prefix) + ".")
    if notebooks:
        links = ", ".join(f"[{nb.rsplit('/', 1)[-1]}]({prefix}{nb})" for nb in notebooks)
        setup.append(f"- Notebooks: {links}. Run each once before the day, on the machine you will use: "
                     "it installs what is missing and downloads the data and weights it needs"
                     + (" (" + "; ".join(dict.fromkeys(downloads)) + ")" if downloads else "") + ".")
    requirements = list(dict.fromkeys(requirements))
    if requirements:
        quoted = " ".join(f'"{r}"' for r in requirements)
        setup.append("- Ask participants running notebooks on their own laptops to install beforehand "
                     "(the CPU build of torch is much smaller):\n\n"
                     "    ```bash\n"
                     f"    pip install --extra-index-url https://download.pytorch.org/whl/cpu {quoted}\n"
                     "    ```")
    if not setup:
        setup.append("- Nothing to install: this track's pages need only a browser.")
    lines += setup + [""]
    lines += ["## During the day", "",
              "- Start each session at a heading, so people arriving late can join there; each page's "
              "*Dropping in?* line says where.",
              "- Groups of more than eight split again, so everyone gets hands-on time.",
              f"- More in [run a meetup]({prefix}organizers/run-a-meetup.md)." if "organizers/run-a-meetup.md" in pages
              else "", "", "</div>", ""]
    return "\n".join(lines)
