"""Events: one Markdown file per event -> validated Event, listings (Markdown) and iCalendar text.

``EventSite`` is one build's events; ``build_tools/site/events_hook.py`` wires it into MkDocs.

An event is ``docs/events/YYYY-MM-DD-slug.md`` with front matter ``title``, ``start``, ``end``
(local time at the venue), ``timezone`` (IANA), ``tracks`` and optionally ``location``, ``online``,
``registration``, ``status``, ``summary``, ``uid`` (a stable identity, kept when the file is renamed)
and ``programme`` (the day's plan: build_tools/site/programme.py): see docs/organizers/add-an-event.md.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import posixpath
import re
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from build_tools.site import programme as prog
from build_tools.site.frontmatter import FrontMatterError, insert_after_title, report, split
from build_tools.site.tracks import TRACKS

STATUSES = {"scheduled": "CONFIRMED", "tbd": "TENTATIVE", "cancelled": "CANCELLED"}
STATUS_LABELS = {"scheduled": "", "tbd": "Details to be determined", "cancelled": "Cancelled"}
REQUIRED = ("title", "start", "end", "timezone", "tracks")
OPTIONAL = ("location", "online", "registration", "status", "summary", "uid", "programme")
# Keys MkDocs/Material understand on any page; allowed so organizers can e.g. hide the toc.
PAGE_KEYS = ("hide", "description", "template", "search", "icon", "subtitle", "tags")
FILENAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::00)?$")
TIME_OF_DAY = re.compile(r"^(\d{1,2}):(\d{2})$")
UID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CODE_OF_CONDUCT = "organizers/code-of-conduct.md"
EVENTS_DIR = "events/"
LIST_LINE = re.compile(r"^<!-- events-list -->[ \t]*$", re.M)   # markers count on their own line only
NEXT_LINE = re.compile(r"^<!-- next-event -->[ \t]*$", re.M)


def _error(path: str, field_name: str, message: str) -> FrontMatterError:
    """A problem in one event file, naming the file and the front-matter field."""
    return FrontMatterError(path, field_name, message, noun="field")


@dataclass(frozen=True)
class Event:
    slug: str                 # file stem, e.g. "2027-03-13-library-meetup" (page and .ics name)
    src_path: str             # e.g. "events/2027-03-13-library-meetup.md"
    title: str
    start: dt.datetime        # aware, in the venue's time zone
    end: dt.datetime
    tracks: tuple[str, ...]
    location: str = ""
    online: str = ""
    registration: str = ""
    status: str = "scheduled"
    summary: str = ""
    uid: str = ""             # calendar identity; defaults to the slug (see add-an-event.md)
    programme: prog.Programme | None = None

    @property
    def identity(self) -> str:
        return self.uid or self.slug

    @property
    def timezone(self) -> str:
        return str(self.start.tzinfo)


def local_time(naive: dt.datetime, tz: ZoneInfo, path: str, name: str) -> dt.datetime:
    """`naive` at the venue; rejects a time skipped or repeated by a daylight-saving change."""
    moment = naive.replace(tzinfo=tz)
    back = moment.astimezone(dt.timezone.utc).astimezone(tz)
    when = f"{naive:%Y-%m-%d %H:%M}"
    if back.replace(tzinfo=None) != naive:
        raise _error(path, name, f"{when} does not exist in {tz.key}: the clocks skip that hour when "
                     f"daylight saving starts (it would be read as {back:%H:%M}); pick a time outside the gap")
    if moment.replace(fold=1).utcoffset() != moment.utcoffset():
        raise _error(path, name, f"{when} happens twice in {tz.key}: the clocks go back that night "
                     "(daylight saving ends), so the time is ambiguous; pick a time outside that hour")
    return moment


def _parse_datetime(value, tz: ZoneInfo, path: str, name: str) -> dt.datetime:
    if isinstance(value, dt.datetime):  # YAML turned "2027-03-13 10:00:00" into a datetime
        if value.tzinfo is not None:
            return value.astimezone(tz)
        return local_time(value, tz, path, name)
    match = DATETIME.match(str(value).strip())
    if not match:
        raise _error(path, name, f"{value!r} is not a date and time; write it as "
                     "'YYYY-MM-DD HH:MM' in the venue's local time, e.g. '2027-03-13 10:00'")
    year, month, day, hour, minute = map(int, match.groups())
    try:
        naive = dt.datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise _error(path, name, f"{value!r} is not a real date or time ({exc})") from None
    return local_time(naive, tz, path, name)


def _programme_time(day: dt.date, tz: ZoneInfo, path: str):
    """Times in the programme: 'HH:MM' on the event's first day, or a full 'YYYY-MM-DD HH:MM'."""
    def parse(value, name: str) -> dt.datetime:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            value = f"{value // 60}:{value % 60:02d}"   # YAML 1.1 reads an unquoted 10:30 as 630
        text = str(value).strip()
        match = TIME_OF_DAY.match(text)
        if match:
            hour, minute = map(int, match.groups())
            if hour > 23 or minute > 59:
                raise _error(path, name, f"{text!r} is not a time of day; write it as 'HH:MM', e.g. '10:40'")
            return local_time(dt.datetime.combine(day, dt.time(hour, minute)), tz, path, name)
        if DATETIME.match(text) or isinstance(value, dt.datetime):
            return _parse_datetime(value, tz, path, name)
        raise _error(path, name, f"{text!r} is not a time; write it as 'HH:MM' (24-hour clock, the "
                     "venue's time, on the event's first day), e.g. '10:40'")
    return parse


