"""build_tools.site.cards: front-matter validation for section pages, the card and the drop-in map."""

import pytest

from build_tools.site import cards
from build_tools.site.frontmatter import FrontMatterError

META = {
    "time": "75 min",
    "prerequisites": "Python functions; `dict`",
    "you_will": "Implement *byte-pair encoding*.",
    "drop_in": 'Read "GPT-2 splits", then run the blocks.',
}
SECTION = "gpt2/01-tokenization.md"


def test_section_card_from_complete_front_matter():
    card = cards.parse_card(META, SECTION, "gpt2/01-tokenization/")
    assert card.section == "gpt2/01-tokenization/" and card.time == "75 min"


@pytest.mark.parametrize("missing", ["time", "you_will"])
def test_section_page_missing_a_required_key_fails_naming_file_and_key(missing):
    meta = {k: v for k, v in META.items() if k != missing}
    with pytest.raises(FrontMatterError) as info:
        cards.parse_card(meta, SECTION, "gpt2/01-tokenization/")
    assert str(info.value).startswith(SECTION) and f"'{missing}': missing" in str(info.value)


@pytest.mark.parametrize("typo, meant", [("you-will", "you_will"), ("dropin", "drop_in"),
                                         ("prerequisite", "prerequisites"), ("Time", "time")])
def test_misspelt_card_key_fails_and_suggests_the_right_one(typo, meant):
    with pytest.raises(FrontMatterError, match=f"'{typo}': unknown key; did you mean '{meant}'"):
        cards.parse_card({**META, typo: "x"}, SECTION, "s/")


def test_other_front_matter_keys_are_left_alone():
    assert cards.parse_card({**META, "title": "T", "hide": ["toc"]}, SECTION, "s/") is not None


def test_time_must_start_with_a_number_and_values_must_be_text():
    with pytest.raises(FrontMatterError, match="'time'.*start with a number"):
        cards.parse_card({**META, "time": "about an hour"}, SECTION, "s/")
    with pytest.raises(FrontMatterError, match="'prerequisites'.*one line of text"):
        cards.parse_card({**META, "prerequisites": ["a", "b"]}, SECTION, "s/")


def test_placeholder_and_non_section_pages_get_no_card():
    placeholder = '# Attention\n\n!!! note "In preparation"\n    Being written.\n'
    assert cards.parse_card({}, "gpt2/03-attention.md", "s/", placeholder) is None
    assert cards.parse_card({}, "gpt2/index.md", "gpt2/") is None
    assert cards.parse_card({}, "governance/glossary.md", "g/", "# Glossary", is_section=False) is None
    with pytest.raises(FrontMatterError):
        cards.parse_card({}, "gpt2/03-attention.md", "s/", "# Attention\n\nFinished text.\n")


def test_section_pages_are_direct_children_of_a_track_folder():
    assert cards.is_section_page("circuits/02-one-layer.md")
    assert not cards.is_section_page("circuits/index.md")
    assert not cards.is_section_page("governance/handouts/01-state-of-ai.md")
    assert not cards.is_section_page("organizers/publish.md")


def test_card_renders_inline_markdown_and_a_hidden_done_button(md):
    html = md("# Tokenization\n\n" + cards.render_card(cards.parse_card(META, SECTION, "gpt2/01-tokenization/")))
    assert html.index("</h1>") < html.index('<aside') and 'data-section="gpt2/01-tokenization/"' in html
    assert "<code>dict</code>" in html and "<em>byte-pair encoding</em>" in html
    assert html.count('class="section-card__row') == 4
    assert '<button type="button" class="section-card__done md-button" aria-pressed="false" hidden>' in html


def test_drop_in_map_lists_sections_in_order_with_progress_marks(md):
    done = cards.parse_card(META, SECTION, "gpt2/01-tokenization/")
    table = md(cards.render_drop_in_map("gpt2", [("1. Tokenization", "01-tokenization.md", done),
                                                 ("2. Embeddings | vectors", "02-embeddings.md", None)]))
    assert 'data-sections="gpt2/01-tokenization/"' in table
    assert table.index("1. Tokenization") < table.index("2. Embeddings | vectors")
    assert '<span class="progress-mark" data-section="gpt2/01-tokenization/"></span>' in table
    assert "<em>In preparation</em>" in table and 'href="02-embeddings.md"' in table


GOOD = "---\ntime: 30 min\nyou_will: Do one thing.\n---\n# One\n\nText.\n"
NAV = [("gpt2/index.md", None), ("gpt2/01-one.md", "1. One"), ("gpt2/02-two.md", "2. Two")]


def test_site_cards_put_the_card_under_the_title_and_the_map_in_nav_order():
    site = cards.SiteCards([("gpt2/index.md", "gpt2/", "# GPT-2\n\n<!-- drop-in-map -->\n"),
                            ("gpt2/01-one.md", "gpt2/01-one/", GOOD),
                            ("gpt2/02-two.md", "gpt2/02-two/", '# Two\n\n!!! note "In preparation"\n'),
                            ("gpt2/glossary.md", "gpt2/glossary/", "# Glossary\n")], NAV)
    one = site.page_markdown("gpt2/01-one.md", "# One\n\nText.\n")
    assert one.index("# One") < one.index('<aside class="section-card"') < one.index("Text.")
    index = site.page_markdown("gpt2/index.md", "# GPT-2\n\n<!-- drop-in-map -->\n")
    assert index.index("[1. One](01-one.md)") < index.index("[2. Two](02-two.md)") and "glossary" not in index


def test_site_cards_report_every_page_problem_together_with_docs_paths():
    with pytest.raises(ValueError) as info:
        cards.SiteCards([("gpt2/01-one.md", "gpt2/01-one/", "---\ntime: 30 min\n---\n# One\n"),
                         ("gpt2/02-two.md", "gpt2/02-two/", "---\ntime: 30 min\nyou-will: x\n---\n# Two\n")], NAV)
    message = str(info.value)
    assert message.startswith("Section front matter problems (see docs/organizers/add-a-chapter.md):")
    assert "docs/gpt2/01-one.md: front matter 'you_will': missing" in message
    assert "docs/gpt2/02-two.md: front matter 'you-will': unknown key; did you mean 'you_will'?" in message


def test_drop_in_map_marker_outside_a_track_index_is_an_error():
    with pytest.raises(ValueError, match="docs/organizers/x.md: <!-- drop-in-map --> belongs only in"):
        cards.SiteCards([], []).page_markdown("organizers/x.md", "# X\n\n<!-- drop-in-map -->\n")
