"""News feeds, the announcement bar and redirects of renamed pages, in a real browser."""

import re

import feedparser


def test_news_feed_linked_from_pages_is_valid_rss_whose_items_open(page, site_url):
    page.goto(site_url + "/news/")
    href = page.locator("link[rel=alternate][type='application/rss+xml']").first.get_attribute("href")
    response = page.request.get(page.url + href if not href.startswith("http") else href)
    assert response.ok
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version.startswith("rss") and feed.entries
    # Feed links use site_url; the same path must exist on this server.
    item = feed.entries[0]
    path = re.sub(r"^https?://[^/]+/[^/]*/?", "/", item.link)
    page.goto(site_url + path)
    assert page.locator("h1").inner_text().startswith(item.title)
    # The news page links the feed for people too.
    assert page.request.get(site_url + "/feed_json_created.json").ok


def test_announcement_bar_follows_the_next_event_and_can_be_dismissed(page, site_url):
    page.goto(site_url + "/gpt2/")
    banner = page.locator(".md-banner")
    assert banner.is_visible() and page.locator(".course-announcement").inner_text()
    page.locator(".course-announcement__link").click()  # `announcement: auto`: the next event's page
    page.wait_for_url(re.compile(r"/events/\d{4}-\d{2}-\d{2}-[a-z0-9-]+/$"))
    page.locator(".md-banner__button").click()
    assert not banner.is_visible()
    page.reload()
    assert not page.locator(".md-banner").is_visible()  # dismissal is remembered


def test_renamed_page_redirects_to_its_new_address(page, site_url):
    page.goto(site_url + "/workshops/")
    page.wait_for_url(re.compile(r"/events/$"))
    assert page.locator("h1").inner_text().startswith("Events")


def test_pages_show_when_they_were_last_updated(page, site_url):
    page.goto(site_url + "/organizers/")
    assert re.search(r"(January|February|March|April|May|June|July|August|September|October|"
                     r"November|December) \d{1,2}, \d{4}", page.locator(".md-source-file").inner_text())


def test_every_track_page_maps_its_sections_in_nav_order(built_site):
    from tests.support import load_mkdocs_yml
    nav = {list(item)[0]: list(item.values())[0] for item in load_mkdocs_yml()["nav"]}
    for tab, track in [("Governance", "governance"), ("Build GPT-2", "gpt2"), ("Circuits", "circuits")]:
        sections = [list(e.values())[0] for e in nav[tab] if isinstance(e, dict)
                    and isinstance(list(e.values())[0], str) and list(e.values())[0].endswith(".md")]
        html = (built_site / track / "index.html").read_text()
        table = html[html.index('class="track-progress"'):]
        positions = [table.find(f'href="{s.split("/")[1].removesuffix(".md")}/"') for s in sections]
        assert -1 not in positions, f"{track}/index.md: drop-in map lacks {sections[positions.index(-1)]}"
        assert positions == sorted(positions), f"{track}: drop-in map not in nav order"
