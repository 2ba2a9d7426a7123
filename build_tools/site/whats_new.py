"""The "What's new since the last meetup" page (news/whats-new.md), made at build time.

Since the end of the last meetup that took place (cancelled ones do not count; none yet: the last
RECENT_DAYS days) it lists:

- the news posts dated in that time (docs/news/posts/, from their `date:` front matter);
- the course's pages added or changed in that time, from git history (`git log` over docs/), each
  once, new pages apart from updated ones.

Robust by design: without git, outside a repository, or in a shallow clone whose history does not
reach back to the meetup (CI's default `fetch-depth: 1`), the page says "no history available" and
lists the news posts only. Nothing here fails the build. ``whats_new_hook.py`` is the MkDocs glue:
it replaces the body of docs/news/whats-new.md (a placeholder that keeps the page's front matter and
gives the nav a real file).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from build_tools.site.frontmatter import split
from build_tools.site.tracks import TRACKS

PAGE = "news/whats-new.md"
RECENT_DAYS = 90
SECTIONS = {**TRACKS, "notebooks": "Notebooks", "events": "Events", "organizers": "Organizers", "authors": "Authors"}


@dataclass(frozen=True)
class Meetup:
    title: str
    src_path: str        # docs-relative, e.g. events/2024-07-20-bellevue-library-meetup.md
    end: dt.datetime     # aware


@dataclass(frozen=True)
class Change:
    path: str            # docs-relative
    new: bool            # added since (and still there)
    when: dt.datetime    # last commit that touched it in the range


@dataclass(frozen=True)
class History:
    changes: list[Change] | None   # None: no history available
    reason: str = ""                # why not, when None


def last_meetup(events, now: dt.datetime | None = None) -> Meetup | None:
    """The meetup that ended last (before `now`, when given), skipping cancelled ones. `events`:
    objects with title, src_path, end (aware) and status (build_tools.site.events.Event)."""
    past = [e for e in events if (now is None or e.end <= now) and getattr(e, "status", "") != "cancelled"]
    if not past:
        return None
    e = max(past, key=lambda e: e.end)
    return Meetup(e.title, e.src_path, e.end)


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _is_page(path: str) -> bool:
    if path == PAGE or path.startswith("news/posts/") or "/assets/" in f"/{path}" or path.startswith("assets/"):
        return False
    if path.endswith(".ipynb"):
        return path.startswith("notebooks/") and not path.endswith(".exercises.ipynb")
    return path.endswith(".md") and not path.endswith("README.md")


def git_history(root: Path, docs: Path, since: dt.datetime) -> History:
    """Pages under `docs` (in the repository at `root`) added or changed since `since`."""
    if _git(root, "rev-parse", "--is-inside-work-tree") is None:
        return History(None, "the site was built outside a git repository")
    if (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        oldest = (_git(root, "log", "--reverse", "--format=%cI", "HEAD") or "").split("\n", 1)[0].strip()
        if not oldest or dt.datetime.fromisoformat(oldest) > since:
            return History(None, "the site was built from a shallow clone (its git history does not reach "
                                 "back to the meetup; CI checks out with fetch-depth: 0 to fix this)")
    try:
        rel_docs = docs.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return History(None, "the pages are not in the git repository")
    out = _git(root, "log", "--no-renames", "--name-status", "--format=%x1e%cI",
               f"--since={since.isoformat()}", "HEAD", "--", rel_docs)
    if out is None:
        return History(None, "git could not read the history")
    changes: dict[str, Change] = {}
    for record in out.split("\x1e")[1:]:          # newest commit first
        lines = [line for line in record.splitlines() if line.strip()]
        if not lines:
            continue
        when = dt.datetime.fromisoformat(lines[0].strip())
        for line in lines[1:]:
            status, _, path = line.partition("\t")
            path = path.strip()
            if not path.startswith(rel_docs + "/"):
                continue
            page = path[len(rel_docs) + 1:]
            if not _is_page(page) or not (docs / page).is_file():
                continue
            before = changes.get(page)
            changes[page] = Change(page, (before.new if before else False) or status.startswith("A"),
                                   before.when if before else when)
    return History(sorted(changes.values(), key=lambda c: (-c.when.timestamp(), c.path)))


def front_matter(text: str, path: str) -> dict:
    """A page's front matter; invalid YAML raises FrontMatterError with the file, line and key."""
    return split(text, path)[0]


