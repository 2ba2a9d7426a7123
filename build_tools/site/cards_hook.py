"""MkDocs hook: section cards under section pages' titles, and each track's drop-in map.

MkDocs glue only; the logic is ``build_tools.site.cards.SiteCards``.
"""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from build_tools.site import cards

_cards: cards.SiteCards | None = None   # this build's cards, made in on_nav


def on_nav(nav, config, files):
    global _cards
    pages = [(f.src_uri, f.url, f.content_string) for f in files.documentation_pages()
             if f.src_uri.endswith(".md")]
    try:
        _cards = cards.SiteCards(pages, [(page.file.src_uri, page.title) for page in nav.pages])
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    return nav


def on_page_markdown(markdown, page, config, files):
    try:
        return _cards.page_markdown(page.file.src_uri, markdown)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
