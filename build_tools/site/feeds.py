"""Absolute links in the RSS and JSON feeds (mkdocs-rss-plugin's feed_rss_*.xml, feed_json_*.json).

The rss plugin renders each item's text from the post's Markdown source, so a link written as
``[events](../../events/index.md)`` reaches the feed as ``href="../../events/index.md"``: relative to
the post's *source file*, and a ``.md`` file at that. A feed reader resolves it against the feed's
or the item's address and gets a 404. This module rewrites every ``href``/``src`` in an item's HTML
to an absolute address under ``site_url``:

- a relative link to a Markdown page (``x.md``, ``x/index.md``, with an optional ``#anchor``) is
  resolved against the post's source folder and replaced by that page's published address;
- any other relative link (``../events/``, ``img/a.png``, ``#section``) is resolved against the
  item's own address, as a browser on the post's page would;
- absolute addresses (``https:``, ``mailto:``, ``//host``) are left alone.

Pure functions over strings; ``feeds_hook.py`` is the MkDocs glue.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urljoin
from xml.sax.saxutils import escape

# href="..." or src="..." (also single-quoted) in HTML
_ATTR = re.compile(r"""(?P<pre>\b(?:href|src)\s*=\s*)(?P<q>["'])(?P<url>.*?)(?P=q)""", re.I | re.S)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ITEM = re.compile(r"<item>.*?</item>", re.S)
_TEXT_TAGS = ("description", "content:encoded")

# A page's published address -> (its source path relative to docs/, e.g. news/posts/x.md)
SourceOf = Callable[[str], "str | None"]


def is_absolute(url: str) -> bool:
    return bool(_SCHEME.match(url)) or url.startswith("//")


def page_url_for_source(target: str, url_of_source: Mapping[str, str]) -> str | None:
    """Site-relative address of the page built from docs-relative `target` (``events/index.md``):
    from the build's own files when known, else MkDocs's directory-URL rule."""
    if target in url_of_source:
        return url_of_source[target]
    if not target.endswith(".md"):
        return None
    stem = target[: -len(".md")]
    if stem == "index" or stem.endswith("/index") or stem in ("README",) or stem.endswith("/README"):
        folder = stem.rpartition("/")[0]
        return f"{folder}/" if folder else ""
    return f"{stem}/"


def absolute_url(url: str, *, item_url: str, site_url: str, source: str | None,
                 url_of_source: Mapping[str, str]) -> str:
    """One link of an item, absolute. `item_url`: the item's absolute address; `source`: its
    Markdown source, docs-relative (None when unknown); `url_of_source`: docs-relative source ->
    site-relative address, for the pages of this build."""
    url = url.strip()
    if not url or is_absolute(url):
        return url
    path, sep, fragment = url.partition("#")
    path_only, qsep, query = path.partition("?")
    if source and path_only.endswith(".md") and not path_only.startswith("/"):
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path_only))
        if not target.startswith(".."):
            page = page_url_for_source(target, url_of_source)
            if page is not None:
                return urljoin(site_url, page) + (qsep + query if qsep else "") + (sep + fragment if sep else "")
    return urljoin(item_url, url)


def absolutize_html(text: str, *, item_url: str, site_url: str, source: str | None,
                    url_of_source: Mapping[str, str]) -> str:
    """Every href/src in an HTML fragment, absolute (see absolute_url)."""
    def fix(m: re.Match) -> str:
        raw = html.unescape(m.group("url"))
        new = absolute_url(raw, item_url=item_url, site_url=site_url, source=source, url_of_source=url_of_source)
        if new == raw:
            return m.group(0)
        return f'{m.group("pre")}{m.group("q")}{html.escape(new, quote=True)}{m.group("q")}'
    return _ATTR.sub(fix, text)


def _tag_text(item: str, tag: str) -> re.Match | None:
    return re.search(rf"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", item, re.S)


