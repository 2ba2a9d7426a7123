"""MkDocs hook: the "What's new since the last meetup" page (build_tools.site.whats_new).

docs/news/whats-new.md is a placeholder (front matter and one line); this hook replaces its body
with the generated list, and makes the page itself when the placeholder is missing. The past
meetups are the events page's own (build_tools.site.events: past once the end day is over,
COURSE_TODAY respected); an invalid event file is the events hook's error to report, so here it
only means "no meetup known".
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from build_tools.site import events, whats_new
from build_tools.site.frontmatter import FrontMatterError

PLACEHOLDER = "---\nsearch:\n  exclude: true\n---\n\n# What's new since the last meetup\n"
_page: list[str] = []   # this build's page body, made in on_files


def on_files(files, config):
    # the event files as written (not pages other hooks generated, such as an event's programme)
    pages = [(f.src_uri, f.content_string) for f in files.documentation_pages()
             if f.src_uri.endswith(".md") and not getattr(f, "generated_by", None)]
    today = events.today()
    try:
        past = events.EventSite(pages, events.now()).past
    except ValueError:
        past = []
    docs = Path(config["docs_dir"])
    root = Path(config.config_file_path or docs).resolve().parent
    try:
        _page[:] = [whats_new.build_page(root, docs, past, events.build_time(), today, past_only=True)]
    except FrontMatterError as exc:   # a news post whose front matter is not valid YAML
        raise PluginError(str(exc)) from None
    if files.get_file_from_path(whats_new.PAGE) is None:
        files.append(File.generated(config, whats_new.PAGE, content=PLACEHOLDER))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == whats_new.PAGE and _page:
        return _page[0]
    return markdown
