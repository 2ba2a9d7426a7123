"""Feed items get absolute links (build_tools.site.feeds): a feed reader has no page to resolve
a relative link against, and a `.md` link is relative to the post's source file, not to any URL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from build_tools.site import feeds

SITE = "https://example.org/sub/path/"
POST = SITE + "news/2026/11/22/events/"
SOURCES = {POST: "news/posts/2026-11-22-events.md"}
URLS = {"events/index.md": "events/", "organizers/add-an-event.md": "organizers/add-an-event/",
        "news/posts/2026-11-22-events.md": "news/2026/11/22/events/"}


def absolute(url: str, source: str | None = "news/posts/2026-11-22-events.md") -> str:
    return feeds.absolute_url(url, item_url=POST, site_url=SITE, source=source, url_of_source=URLS)


def test_md_links_resolve_against_the_posts_source_file_to_the_published_page():
    assert absolute("../../events/index.md") == SITE + "events/"
    assert absolute("../../organizers/add-an-event.md#the-fields") == SITE + "organizers/add-an-event/#the-fields"
    # a page this build does not know still follows MkDocs's directory-URL rule
    assert absolute("../../gpt2/01-tokenization.md") == SITE + "gpt2/01-tokenization/"
    assert absolute("../../governance/index.md") == SITE + "governance/"


def test_other_relative_links_resolve_against_the_items_address():
    assert absolute("../../../../../events/") == SITE + "events/"
    assert absolute("img/chart.png") == POST + "img/chart.png"
    assert absolute("#details") == POST + "#details"
    assert absolute("/elsewhere/") == "https://example.org/elsewhere/"


def test_absolute_addresses_are_left_alone():
    for url in ("https://other.example/x.md", "mailto:someone@example.org", "//cdn.example/a.js"):
        assert absolute(url) == url


def test_unknown_source_falls_back_to_the_items_address():
    assert absolute("../other/", source=None) == SITE + "news/2026/11/22/other/"
    assert absolute("../../x.md", source=None) == SITE + "news/2026/11/x.md"


RSS = ('<?xml version="1.0" encoding="UTF-8" ?> <?xml-stylesheet type="text/xsl" href="rss.xsl"?>'
       '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"> <channel> <title>T</title>'
       f'<link>{SITE}</link><description>&lt;a href=&#34;x.md&#34;&gt;channel text is not an item&lt;/a&gt;'
       '</description> <item> <title>Events</title> <description>&lt;p&gt;The new &lt;a href=&#34;'
       '../../events/index.md&#34;&gt;events page&lt;/a&gt; &amp;amp; &lt;img src=&#34;pic.png&#34; '
       'alt=&#34;a &amp;lt;b&amp;gt;&#34;&gt; and &lt;a href=&#34;https://example.com/?a=1&amp;amp;b=2&#34;&gt;'
       f'x&lt;/a&gt;&lt;/p&gt;</description> <link>{POST}</link> <guid isPermaLink="true">{POST}</guid>'
       ' </item> </channel> </rss>')


def test_rss_items_are_rewritten_in_place_and_stay_valid_xml():
    out = feeds.rewrite_rss(RSS, site_url=SITE, source_of=SOURCES.get, url_of_source=URLS)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8" ?> <?xml-stylesheet type="text/xsl" href="rss.xsl"?>')
    root = ET.fromstring(out.split("?>", 2)[2])
    item_html = root.find("channel/item/description").text
    assert f'href="{SITE}events/"' in item_html
    assert f'src="{POST}pic.png"' in item_html
    assert 'href="https://example.com/?a=1&amp;b=2"' in item_html   # untouched, still escaped once
    assert "&amp; " in item_html and 'alt="a &lt;b&gt;"' in item_html  # the text's own escapes survive
    assert feeds.relative_links(out) == []
    assert "x.md" in root.find("channel/description").text            # only items are rewritten


def test_json_feed_items_are_rewritten_and_keep_their_indentation():
    feed = {"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": POST, "url": POST, "content_html": '<p><a href="../../events/index.md">events</a></p>'}]}
    for indent in (None, 4):
        text = json.dumps(feed, indent=indent)
        assert feeds.relative_links(text) == ["../../events/index.md"]
        out = feeds.rewrite_json(text, site_url=SITE, source_of=SOURCES.get, url_of_source=URLS)
        assert json.loads(out)["items"][0]["content_html"] == f'<p><a href="{SITE}events/">events</a></p>'
        assert out == json.dumps(json.loads(out), indent=indent)
        assert feeds.relative_links(out) == []


def test_rewrite_site_feeds_rewrites_the_feed_files_of_a_built_site(tmp_path):
    (tmp_path / "feed_rss_created.xml").write_text(RSS, encoding="utf-8")
    (tmp_path / "feed_json_created.json").write_text(json.dumps({"items": [
        {"url": POST, "content_html": '<a href="../../events/index.md">e</a>'}]}), encoding="utf-8")
    (tmp_path / "other.xml").write_text(RSS, encoding="utf-8")
    done = feeds.rewrite_site_feeds(tmp_path, SITE.rstrip("/"), SOURCES, URLS)
    assert sorted(p.name for p in done) == ["feed_json_created.json", "feed_rss_created.xml"]
    for name in ("feed_rss_created.xml", "feed_json_created.json"):
        assert feeds.relative_links((tmp_path / name).read_text(encoding="utf-8")) == [], name
    assert (tmp_path / "other.xml").read_text(encoding="utf-8") == RSS
