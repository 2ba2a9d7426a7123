"""build_tools.site.events: validation names file and field; ordering by date; RFC 5545 output."""

import datetime as dt
import re

import icalendar
import pytest
from mkdocs.utils.meta import get_data

from build_tools.site import events as ev
from build_tools.site.frontmatter import FrontMatterError
from tests.support import ROOT

VALID = {
    "title": "Meetup at the library",
    "start": "2027-03-13 10:00",
    "end": "2027-03-13 17:00",
    "timezone": "America/Los_Angeles",
    "location": "Central Library, room 2",
    "tracks": ["governance", "gpt2", "circuits"],
    "registration": "https://forms.example.org/x",
}
PATH = "events/2027-03-13-library.md"


def event(path=PATH, **changes):
    meta = {**VALID, **changes}
    return ev.parse_event({k: v for k, v in meta.items() if v is not None}, path)


def test_valid_event_has_aware_local_times_and_defaults():
    e = event()
    assert e.slug == "2027-03-13-library"
    assert e.start == dt.datetime(2027, 3, 13, 10, 0, tzinfo=e.start.tzinfo)
    assert e.start.utcoffset() == dt.timedelta(hours=-8)  # PST: DST starts the next day
    assert e.status == "scheduled" and e.tracks == ("governance", "gpt2", "circuits")


@pytest.mark.parametrize("field, value, says", [
    ("start", "13/03/2027 10am", "YYYY-MM-DD HH:MM"),
    ("start", "2027-02-30 10:00", "not a real date"),
    ("end", "2027-03-13 09:00", "before it starts"),
    ("tracks", ["governance", "gpt-2"], "unknown track 'gpt-2'"),
    ("timezone", "Pacific Time", "IANA"),
    ("status", "maybe", "unknown status"),
    ("registration", "forms.example.org", "https://"),
    ("title", None, "missing"),
])
def test_invalid_field_fails_naming_file_and_field(field, value, says):
    with pytest.raises(FrontMatterError) as info:
        event(**{field: value})
    message = str(info.value)
    assert message.startswith(PATH) and f"field '{field}'" in message and says in message
    assert info.value.key == field


def test_start_day_must_match_the_file_name():
    with pytest.raises(FrontMatterError, match="file name says 2027-03-13"):
        event(start="2027-03-14 10:00", end="2027-03-14 12:00")


def test_badly_named_file_and_unknown_field_are_errors():
    with pytest.raises(FrontMatterError, match="file name"):
        event(path="events/library meetup.md")
    with pytest.raises(FrontMatterError, match="field 'workshopdate'"):
        event(workshopdate="July 20th, 2024")


def test_tbd_event_may_lack_a_venue_but_scheduled_may_not():
    assert event(location=None, status="tbd").status == "tbd"
    with pytest.raises(FrontMatterError, match="field 'location'"):
        event(location=None)


def test_upcoming_soonest_first_past_latest_first_and_today_counts_as_upcoming():
    def on(day, slug):
        return event(path=f"events/{day}-{slug}.md", start=f"{day} 10:00", end=f"{day} 12:00")
    a, b, c, d = on("2026-12-10", "a"), on("2027-01-01", "b"), on("2027-06-01", "c"), on("2027-02-01", "d")
    upcoming, past = ev.split_by_date([a, b, c, d], dt.date(2027, 1, 1))
    assert [e.slug for e in upcoming] == [b.slug, d.slug, c.slug]
    assert [e.slug for e in past] == [a.slug]
    upcoming, past = ev.split_by_date([a, b, c, d], dt.date(2027, 7, 1))
    assert upcoming == [] and [e.slug[-1] for e in past] == ["c", "d", "b", "a"]


def test_an_event_is_past_once_its_day_is_over_at_the_venue_not_on_the_build_machine():
    e = event(start="2027-03-13 10:00", end="2027-03-13 17:00")   # America/Los_Angeles (UTC-8)
    utc = dt.timezone.utc
    # 02:00 UTC on the 14th is 18:00 on the 13th in Seattle: the day is not over there yet.
    assert ev.split_by_date([e], dt.datetime(2027, 3, 14, 2, 0, tzinfo=utc)) == ([e], [])
    # 08:30 UTC on the 14th is 00:30 on the 14th in Seattle: now it is past.
    assert ev.split_by_date([e], dt.datetime(2027, 3, 14, 8, 30, tzinfo=utc)) == ([], [e])


