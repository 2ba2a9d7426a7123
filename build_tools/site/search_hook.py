"""MkDocs hook: the search index holds prose and headings, not bulk code, figures or output.

Material's search plugin reads each page's HTML in its `on_page_context`. It skips elements marked
`data-search-exclude`, but (Material 9.x) only until the first closing tag of the same name inside
them (its skip set compares elements by tag name), and its parser still walks every skipped tag. So
just before it reads a page, this hook hands it a copy in which code blocks (`<pre>`), figures
(`<svg>`) and every element marked `data-search-exclude` (notebook code cells, see
build_tools/notebooks/hook.py) are cut out, and right after it puts them back. Readers see the
whole page; searchers find its prose, headings and inline code.
"""

from __future__ import annotations

import re

from mkdocs.plugins import CombinedEvent, event_priority

# Elements left out of the index, whatever their attributes.
SKIPPED_TAGS = ("pre", "svg")

_START = re.compile(
    r"<(?:(?P<tag>%s)(?=[\s/>])|(?P<marked>[a-zA-Z][\w-]*)(?=[\s/>])(?=[^>]*\sdata-search-exclude\b))[^>]*>"
    % "|".join(SKIPPED_TAGS), re.I)
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_PLACEHOLDER = re.compile(r"<!--search-hook:(\d+)-->")


def _element_end(html: str, tag: str, start: int, after_start_tag: int) -> int:
    """Index just past the element whose start tag spans html[start:after_start_tag]; -1 if unclosed."""
    if tag.lower() in _VOID or html[after_start_tag - 2] == "/":
        return after_start_tag
    depth = 1
    for match in re.compile(rf"<(/?){tag}(?=[\s/>])[^>]*>", re.I).finditer(html, after_start_tag):
        if match.group(1):
            depth -= 1
            if depth == 0:
                return match.end()
        elif not match.group(0).endswith("/>"):
            depth += 1
    return -1


def cut_unsearchable(html: str) -> tuple[str, list[str]]:
    """(html with each skipped element replaced by a placeholder comment, the cut elements in order).

    Material's parser ignores comments, so the index never sees what was cut; `put_back` restores it.
    """
    pieces, cut, pos = [], [], 0
    for match in _START.finditer(html):
        if match.start() < pos:
            continue  # inside an element already cut
        tag = match.group("tag") or match.group("marked")
        end = _element_end(html, tag, match.start(), match.end())
        if end == -1:
            continue  # unclosed: leave it to the indexer
        pieces += [html[pos:match.start()], f"<!--search-hook:{len(cut)}-->"]
        cut.append(html[match.start():end])
        pos = end
    if not cut:
        return html, cut
    pieces.append(html[pos:])
    return "".join(pieces), cut


def put_back(html: str, cut: list[str]) -> str:
    """Undo `cut_unsearchable` on html (which other plugins may have changed around the placeholders)."""
    return _PLACEHOLDER.sub(lambda m: cut[int(m.group(1))], html) if cut else html


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
