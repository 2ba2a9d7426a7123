"""Events in a real browser: ordering by a fixed "today", the home page's next event, .ics downloads."""

import datetime as dt
import os
import subprocess
from pathlib import Path

import icalendar
import pytest

from tests.browser_support import serve
from tests.support import MKDOCS, ROOT

EVENT = """---
title: {title}
start: {day} 10:00
end: {day} 16:00
timezone: Europe/London
location: Room {title}
tracks: [governance, gpt2]
---

About {title}.
"""
CONFIG = f"""
site_name: Events fixture
site_url: https://example.org/fixture/
theme: {{name: material}}
markdown_extensions: [admonition, attr_list, md_in_html]
hooks: ["{ROOT}/build_tools/site/events_hook.py"]
"""
EVENTS = {"2026-12-10": "Alpha", "2027-01-01": "Bravo", "2027-06-01": "Charlie", "2027-02-01": "Delta"}


def build_events_site(root, today: str):
    """A tiny site with four events, built with COURSE_TODAY fixed; returns the site folder."""
    docs = root / "docs"
    for page in ["governance", "gpt2", "circuits", "news"]:
        (docs / page).mkdir(parents=True, exist_ok=True)
        (docs / page / "index.md").write_text(f"# {page}\n")
    (docs / "events").mkdir(exist_ok=True)
    (docs / "index.md").write_text("# Home\n\n<!-- next-event -->\n")
    (docs / "events/index.md").write_text("# Events\n\n<!-- events-list -->\n")
    for day, title in EVENTS.items():
        (docs / f"events/{day}-{title.lower()}.md").write_text(EVENT.format(title=title, day=day))
    (root / "mkdocs.yml").write_text(CONFIG)
    site = root / f"site-{today}"
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(root / "mkdocs.yml"), "-d", str(site)],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "COURSE_TODAY": today, "DISABLE_MKDOCS_2_WARNING": "true"})
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.fixture(scope="module")
def events_root(tmp_path_factory):
    return tmp_path_factory.mktemp("events-fixture")


def titles(page, selector):
    return [a.inner_text() for a in page.locator(f"{selector} li strong a").all()]


def test_events_page_lists_upcoming_soonest_first_and_archives_past_ones(page, events_root):
    server, url = serve(build_events_site(events_root, "2027-01-01"))
    try:
        page.goto(url + "/events/")
        assert titles(page, ".event-list--upcoming") == ["Bravo", "Delta", "Charlie"]  # Bravo is today
        assert titles(page, ".event-list--past") == ["Alpha"]
        page.goto(url + "/")
        notice = page.locator(".admonition", has_text="Next meetup")
        assert "Bravo" in notice.inner_text()
        notice.get_by_role("link", name="Details and registration").click()
        page.wait_for_url("**/events/2027-01-01-bravo/")
        assert page.locator("h1").inner_text() == "Bravo"
        assert "Friday 1 January 2027, 10:00–16:00 (Europe/London)" in page.locator("article").inner_text()
    finally:
        server.shutdown()


def test_after_the_last_event_everything_is_archived_latest_first(page, events_root):
    server, url = serve(build_events_site(events_root, "2027-07-01"))
    try:
        page.goto(url + "/events/")
        assert titles(page, ".event-list--upcoming") == []
        assert "No upcoming events yet" in page.locator(".event-list--upcoming").inner_text()
        assert titles(page, ".event-list--past") == ["Charlie", "Delta", "Bravo", "Alpha"]
        page.goto(url + "/")
        assert page.locator(".admonition", has_text="Next meetup").count() == 0
    finally:
        server.shutdown()


def test_add_to_calendar_downloads_a_valid_ics_for_the_event(page, site_url, built_site):
    page.goto(site_url + "/events/")
    page.locator(".event-list--upcoming li strong a").first.click()
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    data = Path(info.value.path()).read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert str(vevent["UID"]).startswith(slug + "@")
    assert vevent.decoded("DTSTART").tzinfo is not None and vevent.decoded("DTSTART") > dt.datetime.now(dt.timezone.utc)
    assert isinstance(vevent.decoded("DTSTAMP"), dt.datetime)
    assert page.locator("h1").inner_text().startswith(str(vevent["SUMMARY"]))


def test_all_events_calendar_has_one_vevent_per_event_file(built_site):
    calendar = icalendar.Calendar.from_ical((built_site / "events/events.ics").read_bytes())
    uids = [str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT")]
    files = sorted(p.stem for p in (ROOT / "docs/events").glob("[0-9]*.md"))
    assert sorted(uids) == files
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
