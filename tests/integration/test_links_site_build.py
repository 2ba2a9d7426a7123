"""A strict build of a tiny site with a broken anchor fails, naming the page and the anchor."""

import pytest

from tests.support import ROOT, build_site

FIXTURE = ROOT / "tests/fixtures/broken_links_site"


def test_build_fails_on_broken_markdown_anchor_and_raw_html_anchor(tmp_path):
    with pytest.raises(AssertionError) as failed:
        build_site(tmp_path / "site", config=FIXTURE / "mkdocs.yml")
    log = str(failed.value)
    # MkDocs's own validation: the Markdown link.
    assert "index.md" in log and "#no-such-heading" in log
    # Our HTML check: the raw-HTML link MkDocs cannot see.
    assert "index.html: link 'other/#raw-html-missing' -> other/index.html has no anchor #raw-html-missing" in log
    # The working link is not reported.
    assert "present-heading" not in log