def _url(value, path: str, name: str) -> str:
    text = str(value or "").strip()
    if text and not re.match(r"^https?://\S+$", text):
        raise _error(path, name, f"{text!r} is not a web address; start it with https://")
    return text


def parse_event(meta: dict, src_path: str, pages=None) -> Event:
    """Validate one event's front matter (`meta`) from `src_path` (relative to docs/).

    `pages`: every docs path of the site (a set or a dict of texts), against which a programme's
    sections are checked; without it, a programme is rejected.
    """
    filename = src_path.rsplit("/", 1)[-1]
    name_match = FILENAME.match(filename)
    if not name_match:
        raise _error(src_path, "file name", "name event files YYYY-MM-DD-short-slug.md "
                     "(lower-case letters, digits and hyphens), e.g. 2027-03-13-library-meetup.md")
    unknown = sorted(set(meta) - set(REQUIRED) - set(OPTIONAL) - set(PAGE_KEYS))
    if unknown:
        raise _error(src_path, unknown[0], "unknown field; event fields are " + ", ".join(REQUIRED + OPTIONAL))
    for key in REQUIRED:
        if meta.get(key) in (None, "", []):
            raise _error(src_path, key, "missing; every event needs " + ", ".join(REQUIRED))
    try:
        tz = ZoneInfo(str(meta["timezone"]).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise _error(src_path, "timezone", f"{meta['timezone']!r} is not an IANA time zone "
                     "name such as Europe/London or America/Los_Angeles") from None
    start = _parse_datetime(meta["start"], tz, src_path, "start")
    end = _parse_datetime(meta["end"], tz, src_path, "end")
    if end <= start:
        raise _error(src_path, "end", f"ends ({end:%Y-%m-%d %H:%M}) before it starts ({start:%Y-%m-%d %H:%M})")
    if start.date().isoformat() != name_match.group(1):
        raise _error(src_path, "start", f"starts on {start.date()} but the file name says "
                     f"{name_match.group(1)}; rename the file or fix the date")
    tracks = meta["tracks"] if isinstance(meta["tracks"], list) else [meta["tracks"]]
    for track in tracks:
        if track not in TRACKS:
            raise _error(src_path, "tracks", f"unknown track {track!r}; use any of " + ", ".join(TRACKS))
    status = str(meta.get("status") or "scheduled").strip()
    if status not in STATUSES:
        raise _error(src_path, "status", f"unknown status {status!r}; use one of "
                     + ", ".join(STATUSES) + " (tbd = details to be determined)")
    location = str(meta.get("location") or "").strip()
    online = _url(meta.get("online"), src_path, "online")
    if not (location or online) and status == "scheduled":
        raise _error(src_path, "location", "a scheduled event needs a location or an online "
                     "link (or set status: tbd while the venue is not fixed)")
    uid = str(meta.get("uid") or "").strip()
    if uid and not UID.match(uid):
        raise _error(src_path, "uid", f"{uid!r}: use letters, digits, '.', '_' and '-' only, e.g. the "
                     "event's first file name without .md (2027-03-13-spring-meetup)")
    programme = None
    if meta.get("programme") is not None:
        programme = prog.parse_programme(meta["programme"], src_path, tuple(tracks), pages or {},
                                         _programme_time(start.date(), tz, src_path), start, end)
    return Event(slug=filename[:-3], src_path=src_path, title=str(meta["title"]).strip(), start=start, end=end,
                 tracks=tuple(tracks), location=location, online=online, status=status,
                 registration=_url(meta.get("registration"), src_path, "registration"),
                 summary=str(meta.get("summary") or "").strip(), uid=uid, programme=programme)


def split_by_date(events, today: dt.date | dt.datetime) -> tuple[list[Event], list[Event]]:
    """(upcoming soonest first, past most recent first). An event is past once its end day is over
    at the venue: ``today`` is an aware datetime (now), read in each event's time zone, or a date."""
    def over(e: Event) -> bool:
        day = today.astimezone(e.end.tzinfo).date() if isinstance(today, dt.datetime) else today
        return e.end.date() < day
    upcoming = sorted((e for e in events if not over(e)), key=lambda e: e.start)
    past = sorted((e for e in events if over(e)), key=lambda e: e.start, reverse=True)
    return upcoming, past


# ---------------------------------------------------------------- Markdown

def when(event: Event) -> str:
    """'Saturday 13 March 2027, 10:00–17:00 (America/Los_Angeles)'; multi-day spans both days."""
    day = f"{event.start:%A} {event.start.day} {event.start:%B %Y}"
    if event.end.date() == event.start.date():
        return f"{day}, {event.start:%H:%M}–{event.end:%H:%M} ({event.timezone})"
    end_day = f"{event.end:%A} {event.end.day} {event.end:%B %Y}"
    return f"{day} {event.start:%H:%M} – {end_day} {event.end:%H:%M} ({event.timezone})"


def when_html(event: Event) -> str:
    """`when` with machine-readable <time> elements: docs/assets/local-time.js adds the reader's time."""
    start_day = f"{event.start:%A} {event.start.day} {event.start:%B %Y}"
    start = f'<time datetime="{event.start.isoformat()}">{start_day}, {event.start:%H:%M}</time>'
    if event.end.date() == event.start.date():
        end = f'<time datetime="{event.end.isoformat()}">{event.end:%H:%M}</time>'
        text = f"{start}–{end}"
    else:
        start = f'<time datetime="{event.start.isoformat()}">{start_day} {event.start:%H:%M}</time>'
        end_day = f"{event.end:%A} {event.end.day} {event.end:%B %Y}"
        text = f'{start} – <time datetime="{event.end.isoformat()}">{end_day} {event.end:%H:%M}</time>'
    return f'<span class="event-when" data-timezone="{event.timezone}">{text} ({event.timezone})</span>'


def next_event(upcoming) -> Event | None:
    """The soonest upcoming event that is not cancelled."""
    return next((e for e in upcoming if e.status != "cancelled"), None)


def where(event: Event) -> str:
    parts = [event.location] if event.location else []
    if event.online:
        parts.append(f"online: <{event.online}>")
    return " · ".join(parts) or "Venue to be announced"


def _tracks(event: Event, prefix: str) -> str:
    return ", ".join(f"[{TRACKS[t]}]({prefix}{t}/index.md)" for t in event.tracks)


def render_listing(upcoming, past) -> str:
    """The events index: upcoming (soonest first) then past. Links are relative to events/."""
    def item(event: Event) -> str:
        status = f" **{STATUS_LABELS[event.status]}.**" if STATUS_LABELS[event.status] else ""
        summary = f"  \n    {event.summary}" if event.summary else ""
        return (f"-   **[{event.title}]({event.slug}.md)**{status}  \n"
                f"    {when_html(event)}  \n    {where(event)}  \n"
                f"    Tracks: {_tracks(event, '../')}{summary}")

    out = ['<div class="event-list event-list--upcoming" markdown>', "", "## Upcoming", ""]
    out += [item(e) for e in upcoming] or ["No upcoming events yet: watch the [news](../news/index.md)."]
    out += ["", "</div>", "", '<div class="event-list event-list--past" markdown>', "",
            "## Past events", ""]
    out += [item(e) for e in past] or ["None yet."]
    out += ["", "</div>", "", "[Subscribe to all events (.ics)](events.ics){ .md-button }", ""]
    return "\n".join(out)


def render_details(event: Event, code_of_conduct: bool = True) -> str:
    """The box at the top of an event's own page (Markdown, links relative to events/)."""
    kind = {"scheduled": "info", "tbd": "warning", "cancelled": "failure"}[event.status]
    label = STATUS_LABELS[event.status]
    lines = [f'!!! {kind} "{label or "When and where"}"', "",
             f"    **When:** {when_html(event)}  ", f"    **Where:** {where(event)}  ",
             f"    **Tracks:** {_tracks(event, '../')}  " if event.programme or code_of_conduct
             else f"    **Tracks:** {_tracks(event, '../')}"]
    extra = []
    if event.programme:
        sheets = ", ".join(f"[{TRACKS[p.track]}]({event.slug}/run-sheet-{p.track}.md)" for p in event.programme.tracks)
        extra.append(f"    **Facilitators:** run sheets for {sheets}")
    if code_of_conduct:
        extra.append("    **Code of conduct:** everyone is welcome; "
                     f"[read how we look after each other](../{CODE_OF_CONDUCT})")
    lines += ["  \n".join(extra)] if extra else []
    lines.append("")
    buttons = []
    if event.registration and event.status != "cancelled":
        buttons.append(f"[Register]({event.registration}){{ .md-button .md-button--primary }}")
    if event.programme:
        buttons.append(f"[Programme (printable)]({event.slug}/programme.md){{ .md-button }}")
    buttons.append(f"[Add to calendar (.ics)]({event.slug}.ics){{ .md-button }}")
    lines += ["    " + " ".join(buttons), ""]
    return "\n".join(lines)


def render_next_event(upcoming, events_dir: str = "events/") -> str:
    """A short admonition for the home page announcing the soonest upcoming event that is not
    cancelled (or nothing)."""
    event = next_event(upcoming)
    if event is None:
        return ""
    status = f"    **{STATUS_LABELS[event.status]}.**  \n" if STATUS_LABELS[event.status] else ""
    return (f'!!! tip "Next meetup: {event.title}"\n\n{status}'
            f"    {when_html(event)}  \n    {where(event)}  \n"
            f"    [Details and registration]({events_dir}{event.slug}.md) · "
            f"[All events]({events_dir}index.md)\n")


def announcement(configured, upcoming, use_directory_urls: bool = True):
    """What the announcement bar shows (overrides/main.html reads extra.announcement).

    `configured` is mkdocs.yml's ``extra.announcement``: absent or ``auto`` follows the next event
    that is not cancelled (nothing when there is none); a mapping with ``text`` is the organizer's
    own message and is kept as written; ``false`` or empty turns the bar off. A mapping marked
    ``auto`` was made by an earlier build of the same config (``mkdocs serve``) and is made again.
    """
    if isinstance(configured, dict) and not configured.get("auto"):
        return configured
    if configured not in (None, "auto") and not isinstance(configured, dict):
        return configured if configured else None
    event = next_event(upcoming)
    if event is None:
        return {"auto": True}
    status = " (details to be determined)" if event.status == "tbd" else ""
    day = f"{event.start:%A} {event.start.day} {event.start:%B %Y}"
    page = f"{EVENTS_DIR}{event.slug}/" if use_directory_urls else f"{EVENTS_DIR}{event.slug}.html"
    return {"text": f"Next meetup: {event.title}, {day}{status}.", "link": page,
            "link_text": "Details", "auto": True}


# ---------------------------------------------------------------- iCalendar (RFC 5545)

def escape_text(text: str) -> str:
    """RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and newlines are escaped."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on CRLF + one space; UTF-8 kept whole."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def vevent_lines(event: Event, dtstamp: dt.datetime, site_url: str, uid_domain: str) -> list[str]:
    page = f"{site_url.rstrip('/')}/events/{event.slug}/" if site_url else ""
    description = "\n".join(filter(None, [
        event.summary, "Tracks: " + ", ".join(TRACKS[t] for t in event.tracks),
        f"Register: {event.registration}" if event.registration else "",
        f"Online: {event.online}" if event.online else "", page]))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.identity}@{uid_domain}",
        f"DTSTAMP:{_utc(dtstamp)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.end)}",
        f"SUMMARY:{escape_text(event.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"STATUS:{STATUSES[event.status]}",
        "CATEGORIES:" + ",".join(escape_text(TRACKS[t]) for t in event.tracks),
    ]
    if event.location or event.online:
        lines.append(f"LOCATION:{escape_text(event.location or event.online)}")
    if page:
        lines.append(f"URL:{page}")
    return lines + ["END:VEVENT"]


def render_ics(events, dtstamp: dt.datetime, site_url: str = "", name: str = "Events") -> str:
    """A VCALENDAR with one VEVENT per event. Times are UTC (no VTIMEZONE needed); CRLF line ends."""
    host = re.sub(r"^https?://", "", site_url).split("/")[0] if site_url else ""
    uid_domain = host or "open-ai-safety-course.invalid"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Open AI Safety Course//Events//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in sorted(events, key=lambda e: e.start):
        lines += vevent_lines(event, dtstamp, site_url, uid_domain)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


# ---------------------------------------------------------------- one build

def today(environ=os.environ) -> dt.date:
    """What counts as past: the build date, or COURSE_TODAY=YYYY-MM-DD (for tests)."""
    value = environ.get("COURSE_TODAY")
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        raise ValueError(f"COURSE_TODAY={value!r}: write the date as YYYY-MM-DD") from None


def now(environ=os.environ) -> dt.date | dt.datetime:
    """What counts as past: now, read in each venue's time zone (a build on a UTC machine in the
    evening must not call a Seattle meetup past before its day is over there), or COURSE_TODAY."""
    return today(environ) if environ.get("COURSE_TODAY") else dt.datetime.now(dt.timezone.utc)


def build_time(environ=os.environ) -> dt.datetime:
    """DTSTAMP: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch) if epoch else time.time(), dt.timezone.utc).replace(microsecond=0)


