"""MkDocs hook: event pages, the events listing, the home page's next event, the announcement bar,
programme pages and run sheets, redirects for renamed events, and .ics files.

MkDocs glue only; the logic is ``build_tools.site.events.EventSite`` (and ``programme.py``).
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from build_tools.site import events

_events: events.EventSite | None = None   # this build's events, made in on_files


def on_files(files, config):
    global _events
    pages = [(f.src_uri, f.content_string) for f in files
             if f.src_uri.endswith((".md", ".ipynb")) and not f.generated_by]
    try:
        _events = events.EventSite(pages, events.now())
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    name = f"{config['site_name']}: events"
    generated = {**_events.ics_files(events.build_time(), config.get("site_url") or "", name),
                 **_events.generated_pages(), **_events.redirects(config["use_directory_urls"])}
    for path, text in generated.items():
        files.append(File.generated(config, path, content=text))
    config["extra"]["announcement"] = events.announcement(
        config["extra"].get("announcement"), _events.upcoming, config["use_directory_urls"])
    return files


def on_page_markdown(markdown, page, config, files):
    return _events.page_markdown(page.file.src_uri, markdown)
