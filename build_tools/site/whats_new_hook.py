"""MkDocs hook: the generated "What's new since the last meetup" page (build_tools.site.whats_new).

The past meetups are the events page's own (build_tools.site.events: past once the end day is over,
COURSE_TODAY respected); an invalid event file is the events hook's error to report, so here it
only means "no meetup known".
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

from build_tools.site import events, whats_new


def on_files(files, config):
    # the event files as written (not pages other hooks generated, such as an event's programme)
    pages = [(f.src_uri, f.content_string) for f in files.documentation_pages()
             if f.src_uri.endswith(".md") and not getattr(f, "generated_by", None)]
    today = events.today()
    try:
        past = events.EventSite(pages, today).past
    except ValueError:
        past = []
    docs = Path(config["docs_dir"])
    root = Path(config.config_file_path or docs).resolve().parent
    text = whats_new.build_page(root, docs, past, events.build_time(), today, past_only=True)
    files.append(File.generated(config, whats_new.PAGE, content=text))
    return files