def test_listing_and_details_link_the_event_page_and_its_ics(md):
    e = event(status="tbd", summary="Venue to follow.")
    listing = md(ev.render_listing([e], []))
    assert 'href="2027-03-13-library.md"' in listing and "Details to be determined" in listing
    assert "Saturday 13 March 2027, 10:00–17:00 (America/Los_Angeles)" in re.sub(r"<[^>]+>", "", listing)
    details = md(ev.render_details(e))
    assert 'href="2027-03-13-library.ics"' in details and 'href="https://forms.example.org/x"' in details
    assert ev.render_next_event([]) == ""


def test_escape_and_fold_follow_rfc5545():
    assert ev.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = ev.fold("DESCRIPTION:" + "é" * 100)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "DESCRIPTION:" + "é" * 100


def test_ics_parses_back_with_icalendar_in_utc():
    e = event(title="Meetup; with, punctuation", summary="Line one\nline two " + "x" * 120)
    stamp = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
    text = ev.render_ics([e], stamp, "https://example.org/course/")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    (vevent,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(vevent["UID"]) == "2027-03-13-library@example.org"
    assert vevent.decoded("DTSTART") == dt.datetime(2027, 3, 13, 18, 0, tzinfo=dt.timezone.utc)
    assert vevent.decoded("DTSTAMP") == stamp
    assert str(vevent["SUMMARY"]) == "Meetup; with, punctuation"
    assert "line two " + "x" * 120 in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]) == "https://example.org/course/events/2027-03-13-library/"


def test_repository_event_files_are_valid():
    files = sorted((ROOT / "docs/events").glob("[0-9]*.md"))
    assert len(files) >= 2
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    for path in files:
        _, meta = get_data(path.read_text())
        ev.parse_event(meta, f"events/{path.name}", pages)


def test_meetup_template_for_organizers_is_a_valid_event():
    page = (ROOT / "docs/organizers/meetup-template.md").read_text()
    template = re.search(r"^````markdown[^\n]*\n(.*?)^````", page, flags=re.S | re.M).group(1)
    _, meta = get_data(template)
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    e = ev.parse_event(meta, "events/2027-05-08-central-library.md", pages)
    assert set(e.tracks) == set(ev.TRACKS)
    assert [t.track for t in e.programme.tracks] == ["governance", "gpt2", "circuits"]   # the template shows it


def event_file(day="2027-03-13", title="Library"):
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in {**VALID, "title": title, "start": f"{day} 10:00",
                                                       "end": f"{day} 17:00"}.items()) + "---\n\nAbout it.\n"


def test_event_site_renders_the_event_box_listing_next_event_and_ics_files():
    site = ev.EventSite([("events/index.md", "# Events\n"), ("events/2027-03-13-library.md", event_file()),
                         ("gpt2/index.md", "# GPT-2\n")], dt.date(2027, 1, 1))
    assert list(site.events) == ["events/2027-03-13-library.md"]
    page = site.page_markdown("events/2027-03-13-library.md", "About it.\n")
    assert page.startswith("# Library\n\n!!! info") and page.endswith("About it.\n")
    assert "[Library](2027-03-13-library.md)" in site.page_markdown("events/index.md", "# E\n\n<!-- events-list -->\n")
    home = site.page_markdown("index.md", "# Home\n\n<!-- next-event -->\n")
    assert "Next meetup: Library" in home and "(events/2027-03-13-library.md)" in home
    stamp = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    assert set(site.ics_files(stamp)) == {"events/2027-03-13-library.ics", "events/events.ics"}


def test_event_file_in_a_subfolder_is_an_error_naming_the_file_and_where_it_goes():
    # Organizers' review, case 22: it used to become a plain page, missing from the list and calendar.
    with pytest.raises(ValueError) as info:
        ev.EventSite([("events/2027/2027-03-13-library.md", event_file())], dt.date(2027, 1, 1))
    assert str(info.value) == (
        "Invalid event files (see docs/organizers/add-an-event.md):\n"
        "  docs/events/2027/2027-03-13-library.md: event files go directly in docs/events/, not in a "
        "subfolder; move it to docs/events/2027-03-13-library.md")


