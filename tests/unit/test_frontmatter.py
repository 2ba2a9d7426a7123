"""build_tools.site.frontmatter: YAML errors name the line, key and fix; blocks go after the title."""

import pytest

from build_tools.site import frontmatter
from build_tools.site.frontmatter import FrontMatterError

# Organizers' review, case 1: the list on line 8 is never closed; YAML notices only on line 9.
UNCLOSED_LIST = """---
title: Meetup
start: 2027-03-13 10:00
end: 2027-03-13 17:00
timezone: America/Los_Angeles
location: Central Library
online: https://meet.example.org/x
tracks: [governance, gpt2, circuits
registration: https://forms.example.org/meetup
status: scheduled
---
# Meetup
"""


def error_of(text, path="events/2027-03-13-meetup.md"):
    with pytest.raises(FrontMatterError) as info:
        frontmatter.split(text, path)
    return str(info.value)


def test_unclosed_list_names_the_line_and_key_where_it_opens_and_says_close_it():
    message = error_of(UNCLOSED_LIST)
    assert message.startswith("events/2027-03-13-meetup.md:8: front matter 'tracks': not valid YAML")
    assert "Close the list with ]" in message and "single quotes" not in message


def test_unclosed_mapping_and_quote_name_where_they_open():
    assert "x.md:3: front matter 'hide': " in error_of("---\ntitle: T\nhide: {toc: true\nend: 2\n---\n", "x.md")
    message = error_of('---\ntitle: T\nsummary: "Free\nend: 2\n---\n', "x.md")
    assert message.startswith("x.md:3: front matter 'summary'") and "Close the quoted value" in message


def test_colon_space_in_an_unquoted_value_names_its_line_and_key_and_says_quote_it():
    text = "---\ntime: 45 min\ndrop_in: Read \"Exercise: embed\" first\n---\n# T\n"
    message = error_of(text, "gpt2/02-embeddings.md")
    assert message.startswith("gpt2/02-embeddings.md:3: front matter 'drop_in'")
    assert "Put the value in single quotes" in message and "Close" not in message


def test_valid_front_matter_is_split_from_the_markdown_as_mkdocs_does():
    assert frontmatter.split("---\ntime: 45 min\n---\n\n# T\n", "ok.md") == ({"time": "45 min"}, "# T\n")
    assert frontmatter.split("# No front matter\n", "ok.md") == ({}, "# No front matter\n")
    assert frontmatter.split("---\njust text\n---\n# T\n", "ok.md") == ({}, "---\njust text\n---\n# T\n")


def test_error_without_a_key_is_the_path_and_the_message():
    assert str(FrontMatterError("events/2027/x.md", "", "move it")) == "events/2027/x.md: move it"
    assert str(FrontMatterError("e.md", "tracks", "bad", noun="field")) == "e.md: field 'tracks': bad"


def test_block_goes_after_the_title_not_after_a_comment_in_code():
    page = "```python\n# not a title\n```\n\n# Title\n\nBody\n"
    out = frontmatter.insert_after_title(page, "CARD")
    assert out.index("CARD") > out.index("# Title") and out.index("CARD") < out.index("Body")


def test_page_without_a_title_gets_one_before_the_block_when_given():
    assert frontmatter.insert_after_title("Body\n", "BOX", "Meetup") == "# Meetup\n\nBOX\nBody\n"
    assert frontmatter.insert_after_title("Body\n", "BOX") == "\n\nBOX\nBody\n"
