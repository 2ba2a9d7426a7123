"""MkDocs hook: event pages, the events listing, the home page's next event, and .ics files.

MkDocs glue only; the logic is ``build_tools.site.events.EventSite``.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from build_tools.site import events

_events: events.EventSite | None = None   # this build's events, made in on_files


def on_files(files, config):
    global _events
    pages = [(f.src_uri, f.content_string) for f in files.documentation_pages() if f.src_uri.endswith(".md")]
    try:
        _events = events.EventSite(pages, events.today())
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    name = f"{config['site_name']}: events"
    for path, text in _events.ics_files(events.build_time(), config.get("site_url") or "", name).items():
        files.append(File.generated(config, path, content=text))
    return files


def on_page_markdown(markdown, page, config, files):
    return _events.page_markdown(page.file.src_uri, markdown)
