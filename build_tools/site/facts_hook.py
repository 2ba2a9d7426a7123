"""MkDocs hook: a page with dated sources says under its title when they were checked.

MkDocs glue only; the logic is ``build_tools.site.facts``. Sources older than 90 days are counted
in the build log (at INFO: age never fails a build); ``make facts`` lists them.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from mkdocs.exceptions import PluginError

from build_tools.site import facts

STALE_DAYS = 90
log = logging.getLogger("mkdocs.plugins.facts")
_stale: list[facts.Source] = []


def on_pre_build(config):
    _stale.clear()


def on_page_markdown(markdown, page, config, files):
    root = Path(config.config_file_path).parent   # where snippet paths start
    try:
        found = facts.sources(page.file.content_string, f"docs/{page.file.src_uri}")  # file lines
        for path in facts.included(page.file.content_string):   # a handout: its unit's sources
            found += facts.sources((root / path).read_text(encoding="utf-8"), path)
    except facts.FactsError as exc:
        raise PluginError(str(exc)) from None
    _stale.extend(facts.older_than(found, STALE_DAYS, dt.date.today()))
    line = facts.checked_line(found)
    return facts.under_title(markdown, f"*{line}*{{: .checked-on }}") if line else markdown


def on_post_build(config):
    if _stale:
        log.info("facts: %d sources were checked more than %d days ago; `make facts` lists them",
                 len(_stale), STALE_DAYS)