def test_every_invalid_event_file_is_reported_with_its_line_or_field():
    bad_yaml = event_file().replace("tracks: ['governance', 'gpt2', 'circuits']", "tracks: [governance, gpt2")
    with pytest.raises(ValueError) as info:
        ev.EventSite([("events/2027-03-13-a.md", bad_yaml), ("events/2027-03-14-b.md", event_file())],
                     dt.date(2027, 1, 1))
    message = str(info.value)
    assert "docs/events/2027-03-13-a.md:7: front matter 'tracks': not valid YAML" in message
    assert "docs/events/2027-03-14-b.md: field 'start': starts on 2027-03-13" in message


def test_course_today_must_be_a_date():
    assert ev.today({"COURSE_TODAY": "2027-01-01"}) == dt.date(2027, 1, 1)
    with pytest.raises(ValueError, match="COURSE_TODAY='tomorrow': write the date as YYYY-MM-DD"):
        ev.today({"COURSE_TODAY": "tomorrow"})
    assert ev.build_time({"SOURCE_DATE_EPOCH": "0"}) == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------- issue 15: events that keep themselves right

def test_times_skipped_by_daylight_saving_are_rejected_with_the_fix():
    with pytest.raises(FrontMatterError) as info:
        event("events/2027-03-28-berlin.md", start="2027-03-28 02:30", end="2027-03-28 05:00",
              timezone="Europe/Berlin")
    message = str(info.value)
    assert message.startswith("events/2027-03-28-berlin.md: field 'start': 2027-03-28 02:30 does not exist "
                              "in Europe/Berlin")
    assert "pick a time outside the gap" in message
    with pytest.raises(FrontMatterError, match="field 'start': 2027-03-14 02:30 does not exist in America/Los_Angeles"):
        event("events/2027-03-14-la.md", start="2027-03-14 02:30", end="2027-03-14 05:00")


def test_ambiguous_times_when_the_clocks_go_back_are_rejected():
    with pytest.raises(FrontMatterError) as info:
        event("events/2027-10-31-berlin.md", start="2027-10-31 01:00", end="2027-10-31 02:30",
              timezone="Europe/Berlin")
    assert "field 'end': 2027-10-31 02:30 happens twice in Europe/Berlin" in str(info.value)
    # YAML may hand over a datetime: checked the same way
    with pytest.raises(FrontMatterError, match="does not exist"):
        event("events/2027-03-28-b.md", start=dt.datetime(2027, 3, 28, 2, 30), end="2027-03-28 05:00",
              timezone="Europe/Berlin")
    assert event(start="2027-03-13 10:00").start.utcoffset() == dt.timedelta(hours=-8)   # ordinary times pass


def test_uid_keeps_the_calendar_identity_when_the_file_is_renamed():
    moved = event("events/2027-03-20-library.md", start="2027-03-20 10:00", end="2027-03-20 17:00",
                  uid="2027-03-13-library")
    assert moved.slug == "2027-03-20-library" and moved.identity == "2027-03-13-library"
    stamp = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    (vevent,) = icalendar.Calendar.from_ical(ev.render_ics([moved], stamp, "https://example.org/c/")).walk("VEVENT")
    assert str(vevent["UID"]) == "2027-03-13-library@example.org"
    assert str(vevent["URL"]) == "https://example.org/c/events/2027-03-20-library/"
    assert event().identity == "2027-03-13-library"   # default: today's rule, the file name
    with pytest.raises(FrontMatterError, match="field 'uid': 'a b'"):
        event(uid="a b")


def test_a_renamed_event_redirects_its_old_address_and_duplicate_uids_are_errors():
    moved = event_file("2027-03-20").replace("title: Library", "title: Library\nuid: 2027-03-13-library")
    site = ev.EventSite([("events/2027-03-20-library.md", moved)], dt.date(2027, 1, 1))
    pages = site.redirects(use_directory_urls=True)
    assert list(pages) == ["events/2027-03-13-library/index.html"]
    assert 'url=../2027-03-20-library/"' in pages["events/2027-03-13-library/index.html"]
    assert list(site.redirects(use_directory_urls=False)) == ["events/2027-03-13-library.html"]
    with pytest.raises(ValueError) as info:
        ev.EventSite([("events/2027-03-20-library.md", moved), ("events/2027-03-13-library.md", event_file())],
                     dt.date(2027, 1, 1))
    assert ("docs/events/2027-03-20-library.md: field 'uid': '2027-03-13-library' is already the calendar "
            "identity of docs/events/2027-03-13-library.md") in str(info.value)


