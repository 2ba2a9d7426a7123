"""MkDocs hook: the rss plugin's feeds get absolute links (see build_tools.site.feeds).

Records each page's published address and source while pages render, then rewrites the feed files
after the rss plugin has written them (a lower priority than the plugin's on_post_build).
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.plugins import event_priority

from build_tools.site import feeds

_sources: dict[str, str] = {}        # absolute page address -> docs-relative source
_url_of_source: dict[str, str] = {}  # docs-relative source -> site-relative address


def on_pre_build(config):
    _sources.clear()
    _url_of_source.clear()


def on_page_content(html, page, config, files):
    if page.canonical_url:
        _sources[page.canonical_url] = page.file.src_uri
    if not _url_of_source:
        _url_of_source.update({f.src_uri: f.url for f in files.documentation_pages()})
    _url_of_source[page.file.src_uri] = page.url   # blog posts: the URL the blog plugin gave them
    return html


def _feed_names(config) -> list[str] | None:
    rss = config.plugins.get("rss")
    if rss is None:
        return None
    names = rss.config.feeds_filenames
    return [names.rss_created, names.rss_updated, names.json_created, names.json_updated]


@event_priority(-100)   # after mkdocs-rss-plugin's on_post_build has written the feeds
def on_post_build(config):
    feeds.rewrite_site_feeds(Path(config["site_dir"]), config.get("site_url") or "", _sources,
                             _url_of_source, _feed_names(config))
