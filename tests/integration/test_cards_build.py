"""Through MkDocs: section-card problems fail the build naming file and key; the map is generated."""

import pytest

from tests.support import ROOT, build_site

CONFIG = f"""
site_name: Cards fixture
markdown_extensions: [md_in_html, tables]
hooks: ["{ROOT}/build_tools/site/cards_hook.py"]
nav:
  - gpt2/index.md
  - 1. One: gpt2/01-one.md
  - 2. Two: gpt2/02-two.md
"""
GOOD = "---\ntime: 30 min\nyou_will: Do one thing.\ndrop_in: Start at the top.\n---\n# One\n\nText.\n"


def build(tmp_path, pages):
    """Strict build of a fixture site with the cards hook and these pages into tmp_path/site."""
    for name, text in {"gpt2/index.md": "# GPT-2\n\n<!-- drop-in-map -->\n", **pages}.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text)
    (tmp_path / "mkdocs.yml").write_text(CONFIG)
    return build_site(tmp_path / "site", config=tmp_path / "mkdocs.yml")


def test_all_card_problems_are_reported_together_with_file_and_key(tmp_path):
    with pytest.raises(AssertionError) as failed:
        build(tmp_path, {"gpt2/01-one.md": "---\ntime: 30 min\n---\n# One\n",
                         "gpt2/02-two.md": "---\ntime: 30 min\nyou-will: x\n---\n# Two\n"})
    log = str(failed.value)
    assert "docs/gpt2/01-one.md: front matter 'you_will': missing" in log
    assert "docs/gpt2/02-two.md: front matter 'you-will': unknown key; did you mean 'you_will'?" in log


def test_valid_pages_get_a_card_and_the_track_page_a_map_in_nav_order(tmp_path):
    build(tmp_path, {"gpt2/01-one.md": GOOD, "gpt2/02-two.md": '# Two\n\n!!! note "In preparation"\n    Soon.\n'})
    one = (tmp_path / "site/gpt2/01-one/index.html").read_text()
    assert one.index("</h1>") < one.index('class="section-card"') < one.index("Text.")
    index = (tmp_path / "site/gpt2/index.html").read_text()
    assert 'data-sections="gpt2/01-one/"' in index
    assert index.index("1. One") < index.index("2. Two") and "<em>In preparation</em>" in index