def test_the_redirect_page_escapes_the_event_title():
    moved = event_file("2027-03-20").replace("title: Library", 'title: "Q&A <live>"\nuid: 2027-03-13-library')
    site = ev.EventSite([("events/2027-03-20-library.md", moved)], dt.date(2027, 1, 1))
    page = site.redirects(use_directory_urls=True)["events/2027-03-13-library/index.html"]
    assert "<title>Q&amp;A &lt;live&gt; has moved</title>" in page
    assert '<a href="../2027-03-20-library/">Q&amp;A &lt;live&gt;</a>' in page
    assert "<live>" not in page and "&amp;amp;" not in page      # escaped once


def test_next_meetup_and_the_announcement_skip_cancelled_events():
    cancelled = event(status="cancelled", title="Called off")
    later = event("events/2027-04-10-later.md", start="2027-04-10 10:00", end="2027-04-10 16:00", title="Later")
    notice = ev.render_next_event([cancelled, later])
    assert "Next meetup: Later" in notice and "Called off" not in notice
    assert ev.render_next_event([cancelled]) == ""
    auto = ev.announcement("auto", [cancelled, later])
    assert auto["text"] == "Next meetup: Later, Saturday 10 April 2027." and auto["link"] == "events/2027-04-10-later/"
    assert ev.announcement(None, [cancelled, later]) == auto                     # absent = auto
    assert ev.announcement(auto, [later.__class__(**{**later.__dict__, "title": "Renamed"})])["text"].startswith(
        "Next meetup: Renamed")                                               # serve: made again each build
    own = {"text": "Hand-written", "link": "news/"}
    assert ev.announcement(own, [later]) is own                              # the organizer's override
    assert ev.announcement(False, [later]) is None
    assert ev.announcement("auto", [cancelled]) == {"auto": True}             # nothing to announce
    tbd = event(status="tbd", location=None)
    assert "(details to be determined)" in ev.announcement("auto", [tbd])["text"]
    assert ev.announcement("auto", [later], use_directory_urls=False)["link"] == "events/2027-04-10-later.html"


def test_times_are_machine_readable_for_the_local_time_script(md):
    html = md(ev.render_details(event()))
    assert '<span class="event-when" data-timezone="America/Los_Angeles">' in html
    assert '<time datetime="2027-03-13T10:00:00-08:00">Saturday 13 March 2027, 10:00</time>' in html
    assert '<time datetime="2027-03-13T17:00:00-08:00">17:00</time>' in html
    two_days = event(end="2027-03-14 12:00")
    assert '<time datetime="2027-03-14T12:00:00-07:00">Sunday 14 March 2027 12:00</time>' in ev.when_html(two_days)


def test_every_event_page_links_the_code_of_conduct():
    site = ev.EventSite([("events/2027-03-13-library.md", event_file()), (ev.CODE_OF_CONDUCT, "# CoC\n")],
                        dt.date(2027, 1, 1))
    page = site.page_markdown("events/2027-03-13-library.md", "About it.\n")
    assert "](../organizers/code-of-conduct.md)" in page
    assert "code-of-conduct" not in ev.render_details(event(), code_of_conduct=False)


def test_the_repository_has_a_code_of_conduct_in_the_nav_and_the_announcement_follows_events():
    from tests.support import load_mkdocs_yml, nav_sources
    assert ev.CODE_OF_CONDUCT in list(nav_sources())
    config = load_mkdocs_yml()
    assert config["extra"]["announcement"] == "auto"
    assert "assets/local-time.js" in config["extra_javascript"]


def test_a_programme_is_validated_and_makes_a_programme_page_and_run_sheets():
    text = event_file().replace("---\n\nAbout", "programme:\n  tracks:\n    gpt2:\n      sessions:\n"
                                "        - {section: gpt2/01-tokenization.md, start: '10:30', end: '12:00'}\n"
                                "---\n\nAbout")
    pages = [("events/2027-03-13-library.md", text), ("gpt2/01-tokenization.md", "---\ntime: 75 min\n---\n# Tok\n")]
    site = ev.EventSite(pages, dt.date(2027, 1, 1))
    assert set(site.generated_pages()) == {"events/2027-03-13-library/programme.md",
                                           "events/2027-03-13-library/run-sheet-gpt2.md"}
    details = site.page_markdown("events/2027-03-13-library.md", "About it.\n")
    assert "[Programme (printable)](2027-03-13-library/programme.md)" in details
    assert "[Build GPT-2](2027-03-13-library/run-sheet-gpt2.md)" in details
