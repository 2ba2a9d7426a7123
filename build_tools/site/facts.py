"""Dated sources: every external link that backs a fact says when it was last checked.

The convention is plain Markdown, a link title::

    [RSP v3.0](https://www.anthropic.com/... "checked 2026-11-30")

so the date shows as the link's tooltip, survives any Markdown tool, and this module can read it.
From the dates a page shows the range it was checked over, and ``python -m build_tools.site.facts``
(``make facts``) lists the sources older than a chosen age, so organizers see what to re-check.
Age never fails a build: the world moving on is not a bug in the page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

CHECKED = "checked"
# An inline link to the web: [text](url) or [text](url "title"). Images (![...]) are links too.
LINK = re.compile(r"\[(?P<text>[^][]*)\]\((?P<url>https?://[^\s)]+)(?:\s+\"(?P<title>[^\"\n]*)\")?\s*\)")
CHECKED_TITLE = re.compile(rf"^{CHECKED} (\d{{4}}-\d{{2}}-\d{{2}})$")
FENCE = re.compile(r"^\s*(```|~~~)")
SNIPPET = re.compile(r'^--8<-- "([^":]+)(?::[^"]*)?"\s*$', re.M)  # pymdownx.snippets, not ;-escaped


@dataclass(frozen=True)
class Source:
    path: str
    line: int
    text: str
    url: str
    checked: dt.date | None    # None: the link carries no "checked" title

    def where(self) -> str:
        return f"{self.path}:{self.line}"


class FactsError(ValueError):
    """A "checked" title that is not a real date, with file and line."""


def sources(markdown: str, path: str) -> list[Source]:
    """Every external link outside code fences, with the date its title gives (if any)."""
    prose = _without_fences(markdown)
    found = []
    for link in LINK.finditer(prose):
        line = prose.count("\n", 0, link.start("url")) + 1  # link text may wrap onto more lines
        text = " ".join(link["text"].split())
        found.append(Source(path, line, text, link["url"], _checked(link["title"], path, line)))
    return found


def included(markdown: str) -> list[str]:
    """Files a page pulls in with snippets (paths from the repository root): their sources count too."""
    return sorted(set(SNIPPET.findall(_without_fences(markdown))))


def _without_fences(markdown: str) -> str:
    """``markdown`` with the lines of fenced code blanked, so line numbers stay those of the file."""
    lines, in_fence = markdown.split("\n"), False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
            lines[i] = ""
        elif in_fence:
            lines[i] = ""
    return "\n".join(lines)


def _checked(title: str | None, path: str, line: int) -> dt.date | None:
    if title is None or not title.startswith(CHECKED):
        return None
    match = CHECKED_TITLE.match(title)
    try:
        return dt.date.fromisoformat(match[1]) if match else _bad(title, path, line)
    except ValueError:
        return _bad(title, path, line)


def _bad(title: str, path: str, line: int):
    raise FactsError(f'{path}:{line}: link title "{title}" is not a checked date: write it as '
                     f'"{CHECKED} YYYY-MM-DD", e.g. "{CHECKED} {dt.date.today().isoformat()}"')


def date_range(found: list[Source]) -> tuple[dt.date, dt.date] | None:
    dates = sorted(s.checked for s in found if s.checked)
    return (dates[0], dates[-1]) if dates else None


def under_title(markdown: str, line: str) -> str:
    """``markdown`` with ``line`` as its own paragraph after the first ``# `` title (or first)."""
    title = re.search(r"^# .*\n", markdown, re.M)
    at = title.end() if title else 0
    return f"{markdown[:at]}\n{line}\n\n{markdown[at:]}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def checked_line(found: list[Source]) -> str | None:
    """The sentence a page shows under its title, or None for a page with no dated sources."""
    span = date_range(found)
    if span is None:
        return None
    first, last = span
    when = f"on {long_date(first)}" if first == last else f"between {long_date(first)} and {long_date(last)}"
    return f"Sources on this page were checked against the linked originals {when}."


def older_than(found: list[Source], days: int, today: dt.date) -> list[Source]:
    """Dated sources checked more than ``days`` days before ``today``, oldest first."""
    limit = today - dt.timedelta(days=days)
    return sorted((s for s in found if s.checked and s.checked < limit), key=lambda s: s.checked)


def scan(paths: list[Path], root: Path) -> list[Source]:
    found = []
    for path in paths:
        files = sorted(path.rglob("*.md")) if path.is_dir() else [path]
        for file in files:
            found += sources(file.read_text(encoding="utf-8"), os.path.relpath(file, root))
    return found


def report(found: list[Source], days: int, today: dt.date) -> str:
    stale = older_than(found, days, today)
    undated = [s for s in found if s.checked is None]
    lines = [f"{len(found)} links to sources; {len(stale)} checked more than {days} days ago; "
             f"{len(undated)} without a checked date."]
    if stale:
        lines.append(f"\nTo re-check (oldest first; update the title to \"{CHECKED} {today}\" when done):")
        lines += [f"  {s.where()}: {CHECKED} {s.checked} ({(today - s.checked).days} days ago): "
                  f"{s.text} <{s.url}>" for s in stale]
    if undated:
        lines.append(f"\nWithout a date (add a title \"{CHECKED} YYYY-MM-DD\" once you have checked them):")
        lines += [f"  {s.where()}: {s.text} <{s.url}>" for s in undated]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List sources whose check is older than an age.")
    parser.add_argument("paths", nargs="*", default=["docs/governance"],
                        help="pages or folders (default: docs/governance)")
    parser.add_argument("--older-than", type=int, default=90, metavar="DAYS",
                        help="list sources checked more than DAYS days ago (default: 90)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = Path.cwd()
    try:
        found = scan([Path(p).resolve() for p in args.paths], root)
    except FactsError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(report(found, args.older_than, args.today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
