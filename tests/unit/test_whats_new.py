"""The "What's new since the last meetup" page (build_tools.site.whats_new): news posts and git
history since the last meetup that took place, and "no history available" when git cannot tell."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from build_tools.site import whats_new
from build_tools.site.frontmatter import FrontMatterError
from tests.support import ROOT

UTC = dt.timezone.utc
MEETUP_END = dt.datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class Ev:
    title: str
    src_path: str
    end: dt.datetime
    status: str = "scheduled"


EVENTS = [Ev("Spring meetup", "events/2026-06-01-spring.md", MEETUP_END),
          Ev("Old meetup", "events/2025-01-10-old.md", dt.datetime(2025, 1, 10, 17, tzinfo=UTC)),
          Ev("Cancelled summer meetup", "events/2026-07-01-summer.md", dt.datetime(2026, 7, 1, 17, tzinfo=UTC),
             "cancelled"),
          Ev("Next meetup", "events/2027-03-13-next.md", dt.datetime(2027, 3, 13, 17, tzinfo=UTC))]


def test_last_meetup_is_the_latest_past_one_that_was_not_cancelled():
    assert whats_new.last_meetup(EVENTS, NOW).title == "Spring meetup"
    assert whats_new.last_meetup(EVENTS[:2]).title == "Spring meetup"
    assert whats_new.last_meetup(EVENTS[2:], NOW) is None


def git(repo: Path, *args: str, when: str = "2026-01-01T12:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text, encoding="utf-8")


def commit(repo: Path, when: str, files: dict[str, str]) -> None:
    for path, text in files.items():
        write(repo, path, text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"at {when}", when=when)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A course repository: pages before the meetup (1 June 2026), then changes after it."""
    repo = tmp_path / "course"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, "2026-01-01T12:00:00+00:00", {
        "docs/gpt2/01-tokenization.md": "---\ntime: 1 h\n---\n# Tokenization\n",
        "docs/gpt2/02-embeddings.md": "# Embeddings\n",
        "docs/governance/04-law.md": "# The law as it stands\n",
        "docs/old.md": "# Old page\n",
        "docs/news/posts/2026-01-01-opens.md": "---\ndate: 2026-01-01\n---\n# The course opens\n"})
    commit(repo, "2026-07-02T09:00:00+00:00", {
        "docs/gpt2/01-tokenization.md": "---\ntime: 1 h\n---\n# Tokenization\n\nMore.\n",
        "docs/governance/07-local-action.md": "# Local action\n",
        "docs/assets/site.css": "body {}\n",
        "docs/notebooks/gpt2/01_model.ipynb": json.dumps(
            {"cells": [{"cell_type": "markdown", "source": ["# Build the model\n"]}]}),
        "docs/notebooks/gpt2/01_model.exercises.ipynb": "{}",
        "docs/news/posts/2026-07-02-unit-7.md": "---\ndate: 2026-07-02\n---\n# Unit 7 is out\n\nSee "
                                                       "[it](../../governance/07-local-action.md).\n",
        "docs/news/posts/2026-08-01-draft.md": "---\ndate: 2026-08-01\ndraft: true\n---\n# Draft\n"})
    git(repo, "rm", "-q", "docs/old.md")
    commit(repo, "2026-09-15T09:00:00+00:00", {"docs/governance/07-local-action.md": "# Local action\n\nv2\n"})
    return repo


def test_history_lists_new_and_updated_pages_since_the_meetup_once_each(repo):
    history = whats_new.git_history(repo, repo / "docs", MEETUP_END)
    assert history.changes is not None
    changes = {c.path: c for c in history.changes}
    assert sorted(changes) == ["governance/07-local-action.md", "gpt2/01-tokenization.md",
                               "notebooks/gpt2/01_model.ipynb"]   # no assets, exercises, posts, deleted pages
    assert changes["governance/07-local-action.md"].new
    assert changes["governance/07-local-action.md"].when.date() == dt.date(2026, 9, 15)   # the latest change
    assert not changes["gpt2/01-tokenization.md"].new
    assert changes["notebooks/gpt2/01_model.ipynb"].new