def rewrite_rss(xml: str, *, site_url: str, source_of: SourceOf, url_of_source: Mapping[str, str]) -> str:
    """An RSS 2.0 feed with its items' HTML (``<description>``, ``<content:encoded>``) made absolute.
    Edits the text in place (no re-serialisation), so the rest of the file stays byte for byte."""
    def fix_item(m: re.Match) -> str:
        item = m.group(0)
        link = _tag_text(item, "link")
        item_url = html.unescape(link.group(1).strip()) if link else site_url
        source = source_of(item_url)
        for tag in _TEXT_TAGS:
            found = _tag_text(item, tag)
            if not found:
                continue
            body = found.group(1)
            if body.startswith("<![CDATA[") and body.endswith("]]>"):
                inner = absolutize_html(body[9:-3], item_url=item_url, site_url=site_url, source=source,
                                        url_of_source=url_of_source)
                new = f"<![CDATA[{inner}]]>"
            else:
                inner = absolutize_html(html.unescape(body), item_url=item_url, site_url=site_url,
                                        source=source, url_of_source=url_of_source)
                new = escape(inner)
            item = item[: found.start(1)] + new + item[found.end(1):]
        return item
    return _ITEM.sub(fix_item, xml)


def rewrite_json(text: str, *, site_url: str, source_of: SourceOf, url_of_source: Mapping[str, str]) -> str:
    """A JSON Feed with its items' ``content_html`` (and ``summary``'s links, if HTML) made absolute.
    Keeps the file's indentation style (the rss plugin's pretty_print writes indent=4)."""
    feed = json.loads(text)
    for item in feed.get("items", []):
        item_url = item.get("url") or item.get("id") or site_url
        source = source_of(item_url)
        for key in ("content_html", "summary"):
            if isinstance(item.get(key), str):
                item[key] = absolutize_html(item[key], item_url=item_url, site_url=site_url, source=source,
                                            url_of_source=url_of_source)
    indent = 4 if text.lstrip().startswith("{\n") else None
    return json.dumps(feed, indent=indent)


def feed_files(site_dir: Path, names: list[str] | None = None) -> list[Path]:
    """The feed files in a built site: `names` (from the rss plugin's config) when given, else
    the plugin's default patterns."""
    if names:
        return [site_dir / n for n in names if (site_dir / n).is_file()]
    return sorted([*site_dir.glob("feed_rss_*.xml"), *site_dir.glob("feed_json_*.json")])


def rewrite_site_feeds(site_dir: Path, site_url: str, sources: Mapping[str, str],
                       url_of_source: Mapping[str, str], names: list[str] | None = None) -> list[Path]:
    """Rewrite the feeds of a built site in place; returns the files rewritten.

    `sources`: absolute page address -> docs-relative source (to resolve ``.md`` links);
    `url_of_source`: docs-relative source -> site-relative address."""
    if not site_url:
        return []   # no site_url: the plugin writes no usable absolute links either
    site_url = site_url if site_url.endswith("/") else site_url + "/"

    def source_of(item_url: str) -> str | None:
        if item_url in sources:
            return sources[item_url]
        # the same page with or without a trailing slash / index.html
        key = item_url.removesuffix("index.html")
        return sources.get(key) or sources.get(key.rstrip("/") + "/")

    done = []
    for path in feed_files(site_dir, names):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            new = rewrite_json(text, site_url=site_url, source_of=source_of, url_of_source=url_of_source)
        else:
            new = rewrite_rss(text, site_url=site_url, source_of=source_of, url_of_source=url_of_source)
        if new != text:
            path.write_text(new, encoding="utf-8")
        done.append(path)
    return done


def relative_links(text: str) -> list[str]:
    """The relative href/src values left in a feed's item HTML (for checks and tests): what a feed
    reader could not resolve to the right page."""
    found = []
    if text.lstrip().startswith("{"):
        bodies = [i.get(k, "") for i in json.loads(text).get("items", []) for k in ("content_html", "summary")]
    else:
        bodies = [html.unescape(m.group(1)) for item in _ITEM.findall(text)
                  for tag in _TEXT_TAGS if (m := _tag_text(item, tag))]
    for body in bodies:
        found += [u for m in _ATTR.finditer(body or "") if not is_absolute(u := html.unescape(m.group("url")))]
    return found
