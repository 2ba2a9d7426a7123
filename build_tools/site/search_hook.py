"""MkDocs hook: Material's search indexer reads each page with code, figures and marked elements
cut out, and maths as plain text (build_tools/site/search.py); readers get the whole page back."""

from __future__ import annotations

from mkdocs.plugins import CombinedEvent, event_priority

from build_tools.site.search import cut_unsearchable, put_back

_cut: dict[int, list[str]] = {}  # id(page) -> its cut elements, between the two handlers below


@event_priority(50)  # before Material's search plugin (priority 0) reads page.content
def _before_search(context, page, config, nav):
    if not page.content:
        return context
    page.content, cut = cut_unsearchable(page.content)
    if cut:
        _cut[id(page)] = cut
    return context


@event_priority(-50)  # after it
def _after_search(context, page, config, nav):
    cut = _cut.pop(id(page), None)
    if cut:
        page.content = put_back(page.content, cut)
    return context


on_page_context = CombinedEvent(_before_search, _after_search)