class EventSite:
    """One build's events, from (src_uri, text) of the Markdown pages: each page's Markdown
    (event box, listing, next event) and the .ics files.

    Raises ValueError listing every invalid event file, each with its file and field.
    """

    def __init__(self, pages, today: dt.date | dt.datetime):
        self.events: dict[str, Event] = {}
        self.pages: dict[str, str] = dict(pages)   # every docs page (and notebook) by path
        errors = []
        for src, text in self.pages.items():
            if not src.startswith(EVENTS_DIR) or not src.endswith(".md") or src == EVENTS_DIR + "index.md":
                continue
            try:
                if "/" in src[len(EVENTS_DIR):]:  # MkDocs would make it a plain page, silently
                    raise FrontMatterError(src, "", "event files go directly in docs/events/, not in "
                                           f"a subfolder; move it to docs/{EVENTS_DIR}{src.rsplit('/', 1)[-1]}")
                self.events[src] = parse_event(split(text, src)[0], src, self.pages)
            except FrontMatterError as exc:
                errors.append(exc)
        errors += self._identity_errors()
        report(errors, "Invalid event files (see docs/organizers/add-an-event.md):")
        self.upcoming, self.past = split_by_date(self.events.values(), today)

    def _identity_errors(self) -> list[FrontMatterError]:
        """Two events with one calendar identity would overwrite each other in calendar apps."""
        seen: dict[str, Event] = {}
        errors = []
        for event in sorted(self.events.values(), key=lambda e: e.src_path):
            other = seen.setdefault(event.identity, event)
            if other is not event:
                errors.append(_error(event.src_path, "uid", f"{event.identity!r} is already the calendar "
                                     f"identity of docs/{other.src_path}; give each event its own uid"))
        return errors

    def generated_pages(self) -> dict[str, str]:
        """{docs path: Markdown}: each programme's printable page and its run sheets per track."""
        out = {}
        for event in self.events.values():
            if not event.programme:
                continue
            folder = f"{EVENTS_DIR}{event.slug}/"
            out[folder + "programme.md"] = prog.render_programme(event, event.programme, self.pages, "../../")
            for plan in event.programme.tracks:
                out[f"{folder}run-sheet-{plan.track}.md"] = prog.render_run_sheet(
                    event, event.programme, plan, self.pages, "../../")
        return out

    def redirects(self, use_directory_urls: bool = True) -> dict[str, str]:
        """{site path: HTML}: an event renamed after publishing (its ``uid`` is its old file name)
        keeps its old address, which now redirects to the new page."""
        out = {}
        for event in self.events.values():
            old = event.uid
            if not old or old == event.slug or not FILENAME.match(old + ".md") \
                    or f"{EVENTS_DIR}{old}.md" in self.pages:
                continue
            path, target = ((f"{EVENTS_DIR}{old}/index.html", f"../{event.slug}/") if use_directory_urls
                            else (f"{EVENTS_DIR}{old}.html", f"{event.slug}.html"))
            title = html.escape(event.title)
            out[path] = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
                         f'<title>{title} has moved</title>\n'
                         f'<meta http-equiv="refresh" content="0; url={target}">\n'
                         f'<link rel="canonical" href="{target}">\n<meta name="robots" content="noindex">\n'
                         f'</head><body><p>This event moved: <a href="{target}">{title}</a>.</p>'
                         f'<script>location.replace("{target}" + location.hash)</script></body></html>\n')
        return out

    def ics_files(self, stamp: dt.datetime, site_url: str = "", name: str = "Events") -> dict[str, str]:
        """{path under the site: iCalendar text}: one per event, and events.ics with all of them."""
        files = {f"{EVENTS_DIR}{e.slug}.ics": render_ics([e], stamp, site_url, name) for e in self.events.values()}
        files[f"{EVENTS_DIR}events.ics"] = render_ics(self.events.values(), stamp, site_url, name)
        return files

    def page_markdown(self, src: str, markdown: str) -> str:
        """The page with its markers replaced and, on an event's page, the event box under the title."""
        if NEXT_LINE.search(markdown):
            prefix = posixpath.relpath(EVENTS_DIR, posixpath.dirname(src) or ".") + "/"
            notice = render_next_event(self.upcoming, prefix)
            markdown = NEXT_LINE.sub(lambda _: notice, markdown)
        if src == f"{EVENTS_DIR}index.md" and LIST_LINE.search(markdown):
            listing = render_listing(self.upcoming, self.past)
            markdown = LIST_LINE.sub(lambda _: listing, markdown)
        if src in self.events:
            event = self.events[src]
            details = render_details(event, code_of_conduct=CODE_OF_CONDUCT in self.pages)
            markdown = insert_after_title(markdown, details, event.title)
        return markdown
