"""Section cards: validate a section page's front matter and render the card and each track's map.

``SiteCards`` is one build's cards; ``build_tools/site/cards_hook.py`` wires it into MkDocs.

Contract (docs/authors, CONTRACT.md): a section page (``<track>/<name>.md``, not ``index.md``)
starts with front matter ``time``, ``prerequisites``, ``you_will``, ``drop_in``; ``time`` and
``you_will`` are required. The card and the drop-in map are Markdown + HTML (md_in_html), so the
values may use inline Markdown (links, emphasis, code).
"""

from __future__ import annotations

import difflib
import html
import posixpath
import re
from dataclasses import dataclass

from build_tools.site.frontmatter import FrontMatterError, insert_after_title, report, split
from build_tools.site.tracks import TRACKS

CARD_KEYS = ("time", "prerequisites", "you_will", "drop_in")
REQUIRED = ("time", "you_will")
LABELS = {"time": "Time", "prerequisites": "Prerequisites", "you_will": "You will",
          "drop_in": "Dropping in?"}
# A page still being written may carry this note instead of front matter (no card until then).
PLACEHOLDER = '!!! note "In preparation"'
TIME = re.compile(r"^\d")
MAP_MARKER = "<!-- drop-in-map -->"
MAP_LINE = re.compile(r"^<!-- drop-in-map -->[ \t]*$", re.M)   # on a line of its own (not in prose)


@dataclass(frozen=True)
class Card:
    section: str   # stable id of the section: its page URL relative to the site, e.g. "gpt2/01-tokenization/"
    time: str = ""
    prerequisites: str = ""
    you_will: str = ""
    drop_in: str = ""


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

    Raises FrontMatterError for: a misspelt card key (e.g. `you-will`), a non-text value, a `time` that
    does not start with a number, or a section page missing `time` or `you_will`.
    """
    for key in meta:
        if key in CARD_KEYS:
            continue
        close = difflib.get_close_matches(key.lower().replace("-", "_").replace(" ", "_"),
                                          CARD_KEYS, n=1, cutoff=0.75)
        if close:
            raise FrontMatterError(src_path, key, f"unknown key; did you mean '{close[0]}'? "
                            "Card keys are " + ", ".join(CARD_KEYS))
    values = {}
    for key in CARD_KEYS:
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise FrontMatterError(src_path, key, "must be one line of text (quote it if it contains ': ')")
        values[key] = str(value).strip()
    if "time" in values and not TIME.match(values["time"]):
        raise FrontMatterError(src_path, "time", f"{values['time']!r} should start with a number of "
                        "minutes, e.g. 'time: 75 min' or 'time: 60–90 min'")
    if is_section_page(src_path) if is_section is None else is_section:
        if is_placeholder(meta, markdown):
            return None
        for key in REQUIRED:
            if not values.get(key):
                raise FrontMatterError(src_path, key, "missing; every section page starts with front "
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
        # Out of the search index: each row repeats the section's own card, indexed on its page.
        '<div class="drop-in-map" data-search-exclude markdown>', "",
        "| Section | Time | You will | Dropping in? | Done |", "|---|---|---|---|---|",
    ]
    for title, link, card in entries:
        if card is None:
            lines.append(f"| [{_cell(title)}]({link}) | – | *In preparation* | – | |")
            continue
        done = f'<span class="progress-mark" data-section="{html.escape(card.section)}"></span>'
        lines.append(f"| [{_cell(title)}]({link}) | {_cell(card.time)} | {_cell(card.you_will)} "
                     f"| {_cell(card.drop_in)} | {done} |")
    return "\n".join([*lines, "", "</div>"]) + "\n"


def _h1(markdown: str) -> str:
    match = re.search(r"^# (.+)$", markdown, flags=re.M)
    return match.group(1).strip() if match else ""


class SiteCards:
    """The cards of one build, and the Markdown of each page with its card and drop-in map.

    `pages`: (src_uri, url, text) of every Markdown page; `nav`: (src_uri, nav title or None) of
    the pages in the nav, in nav order. Only nav pages get a section card (a snippet such as a
    glossary is no section). Raises ValueError listing every front-matter problem, each with its
    file and key.
    """

    def __init__(self, pages, nav):
        self.nav = list(nav)
        in_nav = {src for src, _ in self.nav}
        self.cards: dict[str, Card | None] = {}
        self.titles: dict[str, str] = {}
        errors = []
        for src, url, text in pages:
            try:
                meta, markdown = split(text, src)
                self.cards[src] = parse_card(meta, src, url, markdown,
                                             is_section=is_section_page(src) and src in in_nav)
            except FrontMatterError as exc:
                errors.append(exc)
                continue
            self.titles[src] = str(meta.get("title") or _h1(markdown)
                                   or posixpath.splitext(posixpath.basename(src))[0])
        report(errors, "Section front matter problems (see docs/organizers/add-a-chapter.md):")
        for src, title in self.nav:  # nav titles ("1. Tokenization") win over the page's H1
            if title:
                self.titles[src] = title

    def track_entries(self, track: str) -> list[tuple[str, str, Card | None]]:
        """(title, link relative to the track's index, Card or None) of its sections in nav order."""
        return [(self.titles.get(src, src), posixpath.basename(src), self.cards.get(src))
                for src, _ in self.nav if is_section_page(src) and src.startswith(track + "/")]

    def page_markdown(self, src: str, markdown: str) -> str:
        """The page with its card under the title and the drop-in map in place of the marker."""
        card = self.cards.get(src)
        if card is not None:
            markdown = insert_after_title(markdown, render_card(card))
        if MAP_LINE.search(markdown):
            track = src.split("/")[0]
            if track not in TRACKS or not src.endswith("/index.md"):
                raise ValueError(f"docs/{src}: {MAP_MARKER} belongs only in a track's index.md "
                                 f"({', '.join(t + '/index.md' for t in TRACKS)})")
            table = render_drop_in_map(track, self.track_entries(track))
            markdown = MAP_LINE.sub(lambda _: table, markdown)
        return markdown
