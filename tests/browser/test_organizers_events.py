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


def zone_page(browser, zone):
    context = browser.new_context(timezone_id=zone)
    return context, context.new_page()


def test_event_times_show_the_readers_local_time_when_it_differs(browser, site_url):
    # Spring 2027 meetup: 10:00–16:30 America/Los_Angeles (PST) is 19:00–01:30 the next day in Berlin.
    context, page = zone_page(browser, "Europe/Berlin")
    try:
        page.goto(site_url + "/")
        page.locator("article").get_by_role("link", name="Details and registration").first.click()  # instant nav
        page.wait_for_url("**/events/**")
        note = page.locator(".event-local-time").first
        note.wait_for()
        if "spring-meetup" in page.url:
            assert note.inner_text().strip() == "(your time: Sat 13 Mar, 19:00–Sun 14 Mar, 01:30, Europe/Berlin)"
        assert page.locator(".event-when time[datetime]").count() >= 2
        page.goto(site_url + "/events/2027-03-13-spring-meetup/programme/")
        assert "your time: Sat 13 Mar, 19:00" in page.locator(".event-local-time").first.inner_text()
    finally:
        context.close()
    context, page = zone_page(browser, "America/Los_Angeles")   # the venue's clock: nothing added
    try:
        page.goto(site_url + "/events/2027-03-13-spring-meetup/")
        page.locator(".event-when").first.wait_for()
        page.wait_for_timeout(300)
        assert page.locator(".event-local-time").all_inner_texts() == []
    finally:
        context.close()


def test_event_page_links_the_programme_run_sheets_and_code_of_conduct(page, site_url):
    page.goto(site_url + "/events/2027-03-13-spring-meetup/")
    page.get_by_role("link", name="Programme (printable)").click()
    page.wait_for_url("**/events/2027-03-13-spring-meetup/programme/")
    assert page.locator("h1").inner_text().startswith("Programme: Spring 2027 meetup")
    page.go_back()
    page.locator("a[href*=run-sheet-gpt2]").first.click()
    page.wait_for_url("**/run-sheet-gpt2/")
    assert "Set up beforehand" in page.locator("article").inner_text()
    page.go_back()
    page.get_by_role("link", name="read how we look after each other").click()
    page.wait_for_url("**/organizers/code-of-conduct/")
