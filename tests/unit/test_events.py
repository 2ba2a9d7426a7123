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


def test_listing_and_details_link_the_event_page_and_its_ics(md):
    e = event(status="tbd", summary="Venue to follow.")
    listing = md(ev.render_listing([e], []))
    assert 'href="2027-03-13-library.md"' in listing and "Details to be determined" in listing
    assert "Saturday 13 March 2027, 10:00–17:00 (America/Los_Angeles)" in listing
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
    for path in files:
        _, meta = get_data(path.read_text())
        ev.parse_event(meta, f"events/{path.name}")


def test_meetup_template_for_organizers_is_a_valid_event():
    page = (ROOT / "docs/organizers/meetup-template.md").read_text()
    template = re.search(r"^````markdown[^\n]*\n(.*?)^````", page, flags=re.S | re.M).group(1)
    _, meta = get_data(template)
    e = ev.parse_event(meta, "events/2027-05-08-central-library.md")
    assert set(e.tracks) == set(ev.TRACKS)


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
