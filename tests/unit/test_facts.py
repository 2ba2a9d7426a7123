"""Dated sources: the "checked YYYY-MM-DD" link titles, the page's line and `make facts`."""

import datetime as dt

import pytest

from build_tools.site import facts

PAGE = """---
time: 60 min
---

# A unit

The AI Act entered into force ([Regulation](https://eur-lex.europa.eu/eli/reg/2024/1689 "checked 2026-11-30")).
A later rule ([Federal
Register notice](https://www.federalregister.gov/d/2025-00636 "checked 2026-06-01")) and
an undated one ([blog](https://example.org/post)) and [a page of ours](../gpt2/index.md).

```python
print("[not a link](https://example.org/code)")
```
"""


def test_sources_read_dates_lines_and_wrapped_links_but_not_code():
    found = facts.sources(PAGE, "docs/u.md")
    assert [(s.line, s.text, s.checked) for s in found] == [
        (7, "Regulation", dt.date(2026, 11, 30)),
        (9, "Federal Register notice", dt.date(2026, 6, 1)),
        (10, "blog", None),
    ]


@pytest.mark.parametrize("title", ["checked 30 Nov 2026", "checked 2026-13-01", "checked: 2026-11-30"])
def test_a_checked_title_that_is_not_a_date_names_file_line_and_form(title):
    page = f'Text\n([x](https://example.org "{title}"))\n'
    with pytest.raises(facts.FactsError, match=r"^docs/u\.md:2: .*checked YYYY-MM-DD"):
        facts.sources(page, "docs/u.md")


def test_space_before_the_closing_bracket_is_still_a_link():
    (dated, undated) = facts.sources('[a](https://a.org "checked 2026-11-30" ) [b](https://b.org )', "u.md")
    assert dated.checked == dt.date(2026, 11, 30) and undated.url == "https://b.org" and undated.checked is None


def test_other_titles_are_just_undated():
    (source,) = facts.sources('[x](https://example.org "The report")', "u.md")
    assert source.checked is None


def test_the_page_line_gives_one_date_or_the_range_and_sits_under_the_title():
    found = facts.sources(PAGE, "docs/u.md")
    line = facts.checked_line(found)
    assert line == ("Sources on this page were checked against the linked originals "
                    "between 1 June 2026 and 30 November 2026.")
    assert "checked against the linked originals on 30 November 2026." in facts.checked_line(found[:1])
    assert facts.checked_line(found[2:]) is None
    body = PAGE.split("---\n", 2)[2]
    out = facts.under_title(body, line)
    assert out.index("# A unit") < out.index(line) < out.index("The AI Act")


def test_older_than_lists_only_sources_past_the_age_oldest_first():
    found = facts.sources(PAGE, "docs/u.md")
    today = dt.date(2026, 12, 1)
    assert [s.text for s in facts.older_than(found, 90, today)] == ["Federal Register notice"]
    assert facts.older_than(found, 365, today) == []


def test_the_command_lists_stale_and_undated_sources_and_never_fails_for_age(tmp_path, capsys, monkeypatch):
    (tmp_path / "unit.md").write_text(PAGE)
    monkeypatch.chdir(tmp_path)
    assert facts.main(["unit.md", "--older-than", "30", "--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 links to sources; 1 checked more than 30 days ago; 1 without a checked date.")
    assert "unit.md:9: checked 2026-06-01 (183 days ago): Federal Register notice" in out
    assert "unit.md:10: blog <https://example.org/post>" in out


def test_a_page_made_of_snippets_counts_the_included_files_sources():
    handout = '# Handout\n\n--8<-- "docs/governance/05-pause.md:summary"\n\n;--8<-- "docs/x.md"\n'
    assert facts.included(handout) == ["docs/governance/05-pause.md"]
    assert facts.included('```markdown\n--8<-- "docs/y.md:goals"\n```\n') == []
