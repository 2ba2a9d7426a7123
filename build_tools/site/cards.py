"""Section cards: validate a section page's front matter and render the card and each track's map.

Contract (docs/authors, CONTRACT.md): a section page (``<track>/<name>.md``, not ``index.md``)
starts with front matter ``time``, ``prerequisites``, ``you_will``, ``drop_in``; ``time`` and
``you_will`` are required. The card and the drop-in map are Markdown + HTML (md_in_html), so the
values may use inline Markdown (links, emphasis, code).
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

import yaml

TRACKS = ("governance", "gpt2", "circuits")
CARD_KEYS = ("time", "prerequisites", "you_will", "drop_in")
REQUIRED = ("time", "you_will")
LABELS = {"time": "Time", "prerequisites": "Prerequisites", "you_will": "You will",
          "drop_in": "Dropping in?"}
# A page still being written may carry this note instead of front matter (no card until then).
PLACEHOLDER = '!!! note "In preparation"'
TIME = re.compile(r"^\d")


class CardError(ValueError):
    """A front-matter problem on one page: file, key and fix."""

    def __init__(self, path: str, key: str, message: str):
        super().__init__(f"{path}: front matter '{key}': {message}")
        self.path, self.key = path, key


@dataclass(frozen=True)
class Card:
    section: str   # stable id of the section: its page URL relative to the site, e.g. "gpt2/01-tokenization/"
    time: str = ""
    prerequisites: str = ""
    you_will: str = ""
    drop_in: str = ""


FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:-{3}|\.{3})[ \t]*\n", re.S)


def check_front_matter(text: str, src_path: str) -> None:
    """Raise CardError when a page's front matter is not valid YAML.

    MkDocs silently drops front matter it cannot parse (the page then has no title, no card);
    the usual cause is an unquoted value containing ': ', as in `drop_in: Read "Exercise: x"`.
    """
    match = FRONT_MATTER.match(text)
    if not match:
        return
    try:
        yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 2  # +1 for the opening ---, +1 for 1-based lines
        key = match.group(1).splitlines()[line - 2].split(":", 1)[0].strip() if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CardError(f"{src_path}:{line}", key, f"front matter is not valid YAML ({problem}). "
                        "Put the value in single quotes, e.g. key: 'Read \"Exercise: x\" first' "
                        "(a ': ' inside an unquoted value starts a new key)") from None


def is_section_page(src_path: str) -> bool:
    """`gpt2/01-tokenization.md` yes; `gpt2/index.md`, `governance/handouts/x.md`, `index.md` no.

    (The hook also requires the page to be in the nav: a snippet such as a glossary is no section.)
    """
    parts = src_path.split("/")
    return len(parts) == 2 and parts[0] in TRACKS and parts[1].endswith(".md") and parts[1] != "index.md"


def is_placeholder(meta: dict, markdown: str) -> bool:
    return not meta and PLACEHOLDER in markdown


def parse_card(meta: dict, src_path: str, section: str, markdown: str = "",
               is_section: bool | None = None) -> Card | None:
    """The card of a page, or None (no card keys on a non-section page, or a placeholder page).

    Raises CardError for: a misspelt card key (e.g. `you-will`), a non-text value, a `time` that
    does not start with a number, or a section page missing `time` or `you_will`.
    """
    for key in meta:
        if key in CARD_KEYS:
            continue
        close = difflib.get_close_matches(key.lower().replace("-", "_").replace(" ", "_"),
                                          CARD_KEYS, n=1, cutoff=0.75)
        if close:
            raise CardError(src_path, key, f"unknown key; did you mean '{close[0]}'? "
                            "Card keys are " + ", ".join(CARD_KEYS))
    values = {}
    for key in CARD_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise CardError(src_path, key, "must be one line of text (quote it if it contains ': ')")
        values[key] = str(value).strip()
    if "time" in values and not TIME.match(values["time"]):
        raise CardError(src_path, "time", f"{values['time']!r} should start with a number of "
                        "minutes, e.g. 'time: 75 min' or 'time: 60–90 min'")
    if is_section_page(src_path) if is_section is None else is_section:
        if is_placeholder(meta, markdown):
            return None
        for key in REQUIRED:
            if not values.get(key):
                raise CardError(src_path, key, "missing; every section page starts with front "
                                "matter such as\n    ---\n    time: 75 min\n    prerequisites: ...\n"
                                "    you_will: ...\n    drop_in: ...\n    ---")
    elif not values:
        return None
    return Card(section=section, **values)


def render_card(card: Card) -> str:
    """The card under the page title: Markdown with HTML blocks (needs md_in_html)."""
    rows = [f'<div class="section-card__row section-card__row--{key}" markdown="span">'
            f'<span class="section-card__key">{LABELS[key]}</span> {getattr(card, key)}</div>'
            for key in CARD_KEYS if getattr(card, key)]
    return "\n".join([
        f'<aside class="section-card" aria-label="About this section" '
        f'data-section="{html.escape(card.section)}" markdown="block">',
        *rows,
        '<button type="button" class="section-card__done md-button" aria-pressed="false" '
        'hidden>Mark as done</button>',
        "</aside>", ""])


def title_end(markdown: str) -> int:
    """Offset just after the page's first `# Title` line outside code fences (0 if none)."""
    fence, offset = None, 0
    for line in markdown.splitlines(keepends=True):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker and (fence is None or marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence)):
            fence = None if fence else marker.group(1)
        elif fence is None and line.startswith("# "):
            return offset + len(line.rstrip("\r\n"))
        offset += len(line)
    return 0


def insert_after_title(markdown: str, block: str) -> str:
    at = title_end(markdown)
    return f"{markdown[:at]}\n\n{block}\n{markdown[at:]}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "–"


def render_drop_in_map(track: str, entries) -> str:
    """A table of a track's sections (entries: (title, link, Card|None) in nav order) + progress.

    The progress line and the Done column are filled in by assets/site.js from localStorage;
    without JavaScript the table still reads as a map of the track.
    """
    sections = [card.section for _, _, card in entries if card]
    lines = [
        "## Drop-in map and your progress", "",
        "Where each section starts, what it needs, and how to join it mid-session. Mark a section "
        "done from the card under its title; your progress stays in this browser.", "",
        f'<div class="track-progress" data-track="{track}" '
        f'data-sections="{html.escape(" ".join(sections))}" hidden></div>', "",
        "| Section | Time | You will | Dropping in? | Done |", "|---|---|---|---|---|",
    ]
    for title, link, card in entries:
        if card is None:
            lines.append(f"| [{_cell(title)}]({link}) | – | *In preparation* | – | |")
            continue
        done = f'<span class="progress-mark" data-section="{html.escape(card.section)}"></span>'
        lines.append(f"| [{_cell(title)}]({link}) | {_cell(card.time)} | {_cell(card.you_will)} "
                     f"| {_cell(card.drop_in)} | {done} |")
    return "\n".join(lines) + "\n"
