"""The built feeds have no relative links: the real site's, and a small blog published under a
sub-path whose post links to pages, anchors, another post and an image."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import yaml

from build_tools.site import feeds
from tests.support import ROOT, build_site, load_mkdocs_yml

FEEDS = ["feed_rss_created.xml", "feed_rss_updated.xml", "feed_json_created.json", "feed_json_updated.json"]


def _items_html(site, name: str) -> list[str]:
    text = (site / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return [item["content_html"] for item in json.loads(text)["items"]]
    root = ET.fromstring(text.split("?>", 2)[2])  # after the XML declaration and the stylesheet line
    return [item.findtext("description") for item in root.iter("item")]


def test_the_real_sites_feeds_link_only_to_absolute_addresses(built_site):
    site_url = load_mkdocs_yml()["site_url"]
    for name in FEEDS:
        text = (built_site / name).read_text(encoding="utf-8")
        assert feeds.relative_links(text) == [], f"{name} has relative links"
        bodies = " ".join(_items_html(built_site, name))
        assert ".md\"" not in bodies, name
        assert f'href="{site_url}events/"' in bodies, f"{name}: the events post's link is not absolute"


def test_a_sub_path_blogs_feeds_resolve_md_links_to_the_published_pages(tmp_path):
    docs = tmp_path / "docs"
    (docs / "news/posts").mkdir(parents=True)
    (docs / "events").mkdir()
    (docs / "index.md").write_text("# Home\n")
    (docs / "events/index.md").write_text("# Events\n\n## Next one\n")
    (docs / "news/index.md").write_text("# News\n")
    (docs / "news/posts/first.md").write_text("---\ndate: 2026-01-01\n---\n\n# First\n\nHello.\n")
    (docs / "news/posts/second.md").write_text(
        "---\ndate: 2026-02-01\n---\n\n# Second\n\nSee [events](../../events/index.md#next-one), "
        "[the first post](first.md), [home](../../index.md), [news](../) and "
        "![a chart](../../chart.png) or [elsewhere](https://example.com/a.md).\n\n<!-- more -->\n\nMore.\n")
    (docs / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    site_url = "https://meetup.example.net/groups/seattle/course/"
    config = {
        "site_name": "Feed fixture", "site_url": site_url, "theme": {"name": "material"},
        "plugins": [{"blog": {"blog_dir": "news", "post_url_format": "{slug}"}},
                    {"rss": {"match_path": "news/posts/.*", "date_from_meta": {"as_creation": "date"},
                             "use_git": False}}],
        "hooks": [str(ROOT / "build_tools/site/feeds_hook.py")],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    build_site(tmp_path / "site", config=tmp_path / "mkdocs.yml")

    site = tmp_path / "site"
    for name in FEEDS:
        assert feeds.relative_links((site / name).read_text(encoding="utf-8")) == [], name
        (second,) = [h for h in _items_html(site, name) if "Second" in h]
        assert f'href="{site_url}events/#next-one"' in second, name
        assert f'href="{site_url}news/first/"' in second, name   # the blog's URL, not first.md's folder
        assert f'href="{site_url}"' in second, name
        assert f'href="{site_url}news/"' in second, name
        assert f'src="{site_url}chart.png"' in second, name
        assert 'href="https://example.com/a.md"' in second, name
