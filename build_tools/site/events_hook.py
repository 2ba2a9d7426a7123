"""MkDocs hook: event pages, the events listing, the home page's next event, and .ics files.

Markers (replaced at build time):
  ``<!-- events-list -->`` in docs/events/index.md and ``<!-- next-event -->`` anywhere (home page).
"Today" (what counts as past) is the build date, or COURSE_TODAY=YYYY-MM-DD for tests.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils.meta import get_data

from build_tools.site import events as ev
from build_tools.site.cards import CardError, check_front_matter, insert_after_title, title_end

EVENTS_DIR = "events/"
LIST_LINE = re.compile(r"^<!-- events-list -->[ \t]*$", re.M)   # markers count on their own line only
NEXT_LINE = re.compile(r"^<!-- next-event -->[ \t]*$", re.M)
_events: dict[str, ev.Event] = {}   # src_uri -> Event, filled by on_files


def today() -> dt.date:
    value = os.environ.get("COURSE_TODAY")
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PluginError(f"COURSE_TODAY={value!r}: write the date as YYYY-MM-DD") from None


def build_time() -> dt.datetime:
    """DTSTAMP: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return now.replace(microsecond=0)


def is_event_file(src_uri: str) -> bool:
    return (src_uri.startswith(EVENTS_DIR) and src_uri.endswith(".md")
            and src_uri.count("/") == 1 and not src_uri.endswith("/index.md"))


def on_files(files, config):
    _events.clear()
    errors = []
    for file in files.documentation_pages():
        if not is_event_file(file.src_uri):
            continue
        _, meta = get_data(file.content_string)
        try:
            check_front_matter(file.content_string, file.src_uri)
            _events[file.src_uri] = ev.parse_event(meta, file.src_uri)
        except (ev.EventError, CardError) as exc:
            errors.append(f"docs/{exc}")
    if errors:
        raise PluginError("Invalid event files (see docs/organizers/add-an-event.md):\n  "
                          + "\n  ".join(errors))
    stamp, site_url = build_time(), config.get("site_url") or ""
    name = f"{config['site_name']}: events"
    for event in _events.values():
        files.append(File.generated(config, f"{EVENTS_DIR}{event.slug}.ics",
                                    content=ev.render_ics([event], stamp, site_url, name)))
    files.append(File.generated(config, f"{EVENTS_DIR}events.ics",
                                content=ev.render_ics(_events.values(), stamp, site_url, name)))
    return files


def _after_title(markdown: str, block: str, title: str) -> str:
    """Insert `block` after the page's first H1, or add the H1 (from front matter) first."""
    if title_end(markdown):
        return insert_after_title(markdown, block)
    return f"# {title}\n\n{block}\n{markdown}"


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    if NEXT_LINE.search(markdown):
        upcoming, _ = ev.split_by_date(_events.values(), today())
        prefix = posixpath.relpath(EVENTS_DIR, posixpath.dirname(src) or ".") + "/"
        notice = ev.render_next_event(upcoming, prefix)
        markdown = NEXT_LINE.sub(lambda _: notice, markdown)
    if src == f"{EVENTS_DIR}index.md" and LIST_LINE.search(markdown):
        upcoming, past = ev.split_by_date(_events.values(), today())
        listing = ev.render_listing(upcoming, past)
        markdown = LIST_LINE.sub(lambda _: listing, markdown)
    if src in _events:
        event = _events[src]
        markdown = _after_title(markdown, ev.render_details(event), event.title)
    return markdown