def page_title(docs: Path, path: str) -> str:
    """A page's level-one heading (front matter `title:` first; a notebook's first heading)."""
    text = (docs / path).read_text(encoding="utf-8")
    if path.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            cells = []
        text = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "markdown")
    else:
        meta, text = split(text, f"docs/{path}")
        if meta.get("title"):
            return str(meta["title"])
    m = re.search(r"^# +(.+?)\s*#*\s*$", text, re.M)
    return m.group(1).strip() if m else Path(path).stem.replace("-", " ").replace("_", " ")


def _date_of(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dict):   # Material's blog allows date: {created: ..., updated: ...}
        return _date_of(value.get("created"))
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def news_since(docs: Path, since: dt.date, today: dt.date) -> list[tuple[dt.date, str, str]]:
    """(date, title, docs-relative path) of the news posts dated after `since`, up to `today`,
    newest first. Drafts are left out."""
    posts = []
    for path in sorted((docs / "news/posts").glob("**/*.md")):
        meta = front_matter(path.read_text(encoding="utf-8"), f"docs/{path.relative_to(docs).as_posix()}")
        date = _date_of(meta.get("date"))
        if date is None or meta.get("draft") or not (since < date <= today):
            continue
        rel = path.relative_to(docs).as_posix()
        posts.append((date, page_title(docs, rel), rel))
    return sorted(posts, key=lambda p: (p[0], p[2]), reverse=True)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _link(path: str) -> str:
    """From news/whats-new.md to a docs-relative page."""
    return path[len("news/"):] if path.startswith("news/") else f"../{path}"


def _section(path: str) -> str:
    return SECTIONS.get(path.split("/", 1)[0], "Site")


def render(meetup: Meetup | None, since: dt.datetime, today: dt.date,
           news: list[tuple[dt.date, str, str]], history: History, titles: dict[str, str]) -> str:
    """The page's Markdown (no front matter: docs/news/whats-new.md has it)."""
    lines = ["# What's new since the last meetup", ""]
    if meetup:
        lines.append(f"What changed in the course since [{meetup.title}](../{meetup.src_path}) "
                     f"({long_date(meetup.end.date())}), up to {long_date(today)}.")
    else:
        lines.append(f"No meetup has taken place yet, so this lists the last {RECENT_DAYS} days: "
                     f"{long_date(since.date())} to {long_date(today)}.")
    lines += ["The site makes this page when it is built (the published site is rebuilt every day), "
              "from the news posts and the site's git history.", "", "## News", ""]
    lines += [f"- {long_date(d)}: [{title}]({_link(p)})" for d, title, p in news] or ["No news posts since then."]
    lines.append("")
    if history.changes is None:
        lines += ["## Pages", "", '!!! note "No history available"',
                  f"    The list of new and updated pages comes from git history, and {history.reason}. "
                  "The news posts above are complete.", ""]
        return "\n".join(lines)
    new = [c for c in history.changes if c.new]
    updated = [c for c in history.changes if not c.new]

    def item(c: Change) -> str:
        return f"- [{titles.get(c.path) or c.path}]({_link(c.path)}) ({_section(c.path)}, {long_date(c.when.date())})"
    lines += ["## New pages", "", *([item(c) for c in new] or ["No new pages."]), ""]
    lines += ["## Updated pages", "", *([item(c) for c in updated] or ["No pages changed."]), ""]
    return "\n".join(lines)


def build_page(root: Path, docs: Path, events, now: dt.datetime, today: dt.date,
               past_only: bool = False) -> str:
    """The whole page: the last meetup from `events` (already the past ones when `past_only`), the
    news posts, and git history in `root`."""
    meetup = last_meetup(events, None if past_only else now)
    since = meetup.end if meetup else now - dt.timedelta(days=RECENT_DAYS)
    history = git_history(root, docs, since)
    titles = {c.path: page_title(docs, c.path) for c in history.changes or []}
    news = news_since(docs, since.date(), today)
    return render(meetup, since, today, news, history, titles)
