"""MkDocs hook: section cards under the title of section pages, and each track's drop-in map.

The marker ``<!-- drop-in-map -->`` in a track's index.md becomes a table of its sections (from
their front matter, in nav order) with the reader's progress. Front-matter errors of all pages are
collected and reported together, each with its file and key.
"""

from __future__ import annotations

import posixpath
import re

from mkdocs.exceptions import PluginError
from mkdocs.utils.meta import get_data

from build_tools.site import cards

MAP_MARKER = "<!-- drop-in-map -->"
MAP_LINE = re.compile(r"^<!-- drop-in-map -->[ \t]*$", re.M)   # on a line of its own (not in prose)
_cards: dict[str, cards.Card | None] = {}   # src_uri -> Card (None: no card)
_titles: dict[str, str] = {}
_nav_pages: list = []                         # pages in nav order, for the drop-in maps


def _h1(markdown: str) -> str:
    match = re.search(r"^# (.+)$", markdown, flags=re.M)
    return match.group(1).strip() if match else ""


def on_nav(nav, config, files):
    _cards.clear()
    _titles.clear()
    _nav_pages.clear()
    errors = []
    in_nav = {page.file.src_uri for page in nav.pages}
    for file in files.documentation_pages():
        if not file.src_uri.endswith(".md"):
            continue
        markdown, meta = get_data(file.content_string)
        try:
            cards.check_front_matter(file.content_string, file.src_uri)
            _cards[file.src_uri] = cards.parse_card(
                meta, file.src_uri, file.url, markdown,
                is_section=cards.is_section_page(file.src_uri) and file.src_uri in in_nav)
        except cards.CardError as exc:
            errors.append(f"docs/{exc}")
        _titles[file.src_uri] = str(meta.get("title") or _h1(markdown) or file.name)
    if errors:
        raise PluginError("Section front matter problems (see docs/organizers/add-a-chapter.md):\n  "
                          + "\n  ".join(errors))
    _nav_pages[:] = nav.pages
    for page in nav.pages:  # nav titles ("1. Tokenization") win over the page's H1
        if page.title:
            _titles[page.file.src_uri] = page.title
    return nav


def track_entries(track: str, nav_pages) -> list[tuple[str, str, cards.Card | None]]:
    entries = []
    for page in nav_pages:
        src = page.file.src_uri
        if cards.is_section_page(src) and src.startswith(track + "/"):  # nav pages only
            entries.append((_titles.get(src, src), posixpath.basename(src), _cards.get(src)))
    return entries


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    card = _cards.get(src)
    if card is not None:
        markdown = cards.insert_after_title(markdown, cards.render_card(card))
    if MAP_LINE.search(markdown):
        track = src.split("/")[0]
        if track not in cards.TRACKS or not src.endswith("/index.md"):
            raise PluginError(f"docs/{src}: {MAP_MARKER} belongs only in a track's index.md "
                              f"({', '.join(t + '/index.md' for t in cards.TRACKS)})")
        table = cards.render_drop_in_map(track, track_entries(track, _nav_pages))
        markdown = MAP_LINE.sub(lambda _: table, markdown)
    return markdown