def test_the_page_lists_news_and_pages_with_links_from_news_whats_new(repo):
    text = whats_new.build_page(repo, repo / "docs", EVENTS, NOW, NOW.date())
    assert "since [Spring meetup](../events/2026-06-01-spring.md) (1 June 2026), up to 30 November 2026" in text
    news = text.split("## News", 1)[1].split("\n## ", 1)[0]
    assert "- 2 July 2026: [Unit 7 is out](posts/2026-07-02-unit-7.md)" in news
    assert "The course opens" not in news and "Draft" not in news
    new = text.split("## New pages", 1)[1].split("\n## ", 1)[0]
    assert "- [Local action](../governance/07-local-action.md) (Governance, 15 September 2026)" in new
    assert "- [Build the model](../notebooks/gpt2/01_model.ipynb) (Notebooks, 2 July 2026)" in new
    updated = text.split("## Updated pages", 1)[1]
    assert "- [Tokenization](../gpt2/01-tokenization.md) (Build GPT-2, 2 July 2026)" in updated
    assert "Embeddings" not in text and "Old page" not in text


def test_with_no_meetup_yet_it_lists_the_recent_days(repo):
    text = whats_new.build_page(repo, repo / "docs", [], NOW, NOW.date())
    assert f"No meetup has taken place yet, so this lists the last {whats_new.RECENT_DAYS} days" in text
    assert "[Local action]" in text and "Tokenization" not in text   # 2 July is more than 90 days back


def test_a_shallow_clone_says_no_history_available_and_still_lists_the_news(repo, tmp_path):
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], check=True)
    history = whats_new.git_history(shallow, shallow / "docs", MEETUP_END)
    assert history.changes is None and "shallow clone" in history.reason
    text = whats_new.build_page(shallow, shallow / "docs", EVENTS, NOW, NOW.date())
    assert '!!! note "No history available"' in text and "## New pages" not in text
    assert "[Unit 7 is out](posts/2026-07-02-unit-7.md)" in text
    # a shallow clone whose history does reach back to the meetup is used as it is
    assert whats_new.git_history(shallow, shallow / "docs", NOW).changes == []


def test_outside_a_repository_says_no_history_available(tmp_path):
    docs = tmp_path / "docs"
    write(tmp_path, "docs/news/posts/a.md", "---\ndate: 2026-11-01\n---\n# A post\n")
    text = whats_new.build_page(tmp_path, docs, EVENTS, NOW, NOW.date())
    assert "outside a git repository" in text and "[A post](posts/a.md)" in text


def test_the_hook_fills_the_placeholder_page(repo):
    """docs/news/whats-new.md keeps the nav entry and the front matter; the hook swaps its body."""
    from build_tools.site import whats_new_hook

    placeholder = ROOT / "docs" / whats_new.PAGE
    assert placeholder.is_file() and "exclude: true" in placeholder.read_text(encoding="utf-8")
    whats_new_hook._page[:] = ["# What's new since the last meetup\n\nGenerated.\n"]

    class Page:
        class file:
            src_uri = whats_new.PAGE
    assert whats_new_hook.on_page_markdown("old", Page, {}, None).endswith("Generated.\n")
    Page.file.src_uri = "index.md"
    assert whats_new_hook.on_page_markdown("old", Page, {}, None) == "old"


def test_nothing_new_is_said_plainly(repo):
    text = whats_new.build_page(repo, repo / "docs", [Ev("Latest", "events/x.md", NOW)], NOW, NOW.date())
    assert "No news posts since then." in text and "No new pages." in text and "No pages changed." in text


def test_a_news_post_with_broken_front_matter_is_named_with_its_line_not_dropped(tmp_path):
    docs = tmp_path / "docs"
    write(tmp_path, "docs/news/posts/a.md", "---\ndate: 2026-11-01\ntitle: Meetup: recap\n---\n# A post\n")
    with pytest.raises(FrontMatterError, match=r"^docs/news/posts/a\.md:3: front matter 'title'"):
        whats_new.build_page(tmp_path, docs, EVENTS, NOW, NOW.date())
